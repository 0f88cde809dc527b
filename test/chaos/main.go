// Command chaos proves the operator at scale and under fire (`make
// chaos`): hundreds of OnlineMeetings across namespaces against the
// graph-emulator binary injecting 503s, connection resets, committed
// writes whose answer is lost, requests held past the client's timeout
// and a rate limit; the API server behind a proxy that refuses a share of
// the operator's writes with 409 Conflict; two manager replicas with
// leader election whose leader is SIGKILLed at random moments; specs
// changed and resources deleted (deletionPolicy Delete and Orphan) while
// all that goes on. Then the faults stop, everything must converge, and
// the emulator's store is the judge: every remaining resource has exactly
// one meeting, matching its spec, and is Ready; a deleted Delete-policy
// resource left none, an Orphan one kept its meeting; no externalId ever
// got a second meeting; no secret or token appears in any log, Event or
// status. It prints the counts and exits non-zero on any violation.
//
// Everything the harness decides comes from one seed (printed at the
// start: replay with --seed N). The order in which concurrent requests
// meet the emulator's fault dice and the proxy's, and the moments the
// processes reach each step, are the operating system's: a replay runs
// the same plan and the same dice sequences, not the same interleaving.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/emulator"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/test/e2e"
)

// options are the command line.
type options struct {
	root, work, manager, emulatorBin string
	seed                             uint64
	short, printPlan                 bool

	meetings, namespaces, changes, deletes, kills, replicas int
	storm, fireSettle, converge                             time.Duration

	failureRate, resetRate, loseRate, timeoutRate, rateLimit float64
	rateBurst                                                int
	conflictRate                                             float64

	graphQPS                 float64
	graphBurst, maxReconcile int
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("chaos", flag.ContinueOnError)
	fs.StringVar(&o.root, "root", ".", "the repository's top folder (CRDs, bin/k8s)")
	fs.StringVar(&o.work, "work", "bin/chaos", "where each run writes its logs, in a folder named for the seed")
	fs.StringVar(&o.manager, "manager", "bin/manager", "the manager binary")
	fs.StringVar(&o.emulatorBin, "graph-emulator", "bin/graph-emulator", "the graph-emulator binary")
	fs.Uint64Var(&o.seed, "seed", 0, "seed of everything random (0: from the clock, printed)")
	fs.BoolVar(&o.short, "short", false, "the CI run: 50 meetings, 10 changes, 10 deletes, one SIGKILL of the leader of two replicas, a 40s storm, 10 requests/s (flags given explicitly still win)")
	fs.BoolVar(&o.printPlan, "print-plan", false, "print the plan the seed makes (every action and its moment) and exit")
	fs.IntVar(&o.meetings, "meetings", 500, "OnlineMeetings to create")
	fs.IntVar(&o.namespaces, "namespaces", 3, "namespaces to spread them over")
	fs.IntVar(&o.changes, "changes", 100, "spec changes (subject, times and/or attendees) at random moments")
	fs.IntVar(&o.deletes, "deletes", 100, "resources to delete at random moments, half with deletionPolicy Delete, half Orphan")
	fs.IntVar(&o.kills, "kills", 3, "SIGKILLs of the leading manager at random moments (each restarted at once)")
	fs.IntVar(&o.replicas, "replicas", 2, "manager replicas; more than one runs with --leader-elect")
	fs.DurationVar(&o.storm, "storm", 150*time.Second, "how long the creations (first 40%), changes, deletes and kills are spread over")
	fs.DurationVar(&o.fireSettle, "fire-settle", time.Minute, "after the storm, how long the faults stay on while waiting for convergence")
	fs.DurationVar(&o.converge, "converge-timeout", 10*time.Minute, "once the faults are off, how long to wait for convergence")
	fs.Float64Var(&o.failureRate, "failure-rate", 0.10, "fraction of Graph requests answered 503")
	fs.Float64Var(&o.resetRate, "reset-rate", 0.05, "fraction of Graph requests whose connection is reset")
	fs.Float64Var(&o.loseRate, "lose-response-rate", 0.05, "fraction of Graph writes committed and then left unanswered")
	fs.Float64Var(&o.timeoutRate, "timeout-rate", 0.02, "fraction of Graph requests held until the client gives up (its timeout is 30s)")
	fs.Float64Var(&o.rateLimit, "rate-limit", 20, "Graph requests per second the emulator allows before 429 with Retry-After (--short: 10)")
	fs.IntVar(&o.rateBurst, "rate-burst", 0, "the emulator's token bucket (0: the rate, rounded up)")
	fs.Float64Var(&o.conflictRate, "conflict-rate", 0.10, "fraction of the operator's PUTs and PATCHes of OnlineMeetings (and status) the proxy refuses with 409")
	fs.Float64Var(&o.graphQPS, "graph-qps", 100, "the manager's --graph-qps (above --rate-limit, so that 429s happen)")
	fs.IntVar(&o.graphBurst, "graph-burst", 100, "the manager's --graph-burst")
	fs.IntVar(&o.maxReconcile, "max-concurrent-reconciles", 16, "the manager's --max-concurrent-reconciles (held requests take a worker for 30s each)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.short {
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		short := map[string]string{"meetings": "50", "changes": "10", "deletes": "10", "kills": "1",
			"storm": "40s", "fire-settle": "20s", "converge-timeout": "2m", "rate-limit": "10"}
		for name, v := range short {
			if !set[name] {
				_ = fs.Set(name, v)
			}
		}
	}
	if o.seed == 0 {
		o.seed = uint64(time.Now().UnixNano())%1_000_000 + 1
	}
	if o.replicas < 1 {
		return o, errors.New("--replicas must be at least 1")
	}
	return o, nil
}

var (
	began     = time.Now()
	printLock sync.Mutex
)

// progress prints a line stamped with the time since the start.
func progress(format string, args ...any) {
	printLock.Lock()
	defer printLock.Unlock()
	fmt.Printf("[%6.1fs] %s\n", time.Since(began).Seconds(), fmt.Sprintf(format, args...))
}

func main() {
	o, err := parseFlags(os.Args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "chaos:", err)
		os.Exit(2)
	}
	replay := fmt.Sprintf("--seed %d", o.seed)
	if o.short {
		replay += " --short"
	}
	fmt.Printf("chaos: seed %d (replay with %s)\n", o.seed, replay)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err = run(ctx, o)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "\nFAIL (seed %d; replay with %s, which replays the plan and the fault dice but not the\n"+
			"interleaving of concurrent requests, so run it a few times):\n%v\n", o.seed, replay, err)
		os.Exit(1)
	}
	fmt.Printf("\nPASS (seed %d)\n", o.seed)
}

func run(ctx context.Context, o options) error {
	root, err := filepath.Abs(o.root)
	if err != nil {
		return err
	}
	abs := func(p string) string {
		if filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(root, p)
	}
	work := filepath.Join(abs(o.work), fmt.Sprintf("seed-%d", o.seed))
	if err := os.RemoveAll(work); err != nil {
		return err
	}
	if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}

	p, err := newPlan(o.seed, planConfig{Meetings: o.meetings, Namespaces: o.namespaces, Changes: o.changes,
		Deletes: o.deletes, Kills: o.kills, Storm: o.storm, KillGap: 25 * time.Second})
	if err != nil {
		return err
	}
	if o.printPlan {
		printPlan(p)
		return nil
	}
	orphans := 0
	for _, m := range p.Meetings {
		if m.Spec.DeletionPolicy == "Orphan" {
			orphans++
		}
	}
	progress("plan: %d meetings (%d Delete, %d Orphan) in %d namespaces, %d changes, %d deletes, %d kills of %d replica(s) over a %s storm; logs in %s",
		len(p.Meetings), len(p.Meetings)-orphans, orphans, len(p.Namespaces), o.changes, o.deletes, o.kills, o.replicas, o.storm, work)

	var phases []phase
	mark := time.Now()
	lap := func(name string) {
		phases = append(phases, phase{name, time.Since(mark)})
		mark = time.Now()
	}

	cluster, err := e2e.StartCluster(root, work)
	if err != nil {
		return err
	}
	defer cluster.Stop()
	emu, err := e2e.StartEmulator(abs(o.emulatorBin), work, "--debug", "--fault-seed", strconv.FormatUint(o.seed, 10))
	if err != nil {
		return err
	}
	defer emu.Stop()
	dice := rand.New(rand.NewPCG(o.seed, 0x70726f7879)) // "proxy"
	proxy, err := e2e.StartConflictProxy(e2e.ConflictProxyConfig{Upstream: cluster.ManagerConfig,
		Kubeconfig: filepath.Join(work, "proxy.kubeconfig"), Dice: dice.Float64})
	if err != nil {
		return err
	}
	defer proxy.Stop()
	for _, ns := range p.Namespaces {
		if err := cluster.EnsureNamespace(ctx, ns); err != nil {
			return err
		}
	}
	fl, err := startFleet(e2e.ManagerConfig{Binary: abs(o.manager), Kubeconfig: proxy.Kubeconfig, CAFile: emu.CAFile,
		Args: []string{
			fmt.Sprintf("--graph-qps=%g", o.graphQPS), fmt.Sprintf("--graph-burst=%d", o.graphBurst),
			fmt.Sprintf("--max-concurrent-reconciles=%d", o.maxReconcile),
		}}, work, o.replicas)
	if err != nil {
		return err
	}
	stopped := false
	defer func() {
		if !stopped {
			fl.stop()
		}
	}()
	if err := cluster.CreateConnection(ctx, emu.URL); err != nil {
		return err
	}
	if fl.waitLeader(ctx, time.Minute) == nil {
		return errors.New("no manager replica leads after a minute")
	}
	lap("setup")
	progress("control plane, emulator, proxy and %d manager replica(s) up; the connection is Ready", o.replicas)

	// The storm.
	storm := &storm{cluster: cluster, plan: p, fleet: fl}
	faults := emulator.Faults{FailureRate: o.failureRate, ResetRate: o.resetRate, LoseResponseRate: o.loseRate,
		TimeoutRate: o.timeoutRate, RateLimit: o.rateLimit, RateBurst: o.rateBurst}
	if err := emu.SetFaults(faults); err != nil {
		return err
	}
	proxy.SetRate(o.conflictRate)
	progress("storm: faults on (503 %.0f%%, reset %.0f%%, lost response %.0f%%, timeout %.0f%%, %g requests/s), proxy refuses %.0f%% of OnlineMeeting writes",
		100*o.failureRate, 100*o.resetRate, 100*o.loseRate, 100*o.timeoutRate, o.rateLimit, 100*o.conflictRate)
	scrapeCtx, stopScrape := context.WithCancel(ctx)
	defer stopScrape()
	go fl.scrapeEvery(scrapeCtx, 2*time.Second)
	go func() {
		for {
			select {
			case <-scrapeCtx.Done():
				return
			case <-time.After(10 * time.Second):
			}
			created, changes, deletes, kills := storm.done()
			isCreated, isDeleted := storm.sofar()
			if st, err := listState(ctx, cluster); err == nil {
				progress("storm: %d created, %d changed, %d deleted, %d kills; %s", created, changes, deletes, kills, measure(p, st, isCreated, isDeleted))
			}
		}
	}()
	if err := storm.run(ctx); err != nil {
		return err
	}
	lap("storm")
	progress("storm over; waiting up to %s with the faults still on", o.fireSettle)
	underFire, fireErr := waitConverged(ctx, cluster, p, o.fireSettle, 10*time.Second, fl)
	lap("settle under fire")
	if fireErr == nil {
		progress("converged under fire: %s", underFire)
	} else {
		progress("not converged under fire: %s", underFire)
	}

	// Calm: the faults stop, everything must converge.
	if err := emu.SetFaults(emulator.Faults{}); err != nil {
		return err
	}
	proxy.SetRate(0)
	var v verdict
	progress("faults off; waiting up to %s for convergence", o.converge)
	conv, convErr := waitConverged(ctx, cluster, p, o.converge, 10*time.Second, fl)
	lap("converge")
	stopScrape()
	if convErr != nil {
		v.fail("%v", convErr)
	} else {
		progress("converged: %s", conv)
	}

	// The judge: Graph's store.
	st, err := listState(ctx, cluster)
	if err != nil {
		return err
	}
	all, err := emu.Meetings(true)
	if err != nil {
		return err
	}
	stats, err := emu.Stats()
	if err != nil {
		return err
	}
	oc := checkFinal(p, st, all, storm, &v)
	// Every meeting was made by a createOrGet answered 201, or by one
	// whose answer was lost.
	if answered, unanswered := stats.Requests["createOrGet"][201], stats.Requests["createOrGet"][0]; len(all) < answered || len(all) > answered+unanswered {
		v.fail("the emulator holds %d meetings, but answered 201 to %d createOrGets and left %d unanswered", len(all), answered, unanswered)
	}

	lease := describeLease(ctx, cluster)
	fl.stop()
	stopped = true
	files := append(fl.logFiles(), filepath.Join(work, "graph-emulator.log"), filepath.Join(work, "audit.log"))
	scanned, err := scanForSecrets(ctx, cluster, files)
	if err != nil {
		v.fail("%v", err)
	}
	lap("check")

	r := &report{opts: o, seed: o.seed, plan: p, storm: storm, stats: stats, lost: lostResponses(filepath.Join(work, "graph-emulator.log")),
		proxy: proxy.Counts(), managers: sumManagers(fl.lastScrapes()), kills: fl.kills, leaseLost: fl.leaseLost, outcome: oc, scanBytes: scanned, phases: phases, lease: lease}
	r.print()
	if len(v.violations) > 0 {
		max := min(len(v.violations), 40)
		msg := fmt.Sprintf("%d violation(s)", len(v.violations))
		for _, s := range v.violations[:max] {
			msg += "\n  - " + s
		}
		if max < len(v.violations) {
			msg += fmt.Sprintf("\n  … and %d more", len(v.violations)-max)
		}
		msg += evidence(v.violations, fl.logFiles(), 3, 40)
		return fmt.Errorf("%s\nlogs: %s", msg, work)
	}
	return nil
}
