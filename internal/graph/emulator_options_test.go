package graph_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/graph"
)

// Every option the client models, set to a value a new meeting does not
// have, comes back from PATCH and GET as sent. The client always sends
// Prefer: include-unknown-enum-members, so the evolvable lobby scope
// "invited" is accepted and returned as such.
func TestEmulatorKeepsEveryMeetingOptionTheClientSends(t *testing.T) {
	e := start(t, "v1.0", false, nil)
	ctx := context.Background()
	m, _, err := e.client.CreateOrGet(ctx, organizer, request("ext-options"))
	if err != nil {
		t.Fatal(err)
	}
	str := func(s string) *string { return &s }
	yes, no := true, false
	want := graph.MeetingOptions{
		LobbyBypassSettings:                  &graph.LobbyBypassSettings{Scope: "invited", IsDialInBypassEnabled: &yes},
		AllowedPresenters:                    str("organizer"),
		AllowMeetingChat:                     str("limited"),
		AllowTeamworkReactions:               &no,
		AllowAttendeeToEnableCamera:          &no,
		AllowAttendeeToEnableMic:             &no,
		AllowParticipantsToChangeName:        &yes,
		IsEntryExitAnnounced:                 &no,
		RecordAutomatically:                  &yes,
		ShareMeetingChatHistoryDefault:       str("none"),
		WatermarkProtection:                  &graph.WatermarkProtectionValues{IsEnabledForContentSharing: &yes, IsEnabledForVideo: &yes},
		AllowBreakoutRooms:                   &no,
		AllowCopyingAndSharingMeetingContent: &no,
		AllowedLobbyAdmitters:                str("organizerAndCoOrganizers"),
		AllowLiveShare:                       str("disabled"),
		AllowPowerPointSharing:               &no,
		AllowRecording:                       &no,
		AllowTranscription:                   &no,
		AllowWhiteboard:                      &no,
		AnonymizeIdentityForRoles:            []string{"attendee"},
	}
	// Every field is set, so a field added to MeetingOptions but not here fails.
	rv := reflect.ValueOf(want)
	for i := range rv.NumField() {
		if rv.Field(i).IsZero() {
			t.Fatalf("the test leaves %s unset", rv.Type().Field(i).Name)
		}
	}
	if reflect.DeepEqual(m.MeetingOptions, want) {
		t.Fatal("a new meeting already has every value the test sets")
	}

	updated, err := e.client.Update(ctx, organizer, m.ID, &graph.MeetingPatch{MeetingOptions: want})
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	got, err := e.client.Get(ctx, organizer, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	for name, o := range map[string]graph.MeetingOptions{"update": updated.MeetingOptions, "get": got.MeetingOptions} {
		if !reflect.DeepEqual(o, want) {
			g, _ := json.Marshal(o)
			w, _ := json.Marshal(want)
			t.Errorf("%s answered options\n%s\nwant\n%s", name, g, w)
		}
	}
}

// A new meeting reads back with every option the client models, so the
// controller can tell a tenant's default from "not returned".
func TestEmulatorNewMeetingCarriesEveryMeetingOption(t *testing.T) {
	e := start(t, "v1.0", false, nil)
	m, _, err := e.client.CreateOrGet(context.Background(), organizer, request("ext-defaults"))
	if err != nil {
		t.Fatal(err)
	}
	rv := reflect.ValueOf(m.MeetingOptions)
	for i := range rv.NumField() {
		if f := rv.Field(i); f.IsNil() {
			t.Errorf("%s not returned", rv.Type().Field(i).Name)
		}
	}
	if l := m.LobbyBypassSettings; l.Scope != "organization" || l.IsDialInBypassEnabled == nil || *l.IsDialInBypassEnabled {
		t.Errorf("lobby %+v, want organization without dial-in bypass", l)
	}
}
