package controllers

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/graph"
)

func TestFairQueueRanksEachNamespacesMeetingsRoundRobin(t *testing.T) {
	var f fairQueue
	key := func(ns, name string) types.NamespacedName { return types.NamespacedName{Namespace: ns, Name: name} }
	got := []int{
		f.enqueue(key("busy", "1")), f.enqueue(key("busy", "2")), f.enqueue(key("busy", "3")),
		f.enqueue(key("quiet", "1")),
		f.enqueue(key("busy", "2")), // already waiting: its rank does not grow
	}
	want := []int{-1, -2, -3, -1, -3}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("priorities %v, want %v", got, want)
		}
	}
	f.done(key("busy", "1"))
	f.done(key("busy", "2"))
	if p := f.enqueue(key("busy", "4")); p != -2 {
		t.Errorf("after two reconciles the busy namespace's next meeting ranks %d, want -2", p)
	}
	f.done(key("quiet", "1"))
	if _, ok := f.waiting["quiet"]; ok {
		t.Error("a namespace with nothing waiting is still tracked")
	}
}

func TestOlderClaimOrdersByCreationThenName(t *testing.T) {
	at := func(ns, name string, sec int) *teamsv1alpha1.OnlineMeeting {
		return &teamsv1alpha1.OnlineMeeting{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name,
			CreationTimestamp: metav1.NewTime(time.Unix(int64(sec), 0))}}
	}
	tests := []struct {
		a, b *teamsv1alpha1.OnlineMeeting
		want bool
	}{
		{at("z", "z", 1), at("a", "a", 2), true},
		{at("a", "a", 2), at("z", "z", 1), false},
		{at("a", "b", 1), at("b", "a", 1), true},
		{at("b", "a", 1), at("a", "b", 1), false},
	}
	for i, tt := range tests {
		if got := olderClaim(tt.a, tt.b); got != tt.want {
			t.Errorf("case %d: olderClaim = %v, want %v", i, got, tt.want)
		}
	}
}

func TestForeignMeetingChecksExternalIDAndOrganizer(t *testing.T) {
	spec := &teamsv1alpha1.OnlineMeetingSpec{ExternalID: "ext-1", Organizer: teamsv1alpha1.Organizer{UserID: "5f1d3a44-8c1e-4e8b-9a2f-6c1f0d9e2b71"}}
	organizedBy := func(id string) *graph.MeetingParticipants {
		return &graph.MeetingParticipants{Organizer: &graph.MeetingParticipantInfo{Identity: &graph.IdentitySet{User: &graph.Identity{ID: id}}}}
	}
	tests := []struct {
		name    string
		meeting graph.OnlineMeeting
		foreign bool
	}{
		{"ours", graph.OnlineMeeting{ID: "MSo1", ExternalID: "ext-1", Participants: organizedBy("5F1D3A44-8C1E-4E8B-9A2F-6C1F0D9E2B71")}, false},
		{"ours, organizer not reported", graph.OnlineMeeting{ID: "MSo1", ExternalID: "ext-1"}, false},
		{"another externalId", graph.OnlineMeeting{ID: "MSo1", ExternalID: "ext-2"}, true},
		{"no externalId at all", graph.OnlineMeeting{ID: "MSo1"}, true},
		{"another organizer", graph.OnlineMeeting{ID: "MSo1", ExternalID: "ext-1", Participants: organizedBy("0b7c6a42-5a1e-4c5f-9f3e-8d1c2b3a4f5e")}, true},
		{"an id that could not go into a path", graph.OnlineMeeting{ID: "../x", ExternalID: "ext-1"}, true},
		{"an id longer than status allows", graph.OnlineMeeting{ID: strings.Repeat("M", 513), ExternalID: "ext-1"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := foreignMeeting(&tt.meeting, spec); (got != "") != tt.foreign {
				t.Errorf("foreignMeeting = %q, want foreign=%v", got, tt.foreign)
			}
		})
	}
}

func TestBoundMessageCutsAtARuneBoundaryAndSaysSo(t *testing.T) {
	short := "Graph refused."
	if boundMessage(short) != short {
		t.Error("a short message was changed")
	}
	long := strings.Repeat("ä", maxConditionMessage) // two bytes each
	got := boundMessage(long)
	if len(got) > maxConditionMessage || !utf8.ValidString(got) || !strings.HasSuffix(got, "(message cut)") {
		t.Errorf("got %d bytes, valid UTF-8 %v, suffix %q", len(got), utf8.ValidString(got), got[max(0, len(got)-20):])
	}
	note := eventNote(strings.Repeat("€", maxEventNote))
	if len(note) > maxEventNote || !utf8.ValidString(note) {
		t.Errorf("event note of %d bytes, valid UTF-8 %v", len(note), utf8.ValidString(note))
	}
}
