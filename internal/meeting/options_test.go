package meeting

import (
	"reflect"
	"testing"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/graph"
)

func TestOptionsDiffSendsOnlyTheSetOptionsThatDiffer(t *testing.T) {
	yes, no := new(true), new(false)
	tests := []struct {
		name    string
		want    graph.MeetingOptions
		cur     graph.MeetingOptions
		patch   graph.MeetingOptions
		changed []string
	}{
		{"nothing set, nothing sent", graph.MeetingOptions{}, graph.MeetingOptions{AllowMeetingChat: new("enabled"), AllowRecording: yes}, graph.MeetingOptions{}, nil},
		{"a set option that matches", graph.MeetingOptions{AllowMeetingChat: new("enabled")}, graph.MeetingOptions{AllowMeetingChat: new("enabled")}, graph.MeetingOptions{}, nil},
		{"a string option that differs", graph.MeetingOptions{AllowMeetingChat: new("limited")}, graph.MeetingOptions{AllowMeetingChat: new("enabled")},
			graph.MeetingOptions{AllowMeetingChat: new("limited")}, []string{"allowMeetingChat"}},
		{"false is a value", graph.MeetingOptions{AllowRecording: no}, graph.MeetingOptions{AllowRecording: yes},
			graph.MeetingOptions{AllowRecording: no}, []string{"allowRecording"}},
		{"an option Graph did not return", graph.MeetingOptions{RecordAutomatically: yes}, graph.MeetingOptions{},
			graph.MeetingOptions{RecordAutomatically: yes}, []string{"recordAutomatically"}},
		{"a struct compares only the fields set", graph.MeetingOptions{LobbyBypassSettings: &graph.LobbyBypassSettings{Scope: "everyone"}},
			graph.MeetingOptions{LobbyBypassSettings: &graph.LobbyBypassSettings{Scope: "everyone", IsDialInBypassEnabled: yes}}, graph.MeetingOptions{}, nil},
		{"a struct field that differs", graph.MeetingOptions{LobbyBypassSettings: &graph.LobbyBypassSettings{IsDialInBypassEnabled: yes}},
			graph.MeetingOptions{LobbyBypassSettings: &graph.LobbyBypassSettings{Scope: "organization", IsDialInBypassEnabled: no}},
			graph.MeetingOptions{LobbyBypassSettings: &graph.LobbyBypassSettings{IsDialInBypassEnabled: yes}}, []string{"lobbyBypassSettings"}},
		{"roles are a set that only grows", graph.MeetingOptions{AnonymizeIdentityForRoles: []string{"attendee"}},
			graph.MeetingOptions{AnonymizeIdentityForRoles: []string{"Attendee"}}, graph.MeetingOptions{}, nil},
		{"a missing role", graph.MeetingOptions{AnonymizeIdentityForRoles: []string{"attendee"}}, graph.MeetingOptions{},
			graph.MeetingOptions{AnonymizeIdentityForRoles: []string{"attendee"}}, []string{"anonymizeIdentityForRoles"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			patch, changed := optionsDiff(tt.want, tt.cur)
			if !reflect.DeepEqual(patch, tt.patch) || !reflect.DeepEqual(changed, tt.changed) {
				t.Errorf("got %+v %v, want %+v %v", patch, changed, tt.patch, tt.changed)
			}
			// After the patch, nothing differs.
			applied := tt.cur
			if p, _ := optionsDiff(tt.want, mergeOptions(applied, patch)); !reflect.DeepEqual(p, graph.MeetingOptions{}) {
				t.Errorf("after the patch the diff is still %+v", p)
			}
		})
	}
}

// mergeOptions applies a patch the way Graph does: set fields replace.
func mergeOptions(cur, patch graph.MeetingOptions) graph.MeetingOptions {
	cv, pv := reflect.ValueOf(&cur).Elem(), reflect.ValueOf(patch)
	for i := range pv.NumField() {
		f := pv.Field(i)
		if f.IsNil() {
			continue
		}
		if f.Kind() == reflect.Pointer && f.Elem().Kind() == reflect.Struct && !cv.Field(i).IsNil() {
			merged := reflect.New(f.Elem().Type())
			merged.Elem().Set(cv.Field(i).Elem())
			for j := range f.Elem().NumField() {
				if !f.Elem().Field(j).IsZero() {
					merged.Elem().Field(j).Set(f.Elem().Field(j))
				}
			}
			cv.Field(i).Set(merged)
			continue
		}
		cv.Field(i).Set(f)
	}
	return cur
}

func TestDesiredOptionsCarryEveryAPIOption(t *testing.T) {
	// Every option of the API type reaches Graph's: a field added to one
	// and not the other fails here.
	api := reflect.TypeFor[teamsv1alpha1.MeetingOptions]()
	wire := reflect.TypeFor[graph.MeetingOptions]()
	if api.NumField() != wire.NumField() {
		t.Fatalf("the API has %d options, the Graph client %d", api.NumField(), wire.NumField())
	}
	for i := range api.NumField() {
		if _, ok := wire.FieldByName(api.Field(i).Name); !ok {
			t.Errorf("option %s is not sent to Graph", api.Field(i).Name)
		}
	}
	yes := new(true)
	got := DesiredOptions(&teamsv1alpha1.MeetingOptions{AllowMeetingChat: "limited", RecordAutomatically: yes,
		LobbyBypassSettings: &teamsv1alpha1.LobbyBypassSettings{Scope: "invited"}})
	if *got.AllowMeetingChat != "limited" || got.RecordAutomatically != yes || got.LobbyBypassSettings.Scope != "invited" || got.AllowedPresenters != nil {
		t.Errorf("DesiredOptions = %+v", got)
	}
}
