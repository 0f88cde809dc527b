package controllers

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/recurrence"
)

// occurrencePlan is what a schedule's reconcile does to its meetings.
type occurrencePlan struct {
	create []*teamsv1alpha1.OnlineMeeting
	update []*teamsv1alpha1.OnlineMeeting
	remove []teamsv1alpha1.OnlineMeeting
	// waiting are occurrences whose name is still taken by a meeting being
	// removed; they are created once it is gone.
	waiting []string
}

// occurrenceName is <schedule>-<yyyymmdd>: Graph's patterns hold at most
// one occurrence a day, so the date alone is unique.
func occurrenceName(s *teamsv1alpha1.MeetingSchedule, o recurrence.Occurrence) string {
	return s.Name + "-" + strings.ReplaceAll(o.Date, "-", "")
}

// occurrenceExternalID is <schedule uid>-<start in UTC>: deterministic, so
// a crash, a restore or two reconciles at once can never make an
// occurrence twice, and a schedule restored from backup (same UID) adopts
// the same meetings.
func occurrenceExternalID(s *teamsv1alpha1.MeetingSchedule, o recurrence.Occurrence) string {
	return fmt.Sprintf("%s-%s", s.UID, o.Start.UTC().Format("20060102T150405Z"))
}

// occurrenceLabels are the labels the schedule sets on its meetings: its
// name, and its shard (ShardLabel), so that an occurrence is reconciled by
// the instance that reconciles its schedule.
func occurrenceLabels(s *teamsv1alpha1.MeetingSchedule) map[string]string {
	l := map[string]string{ScheduleLabel: s.Name}
	if shard, ok := s.Labels[ShardLabel]; ok {
		l[ShardLabel] = shard
	}
	return l
}

// desiredOccurrence is the OnlineMeeting of one occurrence.
func desiredOccurrence(s *teamsv1alpha1.MeetingSchedule, o recurrence.Occurrence) *teamsv1alpha1.OnlineMeeting {
	t := s.Spec.MeetingTemplate.DeepCopy()
	m := &teamsv1alpha1.OnlineMeeting{
		ObjectMeta: metav1.ObjectMeta{Namespace: s.Namespace, Name: occurrenceName(s, o), Labels: occurrenceLabels(s)},
		Spec: teamsv1alpha1.OnlineMeetingSpec{
			ExternalID:     occurrenceExternalID(s, o),
			Organizer:      t.Organizer,
			Subject:        t.Subject,
			StartDateTime:  o.Start.UTC().Format(time.RFC3339),
			EndDateTime:    o.End.UTC().Format(time.RFC3339),
			Participants:   t.Participants,
			MeetingOptions: t.MeetingOptions,
			ConnectionRef:  t.ConnectionRef,
			DeletionPolicy: t.DeletionPolicy,
		},
	}
	if t.JoinInfoSecret != nil {
		m.Spec.JoinInfoSecret = &teamsv1alpha1.JoinInfoSecretReference{Name: t.JoinInfoSecret.NamePrefix + "-" + strings.ReplaceAll(o.Date, "-", "")}
	}
	return m
}

// planOccurrences decides which meetings to create, change and remove:
// the upcoming occurrences exist as the template says (a change reaches
// upcoming ones only, never ended ones); an occurrence whose time moved is
// replaced; ended ones beyond the history limit, and upcoming ones that
// no longer fit (a changed pattern, a skipped date), are removed.
//
// upcoming are the occurrences the schedule holds; fitting are further
// ones that still fit the pattern: a meeting made for one of them (before
// upcoming was lowered, say) is kept, as its link may have gone out.
func planOccurrences(s *teamsv1alpha1.MeetingSchedule, upcoming, fitting []recurrence.Occurrence, owned []teamsv1alpha1.OnlineMeeting, now time.Time) occurrencePlan {
	var plan occurrencePlan
	byName := map[string]*teamsv1alpha1.OnlineMeeting{}
	for i := range owned {
		byName[owned[i].Name] = &owned[i]
	}
	desired := map[string]bool{}
	for i, o := range fitting {
		want := desiredOccurrence(s, o)
		cur, ok := byName[want.Name]
		if i >= len(upcoming) && (!ok || cur.Spec.ExternalID != want.Spec.ExternalID) {
			// Beyond the window: kept if it exists, never made.
			continue
		}
		desired[want.Name] = true
		switch {
		case !ok:
			plan.create = append(plan.create, want)
		case !cur.DeletionTimestamp.IsZero():
			plan.waiting = append(plan.waiting, want.Name)
		case cur.Spec.ExternalID != want.Spec.ExternalID || !equality.Semantic.DeepEqual(cur.Spec.Organizer, want.Spec.Organizer) ||
			!equality.Semantic.DeepEqual(cur.Spec.ConnectionRef, want.Spec.ConnectionRef):
			// Its time, organizer or connection changed: those are a
			// meeting's identity, so it is replaced.
			plan.remove = append(plan.remove, *cur)
			plan.waiting = append(plan.waiting, want.Name)
		default:
			next := cur.DeepCopy()
			next.Spec.Subject, next.Spec.Participants = want.Spec.Subject, want.Spec.Participants
			next.Spec.StartDateTime, next.Spec.EndDateTime = want.Spec.StartDateTime, want.Spec.EndDateTime
			next.Spec.MeetingOptions, next.Spec.DeletionPolicy, next.Spec.JoinInfoSecret = want.Spec.MeetingOptions, want.Spec.DeletionPolicy, want.Spec.JoinInfoSecret
			followShard(next, want)
			if !equality.Semantic.DeepEqual(next.Spec, cur.Spec) || !equality.Semantic.DeepEqual(next.Labels, cur.Labels) {
				plan.update = append(plan.update, next)
			}
		}
	}

	var ended []teamsv1alpha1.OnlineMeeting
	for _, m := range owned {
		if desired[m.Name] || !m.DeletionTimestamp.IsZero() {
			continue
		}
		if end, err := time.Parse(time.RFC3339, m.Spec.EndDateTime); err == nil && !end.After(now) {
			ended = append(ended, m)
			continue
		}
		plan.remove = append(plan.remove, m)
	}
	sort.Slice(ended, func(i, j int) bool { return ended[i].Spec.EndDateTime > ended[j].Spec.EndDateTime })
	limit := 1
	if s.Spec.EndedHistoryLimit != nil {
		limit = int(*s.Spec.EndedHistoryLimit)
	}
	if len(ended) > limit {
		plan.remove = append(plan.remove, ended[limit:]...)
	}
	return plan
}

// followShard gives m the shard of want (its schedule's), so that an
// occurrence moves with a schedule moved to another shard; m's other
// labels stay as they are.
func followShard(m, want *teamsv1alpha1.OnlineMeeting) {
	shard, ok := want.Labels[ShardLabel]
	switch {
	case ok:
		if m.Labels == nil {
			m.Labels = map[string]string{}
		}
		m.Labels[ShardLabel] = shard
	default:
		delete(m.Labels, ShardLabel)
	}
}

// occurrencesStatus reports the upcoming occurrences and their meetings.
func occurrencesStatus(s *teamsv1alpha1.MeetingSchedule, upcoming []recurrence.Occurrence, owned []teamsv1alpha1.OnlineMeeting) []teamsv1alpha1.ScheduledOccurrence {
	out := make([]teamsv1alpha1.ScheduledOccurrence, 0, len(upcoming))
	for _, o := range upcoming {
		st := teamsv1alpha1.ScheduledOccurrence{Start: metav1.NewTime(o.Start.UTC()), End: metav1.NewTime(o.End.UTC()), Name: occurrenceName(s, o)}
		for i := range owned {
			m := &owned[i]
			if m.Name != st.Name || m.Spec.ExternalID != occurrenceExternalID(s, o) {
				continue
			}
			st.JoinWebURL = m.Status.JoinWebURL
			c := meta.FindStatusCondition(m.Status.Conditions, teamsv1alpha1.ConditionReady)
			st.Ready = c != nil && c.Status == metav1.ConditionTrue && c.ObservedGeneration == m.Generation
		}
		out = append(out, st)
	}
	return out
}
