package main

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/test/e2e"
)

// restart starts a fresh manager (default flags) over the Ready meetings
// and counts, from its own log, the moment every one of them has finished
// a reconcile; Graph must hear nothing from it meanwhile.
func (e *env) restart(ctx context.Context, r *Result, keys []string) error {
	n := len(keys)
	// Level 5 makes controller-runtime log each finished reconcile with
	// its object: the per-meeting count. Nothing else changes.
	args := []string{"--zap-log-level=5", "--zap-time-encoding=rfc3339nano"}
	r.Setup["meetings"] = n
	r.Setup["manager"] = append([]string{"(default flags)"}, args...)
	if err := e.emu.ResetStats(); err != nil {
		return err
	}
	mark := e.cluster.Mark()
	load := loadAverage()
	m, err := e.startManager(ctx, "restart", args...)
	if err != nil {
		return err
	}
	defer e.stopManager(m)
	logFile := filepath.Join(e.cfg.work, "restart.log")

	want := make(map[string]bool, n)
	for _, k := range keys {
		want[k] = true
	}
	first := map[string]time.Time{}
	var offset int64
	finished, failed := 0, 0
	deadline := time.Now().Add(waitFor(time.Duration(n) * 10 * time.Millisecond))
	for len(first) < n {
		recs, next, err := managerReconciles(logFile, offset)
		if err != nil {
			return err
		}
		offset = next
		for _, rec := range recs {
			finished++
			if rec.Failed {
				failed++
				continue
			}
			if _, ok := first[rec.Key]; want[rec.Key] && !ok {
				first[rec.Key] = rec.At
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d meetings reconciled after the restart within %s", len(first), n, waitFor(time.Duration(n)*10*time.Millisecond))
		}
		select {
		case <-m.Exited():
			return fmt.Errorf("the manager exited after %d of %d meetings were reconciled: %s", len(first), n, lastError(logFile))
		default:
		}
		sleep(ctx, 100*time.Millisecond)
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	var last time.Time
	for _, t := range first {
		if t.After(last) {
			last = t
		}
	}
	took := last.Sub(m.Started)
	// Anything the restart set off would have happened by now.
	sleep(ctx, 5*time.Second)

	st, err := e.emu.Stats()
	if err != nil {
		return err
	}
	writes, err := e.cluster.ManagerObjectWrites(mark)
	if err != nil {
		return err
	}
	total, err := reconciles(m)
	if err != nil {
		return err
	}
	rss, err := m.PeakRSS()
	if err != nil {
		return err
	}
	calls, which := otherCalls(st)
	r.count("Graph calls", float64(calls), "", "= 0", calls == 0, "emulator stats, from the process start to 5 s after the last meeting's reconcile", which)
	r.info("time until every meeting was reconciled once", seconds(took), "s",
		"manager log (--zap-log-level=5): process start → the last meeting's first finished reconcile",
		fmt.Sprintf("%d of %d meetings seen reconciled, one by one, by name", len(first), n))
	r.info("reconciles finished", total, "", "manager's controller_runtime_reconcile_total{controller=\"onlinemeeting\"}",
		"more than N when a meeting is queued twice (its own event and its connection's)")
	if failed > 0 {
		r.info("reconciles that failed", float64(failed), "", "manager log", "")
	}
	mw := writes.Total("onlinemeetings", "onlinemeetings/status")
	r.count("writes to meetings", float64(mw), "", "= 0", mw == 0, "API server audit log", "")
	r.info("Event writes", float64(writes.Total("events")), "", "API server audit log", "")
	r.info("Azure AD requests (token, discovery)", float64(aadRequests(st)), "", "emulator stats", "the connection's sign-in, not a Graph call")
	r.info("manager peak RSS", mib(rss), "MiB", "/proc/<pid>/status VmHWM", "")
	machineLoad(r, m, load)
	return nil
}

// steadyPeriod is the short resync scenario 4 measures at, and
// defaultResync the one its figures are scaled to.
const (
	steadyPeriod  = time.Minute
	defaultResync = time.Hour
)

// steady runs a manager at --resync-period=1m over the Ready meetings for
// a window of several periods and scales what one resync costs to the
// default period.
func (e *env) steady(ctx context.Context, r *Result, keys []string) error {
	n := len(keys)
	window := e.cfg.steadyWindow
	// 1,000 reads a minute is above the default 10 requests/s: at 1m the
	// scenario needs the burst flags, at 1h the defaults are plenty.
	args := append([]string{"--resync-period=" + steadyPeriod.String()}, burstFlags...)
	r.Setup["meetings"] = n
	r.Setup["manager"] = args
	r.Setup["window"] = window.String()
	r.Setup["emulator"] = limitedGraph
	offset := fileSize(e.emuLog)
	if err := e.emu.ResetStats(); err != nil {
		return err
	}
	mark := e.cluster.Mark()
	load := loadAverage()
	m, err := e.startManager(ctx, "steady", args...)
	if err != nil {
		return err
	}
	defer e.stopManager(m)
	wctx, stop := e.whileRunning(ctx, m)
	sleep(wctx, time.Until(m.Started.Add(window)))
	err = wctx.Err()
	stop()
	if err != nil {
		return why(wctx, err)
	}
	st, err := e.emu.Stats()
	if err != nil {
		return err
	}
	writes, err := e.cluster.ManagerObjectWrites(mark)
	if err != nil {
		return err
	}
	reqs, err := emulatorRequests(e.emuLog, offset)
	if err != nil {
		return err
	}
	loadFigures := snapshotLoad(m, load)
	e.stopManager(m)

	reads := map[string][]time.Time{}
	for _, q := range reqs {
		if q.Method == "GET" && q.Meeting != "" {
			reads[q.Meeting] = append(reads[q.Meeting], q.At)
		}
	}
	var sum time.Duration
	intervals, twice := 0, 0
	for _, ts := range reads {
		sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
		if len(ts) >= 2 {
			twice++
		}
		for i := 1; i < len(ts); i++ {
			sum += ts[i].Sub(ts[i-1])
			intervals++
		}
	}
	if intervals == 0 {
		return fmt.Errorf("no meeting was read twice in %s at --resync-period=%s", window, steadyPeriod)
	}
	mean := sum / time.Duration(intervals)
	// A meeting is read once per interval, and the interval (the period:
	// resyncs fall in fixed slots) scales with the period.
	scale := float64(defaultResync) / float64(steadyPeriod)
	perHour := float64(time.Hour) / (float64(mean) * scale)
	gets := answered(st, "get")
	mw := writes.Total("onlinemeetings", "onlinemeetings/status")
	writesPerRead := 0.0
	if gets > 0 {
		writesPerRead = float64(mw) / float64(gets)
	}
	writesPerHour := writesPerRead * perHour
	how := fmt.Sprintf("mean interval between two GETs of one meeting at --resync-period=%s is %.1f s (%d intervals); ×%g for the default %s → one read every %.1f min",
		steadyPeriod, mean.Seconds(), intervals, scale, defaultResync, mean.Minutes()*scale)
	// Reads fall exactly one period apart, so the figure is 1 give or take
	// how much later the window's last read of a meeting came after its
	// slot than its first did (a few seconds of queue over three or four
	// intervals): 1 % is that uncertainty, not slack; a second read per
	// period shows as 2.
	r.count("Graph GETs per meeting per hour (default resync)", perHour, "", "≤ 1", perHour <= 1.01,
		"emulator --debug log: per-meeting GET times", how)
	r.count("API writes per meeting per hour (default resync)", writesPerHour, "", "= 0", mw == 0,
		"API server audit log: writes per GET × GETs per meeting per hour",
		fmt.Sprintf("%d writes to meetings for %d GETs in the window (%.2f per resync)", mw, gets, writesPerRead))
	others, which := otherCalls(st, "get")
	r.count("other Graph calls", float64(others), "", "= 0", others == 0, "emulator stats", which)
	r.info("GETs in the window", float64(gets), "", "emulator stats", fmt.Sprintf("%d of %d meetings read at least twice", twice, n))
	events := writes.Total("events")
	r.info("Event writes per resync", float64(events)/float64(max(gets, 1)), "", "API server audit log", "")
	loadFigures.add(r)
	return nil
}

// update changes every meeting's subject (16 parallel patches) and waits
// until each is Ready at its new generation; each must cost one PATCH and
// no createOrGet.
func (e *env) update(ctx context.Context, r *Result, m *e2e.Manager, ms []*teamsv1alpha1.OnlineMeeting) error {
	n := len(ms)
	r.Setup["meetings"] = n
	r.Setup["manager"] = burstFlags
	r.Setup["emulator"] = limitedGraph
	offset := fileSize(e.emuLog)
	var mu sync.Mutex
	gens := make(map[string]int64, n)
	w, err := e.startWindow(map[string]*e2e.Manager{"manager": m})
	if err != nil {
		return err
	}
	err = e2e.ForEach(ctx, ms, 16, func(ctx context.Context, om *teamsv1alpha1.OnlineMeeting) error {
		obj := &teamsv1alpha1.OnlineMeeting{ObjectMeta: metav1.ObjectMeta{Namespace: om.Namespace, Name: om.Name}}
		patch := fmt.Sprintf(`{"spec":{"subject":%q}}`, om.Spec.Subject+" (moved)")
		if err := e.cluster.Client.Patch(ctx, obj, client.RawPatch(types.MergePatchType, []byte(patch))); err != nil {
			return err
		}
		mu.Lock()
		gens[om.Namespace+"/"+om.Name] = obj.Generation
		mu.Unlock()
		return nil
	})
	if err != nil {
		return fmt.Errorf("changing the subjects: %w", err)
	}
	fl, how := floor(n, 2, min(burstQPS, tenantLimit), graphLatency, burstWorkers, w.applied())
	if err := w.wait(ctx, func(wctx context.Context) (time.Time, error) {
		return e.ready.WaitReadyAt(wctx, gens, waitFor(fl))
	}); err != nil {
		return err
	}

	c, err := w.end()
	if err != nil {
		return err
	}
	reqs, err := emulatorRequests(e.emuLog, offset)
	if err != nil {
		return err
	}
	patches := map[string]int{}
	for _, q := range reqs {
		if q.Method == "PATCH" && q.Meeting != "" {
			patches[q.Meeting]++
		}
	}
	once, most := 0, 0
	for _, sent := range patches {
		if sent == 1 {
			once++
		}
		most = max(most, sent)
	}
	updated := answered(c.stats, "update")
	r.count("PATCH answered", float64(updated), "", fmt.Sprintf("= %d (N)", n), updated == n, "emulator stats", "")
	r.count("meetings sent exactly one PATCH", float64(once), "", fmt.Sprintf("= %d (N)", n), once == n && len(patches) == n,
		"emulator --debug log, by meeting id", fmt.Sprintf("%d meetings patched, most PATCHes to one: %d", len(patches), most))
	cog := c.stats.Count("createOrGet")
	r.count("createOrGet", float64(cog), "", "= 0", cog == 0, "emulator stats", "")
	r.info("GETs", float64(c.stats.Count("get")), "", "emulator stats",
		"the reconciler reads the meeting by id and diffs it with the spec before it patches: one GET per changed meeting")
	others, which := otherCalls(c.stats, "update", "get", "createOrGet")
	r.count("other Graph calls", float64(others), "", "= 0", others == 0, "emulator stats", which)
	r.info("Graph requests answered 429", float64(throttled(c.stats)), "", "emulator stats", "")
	r.info("time to all Ready at the new generation", seconds(w.took), "s", "harness watch: start of the patches → last meeting Ready at its new generation", how)
	r.info("floor (GET + PATCH per meeting)", seconds(fl), "s", "computed", "")
	e.writeFigures(r, c.writes, burstNamespace, n, -1, -1)
	r.info("manager's API writes per meeting", c.restWrites(m)/float64(n), "", "manager's rest_client_requests_total{method=POST|PUT|PATCH|DELETE}", "")
	w.explain(r, c, m, burstWorkers, n)
	return nil
}

// deleteAll deletes every meeting (16 parallel deletes) and waits until
// the last is gone; each must cost one DELETE.
func (e *env) deleteAll(ctx context.Context, r *Result, m *e2e.Manager, keys []string) error {
	n := len(keys)
	r.Setup["meetings"] = n
	r.Setup["manager"] = burstFlags
	r.Setup["emulator"] = limitedGraph
	w, err := e.startWindow(map[string]*e2e.Manager{"manager": m})
	if err != nil {
		return err
	}
	err = e2e.ForEach(ctx, keys, 16, func(ctx context.Context, key string) error {
		ns, name, _ := strings.Cut(key, "/")
		err := e.cluster.Client.Delete(ctx, &teamsv1alpha1.OnlineMeeting{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}})
		if apierrors.IsNotFound(err) {
			return nil
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("deleting the meetings: %w", err)
	}
	fl, how := floor(n, 1, min(burstQPS, tenantLimit), graphLatency, burstWorkers, w.applied())
	if err := w.wait(ctx, func(wctx context.Context) (time.Time, error) {
		return e.ready.WaitGone(wctx, keys, waitFor(fl))
	}); err != nil {
		return err
	}

	c, err := w.end()
	if err != nil {
		return err
	}
	left, err := e.emu.Meetings(false)
	if err != nil {
		return err
	}
	target := time.Duration(1.15 * float64(fl))
	r.timed("time to all gone", seconds(w.took), "s", fmt.Sprintf("≤ %.2f s (1.15 × floor)", target.Seconds()), w.took <= target,
		"harness watch: start of the deletes → last meeting gone", how)
	deleted := answered(c.stats, "delete")
	r.count("DELETE answered", float64(deleted), "", fmt.Sprintf("= %d (N)", n), deleted == n, "emulator stats", "")
	r.count("meetings left in Graph", float64(len(left)), "", "= 0", len(left) == 0, "emulator /_emulator/meetings", "")
	r.info("GETs", float64(c.stats.Count("get")), "", "emulator stats",
		"0 when the deleting process has itself seen Graph confirm each meeting (here: in the update wave); a process that has not reads each meeting once before its DELETE, to check it is the resource's own")
	others, which := otherCalls(c.stats, "delete", "get")
	r.count("other Graph calls", float64(others), "", "= 0", others == 0, "emulator stats", which)
	r.info("Graph requests answered 429", float64(throttled(c.stats)), "", "emulator stats", "")
	e.writeFigures(r, c.writes, burstNamespace, n, -1, -1)
	w.explain(r, c, m, burstWorkers, n)
	return nil
}
