package controllers_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/controllers"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/graph"
)

// waitReason waits until the meeting's Ready condition has reason, for
// its current generation, and returns it.
func (h *harness) waitReadyReason(name string, reason teamsv1alpha1.ConditionReason) *teamsv1alpha1.OnlineMeeting {
	h.t.Helper()
	var m *teamsv1alpha1.OnlineMeeting
	h.g.Eventually(func(g Gomega) {
		m = h.get(g, name)
		_, got, msg := condition(m, teamsv1alpha1.ConditionReady)
		g.Expect(got).To(Equal(string(reason)), msg)
		g.Expect(m.Status.ObservedGeneration).To(Equal(m.Generation))
	}).WithTimeout(30 * time.Second).Should(Succeed())
	return m
}

func TestSuspendedMeetingMakesNoGraphCallAcrossASpecChangeAndARestart(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, harnessOptions{resync: time.Second})
	h.create(h.meeting("paused"))
	h.waitReady("paused", teamsv1alpha1.ReasonCreated)

	h.patchSpec("paused", func(m *teamsv1alpha1.OnlineMeeting) { m.Spec.Suspend = true })
	m := h.waitReadyReason("paused", teamsv1alpha1.ReasonSuspended)
	status, _, _ := condition(m, teamsv1alpha1.ConditionReady)
	g.Expect(status).To(Equal(metav1.ConditionTrue), "the meeting is still in place")
	h.emu.ResetStats()

	h.patchSpec("paused", func(m *teamsv1alpha1.OnlineMeeting) { m.Spec.Subject = "Changed while suspended" })
	h.waitReadyReason("paused", teamsv1alpha1.ReasonSuspended)
	h.stopManager()
	h.startManager()
	// Resyncs every second would have called Graph by now.
	g.Consistently(h.graphCalls).WithTimeout(3 * time.Second).Should(BeZero())

	// Deleting it waits while it is suspended.
	h.delete(h.ns, "paused")
	g.Consistently(func() error {
		return env.Client.Get(context.Background(), keyOf(h.ns, "paused"), &teamsv1alpha1.OnlineMeeting{})
	}).WithTimeout(2 * time.Second).Should(Succeed())
	_, _, msg := condition(h.get(g, "paused"), teamsv1alpha1.ConditionReady)
	g.Expect(msg).To(ContainSubstring("not deleted in Teams yet"))
	g.Expect(h.graphCalls()).To(BeZero())

	// Resumed, the deletion goes on.
	h.patchSpec("paused", func(m *teamsv1alpha1.OnlineMeeting) { m.Spec.Suspend = false })
	h.waitGone(h.ns, "paused")
	g.Expect(h.calls("delete")).To(Equal(1))
}

func TestResyncThatFindsNothingNewWritesNothing(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, harnessOptions{resync: time.Second})
	h.create(h.meeting("steady"))
	m := h.waitReady("steady", teamsv1alpha1.ReasonCreated)
	h.emu.ResetStats()

	// Resyncs read the meeting back and find it as status describes it:
	// not one write, not even lastSyncTime.
	g.Eventually(func() int { return h.calls("get") }).WithTimeout(30 * time.Second).Should(BeNumerically(">=", 3))
	g.Expect(h.get(g, "steady").ResourceVersion).To(Equal(m.ResourceVersion))

	// A change in Teams is news: restored, and written.
	g.Expect(h.emu.SetSubject(organizer, m.Status.MeetingID, "Renamed in Teams")).To(BeTrue())
	updated := h.waitReadyReason("steady", teamsv1alpha1.ReasonUpdated)
	g.Expect(updated.Status.LastSyncTime.After(m.Status.LastSyncTime.Time)).To(BeTrue())
	g.Expect(h.calls("update")).To(Equal(1))
}

func TestResyncAnnotationTurnsDriftChecksOffOrIsReported(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, harnessOptions{resync: time.Second})
	h.create(h.meeting("no-drift-checks", func(m *teamsv1alpha1.OnlineMeeting) {
		m.Annotations = map[string]string{controllers.ResyncPeriodAnnotation: "0"}
	}))
	h.create(h.meeting("too-eager", func(m *teamsv1alpha1.OnlineMeeting) {
		m.Annotations = map[string]string{controllers.ResyncPeriodAnnotation: "10s"}
	}))
	off := h.waitReady("no-drift-checks", teamsv1alpha1.ReasonCreated)
	h.waitReady("too-eager", teamsv1alpha1.ReasonCreated)

	// The meeting below the 5-minute floor gets the operator's period (1 s
	// here) and a Warning; the other is never read back.
	g.Expect(h.waitEvent("too-eager", teamsv1alpha1.ReasonInvalidSpec)).To(ContainSubstring("at least 5m0s"))
	g.Eventually(func() int { return h.calls("get") }).WithTimeout(30 * time.Second).Should(BeNumerically(">=", 2))
	// Not even a restart, which looks at every meeting again, reads it.
	h.stopManager()
	h.startManager()
	g.Eventually(func() int { return h.calls("get") }).WithTimeout(30 * time.Second).Should(BeNumerically(">=", 4))
	g.Expect(h.get(g, "no-drift-checks").Status.LastSyncTime.Time).To(BeTemporally("==", off.Status.LastSyncTime.Time))
}

func TestEndedMeetingIsNeitherCheckedNorRecreated(t *testing.T) {
	g := NewWithT(t)
	// The operator's clock runs a week ahead: the harness's meeting (which
	// ends on 2026-12-01 at 09:30 UTC) is then over.
	ahead := time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC).Sub(time.Now())
	h := newHarness(t, harnessOptions{resync: time.Second, now: func() time.Time { return time.Now().Add(ahead) }})
	h.create(h.meeting("over"))
	m := h.waitReadyReason("over", teamsv1alpha1.ReasonEnded)
	_, _, msg := condition(m, teamsv1alpha1.ConditionReady)
	g.Expect(msg).To(ContainSubstring("never recreated"))

	h.emu.ResetStats()
	g.Expect(h.emu.DeleteMeeting(organizer, m.Status.MeetingID)).To(BeTrue())
	g.Consistently(h.graphCalls).WithTimeout(3 * time.Second).Should(BeZero())
	g.Expect(h.emu.Meetings()).To(BeEmpty())
}

func TestExpiredMeetingIsNotChecked(t *testing.T) {
	g := NewWithT(t)
	ahead := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC).Sub(time.Now()) // past the 60-day expiry
	h := newHarness(t, harnessOptions{resync: time.Second, now: func() time.Time { return time.Now().Add(ahead) }})
	h.create(h.meeting("gone-for-good"))
	h.waitReadyReason("gone-for-good", teamsv1alpha1.ReasonExpired)
	h.emu.ResetStats()
	g.Consistently(h.graphCalls).WithTimeout(3 * time.Second).Should(BeZero())
}

func TestObservedMeetingIsMirroredAndNeverWritten(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, harnessOptions{resync: time.Second})
	ctx := context.Background()
	// A meeting someone made in Outlook.
	made, _, err := h.graph.CreateOrGet(ctx, organizer, &graph.MeetingRequest{ExternalID: "outlook-made", Subject: "Made in Outlook"})
	g.Expect(err).NotTo(HaveOccurred())
	h.emu.ResetStats()

	m := &teamsv1alpha1.OnlineMeeting{ObjectMeta: metav1.ObjectMeta{Namespace: h.ns, Name: "observed"},
		Spec: teamsv1alpha1.OnlineMeetingSpec{
			ManagementPolicy: teamsv1alpha1.ManagementPolicyObserve,
			JoinWebURL:       made.JoinWebURL,
			Organizer:        teamsv1alpha1.Organizer{UserID: organizer},
		}}
	h.create(m)
	got := h.waitReady("observed", teamsv1alpha1.ReasonObserved)
	g.Expect(got.Status.MeetingID).To(Equal(made.ID))
	g.Expect(got.Status.JoinWebURL).To(Equal(made.JoinWebURL))
	g.Expect(got.Finalizers).To(BeEmpty())

	// Resyncs read it; nothing ever writes it, not even the deletion.
	g.Eventually(func() int { return h.calls("list") }).WithTimeout(30 * time.Second).Should(BeNumerically(">=", 2))
	h.delete(h.ns, "observed")
	h.waitGone(h.ns, "observed")
	g.Expect(h.calls("createOrGet") + h.calls("update") + h.calls("delete")).To(BeZero())
	g.Expect(h.emu.Meetings()).To(HaveExactElements(HaveField("ID", made.ID)))
}
