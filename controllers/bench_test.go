package controllers_test

import (
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/emulator"
)

// Benchmarks print figures; they assert nothing about speed. Run them with
//
//	KUBEBUILDER_ASSETS=$PWD/bin/k8s go test ./controllers -run '^$' -bench . -benchtime 1x

// BenchmarkMeetingsToReady reports how fast new OnlineMeetings become
// Ready against the emulator with the operator's default concurrency and
// client-side rate limit (10 QPS, the figure that bounds it).
func BenchmarkMeetingsToReady(b *testing.B) {
	const n = 100
	for b.Loop() {
		h := newHarness(b, harnessOptions{qps: 10})
		start := time.Now()
		h.createMany(n)
		h.waitAllReady(n)
		elapsed := time.Since(start)
		b.ReportMetric(float64(n)/elapsed.Seconds(), "meetings/s")
		b.ReportMetric(float64(h.calls("createOrGet")+h.calls("get")+h.calls("update"))/n, "graph-calls/meeting")
		h.stopManager()
	}
}

// BenchmarkRestartWith1000ReadyMeetings reports what a restarted operator
// does with 1,000 Ready meetings: how long until it has looked at every
// one, and how many Graph calls it made doing so (the design says none).
func BenchmarkRestartWith1000ReadyMeetings(b *testing.B) {
	const n = 1000
	for b.Loop() {
		h := newHarness(b, harnessOptions{concurrency: 4})
		h.createMany(n)
		h.waitAllReady(n)
		h.stopManager()
		h.emu.ResetStats()

		start := time.Now()
		h.startManager()
		// Every existing meeting is queued before the new one; with the
		// new one Ready, all have been seen.
		h.create(h.meeting("after-restart"))
		h.waitAllReady(n + 1)
		b.ReportMetric(time.Since(start).Seconds(), "s-to-settle")
		b.ReportMetric(float64(h.calls("createOrGet")+h.calls("get")+h.calls("update")-1), "graph-calls-on-restart")
		h.stopManager()
	}
}

// BenchmarkNoisyNeighbour reports how long a meeting applied in a quiet
// namespace waits while a busy namespace has 1,000 meetings queued, at the
// operator's default flags (10 QPS, 4 workers): the tenancy issue's
// target is under 10 s, where a first-come queue would take about 100 s.
func BenchmarkNoisyNeighbour(b *testing.B) {
	const n = 1000
	for b.Loop() {
		quiet := env.Namespace(b)
		h := newHarness(b, harnessOptions{qps: 10, namespaces: []string{quiet}})
		h.createMany(n)
		start := time.Now()
		h.create(h.meeting("neighbour", inNamespace(quiet)))
		h.waitReadyIn(quiet, "neighbour")
		b.ReportMetric(time.Since(start).Seconds(), "s-to-ready-in-quiet-namespace")
		b.ReportMetric(float64(h.readyCount(h.g)), "busy-meetings-ready-by-then")
		h.stopManager()
	}
}

// BenchmarkStalledMeetings reports what meetings that Graph keeps
// refusing (no application access policy) cost once they are Stalled:
// Graph calls per second and status writes between retries. Time is
// scaled 100 to 1 (the first retry after 6 s stands for 10 minutes, the
// cap of 36 s for an hour), and the figures are scaled back and to 10,000
// meetings: "steady" is the rate once every meeting waits the full hour,
// "first-hour" the average over the first scaled hour.
func BenchmarkStalledMeetings(b *testing.B) {
	const (
		n     = 1000
		first = 6 * time.Second // stands for 10 minutes
		scale = float64(10*time.Minute) / float64(first)
		to10k = 10000.0 / n
	)
	for b.Loop() {
		var statusWrites atomic.Int64
		h := newHarness(b, harnessOptions{
			emulator:     emulator.Config{DenyUsers: []string{organizer}},
			stalledRetry: first, concurrency: 4,
			failStatusWrite: func(client.Object) bool { statusWrites.Add(1); return false },
		})
		h.createMany(n)
		h.g.Eventually(func(g Gomega) int { return h.countTrue(g, teamsv1alpha1.ConditionStalled) }).WithTimeout(10 * time.Minute).WithPolling(time.Second).Should(Equal(n))
		start, calls0, writes0 := time.Now(), h.calls("createOrGet"), statusWrites.Load()

		// The first scaled hour: retries after 10, 20 and 40 minutes.
		hour := time.Duration(float64(time.Hour) / scale)
		h.g.Eventually(func() bool { return time.Since(start) > hour }).WithTimeout(2 * hour).WithPolling(time.Second).Should(BeTrue())
		firstHour := float64(h.calls("createOrGet")-calls0) / time.Since(start).Seconds()

		// Then a full capped period, once every meeting waits the hour.
		h.g.Eventually(func() bool { return time.Since(start) > 3*hour }).WithTimeout(4 * hour).WithPolling(time.Second).Should(BeTrue())
		calls1, t1 := h.calls("createOrGet"), time.Now()
		h.g.Eventually(func() bool { return time.Since(t1) > hour }).WithTimeout(2 * hour).WithPolling(time.Second).Should(BeTrue())
		steady := float64(h.calls("createOrGet")-calls1) / time.Since(t1).Seconds()

		b.ReportMetric(firstHour/scale*to10k, "graph-calls/s-first-hour-10k")
		b.ReportMetric(steady/scale*to10k, "graph-calls/s-steady-10k")
		b.ReportMetric(float64(statusWrites.Load()-writes0), "status-writes-between-retries")
		h.stopManager()
	}
}
