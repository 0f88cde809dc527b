package main

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/onlinemeeting-operator/onlinemeeting-operator/test/e2e"
)

// The figures here explain a time rather than target one: where the
// workers' time went (Graph, the API server) and how busy the machine
// was. A missed time target is read against them.

// explainTime adds where the manager's workers spent the scenario's
// elapsed time: how busy they were, how long a reconcile took, and the
// latency of the API server's answers and of Graph's as the manager saw
// them.
func explainTime(r *Result, before, after e2e.Metrics, workers int, elapsed time.Duration) {
	match := map[string]string{"controller": "onlinemeeting"}
	s1, c1 := after.Histogram("controller_runtime_reconcile_time_seconds", match)
	s0, c0 := before.Histogram("controller_runtime_reconcile_time_seconds", match)
	if c1 > c0 && elapsed > 0 {
		busy := 100 * (s1 - s0) / (float64(workers) * elapsed.Seconds())
		note := fmt.Sprintf("well below 100%%: the %d workers often had nothing to do (the apply or a rate limit set the pace)", workers)
		if busy >= 90 {
			note = fmt.Sprintf("near 100%%: the %d workers were always busy, and a reconcile's duration (its Graph calls, any wait for the client-side Graph limit, its API writes) set the pace", workers)
		}
		r.info("workers busy", busy, "%", "manager's controller_runtime_reconcile_time_seconds sum ÷ (workers × elapsed)", note)
		r.info("mean reconcile", seconds(time.Duration((s1-s0)/float64(c1-c0)*float64(time.Second))), "s",
			"manager's controller_runtime_reconcile_time_seconds", fmt.Sprintf("%d reconciles", c1-c0))
	}
	g1, gn1 := after.Histogram("onlinemeeting_graph_request_duration_seconds", nil)
	g0, gn0 := before.Histogram("onlinemeeting_graph_request_duration_seconds", nil)
	if gn1 > gn0 {
		r.info("Graph latency, mean", seconds(time.Duration((g1-g0)/float64(gn1-gn0)*float64(time.Second))), "s",
			"manager's onlinemeeting_graph_request_duration_seconds", fmt.Sprintf("%d requests", gn1-gn0))
	}
	if c1 > c0 {
		// What a reconcile spends outside Graph: the API server's answers
		// to its writes, and waiting for a CPU.
		outside := ((s1 - s0) - (g1 - g0)) / float64(c1-c0)
		r.info("reconcile time outside Graph, mean", seconds(time.Duration(outside*float64(time.Second))), "s",
			"(reconcile time − Graph request time) ÷ reconciles, from the manager's metrics",
			"the API server's answers to the reconcile's writes (finalizer, status), any wait for the client-side Graph limit (--graph-qps), and time queued for a CPU")
	}
}

// cpuSeconds is the CPU time a process has used (user + system).
func cpuSeconds(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command may hold spaces: fields count from after its ")".
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	utime, err1 := strconv.ParseFloat(fields[11], 64)
	stime, err2 := strconv.ParseFloat(fields[12], 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: bad utime or stime", pid)
	}
	// USER_HZ is 100 on every Linux this runs on.
	return (utime + stime) / 100, nil
}

// loadAverage is the 1-minute load average: the other work on the
// machine, which the times depend on.
func loadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}

// machineLoad records the load average and the manager's CPU time: on a
// shared machine they say how much of a time is the operator's.
func machineLoad(r *Result, m *e2e.Manager, loadBefore float64) { snapshotLoad(m, loadBefore).add(r) }

// loadSnapshot is machineLoad's figures, taken while the manager runs and
// added later.
type loadSnapshot struct {
	before, after, cpu float64
	cpuOK              bool
}

func snapshotLoad(m *e2e.Manager, loadBefore float64) loadSnapshot {
	s := loadSnapshot{before: loadBefore, after: loadAverage()}
	if cpu, err := cpuSeconds(m.Pid()); err == nil {
		s.cpu, s.cpuOK = cpu, true
	}
	return s
}

func (s loadSnapshot) add(r *Result) {
	r.info("load average (1 min) before", s.before, "", "/proc/loadavg",
		fmt.Sprintf("after: %.2f, on %d cores; above the core count, the control plane, the manager and the harness (and anything else on the machine) queued for CPU", s.after, runtime.NumCPU()))
	if s.cpuOK {
		r.info("manager CPU time", s.cpu, "s", "/proc/<pid>/stat utime+stime, since the process started", "")
	}
}

// findPid is the process whose command line holds every one of parts, 0
// when there is none.
func findPid(parts ...string) int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	for _, en := range entries {
		pid, err := strconv.Atoi(en.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if err != nil {
			continue
		}
		cmd := strings.ReplaceAll(string(b), "\x00", " ")
		all := true
		for _, p := range parts {
			if !strings.Contains(cmd, p) {
				all = false
				break
			}
		}
		if all {
			return pid
		}
	}
	return 0
}

// cpuMeter measures the CPU time the run's own processes use over a
// scenario: the API server, etcd, the manager(s), the emulator and the
// harness. On a machine of a few cores their sum, divided by the cores,
// is a floor of its own: the time the work takes when the CPU is the
// bottleneck.
type cpuMeter struct {
	pids       map[string]int
	start, end map[string]float64
}

// meterCPU starts measuring the control plane's, the emulator's, the
// harness's and managers' CPU.
func (e *env) meterCPU(managers map[string]*e2e.Manager) *cpuMeter {
	c := &cpuMeter{pids: map[string]int{"harness": os.Getpid()}, start: map[string]float64{}}
	if api := findPid("kube-apiserver", "--audit-log-path="+e.cfg.work); api != 0 {
		c.pids["kube-apiserver"] = api
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", api)); err == nil {
			for _, arg := range strings.Split(string(b), "\x00") {
				if url, ok := strings.CutPrefix(arg, "--etcd-servers="); ok {
					if etcd := findPid("etcd", "--listen-client-urls="+url); etcd != 0 {
						c.pids["etcd"] = etcd
					}
				}
			}
		}
	}
	if e.emu != nil {
		if emu := findPid("graph-emulator", e.emu.CAFile); emu != 0 {
			c.pids["graph-emulator"] = emu
		}
	}
	for name, m := range managers {
		c.pids[name] = m.Pid()
	}
	for name, pid := range c.pids {
		c.start[name], _ = cpuSeconds(pid)
	}
	return c
}

// stop ends the measurement.
func (c *cpuMeter) stop() {
	c.end = map[string]float64{}
	for name, pid := range c.pids {
		if now, err := cpuSeconds(pid); err == nil {
			c.end[name] = now
		}
	}
}

// report adds the CPU each process used per meeting and the CPU floor:
// their total over the machine's cores.
func (c *cpuMeter) report(r *Result, n int, elapsed time.Duration) {
	if c.end == nil {
		c.stop()
	}
	total := 0.0
	var parts []string
	names := make([]string, 0, len(c.pids))
	for name := range c.pids {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		now, ok := c.end[name]
		if !ok {
			continue
		}
		used := now - c.start[name]
		total += used
		parts = append(parts, fmt.Sprintf("%s %.1f ms", name, 1000*used/float64(n)))
	}
	cores := float64(runtime.NumCPU())
	r.info("CPU per meeting, all of the run's processes", 1000*total/float64(n), "ms", "/proc/<pid>/stat of each process, over the scenario",
		strings.Join(parts, ", "))
	r.info("CPU floor on this machine", total/cores, "s",
		fmt.Sprintf("CPU used ÷ %d cores", runtime.NumCPU()),
		fmt.Sprintf("the least time this work takes on these cores, other load aside; elapsed %.1f s", elapsed.Seconds()))
}
