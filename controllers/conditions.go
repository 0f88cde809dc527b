package controllers

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
)

func (r *OnlineMeetingReconciler) stalledRetry() time.Duration {
	if r.StalledRetryPeriod > 0 {
		return r.StalledRetryPeriod
	}
	return defaultStalledRetry
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
	if !news && sameApartFromRequestID(prev.Message, boundMessage(message)) {
		// The same wall again: status stays as it is, so a retry costs no
		// write (the new request id is in the log).
		return false
	}
	setCondition(m, teamsv1alpha1.ConditionReady, metav1.ConditionFalse, reason, message)
	setCondition(m, teamsv1alpha1.ConditionStalled, metav1.ConditionTrue, reason, message)
	meta.RemoveStatusCondition(&m.Status.Conditions, teamsv1alpha1.ConditionReconciling)
	return news
}

// handleError applies decide's outcome of a failed step: conditions, an
// Event when the problem is news, and the retry.
func (r *OnlineMeetingReconciler) handleError(ctx context.Context, m *teamsv1alpha1.OnlineMeeting, action string, err error) (ctrl.Result, error) {
	f := failure{err: err, ready: isReady(m) && m.DeletionTimestamp.IsZero(), firstRetry: r.stalledRetry(),
		organizer: m.Spec.Organizer.UserID, connection: r.Connections.RefOf(m).String()}
	if c := meta.FindStatusCondition(m.Status.Conditions, teamsv1alpha1.ConditionStalled); c != nil && c.Status == metav1.ConditionTrue {
		f.stalledFor = r.now().Sub(c.LastTransitionTime.Time)
	}
	o := decide(f)
	logger := log.FromContext(ctx)
	switch o.state {
	case stateStalled:
		if markStalled(m, o.reason, o.message) {
			r.event(m, corev1.EventTypeWarning, o.reason, action, o.message)
		}
		logger.Info("Meeting needs attention", "reason", o.reason, "message", boundMessage(o.message), "retryAfter", o.requeueAfter)
	case stateReconciling:
		markReconciling(m, o.reason, o.message)
		logger.V(1).Info("Meeting is waiting", "reason", o.reason, "message", boundMessage(o.message), "retryAfter", o.requeueAfter)
	case stateUnchanged:
		logger.V(1).Info("Passing problem during a resync", "reason", o.reason, "message", boundMessage(o.message))
	}
	if o.backoff {
		return ctrl.Result{}, fmt.Errorf("%s: %w", action, err)
	}
	if o.requeueAfter > 0 && o.state == stateStalled {
		// Stalled resources that failed together must not retry together.
		o.requeueAfter += r.jitter(o.requeueAfter)
	}
	return ctrl.Result{RequeueAfter: o.requeueAfter}, nil
}

// event records an Event on the meeting. The note never holds credentials:
// Graph errors carry Graph's message and request id only.
func (r *OnlineMeetingReconciler) event(m *teamsv1alpha1.OnlineMeeting, eventType string, reason teamsv1alpha1.ConditionReason, action, note string) {
	if r.Recorder == nil {
		return
	}
	r.Recorder.Eventf(m, nil, eventType, string(reason), action, "%s", eventNote(note))
}
