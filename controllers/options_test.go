package controllers_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/graph"
)

// everyOption sets every option of Graph's v1.0 update to a value that is
// not the tenant's default, so each one has to be sent.
func everyOption(m *teamsv1alpha1.OnlineMeeting) {
	yes, no := new(true), new(false)
	m.Spec.MeetingOptions = teamsv1alpha1.MeetingOptions{
		LobbyBypassSettings:                  &teamsv1alpha1.LobbyBypassSettings{Scope: "everyone", IsDialInBypassEnabled: yes},
		AllowedPresenters:                    "organizer",
		AllowMeetingChat:                     "limited",
		AllowTeamworkReactions:               no,
		AllowAttendeeToEnableCamera:          no,
		AllowAttendeeToEnableMic:             no,
		AllowParticipantsToChangeName:        yes,
		IsEntryExitAnnounced:                 no,
		RecordAutomatically:                  yes,
		ShareMeetingChatHistoryDefault:       "none",
		WatermarkProtection:                  &teamsv1alpha1.WatermarkProtectionValues{IsEnabledForContentSharing: yes, IsEnabledForVideo: yes},
		AllowBreakoutRooms:                   no,
		AllowCopyingAndSharingMeetingContent: no,
		AllowedLobbyAdmitters:                "organizerAndCoOrganizers",
		AllowLiveShare:                       "disabled",
		AllowPowerPointSharing:               no,
		AllowRecording:                       no,
		AllowTranscription:                   no,
		AllowWhiteboard:                      no,
		AnonymizeIdentityForRoles:            []teamsv1alpha1.AnonymizedRole{"attendee"},
	}
}

// expectOptions checks Graph's meeting against everyOption.
func expectOptions(g Gomega, o graph.MeetingOptions) {
	g.Expect(o.LobbyBypassSettings).To(Equal(&graph.LobbyBypassSettings{Scope: "everyone", IsDialInBypassEnabled: new(true)}))
	g.Expect(o.AllowedPresenters).To(HaveValue(Equal("organizer")))
	g.Expect(o.AllowMeetingChat).To(HaveValue(Equal("limited")))
	g.Expect(o.AllowTeamworkReactions).To(HaveValue(BeFalse()))
	g.Expect(o.AllowAttendeeToEnableCamera).To(HaveValue(BeFalse()))
	g.Expect(o.AllowAttendeeToEnableMic).To(HaveValue(BeFalse()))
	g.Expect(o.AllowParticipantsToChangeName).To(HaveValue(BeTrue()))
	g.Expect(o.IsEntryExitAnnounced).To(HaveValue(BeFalse()))
	g.Expect(o.RecordAutomatically).To(HaveValue(BeTrue()))
	g.Expect(o.ShareMeetingChatHistoryDefault).To(HaveValue(Equal("none")))
	g.Expect(o.WatermarkProtection).To(Equal(&graph.WatermarkProtectionValues{IsEnabledForContentSharing: new(true), IsEnabledForVideo: new(true)}))
	g.Expect(o.AllowBreakoutRooms).To(HaveValue(BeFalse()))
	g.Expect(o.AllowCopyingAndSharingMeetingContent).To(HaveValue(BeFalse()))
	g.Expect(o.AllowedLobbyAdmitters).To(HaveValue(Equal("organizerAndCoOrganizers")))
	g.Expect(o.AllowLiveShare).To(HaveValue(Equal("disabled")))
	g.Expect(o.AllowPowerPointSharing).To(HaveValue(BeFalse()))
	g.Expect(o.AllowRecording).To(HaveValue(BeFalse()))
	g.Expect(o.AllowTranscription).To(HaveValue(BeFalse()))
	g.Expect(o.AllowWhiteboard).To(HaveValue(BeFalse()))
	g.Expect(o.AnonymizeIdentityForRoles).To(ConsistOf("attendee"))
}

func TestEveryOptionReachesANewMeetingInOnePatch(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, harnessOptions{})
	h.create(h.meeting("options", everyOption))
	m := h.waitReady("options", teamsv1alpha1.ReasonCreated)

	// createOrGet ignores options: exactly one PATCH follows it.
	g.Expect(h.calls("createOrGet")).To(Equal(1))
	g.Expect(h.calls("update")).To(Equal(1))
	got, err := h.graph.Get(context.Background(), organizer, m.Status.MeetingID)
	g.Expect(err).NotTo(HaveOccurred())
	expectOptions(g, got.MeetingOptions)

	// Status shows them as Graph holds them.
	g.Expect(m.Status.LobbyBypassSettings).NotTo(BeNil())
	g.Expect(m.Status.LobbyBypassSettings.Scope).To(Equal("everyone"))
	g.Expect(m.Status.AllowMeetingChat).To(Equal("limited"))
	g.Expect(m.Status.RecordAutomatically).To(HaveValue(BeTrue()))
}

func TestOptionsChangedInTeamsAreRestoredAndUnsetOnesLeftAlone(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, harnessOptions{resync: time.Second})
	h.create(h.meeting("restored", func(m *teamsv1alpha1.OnlineMeeting) {
		m.Spec.AllowMeetingChat = "disabled"
		m.Spec.LobbyBypassSettings = &teamsv1alpha1.LobbyBypassSettings{Scope: "organizer"}
	}))
	m := h.waitReady("restored", teamsv1alpha1.ReasonCreated)
	ctx := context.Background()

	// Someone changes both managed options in Teams, and one the spec
	// leaves to the tenant.
	_, err := h.graph.Update(ctx, organizer, m.Status.MeetingID, &graph.MeetingPatch{MeetingOptions: graph.MeetingOptions{
		AllowMeetingChat:       new("enabled"),
		LobbyBypassSettings:    &graph.LobbyBypassSettings{Scope: "everyone"},
		AllowTeamworkReactions: new(false),
	}})
	g.Expect(err).NotTo(HaveOccurred())

	g.Eventually(func(g Gomega) {
		got, err := h.graph.Get(ctx, organizer, m.Status.MeetingID)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(got.AllowMeetingChat).To(HaveValue(Equal("disabled")))
		g.Expect(got.LobbyBypassSettings.Scope).To(Equal("organizer"))
	}).WithTimeout(30 * time.Second).Should(Succeed())
	got, _ := h.graph.Get(ctx, organizer, m.Status.MeetingID)
	g.Expect(got.AllowTeamworkReactions).To(HaveValue(BeFalse()), "an option the spec leaves out was managed")
	g.Expect(h.waitEvent("restored", teamsv1alpha1.ReasonUpdated)).To(And(ContainSubstring("allowMeetingChat"), ContainSubstring("lobbyBypassSettings")))
}

func TestEveryOptionChangedInTeamsIsRestoredAtResync(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, harnessOptions{resync: time.Second})
	h.create(h.meeting("all-restored", everyOption))
	m := h.waitReady("all-restored", teamsv1alpha1.ReasonCreated)
	ctx := context.Background()

	// Someone flips every option in Teams (anonymized attendees excepted:
	// Graph never takes them back).
	yes, no := new(true), new(false)
	_, err := h.graph.Update(ctx, organizer, m.Status.MeetingID, &graph.MeetingPatch{MeetingOptions: graph.MeetingOptions{
		LobbyBypassSettings:                  &graph.LobbyBypassSettings{Scope: "organizer", IsDialInBypassEnabled: no},
		AllowedPresenters:                    new("everyone"),
		AllowMeetingChat:                     new("enabled"),
		AllowTeamworkReactions:               yes,
		AllowAttendeeToEnableCamera:          yes,
		AllowAttendeeToEnableMic:             yes,
		AllowParticipantsToChangeName:        no,
		IsEntryExitAnnounced:                 yes,
		RecordAutomatically:                  no,
		ShareMeetingChatHistoryDefault:       new("all"),
		WatermarkProtection:                  &graph.WatermarkProtectionValues{IsEnabledForContentSharing: no, IsEnabledForVideo: no},
		AllowBreakoutRooms:                   yes,
		AllowCopyingAndSharingMeetingContent: yes,
		AllowedLobbyAdmitters:                new("organizerAndCoOrganizersAndPresenters"),
		AllowLiveShare:                       new("enabled"),
		AllowPowerPointSharing:               yes,
		AllowRecording:                       yes,
		AllowTranscription:                   yes,
		AllowWhiteboard:                      yes,
	}})
	g.Expect(err).NotTo(HaveOccurred())
	updates := h.calls("update")

	// The next resync restores them all, in one PATCH.
	g.Eventually(func(g Gomega) {
		got, err := h.graph.Get(ctx, organizer, m.Status.MeetingID)
		g.Expect(err).NotTo(HaveOccurred())
		expectOptions(g, got.MeetingOptions)
	}).WithTimeout(30 * time.Second).Should(Succeed())
	g.Expect(h.calls("update")).To(Equal(updates + 1))
}
