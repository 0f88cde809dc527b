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
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
// figures are never out of step with deletions. Status is writable by
// anyone granted onlinemeetings/status, so its values become labels only
// through readyLabel and reasonLabel: a written reason can neither add
// series without bound nor smuggle text into the exposition.
type MeetingsCollector struct {
	reader client.Reader
	desc   *prometheus.Desc
	// inScope, when set, limits the count to the meetings this instance
	// reconciles (its shard).
	inScope func(client.Object) bool
	// elected, when set, is closed once this replica leads.
	elected <-chan struct{}
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

// Only counts the meetings inScope accepts: with several instances as
// shards, each caches every OnlineMeeting (for the claim check) but
// reports only its own, so that the shards' figures add up to the
// cluster's instead of multiplying it.
func (c *MeetingsCollector) Only(inScope func(client.Object) bool) *MeetingsCollector {
	c.inScope = inScope
	return c
}

// WhenLeader reports nothing until elected is closed (the manager's
// Elected()): standby replicas cache every meeting too, and their figures
// would add up to a multiple of the cluster's.
func (c *MeetingsCollector) WhenLeader(elected <-chan struct{}) *MeetingsCollector {
	c.elected = elected
	return c
}

// Describe implements prometheus.Collector.
func (c *MeetingsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect implements prometheus.Collector.
func (c *MeetingsCollector) Collect(ch chan<- prometheus.Metric) {
	if c.elected != nil {
		select {
		case <-c.elected:
		default:
			return
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var list teamsv1alpha1.OnlineMeetingList
	// Read only, never kept: no deep copy of every meeting per scrape.
	if err := c.reader.List(ctx, &list, client.UnsafeDisableDeepCopy); err != nil {
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}
	type key struct{ ready, reason string }
	counts := map[key]int{}
	for i := range list.Items {
		if c.inScope != nil && !c.inScope(&list.Items[i]) {
			continue
		}
		k := key{ready: "Unknown", reason: ""}
		if cond := meta.FindStatusCondition(list.Items[i].Status.Conditions, teamsv1alpha1.ConditionReady); cond != nil {
			k = key{ready: readyLabel(cond.Status), reason: reasonLabel(cond.Reason)}
		}
		counts[k]++
	}
	for k, n := range counts {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), k.ready, k.reason)
	}
}

// ReasonOther is the reason label of a Ready condition whose reason the
// operator never writes.
const ReasonOther = "Other"

// knownReasons are the reasons the operator writes on an OnlineMeeting's
// Ready condition: every ConditionReason in api/v1alpha1, listed one by one
// so that a label value is always one of ours. A reason added to the API
// and not here is counted as Other until it is (a test compares the two).
var knownReasons = func() map[string]bool {
	known := map[string]bool{}
	for _, r := range []teamsv1alpha1.ConditionReason{
		teamsv1alpha1.ReasonCreated,
		teamsv1alpha1.ReasonAdopted,
		teamsv1alpha1.ReasonUpdated,
		teamsv1alpha1.ReasonRecreated,
		teamsv1alpha1.ReasonSynced,
		teamsv1alpha1.ReasonDeleted,
		teamsv1alpha1.ReasonOrphaned,
		teamsv1alpha1.ReasonProgressing,
		teamsv1alpha1.ReasonThrottled,
		teamsv1alpha1.ReasonGraphUnavailable,
		teamsv1alpha1.ReasonForbidden,
		teamsv1alpha1.ReasonUnauthorized,
		teamsv1alpha1.ReasonInvalidSpec,
		teamsv1alpha1.ReasonChatInfoRequiresBeta,
		teamsv1alpha1.ReasonMeetingGone,
		teamsv1alpha1.ReasonExpired,
		teamsv1alpha1.ReasonDeleteFailed,
		teamsv1alpha1.ReasonSuspended,
		teamsv1alpha1.ReasonEnded,
		teamsv1alpha1.ReasonObserved,
		teamsv1alpha1.ReasonMeetingNotFound,
		teamsv1alpha1.ReasonSecretNotOwned,
		teamsv1alpha1.ReasonConnectionNotFound,
		teamsv1alpha1.ReasonConnectionNotReady,
		teamsv1alpha1.ReasonConnectionNotAllowed,
		teamsv1alpha1.ReasonOrganizerNotAllowed,
		teamsv1alpha1.ReasonExternalIDConflict,
		teamsv1alpha1.ReasonMeetingMismatch,
		teamsv1alpha1.ReasonTokenObtained,
		teamsv1alpha1.ReasonCredentialInvalid,
		teamsv1alpha1.ReasonAuthenticationFailed,
	} {
		known[string(r)] = true
	}
	return known
}()

// reasonLabel is reason when the operator writes it, else ReasonOther.
func reasonLabel(reason string) string {
	if knownReasons[reason] {
		return reason
	}
	return ReasonOther
}

// readyLabel is the condition's status when it is one of the three a
// condition may have, else Unknown.
func readyLabel(status metav1.ConditionStatus) string {
	switch status {
	case metav1.ConditionTrue, metav1.ConditionFalse:
		return string(status)
	default:
		return string(metav1.ConditionUnknown)
	}
}
