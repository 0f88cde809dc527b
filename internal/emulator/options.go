package emulator

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
)

// Meeting options are the onlineMeeting properties that only PATCH sets
// (Graph v1.0's "Update onlineMeeting" list, plus the few that Microsoft's
// SDKs also PATCH). The emulator keeps them as Graph does: every meeting
// carries every option from its creation on, a PATCH changes only what it
// sends, and values of the wrong JSON type or outside an enum are refused
// with a 400 that names the property. It does not act on them.

// optionKind is the JSON shape of a meeting option.
type optionKind int

const (
	optionBool   optionKind = iota // Edm.Boolean
	optionEnum                     // a member of an OData enum type
	optionObject                   // a complex type whose members are options
	optionRoles                    // a collection of onlineMeetingRole
)

// meetingOption describes one option, or one member of a complex option.
type meetingOption struct {
	name string // as Graph spells it
	kind optionKind
	// typeName is the OData type the 400 names for enums and complex types,
	// without the "microsoft.graph." namespace.
	typeName string
	// values are the enum members (optionEnum) or the accepted roles
	// (optionRoles), in Graph's spelling.
	values []string
	// evolvable are enum members added after unknownFutureValue: Graph takes
	// and returns them only when the request carries Prefer:
	// include-unknown-enum-members, and shows them as unknownFutureValue
	// otherwise.
	evolvable []string
	// members are the members of a complex type (optionObject).
	members []meetingOption
}

func boolOption(name string) meetingOption { return meetingOption{name: name, kind: optionBool} }

func enumOption(name, typeName, values string) meetingOption {
	return meetingOption{name: name, kind: optionEnum, typeName: typeName, values: strings.Fields(values)}
}

// meetingOptions are the options the emulator keeps.
var meetingOptions = []meetingOption{
	boolOption("allowAttendeeToEnableCamera"),
	boolOption("allowAttendeeToEnableMic"),
	boolOption("allowBreakoutRooms"),
	boolOption("allowCopyingAndSharingMeetingContent"),
	enumOption("allowedLobbyAdmitters", "allowedLobbyAdmitterRoles",
		"organizerAndCoOrganizersAndPresenters organizerAndCoOrganizers unknownFutureValue"),
	enumOption("allowedPresenters", "onlineMeetingPresenters", "everyone organization roleIsPresenter organizer unknownFutureValue"),
	enumOption("allowLiveShare", "meetingLiveShareOptions", "enabled disabled unknownFutureValue"),
	enumOption("allowMeetingChat", "meetingChatMode", "enabled disabled limited unknownFutureValue"),
	boolOption("allowParticipantsToChangeName"),
	boolOption("allowPowerPointSharing"),
	boolOption("allowRecording"),
	boolOption("allowTeamworkReactions"),
	boolOption("allowTranscription"),
	boolOption("allowWhiteboard"),
	// Once attendee identities are anonymized, a PATCH cannot undo it.
	{name: "anonymizeIdentityForRoles", kind: optionRoles, typeName: "onlineMeetingRole", values: []string{"attendee"}},
	boolOption("isEntryExitAnnounced"),
	{name: "lobbyBypassSettings", kind: optionObject, typeName: "lobbyBypassSettings", members: []meetingOption{
		{name: "scope", kind: optionEnum, typeName: "lobbyBypassScope",
			values:    strings.Fields("organizer organization organizationAndFederated everyone unknownFutureValue"),
			evolvable: strings.Fields("invited organizationExcludingGuests")},
		boolOption("isDialInBypassEnabled"),
	}},
	boolOption("recordAutomatically"),
	enumOption("shareMeetingChatHistoryDefault", "meetingChatHistoryDefaultMode", "all none unknownFutureValue"),
	{name: "watermarkProtection", kind: optionObject, typeName: "watermarkProtectionValues", members: []meetingOption{
		boolOption("isEnabledForContentSharing"),
		boolOption("isEnabledForVideo"),
	}},
	// Beta's; kept as sent, with no default, as before v1.0 had them.
	{name: "chatRestrictions", kind: optionObject, typeName: "chatRestrictions", members: []meetingOption{
		boolOption("allowTextOnly"),
	}},
	boolOption("isEndToEndEncryptionEnabled"),
}

// optionsByName finds an option by its lower-case name.
var optionsByName = map[string]meetingOption{}

func init() {
	for _, o := range meetingOptions {
		optionsByName[strings.ToLower(o.name)] = o
	}
}

// policyDefaults are the options a new meeting starts with. In Teams they
// come from the tenant's meeting policy, which an admin may change; these
// are the values of the policy Microsoft ships (Global, org-wide default)
// and what Graph's documentation shows a new meeting with. A fresh map
// every call, so that no meeting shares one with another.
func policyDefaults() map[string]any {
	return map[string]any{
		"lobbyBypassSettings":                  map[string]any{"scope": "organization", "isDialInBypassEnabled": false},
		"allowedPresenters":                    "everyone",
		"allowMeetingChat":                     "enabled",
		"allowTeamworkReactions":               true,
		"allowAttendeeToEnableCamera":          true,
		"allowAttendeeToEnableMic":             true,
		"allowParticipantsToChangeName":        false,
		"isEntryExitAnnounced":                 true,
		"recordAutomatically":                  false,
		"shareMeetingChatHistoryDefault":       "all",
		"allowRecording":                       true,
		"allowTranscription":                   true,
		"allowWhiteboard":                      true,
		"allowBreakoutRooms":                   true,
		"allowPowerPointSharing":               true,
		"allowCopyingAndSharingMeetingContent": true,
		"allowLiveShare":                       "enabled",
		"allowedLobbyAdmitters":                "organizerAndCoOrganizersAndPresenters",
		"watermarkProtection":                  map[string]any{"isEnabledForContentSharing": false, "isEnabledForVideo": false},
		"anonymizeIdentityForRoles":            []string{},
	}
}

// prefersUnknownEnumMembers reports whether the request opted in to enum
// members added after unknownFutureValue.
func prefersUnknownEnumMembers(r *http.Request) bool {
	for _, v := range r.Header.Values("Prefer") {
		for p := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(p), "include-unknown-enum-members") {
				return true
			}
		}
	}
	return false
}

// parseOptions checks the options among a request's top-level properties
// and returns them as Graph will keep them (enum members in Graph's
// spelling, null kept, complex values holding only the members sent), or
// the message of Graph's 400.
func parseOptions(raw map[string]json.RawMessage, includeUnknown bool) (map[string]any, string) {
	out := map[string]any{}
	for _, k := range slices.Sorted(maps.Keys(raw)) {
		o, ok := optionsByName[strings.ToLower(k)]
		if !ok {
			continue
		}
		v, msg := o.parse(raw[k], o.name, includeUnknown)
		if msg != "" {
			return nil, msg
		}
		out[o.name] = v
	}
	return out, ""
}

// parse checks one sent value; path is the property as the 400 names it
// ("lobbyBypassSettings.scope").
func (o meetingOption) parse(raw json.RawMessage, path string, includeUnknown bool) (any, string) {
	if string(raw) == "null" {
		if o.kind == optionRoles {
			// A collection is never null in OData; null empties it.
			return []string{}, ""
		}
		return nil, ""
	}
	switch o.kind {
	case optionBool:
		var b bool
		if json.Unmarshal(raw, &b) != nil {
			return nil, fmt.Sprintf("Cannot convert the literal '%s' to the expected type 'Edm.Boolean' of property '%s'.", raw, path)
		}
		return b, ""
	case optionEnum:
		var v string
		if json.Unmarshal(raw, &v) == nil {
			if member, ok := o.member(v, o.values); ok {
				return member, ""
			}
			if member, ok := o.member(v, o.evolvable); ok {
				if includeUnknown {
					return member, ""
				}
				return nil, fmt.Sprintf("%s is a value of property '%s' (type microsoft.graph.%s) that only requests with the header "+
					"'Prefer: include-unknown-enum-members' may send; use one of %s.", raw, path, o.typeName, strings.Join(o.values, ", "))
			}
		}
		accepted := o.values
		if includeUnknown {
			accepted = append(slices.Clone(o.values), o.evolvable...)
		}
		return nil, fmt.Sprintf("%s is not a valid value of property '%s' (type microsoft.graph.%s); use one of %s.",
			raw, path, o.typeName, strings.Join(accepted, ", "))
	case optionRoles:
		var roles []string
		if json.Unmarshal(raw, &roles) != nil {
			return nil, fmt.Sprintf("Property '%s' must be a collection of microsoft.graph.%s values.", path, o.typeName)
		}
		out := []string{}
		for _, r := range roles {
			member, ok := o.member(r, o.values)
			if !ok {
				return nil, fmt.Sprintf("'%s' is not a valid value of property '%s'; use %s.", r, path, strings.Join(o.values, ", "))
			}
			if !slices.Contains(out, member) {
				out = append(out, member)
			}
		}
		return out, ""
	default:
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil || obj == nil {
			return nil, fmt.Sprintf("Property '%s' must be an object or null (type microsoft.graph.%s).", path, o.typeName)
		}
		out := map[string]any{}
		for _, k := range slices.Sorted(maps.Keys(obj)) {
			if strings.HasPrefix(k, "@odata.") {
				continue // Microsoft's SDKs send @odata.type on complex values too
			}
			i := slices.IndexFunc(o.members, func(m meetingOption) bool { return strings.EqualFold(m.name, k) })
			if i < 0 {
				return nil, fmt.Sprintf("Invalid property '%s' in '%s': it does not exist on type 'microsoft.graph.%s'.", k, path, o.typeName)
			}
			m := o.members[i]
			v, msg := m.parse(obj[k], path+"."+m.name, includeUnknown)
			if msg != "" {
				return nil, msg
			}
			out[m.name] = v
		}
		return out, ""
	}
}

// member finds v among members, ignoring case, and returns Graph's spelling.
func (o meetingOption) member(v string, members []string) (string, bool) {
	for _, m := range members {
		if strings.EqualFold(v, m) {
			return m, true
		}
	}
	return "", false
}

// applyOptions returns stored with sent applied the way OData's PATCH
// works: sent options replace stored ones, but a complex value is merged,
// so members it leaves out keep their values. It refuses, with Graph's
// message, to take attendee out of anonymizeIdentityForRoles. stored is
// not changed.
func applyOptions(stored, sent map[string]any) (map[string]any, string) {
	out := cloneOptions(stored)
	if out == nil {
		out = map[string]any{}
	}
	for name, v := range sent {
		if name == "anonymizeIdentityForRoles" {
			had, _ := out[name].([]string)
			now, _ := v.([]string)
			for _, r := range had {
				if !slices.Contains(now, r) {
					return nil, fmt.Sprintf("The role '%s' cannot be removed from property '%s' once it was added.", r, name)
				}
			}
		}
		old, wasObject := out[name].(map[string]any)
		patch, isObject := v.(map[string]any)
		if wasObject && isObject {
			merged := maps.Clone(old)
			maps.Copy(merged, patch)
			v = merged
		}
		out[name] = v
	}
	return out, ""
}

// viewOptions is the options as Graph answers them: a copy, with evolvable
// enum members shown as unknownFutureValue to clients that did not opt in.
func viewOptions(stored map[string]any, includeUnknown bool) map[string]any {
	out := cloneOptions(stored)
	if includeUnknown {
		return out
	}
	for name, v := range out {
		out[name] = optionsByName[strings.ToLower(name)].hideEvolvable(v)
	}
	return out
}

func (o meetingOption) hideEvolvable(v any) any {
	switch o.kind {
	case optionEnum:
		if s, ok := v.(string); ok && slices.Contains(o.evolvable, s) {
			return "unknownFutureValue"
		}
	case optionObject:
		if obj, ok := v.(map[string]any); ok {
			for _, m := range o.members {
				if mv, ok := obj[m.name]; ok {
					obj[m.name] = m.hideEvolvable(mv)
				}
			}
		}
	}
	return v
}

// cloneOptions copies options deeply enough that changing the copy's
// complex values and collections leaves the original alone.
func cloneOptions(in map[string]any) map[string]any {
	if in == nil {
		return nil
	}
	out := make(map[string]any, len(in))
	for k, v := range in {
		switch v := v.(type) {
		case map[string]any:
			out[k] = maps.Clone(v)
		case []string:
			out[k] = slices.Clone(v)
		default:
			out[k] = v
		}
	}
	return out
}
