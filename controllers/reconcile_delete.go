package controllers

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/connection"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/graph"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/meeting"
)

// reconcileDelete deletes the meeting in Teams (deletionPolicy Delete) or
// leaves it (Orphan), then releases the finalizer. It never acts for
// someone it must not: a resource without the finalizer never reached
// Graph, and one whose connection refuses it, or whose meeting another
// resource holds, is released without any Graph call.
func (r *OnlineMeetingReconciler) reconcileDelete(ctx context.Context, m *teamsv1alpha1.OnlineMeeting) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(m, Finalizer) {
		return ctrl.Result{}, nil
	}
	if m.Spec.DeletionPolicy == teamsv1alpha1.DeletionPolicyOrphan {
		r.event(m, corev1.EventTypeNormal, teamsv1alpha1.ReasonOrphaned, "Delete",
			fmt.Sprintf("Left meeting %s in Teams, as deletionPolicy Orphan says.", orUnknown(m.Status.MeetingID)))
		return ctrl.Result{}, r.removeFinalizer(ctx, m)
	}
	if m.Spec.Suspend {
		markSuspended(m, "spec.suspend is true, so the meeting is not deleted in Teams yet: set suspend to false to let the deletion go on, or set deletionPolicy to Orphan to leave the meeting in Teams.")
		return ctrl.Result{}, nil
	}

	gc, err := r.connect(ctx, m)
	var refusal *connection.Refusal
	if errors.As(err, &refusal) && refusal.Reason != teamsv1alpha1.ReasonConnectionNotReady {
		r.event(m, corev1.EventTypeWarning, refusal.Reason, "Delete",
			fmt.Sprintf("Made no Graph call and left any meeting in Teams: %s", refusal.Message))
		log.FromContext(ctx).Info("Released without a Graph call", "reason", refusal.Reason)
		return ctrl.Result{}, r.removeFinalizer(ctx, m)
	}
	if err != nil {
		return r.handleError(ctx, m, "Delete", err)
	}

	id, err := r.meetingToDelete(ctx, m, gc)
	if err != nil {
		return r.handleError(ctx, m, "Delete", err)
	}
	if id == "" {
		return ctrl.Result{}, r.removeFinalizer(ctx, m)
	}
	if err := gc.Delete(ctx, m.Spec.Organizer.UserID, id); err != nil && graph.ClassOf(err) != graph.ClassNotFound {
		if graph.ClassOf(err) == graph.ClassForbidden {
			err = stalled(teamsv1alpha1.ReasonDeleteFailed, retrySlowly,
				"Graph refused to delete meeting %s: %v. Grant the app access, or set spec.deletionPolicy to Orphan to leave the meeting in Teams and let the resource go.", id, err)
		}
		return r.handleError(ctx, m, "Delete", err)
	}
	r.event(m, corev1.EventTypeNormal, teamsv1alpha1.ReasonDeleted, "Delete", fmt.Sprintf("Deleted meeting %s in Teams.", id))
	log.FromContext(ctx).Info("Deleted meeting", "meetingId", id)
	return ctrl.Result{}, r.removeFinalizer(ctx, m)
}

// meetingToDelete is the id of the resource's meeting, "" when it has
// none. An id from status is used only after Graph shows that its meeting
// has this resource's organizer and externalId (in this reconcile, or
// earlier in this process: verifiedMeetings); without a usable id, the
// meeting is looked up by externalId.
func (r *OnlineMeetingReconciler) meetingToDelete(ctx context.Context, m *teamsv1alpha1.OnlineMeeting, gc MeetingsClient) (string, error) {
	if m.Status.MeetingID == "" {
		// A status write lost earlier in this process (a conflict, or the
		// DELETE's own answer lost before the finalizer went) left the id
		// only in memory; looking it up by createOrGet again would make a
		// new meeting once the first is deleted.
		m.Status.MeetingID = r.verified.id(m.UID)
	}
	if id := m.Status.MeetingID; id != "" && graph.ValidMeetingID(id) {
		if r.verified.confirms(m.UID, id) {
			return id, nil
		}
		meeting, err := gc.Get(ctx, m.Spec.Organizer.UserID, id)
		switch {
		case graph.ClassOf(err) == graph.ClassNotFound:
			return "", nil
		case err != nil:
			return "", err
		}
		problem := foreignMeeting(meeting, &m.Spec)
		if problem == "" {
			r.verified.remember(m.UID, id)
			return id, nil
		}
		r.mismatch(ctx, m, fmt.Sprintf("status.meetingId %s names a meeting that is not this resource's (%s)", id, problem))
	}
	found, err := r.lookUp(ctx, m, gc)
	if err != nil || found == nil {
		return "", err
	}
	// Keep the id (status is written on the way out, memory at once): if
	// the DELETE's answer or the finalizer's release is lost, the retry
	// deletes this meeting again instead of asking createOrGet, which
	// would make a new one once this one is gone.
	m.Status.MeetingID = found.ID
	r.verified.remember(m.UID, found.ID)
	return found.ID, nil
}

// lookUp finds the meeting of a resource whose status has no usable id,
// through createOrGet by externalId (Graph offers no other way back to
// it). It runs only when a createOrGet may have reached Graph (the
// finalizer says so). When Graph refuses the lookup outright (the
// organizer is forbidden or the spec invalid), no meeting can have been
// made by this resource: it answers nil and a Warning says so.
func (r *OnlineMeetingReconciler) lookUp(ctx context.Context, m *teamsv1alpha1.OnlineMeeting, gc MeetingsClient) (*graph.OnlineMeeting, error) {
	want, err := meeting.Desired(&m.Spec)
	if err != nil || (want.ChatInfo != nil && gc.APIVersion() != "beta") {
		// This spec was never sent to Graph.
		return nil, nil
	}
	mt, _, err := r.askCreateOrGet(ctx, m, gc, want)
	if err == nil {
		return mt, nil
	}
	if refusedOutright(err) {
		r.event(m, corev1.EventTypeWarning, teamsv1alpha1.ReasonDeleteFailed, "Delete",
			fmt.Sprintf("Graph refused to look up the meeting (%v); releasing the resource, as no meeting can have been created for it.", err))
		return nil, nil
	}
	return nil, err
}

func orUnknown(id string) string {
	if id == "" {
		return "(id unknown)"
	}
	return id
}

// vanished answers a status write that found the resource gone. After a
// deletion that released the finalizer, that is expected. Otherwise the
// resource went without its finalizer running: someone removed it, or
// the API server let a DELETE through while the finalizer's patch was
// answered (kubernetes/kubernetes#77988). A meeting Graph confirmed for
// it then belongs to no resource; with deletionPolicy Delete it is
// deleted now, as the finalizer would have. Nothing will come back for
// it later (the resource is gone, so is its queue entry), so transient
// failures are retried here, a few times, before giving up with an
// Event naming the meeting left in Teams.
func (r *OnlineMeetingReconciler) vanished(ctx context.Context, before, m *teamsv1alpha1.OnlineMeeting) error {
	id := m.Status.MeetingID
	if !before.DeletionTimestamp.IsZero() || id == "" || !r.verified.confirms(m.UID, id) ||
		m.Spec.DeletionPolicy == teamsv1alpha1.DeletionPolicyOrphan || m.Spec.ManagementPolicy == teamsv1alpha1.ManagementPolicyObserve {
		return nil
	}
	defer r.verified.forget(m.UID)
	var err error
	backoff := wait.Backoff{Duration: time.Second, Factor: 2, Jitter: 0.1, Steps: 5}
	_ = wait.ExponentialBackoffWithContext(ctx, backoff, func(ctx context.Context) (bool, error) {
		var gc MeetingsClient
		if gc, err = r.connect(ctx, m); err == nil {
			err = gc.Delete(ctx, m.Spec.Organizer.UserID, id)
		}
		if graph.ClassOf(err) == graph.ClassNotFound {
			err = nil
		}
		return err == nil, nil
	})
	if err != nil {
		r.event(m, corev1.EventTypeWarning, teamsv1alpha1.ReasonDeleteFailed, "Delete",
			fmt.Sprintf("The resource was deleted without its finalizer running, and its meeting %s could not be deleted in Teams: %v. Delete it there by hand.", id, err))
		return fmt.Errorf("the resource was deleted without its finalizer; its meeting %s is left in Teams: %w", id, err)
	}
	r.event(m, corev1.EventTypeWarning, teamsv1alpha1.ReasonDeleted, "Delete",
		fmt.Sprintf("The resource was deleted without its finalizer running; deleted its meeting %s in Teams, as deletionPolicy Delete says.", id))
	log.FromContext(ctx).Info("Deleted the meeting of a resource deleted without its finalizer", "meetingId", id)
	return nil
}
