package main

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/emulator"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/test/e2e"
)

// slowAttempt is longer than any answer the emulator gives but its held
// ones: a Graph attempt that took longer was a timeout fault, ended by
// the client's own 30s timeout. (The Graph latency histogram's last
// finite bucket is 20.48s.)
const slowAttempt = 20.48

// managerFigures sums the counters of every manager process that ran,
// each read at its last scrape (right before its kill, or at the end).
type managerFigures struct {
	GraphByCode      map[string]float64
	GraphTimeouts    float64
	ReconcileResults map[string]float64
	ReconcileErrors  float64
	APIConflicts     float64
	APIWrites        float64
}

func sumManagers(scrapes []e2e.Metrics) managerFigures {
	f := managerFigures{GraphByCode: map[string]float64{}, ReconcileResults: map[string]float64{}}
	for _, ms := range scrapes {
		if fam := ms["onlinemeeting_graph_requests_total"]; fam != nil {
			for _, m := range fam.GetMetric() {
				for _, l := range m.GetLabel() {
					if l.GetName() == "code" {
						f.GraphByCode[l.GetValue()] += m.GetCounter().GetValue()
					}
				}
			}
		}
		if fam := ms["onlinemeeting_graph_request_duration_seconds"]; fam != nil {
			for _, m := range fam.GetMetric() {
				h := m.GetHistogram()
				var fast uint64
				for _, b := range h.GetBucket() {
					if b.GetUpperBound() <= slowAttempt {
						fast = max(fast, b.GetCumulativeCount())
					}
				}
				f.GraphTimeouts += float64(h.GetSampleCount() - fast)
			}
		}
		if fam := ms["controller_runtime_reconcile_total"]; fam != nil {
			for _, m := range fam.GetMetric() {
				var controller, result string
				for _, l := range m.GetLabel() {
					switch l.GetName() {
					case "controller":
						controller = l.GetValue()
					case "result":
						result = l.GetValue()
					}
				}
				if controller == "onlinemeeting" {
					f.ReconcileResults[result] += m.GetCounter().GetValue()
				}
			}
		}
		f.ReconcileErrors += ms.Sum("controller_runtime_reconcile_errors_total", map[string]string{"controller": "onlinemeeting"})
		f.APIConflicts += ms.Sum("rest_client_requests_total", map[string]string{"code": "409"})
		f.APIWrites += ms.RestWrites()
	}
	return f
}

// lostResponses counts the committed writes the emulator left
// unanswered, from its --debug log.
func lostResponses(emulatorLog string) int {
	b, err := os.ReadFile(emulatorLog)
	if err != nil {
		return -1
	}
	return strings.Count(string(b), "Dropping the response of a committed write")
}

// report prints the run's figures.
type report struct {
	opts      options
	seed      uint64
	plan      *plan
	storm     *storm
	stats     emulator.Stats
	lost      int
	proxy     e2e.ProxyCounts
	managers  managerFigures
	kills     []killRecord
	outcome   outcomeCounts
	scanBytes int
	phases    []phase
	// lease describes the leader-election Lease at the end.
	lease string
	// leaseLost counts replicas that exited on a late Lease renewal and
	// were started again.
	leaseLost int
}

// phase is a named stretch of the run and how long it took.
type phase struct {
	name string
	took time.Duration
}

func sumCodes(st emulator.Stats, code int) int {
	n := 0
	for _, byCode := range st.Requests {
		n += byCode[code]
	}
	return n
}

func sumMap(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func (r *report) print() {
	st := r.stats
	created, changes, deletes, kills := r.storm.done()
	fmt.Printf("\n==> Figures (seed %d)\n", r.seed)
	fmt.Printf("harness: %d meetings created in %d namespaces, %d spec changes, %d deletes (%d Delete, %d Orphan), %d SIGKILLs of %d replica(s)\n",
		created, len(r.plan.Namespaces), changes, deletes, r.outcome.DeletedDelete, r.outcome.DeletedOrphan, kills, r.opts.replicas)
	for _, k := range r.kills {
		takeover := "none within 2m"
		if k.Takeover > 0 {
			takeover = k.Takeover.Round(100 * time.Millisecond).String()
		}
		fmt.Printf("  kill %d, %s into the storm: pid %d (slot %d, leader: %t); until a leader again: %s\n",
			k.N, k.At.Round(100*time.Millisecond), k.Pid, k.Slot, k.WasLead, takeover)
	}
	if r.lease != "" {
		fmt.Printf("  %s\n", r.lease)
	}
	fmt.Printf("  replicas that lost their Lease on a late renewal, exited and were started again: %d\n", r.leaseLost)
	zero := sumCodes(st, 0)
	timeouts := int(r.managers.GraphTimeouts)
	fmt.Printf("graph (emulator): %d meetings created (%d answered 201, the others' answers lost), %d createOrGet answered with an existing meeting (200); requests: %s\n",
		r.outcome.AllMeetings, st.Requests["createOrGet"][201], st.Requests["createOrGet"][200], opCounts(st))
	fmt.Printf("faults (emulator): %d answered 503, %d answered 429 (rate limit), %d left unanswered: %d committed-then-lost writes (emulator log), ~%d held until the client's timeout (manager attempts over %.0fs), ~%d resets (the rest)\n",
		sumCodes(st, 503), sumCodes(st, 429), zero, r.lost, timeouts, slowAttempt, zero-r.lost-timeouts)
	fmt.Printf("  requests that arrived while a Retry-After was running: %d (those in flight when the 429 came, and a new leader's, which does not know it)\n", st.RequestsDuringRetryAfter)
	fmt.Printf("conflicts (proxy): %d of %d OnlineMeeting writes refused 409 by the proxy %v; %d real conflicts from the API server %v\n",
		sumMap(r.proxy.Refused), sumMap(r.proxy.Writes), r.proxy.Refused, sumMap(r.proxy.UpstreamConflicts), r.proxy.UpstreamConflicts)
	m := r.managers
	fmt.Printf("operator (metrics of every process, each read last before its kill or stop): Graph attempts by status %v; reconciles by result %v; %d reconcile errors (retried with backoff); %d API writes, %d answered 409\n",
		floatMap(m.GraphByCode), floatMap(m.ReconcileResults), int(m.ReconcileErrors), int(m.APIWrites), int(m.APIConflicts))
	o := r.outcome
	fmt.Printf("outcome: %d/%d remaining resources Ready with exactly one matching meeting; %d/%d Delete-policy deletes left no meeting; %d Orphan deletes kept their meeting, %d had none yet; Graph holds %d meetings (%d live), %d externalIds with more than one\n",
		o.RemainingOK, o.Remaining, o.DeletedDeleteOK, o.DeletedDelete, o.OrphanKept, o.OrphanNoneYet, o.AllMeetings, o.LiveMeetings, o.CreatedTwice)
	fmt.Printf("secrets: none found in %d bytes of logs, Events and objects\n", r.scanBytes)
	var ph []string
	for _, p := range r.phases {
		ph = append(ph, fmt.Sprintf("%s %s", p.name, p.took.Round(100*time.Millisecond)))
	}
	fmt.Printf("time: %s\n", strings.Join(ph, ", "))
}

func opCounts(st emulator.Stats) string {
	var out []string
	for _, op := range slices.Sorted(maps.Keys(st.Requests)) {
		out = append(out, fmt.Sprintf("%s %d", op, st.Count(op)))
	}
	return strings.Join(out, ", ")
}

func floatMap(m map[string]float64) string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, fmt.Sprintf("%s:%d", k, int(m[k])))
	}
	return "{" + strings.Join(out, " ") + "}"
}
