package v1alpha1_test

import (
	"encoding/json"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
)

// fullMeeting sets every field, so a field that deepcopy or JSON drops shows.
func fullMeeting() *teamsv1alpha1.OnlineMeeting {
	now := metav1.NewTime(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
	return &teamsv1alpha1.OnlineMeeting{
		TypeMeta:   metav1.TypeMeta{APIVersion: teamsv1alpha1.GroupVersion.String(), Kind: "OnlineMeeting"},
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "m", Generation: 3},
		Spec: teamsv1alpha1.OnlineMeetingSpec{
			ExternalID:    "7eb8263f-d0e0-4149-bb1c-1f0476083c56",
			Organizer:     teamsv1alpha1.Organizer{UserID: "5f1d3a44-8c1e-4e8b-9a2f-6c1f0d9e2b71"},
			Subject:       "Round trip",
			StartDateTime: "2020-02-06T01:49:21.3524945+00:00",
			EndDateTime:   "2020-02-06T02:19:21.3524945+00:00",
			Participants: &teamsv1alpha1.MeetingParticipants{Attendees: []teamsv1alpha1.MeetingParticipantInfo{{
				Identity: &teamsv1alpha1.IdentitySet{User: &teamsv1alpha1.Identity{ID: "1f35f2e6-9cab-44ad-8d5a-b74c14720000", DisplayName: "Test One"}},
				UPN:      "test1@contoso.com",
				Role:     teamsv1alpha1.MeetingRoleCoorganizer,
			}}},
			ChatInfo:       &teamsv1alpha1.ChatInfo{ThreadID: "19:abc@thread.tacv2", MessageID: "0", ReplyChainMessageID: "1"},
			DeletionPolicy: teamsv1alpha1.DeletionPolicyOrphan,
		},
		Status: teamsv1alpha1.OnlineMeetingStatus{
			Conditions: []metav1.Condition{{
				Type: teamsv1alpha1.ConditionReady, Status: metav1.ConditionTrue, ObservedGeneration: 3,
				Reason: string(teamsv1alpha1.ReasonCreated), Message: "Created", LastTransitionTime: now,
			}},
			ObservedGeneration:    3,
			MeetingID:             "MSo1N2Y5ZGFjYy03MWJm",
			JoinWebURL:            "https://teams.microsoft.com/l/meetup-join/19%3ameeting",
			JoinMeetingID:         "1234567890",
			VideoTeleconferenceID: "123456789",
			CreationDateTime:      &now,
			StartDateTime:         &now,
			EndDateTime:           &now,
			ExpiryDateTime:        &now,
			AudioConferencing: &teamsv1alpha1.AudioConferencing{
				ConferenceID: "9999999", TollNumber: "+1 206-485-3005", TollFreeNumber: "+1 800-555-0100", DialinURL: "https://dialin.teams.microsoft.com/x",
			},
			ChatInfo:     &teamsv1alpha1.ChatInfoStatus{ThreadID: "19:abc@thread.tacv2", MessageID: "0"},
			LastSyncTime: &now,
		},
	}
}

func TestJSONRoundTripKeepsEveryField(t *testing.T) {
	g := NewWithT(t)
	in := fullMeeting()
	raw, err := json.Marshal(in)
	g.Expect(err).NotTo(HaveOccurred())
	var out teamsv1alpha1.OnlineMeeting
	g.Expect(json.Unmarshal(raw, &out)).To(Succeed())
	// metav1.Time decodes into local time: compare instants, not locations.
	g.Expect(&out).To(BeComparableTo(in))
	// The JSON names are Graph's, so a createOrGet body pastes in as spec.
	g.Expect(string(raw)).To(ContainSubstring(`"externalId":"7eb8263f-d0e0-4149-bb1c-1f0476083c56"`))
	g.Expect(string(raw)).To(ContainSubstring(`"startDateTime":"2020-02-06T01:49:21.3524945+00:00"`))
	g.Expect(string(raw)).To(ContainSubstring(`"replyChainMessageId":"1"`))
	g.Expect(string(raw)).To(ContainSubstring(`"joinWebUrl":`))
	g.Expect(string(raw)).To(ContainSubstring(`"dialinUrl":`))
}

func TestDeepCopyIsEqualAndIndependent(t *testing.T) {
	g := NewWithT(t)
	in := fullMeeting()
	out := in.DeepCopy()
	g.Expect(out).To(Equal(in))

	out.Spec.Participants.Attendees[0].Identity.User.ID = "changed"
	out.Spec.ChatInfo.ThreadID = "changed"
	out.Status.Conditions[0].Reason = "changed"
	out.Status.AudioConferencing.TollNumber = "changed"
	out.Status.StartDateTime.Time = time.Time{}
	g.Expect(in).To(Equal(fullMeeting()), "mutating the copy changed the original")

	list := &teamsv1alpha1.OnlineMeetingList{Items: []teamsv1alpha1.OnlineMeeting{*in}}
	g.Expect(list.DeepCopyObject()).To(Equal(list))
}
