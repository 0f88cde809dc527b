package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/onlinemeeting-operator/onlinemeeting-operator/test/e2e"
)

// The namespaces of scenarios 2 and 8.
const defaultsNamespace = "bench-defaults"

var noisyNamespaces = []string{"bench-noisy-a", "bench-noisy-b"}

// The operator's default flags, for the figures computed from them.
const (
	defaultQPS     = 10.0
	defaultWorkers = 4
)

// defaults applies N meetings against scenario 1's Graph at the
// operator's default flags.
func (e *env) defaults(ctx context.Context, r *Result) error {
	const ns = defaultsNamespace
	n := e.cfg.n
	r.Setup["meetings"] = n
	r.Setup["emulator"] = limitedGraph
	r.Setup["manager"] = []string{"(default flags: --graph-qps=10 --graph-burst=20 --max-concurrent-reconciles=4)"}
	m, err := e.alone(ctx, "defaults", []string{ns}, limitedGraph)
	if err != nil {
		return err
	}
	defer e.stopManager(m)
	ms := meetings(ns, "m", n)
	w, err := e.createInWindow(ctx, map[string]*e2e.Manager{"manager": m}, ms)
	if err != nil {
		return err
	}
	ideal := time.Duration(float64(n) / defaultQPS * float64(time.Second))
	if err := w.waitReady(ctx, e2e.Keys(ms), waitFor(ideal)); err != nil {
		return err
	}
	r.info("time to all Ready", seconds(w.took), "s", "harness watch: start of the apply → last meeting Ready at its generation", "")
	e.lagCheck(ctx, r, ns, w.start)
	r.info("ratio to N / --graph-qps", w.took.Seconds()/ideal.Seconds(), "", "computed",
		fmt.Sprintf("N / --graph-qps = %d / %g = %.1f s; the client's burst of 20 lets it beat 1.0 slightly", n, defaultQPS, ideal.Seconds()))
	r.info("apply took", seconds(w.apply), "s", "harness: 16 parallel creates", "")
	return e.costOfCreation(r, w, m, ns, n, false, defaultWorkers)
}

// scale applies scale-n meetings against a Graph without latency or
// limit, with no client-side limit either, and reports the time and the
// manager's peak memory. It runs last and leaves its meetings in place.
func (e *env) scale(ctx context.Context, r *Result) error {
	const ns = "bench-scale"
	n := e.cfg.scaleN
	args := []string{"--graph-qps=0", "--max-concurrent-reconciles=8"}
	r.Setup["meetings"] = n
	r.Setup["emulator"] = []string{"(no latency, no limit)"}
	r.Setup["manager"] = args
	m, err := e.alone(ctx, "scale", []string{ns}, nil, args...)
	if err != nil {
		return err
	}
	defer e.stopManager(m)
	ms := meetings(ns, "m", n)
	w, err := e.createInWindow(ctx, map[string]*e2e.Manager{"manager": m}, ms)
	if err != nil {
		return err
	}
	if err := w.waitReady(ctx, e2e.Keys(ms), waitFor(time.Duration(n)*20*time.Millisecond)); err != nil {
		return err
	}
	// VmHWM first: a metrics scrape lists every meeting from the cache,
	// which costs memory of its own.
	rss, err := m.PeakRSS()
	if err != nil {
		return err
	}
	const target = 128 << 20
	r.info("time to all Ready", seconds(w.took), "s", "harness watch: start of the apply → last meeting Ready at its generation", "")
	e.lagCheck(ctx, r, ns, w.start)
	r.info("meetings Ready per second", float64(n)/w.took.Seconds(), "", "computed", "")
	r.info("apply took", seconds(w.apply), "s", "harness: 16 parallel creates", "")
	r.timed("manager peak RSS", mib(rss), "MiB", "< 128 MiB", rss < target, "/proc/<pid>/status VmHWM, read before any scrape of the full cache", "")
	status := fmt.Sprintf("/proc/%d/status", m.Pid())
	for _, f := range []struct{ name, field, note string }{
		{"resident now, anonymous (heap, stacks, runtime)", "RssAnon", ""},
		{"resident now, file-backed (the binary's own pages)", "RssFile", "the manager binary's code and data paged in: a fixed cost, whatever the number of meetings"},
	} {
		if kb, err := strconv.ParseFloat(strings.TrimSuffix(procField(status, f.field), " kB"), 64); err == nil {
			r.info(f.name, mib(int64(kb)<<10), "MiB", status+" "+f.field, f.note)
		}
	}
	// Then the scrape.
	c, err := w.end()
	if err != nil {
		return err
	}
	for _, g := range []struct{ name, metric string }{
		{"Go live heap after the last GC", "go_gc_heap_live_bytes"},
		{"Go heap in use after the run", "go_memstats_heap_inuse_bytes"},
		{"Go heap obtained from the OS", "go_memstats_heap_sys_bytes"},
		{"Go runtime total from the OS", "go_memstats_sys_bytes"},
	} {
		r.info(g.name, mib(int64(c.after[m].Sum(g.metric, nil))), "MiB", "manager's "+g.metric, "")
	}
	created := answered(c.stats, "createOrGet")
	r.count("createOrGet answered", float64(created), "", fmt.Sprintf("= %d (N)", n), created == n, "emulator stats", "")
	others, which := otherCalls(c.stats, "createOrGet")
	r.count("other Graph calls", float64(others), "", "= 0", others == 0, "emulator stats", which)
	e.writeFigures(r, c.writes, ns, n, 2, 1)
	r.info("manager's API writes per meeting", c.restWrites(m)/float64(n), "", "manager's rest_client_requests_total{method=POST|PUT|PATCH|DELETE}", "")
	w.explain(r, c, m, 8, n)
	// Its meetings stay: the run ends with this scenario, and purging
	// thousands one by one would take minutes.
	return nil
}

// noisy applies N meetings in one namespace at the default flags and, a
// second after the apply starts, one meeting in another: that one must
// not wait for the thousand.
func (e *env) noisy(ctx context.Context, r *Result) error {
	nsA, nsB := noisyNamespaces[0], noisyNamespaces[1]
	n := e.cfg.n
	r.Setup["meetings"] = fmt.Sprintf("%d in %s, then 1 in %s a second after the apply starts", n, nsA, nsB)
	r.Setup["emulator"] = limitedGraph
	r.Setup["manager"] = []string{"(default flags)"}
	m, err := e.alone(ctx, "noisy", []string{nsA, nsB}, limitedGraph)
	if err != nil {
		return err
	}
	defer e.stopManager(m)
	busy := meetings(nsA, "m", n)
	quiet := meetings(nsB, "m", 1)
	busyKeys := e2e.Keys(busy)

	load := loadAverage()
	start := time.Now()
	var applyErr error
	applied := make(chan struct{})
	go func() { applyErr = e.cluster.Create(ctx, busy); close(applied) }()
	// The namespace is cleared after this returns: the apply must be over.
	defer func() { <-applied }()
	sleep(ctx, time.Until(start.Add(time.Second)))
	bStart := time.Now()
	if err := e.cluster.Create(ctx, quiet); err != nil {
		return err
	}
	last, err := e.waitWhileRunning(ctx, []*e2e.Manager{m}, func(wctx context.Context) (time.Time, error) {
		return e.ready.WaitReady(wctx, e2e.Keys(quiet), 5*time.Minute)
	})
	if err != nil {
		return err
	}
	took := last.Sub(bStart)
	busyReady := e.ready.ReadyCount(busyKeys)
	<-applied
	if applyErr != nil {
		return fmt.Errorf("applying %s: %w", nsA, applyErr)
	}
	applyA := time.Since(start)
	r.timed("B's time to Ready", seconds(took), "s", "< 10 s", took < 10*time.Second,
		"harness watch: B's create → B Ready", fmt.Sprintf("at the default 10 requests/s, a first-come queue would make B wait for the %d meetings ahead of it", n))
	r.info("A's meetings Ready by then", float64(busyReady), "", "harness watch", "")
	r.info("A's apply took", seconds(applyA), "s", "harness: 16 parallel creates", "measured after B was Ready")
	machineLoad(r, m, load)
	return nil
}
