package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/emulator"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/test/e2e"
)

// env is the run's shared state: one control plane for the whole run (it
// takes the longest to start), and the emulator and managers of the
// scenario at hand.
type env struct {
	cfg     config
	cluster *e2e.Cluster
	ready   *e2e.Readiness
	emu     *e2e.Emulator
	// emuLog is the current emulator's log (its --debug lines are the
	// per-meeting record of Graph requests).
	emuLog   string
	managers map[*e2e.Manager]string
}

// newEmulator stops the current emulator and starts a fresh one with
// args, its files under work/name.
func (e *env) newEmulator(name string, args ...string) error {
	if e.emu != nil {
		e.emu.Stop()
		e.emu = nil
	}
	dir := filepath.Join(e.cfg.work, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	emu, err := e2e.StartEmulator(e.cfg.emulatorBin, dir, args...)
	if err != nil {
		return err
	}
	e.emu, e.emuLog = emu, filepath.Join(dir, "graph-emulator.log")
	return nil
}

// alone sets up a scenario that runs on its own: its namespaces, a fresh
// emulator with emulatorArgs and a fresh manager with managerArgs, both
// named name. The caller stops the manager.
func (e *env) alone(ctx context.Context, name string, namespaces, emulatorArgs []string, managerArgs ...string) (*e2e.Manager, error) {
	for _, ns := range namespaces {
		if err := e.cluster.EnsureNamespace(ctx, ns); err != nil {
			return nil, err
		}
	}
	if err := e.newEmulator(name, emulatorArgs...); err != nil {
		return nil, err
	}
	return e.startManager(ctx, name, managerArgs...)
}

// startManager starts a fresh manager process with args, logging to
// work/name.log, and points the ClusterGraphConnection at the current
// emulator (waiting until the manager has found it Ready).
func (e *env) startManager(ctx context.Context, name string, args ...string) (*e2e.Manager, error) {
	return e.startManagerAs(ctx, name, e.cluster.ManagerKubeconfig, args...)
}

// startManagerAs is startManager with another kubeconfig (another user).
func (e *env) startManagerAs(ctx context.Context, name, kubeconfig string, args ...string) (*e2e.Manager, error) {
	logFile := filepath.Join(e.cfg.work, name+".log")
	_ = os.Remove(logFile)
	m, err := e2e.StartManager(e2e.ManagerConfig{
		Binary: e.cfg.managerBin, Kubeconfig: kubeconfig, CAFile: e.emu.CAFile, LogFile: logFile, Args: args,
		Env: e.cfg.managerEnv,
	})
	if err != nil {
		return nil, err
	}
	e.managers[m] = name
	if err := e.cluster.PointConnection(ctx, e.emu.URL); err != nil {
		e.stopManager(m)
		return nil, fmt.Errorf("%w (manager log: %s)", err, logFile)
	}
	return m, nil
}

func (e *env) stopManager(m *e2e.Manager) {
	if m == nil {
		return
	}
	if _, ok := e.managers[m]; ok {
		m.Stop()
		delete(e.managers, m)
	}
}

// clear stops every manager still running and removes the meetings of
// namespaces, whether the scenario succeeded or not: a failed scenario's
// meetings would otherwise be reconciled, and counted, by the next
// scenario's manager.
func (e *env) clear(ctx context.Context, namespaces ...string) error {
	for m := range e.managers {
		m.Stop()
		delete(e.managers, m)
	}
	for _, ns := range namespaces {
		if err := e.cluster.Purge(ctx, ns); err != nil {
			return fmt.Errorf("clearing %s: %w", ns, err)
		}
	}
	return nil
}

// close stops everything the run started.
func (e *env) close() {
	for m := range e.managers {
		m.Stop()
	}
	if e.emu != nil {
		e.emu.Stop()
	}
	if e.cluster != nil {
		e.cluster.Stop()
	}
}

// settle lets the manager's Events (recorded asynchronously) reach the
// API server and its audit log before writes are counted.
func (e *env) settle(ctx context.Context) {
	sleep(ctx, 3*time.Second)
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// meetings are n meetings in ns named prefix-00000...
func meetings(ns, prefix string, n int) []*teamsv1alpha1.OnlineMeeting {
	ms := make([]*teamsv1alpha1.OnlineMeeting, n)
	for i := range ms {
		ms[i] = e2e.Meeting(ns, prefix, i)
	}
	return ms
}

// graphOps are the Graph operations the emulator counts; token,
// discovery and keys are Azure AD's, counted apart.
var graphOps = []string{"createOrGet", "get", "update", "delete", "list", "unknown"}

// answered is the number of op requests answered other than 429.
func answered(st emulator.Stats, op string) int {
	n := 0
	for code, c := range st.Requests[op] {
		if code != 429 {
			n += c
		}
	}
	return n
}

// graphRequests is every Graph request, throttled ones included.
func graphRequests(st emulator.Stats) int {
	n := 0
	for _, op := range graphOps {
		n += st.Count(op)
	}
	return n
}

// throttled is the number of Graph requests answered 429.
func throttled(st emulator.Stats) int {
	n := 0
	for _, op := range graphOps {
		n += st.Requests[op][429]
	}
	return n
}

// otherCalls sums the requests of every Graph operation but keep, and
// says which they were.
func otherCalls(st emulator.Stats, keep ...string) (int, string) {
	n := 0
	var parts []string
	for _, op := range graphOps {
		if contains(keep, op) {
			continue
		}
		if c := st.Count(op); c > 0 {
			n += c
			parts = append(parts, fmt.Sprintf("%s=%d", op, c))
		}
	}
	return n, strings.Join(parts, ", ")
}

// aadRequests is the Azure AD requests (token, discovery, keys).
func aadRequests(st emulator.Stats) int {
	return st.Count("token") + st.Count("discovery") + st.Count("keys")
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// floor is the least time n meetings can take when each costs calls Graph
// requests: the tenant's (or client's) rate, the workers' latency-bound
// pace, and the apply itself. It returns the floor and how it was found.
func floor(n, calls int, rate float64, latency time.Duration, workers int, apply time.Duration) (time.Duration, string) {
	byRate := time.Duration(0)
	if rate > 0 {
		byRate = time.Duration(float64(n*calls) / rate * float64(time.Second))
	}
	byLatency := time.Duration(n*calls) * latency / time.Duration(max(workers, 1))
	terms := []struct {
		name string
		d    time.Duration
	}{
		{fmt.Sprintf("N×calls/rate = %d×%d/%g", n, calls, rate), byRate},
		{fmt.Sprintf("N×calls×latency/workers = %d×%d×%s/%d", n, calls, latency, workers), byLatency},
		{"the apply itself", apply},
	}
	sort.SliceStable(terms, func(i, j int) bool { return terms[i].d > terms[j].d })
	var parts []string
	for _, t := range terms {
		parts = append(parts, fmt.Sprintf("%s = %.2f s", t.name, t.d.Seconds()))
	}
	return terms[0].d, "floor = max(" + strings.Join(parts, "; ") + ")"
}

// waitFor is how long to wait for something expected to take about d.
func waitFor(d time.Duration) time.Duration { return 3*d + 3*time.Minute }

// reconciles is the manager's count of finished OnlineMeeting reconciles.
func reconciles(m *e2e.Manager) (float64, error) {
	ms, err := m.Metrics()
	if err != nil {
		return 0, err
	}
	return ms.Sum("controller_runtime_reconcile_total", map[string]string{"controller": "onlinemeeting"}), nil
}

// waitReconciles waits until the manager has finished n OnlineMeeting
// reconciles: a fresh manager's initial list is done, so that what a
// scenario measures next is not mixed with it.
func waitReconciles(ctx context.Context, m *e2e.Manager, n int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		got, err := reconciles(m)
		if err == nil && got >= float64(n) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the manager finished %v of %d reconciles within %s (last error: %v)", got, n, timeout, err)
		}
		sleep(ctx, 200*time.Millisecond)
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

// lagCheck adds, beside a time the harness's watch measured, the same
// time read from the meetings themselves: the latest lastTransitionTime
// of their Ready conditions (whole seconds, set by the operator just
// before its status write). The two agreeing shows the watch did not lag.
func (e *env) lagCheck(ctx context.Context, r *Result, ns string, start time.Time) {
	var l teamsv1alpha1.OnlineMeetingList
	if err := e.cluster.Client.List(ctx, &l, client.InNamespace(ns)); err != nil {
		logf("%s: listing %s for the lag check: %v", r.Title, ns, err)
		return
	}
	var last time.Time
	for i := range l.Items {
		if c := meta.FindStatusCondition(l.Items[i].Status.Conditions, teamsv1alpha1.ConditionReady); c != nil && c.LastTransitionTime.After(last) {
			last = c.LastTransitionTime.Time
		}
	}
	if last.IsZero() {
		return
	}
	r.info("time to all Ready, by the conditions", seconds(last.Sub(start)), "s",
		"latest Ready lastTransitionTime (1 s resolution) − start of the apply",
		"a check on the harness's watch: it should agree with the watched time to about a second")
}

// whileRunning returns a context for a wait on the managers' work that
// ends, with the reason, as soon as one of ms exits: a manager that died
// (lost its Lease, say) fails the scenario at once and says why, instead of
// leaving the harness to wait out its timeout. Call stop when the wait is
// over, before stopping the managers.
func (e *env) whileRunning(ctx context.Context, ms ...*e2e.Manager) (wctx context.Context, stop func()) {
	wctx, cancel := context.WithCancelCause(ctx)
	for _, m := range ms {
		name := e.managers[m]
		go func() {
			select {
			case <-m.Exited():
				logFile := filepath.Join(e.cfg.work, name+".log")
				cancel(fmt.Errorf("the manager %q exited while the harness waited: %s (see %s)", name, lastError(logFile), logFile))
			case <-wctx.Done():
			}
		}()
	}
	return wctx, func() { cancel(nil) }
}

// why is err, or the reason wctx ended when a manager's exit ended it.
func why(wctx context.Context, err error) error {
	if cause := context.Cause(wctx); cause != nil && cause != context.Canceled && cause != context.DeadlineExceeded {
		return cause
	}
	return err
}

// lastError is the last error a manager logged, as "msg: error".
func lastError(logFile string) string {
	b, err := os.ReadFile(logFile)
	if err != nil {
		return "its log is unreadable"
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		var e struct {
			Level string `json:"level"`
			Msg   string `json:"msg"`
			Error string `json:"error"`
		}
		if json.Unmarshal([]byte(lines[i]), &e) == nil && e.Level == "error" {
			return e.Msg + ": " + e.Error
		}
	}
	return "it logged no error"
}
