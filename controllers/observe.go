package controllers

import (
	"context"

	ctrl "sigs.k8s.io/controller-runtime"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/graph"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/meeting"
)

// reconcileObserve mirrors a meeting made elsewhere (Outlook, the Teams
// client) into status and the join Secret, finding it by its join URL. It
// never creates, changes or deletes it: no createOrGet is ever sent, so
// the resource never holds a finalizer and its deletion needs no Graph
// call either.
func (r *OnlineMeetingReconciler) reconcileObserve(ctx context.Context, m *teamsv1alpha1.OnlineMeeting, gc MeetingsClient) (ctrl.Result, error) {
	if result, quiet, err := r.quietUntilDue(ctx, m); quiet {
		return result, err
	}
	mt, err := gc.FindByJoinWebURL(ctx, m.Spec.Organizer.UserID, m.Spec.JoinWebURL)
	if graph.ClassOf(err) == graph.ClassNotFound {
		return r.handleError(ctx, m, "Observe", stalled(teamsv1alpha1.ReasonMeetingNotFound, retrySlowly,
			"No meeting of organizer %s has the join URL in spec.joinWebUrl; check the URL and the organizer (the meeting's, not an attendee's).",
			m.Spec.Organizer.UserID))
	}
	if err != nil {
		return r.handleError(ctx, m, "Observe", err)
	}
	if !graph.ValidMeetingID(mt.ID) || mt.JoinWebURL != m.Spec.JoinWebURL || !organizedBy(mt, m.Spec.Organizer.UserID) {
		return r.handleError(ctx, m, "Observe", stalled(teamsv1alpha1.ReasonMeetingMismatch, retrySlowly,
			"Graph answered the search by join URL with a meeting whose join URL, id or organizer is not the one asked for; it is not used."))
	}
	prev := *m.Status.DeepCopy()
	meeting.StatusFrom(&m.Status, mt, r.now())
	r.synced.record(m, r.now())
	if err := r.syncJoinInfoSecret(ctx, m, mt); err != nil {
		return r.handleError(ctx, m, "JoinInfoSecret", err)
	}
	markReady(m, teamsv1alpha1.ReasonObserved, "Meeting "+mt.ID+" was found by its join URL and is mirrored; the operator never changes or deletes it.")
	keepUnchanged(prev, m, r.now())
	return r.nextSync(m), nil
}
