package controllers_test

import (
	"testing"
	"time"
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
