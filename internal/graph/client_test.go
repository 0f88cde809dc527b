package graph

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestCreateOrGetReportsCreatedOn201AndExistingOn200(t *testing.T) {
	for _, tt := range []struct {
		status      int
		wantCreated bool
	}{{http.StatusCreated, true}, {http.StatusOK, false}} {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(meetingJSON))
			})
			c, _ := newTestClient(t, ts, Config{})
			m, created, err := c.CreateOrGet(context.Background(), testOrganizer, &MeetingRequest{ExternalID: "ext-1"})
			if err != nil {
				t.Fatal(err)
			}
			if created != tt.wantCreated || m.ExternalID != "ext-1" || m.Subject != "Standup" {
				t.Errorf("created=%v meeting=%+v", created, m)
			}
			if want := time.Date(2026, 12, 1, 9, 0, 0, 123456700, time.UTC); !m.StartDateTime.Equal(want) {
				t.Errorf("start %s, want %s (seven fractional digits kept)", m.StartDateTime, want)
			}
		})
	}
}

func TestEachOperationUsesGraphsMethodAndPath(t *testing.T) {
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodDelete {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		_, _ = w.Write([]byte(meetingJSON))
	})
	c, _ := newTestClient(t, ts, Config{APIVersion: "beta"})
	ctx := context.Background()
	// Ids are validated, then escaped: a "/" in a meeting id stays in its segment.
	org, id := testOrganizer, "MSo1N2Y5+ZGFj/x=="
	subject := "New"
	if _, _, err := c.CreateOrGet(ctx, org, &MeetingRequest{ExternalID: "e"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(ctx, org, id); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Update(ctx, org, id, &MeetingPatch{Subject: &subject}); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(ctx, org, id); err != nil {
		t.Fatal(err)
	}
	want := []struct{ method, rawPath string }{
		{"POST", "/beta/users/" + testOrganizer + "/onlineMeetings/createOrGet"},
		{"GET", "/beta/users/" + testOrganizer + "/onlineMeetings/MSo1N2Y5+ZGFj%2Fx=="},
		{"PATCH", "/beta/users/" + testOrganizer + "/onlineMeetings/MSo1N2Y5+ZGFj%2Fx=="},
		{"DELETE", "/beta/users/" + testOrganizer + "/onlineMeetings/MSo1N2Y5+ZGFj%2Fx=="},
	}
	got := ts.recorded()
	if len(got) != len(want) {
		t.Fatalf("%d requests, want %d", len(got), len(want))
	}
	for i, w := range want {
		if got[i].Method != w.method || got[i].RawPath != w.rawPath {
			t.Errorf("request %d: %s %s, want %s %s", i, got[i].Method, got[i].RawPath, w.method, w.rawPath)
		}
	}
	if c.APIVersion() != "beta" {
		t.Errorf("APIVersion() = %q", c.APIVersion())
	}
}

func TestEveryRequestCarriesTokenPreferAndAFreshClientRequestID(t *testing.T) {
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(meetingJSON)) })
	cred := &staticCredential{scopes: make(chan []string, 10)}
	c, _ := newTestClient(t, ts, Config{Credential: cred, UserAgent: "test-agent/1"})
	for range 5 {
		if _, err := c.Get(context.Background(), testOrganizer, "m1"); err != nil {
			t.Fatal(err)
		}
	}
	guid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for _, r := range ts.recorded() {
		id := r.Header.Get("client-request-id")
		if !guid.MatchString(id) {
			t.Errorf("client-request-id %q is not a GUID", id)
		}
		if seen[id] {
			t.Errorf("client-request-id %q sent twice", id)
		}
		seen[id] = true
		if got := r.Header.Get("Authorization"); got != "Bearer "+testToken {
			t.Errorf("Authorization = %q", got)
		}
		if got := r.Header.Get("Prefer"); got != "include-unknown-enum-members" {
			t.Errorf("Prefer = %q", got)
		}
		if got := r.Header.Get("User-Agent"); got != "test-agent/1" {
			t.Errorf("User-Agent = %q", got)
		}
	}
	if len(seen) != 5 {
		t.Errorf("%d distinct client-request-ids, want 5", len(seen))
	}
	if scopes := <-cred.scopes; len(scopes) != 1 || scopes[0] != ts.URL+"/.default" {
		t.Errorf("token scopes %v, want the endpoint's /.default", scopes)
	}
}

func TestRequestBodiesAreJSONInUTCWithOnlyTheSetFields(t *testing.T) {
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(meetingJSON)) })
	c, _ := newTestClient(t, ts, Config{})
	plus2 := time.FixedZone("+02:00", 2*3600)
	start := time.Date(2026, 12, 1, 11, 0, 0, 0, plus2)
	end := start.Add(30 * time.Minute)
	if _, _, err := c.CreateOrGet(context.Background(), testOrganizer, &MeetingRequest{ExternalID: "e", Subject: "S", StartDateTime: &start, EndDateTime: &end}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Update(context.Background(), testOrganizer, "m1", &MeetingPatch{Participants: &MeetingParticipants{Attendees: []MeetingParticipantInfo{}}}); err != nil {
		t.Fatal(err)
	}
	got := ts.recorded()
	if ct := got[0].Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	if want := `{"externalId":"e","subject":"S","startDateTime":"2026-12-01T09:00:00Z","endDateTime":"2026-12-01T09:30:00Z"}`; got[0].Body != want {
		t.Errorf("createOrGet body\n got %s\nwant %s", got[0].Body, want)
	}
	if want := `{"participants":{"attendees":[]}}`; got[1].Body != want {
		t.Errorf("update body\n got %s\nwant %s (an empty attendee list must be sent to clear it)", got[1].Body, want)
	}
	if start.Location() != plus2 {
		t.Error("the caller's time was modified")
	}
}

func TestUpdateAnsweredWithoutABodyStillReturnsTheMeeting(t *testing.T) {
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPatch {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		_, _ = w.Write([]byte(meetingJSON))
	})
	c, _ := newTestClient(t, ts, Config{})
	m, err := c.Update(context.Background(), testOrganizer, "m1", &MeetingPatch{})
	if err != nil || m == nil || m.ExternalID != "ext-1" {
		t.Fatalf("Update = %+v, %v; want the meeting read back", m, err)
	}
	if got := ts.recorded(); len(got) != 2 || got[1].Method != http.MethodGet {
		t.Errorf("requests %+v, want PATCH then GET", got)
	}
}

func TestSuccessWithoutAMeetingIsAnError(t *testing.T) {
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"@odata.context":"x"}`))
	})
	c, _ := newTestClient(t, ts, Config{})
	if _, _, err := c.CreateOrGet(context.Background(), testOrganizer, &MeetingRequest{ExternalID: "e"}); ClassOf(err) != ClassTransient {
		t.Errorf("CreateOrGet = %v, want Transient", err)
	}
	if _, err := c.Get(context.Background(), testOrganizer, "m1"); ClassOf(err) != ClassTransient {
		t.Errorf("Get = %v, want Transient", err)
	}
}

func TestDeleteOfAMissingMeetingIsNotFound(t *testing.T) {
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		graphError(w, http.StatusNotFound, "NotFound", "The meeting was not found", nil)
	})
	c, _ := newTestClient(t, ts, Config{})
	if err := c.Delete(context.Background(), testOrganizer, "m1"); ClassOf(err) != ClassNotFound {
		t.Errorf("Delete = %v, want ClassNotFound", err)
	}
}

func TestNoErrorEverContainsTheAccessToken(t *testing.T) {
	// Graph never echoes the token; this server does, to prove the client redacts it.
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		graphError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "bad token "+strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "), nil)
	})
	c, _ := newTestClient(t, ts, Config{})
	var errs []error
	_, err := c.Get(context.Background(), testOrganizer, "m1")
	errs = append(errs, err)
	_, _, err = c.CreateOrGet(context.Background(), testOrganizer, &MeetingRequest{ExternalID: "e"})
	errs = append(errs, err)
	ts.Close() // now every call is a transport error
	errs = append(errs, c.Delete(context.Background(), testOrganizer, "m1"))
	for _, err := range errs {
		if err == nil {
			t.Fatal("expected an error")
		}
		if strings.Contains(err.Error(), testToken) || strings.Contains(err.Error(), "SECRET-ACCESS-TOKEN") {
			t.Errorf("error leaks the token: %s", err)
		}
		var ge *Error
		if errors.As(err, &ge) && strings.Contains(ge.Message, "SECRET") {
			t.Errorf("Message leaks the token: %s", ge.Message)
		}
	}
}

func TestObserverSeesEachAttemptWithItsStatus(t *testing.T) {
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			graphError(w, http.StatusNotFound, "NotFound", "gone", nil)
			return
		}
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(meetingJSON))
	})
	obs := &recordingObserver{}
	c, _ := newTestClient(t, ts, Config{Observer: obs})
	_, _, _ = c.CreateOrGet(context.Background(), testOrganizer, &MeetingRequest{ExternalID: "e"})
	_, _ = c.Get(context.Background(), testOrganizer, "m1")
	want := []observed{{"createOrGet", 201}, {"get", 404}}
	if len(obs.calls) != len(want) {
		t.Fatalf("observer saw %+v, want %+v", obs.calls, want)
	}
	for i := range want {
		if obs.calls[i].op != want[i].op || obs.calls[i].status != want[i].status || obs.calls[i].d <= 0 {
			t.Errorf("call %d: %+v, want %+v with a duration", i, obs.calls[i], want[i])
		}
	}
}

func TestMalformedIdentifiersAreRejectedWithoutARequest(t *testing.T) {
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {})
	c, _ := newTestClient(t, ts, Config{})
	ctx := context.Background()
	errs := []error{
		func() error { _, _, err := c.CreateOrGet(ctx, "", &MeetingRequest{ExternalID: "e"}); return err }(),
		func() error { _, _, err := c.CreateOrGet(ctx, testOrganizer, nil); return err }(),
		func() error { _, err := c.Get(ctx, testOrganizer, ""); return err }(),
		func() error { _, err := c.Update(ctx, "", "m1", &MeetingPatch{}); return err }(),
		c.Delete(ctx, testOrganizer, ""),
		// A UPN, or a path that climbs out of its segment, never reaches Graph.
		func() error { _, err := c.Get(ctx, "alex@contoso.com", "m1"); return err }(),
		func() error { _, err := c.Get(ctx, testOrganizer, "../../users/x/onlineMeetings/y"); return err }(),
		func() error { _, err := c.Update(ctx, testOrganizer, "m1?$filter=x", &MeetingPatch{}); return err }(),
		c.Delete(ctx, testOrganizer, "m1%2F.."),
		c.Delete(ctx, testOrganizer+"/onlineMeetings", "m1"),
	}
	for i, err := range errs {
		if ClassOf(err) != ClassInvalid {
			t.Errorf("case %d: %v, want ClassInvalid", i, err)
		}
	}
	if ts.hits.Load() != 0 {
		t.Errorf("%d requests reached the server", ts.hits.Load())
	}
}

func TestNewValidatesConfigAndFillsDefaults(t *testing.T) {
	cred := &staticCredential{}
	bad := []Config{
		{},
		{Credential: cred, APIVersion: "v2.0"},
		{Credential: cred, Endpoint: "graph.microsoft.com"},
		{Credential: cred, QPS: -1},
	}
	for i, cfg := range bad {
		if _, err := New(cfg); err == nil {
			t.Errorf("config %d accepted", i)
		}
	}
	c, err := New(Config{Credential: cred, Endpoint: "https://graph.microsoft.us/", QPS: 2.5})
	if err != nil {
		t.Fatal(err)
	}
	if c.base != "https://graph.microsoft.us/v1.0" || c.scope != "https://graph.microsoft.us/.default" ||
		c.timeout != DefaultTimeout || c.limiter.Burst() != 3 || c.http != defaultHTTPClient() {
		t.Errorf("defaults: base %s scope %s timeout %s burst %d", c.base, c.scope, c.timeout, c.limiter.Burst())
	}
	tr := defaultHTTPClient().Transport.(*http.Transport)
	if tr.MaxIdleConnsPerHost < 8 || tr.TLSHandshakeTimeout == 0 || tr.ResponseHeaderTimeout == 0 {
		t.Errorf("shared transport lacks pooling or timeouts: %+v", tr)
	}
}

func TestUnknownFieldsAndODataAnnotationsAreIgnored(t *testing.T) {
	var m OnlineMeeting
	if err := json.Unmarshal([]byte(meetingJSON), &m); err != nil {
		t.Fatal(err)
	}
	if m.ID == "" || m.JoinWebURL == "" {
		t.Errorf("decoded %+v", m)
	}
}

type observed struct {
	op     string
	status int
}

type observedCall struct {
	op     string
	status int
	d      time.Duration
}

type recordingObserver struct {
	mu    sync.Mutex
	calls []observedCall
}

func (o *recordingObserver) ObserveRequest(op string, status int, d time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.calls = append(o.calls, observedCall{op, status, d})
}
