package controllers_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/controllers"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/emulator"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/graph"
)

// A second tenant of the emulator, with an app of its own.
const (
	tenantB       = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"
	tenantBClient = "99999999-8888-4777-8666-555555555555"
	tenantBSecret = "tenant-b-secret-7d1e2f"
	// wrongSecret is a secret no tenant accepts.
	wrongSecret = "wrong-secret-5a6b7c"
	// otherOrganizer is an organizer no test connection allows by name.
	otherOrganizer = "0b7c6a42-5a1e-4c5f-9f3e-8d1c2b3a4f5e"
)

// tenantBApp is tenant B in the emulator.
var tenantBApp = emulator.Tenant{TenantID: tenantB, ClientID: tenantBClient, ClientSecret: tenantBSecret}

// tenantBConnection points a GraphConnection at tenant B, with its secret
// in Secret graph-app-b.
func tenantBConnection(c *teamsv1alpha1.GraphConnection) {
	c.Spec.TenantID, c.Spec.ClientID = tenantB, tenantBClient
	c.Spec.Credential.ClientSecret.SecretRef.Name = "graph-app-b"
}

func useConnection(kind, name string) func(*teamsv1alpha1.OnlineMeeting) {
	return func(m *teamsv1alpha1.OnlineMeeting) {
		m.Spec.ConnectionRef = &teamsv1alpha1.ConnectionReference{Kind: kind, Name: name}
	}
}

func inNamespace(ns string) func(*teamsv1alpha1.OnlineMeeting) {
	return func(m *teamsv1alpha1.OnlineMeeting) { m.Namespace = ns }
}

// graphCalls counts every Graph request the emulator answered.
func (h *harness) graphCalls() int {
	n := 0
	for _, op := range []string{"createOrGet", "get", "update", "delete", "list"} {
		n += h.calls(op)
	}
	return n
}

func keyOf(ns, name string) client.ObjectKey { return client.ObjectKey{Namespace: ns, Name: name} }

func (h *harness) getIn(g Gomega, ns, name string) *teamsv1alpha1.OnlineMeeting {
	m := &teamsv1alpha1.OnlineMeeting{}
	g.Expect(env.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, m)).To(Succeed())
	return m
}

// waitReason waits until the named resource's Ready condition is False
// with reason, for its current generation, and returns its message.
func (h *harness) waitReason(ns, name string, reason teamsv1alpha1.ConditionReason) string {
	h.t.Helper()
	var message string
	h.g.Eventually(func(g Gomega) {
		m := h.getIn(g, ns, name)
		status, got, msg := condition(m, teamsv1alpha1.ConditionReady)
		g.Expect(status).To(Equal(metav1.ConditionFalse))
		g.Expect(got).To(Equal(string(reason)), msg)
		g.Expect(m.Status.ObservedGeneration).To(Equal(m.Generation))
		message = msg
	}).WithTimeout(30 * time.Second).Should(Succeed())
	return message
}

func (h *harness) waitReadyIn(ns, name string) *teamsv1alpha1.OnlineMeeting {
	h.t.Helper()
	var m *teamsv1alpha1.OnlineMeeting
	h.g.Eventually(func(g Gomega) {
		m = h.getIn(g, ns, name)
		status, reason, msg := condition(m, teamsv1alpha1.ConditionReady)
		g.Expect(status).To(Equal(metav1.ConditionTrue), "%s: %s", reason, msg)
		g.Expect(m.Status.ObservedGeneration).To(Equal(m.Generation))
	}).WithTimeout(30 * time.Second).Should(Succeed())
	return m
}

func (h *harness) waitGone(ns, name string) {
	h.t.Helper()
	h.g.Eventually(func() bool {
		err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, &teamsv1alpha1.OnlineMeeting{})
		return client.IgnoreNotFound(err) == nil && err != nil
	}).WithTimeout(30 * time.Second).Should(BeTrue())
}

// patchSpec changes a meeting's spec with a merge patch, which the
// operator's own writes (finalizer, status) cannot make conflict.
func (h *harness) patchSpec(name string, mutate func(*teamsv1alpha1.OnlineMeeting)) {
	h.t.Helper()
	m := &teamsv1alpha1.OnlineMeeting{}
	if err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: h.ns, Name: name}, m); err != nil {
		h.t.Fatal(err)
	}
	base := m.DeepCopy()
	mutate(m)
	if err := env.Client.Patch(context.Background(), m, client.MergeFrom(base)); err != nil {
		h.t.Fatalf("patching %s: %v", name, err)
	}
}

func (h *harness) delete(ns, name string) {
	h.t.Helper()
	m := &teamsv1alpha1.OnlineMeeting{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	if err := env.Client.Delete(context.Background(), m); err != nil {
		h.t.Fatalf("deleting %s/%s: %v", ns, name, err)
	}
}

func TestTwoNamespacesWithTheirOwnConnectionsLandInTheirOwnTenants(t *testing.T) {
	g := NewWithT(t)
	nsB := env.Namespace(t)
	h := newHarness(t, harnessOptions{emulator: emulator.Config{Tenants: []emulator.Tenant{tenantBApp}},
		namespaces: []string{nsB}, noDefaultConnection: true})
	h.createSecret(h.ns, "graph-app", testClientSecret)
	h.createSecret(nsB, "graph-app-b", tenantBSecret)
	h.createConnection(h.ns, "graph")
	h.createConnection(nsB, "graph", tenantBConnection)

	// The same organizer and externalId in both: two tenants, two meetings.
	h.create(h.meeting("sync", useConnection(teamsv1alpha1.KindGraphConnection, "graph")))
	h.create(h.meeting("sync", useConnection(teamsv1alpha1.KindGraphConnection, "graph"), inNamespace(nsB)))
	a := h.waitReadyIn(h.ns, "sync")
	b := h.waitReadyIn(nsB, "sync")

	g.Expect(h.emu.TenantMeetings(testTenantID)).To(HaveExactElements(HaveField("ID", a.Status.MeetingID)))
	g.Expect(h.emu.TenantMeetings(tenantB)).To(HaveExactElements(HaveField("ID", b.Status.MeetingID)))
	g.Expect(a.Status.MeetingID).NotTo(Equal(b.Status.MeetingID))
	stats := h.emu.Stats()
	g.Expect(stats.CountTenant(testTenantID, "createOrGet")).To(Equal(1))
	g.Expect(stats.CountTenant(tenantB, "createOrGet")).To(Equal(1))
}

func TestNamespaceOutsideTheSelectorIsRefusedWithoutAGraphCall(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, harnessOptions{noDefaultConnection: true})
	h.createSecret(h.ns, "graph-app", testClientSecret)
	h.createClusterConnection(h.ns, func(c *teamsv1alpha1.ClusterGraphConnection) {
		c.Spec.NamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"teams.meetings.dev/platform": "true"}}
	})
	h.create(h.meeting("outsider"))

	msg := h.waitReason(h.ns, "outsider", teamsv1alpha1.ReasonConnectionNotAllowed)
	g.Expect(msg).To(ContainSubstring("does not admit namespace"))
	g.Expect(msg).To(ContainSubstring("teams.meetings.dev/platform=true"))
	g.Expect(h.waitEvent("outsider", teamsv1alpha1.ReasonConnectionNotAllowed)).To(ContainSubstring(h.ns))
	g.Consistently(h.graphCalls).WithTimeout(time.Second).Should(BeZero())
	g.Expect(h.get(g, "outsider").Finalizers).To(BeEmpty(), "nothing was sent, so nothing holds the resource")

	// Deleting it makes no Graph call either.
	h.delete(h.ns, "outsider")
	h.waitGone(h.ns, "outsider")
	g.Expect(h.graphCalls()).To(BeZero())
}

func TestNamespaceLabelledIntoTheSelectorGetsItsMeetingAtOnce(t *testing.T) {
	g := NewWithT(t)
	// A Stalled meeting retries after an hour here: only the watch on the
	// namespace's labels can bring it in time.
	h := newHarness(t, harnessOptions{noDefaultConnection: true, stalledRetry: time.Hour})
	h.createSecret(h.ns, "graph-app", testClientSecret)
	const label = "teams.meetings.dev/platform"
	h.createClusterConnection(h.ns, func(c *teamsv1alpha1.ClusterGraphConnection) {
		c.Spec.NamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{label: "true"}}
	})
	h.create(h.meeting("newcomer"))
	h.waitReason(h.ns, "newcomer", teamsv1alpha1.ReasonConnectionNotAllowed)
	g.Expect(h.graphCalls()).To(BeZero())

	labelNamespace := func(value string) {
		ns := &corev1.Namespace{}
		g.Expect(env.Client.Get(context.Background(), client.ObjectKey{Name: h.ns}, ns)).To(Succeed())
		base := ns.DeepCopy()
		ns.Labels[label] = value
		g.Expect(env.Client.Patch(context.Background(), ns, client.MergeFrom(base))).To(Succeed())
	}
	labelNamespace("true")
	h.waitReady("newcomer", teamsv1alpha1.ReasonCreated)

	// Labelled out again: refused again, without a Graph call.
	labelNamespace("false")
	h.waitReason(h.ns, "newcomer", teamsv1alpha1.ReasonConnectionNotAllowed)
	g.Expect(h.calls("createOrGet")).To(Equal(1))
	g.Expect(h.calls("get") + h.calls("update") + h.calls("delete")).To(BeZero())
}

func TestDisallowedOrganizerIsRefusedWithoutAGraphCallEvenOnDelete(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, harnessOptions{noDefaultConnection: true})
	h.createSecret(h.ns, "graph-app", testClientSecret)
	h.createClusterConnection(h.ns, func(c *teamsv1alpha1.ClusterGraphConnection) {
		c.Spec.Organizers = teamsv1alpha1.OrganizerPolicy{Allowed: []string{organizer}}
	})
	h.create(h.meeting("allowed"))
	h.create(h.meeting("ceo", func(m *teamsv1alpha1.OnlineMeeting) { m.Spec.Organizer.UserID = otherOrganizer }))

	h.waitReady("allowed", teamsv1alpha1.ReasonCreated)
	msg := h.waitReason(h.ns, "ceo", teamsv1alpha1.ReasonOrganizerNotAllowed)
	g.Expect(msg).To(ContainSubstring(otherOrganizer))
	g.Expect(msg).To(ContainSubstring("spec.organizers.allowed"))
	g.Expect(h.calls("createOrGet")).To(Equal(1), "only the allowed organizer's meeting reached Graph")

	h.delete(h.ns, "ceo")
	h.waitGone(h.ns, "ceo")
	g.Expect(h.calls("createOrGet")).To(Equal(1), "deleting the refused meeting must not create one as its organizer")
	for _, m := range h.emu.Meetings() {
		g.Expect(m.OrganizerID).NotTo(Equal(otherOrganizer))
	}
}

func TestMissingConnectionIsReportedAndItsCreationBringsTheMeeting(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, harnessOptions{})
	h.create(h.meeting("waits", useConnection(teamsv1alpha1.KindGraphConnection, "later")))
	msg := h.waitReason(h.ns, "waits", teamsv1alpha1.ReasonConnectionNotFound)
	g.Expect(msg).To(ContainSubstring("GraphConnection/" + h.ns + "/later does not exist"))
	g.Expect(h.graphCalls()).To(BeZero())

	// The retry period is 10 minutes: only the watch can bring it now.
	h.createConnection(h.ns, "later")
	h.waitReady("waits", teamsv1alpha1.ReasonCreated)
}

func TestSecondClaimantOfAnExternalIDIsRefusedAndTakesOverWhenTheHolderGoes(t *testing.T) {
	g := NewWithT(t)
	nsB := env.Namespace(t)
	h := newHarness(t, harnessOptions{namespaces: []string{nsB}})
	h.create(h.meeting("holder"))
	holder := h.waitReady("holder", teamsv1alpha1.ReasonCreated)
	// creationTimestamp has whole seconds, and within one second the
	// namespace/name decides: let the copy be younger by the clock.
	g.Eventually(func() bool { return time.Now().After(holder.CreationTimestamp.Add(time.Second)) }).Should(BeTrue())

	// Another namespace copies the manifest and names other attendees.
	intruder := func(m *teamsv1alpha1.OnlineMeeting) {
		m.Namespace = nsB
		m.Spec.ExternalID = "ext-holder"
		m.Spec.Participants.Attendees = []teamsv1alpha1.MeetingParticipantInfo{{UPN: "mallory@contoso.com"}, {UPN: "eve@contoso.com"}}
	}
	h.create(h.meeting("copy", intruder))
	msg := h.waitReason(nsB, "copy", teamsv1alpha1.ReasonExternalIDConflict)
	g.Expect(msg).To(ContainSubstring(h.ns + "/holder"))
	g.Expect(h.getIn(g, nsB, "copy").Status.Conditions).To(ContainElement(And(
		HaveField("Type", teamsv1alpha1.ConditionStalled), HaveField("Status", metav1.ConditionTrue))))
	g.Expect(h.calls("createOrGet")).To(Equal(1))
	g.Expect(h.calls("update")).To(BeZero())
	g.Expect(h.emu.Meetings()).To(HaveExactElements(And(HaveField("ID", holder.Status.MeetingID), HaveField("Attendees", 1))))

	// Deleting the copy leaves the holder's meeting alone.
	h.delete(nsB, "copy")
	h.waitGone(nsB, "copy")
	g.Expect(h.calls("delete")).To(BeZero())
	g.Expect(h.emu.Meetings()).To(HaveLen(1))

	// When the holder goes, the next claimant takes over.
	h.create(h.meeting("copy", intruder))
	h.waitReason(nsB, "copy", teamsv1alpha1.ReasonExternalIDConflict)
	h.delete(h.ns, "holder")
	h.waitGone(h.ns, "holder")
	taken := h.waitReadyIn(nsB, "copy")
	g.Expect(taken.Status.MeetingID).NotTo(Equal(holder.Status.MeetingID), "the holder deleted its meeting; the next one is new")
	g.Expect(h.emu.Meetings()).To(HaveExactElements(And(HaveField("ID", taken.Status.MeetingID), HaveField("Attendees", 2))))
}

func TestForgedStatusMeetingIDNeverCausesAPatchOrDeleteOfThatMeeting(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, harnessOptions{})
	h.create(h.meeting("victim"))
	h.create(h.meeting("attacker"))
	victim := h.waitReady("victim", teamsv1alpha1.ReasonCreated)
	h.waitReady("attacker", teamsv1alpha1.ReasonCreated)
	ctx := context.Background()

	forge := func() {
		a := h.get(g, "attacker")
		base := a.DeepCopy()
		a.Status.MeetingID = victim.Status.MeetingID
		g.Expect(env.Client.Status().Patch(ctx, a, client.MergeFrom(base))).To(Succeed())
	}
	// Point the attacker's status at the victim's meeting, then change its
	// spec so the operator wants to PATCH.
	forge()
	h.patchSpec("attacker", func(m *teamsv1alpha1.OnlineMeeting) { m.Spec.Subject = "Taken over" })
	g.Expect(h.waitEvent("attacker", teamsv1alpha1.ReasonMeetingMismatch)).To(ContainSubstring(victim.Status.MeetingID))
	// The change went to the attacker's own meeting, found by its externalId.
	own := h.waitReadyIn(h.ns, "attacker")
	g.Eventually(func() string {
		got, _ := h.graph.Get(ctx, organizer, own.Status.MeetingID)
		return got.Subject
	}).WithTimeout(30 * time.Second).Should(Equal("Taken over"))

	got, err := h.graph.Get(ctx, organizer, victim.Status.MeetingID)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(got.Subject).To(Equal("Subject of victim"), "the victim's meeting was patched")
	g.Expect(h.get(g, "attacker").Status.MeetingID).NotTo(Equal(victim.Status.MeetingID))

	// Forged again right before deletion: the attacker's own meeting goes,
	// the victim's stays.
	forge()
	h.delete(h.ns, "attacker")
	h.waitGone(h.ns, "attacker")
	g.Expect(h.emu.Meetings()).To(HaveExactElements(HaveField("ID", victim.Status.MeetingID)))
}

func TestRotatedSecretTakesEffectWithoutARestart(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, harnessOptions{noDefaultConnection: true})
	h.createSecret(h.ns, "graph-app", wrongSecret)
	h.createClusterConnection(h.ns)
	h.create(h.meeting("rotated"))

	var conn teamsv1alpha1.ClusterGraphConnection
	g.Eventually(func(g Gomega) {
		g.Expect(env.Client.Get(context.Background(), client.ObjectKey{Name: h.ns}, &conn)).To(Succeed())
		g.Expect(conn.Status.Conditions).To(ContainElement(And(
			HaveField("Type", teamsv1alpha1.ConditionReady), HaveField("Status", metav1.ConditionFalse),
			HaveField("Reason", string(teamsv1alpha1.ReasonAuthenticationFailed)),
			HaveField("Message", ContainSubstring("Invalid client secret")))))
	}).WithTimeout(30 * time.Second).Should(Succeed())
	h.waitReason(h.ns, "rotated", teamsv1alpha1.ReasonConnectionNotReady)
	g.Expect(h.graphCalls()).To(BeZero())

	// Rotate the Secret to the right value.
	s := &corev1.Secret{}
	g.Expect(env.Client.Get(context.Background(), client.ObjectKey{Namespace: h.ns, Name: "graph-app"}, s)).To(Succeed())
	s.Data = map[string][]byte{"clientSecret": []byte(testClientSecret)}
	g.Expect(env.Client.Update(context.Background(), s)).To(Succeed())
	h.waitReady("rotated", teamsv1alpha1.ReasonCreated)
}

func TestThrottlingInOneTenantDoesNotHoldAnother(t *testing.T) {
	g := NewWithT(t)
	nsB := env.Namespace(t)
	// Tenant A gets one request per 1,000 seconds; tenant B has a limit
	// of its own that it never reaches.
	unthrottledB := tenantBApp
	unthrottledB.RateLimit, unthrottledB.RateBurst = 1000, 1000
	h := newHarness(t, harnessOptions{namespaces: []string{nsB}, emulator: emulator.Config{
		Tenants: []emulator.Tenant{unthrottledB}, Faults: emulator.Faults{RateLimit: 0.001, RateBurst: 1}}})
	// Spend tenant A's only token, so the operator's request is throttled.
	_, _, err := h.graph.CreateOrGet(context.Background(), organizer, &graph.MeetingRequest{ExternalID: "spends-the-token"})
	g.Expect(err).NotTo(HaveOccurred())

	h.createSecret(nsB, "graph-app-b", tenantBSecret)
	h.createConnection(nsB, "graph", tenantBConnection)
	h.create(h.meeting("in-a"))
	g.Eventually(func(g Gomega) {
		_, reason, _ := condition(h.get(g, "in-a"), teamsv1alpha1.ConditionReconciling)
		g.Expect(reason).To(Equal(string(teamsv1alpha1.ReasonThrottled)))
	}).WithTimeout(30 * time.Second).Should(Succeed())

	h.create(h.meeting("in-b", useConnection(teamsv1alpha1.KindGraphConnection, "graph"), inNamespace(nsB)))
	h.waitReadyIn(nsB, "in-b")
	_, reason, _ := condition(h.get(g, "in-a"), teamsv1alpha1.ConditionReconciling)
	g.Expect(reason).To(Equal(string(teamsv1alpha1.ReasonThrottled)), "tenant A is still held")
	g.Expect(h.emu.Stats().CountTenant(tenantB, "createOrGet")).To(Equal(1))
}

func TestABusyNamespaceDoesNotStarveAnother(t *testing.T) {
	g := NewWithT(t)
	nsB := env.Namespace(t)
	const n = 200
	// 10 requests per second: A's meetings take 20 s in all.
	h := newHarness(t, harnessOptions{namespaces: []string{nsB}, qps: 10})
	h.createMany(n)
	h.create(h.meeting("neighbour", inNamespace(nsB)))
	h.waitReadyIn(nsB, "neighbour")
	readyInA := h.readyCount(g)
	t.Logf("when the neighbour was Ready, %d of %d meetings of the busy namespace were", readyInA, n)
	g.Expect(readyInA).To(BeNumerically("<", n/2), "the neighbour waited behind the busy namespace")
	h.waitAllReady(n)
}

func TestDeleteOfAResourceGraphRefusedOutrightMakesNoGraphCall(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, harnessOptions{emulator: emulator.Config{DenyUsers: []string{organizer}}})
	h.create(h.meeting("refused"))
	h.waitStalled("refused", teamsv1alpha1.ReasonForbidden)
	// Graph's 403 created nothing, and the operator knows it: the
	// finalizer written before the createOrGet is gone again.
	g.Eventually(func(g Gomega) { g.Expect(h.get(g, "refused").Finalizers).To(BeEmpty()) }).
		WithTimeout(30 * time.Second).Should(Succeed())

	h.delete(h.ns, "refused")
	h.waitGone(h.ns, "refused")
	g.Expect(h.calls("createOrGet")).To(Equal(1), "deleting must not look up (and so create) a meeting Graph refused")
}

func TestConnectionIsHeldUntilItsMeetingsAreDeletedInTeams(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, harnessOptions{})
	h.createConnection(h.ns, "graph")
	h.create(h.meeting("uses-it", useConnection(teamsv1alpha1.KindGraphConnection, "graph")))
	h.waitReady("uses-it", teamsv1alpha1.ReasonCreated)

	// Deleting the connection first (as a namespace deletion may) must not
	// strand the meeting: the connection waits for it.
	conn := &teamsv1alpha1.GraphConnection{}
	g.Expect(env.Client.Get(context.Background(), keyOf(h.ns, "graph"), conn)).To(Succeed())
	g.Expect(conn.Finalizers).To(ContainElement(controllers.ConnectionFinalizer))
	g.Expect(env.Client.Delete(context.Background(), conn)).To(Succeed())
	g.Consistently(func() error {
		return env.Client.Get(context.Background(), keyOf(h.ns, "graph"), &teamsv1alpha1.GraphConnection{})
	}).WithTimeout(time.Second).Should(Succeed())

	// The namespace's deletion takes the Secret too, at once.
	g.Expect(env.Client.Delete(context.Background(), &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: h.ns, Name: "graph-app"}})).To(Succeed())

	h.delete(h.ns, "uses-it")
	h.waitGone(h.ns, "uses-it")
	g.Expect(h.calls("delete")).To(Equal(1), "the meeting was deleted in Teams through the deleting connection")
	g.Expect(h.emu.Meetings()).To(BeEmpty())
	g.Eventually(func() bool {
		err := env.Client.Get(context.Background(), keyOf(h.ns, "graph"), &teamsv1alpha1.GraphConnection{})
		return client.IgnoreNotFound(err) == nil && err != nil
	}).WithTimeout(30*time.Second).Should(BeTrue(), "the connection is released once nothing uses it")
}
