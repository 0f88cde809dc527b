package controllers

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/recurrence"
)

func shardMeeting(ns, shard string, generation int64) *teamsv1alpha1.OnlineMeeting {
	m := &teamsv1alpha1.OnlineMeeting{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "m", Generation: generation}}
	if shard != "" {
		m.Labels = map[string]string{ShardLabel: shard}
	}
	return m
}

func TestScopeContains(t *testing.T) {
	shard1 := labels.SelectorFromSet(labels.Set{ShardLabel: "shard1"})
	tests := []struct {
		name  string
		scope Scope
		obj   *teamsv1alpha1.OnlineMeeting
		want  bool
	}{
		{"the zero scope is everything", Scope{}, shardMeeting("a", "shard2", 1), true},
		{"its shard", Scope{Selector: shard1}, shardMeeting("a", "shard1", 1), true},
		{"another shard", Scope{Selector: shard1}, shardMeeting("a", "shard2", 1), false},
		{"no shard", Scope{Selector: shard1}, shardMeeting("a", "", 1), false},
		{"its namespace", Scope{Namespaces: []string{"a", "b"}}, shardMeeting("b", "", 1), true},
		{"another namespace", Scope{Namespaces: []string{"a"}}, shardMeeting("c", "", 1), false},
		{"both must hold", Scope{Selector: shard1, Namespaces: []string{"a"}}, shardMeeting("c", "shard1", 1), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			NewWithT(t).Expect(tt.scope.Contains(tt.obj)).To(Equal(tt.want))
		})
	}
}

func TestScopePredicatePassesWhatMovesIntoTheShard(t *testing.T) {
	p := Scope{Selector: labels.SelectorFromSet(labels.Set{ShardLabel: "shard1"})}.Predicate(predicate.GenerationChangedPredicate{})
	tests := []struct {
		name     string
		old, new *teamsv1alpha1.OnlineMeeting
		want     bool
	}{
		{"a spec change in the shard", shardMeeting("a", "shard1", 1), shardMeeting("a", "shard1", 2), true},
		{"a status or metadata change in the shard", shardMeeting("a", "shard1", 1), shardMeeting("a", "shard1", 1), false},
		{"labelled into the shard", shardMeeting("a", "", 1), shardMeeting("a", "shard1", 1), true},
		{"moved from another shard", shardMeeting("a", "shard2", 1), shardMeeting("a", "shard1", 1), true},
		{"moved out of the shard", shardMeeting("a", "shard1", 1), shardMeeting("a", "shard2", 1), false},
		{"a spec change in another shard", shardMeeting("a", "shard2", 1), shardMeeting("a", "shard2", 2), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			NewWithT(t).Expect(p.Update(event.UpdateEvent{ObjectOld: tt.old, ObjectNew: tt.new})).To(Equal(tt.want))
		})
	}
	g := NewWithT(t)
	g.Expect(p.Create(event.CreateEvent{Object: shardMeeting("a", "shard1", 1)})).To(BeTrue())
	g.Expect(p.Create(event.CreateEvent{Object: shardMeeting("a", "", 1)})).To(BeFalse())
	g.Expect(p.Delete(event.DeleteEvent{Object: shardMeeting("a", "shard2", 1)})).To(BeFalse())
}

// TestOccurrencesFollowTheirScheduleShard: a schedule's meetings carry its
// shard label, so the instance that makes them also reconciles them, and
// move with it; labels someone else set stay.
func TestOccurrencesFollowTheirScheduleShard(t *testing.T) {
	g := NewWithT(t)
	s := &teamsv1alpha1.MeetingSchedule{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "sync", UID: "uid",
		Labels: map[string]string{ShardLabel: "shard1", "team": "x"}}}
	start := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	o := recurrence.Occurrence{Start: start, End: start.Add(30 * time.Minute), Date: "2026-12-01", Ordinal: 1}
	now := start.Add(-24 * time.Hour)

	want := desiredOccurrence(s, o)
	g.Expect(want.Labels).To(Equal(map[string]string{ScheduleLabel: "sync", ShardLabel: "shard1"}),
		"the shard label is copied; the schedule's other labels are not")

	cur := want.DeepCopy()
	cur.Labels["kept"] = "yes"
	occurrences := []recurrence.Occurrence{o}
	g.Expect(planOccurrences(s, occurrences, occurrences, []teamsv1alpha1.OnlineMeeting{*cur}, now).update).To(BeEmpty(), "nothing to change")

	s.Labels[ShardLabel] = "shard2"
	plan := planOccurrences(s, occurrences, occurrences, []teamsv1alpha1.OnlineMeeting{*cur}, now)
	g.Expect(plan.update).To(HaveLen(1))
	g.Expect(plan.update[0].Labels).To(Equal(map[string]string{ScheduleLabel: "sync", ShardLabel: "shard2", "kept": "yes"}))

	delete(s.Labels, ShardLabel)
	plan = planOccurrences(s, occurrences, occurrences, []teamsv1alpha1.OnlineMeeting{*cur}, now)
	g.Expect(plan.update).To(HaveLen(1))
	g.Expect(plan.update[0].Labels).To(Equal(map[string]string{ScheduleLabel: "sync", "kept": "yes"}), "back to the main instance")
}
