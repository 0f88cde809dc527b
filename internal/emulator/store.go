package emulator

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
)

// meeting is a stored online meeting.
type meeting struct {
	id, organizerID, externalID, subject  string
	created, start, end, expiry           time.Time
	attendees                             []participantJSON
	threadID, chatThreadID, chatMessageID string
	replyChainMessageID                   *string
	joinMeetingID, passcode               string
	videoTeleconferenceID, conferenceID   string
	lobby                                 lobbyBypassJSON
	allowedPresenters                     string
	settings                              map[string]json.RawMessage // meetingSettings set by PATCH
	deleted                               bool
}

// clone copies m so that callers can read it without the store's lock.
func (m *meeting) clone() meeting {
	c := *m
	c.attendees = slices.Clone(m.attendees)
	c.settings = maps.Clone(m.settings)
	return c
}

// store keeps meetings by organizer and id, and the externalId index that
// makes createOrGet idempotent. One mutex makes createOrGet atomic.
type store struct {
	mu         sync.Mutex
	behavior   DeletedExternalIDBehavior
	byID       map[string]*meeting
	byExternal map[string]*meeting
	order      []*meeting
}

func newStore(b DeletedExternalIDBehavior) *store {
	return &store{behavior: b, byID: map[string]*meeting{}, byExternal: map[string]*meeting{}}
}

// Organizer ids are GUIDs, compared case-insensitively; externalIds are
// compared exactly.
func idKey(organizer, id string) string   { return strings.ToLower(organizer) + "/" + id }
func extKey(organizer, ext string) string { return strings.ToLower(organizer) + "\x00" + ext }

// createOrGet returns the meeting with that externalId under organizer, or
// stores the one build makes. A deleted meeting is returned only in
// "stale" mode.
func (st *store) createOrGet(organizer, externalID string, build func() *meeting) (meeting, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if m := st.byExternal[extKey(organizer, externalID)]; m != nil && (!m.deleted || st.behavior == DeletedExternalIDStale) {
		return m.clone(), false
	}
	m := build()
	st.byID[idKey(organizer, m.id)] = m
	st.byExternal[extKey(organizer, externalID)] = m
	st.order = append(st.order, m)
	return m.clone(), true
}

// get returns a meeting that is not deleted.
func (st *store) get(organizer, id string) (meeting, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	m := st.byID[idKey(organizer, id)]
	if m == nil || m.deleted {
		return meeting{}, false
	}
	return m.clone(), true
}

// update changes a meeting that is not deleted; fn may refuse by returning
// false, which leaves the meeting unchanged.
func (st *store) update(organizer, id string, fn func(*meeting) bool) (meeting, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	m := st.byID[idKey(organizer, id)]
	if m == nil || m.deleted {
		return meeting{}, false
	}
	c := m.clone()
	if !fn(&c) {
		return c, true
	}
	*m = c
	return m.clone(), true
}

// delete marks a meeting deleted; it keeps it so that "stale" mode and the
// inspection API can still see it.
func (st *store) delete(organizer, id string) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	m := st.byID[idKey(organizer, id)]
	if m == nil || m.deleted {
		return false
	}
	m.deleted = true
	return true
}

// list returns meetings in creation order, filtered by keep.
func (st *store) list(keep func(*meeting) bool) []meeting {
	st.mu.Lock()
	defer st.mu.Unlock()
	var out []meeting
	for _, m := range st.order {
		if keep(m) {
			out = append(out, m.clone())
		}
	}
	return out
}
