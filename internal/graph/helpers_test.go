package graph

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	testclock "k8s.io/utils/clock/testing"
)

// testToken is distinctive so that tests can prove it never leaks into errors.
// testOrganizer is an organizer id of the shape the client accepts.
const testOrganizer = "5f1d3a44-8c1e-4e8b-9a2f-6c1f0d9e2b71"

const testToken = "eyJ0eXAi.SECRET-ACCESS-TOKEN.c2lnbmF0dXJl"

// staticCredential hands out testToken and counts how often it was asked.
type staticCredential struct {
	calls  atomic.Int32
	scopes chan []string
}

func (c *staticCredential) GetToken(_ context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	c.calls.Add(1)
	if c.scopes != nil {
		c.scopes <- opts.Scopes
	}
	return azcore.AccessToken{Token: testToken, ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// newFakeClock is a clock tests move by hand.
func newFakeClock() *testclock.FakeClock {
	return testclock.NewFakeClock(time.Date(2026, 11, 26, 20, 41, 7, 0, time.UTC))
}

// recordedRequest is what the test server saw of one request.
type recordedRequest struct {
	Method, Path, RawPath string
	Header                http.Header
	Body                  string
}

// testServer is an httptest server whose answers a test scripts, counting hits.
type testServer struct {
	*httptest.Server
	hits     atomic.Int32
	mu       sync.Mutex
	requests []recordedRequest
}

func newTestServer(t *testing.T, h http.HandlerFunc) *testServer {
	t.Helper()
	ts := &testServer{}
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ts.hits.Add(1)
		body, _ := io.ReadAll(r.Body)
		ts.mu.Lock()
		ts.requests = append(ts.requests, recordedRequest{Method: r.Method, Path: r.URL.Path, RawPath: r.URL.EscapedPath(), Header: r.Header.Clone(), Body: string(body)})
		ts.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(ts.Close)
	return ts
}

func (ts *testServer) recorded() []recordedRequest {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]recordedRequest(nil), ts.requests...)
}

// newTestClient builds a Client for ts with a fake clock; cfg's zero fields get
// test defaults.
func newTestClient(t *testing.T, ts *testServer, cfg Config) (*Client, *testclock.FakeClock) {
	t.Helper()
	if cfg.Endpoint == "" {
		cfg.Endpoint = ts.URL
	}
	if cfg.Credential == nil {
		cfg.Credential = &staticCredential{}
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = ts.Client()
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	clock := newFakeClock()
	c.now = clock.Now
	return c, clock
}

// graphError writes an error in Graph's shape.
func graphError(w http.ResponseWriter, status int, code, message string, headers map[string]string) {
	for k, v := range headers {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(`{"error":{"code":"` + code + `","message":"` + message +
		`","innerError":{"date":"2026-11-26T20:41:07","request-id":"body-request-id","client-request-id":"x"}}}`))
}

// meetingJSON is a minimal meeting answer.
const meetingJSON = `{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users('u')/onlineMeetings/$entity",` +
	`"id":"MSo1N2Y5ZGFjYy03MWJmLTQ3NDMtYjQxMy01M2EdFGkdRWHJlQ","externalId":"ext-1","subject":"Standup",` +
	`"startDateTime":"2026-12-01T09:00:00.1234567Z","endDateTime":"2026-12-01T09:15:00Z","joinWebUrl":"https://teams.microsoft.com/l/meetup-join/x",` +
	`"isEntryExitAnnounced":true,"someFutureField":{"nested":[1,2,3]}}`
