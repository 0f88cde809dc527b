package controllers_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/controllers"
)

// answerLostAfterDelete deletes for real and then, once, reports the
// DELETE's answer lost, as a connection reset after Graph committed it
// would.
type answerLostAfterDelete struct {
	controllers.MeetingsClient
	lost *atomic.Bool
}

func (c answerLostAfterDelete) Delete(ctx context.Context, organizerID, meetingID string) error {
	err := c.MeetingsClient.Delete(ctx, organizerID, meetingID)
	if err == nil && c.lost.CompareAndSwap(false, true) {
		return errors.New("injected: the connection was reset before Graph's answer to DELETE arrived")
	}
	return err
}

// Found in the chaos run (seeds 202 and 404): a resource deleted before
// its status named its meeting looks the meeting up with createOrGet and
// deletes it; when the DELETE's answer was lost, the retry asked
// createOrGet again and, the first meeting being gone, made a second.
func TestLostDeleteAnswerForAResourceWithoutAnIDInStatusMakesNoSecondMeeting(t *testing.T) {
	g := NewWithT(t)
	var lost atomic.Bool
	h := newHarness(t, harnessOptions{wrapGraph: func(c controllers.MeetingsClient) controllers.MeetingsClient {
		return answerLostAfterDelete{MeetingsClient: c, lost: &lost}
	}})
	h.create(h.meeting("no-id"))
	h.waitReady("no-id", teamsv1alpha1.ReasonCreated)

	// The status write that would have named the meeting was lost, and
	// the process that saw Graph's answer is gone.
	h.stopManager()
	m := h.get(g, "no-id")
	base := m.DeepCopy()
	m.Status.MeetingID = ""
	g.Expect(env.Client.Status().Patch(context.Background(), m, client.MergeFrom(base))).To(Succeed())
	h.startManager()

	h.deleteAndWaitGone("no-id")
	g.Expect(lost.Load()).To(BeTrue(), "the DELETE's answer was never lost: the test proves nothing")
	g.Expect(h.emu.Stats().Requests["createOrGet"][201]).To(Equal(1), "a second meeting was created while deleting")
	g.Expect(h.emu.Meetings()).To(BeEmpty())
}

// Found in the chaos run (seed 505): the API server let a DELETE through
// while the finalizer's patch was answered (kubernetes/kubernetes#77988),
// so the resource was gone when its first status write came, and its
// meeting belonged to nobody. The test plays the race by removing the
// finalizer and deleting the resource between createOrGet and the status
// write.
func TestMeetingOfAResourceDeletedWithoutItsFinalizerIsDeleted(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	for _, policy := range []teamsv1alpha1.DeletionPolicy{teamsv1alpha1.DeletionPolicyDelete, teamsv1alpha1.DeletionPolicyOrphan} {
		name := "vanishing-" + strings.ToLower(string(policy))
		var raced atomic.Bool
		vanish := func(obj client.Object) bool {
			if obj.GetName() != name || !raced.CompareAndSwap(false, true) {
				return false
			}
			m := &teamsv1alpha1.OnlineMeeting{}
			g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(obj), m)).To(Succeed())
			base := m.DeepCopy()
			m.Finalizers = nil
			g.Expect(env.Client.Patch(ctx, m, client.MergeFrom(base))).To(Succeed())
			g.Expect(env.Client.Delete(ctx, m)).To(Succeed())
			g.Eventually(func() bool {
				return apierrors.IsNotFound(env.Client.Get(ctx, client.ObjectKeyFromObject(obj), &teamsv1alpha1.OnlineMeeting{}))
			}).WithTimeout(10 * time.Second).Should(BeTrue())
			return false // the real write goes on, and finds the resource gone
		}
		h := newHarness(t, harnessOptions{failStatusWrite: vanish})
		h.create(h.meeting(name, func(m *teamsv1alpha1.OnlineMeeting) { m.Spec.DeletionPolicy = policy }))

		g.Eventually(raced.Load).WithTimeout(30 * time.Second).Should(BeTrue())
		g.Expect(h.calls("createOrGet")).To(Equal(1))
		if policy == teamsv1alpha1.DeletionPolicyDelete {
			g.Eventually(h.emu.Meetings).WithTimeout(30*time.Second).Should(BeEmpty(), "the meeting of the vanished resource is left in Teams")
			g.Expect(h.calls("delete")).To(Equal(1))
		} else {
			g.Consistently(h.emu.Meetings).WithTimeout(2*time.Second).Should(HaveLen(1), "deletionPolicy Orphan keeps the meeting")
		}
		h.stopManager()
	}
}
