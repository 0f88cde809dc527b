package graph

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// The response examples of Graph's createOrGet documentation decode, through the
// client, without losing any field we model.
func TestDocumentationResponseExamplesDecodeWithoutLoss(t *testing.T) {
	ts := func(at string) *time.Time {
		v, err := time.Parse(time.RFC3339Nano, at)
		if err != nil {
			t.Fatal(err)
		}
		return &v
	}
	want := OnlineMeeting{
		ID:                    "(redacted)",
		ExternalID:            "7eb8263f-d0e0-4149-bb1c-1f0476083c56",
		Subject:               "Create a meeting with customId provided",
		CreationDateTime:      ts("2020-09-11T06:30:18.1909168Z"),
		StartDateTime:         ts("2020-09-11T06:30:18.0615989Z"),
		EndDateTime:           ts("2020-09-11T07:30:18.0615989Z"),
		JoinWebURL:            "(redacted)",
		VideoTeleconferenceID: "(redacted)",
		MeetingOptions: MeetingOptions{AllowedPresenters: new("everyone"), IsEntryExitAnnounced: new(true),
			LobbyBypassSettings: &LobbyBypassSettings{Scope: "organization", IsDialInBypassEnabled: new(false)}},
		Participants: &MeetingParticipants{
			Organizer: &MeetingParticipantInfo{UPN: "(redacted)", Role: "presenter", Identity: &IdentitySet{User: &Identity{ID: "(redacted)"}}},
			Attendees: []MeetingParticipantInfo{{UPN: "test1@contoso.com", Identity: &IdentitySet{User: &Identity{ID: "1f35f2e6-9cab-44ad-8d5a-b74c14720000"}}}},
		},
		AudioConferencing: &AudioConferencing{
			ConferenceID: "(redacted)",
			TollNumber:   "+1 206-485-3005",
			DialinURL:    "https://dialin.teams.microsoft.com/0e73a853-1cc2-436c-b18c-9f53e0a97c24?id=(redacted)",
		},
		ChatInfo: &ChatInfo{ThreadID: "19:7ebda77322dd4505ac4dedb5b67df076@thread.tacv2", MessageID: "0"},
	}
	for _, tt := range []struct {
		file      string
		messageID string
	}{
		{"createorget-example1.json", "0"},
		{"createorget-example2.json", "1599805818399"},
	} {
		t.Run(tt.file, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusCreated)
				_, _ = w.Write(body)
			})
			c, _ := newTestClient(t, srv, Config{APIVersion: "beta"})
			got, created, err := c.CreateOrGet(context.Background(), testOrganizer, &MeetingRequest{ExternalID: want.ExternalID})
			if err != nil || !created {
				t.Fatalf("created=%v err=%v", created, err)
			}
			w := want
			w.ChatInfo = &ChatInfo{ThreadID: want.ChatInfo.ThreadID, MessageID: tt.messageID}
			if !reflect.DeepEqual(*got, w) {
				g, _ := json.MarshalIndent(got, "", "  ")
				e, _ := json.MarshalIndent(w, "", "  ")
				t.Errorf("decoded\n%s\nwant\n%s", g, e)
			}
			// Every modelled field that the example carries survives a round trip.
			assertModelledFieldsKept(t, body, got)
		})
	}
}

// assertModelledFieldsKept re-encodes m and checks that every non-null key of the
// original document that OnlineMeeting models is present again.
func assertModelledFieldsKept(t *testing.T, original []byte, m *OnlineMeeting) {
	t.Helper()
	var orig, again map[string]any
	reencoded, _ := json.Marshal(m)
	if err := json.Unmarshal(original, &orig); err != nil {
		t.Fatal(err)
	}
	_ = json.Unmarshal(reencoded, &again)
	modelled := map[string]bool{}
	rt := reflect.TypeFor[OnlineMeeting]()
	for i := range rt.NumField() {
		name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
		modelled[name] = true
	}
	for k, v := range orig {
		if !modelled[k] || v == nil || v == false || v == "" {
			continue
		}
		if _, ok := again[k]; !ok {
			t.Errorf("field %q lost in decoding", k)
		}
	}
}

func TestPatchSendsOnlyTheChangedProperties(t *testing.T) {
	subject := "Renamed"
	tests := []struct {
		name  string
		patch MeetingPatch
		want  string
	}{
		{"nothing", MeetingPatch{}, `{}`},
		{"subject only", MeetingPatch{Subject: &subject}, `{"subject":"Renamed"}`},
		{"attendees cleared", MeetingPatch{Participants: &MeetingParticipants{Attendees: []MeetingParticipantInfo{}}}, `{"participants":{"attendees":[]}}`},
		{"attendees untouched", MeetingPatch{Participants: &MeetingParticipants{}}, `{"participants":{}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.patch)
			if err != nil || string(b) != tt.want {
				t.Errorf("got %s (%v), want %s", b, err, tt.want)
			}
		})
	}
}
