package controllers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/graph"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/meeting"
)

// reconcileNormal makes the meeting exist as the spec says. createOrGet's
// idempotency (one meeting per organizer and externalId) is what makes
// every step safe to repeat after a crash, a lost response or a failed
// status write: a repeat finds the same meeting instead of making another.
func (r *OnlineMeetingReconciler) reconcileNormal(ctx context.Context, m *teamsv1alpha1.OnlineMeeting) (ctrl.Result, error) {
	if m.Spec.Suspend {
		markSuspended(m, "spec.suspend is true: the operator makes no Graph call for this meeting until it is false.")
		return ctrl.Result{}, nil
	}
	gc, err := r.connect(ctx, m)
	if err != nil {
		return r.handleError(ctx, m, "Connect", err)
	}
	if m.Spec.ManagementPolicy == teamsv1alpha1.ManagementPolicyObserve {
		return r.reconcileObserve(ctx, m, gc)
	}
	if m.Spec.ChatInfo != nil && gc.APIVersion() != "beta" {
		return r.handleError(ctx, m, "Validate", stalled(teamsv1alpha1.ReasonChatInfoRequiresBeta, retryNever,
			"spec.chatInfo is accepted only by Graph's beta endpoint, and connection %s uses %s: set apiVersion: beta on the connection, or remove spec.chatInfo.",
			r.Connections.RefOf(m), gc.APIVersion()))
	}
	want, err := meeting.Desired(&m.Spec)
	if err != nil {
		return r.handleError(ctx, m, "Validate", stalled(teamsv1alpha1.ReasonInvalidSpec, retryNever, "%v", err))
	}
	if result, quiet, err := r.quietUntilDue(ctx, m); quiet {
		return result, err
	}

	mt, reason, err := r.observe(ctx, m, gc, want)
	if err != nil {
		return r.handleError(ctx, m, "Sync", err)
	}
	// Record the meeting before any update, so its id is kept even if the
	// update fails.
	prev := *m.Status.DeepCopy()
	meeting.StatusFrom(&m.Status, mt, r.now())
	r.verified.remember(m.UID, mt.ID)

	if patch, changed := meeting.Diff(want, meeting.DesiredOptions(&m.Spec.MeetingOptions), mt); patch != nil {
		updated, err := gc.Update(ctx, m.Spec.Organizer.UserID, mt.ID, patch)
		if graph.ClassOf(err) == graph.ClassNotFound {
			// Deleted in Teams between the read and the PATCH: the meeting
			// that createOrGet makes again already carries the spec.
			return r.recreated(ctx, m, gc, want)
		}
		if err != nil {
			// Not in sync: the retry must not find this slot done.
			m.Status.LastSyncTime = prev.LastSyncTime
			return r.handleError(ctx, m, "Update", err)
		}
		meeting.StatusFrom(&m.Status, updated, r.now())
		mt = updated
		note := fmt.Sprintf("Updated %s of meeting %s in Teams to match the spec.", strings.Join(changed, ", "), updated.ID)
		r.event(m, corev1.EventTypeNormal, teamsv1alpha1.ReasonUpdated, "Update", note)
		log.FromContext(ctx).Info("Updated meeting", "meetingId", updated.ID, "fields", changed)
		if reason == teamsv1alpha1.ReasonSynced {
			reason = teamsv1alpha1.ReasonUpdated
		}
	}

	if err := r.syncJoinInfoSecret(ctx, m, mt); err != nil {
		return r.handleError(ctx, m, "JoinInfoSecret", err)
	}
	r.synced.record(m, r.now())
	markReady(m, reason, readyMessage(reason, m.Status.MeetingID))
	if reason == teamsv1alpha1.ReasonSynced {
		keepUnchanged(prev, m, r.now())
	}
	return r.nextSync(m), nil
}

// recreated finishes a reconcile whose meeting vanished under it.
func (r *OnlineMeetingReconciler) recreated(ctx context.Context, m *teamsv1alpha1.OnlineMeeting, gc MeetingsClient, want *graph.MeetingRequest) (ctrl.Result, error) {
	mt, reason, err := r.recreate(ctx, m, gc, want)
	if err != nil {
		return r.handleError(ctx, m, "Sync", err)
	}
	meeting.StatusFrom(&m.Status, mt, r.now())
	r.verified.remember(m.UID, mt.ID)
	r.synced.record(m, r.now())
	if err := r.syncJoinInfoSecret(ctx, m, mt); err != nil {
		return r.handleError(ctx, m, "JoinInfoSecret", err)
	}
	markReady(m, reason, readyMessage(reason, m.Status.MeetingID))
	return r.nextSync(m), nil
}

// syncNotDue says whether Graph can be left alone, and for how long: until
// the meeting's next resync slot (resync.go).
func (r *OnlineMeetingReconciler) syncNotDue(m *teamsv1alpha1.OnlineMeeting) (time.Duration, bool) {
	if !isReady(m) || m.Status.MeetingID == "" {
		return 0, false
	}
	period, _ := r.resyncPeriod(m)
	if period == 0 {
		// Drift checks are off for this meeting.
		return 0, true
	}
	now := r.now()
	checked, known := r.synced.lastChecked(m)
	if !known {
		// Read by an earlier process (this one restarted, or took over
		// as leader): its current slot is taken as done, so a restart
		// makes no Graph call before each meeting's next slot.
		checked = now
		r.synced.record(m, checked)
	}
	return untilNextSlot(m, period, resyncPhase(m.UID, period), now, checked)
}

// observe finds the meeting: by createOrGet when status has no id yet
// (Created or Adopted), else by id (Synced), recreating it if it was
// deleted in Teams (Recreated). An id in status is used only once the
// meeting it names is shown to be this resource's: status is writable by
// users, and a forged id must never lead to a PATCH or DELETE.
func (r *OnlineMeetingReconciler) observe(ctx context.Context, m *teamsv1alpha1.OnlineMeeting, gc MeetingsClient, want *graph.MeetingRequest) (*graph.OnlineMeeting, teamsv1alpha1.ConditionReason, error) {
	id := m.Status.MeetingID
	if id == "" {
		return r.createOrGet(ctx, m, gc, want)
	}
	if !graph.ValidMeetingID(id) {
		r.mismatch(ctx, m, fmt.Sprintf("status.meetingId %q is not a Graph meeting id", id))
		return r.createOrGet(ctx, m, gc, want)
	}
	meeting, err := gc.Get(ctx, m.Spec.Organizer.UserID, id)
	if graph.ClassOf(err) == graph.ClassNotFound {
		return r.recreate(ctx, m, gc, want)
	}
	if err != nil {
		return nil, "", err
	}
	if problem := foreignMeeting(meeting, &m.Spec); problem != "" {
		r.mismatch(ctx, m, fmt.Sprintf("status.meetingId %s names a meeting that is not this resource's (%s)", id, problem))
		return r.createOrGet(ctx, m, gc, want)
	}
	return meeting, teamsv1alpha1.ReasonSynced, nil
}

// createOrGet asks Graph for the resource's meeting by externalId. The
// finalizer is written first: it records that a createOrGet may have
// reached Graph, so that a resource without it is known to have none. When
// this was the first createOrGet and Graph refused it outright, no meeting
// can exist for the resource, and the finalizer goes again.
func (r *OnlineMeetingReconciler) createOrGet(ctx context.Context, m *teamsv1alpha1.OnlineMeeting, gc MeetingsClient, want *graph.MeetingRequest) (*graph.OnlineMeeting, teamsv1alpha1.ConditionReason, error) {
	added, err := r.ensureFinalizer(ctx, m)
	if err != nil {
		return nil, "", err
	}
	meeting, created, err := r.askCreateOrGet(ctx, m, gc, want)
	if err != nil {
		if added && refusedOutright(err) {
			err = errors.Join(err, r.removeFinalizer(ctx, m))
		}
		return nil, "", err
	}
	if created {
		r.event(m, corev1.EventTypeNormal, teamsv1alpha1.ReasonCreated, "CreateOrGet", fmt.Sprintf("Created meeting %s in Teams.", meeting.ID))
		log.FromContext(ctx).Info("Created meeting", "meetingId", meeting.ID)
		return meeting, teamsv1alpha1.ReasonCreated, nil
	}
	r.event(m, corev1.EventTypeNormal, teamsv1alpha1.ReasonAdopted, "CreateOrGet",
		fmt.Sprintf("Adopted meeting %s, which already existed in Teams for this organizer and externalId.", meeting.ID))
	log.FromContext(ctx).Info("Adopted existing meeting", "meetingId", meeting.ID)
	return meeting, teamsv1alpha1.ReasonAdopted, nil
}

// askCreateOrGet sends createOrGet and checks that Graph's answer is the
// meeting asked for: Graph's answers are input like any other.
func (r *OnlineMeetingReconciler) askCreateOrGet(ctx context.Context, m *teamsv1alpha1.OnlineMeeting, gc MeetingsClient, want *graph.MeetingRequest) (*graph.OnlineMeeting, bool, error) {
	meeting, created, err := gc.CreateOrGet(ctx, m.Spec.Organizer.UserID, want)
	if err != nil {
		return nil, false, err
	}
	if problem := foreignMeeting(meeting, &m.Spec); problem != "" {
		return nil, false, stalled(teamsv1alpha1.ReasonMeetingMismatch, retrySlowly,
			"Graph answered createOrGet for externalId %q with a meeting that is not this resource's (%s); it is not used.", m.Spec.ExternalID, problem)
	}
	return meeting, created, nil
}

// refusedOutright is true for Graph answers that mean the request changed
// nothing: the app or organizer is refused, or the request is invalid.
func refusedOutright(err error) bool {
	switch graph.ClassOf(err) {
	case graph.ClassForbidden, graph.ClassUnauthorized, graph.ClassInvalid, graph.ClassNotFound:
		return true
	}
	return false
}

// foreignMeeting says why a meeting Graph returned is not the one the spec
// describes ("" when it is): its externalId or organizer differ.
func foreignMeeting(mt *graph.OnlineMeeting, spec *teamsv1alpha1.OnlineMeetingSpec) string {
	if !graph.ValidMeetingID(mt.ID) {
		// It could not go into a request path, nor into status.
		return "its id is not a Graph meeting id"
	}
	if mt.ExternalID != spec.ExternalID {
		return fmt.Sprintf("its externalId is %q", mt.ExternalID)
	}
	if !organizedBy(mt, spec.Organizer.UserID) {
		return "its organizer is " + mt.Participants.Organizer.Identity.User.ID
	}
	return ""
}

// organizedBy is false when Graph names another organizer for the
// meeting (an answer without one is taken at its path's word).
func organizedBy(mt *graph.OnlineMeeting, organizer string) bool {
	p := mt.Participants
	if p == nil || p.Organizer == nil || p.Organizer.Identity == nil || p.Organizer.Identity.User == nil || p.Organizer.Identity.User.ID == "" {
		return true
	}
	return strings.EqualFold(p.Organizer.Identity.User.ID, organizer)
}

// mismatch reports a status.meetingId that is not used.
func (r *OnlineMeetingReconciler) mismatch(ctx context.Context, m *teamsv1alpha1.OnlineMeeting, problem string) {
	r.event(m, corev1.EventTypeWarning, teamsv1alpha1.ReasonMeetingMismatch, "Verify",
		problem+"; the id is not used, and the meeting is looked up by its externalId instead.")
	log.FromContext(ctx).Info("Ignoring a status meeting id that is not this resource's", "reason", teamsv1alpha1.ReasonMeetingMismatch)
}

// recreate answers a meeting that was deleted in Teams: an expired meeting
// is reported, not recreated; otherwise createOrGet makes it again, unless
// Graph keeps answering with the deleted meeting for this externalId.
func (r *OnlineMeetingReconciler) recreate(ctx context.Context, m *teamsv1alpha1.OnlineMeeting, gc MeetingsClient, want *graph.MeetingRequest) (*graph.OnlineMeeting, teamsv1alpha1.ConditionReason, error) {
	gone := m.Status.MeetingID
	if end := m.Status.EndDateTime; end != nil && end.Add(endedGrace).Before(r.now()) {
		return nil, "", stalled(teamsv1alpha1.ReasonEnded, retryNever,
			"Meeting %s was deleted in Teams after it ended (%s) and is not recreated. Delete this OnlineMeeting, or create a new one for a new date.",
			gone, end.UTC().Format(time.RFC3339))
	}
	if exp := m.Status.ExpiryDateTime; exp != nil && exp.Time.Before(r.now()) {
		return nil, "", stalled(teamsv1alpha1.ReasonExpired, retryNever,
			"Meeting %s expired in Teams on %s, 60 days after it ended, and is not recreated. Delete this OnlineMeeting, or create a new one for a new date.",
			gone, exp.UTC().Format(time.RFC3339))
	}
	meeting, _, err := r.askCreateOrGet(ctx, m, gc, want)
	if err != nil {
		return nil, "", err
	}
	if meeting.ID == gone {
		return nil, "", stalled(teamsv1alpha1.ReasonMeetingGone, retryAfter(r.ResyncPeriod),
			"Meeting %s was deleted in Teams, and Graph's createOrGet still answers with it for externalId %q, so it cannot be recreated under this externalId. Create a new OnlineMeeting with another externalId.",
			gone, m.Spec.ExternalID)
	}
	r.event(m, corev1.EventTypeWarning, teamsv1alpha1.ReasonRecreated, "CreateOrGet",
		fmt.Sprintf("Meeting %s was deleted in Teams; created it again as %s. Its join URL has changed.", gone, meeting.ID))
	log.FromContext(ctx).Info("Recreated meeting deleted in Teams", "oldMeetingId", gone, "meetingId", meeting.ID)
	return meeting, teamsv1alpha1.ReasonRecreated, nil
}

func readyMessage(reason teamsv1alpha1.ConditionReason, id string) string {
	switch reason {
	case teamsv1alpha1.ReasonCreated:
		return fmt.Sprintf("Meeting %s was created in Teams.", id)
	case teamsv1alpha1.ReasonAdopted:
		return fmt.Sprintf("Meeting %s already existed in Teams and was adopted.", id)
	case teamsv1alpha1.ReasonUpdated:
		return fmt.Sprintf("Meeting %s was updated to match the spec.", id)
	case teamsv1alpha1.ReasonRecreated:
		return fmt.Sprintf("Meeting %s was recreated after it was deleted in Teams.", id)
	default:
		return fmt.Sprintf("Meeting %s matches the spec.", id)
	}
}
