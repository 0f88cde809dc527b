package controllers_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/emulator"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/graph"
)

// kstatusOf computes the status Flux, Argo CD and `kubectl wait` tooling
// built on kstatus would see.
func kstatusOf(g Gomega, m *teamsv1alpha1.OnlineMeeting) *status.Result {
	obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(m)
	g.Expect(err).NotTo(HaveOccurred())
	res, err := status.Compute(&unstructured.Unstructured{Object: obj})
	g.Expect(err).NotTo(HaveOccurred())
	return res
}

func TestKstatusSeesAReadyMeetingAsCurrent(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, harnessOptions{})
	h.create(h.meeting("kstatus-ready"))
	m := h.waitReady("kstatus-ready", teamsv1alpha1.ReasonCreated)
	g.Expect(kstatusOf(g, m).Status).To(Equal(status.CurrentStatus))
}

func TestKstatusSeesAForbiddenMeetingAsFailed(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, harnessOptions{emulator: emulator.Config{DenyUsers: []string{organizer}}})
	h.create(h.meeting("kstatus-forbidden"))
	h.waitStalled("kstatus-forbidden", teamsv1alpha1.ReasonForbidden)
	res := kstatusOf(g, h.get(g, "kstatus-forbidden"))
	g.Expect(res.Status).To(Equal(status.FailedStatus))
	g.Expect(res.Message).To(ContainSubstring("No application access policy"))
}

func TestKstatusSeesAThrottledMeetingAsInProgress(t *testing.T) {
	g := NewWithT(t)
	// A bucket of one token that refills after about 17 minutes: a
	// request of the test's own spends it, so the operator's is throttled.
	h := newHarness(t, harnessOptions{emulator: emulator.Config{Faults: emulator.Faults{RateLimit: 0.001, RateBurst: 1}}})
	_, _, err := h.graph.CreateOrGet(context.Background(), organizer, &graph.MeetingRequest{ExternalID: "spends-the-token"})
	g.Expect(err).NotTo(HaveOccurred())
	h.create(h.meeting("kstatus-throttled"))
	g.Eventually(func(g Gomega) {
		m := h.get(g, "kstatus-throttled")
		_, reason, _ := condition(m, teamsv1alpha1.ConditionReconciling)
		g.Expect(reason).To(Equal(string(teamsv1alpha1.ReasonThrottled)))
		g.Expect(kstatusOf(g, m).Status).To(Equal(status.InProgressStatus))
	}).WithTimeout(30 * time.Second).Should(Succeed())
}
