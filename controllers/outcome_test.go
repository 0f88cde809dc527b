package controllers

import (
	"errors"
	"strings"
	"testing"
	"time"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/connection"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/graph"
)

// TestDecideSpecifiesEveryFailure is the retry policy in one table: every
// class of failure, for a meeting that is Ready and one that is not.
func TestDecideSpecifiesEveryFailure(t *testing.T) {
	graphErr := func(class graph.ErrorClass, retryAfter time.Duration) error {
		return &graph.Error{Operation: "createOrGet", Class: class, StatusCode: 400, Message: "m", RetryAfter: retryAfter, RequestID: "r-1"}
	}
	const first = 10 * time.Minute
	tests := []struct {
		name      string
		err       error
		ready     bool
		want      outcomeState
		reason    teamsv1alpha1.ConditionReason
		requeue   time.Duration
		backoff   bool
		inMessage string
	}{
		{"throttled waits Retry-After", graphErr(graph.ClassThrottled, 7*time.Second), false, stateReconciling, teamsv1alpha1.ReasonThrottled, 7 * time.Second, false, "7s"},
		{"throttled resync of a Ready meeting stays Ready", graphErr(graph.ClassThrottled, 7*time.Second), true, stateUnchanged, teamsv1alpha1.ReasonThrottled, 7 * time.Second, false, ""},
		{"throttled without Retry-After backs off", graphErr(graph.ClassThrottled, 0), false, stateReconciling, teamsv1alpha1.ReasonThrottled, 0, true, ""},
		{"transient backs off", graphErr(graph.ClassTransient, 0), false, stateReconciling, teamsv1alpha1.ReasonGraphUnavailable, 0, true, "retrying with backoff"},
		{"transient resync of a Ready meeting stays Ready", graphErr(graph.ClassTransient, 0), true, stateUnchanged, teamsv1alpha1.ReasonGraphUnavailable, 0, true, ""},
		{"unknown backs off", errors.New("boom"), false, stateReconciling, teamsv1alpha1.ReasonGraphUnavailable, 0, true, "boom"},
		{"forbidden stalls", graphErr(graph.ClassForbidden, 0), false, stateStalled, teamsv1alpha1.ReasonForbidden, first, false, "application access policy"},
		{"forbidden stalls a Ready meeting too", graphErr(graph.ClassForbidden, 0), true, stateStalled, teamsv1alpha1.ReasonForbidden, first, false, "organizer 5f1d"},
		{"unauthorized names the connection", graphErr(graph.ClassUnauthorized, 0), false, stateStalled, teamsv1alpha1.ReasonUnauthorized, first, false, "ClusterGraphConnection/default"},
		{"invalid stalls", graphErr(graph.ClassInvalid, 0), false, stateStalled, teamsv1alpha1.ReasonInvalidSpec, first, false, "Fix the spec"},
		{"createOrGet's 404 is a missing organizer", graphErr(graph.ClassNotFound, 0), false, stateStalled, teamsv1alpha1.ReasonInvalidSpec, first, false, "no organizer"},
		{"connection not ready waits", &connection.Refusal{Reason: teamsv1alpha1.ReasonConnectionNotReady, Message: "not yet"}, false, stateReconciling, teamsv1alpha1.ReasonConnectionNotReady, first, false, "not yet"},
		{"organizer not allowed stalls", &connection.Refusal{Reason: teamsv1alpha1.ReasonOrganizerNotAllowed, Message: "no"}, true, stateStalled, teamsv1alpha1.ReasonOrganizerNotAllowed, first, false, "no"},
		{"a spec problem waits for a spec change", stalled(teamsv1alpha1.ReasonChatInfoRequiresBeta, retryNever, "beta"), false, stateStalled, teamsv1alpha1.ReasonChatInfoRequiresBeta, 0, false, "beta"},
		{"a fixed retry", stalled(teamsv1alpha1.ReasonMeetingGone, retryAfter(time.Hour), "gone"), false, stateStalled, teamsv1alpha1.ReasonMeetingGone, time.Hour, false, "gone"},
		{"a slow retry", stalled(teamsv1alpha1.ReasonDeleteFailed, retrySlowly, "refused"), false, stateStalled, teamsv1alpha1.ReasonDeleteFailed, first, false, "refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := decide(failure{err: tt.err, ready: tt.ready, firstRetry: first,
				organizer: "5f1d3a44-8c1e-4e8b-9a2f-6c1f0d9e2b71", connection: "ClusterGraphConnection/default"})
			if o.state != tt.want || o.reason != tt.reason || o.requeueAfter != tt.requeue || o.backoff != tt.backoff {
				t.Errorf("got state %d reason %s requeue %s backoff %v; want %d %s %s %v",
					o.state, o.reason, o.requeueAfter, o.backoff, tt.want, tt.reason, tt.requeue, tt.backoff)
			}
			if tt.inMessage != "" && !strings.Contains(o.message, tt.inMessage) {
				t.Errorf("message %q lacks %q", o.message, tt.inMessage)
			}
		})
	}
}

func TestStalledRetriesDoubleFromTenMinutesToAnHour(t *testing.T) {
	// Each retry waits as long as the resource has been stalled.
	var at time.Duration
	var waits []time.Duration
	for range 6 {
		w := stalledBackoff(0, at)
		waits = append(waits, w)
		at += w
	}
	want := []time.Duration{10 * time.Minute, 10 * time.Minute, 20 * time.Minute, 40 * time.Minute, time.Hour, time.Hour}
	for i := range want {
		if waits[i] != want[i] {
			t.Fatalf("waits %v, want %v", waits, want)
		}
	}
}

func TestMessagesThatDifferOnlyInTheRequestIDAreTheSame(t *testing.T) {
	a := "Graph refused: graph createOrGet: 403 Forbidden: No policy. (request-id 1111-aaaa)"
	b := "Graph refused: graph createOrGet: 403 Forbidden: No policy. (request-id 2222-bbbb)"
	c := "Graph refused: graph createOrGet: 403 Forbidden: Other. (request-id 2222-bbbb)"
	if !sameApartFromRequestID(a, b) {
		t.Error("a new request id alone made a new message")
	}
	if sameApartFromRequestID(a, c) {
		t.Error("a new message was taken for the same")
	}
	if !sameApartFromRequestID("x (client-request-id 1)", "x (client-request-id 2)") {
		t.Error("client request ids are not ignored")
	}
}
