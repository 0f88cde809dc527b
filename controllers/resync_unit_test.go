package controllers

import (
	"fmt"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
)

func TestResyncSlotsFollowLastSyncTime(t *testing.T) {
	synced := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	m := &teamsv1alpha1.OnlineMeeting{Status: teamsv1alpha1.OnlineMeetingStatus{LastSyncTime: &metav1.Time{Time: synced}}}
	const period, phase = time.Hour, 3 * time.Minute
	slot := func(k int) time.Time { return synced.Add(phase + time.Duration(k)*period) }
	cases := []struct {
		name         string
		now, checked time.Time
		wait         time.Duration // 0: due now
	}{
		{"before the first slot, just written", synced, synced, period + phase},
		{"the first slot, checked at the write", slot(1).Add(time.Second), synced, 0},
		{"the first slot, checked in it", slot(1).Add(2 * time.Second), slot(1).Add(time.Second), period - 2*time.Second},
		{"a later slot, last checked one slot before", slot(5).Add(time.Minute), slot(4).Add(time.Second), 0},
		{"a later slot, checked in it", slot(5).Add(time.Minute), slot(5), period - time.Minute},
		{"exactly on a slot, checked in it", slot(7), slot(7), period},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			wait, quiet := untilNextSlot(m, period, phase, c.now, c.checked)
			if c.wait == 0 {
				g.Expect(quiet).To(BeFalse(), "a resync is due")
				return
			}
			g.Expect(quiet).To(BeTrue(), "no resync is due")
			g.Expect(wait).To(Equal(c.wait))
		})
	}
}

func TestRestartedOperatorResyncsEachMeetingAtItsNextSlotNotAtOnce(t *testing.T) {
	g := NewWithT(t)
	synced := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	m := &teamsv1alpha1.OnlineMeeting{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "m", UID: "6d1c0e2a-5b7f-4c1e-9a0d-000000000001", Generation: 1},
		Status:     teamsv1alpha1.OnlineMeetingStatus{MeetingID: "m1", LastSyncTime: &metav1.Time{Time: synced}},
	}
	markReady(m, teamsv1alpha1.ReasonCreated, "created")
	phase := resyncPhase(m.UID, time.Hour)
	clock := synced.Add(50*time.Hour + phase + 20*time.Minute) // days after the last write
	r := &OnlineMeetingReconciler{ResyncPeriod: time.Hour, Now: func() time.Time { return clock }}

	// A process that never read the meeting: quiet until the next slot.
	wait, quiet := r.syncNotDue(m)
	g.Expect(quiet).To(BeTrue(), "a restart must not read every meeting at once")
	g.Expect(wait).To(Equal(40 * time.Minute))
	// At that slot the resync is due, and once made, the next one waits.
	clock = clock.Add(wait)
	_, quiet = r.syncNotDue(m)
	g.Expect(quiet).To(BeFalse(), "the next slot's resync is due")
	r.synced.record(m, clock)
	wait, quiet = r.syncNotDue(m)
	g.Expect(quiet).To(BeTrue())
	g.Expect(wait).To(Equal(time.Hour))
	// The same name with another UID is another resource.
	other := m.DeepCopy()
	other.UID = "6d1c0e2a-5b7f-4c1e-9a0d-000000000002"
	_, known := r.synced.lastChecked(other)
	g.Expect(known).To(BeFalse())
}

func TestResyncPhaseIsFixedPerResourceAndSpreadsThem(t *testing.T) {
	g := NewWithT(t)
	const period = time.Hour
	seen := map[time.Duration]bool{}
	for i := range 200 {
		uid := types.UID(fmt.Sprintf("6d1c0e2a-5b7f-4c1e-9a0d-%012d", i))
		p := resyncPhase(uid, period)
		g.Expect(p).To(And(BeNumerically(">=", 0), BeNumerically("<", period/10)))
		g.Expect(resyncPhase(uid, period)).To(Equal(p), "the same in every process")
		seen[p.Truncate(time.Minute)] = true
	}
	// 200 resources over six one-minute buckets land in all of them.
	g.Expect(seen).To(HaveLen(6))
	g.Expect(resyncPhase("x", 5*time.Nanosecond)).To(BeZero())
}

func TestResyncThatFindsNothingNewKeepsStatusAsItWas(t *testing.T) {
	written := metav1.NewTime(time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC))
	ready := metav1.Condition{
		Type: teamsv1alpha1.ConditionReady, Status: metav1.ConditionTrue, Reason: string(teamsv1alpha1.ReasonCreated),
		Message: "Meeting m1 was created in Teams.", ObservedGeneration: 2, LastTransitionTime: written,
	}
	prev := teamsv1alpha1.OnlineMeetingStatus{
		ObservedGeneration: 2, MeetingID: "m1", JoinWebURL: "https://teams.microsoft.com/l/meetup-join/1",
		LastSyncTime: &written, CreationDateTime: &written, Conditions: []metav1.Condition{ready},
	}
	// What a resync computes: Graph's meeting again, a new time, Synced.
	resynced := func(mutate func(*teamsv1alpha1.OnlineMeeting)) *teamsv1alpha1.OnlineMeeting {
		m := &teamsv1alpha1.OnlineMeeting{ObjectMeta: metav1.ObjectMeta{Generation: 2}, Status: *prev.DeepCopy()}
		later := metav1.NewTime(written.Add(time.Hour))
		m.Status.LastSyncTime = &later
		// Graph's time to the millisecond; status keeps it to the second.
		created := metav1.NewTime(written.Add(400 * time.Millisecond))
		m.Status.CreationDateTime = &created
		markReady(m, teamsv1alpha1.ReasonSynced, readyMessage(teamsv1alpha1.ReasonSynced, "m1"))
		if mutate != nil {
			mutate(m)
		}
		return m
	}

	g := NewWithT(t)
	m := resynced(nil)
	keepUnchanged(prev, m, written.Add(time.Hour))
	g.Expect(m.Status).To(Equal(prev), "nothing new, to the second status keeps: nothing to write")

	m = resynced(func(m *teamsv1alpha1.OnlineMeeting) {
		m.Status.JoinWebURL = "https://teams.microsoft.com/l/meetup-join/2"
	})
	keepUnchanged(prev, m, written.Add(time.Hour))
	g.Expect(m.Status.LastSyncTime.Time).To(Equal(written.Add(time.Hour)), "Graph holds something new: written with its time")
	g.Expect(m.Status.Conditions[0].Reason).To(Equal(string(teamsv1alpha1.ReasonSynced)))

	m = resynced(func(m *teamsv1alpha1.OnlineMeeting) { m.Generation = 3 })
	keepUnchanged(prev, m, written.Add(time.Hour))
	g.Expect(m.Status.LastSyncTime.Time).To(Equal(written.Add(time.Hour)), "a new generation is news")

	notReady := *prev.DeepCopy()
	notReady.Conditions[0].Status = metav1.ConditionFalse
	m = resynced(nil)
	keepUnchanged(notReady, m, written.Add(time.Hour))
	g.Expect(m.Status.Conditions[0].Status).To(Equal(metav1.ConditionTrue), "becoming Ready is news")

	// Without a lastSyncTime to measure slots from, or with one a forged
	// or skewed clock put in the future, a fresh one is written.
	for _, bad := range []*metav1.Time{nil, {Time: written.Add(24 * time.Hour)}} {
		noAnchor := *prev.DeepCopy()
		noAnchor.LastSyncTime = bad
		m = resynced(nil)
		keepUnchanged(noAnchor, m, written.Add(time.Hour))
		g.Expect(m.Status.LastSyncTime.Time).To(Equal(written.Add(time.Hour)), "lastSyncTime %v is replaced", bad)
	}
}

func TestLastSyncTimeInTheFutureOrCenturiesAgoMakesTheResyncDue(t *testing.T) {
	now := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	at := func(t time.Time) *teamsv1alpha1.OnlineMeeting {
		return &teamsv1alpha1.OnlineMeeting{Status: teamsv1alpha1.OnlineMeetingStatus{LastSyncTime: &metav1.Time{Time: t}}}
	}
	cases := []struct {
		name   string
		synced time.Time
		due    bool
	}{
		{"a replica's clock 30 s ahead", now.Add(30 * time.Second), false},
		{"a day ahead (forged, or a clock far off)", now.Add(24 * time.Hour), true},
		{"ten years ago", now.AddDate(-10, 0, 0), false},
		{"three centuries ago, beyond a time.Duration", now.AddDate(-300, 0, 0), true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			_, quiet := untilNextSlot(at(c.synced), time.Hour, 0, now, now)
			g.Expect(quiet).To(Equal(!c.due))
		})
	}

	g := NewWithT(t)
	m := at(now)
	m.Status.LastSyncTime = nil
	m.Status.MeetingID = "m1"
	markReady(m, teamsv1alpha1.ReasonCreated, "created")
	r := &OnlineMeetingReconciler{ResyncPeriod: time.Hour, Now: func() time.Time { return now }}
	_, quiet := r.syncNotDue(m)
	g.Expect(quiet).To(BeFalse(), "Ready without a lastSyncTime is read, and gets one")
	g.Expect(r.nextSync(m).RequeueAfter).To(Equal(time.Hour), "and is not left without a next resync")
}
