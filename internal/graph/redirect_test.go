package graph

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"
)

// redirectingGraph answers every request with status and a Location on
// another server, which records whatever reaches it.
func redirectingGraph(t *testing.T, status int) (graph, other *testServer) {
	t.Helper()
	other = newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(meetingJSON))
	})
	graph = newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		// Same IP, another port: net/http's default policy would forward
		// the Authorization header here, as to the same host.
		w.Header().Set("Location", other.URL+r.URL.Path+"?elsewhere=1")
		w.WriteHeader(status)
	})
	return graph, other
}

func TestRedirectsAreNeverFollowedWhateverTheHTTPClient(t *testing.T) {
	clients := map[string]func(ts *testServer) *http.Client{
		"shared default client":        func(*testServer) *http.Client { return nil },
		"caller's zero http.Client":    func(*testServer) *http.Client { return &http.Client{} },
		"caller's client that follows": func(ts *testServer) *http.Client { return ts.Client() },
	}
	subject := "Moved"
	ops := map[string]func(c *Client) error{
		"createOrGet (POST)": func(c *Client) error {
			_, _, err := c.CreateOrGet(context.Background(), testOrganizer, &MeetingRequest{ExternalID: "ext-1", Subject: "secret agenda"})
			return err
		},
		"update (PATCH)": func(c *Client) error {
			_, err := c.Update(context.Background(), testOrganizer, "m1", &MeetingPatch{Subject: &subject})
			return err
		},
		"get (GET)": func(c *Client) error {
			_, err := c.Get(context.Background(), testOrganizer, "m1")
			return err
		},
		"delete (DELETE)": func(c *Client) error { return c.Delete(context.Background(), testOrganizer, "m1") },
	}
	for clientName, httpClient := range clients {
		for opName, call := range ops {
			for _, status := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
				http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
				t.Run(clientName+"/"+opName+"/"+http.StatusText(status), func(t *testing.T) {
					graphSrv, other := redirectingGraph(t, status)
					c, err := New(Config{Endpoint: graphSrv.URL, Credential: &staticCredential{}, HTTPClient: httpClient(graphSrv)})
					if err != nil {
						t.Fatal(err)
					}
					err = call(c)

					for _, r := range other.recorded() {
						t.Errorf("the redirect was followed: %s %s reached the other server with Authorization %q and body %q",
							r.Method, r.Path, r.Header.Get("Authorization"), r.Body)
					}
					if graphSrv.hits.Load() != 1 {
						t.Errorf("%d requests to the endpoint, want 1", graphSrv.hits.Load())
					}
					var ge *Error
					if !errors.As(err, &ge) {
						t.Fatalf("got %v, want a *Error", err)
					}
					if ge.Class != ClassUnknown || ge.StatusCode != status {
						t.Errorf("class %s status %d, want Unknown and %d", ge.Class, ge.StatusCode, status)
					}
					want := fmt.Sprintf("Graph answered %d %s to %s/v1.0/users/%s/", status, http.StatusText(status), other.URL, testOrganizer)
					if !strings.HasPrefix(ge.Message, want) || !strings.Contains(ge.Message, "?elsewhere=1; the client follows no redirects") {
						t.Errorf("message %q does not name the status, the location and the refusal", ge.Message)
					}
					if strings.Contains(ge.Error(), testToken) {
						t.Errorf("error leaks the token: %v", ge)
					}
				})
			}
		}
	}
}

func TestNewLeavesTheCallersHTTPClientAsItWas(t *testing.T) {
	hc := &http.Client{}
	c, err := New(Config{Endpoint: "https://graph.microsoft.com", Credential: &staticCredential{}, HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	if hc.CheckRedirect != nil {
		t.Error("New changed the caller's http.Client, which others may share")
	}
	if c.http == hc || c.http.CheckRedirect == nil {
		t.Error("the Client sends with the caller's redirect policy")
	}
	if defaultHTTPClient().CheckRedirect == nil {
		t.Error("the shared default client follows redirects")
	}
}

func TestRedirectErrorBoundsAndCleansTheLocation(t *testing.T) {
	for _, tt := range []struct {
		name     string
		status   int
		location string
		class    ErrorClass
		want     string // a part err.Error() must carry
		wantNot  []string
	}{
		{"long", http.StatusTemporaryRedirect, "https://evil.example/" + strings.Repeat("é€", 5000),
			ClassUnknown, "to https://evil.example/%C3%A9%E2%82%AC", nil},
		{"bidi override, escaped", http.StatusTemporaryRedirect, "https://evil.example/\u202egnp.exe",
			ClassUnknown, "to https://evil.example/%E2%80%AEgnp.exe;", []string{"\u202e"}},
		{"password in the userinfo", http.StatusFound, "https://user:hunter2@evil.example/x",
			ClassUnknown, "to https://user:xxxxx@evil.example/x;", []string{"hunter2"}},
		{"relative, resolved against the request", http.StatusMovedPermanently, "/login?next=1",
			ClassUnknown, "/login?next=1;", nil},
		{"none", http.StatusTemporaryRedirect, "", ClassUnknown, "without a Location", nil},
		// net/http parses Location only for the statuses it would follow; on
		// others a Location url.Parse refuses (the tab) is quoted as sent,
		// cut at a rune boundary, without the tab or the bidi override.
		{"unparseable on 300, multi-byte", http.StatusMultipleChoices, "https://evil.example/\t\u202ex" + strings.Repeat("é€", 5000),
			ClassUnknown, "to https://evil.example/xé€é€", []string{"\t", "\u202e"}},
		// On the statuses it would follow, net/http ends the call before
		// CheckRedirect when it cannot parse the Location: nothing is
		// followed, and the error that quotes the Location stays bounded.
		{"unparseable on 307", http.StatusTemporaryRedirect, "https://evil.example/\tx" + strings.Repeat("é€", 5000),
			ClassTransient, "evil.example", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
				if tt.location != "" {
					w.Header().Set("Location", tt.location)
				}
				w.WriteHeader(tt.status)
			})
			c, _ := newTestClient(t, ts, Config{})
			_, err := c.Get(context.Background(), testOrganizer, "m1")
			if ClassOf(err) != tt.class {
				t.Fatalf("got %v (%s), want %s", err, ClassOf(err), tt.class)
			}
			line := err.Error()
			if !strings.Contains(line, tt.want) {
				t.Errorf("%q lacks %q", line, tt.want)
			}
			for _, bad := range tt.wantNot {
				if strings.Contains(line, bad) {
					t.Errorf("%q carries %q", line, bad)
				}
			}
			if !utf8.ValidString(line) {
				t.Errorf("not valid UTF-8: %q", line)
			}
			if n := utf8.RuneCountInString(line); n > maxUnderlyingRunes+300 {
				t.Errorf("%d runes: %q", n, line)
			}
			if tt.class == ClassUnknown && utf8.RuneCountInString(line) > maxLocationRunes+300 {
				t.Errorf("the Location is not bounded to %d runes: %q", maxLocationRunes, line)
			}
			if strings.HasPrefix(tt.name, "long") || strings.HasPrefix(tt.name, "unparseable") {
				if !strings.Contains(line, "…") {
					t.Errorf("%q does not mark the cut", line)
				}
			}
			if tt.name == "relative, resolved against the request" && !strings.Contains(line, ts.URL+"/login") {
				t.Errorf("%q does not resolve the relative location against %s", line, ts.URL)
			}
			if ts.hits.Load() != 1 {
				t.Errorf("%d requests, want 1", ts.hits.Load())
			}
		})
	}
}

func TestNewRefusesPlainHTTPEndpointsExceptOnLoopback(t *testing.T) {
	for _, tt := range []struct {
		endpoint string
		ok       bool
	}{
		{"https://graph.microsoft.com", true},
		{"https://10.0.0.7:8443", true},
		{"http://127.0.0.1:8080", true},
		{"http://127.9.8.7", true},
		{"http://[::1]:8443", true},
		{"http://localhost:8443", true},
		{"http://LocalHost", true},
		{"http://graph.microsoft.com", false},
		{"http://10.0.0.7:8443", false},
		{"http://[::2]:80", false},
		{"http://localhost.evil.example", false},
		{"http://127.0.0.1.nip.io", false},
		{"http://0.0.0.0:8080", false},
		{"ftp://127.0.0.1", false},
		{"graph.microsoft.com", false},
	} {
		t.Run(tt.endpoint, func(t *testing.T) {
			_, err := New(Config{Endpoint: tt.endpoint, Credential: &staticCredential{}})
			switch {
			case tt.ok && err != nil:
				t.Errorf("refused: %v", err)
			case !tt.ok && err == nil:
				t.Error("accepted")
			case !tt.ok && strings.HasPrefix(tt.endpoint, "http://") && !strings.Contains(err.Error(), "clear text"):
				t.Errorf("error %q does not say why plain http is refused", err)
			}
		})
	}
}
