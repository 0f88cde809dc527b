package emulator

import (
	"bytes"
	"compress/gzip"
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

// docExample1 is the first request of the createOrGet documentation.
const docExample1 = `{
  "startDateTime": "2020-02-06T01:49:21.3524945+00:00",
  "endDateTime": "2020-02-06T02:19:21.3524945+00:00",
  "subject": "Create a meeting with customId provided",
  "externalId": "7eb8263f-d0e0-4149-bb1c-1f0476083c56",
  "participants": {"attendees": [{
    "identity": {"user": {"id": "1f35f2e6-9cab-44ad-8d5a-b74c14720000"}},
    "role": "presenter", "upn": "test1@contoso.com"}]}
}`

// docExample2 is the second: a chat thread given, no attendee role.
const docExample2 = `{
  "startDateTime": "2020-02-06T01:49:21.3524945+00:00",
  "endDateTime": "2020-02-06T02:19:21.3524945+00:00",
  "subject": "Create a meeting with customId provided",
  "externalId": "7eb8263f-d0e0-4149-bb1c-1f0476083c56",
  "chatInfo": {"threadId": "19:7ebda77322dd4505ac4dedb5b67df076@thread.tacv2"},
  "participants": {"attendees": [{
    "identity": {"user": {"id": "1f35f2e6-9cab-44ad-8d5a-b74c14720000"}},
    "upn": "test1@contoso.com"}]}
}`

func TestCreateOrGetDocumentationExample1CreatesThenReturnsTheSameMeeting(t *testing.T) {
	g := NewWithT(t)
	s := start(t)
	tok := token(t, s)

	first := createOrGet(t, s, tok, docExample1)
	g.Expect(first.status).To(Equal(http.StatusCreated), string(first.raw))
	g.Expect(first.str("id")).NotTo(BeEmpty())
	g.Expect(first.str("externalId")).To(Equal("7eb8263f-d0e0-4149-bb1c-1f0476083c56"))
	g.Expect(first.str("subject")).To(Equal("Create a meeting with customId provided"))
	g.Expect(first.str("startDateTime")).To(Equal("2020-02-06T01:49:21.3524945Z"))
	g.Expect(first.str("endDateTime")).To(Equal("2020-02-06T02:19:21.3524945Z"))
	g.Expect(first.str("expiryDateTime")).To(Equal("2020-04-06T02:19:21.3524945Z"))
	g.Expect(first.str("creationDateTime")).To(MatchRegexp(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$`))
	g.Expect(first.str("joinWebUrl")).To(HavePrefix("https://teams.microsoft.com/l/meetup-join/"))
	g.Expect(first.str("videoTeleconferenceId")).NotTo(BeEmpty())
	g.Expect(first.str("@odata.context")).To(ContainSubstring("/v1.0/$metadata#users('" + testOrganizer + "')/onlineMeetings"))
	g.Expect(first.str("joinMeetingIdSettings", "joinMeetingId")).NotTo(BeEmpty())
	g.Expect(first.str("audioConferencing", "conferenceId")).NotTo(BeEmpty())
	g.Expect(first.str("audioConferencing", "tollNumber")).To(Equal("+1 206-485-3005"))
	g.Expect(first.str("audioConferencing", "dialinUrl")).To(HavePrefix("https://"))
	g.Expect(dig(first.json, "audioConferencing", "tollNumbers")).To(HaveLen(1))
	g.Expect(dig(first.json, "audioConferencing", "tollFreeNumbers")).To(HaveLen(1))
	g.Expect(first.str("chatInfo", "threadId")).To(MatchRegexp(`^19:meeting_.+@thread\.v2$`))
	g.Expect(first.str("chatInfo", "messageId")).To(Equal("0"))
	g.Expect(first.str("lobbyBypassSettings", "scope")).To(Equal("organization"))
	g.Expect(first.str("participants", "organizer", "role")).To(Equal("presenter"))
	g.Expect(first.str("participants", "organizer", "identity", "user", "id")).To(Equal(testOrganizer))
	g.Expect(first.str("participants", "organizer", "identity", "user", "tenantId")).To(Equal(testTenant))
	g.Expect(first.str("participants", "organizer", "identity", "user", "identityProvider")).To(Equal("AAD"))
	attendees := dig(first.json, "participants", "attendees").([]any)
	g.Expect(attendees).To(HaveLen(1))
	g.Expect(dig(attendees[0], "identity", "user", "id")).To(Equal("1f35f2e6-9cab-44ad-8d5a-b74c14720000"))
	g.Expect(dig(attendees[0], "role")).To(Equal("presenter"))
	g.Expect(dig(attendees[0], "upn")).To(Equal("test1@contoso.com"))

	second := createOrGet(t, s, tok, docExample1)
	g.Expect(second.status).To(Equal(http.StatusOK))
	g.Expect(second.json).To(Equal(first.json))
	g.Expect(s.Meetings()).To(HaveLen(1))
}

func TestCreateOrGetDocumentationExample2OnBetaKeepsTheGivenChatThread(t *testing.T) {
	g := NewWithT(t)
	s := start(t)
	tok := token(t, s)
	path := meetingsPath("beta", testOrganizer) + "/createOrGet"

	first := call(t, s, http.MethodPost, path, tok, docExample2)
	g.Expect(first.status).To(Equal(http.StatusCreated), string(first.raw))
	g.Expect(first.str("chatInfo", "threadId")).To(Equal("19:7ebda77322dd4505ac4dedb5b67df076@thread.tacv2"))
	g.Expect(first.str("chatInfo", "messageId")).NotTo(BeElementOf("", "0"))
	g.Expect(dig(first.json, "participants", "attendees").([]any)[0]).To(HaveKeyWithValue("role", "attendee"))

	second := call(t, s, http.MethodPost, path, tok, docExample2)
	g.Expect(second.status).To(Equal(http.StatusOK))
	g.Expect(second.str("id")).To(Equal(first.str("id")))
}

func TestCreateOrGetRefusesChatInfoOnV1(t *testing.T) {
	g := NewWithT(t)
	s := start(t)
	r := createOrGet(t, s, token(t, s), docExample2)
	expectGraphError(g, r, http.StatusBadRequest, "BadRequest", "only on the beta endpoint")
	g.Expect(s.Meetings()).To(BeEmpty())
}

func TestCreateOrGetIgnoresTheBodyWhenTheExternalIDExists(t *testing.T) {
	g := NewWithT(t)
	s := start(t)
	tok := token(t, s)
	first := createOrGet(t, s, tok, map[string]any{"externalId": "x-1", "subject": "before"})
	second := createOrGet(t, s, tok, map[string]any{"externalId": "x-1", "subject": "after",
		"startDateTime": "2030-01-01T00:00:00Z"})
	g.Expect(second.status).To(Equal(http.StatusOK))
	g.Expect(second.json).To(Equal(first.json))
}

func TestCreateOrGetScopesTheExternalIDToTheOrganizer(t *testing.T) {
	g := NewWithT(t)
	s := start(t)
	tok := token(t, s)
	other := "1f35f2e6-9cab-44ad-8d5a-b74c14720000"
	a := createOrGet(t, s, tok, map[string]any{"externalId": "shared"})
	b := call(t, s, http.MethodPost, meetingsPath("v1.0", other)+"/createOrGet", tok, map[string]any{"externalId": "shared"})
	g.Expect(a.status).To(Equal(http.StatusCreated))
	g.Expect(b.status).To(Equal(http.StatusCreated))
	g.Expect(a.str("id")).NotTo(Equal(b.str("id")))
	g.Expect(s.Meetings()).To(HaveLen(2))
}

func TestCreateOrGetDefaultsTimes(t *testing.T) {
	clk := newClock()
	s := start(t, func(c *Config) { c.Now = clk.Now })
	tok := token(t, s)
	now := clk.Now().UTC()
	at := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
	for _, tc := range []struct {
		name       string
		body       map[string]any
		start, end time.Time
	}{
		{"no times: start now, end an hour later", map[string]any{"externalId": "d-1"}, now, now.Add(time.Hour)},
		{"start only: end an hour later", map[string]any{"externalId": "d-2", "startDateTime": "2031-05-06T09:08:09+02:00"}, at, at.Add(time.Hour)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			r := createOrGet(t, s, tok, tc.body)
			g.Expect(r.status).To(Equal(http.StatusCreated), string(r.raw))
			g.Expect(r.str("startDateTime")).To(Equal(tc.start.Format(graphTimeLayout)))
			g.Expect(r.str("endDateTime")).To(Equal(tc.end.Format(graphTimeLayout)))
		})
	}
}

func TestCreateOrGetRejectsInvalidRequests(t *testing.T) {
	s := start(t)
	tok := token(t, s)
	for _, tc := range []struct {
		name, body, message string
	}{
		{"malformed JSON", `{"externalId": "a",`, "Invalid JSON"},
		{"empty body", ``, "body is empty"},
		{"a JSON array", `[]`, "Invalid JSON"},
		{"missing externalId", `{"subject": "s"}`, "externalId is required"},
		{"empty externalId", `{"externalId": ""}`, "externalId is required"},
		{"end without start", `{"externalId": "a", "endDateTime": "2030-01-01T00:00:00Z"}`, "startDateTime is required"},
		{"end before start", `{"externalId": "a", "startDateTime": "2030-01-01T01:00:00Z", "endDateTime": "2030-01-01T00:00:00Z"}`, "earlier than startDateTime"},
		{"unparseable time", `{"externalId": "a", "startDateTime": "tomorrow"}`, "not an ISO 8601 date-time"},
		{"unknown property", `{"externalId": "a", "colour": "blue"}`, "Invalid property 'colour'"},
		{"unknown role", `{"externalId": "a", "participants": {"attendees": [{"upn": "x@contoso.com", "role": "boss"}]}}`, "not a valid onlineMeetingRole"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			r := createOrGet(t, s, tok, []byte(tc.body))
			expectGraphError(g, r, http.StatusBadRequest, "BadRequest", tc.message)
		})
	}
	NewWithT(t).Expect(s.Meetings()).To(BeEmpty())
}

func TestGzipRequestBodiesAreDecoded(t *testing.T) {
	g := NewWithT(t)
	s := start(t)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write([]byte(docExample1))
	g.Expect(zw.Close()).To(Succeed())

	r := call(t, s, http.MethodPost, meetingsPath("v1.0", testOrganizer)+"/createOrGet", token(t, s), buf.Bytes(),
		"Content-Encoding", "gzip")
	g.Expect(r.status).To(Equal(http.StatusCreated), string(r.raw))
	g.Expect(r.str("externalId")).To(Equal("7eb8263f-d0e0-4149-bb1c-1f0476083c56"))

	bad := call(t, s, http.MethodPost, meetingsPath("v1.0", testOrganizer)+"/createOrGet", token(t, s), []byte("not gzip"),
		"Content-Encoding", "gzip")
	g.Expect(bad.status).To(Equal(http.StatusBadRequest))
}

func TestDeniedOrganizerGetsForbiddenWithoutApplicationAccessPolicy(t *testing.T) {
	g := NewWithT(t)
	s := start(t, func(c *Config) { c.DenyUsers = []string{testOrganizer} })
	tok := token(t, s)
	for _, r := range []reply{
		createOrGet(t, s, tok, map[string]any{"externalId": "a"}),
		call(t, s, http.MethodGet, meetingsPath("v1.0", testOrganizer)+"/some-id", tok, nil),
	} {
		expectGraphError(g, r, http.StatusForbidden, "Forbidden", "No application access policy found for this app")
	}
	g.Expect(s.Meetings()).To(BeEmpty())
}

func TestOrganizerMustBeAnObjectID(t *testing.T) {
	g := NewWithT(t)
	s := start(t)
	r := call(t, s, http.MethodPost, meetingsPath("v1.0", "alice@contoso.com")+"/createOrGet", token(t, s), map[string]any{"externalId": "a"})
	expectGraphError(g, r, http.StatusNotFound, "NotFound", "not a UPN")
}

func TestParallelCreateOrGetWithOneExternalIDMakesExactlyOneMeeting(t *testing.T) {
	g := NewWithT(t)
	s := start(t)
	tok := token(t, s)
	const n = 200
	var wg sync.WaitGroup
	replies := make([]reply, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := send(context.Background(), s, http.MethodPost, meetingsPath("v1.0", testOrganizer)+"/createOrGet", tok,
				map[string]any{"externalId": "race", "subject": "parallel"})
			if err != nil {
				t.Errorf("createOrGet %d: %v", i, err)
			}
			replies[i] = r
		}()
	}
	wg.Wait()
	created := 0
	for _, r := range replies {
		g.Expect(r.status).To(BeElementOf(http.StatusCreated, http.StatusOK), string(r.raw))
		g.Expect(r.str("id")).To(Equal(replies[0].str("id")))
		if r.status == http.StatusCreated {
			created++
		}
	}
	g.Expect(created).To(Equal(1))
	g.Expect(s.Meetings()).To(HaveLen(1))
	g.Expect(s.Stats().Requests[opCreateOrGet]).To(Equal(map[int]int{http.StatusCreated: 1, http.StatusOK: n - 1}))
}

func TestEveryAnswerCarriesRequestIDAndEchoesClientRequestID(t *testing.T) {
	g := NewWithT(t)
	s := start(t)
	tok := token(t, s)
	for _, tc := range []struct{ name, method, path, token string }{
		{"success", http.MethodPost, meetingsPath("v1.0", testOrganizer) + "/createOrGet", tok},
		{"unauthorized", http.MethodGet, meetingsPath("v1.0", testOrganizer) + "/x", ""},
		{"not found", http.MethodGet, meetingsPath("v1.0", testOrganizer) + "/x", tok},
		{"token endpoint", http.MethodGet, "/" + testTenant + "/v2.0/.well-known/openid-configuration", ""},
	} {
		r := call(t, s, tc.method, tc.path, tc.token, map[string]any{"externalId": "h"}, "client-request-id", "c0ffee00-0000-4000-8000-000000000001")
		g.Expect(r.header.Get("request-id")).To(MatchRegexp(`^[0-9a-f-]{36}$`), tc.name)
		g.Expect(r.header.Get("client-request-id")).To(Equal("c0ffee00-0000-4000-8000-000000000001"), tc.name)
	}
}

func TestCoorganizerRoleNeedsPreferIncludeUnknownEnumMembers(t *testing.T) {
	g := NewWithT(t)
	s := start(t)
	tok := token(t, s)
	body := map[string]any{"externalId": "co", "participants": map[string]any{"attendees": []any{
		map[string]any{"upn": "bob@contoso.com", "role": "coorganizer"}}}}
	plain := createOrGet(t, s, tok, body)
	g.Expect(dig(plain.json, "participants", "attendees").([]any)[0]).To(HaveKeyWithValue("role", "unknownFutureValue"))
	opted := call(t, s, http.MethodPost, meetingsPath("v1.0", testOrganizer)+"/createOrGet", tok, body,
		"Prefer", "include-unknown-enum-members")
	g.Expect(dig(opted.json, "participants", "attendees").([]any)[0]).To(HaveKeyWithValue("role", "coorganizer"))
}
