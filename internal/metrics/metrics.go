// Package metrics exposes the operator's Prometheus metrics on
// controller-runtime's registry: Graph requests by operation and status
// code, Graph latency, and OnlineMeetings by Ready condition.
package metrics

import (
	"context"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
)

// GraphObserver records every Graph HTTP attempt. It implements
// graph.Observer.
type GraphObserver struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// NewGraphObserver registers the Graph request metrics with reg.
func NewGraphObserver(reg prometheus.Registerer) *GraphObserver {
	o := &GraphObserver{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "onlinemeeting_graph_requests_total",
			Help: "Microsoft Graph requests by operation and HTTP status code (0: no answer).",
		}, []string{"operation", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "onlinemeeting_graph_request_duration_seconds",
			Help:    "Latency of Microsoft Graph requests by operation.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2, 12),
		}, []string{"operation"}),
	}
	reg.MustRegister(o.requests, o.latency)
	return o
}

// ObserveRequest counts one Graph request and its latency.
func (o *GraphObserver) ObserveRequest(operation string, statusCode int, d time.Duration) {
	o.requests.WithLabelValues(operation, strconv.Itoa(statusCode)).Inc()
	o.latency.WithLabelValues(operation).Observe(d.Seconds())
}

// MeetingsCollector counts OnlineMeetings by their Ready condition's
// status and reason at scrape time, from the manager's cache, so the
// figures are never out of step with deletions.
type MeetingsCollector struct {
	reader client.Reader
	desc   *prometheus.Desc
}

// NewMeetingsCollector returns a collector reading from reader (the
// manager's cached client).
func NewMeetingsCollector(reader client.Reader) *MeetingsCollector {
	return &MeetingsCollector{
		reader: reader,
		desc: prometheus.NewDesc("onlinemeeting_meetings",
			"OnlineMeetings by the status and reason of their Ready condition.",
			[]string{"ready", "reason"}, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *MeetingsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect implements prometheus.Collector.
func (c *MeetingsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var list teamsv1alpha1.OnlineMeetingList
	if err := c.reader.List(ctx, &list); err != nil {
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}
	type key struct{ ready, reason string }
	counts := map[key]int{}
	for i := range list.Items {
		k := key{ready: "Unknown", reason: ""}
		if cond := meta.FindStatusCondition(list.Items[i].Status.Conditions, teamsv1alpha1.ConditionReady); cond != nil {
			k = key{ready: string(cond.Status), reason: cond.Reason}
		}
		counts[k]++
	}
	for k, n := range counts {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), k.ready, k.reason)
	}
}
