package controllers

import (
	"sync"

	"k8s.io/apimachinery/pkg/types"
)

// verifiedMeetings remembers, per resource, the meeting id this process
// last saw Graph answer as that resource's own (its externalId and
// organizer checked by foreignMeeting). status.meetingId is writable by
// whoever may write status, so it is used for a DELETE only once Graph
// shows whose meeting it names; when the id in status is one this process
// has already seen confirmed, that GET would only repeat what it knows,
// and the deletion of a meeting costs one Graph call instead of two.
// A forged id differs from the remembered one and is checked as before;
// externalId, organizer and connectionRef are immutable, so a confirmed id
// stays the resource's own. The memory is per process: after a restart
// the first deletion of each meeting reads it first again.
type verifiedMeetings struct {
	mu  sync.Mutex
	ids map[types.UID]string
}

// remember records that Graph answered with meeting id for resource uid.
func (v *verifiedMeetings) remember(uid types.UID, id string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.ids == nil {
		v.ids = map[types.UID]string{}
	}
	v.ids[uid] = id
}

// confirms is true when id is the meeting Graph last answered with for uid.
func (v *verifiedMeetings) confirms(uid types.UID, id string) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return id != "" && v.ids[uid] == id
}

// id is the meeting Graph last answered with for uid, "" when none.
func (v *verifiedMeetings) id(uid types.UID) string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.ids[uid]
}

// forget drops what is known of uid, once its resource lets go of Graph.
func (v *verifiedMeetings) forget(uid types.UID) {
	v.mu.Lock()
	defer v.mu.Unlock()
	delete(v.ids, uid)
}
