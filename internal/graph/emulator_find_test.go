package graph_test

import (
	"context"
	"strings"
	"testing"

	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/graph"
)

// The client's lookup and the emulator's $filter parser agree on the
// encoding, for Teams' own links and for links made elsewhere.
func TestEmulatorFindByJoinWebURLFindsTheMeeting(t *testing.T) {
	e := start(t, "v1.0", false, nil)
	ctx := context.Background()
	m, _, err := e.client.CreateOrGet(ctx, organizer, request("ext-find"))
	if err != nil {
		t.Fatal(err)
	}
	other, _, err := e.client.CreateOrGet(ctx, organizer, request("ext-other"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.JoinWebURL, "19%3ameeting_") {
		t.Fatalf("join URL %s lacks Teams' lower-case escapes", m.JoinWebURL)
	}
	got, err := e.client.FindByJoinWebURL(ctx, organizer, m.JoinWebURL)
	if err != nil || got.ID != m.ID || got.ExternalID != "ext-find" || got.AllowedPresenters == nil {
		t.Fatalf("found %+v, %v; want %s with its options", got, err, m.ID)
	}

	for _, link := range []string{
		"https://teams.microsoft.com/l/meetup-join/19%3ameeting_O'Brien%40thread.v2/0?context=%7b%7d",
		"https://teams.microsoft.com/meet/2451?p=a+b&x=''",
	} {
		if !e.srv.SetJoinWebURL(organizer, m.ID, link) {
			t.Fatal("SetJoinWebURL found no meeting")
		}
		if got, err := e.client.FindByJoinWebURL(ctx, organizer, link); err != nil || got.ID != m.ID || got.JoinWebURL != link {
			t.Errorf("%s: found %+v, %v", link, got, err)
		}
	}

	for name, link := range map[string]string{
		"unknown link":                       "https://teams.microsoft.com/meet/9999",
		"link with an extra quote":           other.JoinWebURL + "'",
		"upper-case escapes of a Teams link": strings.ReplaceAll(other.JoinWebURL, "%3a", "%3A"),
	} {
		_, err := e.client.FindByJoinWebURL(ctx, organizer, link)
		if graph.ClassOf(err) != graph.ClassNotFound {
			t.Errorf("%s: %v, want ClassNotFound", name, err)
		}
	}
	// Another organizer's link is not this organizer's meeting.
	if _, err := e.client.FindByJoinWebURL(ctx, "1f35f2e6-9cab-44ad-8d5a-b74c14720000", other.JoinWebURL); graph.ClassOf(err) != graph.ClassNotFound {
		t.Errorf("another organizer: %v, want ClassNotFound", err)
	}
	if st := e.srv.Stats(); st.Requests["list"][200] != 7 || len(st.Requests["list"]) != 1 {
		t.Errorf("emulator saw list requests %v, want 7 answered 200", st.Requests["list"])
	}
}
