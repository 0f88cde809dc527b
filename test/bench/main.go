// Command bench measures the operator at scale, from outside, as `make
// bench` runs it: a local control plane with an audit log, the
// graph-emulator binary and the real manager binary, one fresh emulator
// and manager process per scenario. It prints a table (scenario, figure,
// value, target, result) and writes the figures as JSON. Every figure is
// measured: the emulator's statistics and request log, the API server's
// audit log, the manager's own metrics and log, /proc/<pid>/status, and
// the time the harness's watch saw each meeting Ready.
//
// It builds nothing: build bin/manager and bin/graph-emulator first (the
// Makefile's bench target does). Count targets (Graph calls, writes) fail
// the run, exit code 1; time targets are reported met or missed and never
// fail it, since they depend on the machine.
//
//	go run ./test/bench --n 1000 --scenarios all --out bench/results.json
//	go run ./test/bench --smoke
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/onlinemeeting-operator/onlinemeeting-operator/test/e2e"
)

// scenarioIDs in the order, which is also the table's.
var scenarioIDs = []string{"burst", "defaults", "restart", "steady", "update", "scale", "delete", "noisy", "shards"}

var titles = map[string]string{
	"burst":    "1 Burst",
	"defaults": "2 Defaults",
	"restart":  "3 Restart",
	"steady":   "4 Steady state",
	"update":   "5 Update wave",
	"scale":    "6 Scale",
	"delete":   "7 Delete all",
	"noisy":    "8 Noisy neighbour",
	"shards":   "9 Two shards",
}

type config struct {
	n, scaleN, shardN int
	smoke             bool
	scenarios         string
	out               string
	root, work        string
	managerBin        string
	emulatorBin       string
	steadyWindow      time.Duration
	managerEnv        stringList
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	var cfg config
	fs := flag.NewFlagSet("bench", flag.ExitOnError)
	fs.IntVar(&cfg.n, "n", 1000, "meetings in scenarios 1, 2, 3, 4, 5, 7 and 8")
	fs.IntVar(&cfg.scaleN, "scale-n", 10000, "meetings in scenario 6 (scale)")
	fs.IntVar(&cfg.shardN, "shard-n", 2000, "meetings in scenario 9 (two shards), half of them for each")
	fs.BoolVar(&cfg.smoke, "smoke", false, "a quick run for CI: --n=20 --scale-n=200 --shard-n=40, no steady-state window; asserts counts only")
	fs.StringVar(&cfg.scenarios, "scenarios", "all", "comma-separated scenarios to run, or all: "+strings.Join(scenarioIDs, ","))
	fs.StringVar(&cfg.out, "out", "bench/results.json", "where to write the figures as JSON (empty: nowhere)")
	fs.StringVar(&cfg.root, "root", ".", "the repository (bin/k8s, config/crd/bases)")
	fs.StringVar(&cfg.work, "work", "bench/work", "directory for logs (managers, emulators, audit log); emptied first")
	fs.StringVar(&cfg.managerBin, "manager", "bin/manager", "the manager binary")
	fs.StringVar(&cfg.emulatorBin, "emulator", "bin/graph-emulator", "the graph-emulator binary")
	fs.DurationVar(&cfg.steadyWindow, "steady-window", 3*time.Minute+30*time.Second, "how long scenario 4 watches the manager at --resync-period=1m")
	markdown := fs.String("markdown", "", "print the table of a results file as Markdown and exit (runs nothing)")
	fs.Var(&cfg.managerEnv, "manager-env", "KEY=VALUE set in every manager's environment, e.g. GOMEMLIMIT=100MiB (repeatable); the defaults are the operator as shipped")
	_ = fs.Parse(os.Args[1:])
	if *markdown != "" {
		rep, err := readReport(*markdown)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(2)
		}
		rep.printMarkdown(os.Stdout)
		return
	}
	if cfg.smoke {
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		if !set["n"] {
			cfg.n = 20
		}
		if !set["scale-n"] {
			cfg.scaleN = 200
		}
		if !set["shard-n"] {
			cfg.shardN = 40
		}
	}
	os.Exit(run(cfg))
}

func run(cfg config) int {
	want, err := parseScenarios(cfg.scenarios)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 2
	}
	for _, p := range []*string{&cfg.root, &cfg.work, &cfg.managerBin, &cfg.emulatorBin} {
		if *p, err = filepath.Abs(*p); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			return 2
		}
	}
	for _, bin := range []string{cfg.managerBin, cfg.emulatorBin} {
		if _, err := os.Stat(bin); err != nil {
			fmt.Fprintf(os.Stderr, "bench: %v: build it first (make bench does)\n", err)
			return 2
		}
	}
	if cfg.shardN%2 != 0 {
		fmt.Fprintln(os.Stderr, "bench: --shard-n must be even")
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	rep := &Report{
		Machine: describeMachine(cfg.managerBin, cfg.emulatorBin),
		Flags: map[string]any{"n": cfg.n, "scaleN": cfg.scaleN, "shardN": cfg.shardN, "smoke": cfg.smoke,
			"scenarios": cfg.scenarios, "steadyWindow": cfg.steadyWindow.String(), "managerEnv": []string(cfg.managerEnv)},
		Started: time.Now().UTC(),
		Method:  method,
	}
	// Two runs on one work directory would share its audit log and
	// count each other's writes.
	unlock, err := lockWork(cfg.work)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 2
	}
	defer unlock()
	_ = os.RemoveAll(cfg.work)
	if err := os.MkdirAll(cfg.work, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 2
	}
	// envtest gives the API server 20 s to start; on a busy machine of two
	// cores that is not always enough.
	if os.Getenv("KUBEBUILDER_CONTROLPLANE_START_TIMEOUT") == "" {
		_ = os.Setenv("KUBEBUILDER_CONTROLPLANE_START_TIMEOUT", "2m")
	}
	ctrllog.SetLogger(logr.Discard())
	logf("Starting the control plane (logs under %s)", cfg.work)
	cluster, err := e2e.StartCluster(cfg.root, cfg.work)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 2
	}
	e := &env{cfg: cfg, cluster: cluster, managers: map[*e2e.Manager]string{}}
	defer e.close()
	if e.ready, err = cluster.WatchReadiness(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 2
	}

	add := func(rs ...*Result) {
		for _, r := range rs {
			switch {
			case r.Skipped != "" && r.Seconds == 0:
				logf("%s skipped: %s", r.Title, r.Skipped)
			case r.Seconds == 0:
				r.Seconds = seconds(time.Since(r.started))
				logf("%s done in %.0f s%s", r.Title, r.Seconds, status(r))
			}
			rep.Scenarios = append(rep.Scenarios, r)
		}
		rep.Seconds = seconds(time.Since(rep.Started))
		if err := rep.write(cfg.out); err != nil {
			fmt.Fprintln(os.Stderr, "bench: writing results:", err)
		}
	}
	// Each scenario's meetings go when it ends, failed or not; if they
	// cannot, the run stops, since the next manager would count them.
	cleared := true
	clearUp := func(namespaces ...string) {
		if err := e.clear(ctx, namespaces...); err != nil {
			logf("%v: the scenarios after this one would count its meetings, so the run stops here", err)
			cleared = false
		}
	}
	single := func(id string, f func(context.Context, *Result) error, namespaces ...string) {
		if !want[id] || ctx.Err() != nil || !cleared {
			return
		}
		logf("%s: running", titles[id])
		r := newResult(id, titles[id], cfg.smoke)
		if err := f(ctx, r); err != nil {
			r.Error = err.Error()
		}
		add(r)
		clearUp(namespaces...)
	}

	if want["burst"] || want["restart"] || want["steady"] || want["update"] || want["delete"] {
		logf("1 Burst, 3 Restart, 4 Steady state, 5 Update wave, 7 Delete all: running over one set of %d meetings", cfg.n)
		add(e.lifecycle(ctx, want)...)
		clearUp(burstNamespace)
	}
	single("defaults", e.defaults, defaultsNamespace)
	single("noisy", e.noisy, noisyNamespaces...)
	single("shards", e.shards, shardsNamespace)
	// Last: its thousands of meetings are left for the control plane's
	// end rather than purged one by one.
	single("scale", e.scale)
	if ctx.Err() != nil {
		fmt.Fprintln(os.Stderr, "bench: interrupted")
	}

	sort.SliceStable(rep.Scenarios, func(i, j int) bool {
		return indexOf(rep.Scenarios[i].ID) < indexOf(rep.Scenarios[j].ID)
	})
	for _, r := range rep.Scenarios {
		rep.CountTargetsMissed = append(rep.CountTargetsMissed, r.failedCounts()...)
	}
	if !cleared {
		rep.CountTargetsMissed = append(rep.CountTargetsMissed, "a scenario's meetings could not be cleared: the run stopped before the scenarios after it")
	}
	rep.Seconds = seconds(time.Since(rep.Started))
	if err := rep.write(cfg.out); err != nil {
		fmt.Fprintln(os.Stderr, "bench: writing results:", err)
	}
	fmt.Println()
	rep.printTable(os.Stdout)
	fmt.Printf("\nMachine: %s, %d cores, %.1f GiB, kernel %s, %s; manager built from %s%s.\n",
		rep.Machine.CPUModel, rep.Machine.Cores, rep.Machine.MemoryGiB, rep.Machine.Kernel, rep.Machine.ManagerGo,
		orUnknown(rep.Machine.Commit), map[bool]string{true: " with uncommitted changes"}[rep.Machine.TreeChanged])
	fmt.Printf("Run took %.0f s. Figures in %s; logs in %s.\n", rep.Seconds, orUnknown(cfg.out), cfg.work)
	if cfg.smoke {
		fmt.Println("Smoke run: counts are asserted, times are printed and never asserted.")
	}
	if len(rep.CountTargetsMissed) > 0 {
		fmt.Printf("\nFAILED: %s\n", strings.Join(rep.CountTargetsMissed, "; "))
		return 1
	}
	if ctx.Err() != nil {
		return 1
	}
	return 0
}

func parseScenarios(s string) (map[string]bool, error) {
	want := map[string]bool{}
	for _, id := range strings.Split(s, ",") {
		id = strings.TrimSpace(id)
		switch {
		case id == "all":
			for _, id := range scenarioIDs {
				want[id] = true
			}
		case titles[id] != "":
			want[id] = true
		case id == "":
		default:
			return nil, fmt.Errorf("unknown scenario %q (know: all, %s)", id, strings.Join(scenarioIDs, ", "))
		}
	}
	if len(want) == 0 {
		return nil, errors.New("no scenario to run")
	}
	return want, nil
}

func indexOf(id string) int {
	for i, s := range scenarioIDs {
		if s == id {
			return i
		}
	}
	return len(scenarioIDs)
}

func status(r *Result) string {
	switch {
	case r.Skipped != "":
		return " (skipped: " + r.Skipped + ")"
	case r.Error != "":
		return " (FAILED: " + oneLine(r.Error) + ")"
	}
	return ""
}

func orUnknown(s string) string {
	if s == "" {
		return "(unknown)"
	}
	return s
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

// method is how the figures are measured, written into results.json so
// that the file explains itself.
var method = map[string]string{
	"time to Ready": "The harness watches every OnlineMeeting and records when each is first Ready with observedGeneration equal to its generation; a scenario's time runs from the start of its apply to the last such moment.",
	"floor":         "max(N×calls/rate, N×calls×latency/workers, the apply's own duration): the least time the work can take at the tenant's (or client's) rate, at the workers' latency-bound pace, and no faster than the harness applies it.",
	"Graph calls":   "The emulator's statistics (requests by operation and status), reset before each scenario; per-meeting counts from its --debug request log. Token and discovery requests are Azure AD's, reported apart.",
	"writes":        "The API server's audit log (create/update/patch/delete of onlinemeetings, onlinemeetings/status and events by the manager's user), read from a mark taken before each scenario, per object; and the manager's own rest_client_requests_total.",
	"memory":        "VmHWM (peak resident set) from /proc/<pid>/status of the manager process, fresh for each scenario.",
	"restart":       "A fresh manager at --zap-log-level=5 logs each finished reconcile with its object; the harness counts distinct meetings until all N have been reconciled once.",
	"steady state":  "A manager at --resync-period=1m for the window; the mean interval between two GETs of one meeting (emulator log) scales by 60 to the default 1h period; writes per GET (audit log) times GETs per hour gives writes per hour.",
}

// lockWork takes an exclusive lock next to the work directory, held until
// unlock or the process's end.
func lockWork(work string) (unlock func(), err error) {
	if err := os.MkdirAll(filepath.Dir(work), 0o755); err != nil {
		return nil, err
	}
	path := work + ".lock"
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("another run uses %s (%s is locked): %w", work, path, err)
	}
	return func() { f.Close() }, nil
}
