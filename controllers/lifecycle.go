package controllers

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
)

// ResyncPeriodAnnotation sets one meeting's resync period (a Go duration,
// at least MinResyncPeriod), or turns its drift checks off with "0", as
// Config Connector's reconcile-interval annotation does.
const ResyncPeriodAnnotation = "teams.meetings.dev/resync-period"

// MinResyncPeriod is the shortest resync the annotation may ask for: more
// often would spend the tenant's Graph budget on one meeting.
const MinResyncPeriod = 5 * time.Minute

// endedGrace is how long after its end a meeting is still checked for
// drift: a meeting that overran may still be changed in Teams.
const endedGrace = time.Hour

// resyncPeriod is how often this meeting is read back from Graph: its
// annotation's period, else the operator's; zero when drift checks are
// off. ok is false for a bad annotation, which is then ignored.
func (r *OnlineMeetingReconciler) resyncPeriod(m *teamsv1alpha1.OnlineMeeting) (period time.Duration, ok bool) {
	v, set := m.Annotations[ResyncPeriodAnnotation]
	if !set {
		return r.ResyncPeriod, true
	}
	d, err := time.ParseDuration(v)
	switch {
	case err == nil && d == 0:
		return 0, true
	case err != nil || d < MinResyncPeriod:
		return r.ResyncPeriod, false
	}
	return d, true
}

// nextSync is when a meeting that is in place and was just read from Graph
// is read back again. A bad resync annotation is reported here, once per
// sync with Graph, rather than on every reconcile that finds nothing due.
func (r *OnlineMeetingReconciler) nextSync(m *teamsv1alpha1.OnlineMeeting) ctrl.Result {
	period, ok := r.resyncPeriod(m)
	if !ok {
		r.event(m, corev1.EventTypeWarning, teamsv1alpha1.ReasonInvalidSpec, "Validate", fmt.Sprintf(
			"Annotation %s=%q is not a Go duration of at least %s, or 0 to turn drift checks off; using %s.",
			ResyncPeriodAnnotation, truncateForMessage(m.Annotations[ResyncPeriodAnnotation]), MinResyncPeriod, r.ResyncPeriod))
	}
	if period == 0 {
		return ctrl.Result{}
	}
	// Just read from Graph: the wait is to the next slot (a whole period
	// when status keeps no usable lastSyncTime).
	now := r.now()
	wait, ok := untilNextSlot(m, period, resyncPhase(m.UID, period), now, now)
	if !ok {
		wait = period
	}
	return ctrl.Result{RequeueAfter: wait}
}

// quietUntilDue decides whether this reconcile can leave Graph alone: the
// meeting is past its life (Ended, Expired), or its spec is observed, the
// resync period has not passed and its join Secret is in place. It then
// returns the result to return.
func (r *OnlineMeetingReconciler) quietUntilDue(ctx context.Context, m *teamsv1alpha1.OnlineMeeting) (ctrl.Result, bool, error) {
	if reason, msg, next, ok := afterTheMeeting(m, r.now()); ok {
		// Past its life: no Graph call, whatever happens in Teams.
		markReady(m, reason, msg)
		return ctrl.Result{RequeueAfter: next}, true, nil
	}
	missing, err := r.joinInfoSecretMissing(ctx, m)
	if err != nil {
		return ctrl.Result{}, true, err
	}
	if wait, ok := r.syncNotDue(m); ok && !missing {
		// No Graph call, so a restarted operator is quiet.
		return ctrl.Result{RequeueAfter: wait}, true, nil
	}
	return ctrl.Result{}, false, nil
}

// markSuspended says the operator leaves the meeting alone. Ready keeps
// its status (a meeting in place stays in place); its reason says why
// nothing is checked.
func markSuspended(m *teamsv1alpha1.OnlineMeeting, message string) {
	status := metav1.ConditionFalse
	if c := meta.FindStatusCondition(m.Status.Conditions, teamsv1alpha1.ConditionReady); c != nil && c.Status == metav1.ConditionTrue {
		status = metav1.ConditionTrue
	}
	setCondition(m, teamsv1alpha1.ConditionReady, status, teamsv1alpha1.ReasonSuspended, message)
	meta.RemoveStatusCondition(&m.Status.Conditions, teamsv1alpha1.ConditionReconciling)
	meta.RemoveStatusCondition(&m.Status.Conditions, teamsv1alpha1.ConditionStalled)
}

// afterTheMeeting decides whether a meeting whose spec is observed is past
// its life: ended (an hour after its end: drift checks stop) or expired
// (Graph's expiry: it is gone for good). Neither is ever recreated. It
// returns the reason, a message, and when the state changes next (zero:
// never).
func afterTheMeeting(m *teamsv1alpha1.OnlineMeeting, now time.Time) (teamsv1alpha1.ConditionReason, string, time.Duration, bool) {
	st := m.Status
	// isReady, not status.observedGeneration: a reconcile that failed
	// still writes the latter, and a new date must reach Graph first.
	if st.MeetingID == "" || !isReady(m) || st.EndDateTime == nil {
		return "", "", 0, false
	}
	if exp := st.ExpiryDateTime; exp != nil && !now.Before(exp.Time) {
		return teamsv1alpha1.ReasonExpired, fmt.Sprintf(
			"Meeting %s expired in Teams on %s, 60 days after it ended; the operator no longer checks it and never recreates it.",
			st.MeetingID, exp.UTC().Format(time.RFC3339)), 0, true
	}
	ended := st.EndDateTime.Add(endedGrace)
	if now.Before(ended) {
		return "", "", 0, false
	}
	msg := fmt.Sprintf("Meeting %s ended at %s; drift checks stopped and it is never recreated.", st.MeetingID, st.EndDateTime.UTC().Format(time.RFC3339))
	var next time.Duration
	if exp := st.ExpiryDateTime; exp != nil {
		msg += fmt.Sprintf(" It expires in Teams on %s.", exp.UTC().Format(time.RFC3339))
		next = exp.Sub(now)
	}
	return teamsv1alpha1.ReasonEnded, msg, next, true
}

// truncateForMessage keeps user input short in messages.
func truncateForMessage(s string) string { return cut(s, 64, "…") }
