package main

import (
	"context"
	"fmt"
	"sort"
	"time"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/emulator"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/test/e2e"
)

// window is the stretch of a scenario its figures cover: from just before
// the scenario acts (creates, patches or deletes meetings) to the moment
// the harness's watch saw the last meeting reach the state it waited for.
// Everything it counts starts from a zero or a mark taken at its start
// (the emulator's stats, the audit log, the managers' metrics, the CPU
// the run's processes used), so its figures are the scenario's work
// alone. A scenario opens one (startWindow, or createInWindow, which
// also creates the meetings), acts and calls applied, waits (wait,
// waitReady), reads what it cost (end) and reports its own figures from
// that, adding the common ones with explain.
type window struct {
	e *env
	// managers are the managers whose work the window measures, by the
	// name the CPU figures give them.
	managers map[string]*e2e.Manager
	// mark is where the audit log stood at the start: the writes after
	// it are the window's.
	mark e2e.AuditMark
	// before is each manager's metrics at the start; the figures are
	// differences from them.
	before map[*e2e.Manager]e2e.Metrics
	// load is the load average at the start (machineLoad).
	load float64
	cpu  *cpuMeter
	// start is when the scenario began to act, apply how long its own
	// requests took, and took the time from start to the last meeting's
	// arrival, by the harness's watch.
	start       time.Time
	apply, took time.Duration
}

// startWindow opens a window over the work of managers (by the name the
// CPU figures give them): it zeroes the emulator's stats, marks the audit
// log, reads each manager's metrics and starts the CPU meter. The clock
// starts last, so that none of this counts in the time.
func (e *env) startWindow(managers map[string]*e2e.Manager) (*window, error) {
	if err := e.emu.ResetStats(); err != nil {
		return nil, err
	}
	w := &window{e: e, managers: managers, mark: e.cluster.Mark(), before: map[*e2e.Manager]e2e.Metrics{}}
	// By name, so that the instances are read in the same order each run.
	names := make([]string, 0, len(managers))
	for name := range managers {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		m := managers[name]
		before, err := m.Metrics()
		if err != nil {
			return nil, err
		}
		w.before[m] = before
	}
	w.load = loadAverage()
	w.cpu = e.meterCPU(managers)
	w.start = time.Now()
	return w, nil
}

// createInWindow opens a window over managers (startWindow) and creates
// ms in it (16 parallel creates): the apply of the creation scenarios.
func (e *env) createInWindow(ctx context.Context, managers map[string]*e2e.Manager, ms []*teamsv1alpha1.OnlineMeeting) (*window, error) {
	w, err := e.startWindow(managers)
	if err != nil {
		return nil, err
	}
	if err := e.cluster.Create(ctx, ms); err != nil {
		return nil, fmt.Errorf("applying the meetings: %w", err)
	}
	w.applied()
	return w, nil
}

// applied notes that the scenario's own requests are done, and returns
// how long they took: a figure of its own, and a term of the floor.
func (w *window) applied() time.Duration {
	w.apply = time.Since(w.start)
	return w.apply
}

// wait runs until (one of the Readiness waits) while the window's
// managers run: one that exits ends the wait at once, with the reason
// (whileRunning). until returns when the last meeting got there, which
// ends the window's time. The CPU meter stops then, and the manager's
// Events get the time to reach the audit log before end counts writes.
func (w *window) wait(ctx context.Context, until func(wctx context.Context) (time.Time, error)) error {
	ms := make([]*e2e.Manager, 0, len(w.managers))
	for _, m := range w.managers {
		ms = append(ms, m)
	}
	last, err := w.e.waitWhileRunning(ctx, ms, until)
	if err != nil {
		return err
	}
	w.cpu.stop()
	w.took = last.Sub(w.start)
	w.e.settle(ctx)
	return nil
}

// waitReady is wait for every one of keys to be Ready at its generation,
// within timeout.
func (w *window) waitReady(ctx context.Context, keys []string, timeout time.Duration) error {
	return w.wait(ctx, func(wctx context.Context) (time.Time, error) {
		return w.e.ready.WaitReady(wctx, keys, timeout)
	})
}

// waitWhileRunning runs until with a context that ends as soon as one of
// ms exits (whileRunning), and returns the time until reports, or why it
// failed: the manager's exit rather than a timeout when that ended it.
func (e *env) waitWhileRunning(ctx context.Context, ms []*e2e.Manager, until func(wctx context.Context) (time.Time, error)) (time.Time, error) {
	wctx, stop := e.whileRunning(ctx, ms...)
	last, err := until(wctx)
	stop()
	if err != nil {
		return time.Time{}, why(wctx, err)
	}
	return last, nil
}

// cost is what a window cost, read once it is over.
type cost struct {
	// stats are the emulator's, since the start.
	stats emulator.Stats
	// writes are the manager user's (e2e.ManagerUser) writes the audit
	// log holds since the start.
	writes e2e.ObjectWrites
	// before and after are each manager's metrics at the start and now.
	before, after map[*e2e.Manager]e2e.Metrics
}

// end reads what the window cost (see cost). A scenario that reports a
// manager's peak RSS reads it before: the metrics scrape lists every
// meeting from the cache, which costs memory of its own.
func (w *window) end() (cost, error) {
	c := cost{before: w.before, after: map[*e2e.Manager]e2e.Metrics{}}
	var err error
	if c.stats, err = w.e.emu.Stats(); err != nil {
		return cost{}, err
	}
	if c.writes, err = w.e.cluster.ManagerObjectWrites(w.mark); err != nil {
		return cost{}, err
	}
	for _, m := range w.managers {
		if c.after[m], err = m.Metrics(); err != nil {
			return cost{}, err
		}
	}
	return c, nil
}

// restWrites is the API writes m sent in the window, by its own count:
// Events and the connection's status included.
func (c cost) restWrites(m *e2e.Manager) float64 {
	return c.after[m].RestWrites() - c.before[m].RestWrites()
}

// explain adds the figures that say what the time was made of and what
// else ran meanwhile, for a window over n meetings and m with workers
// workers: the reconciles (explainTime), the machine's load and m's CPU
// time (machineLoad), and the CPU every process of the run used
// (cpuMeter.report).
func (w *window) explain(r *Result, c cost, m *e2e.Manager, workers, n int) {
	explainTime(r, c.before[m], c.after[m], workers, w.took)
	machineLoad(r, m, w.load)
	w.cpu.report(r, n, w.took)
}
