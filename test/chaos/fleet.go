package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"

	"github.com/onlinemeeting-operator/onlinemeeting-operator/test/e2e"
)

// leaderMetric is client-go's leader-election gauge, which
// controller-runtime exports: 1 while the process leads.
const leaderMetric = "leader_election_master_status"

// fleet runs the manager replicas, finds the leader, kills and restarts
// it, and keeps each process's last metrics scrape: a killed process's
// counters die with it, so they are read just before the kill.
type fleet struct {
	cfg      e2e.ManagerConfig
	work     string
	replicas int

	mu    sync.Mutex
	slots []*replica
	// dead are the last scrapes of processes that ended.
	dead []e2e.Metrics
	// kills records each kill.
	kills []killRecord
	// leaseLost counts replicas that exited because they could not renew
	// their Lease in time, and were started again.
	leaseLost int
}

// replica is one running manager process in a slot.
type replica struct {
	slot int
	m    *e2e.Manager
	last e2e.Metrics
	// logFrom is where this process's output starts in the slot's log.
	logFrom int64
	// killed is set before the harness kills it: its end is no crash.
	killed bool
}

// killRecord is what one kill did.
type killRecord struct {
	N        int
	At       time.Duration
	Slot     int
	Pid      int
	WasLead  bool
	Takeover time.Duration // until another process led (0: unknown)
}

// startFleet starts n replicas, with leader election when n > 1.
func startFleet(cfg e2e.ManagerConfig, work string, n int) (*fleet, error) {
	f := &fleet{cfg: cfg, work: work, replicas: n}
	if n > 1 {
		f.cfg.Args = append(f.cfg.Args, "--leader-elect")
	}
	for i := range n {
		r, err := f.start(i)
		if err != nil {
			f.stop()
			return nil, err
		}
		f.slots = append(f.slots, r)
	}
	return f, nil
}

// start runs a manager in slot i, appending to its log.
func (f *fleet) start(i int) (*replica, error) {
	cfg := f.cfg
	cfg.LogFile = f.logFile(i)
	var from int64
	if fi, err := os.Stat(cfg.LogFile); err == nil {
		from = fi.Size()
	}
	m, err := e2e.StartManager(cfg)
	if err != nil {
		return nil, err
	}
	return &replica{slot: i, m: m, logFrom: from}, nil
}

func (f *fleet) logFile(i int) string {
	return filepath.Join(f.work, fmt.Sprintf("manager-%d.log", i))
}

// logFiles are the managers' logs.
func (f *fleet) logFiles() []string {
	var out []string
	for i := range f.replicas {
		out = append(out, f.logFile(i))
	}
	return out
}

// scrapeAll refreshes every live replica's last scrape; a failed scrape
// keeps the previous one.
func (f *fleet) scrapeAll() {
	f.mu.Lock()
	slots := append([]*replica(nil), f.slots...)
	f.mu.Unlock()
	for _, r := range slots {
		if ms, err := r.m.Metrics(); err == nil {
			f.mu.Lock()
			r.last = ms
			f.mu.Unlock()
		}
	}
}

// scrapeEvery scrapes every period until ctx ends.
func (f *fleet) scrapeEvery(ctx context.Context, period time.Duration) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(period):
			f.scrapeAll()
			if err := f.anyExited(); err != nil {
				progress("%v", err)
			}
		}
	}
}

// leader is the replica that leads now (the only one without leader
// election), or nil.
func (f *fleet) leader() *replica {
	f.mu.Lock()
	slots := append([]*replica(nil), f.slots...)
	f.mu.Unlock()
	if f.replicas == 1 {
		return slots[0]
	}
	for _, r := range slots {
		ms, err := r.m.Metrics()
		if err != nil {
			continue
		}
		f.mu.Lock()
		r.last = ms
		f.mu.Unlock()
		if ms.Sum(leaderMetric, nil) > 0 {
			return r
		}
	}
	return nil
}

// waitLeader polls for a leader for up to timeout.
func (f *fleet) waitLeader(ctx context.Context, timeout time.Duration) *replica {
	deadline := time.Now().Add(timeout)
	for {
		if r := f.leader(); r != nil {
			return r
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// killLeader SIGKILLs the leading replica (waiting up to a minute for
// one), restarts its slot at once, and measures how long until a process
// leads again.
func (f *fleet) killLeader(ctx context.Context, n int, at time.Duration) (killRecord, error) {
	rec := killRecord{N: n, At: at}
	r := f.waitLeader(ctx, time.Minute)
	if r == nil {
		// Nobody leads: kill a replica anyway, the first one.
		f.mu.Lock()
		r = f.slots[0]
		f.mu.Unlock()
	} else {
		rec.WasLead = true
	}
	// The counters die with the process: read them right before.
	if ms, err := r.m.Metrics(); err == nil {
		f.mu.Lock()
		r.last = ms
		f.mu.Unlock()
	}
	rec.Slot, rec.Pid = r.slot, r.m.Pid()
	killed := time.Now()
	f.mu.Lock()
	r.killed = true
	f.mu.Unlock()
	r.m.Kill()
	f.mu.Lock()
	if r.last != nil {
		f.dead = append(f.dead, r.last)
	}
	f.mu.Unlock()
	next, err := f.start(r.slot)
	if err != nil {
		return rec, fmt.Errorf("restarting the manager in slot %d after kill %d: %w", r.slot, n, err)
	}
	f.mu.Lock()
	f.slots[r.slot] = next
	f.mu.Unlock()
	if l := f.waitLeader(ctx, 2*time.Minute); l != nil {
		rec.Takeover = time.Since(killed)
	}
	f.mu.Lock()
	f.kills = append(f.kills, rec)
	f.mu.Unlock()
	return rec, nil
}

// stop scrapes every replica one last time and stops it (SIGTERM), so
// that its log is complete.
func (f *fleet) stop() {
	f.scrapeAll()
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range f.slots {
		r.m.Stop()
		if r.last != nil {
			f.dead = append(f.dead, r.last)
		}
	}
	f.slots = nil
}

// anyExited reports a replica that ended by itself (a crash), if any. A
// replica that exited because it could not renew its Lease in time (on a
// starved machine its renewal can miss the 10s deadline) does what
// controller-runtime means it to, and is started again, as the kubelet
// would: that is counted, not a failure.
func (f *fleet) anyExited() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, r := range f.slots {
		select {
		case <-r.m.Exited():
		default:
			continue
		}
		if r.killed {
			continue // killLeader restarts it
		}
		log, _ := os.ReadFile(f.logFile(r.slot))
		if !strings.Contains(string(log[min(r.logFrom, int64(len(log))):]), "leader election lost") {
			return fmt.Errorf("the manager in slot %d (pid %d) exited by itself; see %s", r.slot, r.m.Pid(), f.logFile(r.slot))
		}
		if r.last != nil {
			f.dead = append(f.dead, r.last)
		}
		next, err := f.start(r.slot)
		if err != nil {
			return fmt.Errorf("restarting the manager in slot %d after it lost its Lease: %w", r.slot, err)
		}
		f.slots[i] = next
		f.leaseLost++
		progress("the manager in slot %d lost its Lease (renewal too late) and exited; started it again", r.slot)
	}
	return nil
}

// lastScrapes are the final scrapes of every process that ran (call after
// stop).
func (f *fleet) lastScrapes() []e2e.Metrics {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]e2e.Metrics(nil), f.dead...)
}

// describeLease finds the operator's leader-election Lease, in whatever
// namespace the manager put it, and says who holds it and how often it
// changed hands.
func describeLease(ctx context.Context, c *e2e.Cluster) string {
	var leases coordinationv1.LeaseList
	if err := c.Client.List(ctx, &leases); err != nil {
		return "leader-election Lease: " + err.Error()
	}
	for _, l := range leases.Items {
		if !strings.HasPrefix(l.Name, "onlinemeeting-operator") {
			continue
		}
		holder, transitions := "nobody", int32(0)
		if l.Spec.HolderIdentity != nil {
			holder = *l.Spec.HolderIdentity
		}
		if l.Spec.LeaseTransitions != nil {
			transitions = *l.Spec.LeaseTransitions
		}
		return fmt.Sprintf("Lease %s/%s changed hands %d time(s); held by %s at the end", l.Namespace, l.Name, transitions, holder)
	}
	return ""
}
