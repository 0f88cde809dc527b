package main

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"github.com/onlinemeeting-operator/onlinemeeting-operator/test/e2e"
)

// shardsNamespace holds scenario 9's meetings.
const shardsNamespace = "bench-shards"

// shardLabel is the label Flux shards its controllers by; the main
// instance takes what has none.
const shardLabel = "sharding.fluxcd.io/key"

// shardUser is the API server user of the shard instance, so that the
// audit log tells its writes from the main instance's (ManagerUser).
const shardUser = "onlinemeeting-manager-shard1"

// managerFlags lists the flags the manager binary knows, from its --help.
func managerFlags(bin string) (map[string]bool, error) {
	out, _ := exec.Command(bin, "--help").CombinedOutput()
	flags := map[string]bool{}
	for _, line := range strings.Split(string(out), "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "-") {
			continue
		}
		flags[strings.TrimLeft(strings.Fields(line)[0], "-")] = true
	}
	if len(flags) == 0 {
		return nil, fmt.Errorf("%s --help listed no flags: %s", bin, out)
	}
	return flags, nil
}

// instance is one manager of the sharded run.
type instance struct {
	name, user, kubeconfig string
	args                   []string
	keys                   []string
	m                      *e2e.Manager
}

// shards runs scenario 1 at --shard-n meetings over two instances: the
// main one (meetings without the shard label, and the connections) and
// shard1 (meetings labelled for it), half the meetings each. They share
// one tenant, so each gets half of its 100 requests/s.
func (e *env) shards(ctx context.Context, r *Result) error {
	flags, err := managerFlags(e.cfg.managerBin)
	if err != nil {
		return err
	}
	for _, f := range []string{"watch-label-selector", "reconcile-connections"} {
		if !flags[f] {
			return fmt.Errorf("the manager has no --%s flag: the two-shard scenario needs the sharding flags", f)
		}
	}
	const ns = shardsNamespace
	n := e.cfg.shardN
	qps := tenantLimit / 2
	// --leader-elect as deployed: each shard must lead a Lease of its own
	// (were it shared, one instance would never start reconciling).
	common := []string{fmt.Sprintf("--graph-qps=%g", qps), fmt.Sprintf("--max-concurrent-reconciles=%d", burstWorkers), "--leader-elect"}
	shardKC, err := e.cluster.AddManagerUser(shardUser)
	if err != nil {
		return err
	}
	insts := []*instance{
		{name: "main", user: e2e.ManagerUser, kubeconfig: e.cluster.ManagerKubeconfig,
			args: append([]string{"--watch-label-selector=!" + shardLabel}, common...)},
		{name: "shard1", user: shardUser, kubeconfig: shardKC,
			args: append([]string{"--watch-label-selector=" + shardLabel + " in (shard1)", "--reconcile-connections=false"}, common...)},
	}
	r.Setup["meetings"] = fmt.Sprintf("%d, every other one labelled %s: shard1", n, shardLabel)
	r.Setup["emulator"] = limitedGraph
	r.Setup["main"] = insts[0].args
	r.Setup["shard1"] = insts[1].args
	r.Setup["why --graph-qps=50"] = "the two instances share one tenant's 100 requests/s: at scenario 1's 100 each they would send 200/s into it"

	if err := e.cluster.EnsureNamespace(ctx, ns); err != nil {
		return err
	}
	if err := e.newEmulator("shards", limitedGraph...); err != nil {
		return err
	}
	ms := meetings(ns, "m", n)
	for i, m := range ms {
		if i%2 == 1 {
			m.Labels = map[string]string{shardLabel: "shard1"}
			insts[1].keys = append(insts[1].keys, m.Namespace+"/"+m.Name)
		} else {
			insts[0].keys = append(insts[0].keys, m.Namespace+"/"+m.Name)
		}
	}
	for _, in := range insts {
		if in.m, err = e.startManagerAs(ctx, "shards-"+in.name, in.kubeconfig, in.args...); err != nil {
			return fmt.Errorf("%s: %w", in.name, err)
		}
		defer e.stopManager(in.m)
	}
	for _, in := range insts {
		if err := waitLeader(ctx, in.m, time.Minute); err != nil {
			return fmt.Errorf("%s: %w", in.name, err)
		}
	}
	w, err := e.createInWindow(ctx, map[string]*e2e.Manager{"manager main": insts[0].m, "manager shard1": insts[1].m}, ms)
	if err != nil {
		return err
	}
	fl, how := floor(n, 1, tenantLimit, graphLatency, 2*burstWorkers, w.apply)
	if err := w.waitReady(ctx, e2e.Keys(ms), waitFor(fl)); err != nil {
		return err
	}

	// Not w.end: the writes are counted by user, each instance's apart,
	// and each instance's metrics are read with its own figures.
	st, err := e.emu.Stats()
	if err != nil {
		return err
	}
	target := time.Duration(1.15 * float64(fl))
	r.timed("time to all Ready", seconds(w.took), "s", fmt.Sprintf("≤ %.2f s (1.15 × floor)", target.Seconds()), w.took <= target,
		"harness watch: start of the apply → last meeting Ready at its generation", how)
	e.lagCheck(ctx, r, ns, w.start)
	createOrGetFigures(r, st, n, true)

	// Each instance: its half, and nothing of the other's.
	writers := map[string]string{}
	for _, in := range insts {
		all, err := e.cluster.UserObjectWrites(w.mark, in.user)
		if err != nil {
			return err
		}
		own, outside := inNamespace(all, ns)
		if outside > 0 {
			r.count(in.name+": writes outside the scenario's namespace", float64(outside), "", "= 0", false, "API server audit log, by user",
				"another scenario's meetings were still there")
		}
		mine := map[string]bool{}
		for _, k := range in.keys {
			mine[k] = true
		}
		wrote := own.PerObject("onlinemeetings", "onlinemeetings/status")
		foreign := 0
		for k := range wrote {
			writers[k] += in.name + " "
			if !mine[k] {
				foreign++
			}
		}
		half := len(in.keys)
		lastMine, err := e.ready.WaitReady(ctx, in.keys, time.Second)
		if err != nil {
			return err
		}
		after, err := in.m.Metrics()
		if err != nil {
			return err
		}
		rss, err := in.m.PeakRSS()
		if err != nil {
			return err
		}
		calls := after.Sum("onlinemeeting_graph_requests_total", map[string]string{"operation": "createOrGet"}) -
			w.before[in.m].Sum("onlinemeeting_graph_requests_total", map[string]string{"operation": "createOrGet"})
		p := in.name + ": "
		r.count(p+"meetings it wrote", float64(len(wrote)), "", fmt.Sprintf("= %d (its half)", half), len(wrote) == half && foreign == 0,
			"API server audit log, by user", fmt.Sprintf("%d of them not in its shard", foreign))
		r.info(p+"createOrGet sent", calls, "", "its onlinemeeting_graph_requests_total{operation=\"createOrGet\"}", "")
		r.info(p+"time to its half Ready", seconds(lastMine.Sub(w.start)), "s", "harness watch", "")
		_, most := own.Max("onlinemeetings", "onlinemeetings/status")
		r.count(p+"writes to one meeting, most", float64(most), "", "≤ 2", most <= 2, "API server audit log, by user", "")
		r.info(p+"Event writes per meeting", float64(own.Total("events"))/float64(half), "", "API server audit log, by user", "")
		r.info(p+"API writes per meeting", (after.RestWrites()-w.before[in.m].RestWrites())/float64(half), "",
			"its rest_client_requests_total{method=POST|PUT|PATCH|DELETE}", "")
		r.info(p+"peak RSS", mib(rss), "MiB", "/proc/<pid>/status VmHWM", "each instance caches every OnlineMeeting, both halves, to decide who holds an externalId")
		sub := newResult("", "", false)
		explainTime(sub, w.before[in.m], after, burstWorkers, w.took)
		machineLoad(sub, in.m, w.load)
		for _, f := range sub.Figures {
			if strings.HasPrefix(f.Name, "load average") && in.name != "main" {
				continue
			}
			f.Name = p + f.Name
			r.Figures = append(r.Figures, f)
		}
	}
	both := 0
	for _, names := range writers {
		if strings.Count(names, " ") > 1 {
			both++
		}
	}
	r.count("meetings written by both instances", float64(both), "", "= 0", both == 0, "API server audit log, by user", "")
	w.cpu.report(r, n, w.took)
	return nil
}

// waitLeader waits until the manager leads its Lease
// (leader_election_master_status is 1).
func waitLeader(ctx context.Context, m *e2e.Manager, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		ms, err := m.Metrics()
		if err == nil && ms.Sum("leader_election_master_status", nil) >= 1 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not the leader of its Lease after %s (last error: %v)", timeout, err)
		}
		sleep(ctx, 200*time.Millisecond)
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}
