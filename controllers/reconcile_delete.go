package controllers

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/graph"
)

// reconcileDelete deletes the meeting in Teams (deletionPolicy Delete) or
// leaves it (Orphan), then releases the finalizer. A resource whose
// meeting id never reached status (a crash between createOrGet and the
// status write) still finds its meeting through createOrGet.
func (r *OnlineMeetingReconciler) reconcileDelete(ctx context.Context, m *teamsv1alpha1.OnlineMeeting) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(m, Finalizer) {
		return ctrl.Result{}, nil
	}
	if m.Spec.DeletionPolicy == teamsv1alpha1.DeletionPolicyOrphan {
		r.event(m, corev1.EventTypeNormal, teamsv1alpha1.ReasonOrphaned, "Delete",
			fmt.Sprintf("Left meeting %s in Teams, as deletionPolicy Orphan says.", orUnknown(m.Status.MeetingID)))
		return ctrl.Result{}, r.removeFinalizer(ctx, m)
	}

	organizer := m.Spec.Organizer.UserID
	id := m.Status.MeetingID
	if id == "" {
		found, err := r.lookUp(ctx, m)
		if err != nil {
			return r.handleError(ctx, m, "Delete", err)
		}
		if found == nil {
			return ctrl.Result{}, r.removeFinalizer(ctx, m)
		}
		id = found.ID
	}
	if err := r.Graph.Delete(ctx, organizer, id); err != nil && graph.ClassOf(err) != graph.ClassNotFound {
		if graph.ClassOf(err) == graph.ClassForbidden {
			err = stalled(teamsv1alpha1.ReasonDeleteFailed, r.stalledRetry(),
				"Graph refused to delete meeting %s: %v. Grant the app access, or set spec.deletionPolicy to Orphan to leave the meeting in Teams and let the resource go.", id, err)
		}
		return r.handleError(ctx, m, "Delete", err)
	}
	r.event(m, corev1.EventTypeNormal, teamsv1alpha1.ReasonDeleted, "Delete", fmt.Sprintf("Deleted meeting %s in Teams.", id))
	log.FromContext(ctx).Info("Deleted meeting", "meetingId", id)
	return ctrl.Result{}, r.removeFinalizer(ctx, m)
}

// lookUp finds the meeting of a resource whose status has no id, through
// createOrGet by externalId (Graph offers no other way back to it). When
// Graph refuses the lookup outright (the organizer is forbidden or the
// spec invalid), no meeting can have been made by this resource: it
// answers nil and a Warning says so.
func (r *OnlineMeetingReconciler) lookUp(ctx context.Context, m *teamsv1alpha1.OnlineMeeting) (*graph.OnlineMeeting, error) {
	want, err := desiredMeeting(&m.Spec)
	if err != nil || (want.ChatInfo != nil && r.Graph.APIVersion() != "beta") {
		// This spec was never sent to Graph.
		return nil, nil
	}
	meeting, _, err := r.Graph.CreateOrGet(ctx, m.Spec.Organizer.UserID, want)
	if err == nil {
		return meeting, nil
	}
	switch graph.ClassOf(err) {
	case graph.ClassForbidden, graph.ClassInvalid, graph.ClassNotFound:
		r.event(m, corev1.EventTypeWarning, teamsv1alpha1.ReasonDeleteFailed, "Delete",
			fmt.Sprintf("Graph refused to look up the meeting (%v); releasing the resource, as no meeting can have been created for it.", err))
		return nil, nil
	default:
		return nil, err
	}
}

func orUnknown(id string) string {
	if id == "" {
		return "(id unknown)"
	}
	return id
}
