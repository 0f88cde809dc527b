package emulator

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

func TestGetReturnsTheStoredMeetingAndDeleteRemovesIt(t *testing.T) {
	g := NewWithT(t)
	s := start(t)
	tok := token(t, s)
	created := createOrGet(t, s, tok, docExample1)
	path := meetingsPath("v1.0", testOrganizer) + "/" + created.str("id")

	got := call(t, s, http.MethodGet, path, tok, nil)
	g.Expect(got.status).To(Equal(http.StatusOK))
	g.Expect(got.json).To(Equal(created.json))

	del := call(t, s, http.MethodDelete, path, tok, nil)
	g.Expect(del.status).To(Equal(http.StatusNoContent))
	g.Expect(del.raw).To(BeEmpty())
	expectGraphError(g, call(t, s, http.MethodGet, path, tok, nil), http.StatusNotFound, "NotFound", "was not found")
	expectGraphError(g, call(t, s, http.MethodDelete, path, tok, nil), http.StatusNotFound, "NotFound", "was not found")
	g.Expect(s.Meetings()).To(BeEmpty())
}

func TestCreateOrGetAfterDeleteFollowsTheConfiguredBehavior(t *testing.T) {
	for _, tc := range []struct {
		behavior      DeletedExternalIDBehavior
		status        int
		sameID        bool
		getAfterwards int
	}{
		{DeletedExternalIDNew, http.StatusCreated, false, http.StatusOK},
		{DeletedExternalIDStale, http.StatusOK, true, http.StatusNotFound},
	} {
		t.Run(string(tc.behavior), func(t *testing.T) {
			g := NewWithT(t)
			s := start(t, func(c *Config) { c.DeletedExternalID = tc.behavior })
			tok := token(t, s)
			first := createOrGet(t, s, tok, map[string]any{"externalId": "gone"})
			g.Expect(s.DeleteMeeting(testOrganizer, first.str("id"))).To(BeTrue())

			again := createOrGet(t, s, tok, map[string]any{"externalId": "gone"})
			g.Expect(again.status).To(Equal(tc.status))
			g.Expect(again.str("id") == first.str("id")).To(Equal(tc.sameID))
			get := call(t, s, http.MethodGet, meetingsPath("v1.0", testOrganizer)+"/"+again.str("id"), tok, nil)
			g.Expect(get.status).To(Equal(tc.getAfterwards))
		})
	}
}

func TestPatchChangesOnlyWhatWasSentAndReplacesAttendees(t *testing.T) {
	g := NewWithT(t)
	clk := newClock()
	s := start(t, func(c *Config) { c.Now = clk.Now })
	tok := token(t, s)
	created := createOrGet(t, s, tok, docExample1)
	path := meetingsPath("v1.0", testOrganizer) + "/" + created.str("id")

	r := call(t, s, http.MethodPatch, path, tok, map[string]any{"subject": "renamed"})
	g.Expect(r.status).To(Equal(http.StatusOK), string(r.raw))
	g.Expect(r.str("subject")).To(Equal("renamed"))
	g.Expect(r.str("startDateTime")).To(Equal(created.str("startDateTime")))
	g.Expect(dig(r.json, "participants", "attendees")).To(HaveLen(1))
	// The meeting ended in 2020, so the update pushes expiry 60 days past now.
	g.Expect(r.str("expiryDateTime")).To(Equal(clk.Now().UTC().Add(expiryAfterEnd).Format(graphTimeLayout)))

	r = call(t, s, http.MethodPatch, path, tok, map[string]any{
		"startDateTime": "2031-01-01T10:00:00Z", "endDateTime": "2031-01-01T11:00:00Z",
		"participants": map[string]any{"attendees": []any{
			map[string]any{"upn": "a@contoso.com"}, map[string]any{"upn": "b@contoso.com", "role": "presenter"}}},
	})
	g.Expect(r.status).To(Equal(http.StatusOK), string(r.raw))
	g.Expect(r.str("startDateTime")).To(Equal("2031-01-01T10:00:00.0000000Z"))
	g.Expect(r.str("expiryDateTime")).To(Equal("2031-03-02T11:00:00.0000000Z"))
	g.Expect(dig(r.json, "participants", "attendees")).To(HaveLen(2))
	g.Expect(r.str("subject")).To(Equal("renamed"))
	g.Expect(s.Meetings()[0].Attendees).To(Equal(2))
	g.Expect(s.Meetings()[0].StartDateTime).To(Equal(time.Date(2031, 1, 1, 10, 0, 0, 0, time.UTC)))
}

func TestPatchRejectsForbiddenChanges(t *testing.T) {
	s := start(t)
	tok := token(t, s)
	created := createOrGet(t, s, tok, docExample1)
	path := meetingsPath("v1.0", testOrganizer) + "/" + created.str("id")
	for _, tc := range []struct {
		name, body, message string
	}{
		{"start without end", `{"startDateTime": "2031-01-01T10:00:00Z"}`, "must be sent together"},
		{"end without start", `{"endDateTime": "2031-01-01T10:00:00Z"}`, "must be sent together"},
		{"end before start", `{"startDateTime": "2031-01-01T10:00:00Z", "endDateTime": "2031-01-01T09:00:00Z"}`, "earlier than startDateTime"},
		{"another organizer", `{"participants": {"organizer": {"identity": {"user": {"id": "1f35f2e6-9cab-44ad-8d5a-b74c14720000"}}}}}`, "organizer of an online meeting cannot be changed"},
		{"joinMeetingIdSettings", `{"joinMeetingIdSettings": {"isPasscodeRequired": false}}`, "joinMeetingIdSettings cannot be changed"},
		{"externalId", `{"externalId": "other"}`, "externalId cannot be changed"},
		{"malformed JSON", `{"subject": `, "Invalid JSON"},
		{"unknown property", `{"colour": "blue"}`, "Invalid property 'colour'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			expectGraphError(g, call(t, s, http.MethodPatch, path, tok, tc.body), http.StatusBadRequest, "BadRequest", tc.message)
		})
	}
	g := NewWithT(t)
	g.Expect(call(t, s, http.MethodGet, path, tok, nil).json).To(Equal(created.json))
	expectGraphError(g, call(t, s, http.MethodPatch, meetingsPath("v1.0", testOrganizer)+"/nope", tok, `{"subject": "x"}`),
		http.StatusNotFound, "NotFound", "was not found")
}

func TestPatchAcceptsTheUnchangedOrganizer(t *testing.T) {
	g := NewWithT(t)
	s := start(t)
	tok := token(t, s)
	created := createOrGet(t, s, tok, docExample1)
	r := call(t, s, http.MethodPatch, meetingsPath("v1.0", testOrganizer)+"/"+created.str("id"), tok, map[string]any{
		"participants": map[string]any{
			"organizer": map[string]any{"identity": map[string]any{"user": map[string]any{"id": testOrganizer}}},
			"attendees": []any{}}})
	g.Expect(r.status).To(Equal(http.StatusOK), string(r.raw))
	g.Expect(dig(r.json, "participants", "attendees")).To(BeEmpty())
}

func TestListFiltersByJoinWebURLOnly(t *testing.T) {
	g := NewWithT(t)
	s := start(t)
	tok := token(t, s)
	created := createOrGet(t, s, tok, docExample1)
	createOrGet(t, s, tok, map[string]any{"externalId": "other"})
	base := meetingsPath("v1.0", testOrganizer)

	r := call(t, s, http.MethodGet, base+"?$filter="+url.QueryEscape("JoinWebUrl eq '"+created.str("joinWebUrl")+"'"), tok, nil)
	g.Expect(r.status).To(Equal(http.StatusOK), string(r.raw))
	g.Expect(r.json["value"]).To(HaveLen(1))
	g.Expect(dig(r.json["value"].([]any)[0], "id")).To(Equal(created.str("id")))

	expectGraphError(g, call(t, s, http.MethodGet, base+"?$filter="+url.QueryEscape("externalId eq 'other'"), tok, nil),
		http.StatusBadRequest, "InvalidArgument", "JoinWebUrl")
}

func TestUnknownGraphRoutesAnswerInGraphsShape(t *testing.T) {
	s := start(t)
	tok := token(t, s)
	for _, tc := range []struct {
		name, method, path string
		status             int
		code, message      string
	}{
		{"unknown segment", http.MethodGet, "/v1.0/users/" + testOrganizer + "/calendars", http.StatusBadRequest, "BadRequest", "Resource not found"},
		{"delegated /me", http.MethodPost, "/v1.0/me/onlineMeetings/createOrGet", http.StatusBadRequest, "BadRequest", "delegated"},
		{"wrong method", http.MethodPut, meetingsPath("v1.0", testOrganizer) + "/x", http.StatusMethodNotAllowed, "MethodNotAllowed", "PUT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			expectGraphError(NewWithT(t), call(t, s, tc.method, tc.path, tok, nil), tc.status, tc.code, tc.message)
		})
	}
}

// gzipJSON compresses a JSON body as Microsoft's SDKs send it.
func gzipJSON(t *testing.T, body string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write([]byte(body))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// msgraph-sdk-go exposes every onlineMeetingBase option as a typed setter
// and sends a PATCH as gzip JSON with the entity's @odata.type; Graph
// accepts each option and returns what was set from then on.
func TestPatchKeepsMeetingOptionsAsMicrosoftsGoSDKSendsThem(t *testing.T) {
	g := NewWithT(t)
	s := start(t)
	tok := token(t, s)
	created := createOrGet(t, s, tok, docExample1)
	path := meetingsPath("v1.0", testOrganizer) + "/" + created.str("id")
	sdkPatch := func(body string) reply {
		return call(t, s, http.MethodPatch, path, tok, gzipJSON(t, body),
			"Content-Encoding", "gzip", "Accept", "application/json", "User-Agent", "kiota-go/1.5.4")
	}

	for _, body := range []string{
		`{"@odata.type":"#microsoft.graph.onlineMeeting","allowWhiteboard":false}`,
		`{"@odata.type":"#microsoft.graph.onlineMeeting","allowPowerPointSharing":false}`,
		`{"@odata.type":"#microsoft.graph.onlineMeeting","allowBreakoutRooms":false}`,
		`{"@odata.type":"#microsoft.graph.onlineMeeting","allowLiveShare":"disabled"}`,
		`{"@odata.type":"#microsoft.graph.onlineMeeting","allowParticipantsToChangeName":true}`,
		`{"@odata.type":"#microsoft.graph.onlineMeeting","allowCopyingAndSharingMeetingContent":false}`,
		`{"@odata.type":"#microsoft.graph.onlineMeeting","allowedLobbyAdmitters":"organizerAndCoOrganizers"}`,
		`{"@odata.type":"#microsoft.graph.onlineMeeting","isEndToEndEncryptionEnabled":false}`,
		`{"@odata.type":"#microsoft.graph.onlineMeeting","allowMeetingChat":"limited"}`,
		`{"@odata.type":"#microsoft.graph.onlineMeeting","allowTeamworkReactions":false,"isEntryExitAnnounced":false,"recordAutomatically":true}`,
		`{"@odata.type":"#microsoft.graph.onlineMeeting","allowAttendeeToEnableCamera":false,"allowAttendeeToEnableMic":false}`,
		`{"@odata.type":"#microsoft.graph.onlineMeeting","allowRecording":false,"allowTranscription":false}`,
	} {
		r := sdkPatch(body)
		g.Expect(r.status).To(Equal(http.StatusOK), body+": "+string(r.raw))
	}

	want := map[string]any{
		"allowWhiteboard": false, "allowPowerPointSharing": false, "allowBreakoutRooms": false,
		"allowLiveShare": "disabled", "allowParticipantsToChangeName": true,
		"allowCopyingAndSharingMeetingContent": false, "allowedLobbyAdmitters": "organizerAndCoOrganizers",
		"isEndToEndEncryptionEnabled": false, "allowMeetingChat": "limited", "allowTeamworkReactions": false,
		"isEntryExitAnnounced": false, "recordAutomatically": true, "allowAttendeeToEnableCamera": false,
		"allowAttendeeToEnableMic": false, "allowRecording": false, "allowTranscription": false,
	}
	got := call(t, s, http.MethodGet, path, tok, nil)
	g.Expect(got.status).To(Equal(http.StatusOK))
	for k, v := range want {
		g.Expect(got.json).To(HaveKeyWithValue(k, v), k)
	}
	// The rest of the meeting is untouched and still Graph's shape.
	g.Expect(got.str("id")).To(Equal(created.str("id")))
	g.Expect(got.str("subject")).To(Equal(created.str("subject")))
	g.Expect(got.str("@odata.context")).To(Equal(created.str("@odata.context")))
	g.Expect(got.str("joinMeetingIdSettings", "joinMeetingId")).To(Equal(created.str("joinMeetingIdSettings", "joinMeetingId")))

	for _, tc := range []struct{ body, message string }{
		{`{"allowWhiteboard":"no"}`, "Edm.Boolean"},
		{`{"allowMeetingChat":"sometimes"}`, "not a valid value of property 'allowMeetingChat'"},
		{`{"watermarkProtection":[1]}`, "must be an object or null"},
	} {
		expectGraphError(g, sdkPatch(tc.body), http.StatusBadRequest, "BadRequest", tc.message)
	}
	g.Expect(call(t, s, http.MethodGet, path, tok, nil).json).To(HaveKeyWithValue("allowWhiteboard", false))
}

// joinWebURLFilter is the query internal/graph sends: the URL quoted as
// OData wants (a quote doubled), the whole expression query-escaped with
// %20 for spaces.
func joinWebURLFilter(joinWebURL string) string {
	expr := "JoinWebUrl eq '" + strings.ReplaceAll(joinWebURL, "'", "''") + "'"
	return "$filter=" + strings.ReplaceAll(url.QueryEscape(expr), "+", "%20")
}

func TestJoinWebURLsAreEscapedAsTeamsWritesThem(t *testing.T) {
	g := NewWithT(t)
	s := start(t)
	created := createOrGet(t, s, token(t, s), docExample1)
	g.Expect(created.str("joinWebUrl")).To(MatchRegexp(
		`^https://teams\.microsoft\.com/l/meetup-join/19%3ameeting_[A-Za-z0-9]+%40thread\.v2/0\?context=%7b%22Tid%22%3a%22` +
			testTenant + `%22%2c%22Oid%22%3a%22` + testOrganizer + `%22%7d$`))
	g.Expect(created.str("joinUrl")).To(Equal(created.str("joinWebUrl")))
}

// The filter finds a join URL however awkward: Teams' own escapes, and
// links made elsewhere with quotes, ampersands, plus signs and spaces.
func TestListFindsJoinWebURLsEncodedAsTheClientSendsThem(t *testing.T) {
	s := start(t)
	tok := token(t, s)
	base := meetingsPath("v1.0", testOrganizer)
	teams := createOrGet(t, s, tok, map[string]any{"externalId": "teams"})
	other := createOrGet(t, s, tok, map[string]any{"externalId": "other"})
	for _, tc := range []struct{ name, joinWebURL string }{
		{"as Teams made it", teams.str("joinWebUrl")},
		{"quote", "https://teams.microsoft.com/l/meetup-join/19%3ameeting_O'Brien%40thread.v2/0?context=%7b%7d"},
		{"two quotes in a row", "https://example.com/meet/''x'"},
		{"ampersand and plus", "https://teams.microsoft.com/meet/123?p=a+b&c=d%26e"},
		{"space and hash", "https://example.com/a b#c"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			g.Expect(s.SetJoinWebURL(testOrganizer, teams.str("id"), tc.joinWebURL)).To(BeTrue())
			r := call(t, s, http.MethodGet, base+"?"+joinWebURLFilter(tc.joinWebURL), tok, nil)
			g.Expect(r.status).To(Equal(http.StatusOK), string(r.raw))
			g.Expect(r.json["value"]).To(HaveLen(1))
			g.Expect(dig(r.json["value"].([]any)[0], "id")).To(Equal(teams.str("id")))
			g.Expect(dig(r.json["value"].([]any)[0], "joinWebUrl")).To(Equal(tc.joinWebURL))

			// Near misses find nothing: the match is exact.
			for _, miss := range []string{strings.ToUpper(tc.joinWebURL), tc.joinWebURL + "x", other.str("joinWebUrl") + "'"} {
				r := call(t, s, http.MethodGet, base+"?"+joinWebURLFilter(miss), tok, nil)
				g.Expect(r.status).To(Equal(http.StatusOK), string(r.raw))
				g.Expect(r.json["value"]).To(BeEmpty(), miss)
			}
		})
	}
	g := NewWithT(t)
	g.Expect(s.SetJoinWebURL(testOrganizer, "no-such-meeting", "https://x")).To(BeFalse())
	// An undoubled quote ends the literal early: Graph's parser refuses it.
	expectGraphError(g, call(t, s, http.MethodGet, base+"?$filter="+url.QueryEscape("JoinWebUrl eq 'a'b'"), tok, nil),
		http.StatusBadRequest, "InvalidArgument", "JoinWebUrl")
}
