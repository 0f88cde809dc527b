package controllers

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/connection"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/graph"
)

// defaultStalledRetry is how long a resource that needs a person (a
// permission, a policy, a spec fix) waits before the operator tries again
// by itself. A spec change retries at once, through the watch.
const defaultStalledRetry = 10 * time.Minute

func (r *OnlineMeetingReconciler) stalledRetry() time.Duration {
	if r.StalledRetryPeriod > 0 {
		return r.StalledRetryPeriod
	}
	return defaultStalledRetry
}

// stalledError is a failure that retrying the same spec cannot fix soon.
type stalledError struct {
	reason  teamsv1alpha1.ConditionReason
	message string
	retry   time.Duration
}

func (e *stalledError) Error() string { return e.message }

func stalled(reason teamsv1alpha1.ConditionReason, retry time.Duration, format string, args ...any) error {
	return &stalledError{reason: reason, message: fmt.Sprintf(format, args...), retry: retry}
}

// isReady is true when the meeting was in place for the current spec.
func isReady(m *teamsv1alpha1.OnlineMeeting) bool {
	c := meta.FindStatusCondition(m.Status.Conditions, teamsv1alpha1.ConditionReady)
	return c != nil && c.Status == metav1.ConditionTrue && c.ObservedGeneration == m.Generation
}

func setCondition(m *teamsv1alpha1.OnlineMeeting, typ string, status metav1.ConditionStatus, reason teamsv1alpha1.ConditionReason, message string) {
	meta.SetStatusCondition(&m.Status.Conditions, metav1.Condition{
		Type: typ, Status: status, Reason: string(reason), Message: boundMessage(message), ObservedGeneration: m.Generation,
	})
}

// markReady says the meeting is in place. Reconciling and Stalled are
// removed, as kstatus reads their absence as False.
func markReady(m *teamsv1alpha1.OnlineMeeting, reason teamsv1alpha1.ConditionReason, message string) {
	setCondition(m, teamsv1alpha1.ConditionReady, metav1.ConditionTrue, reason, message)
	meta.RemoveStatusCondition(&m.Status.Conditions, teamsv1alpha1.ConditionReconciling)
	meta.RemoveStatusCondition(&m.Status.Conditions, teamsv1alpha1.ConditionStalled)
}

// markReconciling says the operator is still working and expects to get
// there by itself.
func markReconciling(m *teamsv1alpha1.OnlineMeeting, reason teamsv1alpha1.ConditionReason, message string) {
	setCondition(m, teamsv1alpha1.ConditionReady, metav1.ConditionFalse, reason, message)
	setCondition(m, teamsv1alpha1.ConditionReconciling, metav1.ConditionTrue, reason, message)
	meta.RemoveStatusCondition(&m.Status.Conditions, teamsv1alpha1.ConditionStalled)
}

// markStalled says the operator needs a person, and returns whether this
// is news: a new reason, or the same one for a new generation of the spec.
// Events are so recorded once per problem and spec, not once per retry (the
// message alone would not do: Graph's request id changes with every call).
func markStalled(m *teamsv1alpha1.OnlineMeeting, reason teamsv1alpha1.ConditionReason, message string) bool {
	prev := meta.FindStatusCondition(m.Status.Conditions, teamsv1alpha1.ConditionStalled)
	news := prev == nil || prev.Status != metav1.ConditionTrue || prev.Reason != string(reason) || prev.ObservedGeneration != m.Generation
	setCondition(m, teamsv1alpha1.ConditionReady, metav1.ConditionFalse, reason, message)
	setCondition(m, teamsv1alpha1.ConditionStalled, metav1.ConditionTrue, reason, message)
	meta.RemoveStatusCondition(&m.Status.Conditions, teamsv1alpha1.ConditionReconciling)
	return news
}

// handleError turns a failed step into conditions, an Event and a retry
// policy: throttling waits exactly as long as Graph asked, transient
// failures back off exponentially (by returning the error), and failures a
// person must fix retry slowly without flooding Graph or the Event log.
func (r *OnlineMeetingReconciler) handleError(ctx context.Context, m *teamsv1alpha1.OnlineMeeting, action string, err error) (ctrl.Result, error) {
	var refusal *connection.Refusal
	if errors.As(err, &refusal) {
		if refusal.Reason == teamsv1alpha1.ReasonConnectionNotReady {
			// The connection's own status says what is wrong with it, and
			// its change brings the meeting back through the watch.
			markReconciling(m, refusal.Reason, refusal.Message)
			return ctrl.Result{RequeueAfter: r.stalledRetry()}, nil
		}
		err = stalled(refusal.Reason, r.stalledRetry(), "%s", refusal.Message)
	}
	var st *stalledError
	if errors.As(err, &st) {
		if markStalled(m, st.reason, st.message) {
			r.event(m, corev1.EventTypeWarning, st.reason, action, st.message)
		}
		log.FromContext(ctx).Info("Meeting needs attention", "reason", st.reason, "message", st.message)
		return ctrl.Result{RequeueAfter: st.retry}, nil
	}

	// A resync that hits a passing Graph problem leaves a Ready meeting
	// Ready: nothing about the meeting is known to be wrong.
	keepReady := isReady(m) && m.DeletionTimestamp.IsZero()
	switch graph.ClassOf(err) {
	case graph.ClassThrottled:
		wait, _ := graph.RetryAfter(err)
		if !keepReady {
			markReconciling(m, teamsv1alpha1.ReasonThrottled,
				fmt.Sprintf("Graph is throttling this tenant; the operator sends nothing to it for %s, as Graph asked.", wait.Round(time.Second)))
		}
		log.FromContext(ctx).V(1).Info("Graph is throttling", "action", action, "retryAfter", wait)
		return ctrl.Result{RequeueAfter: wait}, nil
	case graph.ClassForbidden:
		return r.handleError(ctx, m, action, stalled(teamsv1alpha1.ReasonForbidden, r.stalledRetry(),
			"Graph refused to act for organizer %s: %v. Grant the app an application access policy for this user (it can take about 30 minutes to apply) and the OnlineMeetings.ReadWrite.All application permission.",
			m.Spec.Organizer.UserID, err))
	case graph.ClassUnauthorized:
		return r.handleError(ctx, m, action, stalled(teamsv1alpha1.ReasonUnauthorized, r.stalledRetry(),
			"Azure AD or Graph refused the credentials of connection %s: %v. Check the connection's status and credential.", r.Connections.RefOf(m), err))
	case graph.ClassInvalid:
		return r.handleError(ctx, m, action, stalled(teamsv1alpha1.ReasonInvalidSpec, r.stalledRetry(),
			"Graph refused the meeting as invalid: %v. Fix the spec; the operator retries when it changes.", err))
	case graph.ClassNotFound:
		return r.handleError(ctx, m, action, stalled(teamsv1alpha1.ReasonInvalidSpec, r.stalledRetry(),
			"Graph found no organizer %s: %v. spec.organizer.userId must be the Azure AD object id of a user in the tenant.",
			m.Spec.Organizer.UserID, err))
	default:
		if !keepReady {
			markReconciling(m, teamsv1alpha1.ReasonGraphUnavailable,
				fmt.Sprintf("Graph could not be reached or failed (%v); retrying with backoff.", err))
		}
		return ctrl.Result{}, fmt.Errorf("%s: %w", action, err)
	}
}

// event records an Event on the meeting. The note never holds credentials:
// Graph errors carry Graph's message and request id only.
func (r *OnlineMeetingReconciler) event(m *teamsv1alpha1.OnlineMeeting, eventType string, reason teamsv1alpha1.ConditionReason, action, note string) {
	if r.Recorder == nil {
		return
	}
	r.Recorder.Eventf(m, nil, eventType, string(reason), action, "%s", eventNote(note))
}
