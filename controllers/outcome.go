package controllers

import (
	"errors"
	"fmt"
	"regexp"
	"time"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/connection"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/graph"
)

// The retry policy of failures a person must fix: the first retry after
// defaultStalledRetry, each later one after as long again as the resource
// has been stalled (so the wait doubles), up to stalledRetryCap times the
// first. A spec change retries at once, through the watch.
const (
	defaultStalledRetry = 10 * time.Minute
	stalledRetryCap     = 6 // 10 minutes doubling to 1 hour
)

// retryPolicy says when a Stalled resource is tried again by itself.
type retryPolicy struct {
	never bool
	after time.Duration
}

var (
	// retryNever waits for a spec change: retrying the same spec cannot help.
	retryNever = retryPolicy{never: true}
	// retrySlowly backs off from defaultStalledRetry to an hour.
	retrySlowly = retryPolicy{}
)

// retryAfter retries after a fixed d.
func retryAfter(d time.Duration) retryPolicy { return retryPolicy{after: d} }

// stalledError is a failure that retrying the same spec cannot fix soon.
type stalledError struct {
	reason  teamsv1alpha1.ConditionReason
	message string
	retry   retryPolicy
}

func (e *stalledError) Error() string { return e.message }

func stalled(reason teamsv1alpha1.ConditionReason, retry retryPolicy, format string, args ...any) error {
	return &stalledError{reason: reason, message: fmt.Sprintf(format, args...), retry: retry}
}

// outcomeState is how a failed step is reported.
type outcomeState int

const (
	// stateReconciling: Ready=False, Reconciling=True; the operator gets
	// there by itself.
	stateReconciling outcomeState = iota
	// stateStalled: Ready=False, Stalled=True; a person must act.
	stateStalled
	// stateUnchanged: a Ready meeting's resync met a passing problem;
	// nothing about the meeting is known to be wrong, so it stays Ready.
	stateUnchanged
)

// outcome is what a failed step leads to. decide computes it; handleError
// applies it.
type outcome struct {
	state   outcomeState
	reason  teamsv1alpha1.ConditionReason
	message string
	// requeueAfter is when to try again; zero and not backoff: only a
	// change brings the resource back.
	requeueAfter time.Duration
	// backoff returns the error, for the workqueue's exponential backoff.
	backoff bool
}

// failure is what decide knows about a failed step.
type failure struct {
	err error
	// ready is true when the meeting was Ready for this generation and is
	// not being deleted.
	ready bool
	// stalledFor is how long the resource has been Stalled (0 if it is not).
	stalledFor time.Duration
	// firstRetry is the first stalled retry (defaultStalledRetry unless a
	// test shortens it).
	firstRetry time.Duration
	organizer  string
	connection string
}

// decide turns a failed step into conditions and a retry: throttling
// waits exactly as long as Graph asked, transient failures back off
// exponentially, and failures a person must fix retry slowly. It is pure:
// the table in outcome_test.go specifies it.
func decide(f failure) outcome {
	var refusal *connection.Refusal
	if errors.As(f.err, &refusal) {
		if refusal.Reason == teamsv1alpha1.ReasonConnectionNotReady {
			// The connection's own status says what is wrong, and its change
			// brings the meeting back through the watch.
			return outcome{state: stateReconciling, reason: refusal.Reason, message: refusal.Message, requeueAfter: stalledBackoff(f.firstRetry, f.stalledFor)}
		}
		return outcome{state: stateStalled, reason: refusal.Reason, message: refusal.Message, requeueAfter: stalledBackoff(f.firstRetry, f.stalledFor)}
	}
	var st *stalledError
	if errors.As(f.err, &st) {
		o := outcome{state: stateStalled, reason: st.reason, message: st.message}
		switch {
		case st.retry.never:
		case st.retry.after > 0:
			o.requeueAfter = st.retry.after
		default:
			o.requeueAfter = stalledBackoff(f.firstRetry, f.stalledFor)
		}
		return o
	}

	slowly := func(reason teamsv1alpha1.ConditionReason, format string, args ...any) outcome {
		return outcome{state: stateStalled, reason: reason, message: fmt.Sprintf(format, args...), requeueAfter: stalledBackoff(f.firstRetry, f.stalledFor)}
	}
	switch graph.ClassOf(f.err) {
	case graph.ClassThrottled:
		wait, _ := graph.RetryAfter(f.err)
		o := outcome{state: stateReconciling, reason: teamsv1alpha1.ReasonThrottled, requeueAfter: wait,
			message: fmt.Sprintf("Graph is throttling this tenant; the operator sends nothing to it for %s, as Graph asked.", wait.Round(time.Second))}
		if wait <= 0 {
			// A 429 without a usable Retry-After: the workqueue's backoff
			// decides, rather than no retry at all.
			o.backoff = true
		}
		if f.ready {
			o.state = stateUnchanged
		}
		return o
	case graph.ClassForbidden:
		return slowly(teamsv1alpha1.ReasonForbidden,
			"Graph refused to act for organizer %s: %v. Grant the app an application access policy for this user (it can take about 30 minutes to apply) and the OnlineMeetings.ReadWrite.All application permission.",
			f.organizer, f.err)
	case graph.ClassUnauthorized:
		return slowly(teamsv1alpha1.ReasonUnauthorized,
			"Azure AD or Graph refused the credentials of connection %s: %v. Check the connection's status and credential.", f.connection, f.err)
	case graph.ClassInvalid:
		return slowly(teamsv1alpha1.ReasonInvalidSpec,
			"Graph refused the meeting as invalid: %v. Fix the spec; the operator retries when it changes.", f.err)
	case graph.ClassNotFound:
		// A meeting that vanished is the reconciler's to recreate; what
		// reaches here is createOrGet's 404: no such organizer.
		return slowly(teamsv1alpha1.ReasonInvalidSpec,
			"Graph found no organizer %s: %v. spec.organizer.userId must be the Azure AD object id of a user in the tenant.", f.organizer, f.err)
	default:
		o := outcome{state: stateReconciling, reason: teamsv1alpha1.ReasonGraphUnavailable, backoff: true,
			message: fmt.Sprintf("Graph could not be reached or failed (%v); retrying with backoff.", f.err)}
		if f.ready {
			o.state = stateUnchanged
		}
		return o
	}
}

// stalledBackoff is the wait before the next retry of a resource stalled
// for stalledFor: first, then as long as it has been stalled (doubling
// the total each time), at most stalledRetryCap times first.
func stalledBackoff(first, stalledFor time.Duration) time.Duration {
	if first <= 0 {
		first = defaultStalledRetry
	}
	return min(max(first, stalledFor), stalledRetryCap*first)
}

// requestIDs matches the request ids Graph errors carry, which change with
// every call.
var requestIDs = regexp.MustCompile(`\((client-)?request-id [^)]*\)`)

// sameApartFromRequestID reports whether two messages differ at most in
// their request ids: a retry that meets the same wall writes no status.
func sameApartFromRequestID(a, b string) bool {
	return requestIDs.ReplaceAllString(a, "") == requestIDs.ReplaceAllString(b, "")
}
