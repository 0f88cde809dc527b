package meeting

import (
	"slices"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/graph"
)

func at(s string) *time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return &t
}

// graphMeeting is the meeting as Graph returns it for the base spec.
func graphMeeting() *graph.OnlineMeeting {
	return &graph.OnlineMeeting{
		ID: "m1", Subject: "Sync",
		StartDateTime: at("2020-02-06T01:49:21.3524945Z"),
		EndDateTime:   at("2020-02-06T02:19:21.3524945Z"),
		Participants: &graph.MeetingParticipants{Attendees: []graph.MeetingParticipantInfo{
			// Graph fills in the id the spec left out, and the UPN.
			{UPN: "Test1@Contoso.com", Role: "presenter", Identity: &graph.IdentitySet{User: &graph.Identity{ID: "u1"}}},
			{UPN: "sam@contoso.com", Role: "attendee", Identity: &graph.IdentitySet{User: &graph.Identity{ID: "u2"}}},
		}},
	}
}

func baseSpec() teamsv1alpha1.OnlineMeetingSpec {
	return teamsv1alpha1.OnlineMeetingSpec{
		ExternalID: "x", Subject: "Sync",
		StartDateTime: "2020-02-06T01:49:21.3524945+00:00",
		EndDateTime:   "2020-02-06T02:19:21.3524945+00:00",
		Participants: &teamsv1alpha1.MeetingParticipants{Attendees: []teamsv1alpha1.MeetingParticipantInfo{
			{UPN: "test1@contoso.com", Role: teamsv1alpha1.MeetingRolePresenter},
			{Identity: &teamsv1alpha1.IdentitySet{User: &teamsv1alpha1.Identity{ID: "u2"}}},
		}},
	}
}

func TestMeetingDiff(t *testing.T) {
	tests := []struct {
		name    string
		spec    func(*teamsv1alpha1.OnlineMeetingSpec)
		changed []string
	}{
		{"identical spec needs no update", func(*teamsv1alpha1.OnlineMeetingSpec) {}, nil},
		{"the same instants in another offset need no update", func(s *teamsv1alpha1.OnlineMeetingSpec) {
			s.StartDateTime = "2020-02-06T02:49:21.3524945+01:00"
			s.EndDateTime = "2020-02-06T03:19:21.35249450+01:00"
		}, nil},
		{"digits beyond Graph's precision need no update", func(s *teamsv1alpha1.OnlineMeetingSpec) {
			s.StartDateTime = "2020-02-06T01:49:21.35249451Z"
		}, nil},
		{"attendees in another order need no update", func(s *teamsv1alpha1.OnlineMeetingSpec) {
			a := s.Participants.Attendees
			a[0], a[1] = a[1], a[0]
		}, nil},
		{"a subject change patches the subject only", func(s *teamsv1alpha1.OnlineMeetingSpec) {
			s.Subject = "Renamed"
		}, []string{"subject"}},
		{"a start change sends start and end together", func(s *teamsv1alpha1.OnlineMeetingSpec) {
			s.StartDateTime = "2020-02-06T01:50:00Z"
		}, []string{"startDateTime", "endDateTime"}},
		{"a start only means an hour-long meeting", func(s *teamsv1alpha1.OnlineMeetingSpec) {
			s.EndDateTime = ""
		}, []string{"startDateTime", "endDateTime"}},
		{"no times in the spec leave Graph's times alone", func(s *teamsv1alpha1.OnlineMeetingSpec) {
			s.StartDateTime, s.EndDateTime = "", ""
		}, nil},
		{"a role change replaces the attendees", func(s *teamsv1alpha1.OnlineMeetingSpec) {
			s.Participants.Attendees[1].Role = teamsv1alpha1.MeetingRoleCoorganizer
		}, []string{"participants"}},
		{"a removed attendee replaces the attendees", func(s *teamsv1alpha1.OnlineMeetingSpec) {
			s.Participants.Attendees = s.Participants.Attendees[:1]
		}, []string{"participants"}},
		{"no participants in the spec clears them", func(s *teamsv1alpha1.OnlineMeetingSpec) {
			s.Participants = nil
		}, []string{"participants"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			spec := baseSpec()
			tt.spec(&spec)
			want, err := Desired(&spec)
			g.Expect(err).NotTo(HaveOccurred())
			patch, changed := Diff(want, graph.MeetingOptions{}, graphMeeting())
			g.Expect(changed).To(Equal(tt.changed))
			if tt.changed == nil {
				g.Expect(patch).To(BeNil())
				return
			}
			g.Expect(patch.Subject != nil).To(Equal(slices.Contains(tt.changed, "subject")))
			g.Expect(patch.StartDateTime != nil && patch.EndDateTime != nil).To(Equal(slices.Contains(tt.changed, "startDateTime")))
			g.Expect(patch.Participants != nil).To(Equal(slices.Contains(tt.changed, "participants")))
		})
	}
}

func TestMeetingDiffWithStartOnlyPatchesAnHourLongMeeting(t *testing.T) {
	g := NewWithT(t)
	spec := baseSpec()
	spec.StartDateTime, spec.EndDateTime = "2026-12-01T09:00:00Z", ""
	want, err := Desired(&spec)
	g.Expect(err).NotTo(HaveOccurred())
	patch, _ := Diff(want, graph.MeetingOptions{}, graphMeeting())
	g.Expect(*patch.EndDateTime).To(BeTemporally("==", patch.StartDateTime.Add(time.Hour)))
}

func TestDesiredMeetingSendsTheSpecAsGraphsBody(t *testing.T) {
	g := NewWithT(t)
	spec := baseSpec()
	spec.ChatInfo = &teamsv1alpha1.ChatInfo{ThreadID: "19:t@thread.tacv2", MessageID: "0"}
	req, err := Desired(&spec)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(req.ExternalID).To(Equal("x"))
	g.Expect(*req.StartDateTime).To(BeTemporally("==", *at("2020-02-06T01:49:21.3524945Z")))
	g.Expect(req.StartDateTime.Location()).To(Equal(time.UTC))
	g.Expect(req.Participants.Attendees).To(HaveLen(2))
	g.Expect(req.Participants.Attendees[1].Identity.User.ID).To(Equal("u2"))
	g.Expect(req.ChatInfo.ThreadID).To(Equal("19:t@thread.tacv2"))

	spec.StartDateTime = "not a time"
	_, err = Desired(&spec)
	g.Expect(err).To(MatchError(ContainSubstring("spec.startDateTime")))
}
