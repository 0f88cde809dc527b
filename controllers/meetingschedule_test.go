package controllers_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/controllers"
)

// scheduleClock is the operator's clock in schedule tests: it starts on
// Sunday 2026-11-29 at noon UTC, whatever the date, and moves when a test
// moves it.
type scheduleClock struct{ offset atomic.Int64 }

func newScheduleClock() *scheduleClock {
	c := &scheduleClock{}
	c.offset.Store(int64(time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC).Sub(time.Now())))
	return c
}

func (c *scheduleClock) now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *scheduleClock) advance(d time.Duration) { c.offset.Add(int64(d)) }

// weeklySync is a schedule every Tuesday at 09:00 in Berlin from
// 2026-12-01, three occurrences ahead.
func (h *harness) weeklySync(name string) *teamsv1alpha1.MeetingSchedule {
	return &teamsv1alpha1.MeetingSchedule{
		ObjectMeta: metav1.ObjectMeta{Namespace: h.ns, Name: name},
		Spec: teamsv1alpha1.MeetingScheduleSpec{
			Start: teamsv1alpha1.DateTimeTimeZone{DateTime: "2026-12-01T09:00:00", TimeZone: "Europe/Berlin"},
			End:   teamsv1alpha1.DateTimeTimeZone{DateTime: "2026-12-01T09:30:00", TimeZone: "Europe/Berlin"},
			Recurrence: teamsv1alpha1.PatternedRecurrence{
				Pattern: teamsv1alpha1.RecurrencePattern{Type: "weekly", Interval: 1, DaysOfWeek: []teamsv1alpha1.DayOfWeek{"tuesday"}},
				Range:   teamsv1alpha1.RecurrenceRange{Type: "noEnd", StartDate: "2026-12-01"},
			},
			MeetingTemplate: teamsv1alpha1.MeetingTemplate{
				Subject:   "Weekly sync",
				Organizer: teamsv1alpha1.Organizer{UserID: organizer},
			},
			Upcoming: 3,
		},
	}
}

func (h *harness) children(g Gomega, schedule string) []teamsv1alpha1.OnlineMeeting {
	var list teamsv1alpha1.OnlineMeetingList
	g.Expect(env.Client.List(context.Background(), &list, client.InNamespace(h.ns), client.MatchingLabels{controllers.ScheduleLabel: schedule})).To(Succeed())
	return list.Items
}

// liveChildren names the schedule's OnlineMeetings that are not being
// deleted.
func (h *harness) liveChildren(g Gomega, schedule string) []string {
	var names []string
	for _, m := range h.children(g, schedule) {
		if m.DeletionTimestamp.IsZero() {
			names = append(names, m.Name)
		}
	}
	return names
}

func (h *harness) waitScheduleReady(name string) *teamsv1alpha1.MeetingSchedule {
	h.t.Helper()
	s := &teamsv1alpha1.MeetingSchedule{}
	h.g.Eventually(func(g Gomega) {
		g.Expect(env.Client.Get(context.Background(), keyOf(h.ns, name), s)).To(Succeed())
		g.Expect(s.Status.Conditions).To(ContainElement(And(HaveField("Type", teamsv1alpha1.ConditionReady),
			HaveField("Status", metav1.ConditionTrue), HaveField("ObservedGeneration", s.Generation))))
	}).WithTimeout(30 * time.Second).Should(Succeed())
	return s
}

// touch makes the schedule reconcile now (a moved clock is not an event):
// a skipped date far away changes no occurrence.
func (h *harness) touch(name, skip string) {
	h.t.Helper()
	s := &teamsv1alpha1.MeetingSchedule{}
	h.g.Expect(env.Client.Get(context.Background(), keyOf(h.ns, name), s)).To(Succeed())
	base := s.DeepCopy()
	s.Spec.SkipDates = append(s.Spec.SkipDates, skip)
	h.g.Expect(env.Client.Patch(context.Background(), s, client.MergeFrom(base))).To(Succeed())
}

func TestWeeklyScheduleMakesTheUpcomingMeetingsAtTheirUTCTimes(t *testing.T) {
	g := NewWithT(t)
	clock := newScheduleClock()
	h := newHarness(t, harnessOptions{now: clock.now})
	g.Expect(env.Client.Create(context.Background(), h.weeklySync("sync"))).To(Succeed())

	s := h.waitScheduleReady("sync")
	// 09:00 in Berlin is 08:00 UTC in winter.
	g.Expect(s.Status.Occurrences).To(HaveExactElements(
		And(HaveField("Name", "sync-20261201"), HaveField("Start.Time", BeTemporally("==", time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC))), HaveField("Ready", true), HaveField("JoinWebURL", Not(BeEmpty()))),
		And(HaveField("Name", "sync-20261208"), HaveField("Start.Time", BeTemporally("==", time.Date(2026, 12, 8, 8, 0, 0, 0, time.UTC)))),
		And(HaveField("Name", "sync-20261215"), HaveField("End.Time", BeTemporally("==", time.Date(2026, 12, 15, 8, 30, 0, 0, time.UTC)))),
	))
	g.Expect(s.Status.NextJoinWebURL).To(Equal(s.Status.Occurrences[0].JoinWebURL))
	g.Expect(h.emu.Meetings()).To(HaveLen(3))
	for _, m := range h.children(g, "sync") {
		g.Expect(m.Spec.ExternalID).To(HavePrefix(string(s.UID) + "-202612"))
		g.Expect(metav1.IsControlledBy(&m, s)).To(BeTrue())
	}

	// A restart makes no Graph call.
	h.stopManager()
	h.emu.ResetStats()
	h.startManager()
	g.Consistently(h.graphCalls).WithTimeout(2 * time.Second).Should(BeZero())
}

func TestDeletedOccurrenceComesBackWithTheSameExternalIDAndNoDuplicate(t *testing.T) {
	g := NewWithT(t)
	clock := newScheduleClock()
	h := newHarness(t, harnessOptions{now: clock.now})
	g.Expect(env.Client.Create(context.Background(), h.weeklySync("sync"))).To(Succeed())
	h.waitScheduleReady("sync")
	first := h.get(g, "sync-20261208")

	h.delete(h.ns, "sync-20261208")
	g.Eventually(func(g Gomega) {
		m := h.get(g, "sync-20261208")
		g.Expect(m.UID).NotTo(Equal(first.UID))
		g.Expect(m.Spec.ExternalID).To(Equal(first.Spec.ExternalID))
	}).WithTimeout(30 * time.Second).Should(Succeed())
	h.waitScheduleReady("sync")
	g.Expect(h.emu.Meetings()).To(HaveLen(3), "one meeting per occurrence in Graph")
}

func TestTimeMovesTheWindowAndTemplateChangesReachUpcomingOccurrencesOnly(t *testing.T) {
	g := NewWithT(t)
	clock := newScheduleClock()
	h := newHarness(t, harnessOptions{now: clock.now})
	g.Expect(env.Client.Create(context.Background(), h.weeklySync("sync"))).To(Succeed())
	h.waitScheduleReady("sync")

	// Sixteen days on (Tuesday 2026-12-15, 12:00 UTC): three occurrences
	// ended; the latest is kept as history, and three new ones join.
	clock.advance(16 * 24 * time.Hour)
	h.touch("sync", "2030-01-01")
	g.Eventually(func(g Gomega) []string { return h.liveChildren(g, "sync") }).WithTimeout(30 * time.Second).Should(ConsistOf("sync-20261215", "sync-20261222", "sync-20261229", "sync-20270105"))
	h.waitScheduleReady("sync")

	// A new subject reaches the upcoming meetings, not the ended one.
	s := &teamsv1alpha1.MeetingSchedule{}
	g.Expect(env.Client.Get(context.Background(), keyOf(h.ns, "sync"), s)).To(Succeed())
	base := s.DeepCopy()
	s.Spec.MeetingTemplate.Subject = "Weekly sync (new room)"
	g.Expect(env.Client.Patch(context.Background(), s, client.MergeFrom(base))).To(Succeed())
	g.Eventually(func(g Gomega) {
		for _, name := range []string{"sync-20261222", "sync-20261229", "sync-20270105"} {
			g.Expect(h.get(g, name).Spec.Subject).To(Equal("Weekly sync (new room)"))
		}
	}).WithTimeout(30 * time.Second).Should(Succeed())
	g.Expect(h.get(g, "sync-20261215").Spec.Subject).To(Equal("Weekly sync"), "an ended occurrence was changed")
}

func TestSkipDateRemovesThatOccurrence(t *testing.T) {
	g := NewWithT(t)
	clock := newScheduleClock()
	h := newHarness(t, harnessOptions{now: clock.now})
	g.Expect(env.Client.Create(context.Background(), h.weeklySync("sync"))).To(Succeed())
	h.waitScheduleReady("sync")

	h.touch("sync", "2026-12-08")
	g.Eventually(func(g Gomega) []string { return h.liveChildren(g, "sync") }).WithTimeout(30 * time.Second).Should(ConsistOf("sync-20261201", "sync-20261215", "sync-20261222"))
}

func TestPatternChangeKeepsTheOccurrencesThatStillFit(t *testing.T) {
	g := NewWithT(t)
	clock := newScheduleClock()
	h := newHarness(t, harnessOptions{now: clock.now})
	g.Expect(env.Client.Create(context.Background(), h.weeklySync("sync"))).To(Succeed())
	h.waitScheduleReady("sync")
	kept := map[string]string{}
	for _, name := range []string{"sync-20261201", "sync-20261208"} {
		kept[name] = string(h.get(g, name).UID)
	}

	// Tuesdays and Thursdays now: 1, 3 and 8 December are the next three.
	s := &teamsv1alpha1.MeetingSchedule{}
	g.Expect(env.Client.Get(context.Background(), keyOf(h.ns, "sync"), s)).To(Succeed())
	base := s.DeepCopy()
	s.Spec.Recurrence.Pattern.DaysOfWeek = []teamsv1alpha1.DayOfWeek{"tuesday", "thursday"}
	g.Expect(env.Client.Patch(context.Background(), s, client.MergeFrom(base))).To(Succeed())

	g.Eventually(func(g Gomega) []string { return h.liveChildren(g, "sync") }).WithTimeout(30 * time.Second).
		Should(ConsistOf("sync-20261201", "sync-20261203", "sync-20261208", "sync-20261215"))
	for name, uid := range kept {
		g.Expect(string(h.get(g, name).UID)).To(Equal(uid), "%s still fits and must be kept, not replaced", name)
	}
	h.waitScheduleReady("sync")

	// Mondays only: none of them fits any more, and all are replaced.
	g.Expect(env.Client.Get(context.Background(), keyOf(h.ns, "sync"), s)).To(Succeed())
	base = s.DeepCopy()
	s.Spec.Start.DateTime, s.Spec.End.DateTime = "2026-11-30T09:00:00", "2026-11-30T09:30:00"
	s.Spec.Recurrence.Range.StartDate = "2026-11-30"
	s.Spec.Recurrence.Pattern.DaysOfWeek = []teamsv1alpha1.DayOfWeek{"monday"}
	g.Expect(env.Client.Patch(context.Background(), s, client.MergeFrom(base))).To(Succeed())
	g.Eventually(func(g Gomega) []string { return h.liveChildren(g, "sync") }).WithTimeout(30 * time.Second).
		Should(ConsistOf("sync-20261130", "sync-20261207", "sync-20261214"))
	h.waitScheduleReady("sync")
	g.Expect(h.emu.Meetings()).To(HaveLen(3), "the meetings that no longer fit were deleted in Teams")
}

func TestScheduleOnlyTheControllerCanRefuseIsStalled(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, harnessOptions{now: newScheduleClock().now})
	s := h.weeklySync("late-start")
	s.Spec.Recurrence.Range.StartDate = "2026-12-08" // Graph wants start's own date
	g.Expect(env.Client.Create(context.Background(), s)).To(Succeed())
	g.Eventually(func(g Gomega) {
		g.Expect(env.Client.Get(context.Background(), keyOf(h.ns, "late-start"), s)).To(Succeed())
		g.Expect(s.Status.Conditions).To(ContainElement(And(HaveField("Type", teamsv1alpha1.ConditionStalled),
			HaveField("Status", metav1.ConditionTrue), HaveField("Message", ContainSubstring("recurrence.range.startDate")))))
	}).WithTimeout(30 * time.Second).Should(Succeed())
	g.Expect(h.children(g, "late-start")).To(BeEmpty())
}

func TestFewerUpcomingKeepsTheMeetingsThatStillFit(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, harnessOptions{now: newScheduleClock().now})
	g.Expect(env.Client.Create(context.Background(), h.weeklySync("sync"))).To(Succeed())
	h.waitScheduleReady("sync")

	s := &teamsv1alpha1.MeetingSchedule{}
	g.Expect(env.Client.Get(context.Background(), keyOf(h.ns, "sync"), s)).To(Succeed())
	base := s.DeepCopy()
	s.Spec.Upcoming = 1
	g.Expect(env.Client.Patch(context.Background(), s, client.MergeFrom(base))).To(Succeed())
	h.waitScheduleReady("sync")
	// Their join links may have gone out: they still fit, so they stay.
	g.Consistently(func(g Gomega) []string { return h.liveChildren(g, "sync") }).WithTimeout(2 * time.Second).
		Should(ConsistOf("sync-20261201", "sync-20261208", "sync-20261215"))
}

func TestOccurrenceNameTakenByAnotherMeetingStallsTheSchedule(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, harnessOptions{now: newScheduleClock().now})
	h.create(h.meeting("sync-20261208"))
	g.Expect(env.Client.Create(context.Background(), h.weeklySync("sync"))).To(Succeed())
	g.Eventually(func(g Gomega) {
		s := &teamsv1alpha1.MeetingSchedule{}
		g.Expect(env.Client.Get(context.Background(), keyOf(h.ns, "sync"), s)).To(Succeed())
		g.Expect(s.Status.Conditions).To(ContainElement(And(HaveField("Type", teamsv1alpha1.ConditionStalled),
			HaveField("Message", ContainSubstring("sync-20261208")))))
	}).WithTimeout(30 * time.Second).Should(Succeed())
}
