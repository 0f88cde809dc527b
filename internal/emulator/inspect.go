package emulator

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// StoredMeeting is the emulator's view of one meeting, for assertions.
type StoredMeeting struct {
	// TenantID is the tenant whose token created the meeting.
	TenantID      string    `json:"tenantId"`
	OrganizerID   string    `json:"organizerId"`
	ExternalID    string    `json:"externalId"`
	ID            string    `json:"id"`
	Subject       string    `json:"subject"`
	StartDateTime time.Time `json:"startDateTime"`
	EndDateTime   time.Time `json:"endDateTime"`
	// Attendees is the number of attendees (the organizer not counted).
	Attendees int  `json:"attendees"`
	Deleted   bool `json:"deleted"`
}

// Stats counts what the emulator answered since start or ResetStats.
type Stats struct {
	// Requests maps an operation ("token", "createOrGet", "get", "update",
	// "delete", "list", "discovery", "keys", "unknown") to HTTP status to
	// count. Status 0 counts requests that got no HTTP answer: resets, lost
	// responses and held requests the client abandoned.
	Requests map[string]map[int]int `json:"requests"`
	// RequestsDuringRetryAfter counts Graph requests from a tenant that
	// arrived while a Retry-After the emulator had given that tenant was
	// still running: a well-behaved client keeps this at 0.
	RequestsDuringRetryAfter int `json:"requestsDuringRetryAfter"`
	// Tenants maps a tenant id to Graph operation to the number of answers
	// (any status, 0 included) to Graph requests whose token named that
	// tenant. Token and discovery requests, and Graph requests refused 401,
	// have no tenant to count under and are left out.
	Tenants map[string]map[string]int `json:"tenants,omitempty"`
}

// Count sums the answers of operation over all status codes.
func (s Stats) Count(operation string) int {
	n := 0
	for _, c := range s.Requests[operation] {
		n += c
	}
	return n
}

// CountTenant is the number of Graph requests of tenantID (compared
// case-insensitively, as tenant ids are GUIDs) for operation, over all
// status codes.
func (s Stats) CountTenant(tenantID, operation string) int {
	n := 0
	for t, ops := range s.Tenants {
		if strings.EqualFold(t, tenantID) {
			n += ops[operation]
		}
	}
	return n
}

func stored(m *meeting) StoredMeeting {
	return StoredMeeting{TenantID: m.tenantID, OrganizerID: m.organizerID, ExternalID: m.externalID, ID: m.id, Subject: m.subject,
		StartDateTime: m.start, EndDateTime: m.end, Attendees: len(m.attendees), Deleted: m.deleted}
}

// meetings lists stored meetings in creation order; tenantID "" means all
// tenants.
func (s *Server) meetings(tenantID string, includeDeleted bool) []StoredMeeting {
	out := []StoredMeeting{}
	for _, m := range s.store.list(func(m *meeting) bool {
		return (includeDeleted || !m.deleted) && (tenantID == "" || strings.EqualFold(m.tenantID, tenantID))
	}) {
		out = append(out, stored(&m))
	}
	return out
}

// Meetings returns every stored meeting that is not deleted, of all
// tenants, in creation order.
func (s *Server) Meetings() []StoredMeeting { return s.meetings("", false) }

// TenantMeetings returns the stored meetings of one tenant that are not
// deleted, in creation order; an unknown tenant has none.
func (s *Server) TenantMeetings(tenantID string) []StoredMeeting {
	if tenantID == "" {
		// "" must not widen to every tenant, as it does internally.
		return []StoredMeeting{}
	}
	return s.meetings(tenantID, false)
}

// Stats returns a copy of the request statistics.
func (s *Server) Stats() Stats { return s.faults.snapshot() }

// ResetStats zeroes the request statistics.
func (s *Server) ResetStats() { s.faults.resetStats() }

// SetFaults replaces the faults; a changed rate limit starts with full
// buckets. Invalid values (see Faults.Validate) are the caller's bug.
func (s *Server) SetFaults(f Faults) { s.faults.set(f) }

// Faults returns the current faults, with the deterministic counters as
// far as they have run down.
func (s *Server) Faults() Faults { return s.faults.get() }

// DeleteMeeting deletes a meeting as a user would in Teams, behind the
// operator's back, in whichever tenant holds it. It reports whether the
// meeting existed.
func (s *Server) DeleteMeeting(organizerID, meetingID string) bool {
	tenant, ok := s.store.tenantOf(organizerID, meetingID)
	return ok && s.store.delete(tenant, organizerID, meetingID)
}

// SetSubject changes a meeting's subject as a user would in Teams (drift),
// in whichever tenant holds it. It reports whether the meeting exists.
func (s *Server) SetSubject(organizerID, meetingID, subject string) bool {
	tenant, ok := s.store.tenantOf(organizerID, meetingID)
	if !ok {
		return false
	}
	_, ok = s.store.update(tenant, organizerID, meetingID, func(m *meeting) bool { m.subject = subject; return true })
	return ok
}

// SetJoinWebURL gives a meeting another join link, in whichever tenant
// holds it. Meetings made by other Teams clients carry links of other
// shapes (the short teams.microsoft.com/meet/ form, links with quotes or
// ampersands in them); this lets a test find a meeting by such a link with
// $filter=JoinWebUrl eq '...'. It reports whether the meeting exists.
func (s *Server) SetJoinWebURL(organizerID, meetingID, joinWebURL string) bool {
	tenant, ok := s.store.tenantOf(organizerID, meetingID)
	if !ok {
		return false
	}
	_, ok = s.store.update(tenant, organizerID, meetingID, func(m *meeting) bool { m.joinWebURL = joinWebURL; return true })
	return ok
}

// serveInspect serves the inspection API. It needs no token: it exists for
// tests and local runs only and must never face a real network.
//
//	GET    /_emulator/meetings[?includeDeleted=true][&tenant=ID]
//	DELETE /_emulator/meetings/{organizerId}/{meetingId}   (as a Teams user would)
//	PATCH  /_emulator/meetings/{organizerId}/{meetingId}   {"subject": "..."} (drift)
//	GET    /_emulator/stats, DELETE /_emulator/stats (reset)
//	GET    /_emulator/faults, PUT /_emulator/faults (JSON Faults, replaces all)
func (s *Server) serveInspect(w http.ResponseWriter, r *http.Request, ri reqInfo) {
	segs := strings.Split(strings.Trim(strings.TrimPrefix(r.URL.Path, "/_emulator"), "/"), "/")
	switch key := r.Method + " " + segs[0]; {
	case key == "GET meetings" && len(segs) == 1:
		q := r.URL.Query()
		writeJSON(w, http.StatusOK, s.meetings(q.Get("tenant"), q.Get("includeDeleted") == "true"))
	case key == "DELETE meetings" && len(segs) == 3:
		if !s.DeleteMeeting(segs[1], segs[2]) {
			s.writeGraphError(w, ri, http.StatusNotFound, "NotFound", "No such meeting.")
			return
		}
		w.WriteHeader(http.StatusNoContent)
	case key == "PATCH meetings" && len(segs) == 3:
		var body struct {
			Subject *string `json:"subject"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Subject == nil {
			s.writeGraphError(w, ri, http.StatusBadRequest, "BadRequest", `Send {"subject": "..."}.`)
			return
		}
		if !s.SetSubject(segs[1], segs[2], *body.Subject) {
			s.writeGraphError(w, ri, http.StatusNotFound, "NotFound", "No such meeting.")
			return
		}
		w.WriteHeader(http.StatusNoContent)
	case key == "GET stats":
		writeJSON(w, http.StatusOK, s.Stats())
	case key == "DELETE stats":
		s.ResetStats()
		w.WriteHeader(http.StatusNoContent)
	case key == "GET faults":
		writeJSON(w, http.StatusOK, s.Faults())
	case key == "PUT faults":
		var f Faults
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			s.writeGraphError(w, ri, http.StatusBadRequest, "BadRequest", "Invalid faults: "+err.Error())
			return
		}
		if err := f.Validate(); err != nil {
			s.writeGraphError(w, ri, http.StatusBadRequest, "BadRequest", "Invalid faults: "+err.Error())
			return
		}
		s.SetFaults(f)
		writeJSON(w, http.StatusOK, f)
	default:
		s.writeGraphError(w, ri, http.StatusNotFound, "NotFound",
			"Unknown inspection endpoint "+r.Method+" "+r.URL.Path+"; see graph-emulator --help.")
	}
}
