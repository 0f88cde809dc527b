package graph_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/emulator"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/graph"
	testclock "k8s.io/utils/clock/testing"
)

// These tests run the real client against the project's Graph + Azure AD
// emulator in-process, over TLS, with tokens from azidentity.

const (
	tenantID  = "8c1b4a6e-3f2d-4e5a-9b7c-0d1e2f3a4b5c"
	clientID  = "5d6e7f80-91a2-4b3c-8d4e-5f6a7b8c9d0e"
	secret    = "emulator-secret"
	organizer = "11111111-2222-4333-8444-555555555555"
	denied    = "99999999-8888-4777-8666-555555555555"
)

type env struct {
	srv    *emulator.Server
	client *graph.Client
	clock  *testclock.FakeClock // shared by the emulator and the client
}

// start runs an emulator configured by mutate and returns a client for it that
// authenticates with a client secret. withClock shares a fake clock between both.
func start(t *testing.T, version string, withClock bool, mutate func(*emulator.Config)) *env {
	t.Helper()
	e := &env{}
	cfg := emulator.Config{
		Listen: "127.0.0.1:0", TenantID: tenantID, ClientID: clientID, ClientSecret: secret,
		DenyUsers: []string{denied},
	}
	if withClock {
		e.clock = testclock.NewFakeClock(time.Now())
		cfg.Now = e.clock.Now
	}
	if mutate != nil {
		mutate(&cfg)
	}
	srv, err := emulator.Start(cfg)
	if err != nil {
		t.Fatalf("emulator.Start: %v", err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	e.srv = srv
	e.client = newClient(t, srv, version, graph.CredentialConfig{ClientSecret: secret})
	if withClock {
		graph.SetClock(e.client, e.clock.Now)
	}
	return e
}

func newClient(t *testing.T, srv *emulator.Server, version string, cc graph.CredentialConfig) *graph.Client {
	t.Helper()
	cc.TenantID, cc.ClientID = tenantID, clientID
	cc.AuthorityHost, cc.HTTPClient = srv.URL(), srv.HTTPClient()
	cred, err := graph.NewCredential(cc)
	if err != nil {
		t.Fatalf("NewCredential: %v", err)
	}
	c, err := graph.New(graph.Config{Endpoint: srv.URL(), APIVersion: version, Credential: cred, HTTPClient: srv.HTTPClient(), Timeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("graph.New: %v", err)
	}
	return c
}

func request(externalID string) *graph.MeetingRequest {
	start := time.Date(2030, 1, 2, 9, 0, 0, 0, time.UTC)
	end := start.Add(30 * time.Minute)
	return &graph.MeetingRequest{
		ExternalID: externalID, Subject: "Planning", StartDateTime: &start, EndDateTime: &end,
		Participants: &graph.MeetingParticipants{Attendees: []graph.MeetingParticipantInfo{{
			Identity: &graph.IdentitySet{User: &graph.Identity{ID: "1f35f2e6-9cab-44ad-8d5a-b74c14720000"}}, UPN: "test1@contoso.com", Role: "attendee",
		}}},
	}
}

func wantClass(t *testing.T, err error, class graph.ErrorClass) *graph.Error {
	t.Helper()
	var ge *graph.Error
	if !errors.As(err, &ge) || ge.Class != class {
		t.Fatalf("got %v (class %s), want %s", err, graph.ClassOf(err), class)
	}
	return ge
}

func TestEmulatorEveryOperationRoundTrips(t *testing.T) {
	e := start(t, "v1.0", false, nil)
	ctx := context.Background()

	m, created, err := e.client.CreateOrGet(ctx, organizer, request("ext-round-trip"))
	if err != nil || !created {
		t.Fatalf("first createOrGet: created=%v err=%v", created, err)
	}
	if m.ID == "" || m.JoinWebURL == "" || m.ExternalID != "ext-round-trip" || m.Subject != "Planning" {
		t.Errorf("meeting %+v lacks id, joinWebUrl, externalId or subject", m)
	}
	again, created, err := e.client.CreateOrGet(ctx, organizer, request("ext-round-trip"))
	if err != nil || created || again.ID != m.ID {
		t.Fatalf("second createOrGet: created=%v id=%v err=%v, want 200 with %s", created, again, err, m.ID)
	}

	got, err := e.client.Get(ctx, organizer, m.ID)
	if err != nil || got.ID != m.ID {
		t.Fatalf("get: %v %v", got, err)
	}

	subject := "Planning (moved)"
	newStart := m.StartDateTime.Add(time.Hour)
	newEnd := m.EndDateTime.Add(time.Hour)
	updated, err := e.client.Update(ctx, organizer, m.ID, &graph.MeetingPatch{Subject: &subject, StartDateTime: &newStart, EndDateTime: &newEnd})
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if updated == nil || updated.Subject != subject || !updated.StartDateTime.Equal(newStart) {
		t.Errorf("update answered %+v", updated)
	}
	if got, err := e.client.Get(ctx, organizer, m.ID); err != nil || got.Subject != subject {
		t.Errorf("get after update: %+v %v", got, err)
	}

	if err := e.client.Delete(ctx, organizer, m.ID); err != nil {
		t.Fatalf("delete: %v", err)
	}
	_, err = e.client.Get(ctx, organizer, m.ID)
	wantClass(t, err, graph.ClassNotFound)
	wantClass(t, e.client.Delete(ctx, organizer, m.ID), graph.ClassNotFound)

	st := e.srv.Stats()
	if st.Requests["createOrGet"][201] != 1 || st.Requests["createOrGet"][200] != 1 || st.Requests["update"][200] != 1 ||
		st.Requests["delete"][204] != 1 || st.Requests["get"][404] != 1 || st.Requests["delete"][404] != 1 {
		t.Errorf("emulator saw %v", st.Requests)
	}
}

func TestEmulatorDeniedOrganizerIsForbiddenWithGraphsMessage(t *testing.T) {
	e := start(t, "v1.0", false, nil)
	_, _, err := e.client.CreateOrGet(context.Background(), denied, request("ext-denied"))
	ge := wantClass(t, err, graph.ClassForbidden)
	if ge.StatusCode != http.StatusForbidden || !strings.HasPrefix(ge.Message, "No application access policy found for this app") || ge.RequestID == "" {
		t.Errorf("got status %d message %q request-id %q", ge.StatusCode, ge.Message, ge.RequestID)
	}
	t.Log(err)
}

func TestEmulatorInvalidRequestsAreInvalid(t *testing.T) {
	end := time.Date(2030, 1, 2, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		version string
		req     *graph.MeetingRequest
	}{
		{"no externalId", "v1.0", &graph.MeetingRequest{Subject: "x"}},
		{"end without start", "v1.0", &graph.MeetingRequest{ExternalID: "ext-end", EndDateTime: &end}},
		{"chatInfo on v1.0", "v1.0", &graph.MeetingRequest{ExternalID: "ext-chat", ChatInfo: &graph.ChatInfo{ThreadID: "19:7ebda77322dd4505ac4dedb5b67df076@thread.tacv2"}}},
	}
	e := start(t, "v1.0", false, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := e.client.CreateOrGet(context.Background(), organizer, tt.req)
			ge := wantClass(t, err, graph.ClassInvalid)
			if ge.StatusCode != http.StatusBadRequest || ge.Message == "" {
				t.Errorf("got status %d message %q", ge.StatusCode, ge.Message)
			}
		})
	}
}

func TestEmulatorBetaAcceptsChatInfo(t *testing.T) {
	e := start(t, "beta", false, nil)
	req := request("ext-beta")
	req.ChatInfo = &graph.ChatInfo{ThreadID: "19:7ebda77322dd4505ac4dedb5b67df076@thread.tacv2"}
	m, created, err := e.client.CreateOrGet(context.Background(), organizer, req)
	if err != nil || !created || m.ChatInfo == nil || m.ChatInfo.ThreadID != req.ChatInfo.ThreadID {
		t.Fatalf("created=%v meeting=%+v err=%v", created, m, err)
	}
}

func TestEmulatorRateLimitThrottlesAndTheGateHoldsCalls(t *testing.T) {
	e := start(t, "v1.0", true, func(c *emulator.Config) {
		c.Faults = emulator.Faults{RateLimit: 1, RateBurst: 1}
	})
	ctx := context.Background()
	if _, _, err := e.client.CreateOrGet(ctx, organizer, request("ext-throttle")); err != nil {
		t.Fatalf("first call within the burst: %v", err)
	}
	_, err := e.client.Get(ctx, organizer, "whatever")
	ge := wantClass(t, err, graph.ClassThrottled)
	if ge.StatusCode != http.StatusTooManyRequests || ge.RetryAfter < time.Second {
		t.Fatalf("got status %d Retry-After %s, want 429 with at least 1s", ge.StatusCode, ge.RetryAfter)
	}

	before := e.srv.Stats()
	for range 20 {
		_, _, err := e.client.CreateOrGet(ctx, organizer, request("ext-throttle"))
		if d, ok := graph.RetryAfter(err); graph.ClassOf(err) != graph.ClassThrottled || !ok || d > ge.RetryAfter {
			t.Fatalf("call in the window: %v", err)
		}
	}
	after := e.srv.Stats()
	if after.Count("createOrGet") != before.Count("createOrGet") || after.RequestsDuringRetryAfter != 0 {
		t.Errorf("gate leaked requests: %d createOrGet before, %d after, %d during Retry-After",
			before.Count("createOrGet"), after.Count("createOrGet"), after.RequestsDuringRetryAfter)
	}

	e.clock.Step(ge.RetryAfter)
	if _, created, err := e.client.CreateOrGet(ctx, organizer, request("ext-throttle")); err != nil || created {
		t.Fatalf("after Retry-After: created=%v err=%v", created, err)
	}
	if st := e.srv.Stats(); st.RequestsDuringRetryAfter != 0 {
		t.Errorf("%d requests during Retry-After", st.RequestsDuringRetryAfter)
	}
}

func TestEmulatorFailuresAndLostResponsesAreTransient(t *testing.T) {
	e := start(t, "v1.0", false, nil)
	ctx := context.Background()

	e.srv.SetFaults(emulator.Faults{FailNext: 1})
	_, err := e.client.Get(ctx, organizer, "any")
	if ge := wantClass(t, err, graph.ClassTransient); ge.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("FailNext gave status %d, want 503", ge.StatusCode)
	}

	e.srv.SetFaults(emulator.Faults{LoseNextResponses: 1})
	_, _, err = e.client.CreateOrGet(ctx, organizer, request("ext-lost"))
	if ge := wantClass(t, err, graph.ClassTransient); ge.StatusCode != 0 && ge.Err == nil {
		t.Errorf("lost response: %v", ge)
	}
	// The write was committed: repeating createOrGet finds it instead of making a second meeting.
	m, created, err := e.client.CreateOrGet(ctx, organizer, request("ext-lost"))
	if err != nil || created {
		t.Fatalf("createOrGet after the lost response: created=%v err=%v, want the committed meeting", created, err)
	}
	n := 0
	for _, sm := range e.srv.Meetings() {
		if sm.ExternalID == "ext-lost" {
			n++
			if sm.ID != m.ID {
				t.Errorf("stored id %s, answered %s", sm.ID, m.ID)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d stored meetings with ext-lost, want 1", n)
	}
}

func TestEmulatorTokensAreCachedUntilNearExpiryThenRefreshed(t *testing.T) {
	tests := []struct {
		name       string
		lifetime   time.Duration
		wantTokens int
	}{
		// azidentity (MSAL) reuses a token until 5 minutes before it expires.
		{"one-hour token is fetched once", time.Hour, 1},
		// A 2-minute token is always within that margin: every call refreshes it.
		{"token near expiry is refreshed on each call", 2 * time.Minute, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := start(t, "v1.0", false, func(c *emulator.Config) { c.TokenLifetime = tt.lifetime })
			for range 3 {
				if _, err := e.client.Get(context.Background(), organizer, "missing"); graph.ClassOf(err) != graph.ClassNotFound {
					t.Fatalf("get: %v", err)
				}
			}
			st := e.srv.Stats()
			if got := st.Requests["token"][200]; got != tt.wantTokens {
				t.Errorf("%d tokens issued, want %d (token requests: %v)", got, tt.wantTokens, st.Requests["token"])
			}
			if st.Requests["get"][401] != 0 {
				t.Errorf("%d Graph calls refused as unauthorized", st.Requests["get"][401])
			}
		})
	}
}

func TestEmulatorWrongSecretIsUnauthorizedWithoutLeakingIt(t *testing.T) {
	e := start(t, "v1.0", false, nil)
	c := newClient(t, e.srv, "v1.0", graph.CredentialConfig{ClientSecret: "not-the-secret"})
	_, err := c.Get(context.Background(), organizer, "any")
	wantClass(t, err, graph.ClassUnauthorized)
	if msg := err.Error(); containsAny(msg, "not-the-secret", secret) {
		t.Errorf("error leaks a secret: %s", msg)
	}
	if e.srv.Stats().Count("get") != 0 {
		t.Error("a Graph request was sent without a token")
	}
}

func TestEmulatorExpiredTokenIsUnauthorized(t *testing.T) {
	e := start(t, "v1.0", true, nil)
	ctx := context.Background()
	if _, err := e.client.Get(ctx, organizer, "missing"); graph.ClassOf(err) != graph.ClassNotFound {
		t.Fatalf("get: %v", err)
	}
	// azidentity still trusts its cached one-hour token (it runs on real time);
	// the emulator's clock says it expired, as a skewed or revoked token would.
	e.clock.Step(2 * time.Hour)
	_, err := e.client.Get(ctx, organizer, "missing")
	if ge := wantClass(t, err, graph.ClassUnauthorized); ge.StatusCode != http.StatusUnauthorized {
		t.Errorf("status %d, want 401", ge.StatusCode)
	}
}

func TestEmulatorCreateOrGetAfterDeleteIsSurfacedAsGraphAnswersIt(t *testing.T) {
	tests := []struct {
		behavior    emulator.DeletedExternalIDBehavior
		wantCreated bool
		wantSameID  bool
	}{
		{emulator.DeletedExternalIDNew, true, false},
		{emulator.DeletedExternalIDStale, false, true},
	}
	for _, tt := range tests {
		t.Run(string(tt.behavior), func(t *testing.T) {
			e := start(t, "v1.0", false, func(c *emulator.Config) { c.DeletedExternalID = tt.behavior })
			ctx := context.Background()
			first, _, err := e.client.CreateOrGet(ctx, organizer, request("ext-deleted"))
			if err != nil {
				t.Fatal(err)
			}
			if err := e.client.Delete(ctx, organizer, first.ID); err != nil {
				t.Fatal(err)
			}
			again, created, err := e.client.CreateOrGet(ctx, organizer, request("ext-deleted"))
			if err != nil || created != tt.wantCreated || (again.ID == first.ID) != tt.wantSameID {
				t.Fatalf("created=%v same id=%v err=%v", created, err == nil && again.ID == first.ID, err)
			}
			if tt.wantSameID {
				_, err := e.client.Get(ctx, organizer, again.ID)
				wantClass(t, err, graph.ClassNotFound)
			}
		})
	}
}
