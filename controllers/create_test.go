package controllers_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/controllers"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/emulator"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/graph"
)

func TestCreateFillsStatusFromGraphAndRecordsCreated(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, harnessOptions{})
	h.create(h.meeting("weekly"))

	m := h.waitReady("weekly", teamsv1alpha1.ReasonCreated)
	g.Expect(m.Finalizers).To(ContainElement(controllers.Finalizer))
	g.Expect(h.calls("createOrGet")).To(Equal(1))
	g.Expect(h.emu.Meetings()).To(HaveLen(1))

	// Every status field is Graph's meeting, read back independently.
	want, err := h.graph.Get(context.Background(), organizer, m.Status.MeetingID)
	g.Expect(err).NotTo(HaveOccurred())
	st := m.Status
	g.Expect(st.MeetingID).To(Equal(want.ID))
	g.Expect(st.JoinWebURL).To(Equal(want.JoinWebURL))
	g.Expect(st.JoinWebURL).NotTo(BeEmpty())
	g.Expect(st.JoinMeetingID).To(Equal(want.JoinMeetingIDSettings.JoinMeetingID))
	g.Expect(st.VideoTeleconferenceID).To(Equal(want.VideoTeleconferenceID))
	g.Expect(st.CreationDateTime.Time.Equal(want.CreationDateTime.Truncate(time.Second))).To(BeTrue())
	g.Expect(st.StartDateTime.Time).To(BeTemporally("==", time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)))
	g.Expect(st.EndDateTime.Time).To(BeTemporally("==", time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)))
	g.Expect(st.ExpiryDateTime).NotTo(BeNil())
	g.Expect(st.AudioConferencing).NotTo(BeNil())
	g.Expect(st.AudioConferencing.ConferenceID).To(Equal(want.AudioConferencing.ConferenceID))
	g.Expect(st.AudioConferencing.TollNumber).To(Equal(want.AudioConferencing.TollNumber))
	g.Expect(st.AudioConferencing.TollFreeNumber).To(Equal(want.AudioConferencing.TollFreeNumber))
	g.Expect(st.AudioConferencing.DialinURL).To(Equal(want.AudioConferencing.DialinURL))
	g.Expect(st.ChatInfo).NotTo(BeNil())
	g.Expect(st.ChatInfo.ThreadID).To(Equal(want.ChatInfo.ThreadID))
	g.Expect(st.LastSyncTime).NotTo(BeNil())

	note := h.waitEvent("weekly", teamsv1alpha1.ReasonCreated)
	g.Expect(note).To(ContainSubstring(m.Status.MeetingID))
}

func TestDocumentationTimesDoNotCauseUpdates(t *testing.T) {
	g := NewWithT(t)
	// The operator's clock runs in February 2020, when the meeting of
	// Graph's example is still ahead (it would be long expired today).
	back := time.Since(time.Date(2020, 2, 5, 0, 0, 0, 0, time.UTC))
	h := newHarness(t, harnessOptions{resync: time.Second, now: func() time.Time { return time.Now().Add(-back) }})
	// Seven fractional digits and +00:00, as in Graph's documentation.
	h.create(h.meeting("doc-times", func(m *teamsv1alpha1.OnlineMeeting) {
		m.Spec.StartDateTime = "2020-02-06T01:49:21.3524945+00:00"
		m.Spec.EndDateTime = "2020-02-06T02:19:21.3524945+00:00"
	}))
	h.waitReady("doc-times", teamsv1alpha1.ReasonCreated)
	stored := h.emu.Meetings()
	g.Expect(stored).To(HaveLen(1))
	g.Expect(stored[0].StartDateTime).To(BeTemporally("==", time.Date(2020, 2, 6, 1, 49, 21, 352494500, time.UTC)))

	// Resyncs read the meeting back and compare the times: the same
	// instants, so no PATCH.
	g.Eventually(func() int { return h.calls("get") }).WithTimeout(30 * time.Second).Should(BeNumerically(">=", 2))
	g.Expect(h.calls("update")).To(Equal(0))
}

func TestLostCreateResponseStillMakesExactlyOneMeeting(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, harnessOptions{emulator: emulator.Config{Faults: emulator.Faults{LoseNextResponses: 1}}})
	h.create(h.meeting("lost"))

	// The first createOrGet was committed but its answer lost; the retry
	// finds the meeting the lost answer would have named.
	h.waitReady("lost", teamsv1alpha1.ReasonAdopted)
	g.Expect(h.emu.Meetings()).To(HaveLen(1))
	g.Expect(h.calls("createOrGet")).To(BeNumerically(">=", 2))
}

func TestFailedStatusWriteAfterCreateMakesExactlyOneMeeting(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, harnessOptions{failStatusWrite: failFirst(1)})
	h.create(h.meeting("status-lost"))

	m := h.waitReady("status-lost", teamsv1alpha1.ReasonAdopted)
	stored := h.emu.Meetings()
	g.Expect(stored).To(HaveLen(1))
	g.Expect(m.Status.MeetingID).To(Equal(stored[0].ID))
	g.Expect(h.calls("createOrGet")).To(Equal(2))
}

func TestExistingMeetingIsAdoptedNotDuplicated(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, harnessOptions{})
	m := h.meeting("adopt")
	existing, created, err := h.graph.CreateOrGet(context.Background(), organizer, &graph.MeetingRequest{
		ExternalID: m.Spec.ExternalID, Subject: m.Spec.Subject,
		StartDateTime: ptrTime(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)),
		EndDateTime:   ptrTime(time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)),
		Participants: &graph.MeetingParticipants{Attendees: []graph.MeetingParticipantInfo{
			{UPN: "alex@contoso.com", Role: "presenter"},
		}},
	})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(created).To(BeTrue())
	h.emu.ResetStats()

	h.create(m)
	got := h.waitReady("adopt", teamsv1alpha1.ReasonAdopted)
	g.Expect(got.Status.MeetingID).To(Equal(existing.ID))
	g.Expect(h.emu.Meetings()).To(HaveLen(1))
	g.Expect(h.calls("update")).To(Equal(0), "the adopted meeting already matched the spec")
	h.waitEvent("adopt", teamsv1alpha1.ReasonAdopted)
}

func TestSpecUpdateReachesGraphAsOnePatch(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, harnessOptions{})
	h.create(h.meeting("update"))
	h.waitReady("update", teamsv1alpha1.ReasonCreated)

	m := h.get(g, "update")
	m.Spec.Subject = "Moved and renamed"
	m.Spec.StartDateTime = "2026-12-02T10:00:00+01:00"
	m.Spec.EndDateTime = "2026-12-02T10:45:00+01:00"
	m.Spec.Participants.Attendees = append(m.Spec.Participants.Attendees,
		teamsv1alpha1.MeetingParticipantInfo{UPN: "sam@contoso.com"})
	g.Expect(env.Client.Update(context.Background(), m)).To(Succeed())

	got := h.waitReady("update", teamsv1alpha1.ReasonUpdated)
	stored := h.emu.Meetings()
	g.Expect(stored).To(HaveLen(1))
	g.Expect(stored[0].Subject).To(Equal("Moved and renamed"))
	g.Expect(stored[0].StartDateTime).To(BeTemporally("==", time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)))
	g.Expect(stored[0].EndDateTime).To(BeTemporally("==", time.Date(2026, 12, 2, 9, 45, 0, 0, time.UTC)))
	g.Expect(stored[0].Attendees).To(Equal(2))
	g.Expect(got.Status.StartDateTime.Time).To(BeTemporally("==", time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)))
	g.Expect(h.calls("update")).To(Equal(1))
	h.waitEvent("update", teamsv1alpha1.ReasonUpdated)
}

func TestMetadataChangeMakesNoReconcileAndNoGraphCall(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, harnessOptions{})
	h.create(h.meeting("relabelled"))
	h.waitReady("relabelled", teamsv1alpha1.ReasonCreated)
	h.emu.ResetStats()
	// Ready is visible a moment before the reconcile that wrote it returns
	// and is counted: start from a count two polls agree on.
	before := -1
	g.Eventually(func(g Gomega) int {
		n, last := reconcileCount(g), before
		before = n
		return n - last
	}).WithPolling(200 * time.Millisecond).Should(BeZero())

	// A GitOps tool adds a label and an annotation: the generation stays,
	// and the operator has nothing to do (an identical apply would be a
	// no-op at the apiserver and prove nothing).
	m := h.get(g, "relabelled")
	base := m.DeepCopy()
	m.Labels = map[string]string{"app.kubernetes.io/part-of": "platform"}
	m.Annotations = map[string]string{"example.com/owner": "team-a"}
	g.Expect(env.Client.Patch(context.Background(), m, client.MergeFrom(base))).To(Succeed())
	g.Expect(h.get(g, "relabelled").Generation).To(Equal(m.Generation))
	g.Consistently(func(g Gomega) int {
		return reconcileCount(g) - before + h.calls("createOrGet") + h.calls("get") + h.calls("update")
	}).WithTimeout(2 * time.Second).Should(Equal(0))
}

func ptrTime(t time.Time) *time.Time { return &t }
