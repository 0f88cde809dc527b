package controllers_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/controllers"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/emulator"
)

func TestThrottledOperatorWaitsRetryAfterAndGetsEveryMeetingReady(t *testing.T) {
	// A request already on the wire when Graph answers 429 cannot be
	// called back: with N workers, each 429 may overlap at most N-1 such
	// requests, and nothing sent after the 429 is seen may arrive before
	// its Retry-After. One worker must therefore send nothing inside a
	// Retry-After at all.
	for _, workers := range []int{1, 4} {
		t.Run(fmt.Sprintf("%d workers", workers), func(t *testing.T) {
			g := NewWithT(t)
			const n = 200
			h := newHarness(t, harnessOptions{
				// 10 rps is well below what even one worker sends (about 20 rps on
				// two loaded cores), so throttling is certain.
				emulator:    emulator.Config{Faults: emulator.Faults{RateLimit: 10, RateBurst: 10}},
				concurrency: workers,
			})
			h.createMany(n)
			h.waitAllReady(n)

			stats := h.emu.Stats()
			throttled := stats.Requests["createOrGet"][429]
			g.Expect(throttled).To(BeNumerically(">", 0), "the rate limit never throttled: the test proves nothing")
			g.Expect(stats.RequestsDuringRetryAfter).To(BeNumerically("<=", (workers-1)*throttled))
			g.Expect(h.emu.Meetings()).To(HaveLen(n))
			t.Logf("createOrGet answers: %v; requests inside a Retry-After: %d", stats.Requests["createOrGet"], stats.RequestsDuringRetryAfter)
		})
	}
}

func TestForbiddenOrganizerStallsWithGraphsMessageAndRetriesOnlyOnSpecChange(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, harnessOptions{emulator: emulator.Config{DenyUsers: []string{organizer}}})
	h.create(h.meeting("forbidden"))

	msg := h.waitStalled("forbidden", teamsv1alpha1.ReasonForbidden)
	g.Expect(msg).To(ContainSubstring("No application access policy found for this app"))
	g.Expect(msg).To(ContainSubstring("request-id"))
	g.Expect(msg).To(ContainSubstring("application access policy for this user"))
	g.Expect(h.waitEvent("forbidden", teamsv1alpha1.ReasonForbidden)).To(ContainSubstring("No application access policy"))

	// No retry storm: one call, and no more while nothing changes.
	g.Consistently(func() int { return h.calls("createOrGet") }).WithTimeout(2 * time.Second).Should(Equal(1))

	// A spec change is retried at once.
	m := h.get(g, "forbidden")
	m.Spec.Subject = "Retry now"
	g.Expect(env.Client.Update(context.Background(), m)).To(Succeed())
	g.Eventually(func() int { return h.calls("createOrGet") }).WithTimeout(30 * time.Second).Should(Equal(2))
}

func TestStalledMeetingRetriesSlowlyWithOneEventPerProblemAndNoStatusWrite(t *testing.T) {
	g := NewWithT(t)
	var statusWrites atomic.Int32
	h := newHarness(t, harnessOptions{
		emulator:        emulator.Config{DenyUsers: []string{organizer}},
		stalledRetry:    300 * time.Millisecond,
		failStatusWrite: func(client.Object) bool { statusWrites.Add(1); return false },
	})
	h.create(h.meeting("retries"))
	first := h.waitStalled("retries", teamsv1alpha1.ReasonForbidden)
	writes := statusWrites.Load()

	// It keeps trying, backing off (300 ms, then doubling)...
	g.Eventually(func() int { return h.calls("createOrGet") }).WithTimeout(30 * time.Second).Should(BeNumerically(">=", 4))
	// ...and says so once, though each answer carries another request id,
	// and writes no status: only the request id changed.
	g.Expect(h.eventCount("retries", teamsv1alpha1.ReasonForbidden)).To(Equal(1))
	g.Expect(statusWrites.Load()).To(Equal(writes), "a retry that met the same wall rewrote status")
	_, _, msg := condition(h.get(g, "retries"), teamsv1alpha1.ConditionStalled)
	g.Expect(msg).To(Equal(first))

	// A spec change that hits the same wall is news: one more Event.
	h.patchSpec("retries", func(m *teamsv1alpha1.OnlineMeeting) { m.Spec.Subject = "Still forbidden" })
	g.Eventually(func() int { return h.eventCount("retries", teamsv1alpha1.ReasonForbidden) }).
		WithTimeout(30 * time.Second).Should(Equal(2))
}

// betaClaimingClient claims Graph's beta endpoint while the real client
// talks v1.0, so the operator sends chatInfo where Graph refuses it: the
// one way to get a genuine 400 from a spec the CRD accepts.
type betaClaimingClient struct{ controllers.MeetingsClient }

func (betaClaimingClient) APIVersion() string { return "beta" }

func TestInvalidRequestStallsWithGraphsMessageWithoutRetryStorm(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, harnessOptions{wrapGraph: func(c controllers.MeetingsClient) controllers.MeetingsClient {
		return betaClaimingClient{c}
	}})
	h.create(h.meeting("invalid", func(m *teamsv1alpha1.OnlineMeeting) {
		m.Spec.ChatInfo = &teamsv1alpha1.ChatInfo{ThreadID: "19:abc@thread.tacv2"}
	}))

	msg := h.waitStalled("invalid", teamsv1alpha1.ReasonInvalidSpec)
	g.Expect(msg).To(ContainSubstring("400"))
	g.Expect(msg).To(ContainSubstring("chatInfo"))
	h.waitEvent("invalid", teamsv1alpha1.ReasonInvalidSpec)
	g.Consistently(func() int { return h.calls("createOrGet") }).WithTimeout(2 * time.Second).Should(Equal(1))
}

func TestChatInfoOnV1StallsWithoutCallingGraph(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, harnessOptions{apiVersion: "v1.0"})
	h.create(h.meeting("chat-v1", func(m *teamsv1alpha1.OnlineMeeting) {
		m.Spec.ChatInfo = &teamsv1alpha1.ChatInfo{ThreadID: "19:abc@thread.tacv2"}
	}))
	msg := h.waitStalled("chat-v1", teamsv1alpha1.ReasonChatInfoRequiresBeta)
	g.Expect(msg).To(ContainSubstring("apiVersion: beta"))
	g.Expect(h.calls("createOrGet")).To(Equal(0))

	// Deleting it needs no Graph call either: nothing was ever sent.
	h.deleteAndWaitGone("chat-v1")
	g.Expect(h.calls("createOrGet") + h.calls("delete")).To(Equal(0))
}

func TestChatInfoOnBetaCreatesTheMeetingInTheThread(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, harnessOptions{apiVersion: "beta"})
	h.create(h.meeting("chat-beta", func(m *teamsv1alpha1.OnlineMeeting) {
		m.Spec.ChatInfo = &teamsv1alpha1.ChatInfo{ThreadID: "19:7ebda77322dd4505ac4dedb5b67df076@thread.tacv2"}
	}))
	m := h.waitReady("chat-beta", teamsv1alpha1.ReasonCreated)
	g.Expect(m.Status.ChatInfo.ThreadID).To(Equal("19:7ebda77322dd4505ac4dedb5b67df076@thread.tacv2"))
}

func TestTransientFailuresBackOffThenSucceed(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, harnessOptions{emulator: emulator.Config{Faults: emulator.Faults{FailNext: 3}}})
	h.create(h.meeting("flaky"))
	h.waitReady("flaky", teamsv1alpha1.ReasonCreated)
	g.Expect(h.calls("createOrGet")).To(Equal(4))
	g.Expect(h.emu.Meetings()).To(HaveLen(1))
}

func TestRestartedManagerMakesNoGraphCallForReadyMeetings(t *testing.T) {
	g := NewWithT(t)
	const n = 30
	h := newHarness(t, harnessOptions{concurrency: 1})
	for i := range n {
		h.create(h.meeting(fmt.Sprintf("ready-%02d", i)))
	}
	for i := range n {
		h.waitReady(fmt.Sprintf("ready-%02d", i), teamsv1alpha1.ReasonCreated)
	}

	h.stopManager()
	h.emu.ResetStats()
	before := reconcileCount(g)
	h.startManager()
	// Counted, not assumed: the restarted manager has looked at every
	// meeting once it has reconciled n times (each Ready meeting is then
	// requeued an hour out).
	g.Eventually(func(g Gomega) int { return reconcileCount(g) - before }).WithTimeout(30 * time.Second).Should(BeNumerically(">=", n))
	stats := h.emu.Stats()
	g.Expect(stats.Count("createOrGet")).To(Equal(0))
	g.Expect(stats.Count("get")).To(Equal(0))
	g.Expect(stats.Count("update")).To(Equal(0))
}
