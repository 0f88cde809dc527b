package controllers_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
)

// joinInfoKeys are the keys spec.joinInfoSecret promises, no more.
var joinInfoKeys = []string{"joinWebUrl", "joinMeetingId", "passcode", "conferenceId", "tollNumber", "tollFreeNumber", "dialinUrl", "meetingId"}

func withJoinInfoSecret(name string) func(*teamsv1alpha1.OnlineMeeting) {
	return func(m *teamsv1alpha1.OnlineMeeting) {
		m.Spec.JoinInfoSecret = &teamsv1alpha1.JoinInfoSecretReference{Name: name}
	}
}

// getSecret reads a Secret of the test's namespace.
func (h *harness) getSecret(g Gomega, name string) *corev1.Secret {
	s := &corev1.Secret{}
	g.Expect(env.Client.Get(context.Background(), client.ObjectKey{Namespace: h.ns, Name: name}, s)).To(Succeed())
	return s
}

// wantJoinInfo is the join Secret's data as Graph holds the meeting now.
func (h *harness) wantJoinInfo(g Gomega, meetingID string) map[string]string {
	mt, err := h.graph.Get(context.Background(), organizer, meetingID)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(mt.JoinMeetingIDSettings).NotTo(BeNil())
	g.Expect(mt.AudioConferencing).NotTo(BeNil())
	return map[string]string{
		"joinWebUrl": mt.JoinWebURL, "joinMeetingId": mt.JoinMeetingIDSettings.JoinMeetingID,
		"passcode": mt.JoinMeetingIDSettings.Passcode, "conferenceId": mt.AudioConferencing.ConferenceID,
		"tollNumber": mt.AudioConferencing.TollNumber, "tollFreeNumber": mt.AudioConferencing.TollFreeNumber,
		"dialinUrl": mt.AudioConferencing.DialinURL, "meetingId": mt.ID,
	}
}

// waitJoinInfo waits until the Secret holds the join details Graph has for
// the meeting's status.meetingId, and returns the Secret.
func (h *harness) waitJoinInfo(meeting, secret string) *corev1.Secret {
	h.t.Helper()
	var s *corev1.Secret
	h.g.Eventually(func(g Gomega) {
		m := h.get(g, meeting)
		g.Expect(m.Status.MeetingID).NotTo(BeEmpty())
		want := h.wantJoinInfo(g, m.Status.MeetingID)
		s = h.getSecret(g, secret)
		got := map[string]string{}
		for k, v := range s.Data {
			got[k] = string(v)
		}
		g.Expect(got).To(Equal(want))
	}).WithTimeout(30 * time.Second).Should(Succeed())
	return s
}

// expectPasscodeOnlyInSecret checks that the passcode is in none of what
// the operator wrote besides the Secret: the meeting's status, any Event
// of the namespace, the log. (checkNoSecretLeaked cannot: it knows the
// credentials only, and passcodes are made by the emulator.)
func (h *harness) expectPasscodeOnlyInSecret(g Gomega, meeting, passcode string) {
	g.Expect(passcode).NotTo(BeEmpty())
	status, err := json.Marshal(h.get(g, meeting).Status)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(string(status)).NotTo(ContainSubstring(passcode), "the passcode is in the meeting's status")
	for _, list := range []client.ObjectList{&eventsv1.EventList{}, &corev1.EventList{}} {
		g.Expect(env.Client.List(context.Background(), list, client.InNamespace(h.ns))).To(Succeed())
		events, err := json.Marshal(list)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(string(events)).NotTo(ContainSubstring(passcode), "the passcode is in an Event")
	}
	g.Expect(suiteLog.String()).NotTo(ContainSubstring(passcode), "the passcode is in the operator's log")
}

func TestJoinInfoSecretHoldsTheJoinDetailsAndIsOwnedByTheMeeting(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, harnessOptions{})
	h.create(h.meeting("join-info", withJoinInfoSecret("join-info-secret")))
	m := h.waitReady("join-info", teamsv1alpha1.ReasonCreated)

	s := h.waitJoinInfo("join-info", "join-info-secret")
	g.Expect(s.Data).To(HaveLen(len(joinInfoKeys)))
	for _, k := range joinInfoKeys {
		g.Expect(s.Data).To(HaveKey(k))
	}
	g.Expect(s.Type).To(Equal(corev1.SecretTypeOpaque))
	g.Expect(s.Labels).To(HaveKeyWithValue("teams.meetings.dev/join-info-of", "join-info"))
	// Deleting the Secret with its meeting is the garbage collector's work,
	// which envtest does not run: the controller owner reference that
	// drives it is what can be checked here.
	ref := metav1.GetControllerOf(s)
	g.Expect(ref).NotTo(BeNil(), "the Secret has no controller owner reference")
	g.Expect(*ref).To(And(
		HaveField("APIVersion", teamsv1alpha1.GroupVersion.String()), HaveField("Kind", "OnlineMeeting"),
		HaveField("Name", "join-info"), HaveField("UID", m.UID), HaveField("BlockOwnerDeletion", HaveValue(BeTrue()))))

	h.expectPasscodeOnlyInSecret(g, "join-info", string(s.Data["passcode"]))
}

func TestJoinInfoSecretFollowsAMeetingRecreatedWithNewJoinDetails(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, harnessOptions{resync: time.Second})
	h.create(h.meeting("join-recreated", withJoinInfoSecret("join-recreated")))
	first := h.waitReady("join-recreated", teamsv1alpha1.ReasonCreated)
	before := h.waitJoinInfo("join-recreated", "join-recreated")

	// The emulator cannot change a meeting's join details in place; a
	// meeting deleted in Teams and recreated by the operator has new ones.
	g.Expect(h.emu.DeleteMeeting(organizer, first.Status.MeetingID)).To(BeTrue())
	g.Eventually(func(g Gomega) {
		m := h.get(g, "join-recreated")
		g.Expect(m.Status.MeetingID).NotTo(BeEmpty())
		g.Expect(m.Status.MeetingID).NotTo(Equal(first.Status.MeetingID))
	}).WithTimeout(30 * time.Second).Should(Succeed())

	after := h.waitJoinInfo("join-recreated", "join-recreated")
	g.Expect(after.UID).To(Equal(before.UID), "the Secret was updated, not replaced")
	g.Expect(string(after.Data["joinWebUrl"])).NotTo(Equal(string(before.Data["joinWebUrl"])))
	g.Expect(string(after.Data["joinWebUrl"])).To(Equal(h.get(g, "join-recreated").Status.JoinWebURL))
	h.expectPasscodeOnlyInSecret(g, "join-recreated", string(before.Data["passcode"]))
	h.expectPasscodeOnlyInSecret(g, "join-recreated", string(after.Data["passcode"]))
}

func TestForeignSecretIsNotOverwrittenAndStallsTheMeetingUntilItIsDeleted(t *testing.T) {
	g := NewWithT(t)
	// Stalled retries are 10 minutes apart (the default): only the watch
	// on Secret deletions can bring the meeting back within the test.
	h := newHarness(t, harnessOptions{})
	foreign := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: h.ns, Name: "taken"},
		Data: map[string][]byte{"password": []byte("not the operator's")}}
	g.Expect(env.Client.Create(context.Background(), foreign)).To(Succeed())

	h.create(h.meeting("join-foreign", withJoinInfoSecret("taken")))
	msg := h.waitStalled("join-foreign", teamsv1alpha1.ReasonSecretNotOwned)
	g.Expect(msg).To(ContainSubstring("Secret " + h.ns + "/taken"))
	g.Expect(msg).To(ContainSubstring("spec.joinInfoSecret.name"))
	h.waitEvent("join-foreign", teamsv1alpha1.ReasonSecretNotOwned)

	g.Consistently(func(g Gomega) {
		s := h.getSecret(g, "taken")
		g.Expect(s.UID).To(Equal(foreign.UID))
		g.Expect(s.Data).To(Equal(foreign.Data))
		g.Expect(s.OwnerReferences).To(BeEmpty())
		g.Expect(s.Labels).To(BeEmpty())
	}).WithTimeout(2 * time.Second).Should(Succeed())

	// The person does as the message says: the Secret is deleted, and the
	// operator writes its own at once.
	g.Expect(env.Client.Delete(context.Background(), foreign)).To(Succeed())
	h.waitReadyIn(h.ns, "join-foreign")
	s := h.waitJoinInfo("join-foreign", "taken")
	g.Expect(s.UID).NotTo(Equal(foreign.UID))
	g.Expect(metav1.IsControlledBy(s, h.get(g, "join-foreign"))).To(BeTrue())
}

func TestForeignSecretIsLeftAloneWhenTheMeetingNamesAnotherOne(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, harnessOptions{})
	foreign := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: h.ns, Name: "taken"},
		Data: map[string][]byte{"password": []byte("not the operator's")}}
	g.Expect(env.Client.Create(context.Background(), foreign)).To(Succeed())
	h.create(h.meeting("join-rename", withJoinInfoSecret("taken")))
	h.waitStalled("join-rename", teamsv1alpha1.ReasonSecretNotOwned)

	h.patchSpec("join-rename", withJoinInfoSecret("join-rename"))
	h.waitReadyIn(h.ns, "join-rename")
	h.waitJoinInfo("join-rename", "join-rename")
	s := h.getSecret(g, "taken")
	g.Expect(s.Data).To(Equal(foreign.Data))
	g.Expect(s.OwnerReferences).To(BeEmpty())
}

func TestJoinInfoSecretDeletedByHandIsRebuiltBeforeTheNextResync(t *testing.T) {
	g := NewWithT(t)
	// An hour between resyncs: only the watch on Secret deletions, and the
	// check that reads Graph for a missing Secret, can rebuild it in time.
	h := newHarness(t, harnessOptions{resync: time.Hour})
	h.create(h.meeting("join-deleted", withJoinInfoSecret("join-deleted")))
	h.waitReady("join-deleted", teamsv1alpha1.ReasonCreated)
	before := h.waitJoinInfo("join-deleted", "join-deleted")

	g.Expect(env.Client.Delete(context.Background(), before)).To(Succeed())
	g.Eventually(func(g Gomega) types.UID {
		return h.getSecret(g, "join-deleted").UID
	}).WithTimeout(30 * time.Second).ShouldNot(Or(BeEmpty(), Equal(before.UID)))
	after := h.waitJoinInfo("join-deleted", "join-deleted")
	g.Expect(after.Data).To(Equal(before.Data))
	// Graph was read, and found as status says: status is left as it was.
	g.Expect(h.calls("get")).To(BeNumerically(">=", 1))
	h.waitReady("join-deleted", teamsv1alpha1.ReasonCreated)
}
