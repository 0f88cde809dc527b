package emulator

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/big"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// expiryAfterEnd is how long Graph keeps a meeting after it ends, and how
// far any update pushes the expiry out.
const expiryAfterEnd = 60 * 24 * time.Hour

const maxBody = 1 << 20

// checkOrganizer refuses organizers Graph would refuse: ids that are not
// object ids (GUIDs), and users without an application access policy in
// the token's tenant.
func (s *Server) checkOrganizer(gr *graphRequest) (graphResponse, bool) {
	if u, err := uuid.Parse(gr.organizerID); err != nil || len(gr.organizerID) != 36 || u == uuid.Nil {
		return graphErr(http.StatusNotFound, "NotFound",
			"The user '%s' was not found. The onlineMeetings API takes the organizer's Azure AD object id (a GUID), not a UPN or name.", gr.organizerID), false
	}
	if gr.tenant.deny[strings.ToLower(gr.organizerID)] {
		return graphErr(http.StatusForbidden, "Forbidden", "No application access policy found for this app."), false
	}
	return graphResponse{}, true
}

// decodeMeeting reads a JSON onlineMeeting, refusing malformed JSON and
// properties onlineMeeting does not have. It returns the top-level keys too,
// so callers can tell absent from null.
func decodeMeeting(r *http.Request) (map[string]json.RawMessage, *meetingRequestJSON, *graphResponse) {
	data, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		e := graphErr(http.StatusBadRequest, "BadRequest", "The request body could not be read: %v", err)
		return nil, nil, &e
	}
	if len(data) > maxBody {
		e := graphErr(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "The request body is larger than %d bytes.", maxBody)
		return nil, nil, &e
	}
	if strings.TrimSpace(string(data)) == "" {
		e := graphErr(http.StatusBadRequest, "BadRequest", "The request body is empty; send an onlineMeeting as JSON.")
		return nil, nil, &e
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		e := graphErr(http.StatusBadRequest, "BadRequest", "Invalid JSON in the request body: %v", err)
		return nil, nil, &e
	}
	for k := range raw {
		if !strings.HasPrefix(k, "@odata.") && !onlineMeetingProperties[strings.ToLower(k)] {
			e := graphErr(http.StatusBadRequest, "BadRequest", "Invalid property '%s': it does not exist on type 'microsoft.graph.onlineMeeting'.", k)
			return nil, nil, &e
		}
	}
	var req meetingRequestJSON
	fields := map[string]any{"externalid": &req.ExternalID, "subject": &req.Subject, "startdatetime": &req.StartDateTime,
		"enddatetime": &req.EndDateTime, "participants": &req.Participants, "chatinfo": &req.ChatInfo}
	for _, k := range slices.Sorted(maps.Keys(raw)) {
		if into, ok := fields[strings.ToLower(k)]; ok {
			if msg := decodeProperty(k, raw[k], into); msg != "" {
				e := graphErr(http.StatusBadRequest, "BadRequest", "%s", msg)
				return nil, nil, &e
			}
		}
	}
	return raw, &req, nil
}

// decodeProperty decodes one property of a request into into, or returns
// the message of Graph's 400, naming the property.
func decodeProperty(name string, raw json.RawMessage, into any) string {
	err := json.Unmarshal(raw, into)
	if err == nil {
		return ""
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		// OData names properties, not array elements; Go 1.27 puts the
		// element's index into Field ("attendees.0.role").
		path := name
		for part := range strings.SplitSeq(te.Field, ".") {
			if _, err := strconv.Atoi(part); part != "" && err != nil {
				path += "." + part
			}
		}
		return fmt.Sprintf("Cannot convert a JSON %s to the expected type '%s' of property '%s'.", te.Value, edmType(te.Type), path)
	}
	return fmt.Sprintf("Invalid value of property '%s': %v", name, err)
}

// edmType names a Go type by the OData type it stands for.
func edmType(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "Edm.String"
	case reflect.Bool:
		return "Edm.Boolean"
	case reflect.Slice:
		return "Collection"
	default:
		return "complex type"
	}
}

// present reports whether key was sent with a non-null value.
func present(raw map[string]json.RawMessage, key string) bool {
	for k, v := range raw {
		if strings.EqualFold(k, key) {
			return string(v) != "null"
		}
	}
	return false
}

// normalizeAttendees checks roles and fills what Graph fills: the default
// role and the attendee's tenant, which is the organizer's unless given.
func normalizeAttendees(tenantID string, in []participantJSON) ([]participantJSON, *graphResponse) {
	out := make([]participantJSON, 0, len(in))
	for i, a := range in {
		role := "attendee"
		if a.Role != nil && *a.Role != "" {
			var ok bool
			if role, ok = validRoles[strings.ToLower(*a.Role)]; !ok {
				e := graphErr(http.StatusBadRequest, "BadRequest",
					"participants.attendees[%d].role '%s' is not a valid onlineMeetingRole; use attendee, presenter, producer or coorganizer.", i, *a.Role)
				return nil, &e
			}
		}
		a.Role = &role
		if a.Identity != nil && a.Identity.User != nil {
			u := *a.Identity.User
			if u.TenantID == "" {
				u.TenantID = tenantID
			}
			if u.IdentityProvider == "" {
				u.IdentityProvider = "AAD"
			}
			a.Identity = &identitySetJSON{User: &u}
		}
		out = append(out, a)
	}
	return out, nil
}

// createOrGet implements POST users/{id}/onlineMeetings/createOrGet.
func (s *Server) createOrGet(gr *graphRequest) graphResponse {
	if resp, ok := s.checkOrganizer(gr); !ok {
		return resp
	}
	raw, req, errResp := decodeMeeting(gr.r)
	if errResp != nil {
		return *errResp
	}
	if present(raw, "chatInfo") && gr.version != "beta" {
		return graphErr(http.StatusBadRequest, "BadRequest",
			"chatInfo is accepted in a createOrGet request only on the beta endpoint; use /beta or leave chatInfo out.")
	}
	if req.ExternalID == nil || *req.ExternalID == "" {
		return graphErr(http.StatusBadRequest, "BadRequest", "externalId is required for createOrGet.")
	}
	// createOrGet takes only externalId, subject, the times, participants
	// and (beta) chatInfo; options come from the tenant's policy and change
	// by PATCH alone. Graph still reads the whole body as an onlineMeeting,
	// so an option of the wrong type is a 400 even here.
	if _, msg := parseOptions(raw, prefersUnknownEnumMembers(gr.r)); msg != "" {
		return graphErr(http.StatusBadRequest, "BadRequest", "%s", msg)
	}
	now := s.now().UTC()
	var start, end time.Time
	switch {
	case req.StartDateTime == nil && req.EndDateTime != nil:
		return graphErr(http.StatusBadRequest, "BadRequest", "startDateTime is required when endDateTime is given.")
	case req.StartDateTime == nil:
		start, end = now, now.Add(time.Hour)
	case req.EndDateTime == nil:
		start = req.StartDateTime.Time
		end = start.Add(time.Hour)
	default:
		start, end = req.StartDateTime.Time, req.EndDateTime.Time
	}
	if end.Before(start) {
		return graphErr(http.StatusBadRequest, "BadRequest", "endDateTime %s is earlier than startDateTime %s.",
			end.Format(graphTimeLayout), start.Format(graphTimeLayout))
	}
	var attendees []participantJSON
	if req.Participants != nil {
		var e *graphResponse
		if attendees, e = normalizeAttendees(gr.tenant.TenantID, req.Participants.Attendees); e != nil {
			return *e
		}
	}
	m, created := s.store.createOrGet(gr.tenant.TenantID, gr.organizerID, *req.ExternalID, func() *meeting {
		return s.newMeeting(gr.tenant.TenantID, gr.organizerID, req, now, start, end, attendees)
	})
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return graphOK(status, s.view(gr, &m))
}

// newMeeting builds a complete meeting the way Teams does, with the
// tenant's policy for its options.
func (s *Server) newMeeting(tenantID, organizer string, req *meetingRequestJSON, now, start, end time.Time, attendees []participantJSON) *meeting {
	thread := "19:meeting_" + randomString(40) + "@thread.v2"
	m := &meeting{
		// The random thread makes the id unique across tenants too, which
		// DeleteMeeting and SetSubject rely on.
		id:       base64.RawURLEncoding.EncodeToString([]byte("1*" + organizer + "*0**" + thread)),
		tenantID: tenantID, organizerID: organizer, externalID: *req.ExternalID,
		created: now, start: start, end: end, expiry: end.Add(expiryAfterEnd),
		attendees: attendees, threadID: thread, chatThreadID: thread, chatMessageID: "0",
		joinMeetingID: randomDigits(13), passcode: randomString(6), videoTeleconferenceID: randomDigits(10),
		conferenceID: randomDigits(9), joinWebURL: joinWebURL(tenantID, organizer, thread), options: policyDefaults(),
	}
	if req.Subject != nil {
		m.subject = *req.Subject
	}
	if c := req.ChatInfo; c != nil && c.ThreadID != "" {
		m.chatThreadID, m.chatMessageID, m.replyChainMessageID = c.ThreadID, c.MessageID, c.ReplyChainMessageID
		if m.chatMessageID == "" || m.chatMessageID == "0" {
			m.chatMessageID = fmt.Sprint(now.UnixMilli())
		}
	}
	return m
}

// joinWebURL is the link Teams gives a meeting: the thread and a JSON
// context, escaped with lower-case hex digits as Teams writes them
// (19%3ameeting_...%40thread.v2/0?context=%7b%22Tid%22%3a...).
func joinWebURL(tenantID, organizer, thread string) string {
	ctx, _ := json.Marshal(struct {
		Tid string `json:"Tid"`
		Oid string `json:"Oid"`
	}{tenantID, organizer})
	return "https://teams.microsoft.com/l/meetup-join/" + teamsEscape(thread) + "/0?context=" + teamsEscape(string(ctx))
}

// teamsEscape query-escapes s with lower-case hex digits.
func teamsEscape(s string) string {
	b := []byte(url.QueryEscape(s))
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' {
			b[i+1], b[i+2] = lowerHex(b[i+1]), lowerHex(b[i+2])
			i += 2
		}
	}
	return string(b)
}

func lowerHex(c byte) byte {
	if c >= 'A' && c <= 'F' {
		return c + 'a' - 'A'
	}
	return c
}

// view renders a stored meeting as Graph returns it to this request.
func (s *Server) view(gr *graphRequest, m *meeting) *meetingJSON {
	includeUnknown := prefersUnknownEnumMembers(gr.r)
	attendees := make([]participantJSON, 0, len(m.attendees))
	for _, a := range m.attendees {
		if a.Role != nil && *a.Role == "coorganizer" && !includeUnknown {
			r := "unknownFutureValue"
			a.Role = &r
		}
		attendees = append(attendees, a)
	}
	presenter := "presenter"
	join := m.joinWebURL
	out := &meetingJSON{
		ODataContext: fmt.Sprintf("https://%s/%s/$metadata#users('%s')/onlineMeetings/$entity", gr.r.Host, gr.version, m.organizerID),
		ID:           m.id, CreationDateTime: graphTime{m.created}, StartDateTime: graphTime{m.start},
		EndDateTime: graphTime{m.end}, ExpiryDateTime: graphTime{m.expiry},
		JoinURL: join, JoinWebURL: join, Subject: m.subject, ExternalID: m.externalID,
		Capabilities: []string{}, VideoTeleconferenceID: m.videoTeleconferenceID,
		JoinMeetingIDSettings: joinMeetingIDJSON{IsPasscodeRequired: true, JoinMeetingID: m.joinMeetingID, Passcode: m.passcode},
		AudioConferencing: &audioConferencingJSON{
			ConferenceID: m.conferenceID, TollNumber: "+1 206-485-3005", TollFreeNumber: "+1 800-555-0199",
			TollNumbers: []string{"+1 206-485-3005"}, TollFreeNumbers: []string{"+1 800-555-0199"},
			DialinURL: "https://dialin.teams.microsoft.com/" + m.organizerID + "?id=" + m.conferenceID,
		},
		ChatInfo: chatInfoJSON{ThreadID: m.chatThreadID, MessageID: m.chatMessageID, ReplyChainMessageID: m.replyChainMessageID},
		JoinInformation: itemBodyJSON{ContentType: "html",
			Content: "data:text/html," + url.PathEscape(`<a href="`+join+`">Join Microsoft Teams Meeting</a>`)},
		options: viewOptions(m.options, includeUnknown),
		Participants: participantsJSON{
			Organizer: &participantJSON{Role: &presenter, Identity: &identitySetJSON{User: &identityJSON{
				ID: m.organizerID, TenantID: m.tenantID, IdentityProvider: "AAD"}}},
			Attendees: attendees,
		},
	}
	if gr.version == "beta" {
		out.AutoAdmittedUsers = "everyoneInCompany"
	}
	// Applied to the answer, not the stored meeting, so that switching the
	// fault on reaches meetings created before it.
	if s.faults.oversizeValues() {
		oversize(out)
	}
	return out
}

// getMeeting implements GET users/{id}/onlineMeetings/{meetingId}.
func (s *Server) getMeeting(gr *graphRequest) graphResponse {
	if resp, ok := s.checkOrganizer(gr); !ok {
		return resp
	}
	m, ok := s.store.get(gr.tenant.TenantID, gr.organizerID, gr.meetingID)
	if !ok {
		return notFound(gr)
	}
	return graphOK(http.StatusOK, s.view(gr, &m))
}

// deleteMeeting implements DELETE users/{id}/onlineMeetings/{meetingId}.
func (s *Server) deleteMeeting(gr *graphRequest) graphResponse {
	if resp, ok := s.checkOrganizer(gr); !ok {
		return resp
	}
	if !s.store.delete(gr.tenant.TenantID, gr.organizerID, gr.meetingID) {
		return notFound(gr)
	}
	return graphOK(http.StatusNoContent, nil)
}

func notFound(gr *graphRequest) graphResponse {
	return graphErr(http.StatusNotFound, "NotFound", "The online meeting '%s' of user '%s' was not found.", gr.meetingID, gr.organizerID)
}

func randomDigits(n int) string {
	b := make([]byte, n)
	for i := range b {
		d, _ := rand.Int(rand.Reader, big.NewInt(10))
		b[i] = byte('0' + d.Int64())
	}
	if b[0] == '0' {
		b[0] = '1'
	}
	return string(b)
}

func randomString(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	for i := range b {
		d, _ := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		b[i] = alphabet[d.Int64()]
	}
	return string(b)
}
