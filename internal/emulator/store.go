package emulator

import (
	"slices"
	"strings"
	"sync"
	"time"
)

// meeting is a stored online meeting.
type meeting struct {
	tenantID                              string // as configured, whatever case the token's path used
	id, organizerID, externalID, subject  string
	created, start, end, expiry           time.Time
	attendees                             []participantJSON
	threadID, chatThreadID, chatMessageID string
	replyChainMessageID                   *string
	joinMeetingID, passcode               string
	videoTeleconferenceID, conferenceID   string
	joinWebURL                            string
	options                               map[string]any // meetingOptions by name, as stored
	deleted                               bool
}

// clone copies m so that callers can read it without the store's lock.
func (m *meeting) clone() meeting {
	c := *m
	c.attendees = slices.Clone(m.attendees)
	c.options = cloneOptions(m.options)
	return c
}

// store keeps meetings by tenant, organizer and id, and the externalId
// index that makes createOrGet idempotent. One mutex makes createOrGet
// atomic.
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

// A meeting is identified by tenant + organizer + externalId (or id), so
// the same organizer id and externalId in two tenants are two meetings.
// Tenant and organizer ids are GUIDs, compared case-insensitively;
// externalIds and meeting ids are compared exactly.
func key(tenant, organizer, idOrExternalID string) string {
	return strings.ToLower(tenant) + "\x00" + strings.ToLower(organizer) + "\x00" + idOrExternalID
}

// createOrGet returns the meeting with that externalId under tenant and
// organizer, or stores the one build makes. A deleted meeting is returned
// only in "stale" mode.
func (st *store) createOrGet(tenant, organizer, externalID string, build func() *meeting) (meeting, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if m := st.byExternal[key(tenant, organizer, externalID)]; m != nil && (!m.deleted || st.behavior == DeletedExternalIDStale) {
		return m.clone(), false
	}
	m := build()
	st.byID[key(tenant, organizer, m.id)] = m
	st.byExternal[key(tenant, organizer, externalID)] = m
	st.order = append(st.order, m)
	return m.clone(), true
}

// get returns a meeting that is not deleted.
func (st *store) get(tenant, organizer, id string) (meeting, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	m := st.byID[key(tenant, organizer, id)]
	if m == nil || m.deleted {
		return meeting{}, false
	}
	return m.clone(), true
}

// update changes a meeting that is not deleted; fn may refuse by returning
// false, which leaves the meeting unchanged.
func (st *store) update(tenant, organizer, id string, fn func(*meeting) bool) (meeting, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	m := st.byID[key(tenant, organizer, id)]
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
func (st *store) delete(tenant, organizer, id string) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	m := st.byID[key(tenant, organizer, id)]
	if m == nil || m.deleted {
		return false
	}
	m.deleted = true
	return true
}

// tenantOf returns the tenant holding the meeting of organizer with id.
// Meeting ids embed a random chat thread, so at most one tenant holds it;
// the helpers that act "as a Teams user" need no tenant because of that.
func (st *store) tenantOf(organizer, id string) (string, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, m := range st.order {
		if m.id == id && strings.EqualFold(m.organizerID, organizer) {
			return m.tenantID, true
		}
	}
	return "", false
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
