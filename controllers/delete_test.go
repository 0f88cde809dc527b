package controllers_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
)

// waitGone deletes the resource and waits until Kubernetes has removed it.
func (h *harness) deleteAndWaitGone(name string) {
	h.t.Helper()
	m := &teamsv1alpha1.OnlineMeeting{}
	m.Namespace, m.Name = h.ns, name
	if err := env.Client.Delete(context.Background(), m); err != nil {
		h.t.Fatalf("deleting %s: %v", name, err)
	}
	h.g.Eventually(func() bool {
		err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(m), m)
		return apierrors.IsNotFound(err)
	}).WithTimeout(30*time.Second).Should(BeTrue(), "the finalizer was not released")
}

func TestDeleteWithDeletePolicyDeletesMeeting(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, harnessOptions{})
	h.create(h.meeting("delete"))
	h.waitReady("delete", teamsv1alpha1.ReasonCreated)
	g.Expect(h.emu.Meetings()).To(HaveLen(1))

	h.deleteAndWaitGone("delete")
	g.Expect(h.emu.Meetings()).To(BeEmpty())
	g.Expect(h.calls("delete")).To(Equal(1))
}

func TestDeleteOfAMeetingThisProcessConfirmedIsOneCallAndAfterARestartTwo(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, harnessOptions{})
	h.create(h.meeting("known"))
	h.create(h.meeting("after-restart"))
	h.waitReady("known", teamsv1alpha1.ReasonCreated)
	h.waitReady("after-restart", teamsv1alpha1.ReasonCreated)

	// This process made the meeting and saw Graph's answer: the id in
	// status needs no second look.
	h.deleteAndWaitGone("known")
	g.Expect(h.calls("delete")).To(Equal(1))
	g.Expect(h.calls("get")).To(Equal(0), "the meeting this process confirmed was read again before its DELETE")

	// A restarted process has not seen the meeting: it reads it first.
	h.stopManager()
	h.startManager()
	h.deleteAndWaitGone("after-restart")
	g.Expect(h.calls("delete")).To(Equal(2))
	g.Expect(h.calls("get")).To(Equal(1), "status.meetingId was trusted without Graph's word after a restart")
	g.Expect(h.emu.Meetings()).To(BeEmpty())
}

func TestDeleteWithOrphanPolicyKeepsMeeting(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, harnessOptions{})
	h.create(h.meeting("orphan", func(m *teamsv1alpha1.OnlineMeeting) {
		m.Spec.DeletionPolicy = teamsv1alpha1.DeletionPolicyOrphan
	}))
	m := h.waitReady("orphan", teamsv1alpha1.ReasonCreated)

	h.deleteAndWaitGone("orphan")
	stored := h.emu.Meetings()
	g.Expect(stored).To(HaveLen(1))
	g.Expect(stored[0].ID).To(Equal(m.Status.MeetingID))
	g.Expect(h.calls("delete")).To(Equal(0))

	// Applied again, the resource adopts the meeting it left behind.
	h.create(h.meeting("orphan"))
	again := h.waitReady("orphan", teamsv1alpha1.ReasonAdopted)
	g.Expect(again.Status.MeetingID).To(Equal(m.Status.MeetingID))
	g.Expect(h.emu.Meetings()).To(HaveLen(1))
}

func TestDeleteOfResourceThatNeverReachedReadyStillDeletesItsMeeting(t *testing.T) {
	g := NewWithT(t)
	// Every status write fails: the meeting is created in Graph, but its
	// id never reaches status.
	h := newHarness(t, harnessOptions{failStatusWrite: func(client.Object) bool { return true }})
	h.create(h.meeting("never-ready"))
	g.Eventually(h.emu.Meetings).WithTimeout(30 * time.Second).Should(HaveLen(1))
	g.Expect(h.get(g, "never-ready").Status.MeetingID).To(BeEmpty())

	h.deleteAndWaitGone("never-ready")
	g.Expect(h.emu.Meetings()).To(BeEmpty())
}

func TestDeleteOfMeetingAlreadyDeletedInTeamsCompletes(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, harnessOptions{})
	h.create(h.meeting("already-gone"))
	m := h.waitReady("already-gone", teamsv1alpha1.ReasonCreated)
	g.Expect(h.emu.DeleteMeeting(organizer, m.Status.MeetingID)).To(BeTrue())

	// Graph's 404 counts as done.
	h.deleteAndWaitGone("already-gone")
	g.Expect(h.emu.Meetings()).To(BeEmpty())
}
