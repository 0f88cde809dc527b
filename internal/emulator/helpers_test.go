package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	testclock "k8s.io/utils/clock/testing"
)

const (
	testTenant    = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	testClient    = "0b7c6a42-5a1e-4c5f-9f3e-8d1c2b3a4f5e"
	testSecret    = "emulator-test-secret"
	testOrganizer = "dc17674c-81d9-4adb-bfb2-8f6a442e4cd5"
)

// newClock is a settable clock for Config.Now, so that expiry and rate
// limits are decided by the test, not by scheduling.
func newClock() *testclock.FakeClock { return testclock.NewFakeClock(time.Now()) }

// start runs an emulator for the test with the test tenant, client and
// secret, changed by mutate.
func start(t *testing.T, mutate ...func(*Config)) *Server {
	t.Helper()
	cfg := Config{TenantID: testTenant, ClientID: testClient, ClientSecret: testSecret}
	for _, m := range mutate {
		m(&cfg)
	}
	s, err := Start(cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// reply is an HTTP answer with its body decoded as JSON when it is JSON.
type reply struct {
	status int
	header http.Header
	raw    []byte
	json   map[string]any
}

// str digs a string out of the JSON body by a path of keys.
func (r reply) str(path ...string) string {
	v, _ := dig(r.json, path...).(string)
	return v
}

func dig(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

// call sends one request; body is JSON-encoded unless it is []byte or a
// string. A transport error fails the test.
func call(t *testing.T, s *Server, method, path, token string, body any, headers ...string) reply {
	t.Helper()
	r, err := send(context.Background(), s, method, path, token, body, headers...)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return r
}

// send is call for goroutines and for tests that expect a transport error.
func send(ctx context.Context, s *Server, method, path, token string, body any, headers ...string) (reply, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			return reply{}, err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.URL()+path, rd)
	if err != nil {
		return reply{}, err
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := s.HTTPClient().Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return reply{}, err
	}
	r := reply{status: resp.StatusCode, header: resp.Header, raw: raw}
	_ = json.Unmarshal(raw, &r.json)
	return r, nil
}

// tokenFor asks the token endpoint with a client secret.
func tokenFor(t *testing.T, s *Server, form url.Values) reply {
	t.Helper()
	resp, err := s.HTTPClient().PostForm(s.URL()+"/"+s.TenantID()+"/oauth2/v2.0/token", form)
	if err != nil {
		t.Fatal(err)
	}
	return readReply(t, resp)
}

// readReply reads and closes resp.
func readReply(t *testing.T, resp *http.Response) reply {
	t.Helper()
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := reply{status: resp.StatusCode, header: resp.Header, raw: raw}
	_ = json.Unmarshal(raw, &r.json)
	return r
}

func secretForm() url.Values {
	return url.Values{"grant_type": {"client_credentials"}, "client_id": {testClient},
		"client_secret": {testSecret}}
}

// token obtains a Graph token for s with the test secret.
func token(t *testing.T, s *Server) string {
	t.Helper()
	f := secretForm()
	f.Set("scope", s.URL()+"/.default")
	r := tokenFor(t, s, f)
	if r.status != http.StatusOK {
		t.Fatalf("token: %d %s", r.status, r.raw)
	}
	return r.str("access_token")
}

func meetingsPath(version, organizer string) string {
	return "/" + version + "/users/" + organizer + "/onlineMeetings"
}

// createOrGet posts body to createOrGet on v1.0 for the test organizer.
func createOrGet(t *testing.T, s *Server, tok string, body any) reply {
	t.Helper()
	return call(t, s, http.MethodPost, meetingsPath("v1.0", testOrganizer)+"/createOrGet", tok, body)
}

func expectGraphError(g Gomega, r reply, status int, code, messagePart string) {
	g.ExpectWithOffset(1, r.status).To(Equal(status), string(r.raw))
	g.ExpectWithOffset(1, r.str("error", "code")).To(Equal(code))
	g.ExpectWithOffset(1, r.str("error", "message")).To(ContainSubstring(messagePart))
	g.ExpectWithOffset(1, r.str("error", "innerError", "request-id")).To(Equal(r.header.Get("request-id")))
	g.ExpectWithOffset(1, r.str("error", "innerError", "date")).To(MatchRegexp(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$`))
}
