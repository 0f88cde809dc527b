package emulator

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/graph"
)

// fuzzEmulator is one emulator per fuzzing process, with a token and a
// meeting that inputs name by placeholder. It is replaced every
// fuzzRestartEvery inputs: the store keeps every meeting ever made, and a
// long run would otherwise grow without bound.
type fuzzEmulator struct {
	s        *Server
	token    string
	meetID   string
	replacer *strings.Replacer
	served   int
}

const fuzzRestartEvery = 5000

func (e *fuzzEmulator) start(tb testing.TB) {
	tb.Helper()
	if e.s != nil {
		_ = e.s.Close()
	}
	s, err := Start(Config{TenantID: testTenant, ClientID: testClient, ClientSecret: testSecret})
	if err != nil {
		tb.Fatalf("Start: %v", err)
	}
	e.s, e.served = s, 0
	u, _ := url.Parse(s.URL())
	e.replacer = strings.NewReplacer("{host}", u.Host, "{url}", s.URL(), "{tenant}", testTenant, "{client}", testClient,
		"{secret}", testSecret, "{org}", testOrganizer)

	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {testClient}, "client_secret": {testSecret},
		"scope": {s.URL() + "/.default"}}.Encode()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	e.mustServe(tb, "POST /{tenant}/oauth2/v2.0/token", "Content-Type: application/x-www-form-urlencoded", form, &tok)
	e.token = tok.AccessToken
	e.newTarget(tb)
}

// newTarget makes the meeting that {meeting} names, again after a delete.
func (e *fuzzEmulator) newTarget(tb testing.TB) {
	tb.Helper()
	var m struct {
		ID string `json:"id"`
	}
	e.mustServe(tb, "POST /v1.0/users/{org}/onlineMeetings/createOrGet", "Content-Type: application/json\r\nAuthorization: Bearer {token}",
		`{"externalId":"fuzz-target","subject":"Target"}`, &m)
	e.meetID = m.ID
}

// mustServe answers one request that must succeed, decoding its JSON into out.
func (e *fuzzEmulator) mustServe(tb testing.TB, line, headers, body string, out any) {
	tb.Helper()
	rec := e.serve(e.request(line, headers, []byte(e.fill(body))))
	if rec.Code/100 != 2 || json.Unmarshal(rec.Body.Bytes(), out) != nil {
		tb.Fatalf("%s: %d %s", line, rec.Code, rec.Body)
	}
}

// fill replaces the placeholders in s.
func (e *fuzzEmulator) fill(s string) string {
	return strings.NewReplacer("{token}", e.token, "{meeting}", e.meetID).Replace(e.replacer.Replace(s))
}

// request is the raw HTTP/1.1 request a client would send, placeholders
// filled in, with body as it is.
func (e *fuzzEmulator) request(line, headers string, body []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s HTTP/1.1\r\nHost: {host}\r\n", line)
	if headers != "" {
		b.WriteString(strings.TrimRight(headers, "\r\n") + "\r\n")
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(body))
	return append([]byte(e.fill(b.String())), body...)
}

// serve parses raw as net/http's server would and runs the emulator's
// handler on it; nil when net/http itself would refuse the request.
func (e *fuzzEmulator) serve(raw []byte) *httptest.ResponseRecorder {
	r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		return nil
	}
	r.RemoteAddr = "127.0.0.1:40000"
	rec := httptest.NewRecorder()
	e.s.ServeHTTP(rec, r)
	return rec
}

var graphDate = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$`)

// FuzzEmulatorRequest sends the emulator arbitrary requests: the request
// line and headers as a client writes them, and a body (gzip-compressed
// when zipped) with placeholders for the token, tenant, client, secret,
// organizer and an existing meeting. Without faults configured the
// emulator must answer every request net/http accepts with a 2xx or a 4xx
// (never a panic, a 5xx or a redirect), error answers must be well-formed
// (Graph's error shape on Graph routes, with the request-id of the header;
// Azure AD's or Graph's elsewhere), and meeting answers must carry an id
// the client accepts.
func FuzzEmulatorRequest(f *testing.F) {
	const graphHeaders = "Authorization: Bearer {token}\r\nContent-Type: application/json\r\nPrefer: include-unknown-enum-members"
	f.Add("POST /v1.0/users/{org}/onlineMeetings/createOrGet", graphHeaders, []byte(`{"externalId":"e1","subject":"Sync","startDateTime":"2020-02-06T01:49:21.3524945+00:00","endDateTime":"2020-02-06T02:19:21.3524945+00:00","participants":{"attendees":[{"upn":"test1@contoso.com","role":"presenter"},{"identity":{"user":{"id":"u2"}}}]}}`), false)
	f.Add("POST /beta/users/{org}/onlineMeetings/createOrGet", graphHeaders, []byte(`{"externalId":"e2","chatInfo":{"threadId":"19:t@thread.tacv2","messageId":"0"}}`), true)
	f.Add("PATCH /v1.0/users/{org}/onlineMeetings/{meeting}", graphHeaders, []byte(`{"subject":"Renamed","startDateTime":"2026-12-01T09:00:00Z","endDateTime":"2026-12-01T10:00:00Z","lobbyBypassSettings":{"scope":"invited"},"allowMeetingChat":"limited","watermarkProtection":{"isEnabledForVideo":true}}`), false)
	f.Add("GET /v1.0/users/{org}/onlineMeetings?$filter=JoinWebUrl%20eq%20'https%3A%2F%2Fteams.microsoft.com%2Fl%2Fx'", graphHeaders, []byte{}, false)
	f.Add("DELETE /beta/users/{org}/onlineMeetings/{meeting}", graphHeaders, []byte{}, false)
	f.Add("POST /{tenant}/oauth2/v2.0/token", "Content-Type: application/x-www-form-urlencoded", []byte("grant_type=client_credentials&client_id={client}&client_secret={secret}&scope={url}%2F.default"), false)
	f.Add("GET /{tenant}/v2.0/.well-known/openid-configuration", "", []byte{}, false)

	var e fuzzEmulator
	e.start(f)
	f.Cleanup(func() { _ = e.s.Close() })
	f.Fuzz(func(t *testing.T, line, headers string, body []byte, zipped bool) {
		if e.served++; e.served > fuzzRestartEvery {
			e.start(t)
		}
		body = []byte(e.fill(string(body)))
		if zipped {
			var b bytes.Buffer
			zw := gzip.NewWriter(&b)
			_, _ = zw.Write(body)
			_ = zw.Close()
			body, headers = b.Bytes(), headers+"\r\nContent-Encoding: gzip"
		}
		raw := e.request(line, headers, body)
		r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
		if err != nil || r.URL.Path == "/_emulator" || strings.HasPrefix(r.URL.Path, "/_emulator/") {
			return // refused by net/http, or the unauthenticated inspection API (which sets faults)
		}
		rec := e.serve(raw)
		status, answer := rec.Code, rec.Body.Bytes()
		if status/100 != 2 && status/100 != 4 {
			t.Fatalf("%s answered %d: %s", line, status, answer)
		}
		requestID := rec.Header().Get("request-id")
		if requestID == "" {
			t.Errorf("%s: no request-id header", line)
		}
		if status == http.StatusNoContent {
			e.newTarget(t) // the input may have deleted it
		}
		if status/100 == 2 && len(answer) == 0 {
			return
		}
		var doc map[string]any
		if err := json.Unmarshal(answer, &doc); err != nil {
			t.Fatalf("%s answered %d with a body that is not a JSON object: %q", line, status, answer)
		}
		graphRoute := hasPrefixFold(r.URL.Path, "/v1.0/") || hasPrefixFold(r.URL.Path, "/beta/")
		switch {
		case status >= 400 && (graphRoute || doc["error"] != nil && !isString(doc["error"])):
			checkGraphError(t, line, doc, requestID)
		case status >= 400:
			checkAADError(t, line, doc, requestID)
		case graphRoute && doc["value"] == nil:
			if id, _ := doc["id"].(string); !graph.ValidMeetingID(id) {
				t.Errorf("%s answered %d with meeting id %q, which the client refuses", line, status, id)
			}
		}
	})
}

func isString(v any) bool { _, ok := v.(string); return ok }

// checkGraphError: {"error":{"code","message","innerError":{"date","request-id"}}}.
func checkGraphError(t *testing.T, line string, doc map[string]any, requestID string) {
	t.Helper()
	e, _ := doc["error"].(map[string]any)
	inner, _ := e["innerError"].(map[string]any)
	code, _ := e["code"].(string)
	msg, _ := e["message"].(string)
	date, _ := inner["date"].(string)
	if code == "" || msg == "" || inner["request-id"] != requestID || !graphDate.MatchString(date) {
		t.Errorf("%s: not Graph's error shape with request-id %s: %v", line, requestID, doc)
	}
}

// checkAADError: Azure AD's token-endpoint error.
func checkAADError(t *testing.T, line string, doc map[string]any, requestID string) {
	t.Helper()
	desc, _ := doc["error_description"].(string)
	codes, _ := doc["error_codes"].([]any)
	if !isString(doc["error"]) || doc["error"] == "" || !strings.HasPrefix(desc, "AADSTS") || len(codes) == 0 || doc["trace_id"] != requestID {
		t.Errorf("%s: not Azure AD's error shape with trace_id %s: %v", line, requestID, doc)
	}
}
