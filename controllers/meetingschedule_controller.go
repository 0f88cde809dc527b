package controllers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/recurrence"
)

// ScheduleLabel marks a schedule's OnlineMeetings with its name.
const ScheduleLabel = "teams.meetings.dev/schedule"

// maxUpcoming is the most occurrences a schedule holds (spec.upcoming's
// maximum); meetings made for any of them are kept when upcoming shrinks.
const maxUpcoming = 52

// MeetingScheduleReconciler keeps one OnlineMeeting per upcoming
// occurrence of a MeetingSchedule, as a CronJob keeps Jobs. The
// OnlineMeeting reconciler does the Graph work; a schedule makes no Graph
// call of its own.
type MeetingScheduleReconciler struct {
	client.Client
	Recorder events.EventRecorder
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Scope is the part of the MeetingSchedules this instance reconciles
	// (its shard); the zero Scope is all of them.
	Scope Scope
}

// +kubebuilder:rbac:groups=teams.meetings.dev,resources=meetingschedules,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups=teams.meetings.dev,resources=meetingschedules/status,verbs=get;patch
// +kubebuilder:rbac:groups=teams.meetings.dev,resources=onlinemeetings,verbs=create;update;delete

// Reconcile brings the schedule's OnlineMeetings to its upcoming
// occurrences and writes status once.
func (r *MeetingScheduleReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	s := &teamsv1alpha1.MeetingSchedule{}
	if err := r.Get(ctx, req.NamespacedName, s); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !r.Scope.Contains(s) {
		// Another shard's (an occurrence's change, or a requeue from
		// before it moved, brought it here).
		return ctrl.Result{}, nil
	}
	if !s.DeletionTimestamp.IsZero() {
		// Its meetings are owned by it and go with it.
		return ctrl.Result{}, nil
	}
	before := s.Status.DeepCopy()
	result, err := r.reconcileSchedule(ctx, s)
	s.Status.ObservedGeneration = s.Generation
	if !equality.Semantic.DeepEqual(before, &s.Status) {
		base := s.DeepCopy()
		base.Status = *before
		if perr := r.Status().Patch(ctx, s, client.MergeFrom(base)); perr != nil && !apierrors.IsNotFound(perr) {
			err = errors.Join(err, perr)
		}
	}
	return result, err
}

func (r *MeetingScheduleReconciler) reconcileSchedule(ctx context.Context, s *teamsv1alpha1.MeetingSchedule) (ctrl.Result, error) {
	sched := scheduleOf(s)
	now := r.now()
	// Every occurrence a meeting may be kept for; the first spec.upcoming
	// of them are the ones the schedule holds.
	fitting, err := sched.Upcoming(now, maxUpcoming)
	if err != nil {
		// What admission cannot check (startDate against start, a day a
		// month never has): a person must fix the spec.
		r.setStalled(s, teamsv1alpha1.ReasonInvalidSpec, err.Error()+". Fix the spec; the schedule is retried when it changes.")
		return ctrl.Result{}, nil
	}
	meta.RemoveStatusCondition(&s.Status.Conditions, teamsv1alpha1.ConditionStalled)
	upcoming := fitting[:min(len(fitting), int(max(s.Spec.Upcoming, 1)))]
	var children teamsv1alpha1.OnlineMeetingList
	if err := r.List(ctx, &children, client.InNamespace(s.Namespace), client.MatchingLabels{ScheduleLabel: s.Name}); err != nil {
		return ctrl.Result{}, err
	}
	owned := slices.DeleteFunc(children.Items, func(m teamsv1alpha1.OnlineMeeting) bool { return !metav1.IsControlledBy(&m, s) })

	if s.Spec.Suspend {
		s.Status.Occurrences = occurrencesStatus(s, upcoming, owned)
		r.setReady(s, metav1.ConditionFalse, teamsv1alpha1.ReasonSuspended, "spec.suspend is true: the schedule makes and removes no occurrences until it is false.")
		return ctrl.Result{}, nil
	}
	plan := planOccurrences(s, upcoming, fitting, owned, now)
	for i := range plan.remove {
		m := plan.remove[i]
		if err := r.Delete(ctx, &m); client.IgnoreNotFound(err) != nil {
			return ctrl.Result{}, err
		}
		log.FromContext(ctx).Info("Removed occurrence", "onlineMeeting", m.Name)
	}
	for _, m := range plan.create {
		if err := controllerutil.SetControllerReference(s, m, r.Scheme()); err != nil {
			return ctrl.Result{}, err
		}
		err := r.Create(ctx, m)
		if apierrors.IsAlreadyExists(err) {
			// Not ours (ours would be in owned): say so rather than wait.
			r.setStalled(s, teamsv1alpha1.ReasonExternalIDConflict, fmt.Sprintf(
				"OnlineMeeting %s/%s exists and is not this schedule's, so its occurrence cannot be made; rename or delete it.", m.Namespace, m.Name))
			return ctrl.Result{}, nil
		}
		if err != nil {
			return ctrl.Result{}, err
		}
		log.FromContext(ctx).Info("Created occurrence", "onlineMeeting", m.Name, "externalId", m.Spec.ExternalID)
	}
	for _, m := range plan.update {
		if err := r.Update(ctx, m); err != nil {
			return ctrl.Result{}, err
		}
	}

	s.Status.Occurrences = occurrencesStatus(s, upcoming, owned)
	s.Status.NextStart, s.Status.NextJoinWebURL = nil, ""
	if len(s.Status.Occurrences) > 0 {
		next := s.Status.Occurrences[0]
		s.Status.NextStart, s.Status.NextJoinWebURL = &next.Start, next.JoinWebURL
	}
	notReady := 0
	for _, o := range s.Status.Occurrences {
		if !o.Ready {
			notReady++
		}
	}
	switch {
	case len(upcoming) == 0:
		r.setReady(s, metav1.ConditionTrue, teamsv1alpha1.ReasonEnded, "The series has no more occurrences.")
	case notReady == 0 && len(plan.create) == 0 && len(plan.waiting) == 0:
		r.setReady(s, metav1.ConditionTrue, teamsv1alpha1.ReasonSynced, fmt.Sprintf("All %d upcoming occurrences are Ready.", len(upcoming)))
	default:
		r.setReady(s, metav1.ConditionFalse, teamsv1alpha1.ReasonProgressing, fmt.Sprintf("%d of %d upcoming occurrences are not Ready yet.", max(notReady, len(plan.create)), len(upcoming)))
	}
	// The window moves when the soonest occurrence ends: that is the next
	// change, not a poll.
	return ctrl.Result{RequeueAfter: max(upcomingEnd(upcoming, now), 0)}, nil
}

// scheduleOf is the spec as the recurrence package reads it.
func scheduleOf(s *teamsv1alpha1.MeetingSchedule) recurrence.Schedule {
	p, rg := s.Spec.Recurrence.Pattern, s.Spec.Recurrence.Range
	days := make([]string, 0, len(p.DaysOfWeek))
	for _, d := range p.DaysOfWeek {
		days = append(days, string(d))
	}
	return recurrence.Schedule{
		Start: recurrence.DateTimeTimeZone{DateTime: s.Spec.Start.DateTime, TimeZone: s.Spec.Start.TimeZone},
		End:   recurrence.DateTimeTimeZone{DateTime: s.Spec.End.DateTime, TimeZone: s.Spec.End.TimeZone},
		Pattern: recurrence.Pattern{Type: string(p.Type), Interval: int(max(p.Interval, 1)), DaysOfWeek: days,
			DayOfMonth: int(p.DayOfMonth), Index: string(p.Index), Month: int(p.Month), FirstDayOfWeek: string(p.FirstDayOfWeek)},
		Range: recurrence.Range{Type: string(rg.Type), StartDate: rg.StartDate, EndDate: rg.EndDate,
			NumberOfOccurrences: int(rg.NumberOfOccurrences), RecurrenceTimeZone: rg.RecurrenceTimeZone},
		SkipDates: s.Spec.SkipDates,
	}
}

// upcomingEnd is how long until the soonest upcoming occurrence ends.
func upcomingEnd(upcoming []recurrence.Occurrence, now time.Time) time.Duration {
	if len(upcoming) == 0 {
		return 0
	}
	return upcoming[0].End.Sub(now) + time.Second
}

func (r *MeetingScheduleReconciler) setStalled(s *teamsv1alpha1.MeetingSchedule, reason teamsv1alpha1.ConditionReason, message string) {
	r.setReady(s, metav1.ConditionFalse, reason, message)
	meta.SetStatusCondition(&s.Status.Conditions, metav1.Condition{Type: teamsv1alpha1.ConditionStalled, Status: metav1.ConditionTrue,
		Reason: string(reason), Message: boundMessage(message), ObservedGeneration: s.Generation})
}

func (r *MeetingScheduleReconciler) setReady(s *teamsv1alpha1.MeetingSchedule, status metav1.ConditionStatus, reason teamsv1alpha1.ConditionReason, message string) {
	meta.SetStatusCondition(&s.Status.Conditions, metav1.Condition{Type: teamsv1alpha1.ConditionReady, Status: status,
		Reason: string(reason), Message: boundMessage(message), ObservedGeneration: s.Generation})
}

func (r *MeetingScheduleReconciler) now() time.Time { return clockNow(r.Now) }

// SetupWithManager watches the schedules in r.Scope (and those a label
// change brings into it) and the OnlineMeetings they own, so a deleted or
// changed occurrence is seen at once.
func (r *MeetingScheduleReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&teamsv1alpha1.MeetingSchedule{}, builder.WithPredicates(r.Scope.Predicate(predicate.GenerationChangedPredicate{}))).
		Owns(&teamsv1alpha1.OnlineMeeting{}).
		Named("meetingschedule").
		Complete(r)
}
