package emulator

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// readOnlyOnUpdate are properties a PATCH may not change, with the reason
// the 400 gives.
var readOnlyOnUpdate = map[string]string{
	"id":                    "id is read-only.",
	"externalid":            "externalId cannot be changed; it identifies the meeting for createOrGet.",
	"joinmeetingidsettings": "joinMeetingIdSettings cannot be changed after the meeting was created.",
	"chatinfo":              "chatInfo cannot be changed after the meeting was created.",
	"creationdatetime":      "creationDateTime is read-only.",
	"expirydatetime":        "expiryDateTime is read-only; it follows endDateTime.",
	"joinurl":               "joinUrl is read-only.",
	"joinweburl":            "joinWebUrl is read-only.",
	"videoteleconferenceid": "videoTeleconferenceId is read-only.",
	"audioconferencing":     "audioConferencing is read-only.",
	"joininformation":       "joinInformation is read-only.",
}

// updateMeeting implements PATCH users/{id}/onlineMeetings/{meetingId}:
// only sent properties change, attendees are replaced as a whole list,
// start and end travel together, and the organizer stays.
func (s *Server) updateMeeting(gr *graphRequest) graphResponse {
	if resp, ok := s.checkOrganizer(gr); !ok {
		return resp
	}
	raw, req, errResp := decodeMeeting(gr.r)
	if errResp != nil {
		return *errResp
	}
	for k := range raw {
		if why, ok := readOnlyOnUpdate[strings.ToLower(k)]; ok && present(raw, k) {
			return graphErr(http.StatusBadRequest, "BadRequest", "%s", why)
		}
	}
	if p := req.Participants; p != nil && p.Organizer != nil {
		if p.Organizer.Identity == nil || p.Organizer.Identity.User == nil ||
			!strings.EqualFold(p.Organizer.Identity.User.ID, gr.organizerID) {
			return graphErr(http.StatusBadRequest, "BadRequest", "The organizer of an online meeting cannot be changed.")
		}
	}
	if (req.StartDateTime == nil) != (req.EndDateTime == nil) {
		return graphErr(http.StatusBadRequest, "BadRequest", "startDateTime and endDateTime must be sent together when either changes.")
	}
	if req.StartDateTime != nil && req.EndDateTime.Before(req.StartDateTime.Time) {
		return graphErr(http.StatusBadRequest, "BadRequest", "endDateTime %s is earlier than startDateTime %s.",
			req.EndDateTime.Format(graphTimeLayout), req.StartDateTime.Format(graphTimeLayout))
	}
	var attendees []participantJSON
	if req.Participants != nil {
		var e *graphResponse
		if attendees, e = normalizeAttendees(gr.tenant.TenantID, req.Participants.Attendees); e != nil {
			return *e
		}
	}
	options, msg := parseOptions(raw, prefersUnknownEnumMembers(gr.r))
	if msg != "" {
		return graphErr(http.StatusBadRequest, "BadRequest", "%s", msg)
	}
	now := s.now().UTC()
	var refused string
	m, ok := s.store.update(gr.tenant.TenantID, gr.organizerID, gr.meetingID, func(m *meeting) bool {
		var msg string
		if m.options, msg = applyOptions(m.options, options); msg != "" {
			refused = msg
			return false
		}
		if req.Subject != nil {
			m.subject = *req.Subject
		}
		if req.StartDateTime != nil {
			m.start, m.end = req.StartDateTime.Time, req.EndDateTime.Time
		}
		if req.Participants != nil {
			m.attendees = attendees
		}
		// Any update pushes the expiry out another 60 days.
		m.expiry = later(m.end, now).Add(expiryAfterEnd)
		return true
	})
	if !ok {
		return notFound(gr)
	}
	if refused != "" {
		return graphErr(http.StatusBadRequest, "BadRequest", "%s", refused)
	}
	return graphOK(http.StatusOK, s.view(gr, &m))
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// filterRE matches the two filters Graph supports on onlineMeetings.
var filterRE = regexp.MustCompile(`(?i)^\s*(joinWebUrl|joinMeetingIdSettings/joinMeetingId)\s+eq\s+'((?:[^']|'')*)'\s*$`)

// listMeetings implements GET users/{id}/onlineMeetings?$filter=..., which
// Graph offers only for JoinWebUrl and joinMeetingIdSettings/joinMeetingId.
func (s *Server) listMeetings(gr *graphRequest) graphResponse {
	if resp, ok := s.checkOrganizer(gr); !ok {
		return resp
	}
	sub := filterRE.FindStringSubmatch(gr.r.URL.Query().Get("$filter"))
	if sub == nil {
		return graphErr(http.StatusBadRequest, "InvalidArgument",
			"Listing online meetings needs $filter=JoinWebUrl eq '...' or $filter=joinMeetingIdSettings/joinMeetingId eq '...'.")
	}
	field, value := strings.ToLower(sub[1]), strings.ReplaceAll(sub[2], "''", "'")
	found := s.store.list(func(m *meeting) bool {
		return !m.deleted && strings.EqualFold(m.tenantID, gr.tenant.TenantID) && strings.EqualFold(m.organizerID, gr.organizerID)
	})
	values := []*meetingJSON{}
	for i := range found {
		v := s.view(gr, &found[i])
		v.ODataContext = ""
		if (field == "joinweburl" && v.JoinWebURL == value) || (field != "joinweburl" && v.JoinMeetingIDSettings.JoinMeetingID == value) {
			values = append(values, v)
		}
	}
	return graphOK(http.StatusOK, map[string]any{
		"@odata.context": fmt.Sprintf("https://%s/%s/$metadata#users('%s')/onlineMeetings", gr.r.Host, gr.version, gr.organizerID),
		"value":          values,
	})
}
