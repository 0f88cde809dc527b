package graph

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// listJSON answers a lookup with the given meetings' ids and join URLs.
func listJSON(w http.ResponseWriter, pairs ...string) {
	w.Header().Set("Content-Type", "application/json")
	var b strings.Builder
	b.WriteString(`{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users('u')/onlineMeetings","value":[`)
	for i := 0; i+1 < len(pairs); i += 2 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`{"id":"` + pairs[i] + `","joinWebUrl":"` + pairs[i+1] + `","allowedPresenters":"organizer"}`)
	}
	b.WriteString("]}")
	_, _ = w.Write([]byte(b.String()))
}

// Graph reads $filter after percent-decoding the query, so the join URL
// must arrive as the OData literal: quotes doubled, and the link's own
// %-escapes, &, # and + kept rather than taken as query syntax.
func TestFindByJoinWebURLSendsAFilterGraphDecodesToTheQuotedURL(t *testing.T) {
	for _, tc := range []struct{ name, joinWebURL string }{
		{"Teams link", "https://teams.microsoft.com/l/meetup-join/19%3ameeting_NjQ4%40thread.v2/0?context=%7b%22Tid%22%3a%22x%22%7d"},
		{"single quote", "https://teams.microsoft.com/l/meetup-join/19%3ameeting_O'Brien%40thread.v2/0"},
		{"ampersand, plus, hash, space", "https://teams.microsoft.com/meet/123?p=a+b&c=d#e f"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var filter, rawQuery string
			ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
				filter, rawQuery = r.URL.Query().Get("$filter"), r.URL.RawQuery
				listJSON(w, "m1", "x")
			})
			c, _ := newTestClient(t, ts, Config{})
			m, err := c.FindByJoinWebURL(context.Background(), testOrganizer, tc.joinWebURL)
			if err != nil || m.ID != "m1" || m.AllowedPresenters == nil || *m.AllowedPresenters != "organizer" {
				t.Fatalf("got %+v, %v", m, err)
			}
			got := ts.recorded()[0]
			if got.Method != http.MethodGet || got.RawPath != "/v1.0/users/"+testOrganizer+"/onlineMeetings" {
				t.Errorf("request %s %s", got.Method, got.RawPath)
			}
			if want := "JoinWebUrl eq '" + strings.ReplaceAll(tc.joinWebURL, "'", "''") + "'"; filter != want {
				t.Errorf("Graph reads $filter\n%s\nwant\n%s", filter, want)
			}
			if !strings.HasPrefix(rawQuery, "$filter=JoinWebUrl%20eq%20%27") || strings.ContainsAny(rawQuery, "'&#+ ") {
				t.Errorf("raw query %s", rawQuery)
			}
		})
	}
}

func TestFindByJoinWebURLWithoutAMatchIsNotFound(t *testing.T) {
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) { listJSON(w) })
	obs := &recordingObserver{}
	c, _ := newTestClient(t, ts, Config{Observer: obs})
	m, err := c.FindByJoinWebURL(context.Background(), testOrganizer, "https://teams.microsoft.com/meet/1")
	if ClassOf(err) != ClassNotFound || m != nil {
		t.Fatalf("got %+v, %v, want ClassNotFound", m, err)
	}
	if msg := err.Error(); !strings.Contains(msg, "graph list: 200 OK") || !strings.Contains(msg, "no online meeting with this join URL") {
		t.Errorf("message %q", msg)
	}
	if len(obs.calls) != 1 || obs.calls[0].op != "list" || obs.calls[0].status != http.StatusOK {
		t.Errorf("observer saw %+v, want one list 200", obs.calls)
	}
}

func TestFindByJoinWebURLWithSeveralMatchesReturnsTheFirst(t *testing.T) {
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) { listJSON(w, "first", "u", "second", "u") })
	c, _ := newTestClient(t, ts, Config{})
	m, err := c.FindByJoinWebURL(context.Background(), testOrganizer, "u")
	if err != nil || m.ID != "first" {
		t.Fatalf("got %+v, %v", m, err)
	}
}

func TestFindByJoinWebURLPassesGraphErrorsOn(t *testing.T) {
	for _, tc := range []struct {
		name  string
		h     http.HandlerFunc
		class ErrorClass
	}{
		{"400 InvalidArgument", func(w http.ResponseWriter, r *http.Request) {
			graphError(w, http.StatusBadRequest, "InvalidArgument", "bad filter", nil)
		}, ClassInvalid},
		{"403 without access policy", func(w http.ResponseWriter, r *http.Request) {
			graphError(w, http.StatusForbidden, "Forbidden", "No application access policy found for this app.", nil)
		}, ClassForbidden},
		{"a match without an id", func(w http.ResponseWriter, r *http.Request) { listJSON(w, "", "u") }, ClassTransient},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t, tc.h)
			c, _ := newTestClient(t, ts, Config{})
			if _, err := c.FindByJoinWebURL(context.Background(), testOrganizer, "u"); ClassOf(err) != tc.class {
				t.Errorf("got %v, want %s", err, tc.class)
			}
		})
	}
}

func TestFindByJoinWebURLRefusesBadInputWithoutARequest(t *testing.T) {
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) { listJSON(w, "m1", "u") })
	c, _ := newTestClient(t, ts, Config{})
	for _, tc := range []struct{ organizer, url string }{
		{"alex@contoso.com", "https://teams.microsoft.com/meet/1"},
		{testOrganizer + "/onlineMeetings", "https://teams.microsoft.com/meet/1"},
		{"", "https://teams.microsoft.com/meet/1"},
		{testOrganizer, ""},
	} {
		if _, err := c.FindByJoinWebURL(context.Background(), tc.organizer, tc.url); ClassOf(err) != ClassInvalid {
			t.Errorf("%q %q: %v, want ClassInvalid", tc.organizer, tc.url, err)
		}
	}
	if ts.hits.Load() != 0 {
		t.Errorf("%d requests reached the server", ts.hits.Load())
	}
}
