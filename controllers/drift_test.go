package controllers_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/controllers"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/emulator"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/graph"
)

func TestMeetingDeletedInTeamsIsRecreatedAtResync(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, harnessOptions{resync: time.Second})
	h.create(h.meeting("drift-deleted"))
	m := h.waitReady("drift-deleted", teamsv1alpha1.ReasonCreated)
	g.Expect(h.emu.DeleteMeeting(organizer, m.Status.MeetingID)).To(BeTrue())

	var got *teamsv1alpha1.OnlineMeeting
	g.Eventually(func(g Gomega) {
		got = h.get(g, "drift-deleted")
		g.Expect(got.Status.MeetingID).NotTo(Equal(m.Status.MeetingID))
		g.Expect(got.Status.MeetingID).NotTo(BeEmpty())
	}).WithTimeout(30 * time.Second).Should(Succeed())
	stored := h.emu.Meetings()
	g.Expect(stored).To(HaveLen(1))
	g.Expect(stored[0].ID).To(Equal(got.Status.MeetingID))
	g.Expect(got.Status.JoinWebURL).NotTo(Equal(m.Status.JoinWebURL))
	note := h.waitEvent("drift-deleted", teamsv1alpha1.ReasonRecreated)
	g.Expect(note).To(ContainSubstring(m.Status.MeetingID))
}

func TestMeetingChangedInTeamsIsRestoredAtResync(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, harnessOptions{resync: time.Second})
	h.create(h.meeting("drift-changed"))
	m := h.waitReady("drift-changed", teamsv1alpha1.ReasonCreated)
	g.Expect(h.emu.SetSubject(organizer, m.Status.MeetingID, "Renamed in Teams")).To(BeTrue())

	g.Eventually(func(g Gomega) {
		stored := h.emu.Meetings()
		g.Expect(stored).To(HaveLen(1))
		g.Expect(stored[0].Subject).To(Equal("Subject of drift-changed"))
	}).WithTimeout(30 * time.Second).Should(Succeed())
	g.Expect(h.calls("update")).To(Equal(1))
	h.waitEvent("drift-changed", teamsv1alpha1.ReasonUpdated)
}

func TestDeletedMeetingThatGraphStillAnswersWithIsReportedNotLooped(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, harnessOptions{
		resync:   time.Second,
		emulator: emulator.Config{DeletedExternalID: emulator.DeletedExternalIDStale},
	})
	h.create(h.meeting("gone"))
	m := h.waitReady("gone", teamsv1alpha1.ReasonCreated)
	g.Expect(h.emu.DeleteMeeting(organizer, m.Status.MeetingID)).To(BeTrue())

	msg := h.waitStalled("gone", teamsv1alpha1.ReasonMeetingGone)
	g.Expect(msg).To(ContainSubstring(m.Status.MeetingID))
	g.Expect(msg).To(ContainSubstring("another externalId"))
	// Stalled waits a resync period between tries, not a hot loop.
	calls := h.calls("createOrGet")
	g.Consistently(func() int { return h.calls("createOrGet") }).WithTimeout(1500 * time.Millisecond).
		Should(BeNumerically("<=", calls+2))
}

// vanishingClient deletes the meeting in Teams right after reading it, as
// a user in Teams could between the operator's read and its PATCH.
type vanishingClient struct {
	controllers.MeetingsClient
	emu *emulator.Server
}

func (c vanishingClient) Get(ctx context.Context, organizerID, meetingID string) (*graph.OnlineMeeting, error) {
	m, err := c.MeetingsClient.Get(ctx, organizerID, meetingID)
	if err == nil {
		c.emu.DeleteMeeting(organizerID, meetingID)
	}
	return m, err
}

func TestMeetingDeletedBetweenTheReadAndThePatchIsRecreated(t *testing.T) {
	g := NewWithT(t)
	var emu *emulator.Server
	h := newHarness(t, harnessOptions{wrapGraph: func(c controllers.MeetingsClient) controllers.MeetingsClient {
		return vanishingClient{MeetingsClient: c, emu: emu}
	}})
	emu = h.emu
	h.create(h.meeting("vanishes"))
	first := h.waitReady("vanishes", teamsv1alpha1.ReasonCreated)

	h.patchSpec("vanishes", func(m *teamsv1alpha1.OnlineMeeting) { m.Spec.Subject = "Moved" })
	m := h.waitReady("vanishes", teamsv1alpha1.ReasonRecreated)
	g.Expect(m.Status.MeetingID).NotTo(Equal(first.Status.MeetingID))
	g.Expect(h.emu.Meetings()).To(HaveExactElements(And(HaveField("ID", m.Status.MeetingID), HaveField("Subject", "Moved"))))
	g.Expect(h.eventCount("vanishes", teamsv1alpha1.ReasonInvalidSpec)).To(BeZero(), "a vanished meeting is not a spec problem")
}
