package controllers

import (
	"bytes"
	"encoding/json"
	"hash/fnv"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
)

// The resync schedule. A Ready meeting is read back from Graph in slots
// anchor + k×period (k = 1, 2, …), where the anchor is status.lastSyncTime
// plus a phase drawn from the resource's UID (under a tenth of the
// period), so meetings created together do not resync together. The
// schedule is a function of what the resource already holds, so:
//
//   - a resync that finds Graph as status describes it writes nothing
//     (not even lastSyncTime): the steady state costs one GET per meeting
//     per period and no API write;
//   - a restarted operator, or a new leader, computes the same slots. It
//     has no memory of which slot was checked, so it takes the latest as
//     done and makes no Graph call before each meeting's next slot: a
//     check that fell due while no operator ran is made one slot later.
//
// The slots this process has checked are kept in memory (syncMemory).

// maxClockSkew is how far in the future a lastSyncTime may lie, written
// by a replica whose clock ran ahead, and still anchor the slots. One
// further ahead (or forged), or more than a century old (beyond what a
// time.Duration measures), is not used: the meeting is due, and the
// resync writes a fresh one.
const maxClockSkew = time.Minute

// usableAnchor says whether a status.lastSyncTime t can anchor slots.
func usableAnchor(t *metav1.Time, now time.Time) bool {
	return t != nil && !t.After(now.Add(maxClockSkew)) && t.After(now.AddDate(-100, 0, 0))
}

// syncMemory remembers, per resource, when this process last read its
// meeting from Graph.
type syncMemory struct {
	mu      sync.Mutex
	checked map[types.NamespacedName]syncedAt
}

type syncedAt struct {
	uid types.UID
	at  time.Time
}

// record notes that m's meeting was read from Graph at, or, by a process
// that has not read it, that its current slot is taken as done.
func (s *syncMemory) record(m *teamsv1alpha1.OnlineMeeting, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.checked == nil {
		s.checked = map[types.NamespacedName]syncedAt{}
	}
	s.checked[types.NamespacedName{Namespace: m.Namespace, Name: m.Name}] = syncedAt{uid: m.UID, at: at}
}

// lastChecked is when this process last read m's meeting from Graph.
func (s *syncMemory) lastChecked(m *teamsv1alpha1.OnlineMeeting) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.checked[types.NamespacedName{Namespace: m.Namespace, Name: m.Name}]
	if !ok || c.uid != m.UID {
		return time.Time{}, false
	}
	return c.at, true
}

// forget drops a resource that no longer exists.
func (s *syncMemory) forget(name types.NamespacedName) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.checked, name)
}

// resyncPhase is m's fixed offset into its period: under a tenth of it,
// the same in every process.
func resyncPhase(uid types.UID, period time.Duration) time.Duration {
	spread := period / 10
	if spread <= 0 {
		return 0
	}
	h := fnv.New64a()
	_, _ = h.Write([]byte(uid))
	return time.Duration(h.Sum64() % uint64(spread))
}

// untilNextSlot says how long m's meeting can be left alone (ok), or that
// a resync is due now (!ok), given when it was last read from Graph.
// period must be positive; without a usable anchor the resync is due.
func untilNextSlot(m *teamsv1alpha1.OnlineMeeting, period, phase time.Duration, now, checked time.Time) (time.Duration, bool) {
	if !usableAnchor(m.Status.LastSyncTime, now) {
		return 0, false
	}
	anchor := m.Status.LastSyncTime.Add(phase)
	if first := anchor.Add(period); now.Before(first) {
		return first.Sub(now), true
	}
	slot := anchor.Add(now.Sub(anchor) / period * period)
	if checked.Before(slot) {
		return 0, false
	}
	return slot.Add(period).Sub(now), true
}

// keepUnchanged leaves status as it was when a resync found nothing new:
// Graph's meeting as status records it, Ready for this generation. Only
// lastSyncTime and Ready's reason would differ, and writing them would
// cost an API write per meeting per period for no news. Status is
// compared as it would be written: the API keeps times to the second.
func keepUnchanged(prev teamsv1alpha1.OnlineMeetingStatus, m *teamsv1alpha1.OnlineMeeting, now time.Time) {
	if !usableAnchor(prev.LastSyncTime, now) {
		// The slots need a lastSyncTime they can be measured from.
		return
	}
	was := meta.FindStatusCondition(prev.Conditions, teamsv1alpha1.ConditionReady)
	if was == nil || was.Status != metav1.ConditionTrue || was.ObservedGeneration != m.Generation || prev.ObservedGeneration != m.Generation {
		return
	}
	cur := m.Status.DeepCopy()
	cur.LastSyncTime = prev.LastSyncTime
	cur.ObservedGeneration = m.Generation
	meta.SetStatusCondition(&cur.Conditions, *was)
	a, errA := json.Marshal(cur)
	b, errB := json.Marshal(prev)
	if errA == nil && errB == nil && bytes.Equal(a, b) {
		m.Status = prev
	}
}
