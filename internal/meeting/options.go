package meeting

import (
	"reflect"
	"slices"
	"strings"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/graph"
)

// DesiredOptions are the options the spec sets, as Graph's PATCH carries
// them; an option the spec leaves out stays nil, and so unmanaged.
func DesiredOptions(o *teamsv1alpha1.MeetingOptions) graph.MeetingOptions {
	str := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	out := graph.MeetingOptions{
		AllowedPresenters:                    str(string(o.AllowedPresenters)),
		AllowMeetingChat:                     str(string(o.AllowMeetingChat)),
		AllowTeamworkReactions:               o.AllowTeamworkReactions,
		AllowAttendeeToEnableCamera:          o.AllowAttendeeToEnableCamera,
		AllowAttendeeToEnableMic:             o.AllowAttendeeToEnableMic,
		AllowParticipantsToChangeName:        o.AllowParticipantsToChangeName,
		IsEntryExitAnnounced:                 o.IsEntryExitAnnounced,
		RecordAutomatically:                  o.RecordAutomatically,
		ShareMeetingChatHistoryDefault:       str(string(o.ShareMeetingChatHistoryDefault)),
		AllowBreakoutRooms:                   o.AllowBreakoutRooms,
		AllowCopyingAndSharingMeetingContent: o.AllowCopyingAndSharingMeetingContent,
		AllowedLobbyAdmitters:                str(string(o.AllowedLobbyAdmitters)),
		AllowLiveShare:                       str(string(o.AllowLiveShare)),
		AllowPowerPointSharing:               o.AllowPowerPointSharing,
		AllowRecording:                       o.AllowRecording,
		AllowTranscription:                   o.AllowTranscription,
		AllowWhiteboard:                      o.AllowWhiteboard,
	}
	if l := o.LobbyBypassSettings; l != nil {
		out.LobbyBypassSettings = &graph.LobbyBypassSettings{Scope: string(l.Scope), IsDialInBypassEnabled: l.IsDialInBypassEnabled}
	}
	if w := o.WatermarkProtection; w != nil {
		out.WatermarkProtection = &graph.WatermarkProtectionValues{IsEnabledForContentSharing: w.IsEnabledForContentSharing, IsEnabledForVideo: w.IsEnabledForVideo}
	}
	for _, r := range o.AnonymizeIdentityForRoles {
		out.AnonymizeIdentityForRoles = append(out.AnonymizeIdentityForRoles, string(r))
	}
	return out
}

// optionsDiff is the part of a PATCH that brings the meeting's options to
// want, and the names of the options it changes. Only options want sets
// are compared: the others belong to the tenant's defaults and to whoever
// changes them in Teams.
func optionsDiff(want, cur graph.MeetingOptions) (graph.MeetingOptions, []string) {
	var patch graph.MeetingOptions
	var changed []string
	wv, cv, pv := reflect.ValueOf(want), reflect.ValueOf(cur), reflect.ValueOf(&patch).Elem()
	for i := range wv.NumField() {
		w := wv.Field(i)
		if w.IsNil() || optionMatches(w, cv.Field(i)) {
			continue
		}
		pv.Field(i).Set(w)
		changed = append(changed, jsonName(wv.Type().Field(i)))
	}
	return patch, changed
}

// optionMatches compares one option the spec sets with Graph's: pointers
// by value; structs by the fields the spec sets; role lists as sets (Graph
// never takes a role back, so extra ones are not drift).
func optionMatches(want, cur reflect.Value) bool {
	switch want.Kind() {
	case reflect.Slice:
		have := cur.Interface().([]string)
		for _, r := range want.Interface().([]string) {
			if !slices.ContainsFunc(have, func(h string) bool { return strings.EqualFold(h, r) }) {
				return false
			}
		}
		return true
	case reflect.Pointer:
		if cur.IsNil() {
			return false
		}
		w, c := want.Elem(), cur.Elem()
		if w.Kind() != reflect.Struct {
			return reflect.DeepEqual(w.Interface(), c.Interface())
		}
		for i := range w.NumField() {
			f := w.Field(i)
			if f.IsZero() {
				continue
			}
			if !reflect.DeepEqual(f.Interface(), c.Field(i).Interface()) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(want.Interface(), cur.Interface())
}

func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	return name
}

// optionsStatus records the options as Graph holds them.
func optionsStatus(o graph.MeetingOptions) teamsv1alpha1.MeetingOptionsStatus {
	deref := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	st := teamsv1alpha1.MeetingOptionsStatus{
		AllowedPresenters:                    deref(o.AllowedPresenters),
		AllowMeetingChat:                     deref(o.AllowMeetingChat),
		AllowTeamworkReactions:               o.AllowTeamworkReactions,
		AllowAttendeeToEnableCamera:          o.AllowAttendeeToEnableCamera,
		AllowAttendeeToEnableMic:             o.AllowAttendeeToEnableMic,
		AllowParticipantsToChangeName:        o.AllowParticipantsToChangeName,
		IsEntryExitAnnounced:                 o.IsEntryExitAnnounced,
		RecordAutomatically:                  o.RecordAutomatically,
		ShareMeetingChatHistoryDefault:       deref(o.ShareMeetingChatHistoryDefault),
		AllowBreakoutRooms:                   o.AllowBreakoutRooms,
		AllowCopyingAndSharingMeetingContent: o.AllowCopyingAndSharingMeetingContent,
		AllowedLobbyAdmitters:                deref(o.AllowedLobbyAdmitters),
		AllowLiveShare:                       deref(o.AllowLiveShare),
		AllowPowerPointSharing:               o.AllowPowerPointSharing,
		AllowRecording:                       o.AllowRecording,
		AllowTranscription:                   o.AllowTranscription,
		AllowWhiteboard:                      o.AllowWhiteboard,
		AnonymizeIdentityForRoles:            slices.Clone(o.AnonymizeIdentityForRoles),
	}
	if l := o.LobbyBypassSettings; l != nil {
		st.LobbyBypassSettings = &teamsv1alpha1.LobbyBypassSettingsStatus{Scope: l.Scope, IsDialInBypassEnabled: l.IsDialInBypassEnabled}
	}
	if w := o.WatermarkProtection; w != nil {
		st.WatermarkProtection = &teamsv1alpha1.WatermarkProtectionValues{IsEnabledForContentSharing: w.IsEnabledForContentSharing, IsEnabledForVideo: w.IsEnabledForVideo}
	}
	return st
}
