package controllers_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/controllers"
)

// shard is the Scope of an instance started with
// --watch-label-selector='sharding.fluxcd.io/key in (name)'.
func shard(t testing.TB, name string) controllers.Scope {
	t.Helper()
	sel, err := labels.Parse(controllers.ShardLabel + " in (" + name + ")")
	if err != nil {
		t.Fatal(err)
	}
	return controllers.Scope{Selector: sel}
}

// onShard labels a meeting for a shard.
func onShard(name string) func(*teamsv1alpha1.OnlineMeeting) {
	return func(m *teamsv1alpha1.OnlineMeeting) {
		m.Labels = map[string]string{controllers.ShardLabel: name}
	}
}

// otherInstance starts a second operator on h's namespaces, emulator and
// connections, as a second Deployment of the chart does: its own scope,
// and no connection reconciler (h's instance checks the connections).
func (h *harness) otherInstance(scope controllers.Scope) *harness {
	h.t.Helper()
	o := &harness{t: h.t, g: h.g, ns: h.ns, emu: h.emu, graph: h.graph, opts: h.opts, resolver: h.resolver}
	o.opts.scope, o.opts.noConnectionReconciler = scope, true
	o.startManager()
	h.t.Cleanup(o.stopManager)
	return o
}

// untouched holds while no instance has reconciled the meeting: no
// finalizer (nothing was sent to Graph) and no status.
func (h *harness) untouched(ns string, names ...string) func(g Gomega) {
	return func(g Gomega) {
		for _, name := range names {
			m := h.getIn(g, ns, name)
			g.Expect(m.Finalizers).To(BeEmpty(), "%s has a finalizer", name)
			g.Expect(m.Status.Conditions).To(BeEmpty(), "%s has a status", name)
		}
	}
}

// patchLabels changes a resource's labels alone: its generation stays.
func patchLabels(t testing.TB, obj client.Object, key client.ObjectKey, mutate func(map[string]string)) {
	t.Helper()
	if err := env.Client.Get(context.Background(), key, obj); err != nil {
		t.Fatal(err)
	}
	base := obj.DeepCopyObject().(client.Object)
	l := obj.GetLabels()
	if l == nil {
		l = map[string]string{}
	}
	mutate(l)
	obj.SetLabels(l)
	if err := env.Client.Patch(context.Background(), obj, client.MergeFrom(base)); err != nil {
		t.Fatal(err)
	}
}

func TestShardReconcilesItsMeetingsAndLeavesTheOthersAlone(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, harnessOptions{scope: shard(t, "shard1")})
	h.create(h.meeting("unlabelled"))
	h.create(h.meeting("elsewhere", onShard("shard2"), func(m *teamsv1alpha1.OnlineMeeting) {
		m.Spec.JoinInfoSecret = &teamsv1alpha1.JoinInfoSecretReference{Name: "elsewhere-join"}
	}))
	h.create(h.meeting("ours", onShard("shard1")))

	ours := h.waitReady("ours", teamsv1alpha1.ReasonCreated)
	// Other watches than the meeting's own wake meetings by name, such as
	// the deletion of a Secret one names: the reconciler itself turns
	// away another shard's.
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: h.ns, Name: "elsewhere-join"}}
	g.Expect(env.Client.Create(context.Background(), secret)).To(Succeed())
	g.Expect(env.Client.Delete(context.Background(), secret)).To(Succeed())
	g.Consistently(h.untouched(h.ns, "unlabelled", "elsewhere")).WithTimeout(2 * time.Second).Should(Succeed())
	g.Expect(h.calls("createOrGet")).To(Equal(1), "only the shard's meeting reached Graph")

	// A label moved to this shard changes no generation; the meeting is
	// still picked up at once.
	patchLabels(t, &teamsv1alpha1.OnlineMeeting{}, keyOf(h.ns, "unlabelled"), func(l map[string]string) { l[controllers.ShardLabel] = "shard1" })
	h.waitReady("unlabelled", teamsv1alpha1.ReasonCreated)

	// A meeting moved to another shard is that shard's: a spec change made
	// with the move is not this instance's to send.
	h.patchSpec("ours", func(m *teamsv1alpha1.OnlineMeeting) {
		m.Labels[controllers.ShardLabel] = "shard2"
		m.Spec.Subject = "Renamed on the way out"
	})
	g.Consistently(func(g Gomega) {
		m := h.get(g, "ours")
		g.Expect(m.Status.ObservedGeneration).To(Equal(ours.Generation))
	}).WithTimeout(2 * time.Second).Should(Succeed())
	g.Expect(h.calls("update")).To(BeZero())
	g.Expect(h.calls("createOrGet")).To(Equal(2))
}

// TestClaimHeldOnAnotherShardStillRefusesTheCopy: every instance reads
// every OnlineMeeting when it decides who holds a meeting, so a namespace
// cannot take over another's meeting by labelling its copy for a shard
// other than the holder's; and when the holder goes, on its shard, the
// copy's shard hears of it.
func TestClaimHeldOnAnotherShardStillRefusesTheCopy(t *testing.T) {
	g := NewWithT(t)
	nsB := env.Namespace(t)
	h := newHarness(t, harnessOptions{namespaces: []string{nsB}, scope: shard(t, "shard1")})
	h.otherInstance(shard(t, "shard2"))

	h.create(h.meeting("holder", onShard("shard2")))
	holder := h.waitReady("holder", teamsv1alpha1.ReasonCreated)
	g.Eventually(func() bool { return time.Now().After(holder.CreationTimestamp.Add(time.Second)) }).Should(BeTrue())

	h.create(h.meeting("copy", inNamespace(nsB), onShard("shard1"), func(m *teamsv1alpha1.OnlineMeeting) {
		m.Spec.ExternalID = "ext-holder"
		m.Spec.Participants.Attendees = []teamsv1alpha1.MeetingParticipantInfo{{UPN: "mallory@contoso.com"}}
	}))
	msg := h.waitReason(nsB, "copy", teamsv1alpha1.ReasonExternalIDConflict)
	g.Expect(msg).To(ContainSubstring(h.ns + "/holder"))
	g.Expect(h.calls("createOrGet")).To(Equal(1))
	g.Expect(h.calls("update")).To(BeZero())
	g.Expect(h.emu.Meetings()).To(HaveExactElements(HaveField("ID", holder.Status.MeetingID)))

	// The holder's shard deletes it; the copy's shard takes over without
	// waiting for its 10-minute retry.
	h.delete(h.ns, "holder")
	h.waitGone(h.ns, "holder")
	taken := h.waitReadyIn(nsB, "copy")
	g.Expect(taken.Status.MeetingID).NotTo(Equal(holder.Status.MeetingID))
}

func TestWatchNamespacesLimitsReconcilesToThem(t *testing.T) {
	g := NewWithT(t)
	watched := env.Namespace(t)
	h := newHarness(t, harnessOptions{namespaces: []string{watched}, scope: controllers.Scope{Namespaces: []string{watched}}})
	h.create(h.meeting("outside"))
	h.create(h.meeting("inside", inNamespace(watched)))

	h.waitReadyIn(watched, "inside")
	g.Consistently(h.untouched(h.ns, "outside")).WithTimeout(2 * time.Second).Should(Succeed())
	g.Expect(h.calls("createOrGet")).To(Equal(1))
}

// TestScheduleOccurrencesLandOnTheSchedulesShard: a schedule's meetings
// carry its shard label, so the shard that makes them reconciles them, and
// they follow it to another shard.
func TestScheduleOccurrencesLandOnTheSchedulesShard(t *testing.T) {
	g := NewWithT(t)
	clock := newScheduleClock()
	h := newHarness(t, harnessOptions{now: clock.now, scope: shard(t, "shard1")})
	h.otherInstance(shard(t, "shard2"))
	other := h.weeklySync("elsewhere")
	g.Expect(env.Client.Create(context.Background(), other)).To(Succeed())
	s := h.weeklySync("sync")
	s.Labels = map[string]string{controllers.ShardLabel: "shard1"}
	g.Expect(env.Client.Create(context.Background(), s)).To(Succeed())

	h.waitScheduleReady("sync")
	children := h.children(g, "sync")
	g.Expect(children).To(HaveLen(3))
	for _, m := range children {
		g.Expect(m.Labels).To(HaveKeyWithValue(controllers.ShardLabel, "shard1"))
	}
	g.Consistently(func(g Gomega) {
		g.Expect(h.children(g, "elsewhere")).To(BeEmpty())
		g.Expect(env.Client.Get(context.Background(), keyOf(h.ns, "elsewhere"), other)).To(Succeed())
		g.Expect(other.Status.Conditions).To(BeEmpty())
	}).WithTimeout(time.Second).Should(Succeed())

	// Moved to shard2, the schedule takes its meetings along, and shard2
	// keeps them: a changed template reaches Teams through shard2.
	patchLabels(t, &teamsv1alpha1.MeetingSchedule{}, keyOf(h.ns, "sync"), func(l map[string]string) { l[controllers.ShardLabel] = "shard2" })
	g.Eventually(func(g Gomega) {
		for _, m := range h.children(g, "sync") {
			g.Expect(m.Labels).To(HaveKeyWithValue(controllers.ShardLabel, "shard2"))
		}
	}).WithTimeout(30 * time.Second).Should(Succeed())
	s = &teamsv1alpha1.MeetingSchedule{}
	g.Expect(env.Client.Get(context.Background(), keyOf(h.ns, "sync"), s)).To(Succeed())
	base := s.DeepCopy()
	s.Spec.MeetingTemplate.Subject = "Weekly sync, moved"
	g.Expect(env.Client.Patch(context.Background(), s, client.MergeFrom(base))).To(Succeed())
	g.Eventually(func(g Gomega) {
		g.Expect(h.emu.Meetings()).To(HaveEach(HaveField("Subject", "Weekly sync, moved")))
		for _, m := range h.children(g, "sync") {
			g.Expect(m.Status.Conditions).To(ContainElement(And(HaveField("Type", teamsv1alpha1.ConditionReady),
				HaveField("Status", metav1.ConditionTrue), HaveField("ObservedGeneration", m.Generation))))
		}
	}).WithTimeout(30 * time.Second).Should(Succeed())
}
