package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/emulator"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/test/e2e"
)

// The Graph of scenario 1 (and 2, 5, 7, 8): 50 ms per request, and a
// tenant limit of 100 requests/s answered 429 with Retry-After beyond it.
const (
	graphLatency = 50 * time.Millisecond
	tenantLimit  = 100.0
)

var (
	// limitedGraph are the emulator's flags for that Graph. --debug logs
	// every request with its path: the per-meeting record of calls.
	limitedGraph = []string{"--latency=" + graphLatency.String(), fmt.Sprintf("--rate-limit=%g", tenantLimit), "--debug"}
	// burstFlags are scenario 1's operator flags.
	burstFlags   = []string{"--graph-qps=100", "--max-concurrent-reconciles=8"}
	burstQPS     = 100.0
	burstWorkers = 8
)

// burstNamespace holds the meetings of scenarios 1, 3, 4, 5 and 7, which
// follow one set of meetings through its life.
const burstNamespace = "bench-burst"

// lifecycle runs scenarios 1, 3, 4, 5 and 7 over one set of N meetings,
// with one emulator (it must keep the meetings) and a fresh manager for
// each step: Burst applies them, Restart starts a new manager over them,
// Steady resyncs them, Update changes every subject, Delete deletes them.
// Scenarios not asked for still run as set-up when a later one needs
// them, and report nothing.
func (e *env) lifecycle(ctx context.Context, want map[string]bool) []*Result {
	n := e.cfg.n
	results := map[string]*Result{}
	for _, id := range []string{"burst", "restart", "steady", "update", "delete"} {
		if want[id] {
			results[id] = newResult(id, titles[id], e.cfg.smoke)
		}
	}
	out := func() []*Result {
		var rs []*Result
		for _, id := range []string{"burst", "restart", "steady", "update", "delete"} {
			if r := results[id]; r != nil {
				rs = append(rs, r)
			}
		}
		return rs
	}
	// step runs one scenario's measurement and times it.
	step := func(r *Result, f func() error) {
		r.started = time.Now()
		if err := f(); err != nil {
			r.Error = err.Error()
		}
		r.Seconds = seconds(time.Since(r.started))
		logf("%s done in %.0f s%s", r.Title, r.Seconds, status(r))
	}
	fail := func(err error, ids ...string) []*Result {
		for _, id := range ids {
			if r := results[id]; r != nil && r.Error == "" && r.Skipped == "" {
				r.Error = err.Error()
			}
		}
		return out()
	}
	all := []string{"burst", "restart", "steady", "update", "delete"}

	if err := e.cluster.EnsureNamespace(ctx, burstNamespace); err != nil {
		return fail(err, all...)
	}
	if err := e.newEmulator("burst", limitedGraph...); err != nil {
		return fail(err, all...)
	}
	ms := meetings(burstNamespace, "m", n)
	keys := e2e.Keys(ms)

	// 1. Burst (or its set-up).
	r := results["burst"]
	if r == nil {
		r = newResult("burst", titles["burst"]+" (set-up for the scenarios after it)", e.cfg.smoke)
	}
	step(r, func() error { return e.burst(ctx, r, ms) })
	if r.Error != "" {
		return fail(fmt.Errorf("needs the Ready meetings of scenario 1, which failed: %s", r.Error), all...)
	}

	// 3. Restart.
	if r := results["restart"]; r != nil {
		step(r, func() error { return e.restart(ctx, r, keys) })
	}

	// 4. Steady state.
	if r := results["steady"]; r != nil {
		if e.cfg.smoke {
			r.Skipped = "not in smoke runs: it needs a window of several resync periods of at least 1m"
		} else {
			step(r, func() error { return e.steady(ctx, r, keys) })
		}
	}

	// 5 and 7 share a manager: the deletion is the one of a process that
	// has read every meeting since it started, as a long-running one has.
	if results["update"] != nil || results["delete"] != nil {
		m, err := e.startManager(ctx, "update-delete", burstFlags...)
		if err != nil {
			return fail(err, "update", "delete")
		}
		defer e.stopManager(m)
		if err := waitReconciles(ctx, m, n, waitFor(time.Duration(n)*time.Millisecond)); err != nil {
			return fail(err, "update", "delete")
		}
		if r := results["update"]; r != nil {
			step(r, func() error { return e.update(ctx, r, m, ms) })
		}
		if r := results["delete"]; r != nil {
			r.Setup["readBySameProcess"] = results["update"] != nil
			step(r, func() error { return e.deleteAll(ctx, r, m, keys) })
		}
		e.stopManager(m)
	}
	return out()
}

// burst applies ms at once against the limited Graph with scenario 1's
// flags and measures the time to the last Ready and what it cost.
func (e *env) burst(ctx context.Context, r *Result, ms []*teamsv1alpha1.OnlineMeeting) error {
	n := len(ms)
	r.Setup["meetings"] = n
	r.Setup["emulator"] = limitedGraph
	r.Setup["manager"] = burstFlags
	m, err := e.startManager(ctx, "burst", burstFlags...)
	if err != nil {
		return err
	}
	defer e.stopManager(m)
	w, err := e.createInWindow(ctx, map[string]*e2e.Manager{"manager": m}, ms)
	if err != nil {
		return err
	}
	fl, how := floor(n, 1, min(burstQPS, tenantLimit), graphLatency, burstWorkers, w.apply)
	if err := w.waitReady(ctx, e2e.Keys(ms), waitFor(fl)); err != nil {
		return err
	}

	target := time.Duration(1.15 * float64(fl))
	r.timed("time to all Ready", seconds(w.took), "s", fmt.Sprintf("≤ %.2f s (1.15 × floor)", target.Seconds()), w.took <= target,
		"harness watch: start of the apply → last meeting Ready at its generation", how)
	e.lagCheck(ctx, r, burstNamespace, w.start)
	r.info("floor", seconds(fl), "s", "computed", "")
	r.info("apply took", seconds(w.apply), "s", "harness: 16 parallel creates", "")
	return e.costOfCreation(r, w, m, burstNamespace, n, true, burstWorkers)
}

// costOfCreation adds the figures every creation scenario reports, from
// the window w over m's creation of n meetings in ns: Graph calls by
// kind, 429s, writes per meeting, the manager's peak RSS, and what the
// time was made of (window.explain, with m's workers). strict429 makes
// the 429 share a count target (scenario 1) rather than information.
func (e *env) costOfCreation(r *Result, w *window, m *e2e.Manager, ns string, n int, strict429 bool, workers int) error {
	// The peak before end's metrics scrape, which costs memory of its own.
	rss, err := m.PeakRSS()
	if err != nil {
		return err
	}
	c, err := w.end()
	if err != nil {
		return err
	}

	createOrGetFigures(r, c.stats, n, strict429)
	r.info("requests sent during a Retry-After", float64(c.stats.RequestsDuringRetryAfter), "", "emulator stats", "")
	r.info("Azure AD requests (token, discovery)", float64(aadRequests(c.stats)), "", "emulator stats", "not Graph calls: the connection's sign-in")
	e.writeFigures(r, c.writes, ns, n, 2, 1)
	r.info("manager's API writes per meeting", c.restWrites(m)/float64(n), "",
		"manager's rest_client_requests_total{method=POST|PUT|PATCH|DELETE}", "every write the process sent, Events and the connection's status included")
	r.info("manager peak RSS", mib(rss), "MiB", "/proc/<pid>/status VmHWM", "")
	w.explain(r, c, m, workers, n)
	return nil
}

// createOrGetFigures adds the Graph calls of a creation of n meetings, by
// the emulator's stats st: createOrGet answered (each meeting once), any
// other call (none), and the share answered 429, a count target when
// strict429 and information otherwise.
func createOrGetFigures(r *Result, st emulator.Stats, n int, strict429 bool) {
	created := answered(st, "createOrGet")
	r.count("createOrGet answered (not 429)", float64(created), "", fmt.Sprintf("= %d (N)", n), created == n, "emulator stats", "")
	others, which := otherCalls(st, "createOrGet")
	r.count("other Graph calls", float64(others), "", "= 0", others == 0, "emulator stats", which)
	total, t429 := graphRequests(st), throttled(st)
	share := 0.0
	if total > 0 {
		share = 100 * float64(t429) / float64(total)
	}
	if strict429 {
		r.count("Graph requests answered 429", share, "%", "< 1 %", share < 1, "emulator stats", fmt.Sprintf("%d of %d requests", t429, total))
	} else {
		r.info("Graph requests answered 429", share, "%", "emulator stats", fmt.Sprintf("%d of %d requests", t429, total))
	}
}

// writeFigures reports the manager's writes to the meetings (metadata and
// status) and Events from the audit log. maxPerMeeting and maxEvents,
// when not negative, are count targets per meeting.
func (e *env) writeFigures(r *Result, all e2e.ObjectWrites, ns string, n, maxPerMeeting, maxEvents int) {
	w, outside := inNamespace(all, ns)
	if outside > 0 {
		r.count("writes outside the scenario's namespace", float64(outside), "", "= 0", false, "API server audit log",
			"another scenario's meetings were still there: its figures are not this scenario's alone")
	}
	key, most := w.Max("onlinemeetings", "onlinemeetings/status")
	meetingWrites := w.Total("onlinemeetings", "onlinemeetings/status")
	note := fmt.Sprintf("%d to metadata (finalizer), %d to status", w.Total("onlinemeetings"), w.Total("onlinemeetings/status"))
	if key != "" {
		note += "; most: " + key
	}
	if maxPerMeeting >= 0 {
		r.count("writes to one meeting, most", float64(most), "", fmt.Sprintf("≤ %d", maxPerMeeting), most <= maxPerMeeting, "API server audit log", note)
	} else {
		r.info("writes to one meeting, most", float64(most), "", "API server audit log", note)
	}
	r.info("writes per meeting, mean", float64(meetingWrites)/float64(n), "", "API server audit log", "")
	events := w.Total("events")
	if maxEvents >= 0 {
		r.count("Event writes per meeting", float64(events)/float64(n), "", fmt.Sprintf("≤ %d", maxEvents), events <= maxEvents*n, "API server audit log", "")
	} else {
		r.info("Event writes per meeting", float64(events)/float64(n), "", "API server audit log", "")
	}
}

// inNamespace keeps the writes to objects in ns, and counts the others.
func inNamespace(w e2e.ObjectWrites, ns string) (e2e.ObjectWrites, int) {
	out, outside := e2e.ObjectWrites{}, 0
	for res, objs := range w {
		for key, c := range objs {
			if !strings.HasPrefix(key, ns+"/") {
				outside += c
				continue
			}
			if out[res] == nil {
				out[res] = map[string]int{}
			}
			out[res][key] = c
		}
	}
	return out, outside
}
