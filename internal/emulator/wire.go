package emulator

import (
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"time"
)

// graphTimeLayout is how Graph writes date-times: UTC, seven fractional
// digits, "Z".
const graphTimeLayout = "2006-01-02T15:04:05.0000000Z"

// graphTime writes itself in Graph's layout and reads RFC 3339 with any
// offset, or a time without zone taken as UTC, as Graph accepts.
type graphTime struct{ time.Time }

// MarshalJSON writes Graph's layout.
func (t graphTime) MarshalJSON() ([]byte, error) {
	return json.Marshal(t.UTC().Format(graphTimeLayout))
}

// UnmarshalJSON reads RFC 3339, or a zone-less time as UTC.
func (t *graphTime) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a date-time must be a string such as \"2020-02-06T01:49:21.3524945Z\"")
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		if v, err := time.Parse(layout, s); err == nil {
			t.Time = v.UTC()
			return nil
		}
	}
	return fmt.Errorf("%q is not an ISO 8601 date-time such as \"2020-02-06T01:49:21.3524945Z\"", s)
}

// meetingJSON is the onlineMeeting resource as Graph returns it.
type meetingJSON struct {
	ODataContext                  string                 `json:"@odata.context,omitempty"`
	ID                            string                 `json:"id"`
	CreationDateTime              graphTime              `json:"creationDateTime"`
	StartDateTime                 graphTime              `json:"startDateTime"`
	EndDateTime                   graphTime              `json:"endDateTime"`
	ExpiryDateTime                graphTime              `json:"expiryDateTime"`
	JoinURL                       string                 `json:"joinUrl"`
	JoinWebURL                    string                 `json:"joinWebUrl"`
	Subject                       string                 `json:"subject"`
	ExternalID                    string                 `json:"externalId"`
	IsBroadcast                   bool                   `json:"isBroadcast"`
	AutoAdmittedUsers             string                 `json:"autoAdmittedUsers,omitempty"`
	OuterMeetingAutoAdmittedUsers *string                `json:"outerMeetingAutoAdmittedUsers"`
	Capabilities                  []string               `json:"capabilities"`
	VideoTeleconferenceID         string                 `json:"videoTeleconferenceId"`
	AllowedPresenters             string                 `json:"allowedPresenters"`
	AllowMeetingChat              string                 `json:"allowMeetingChat"`
	AllowTeamworkReactions        bool                   `json:"allowTeamworkReactions"`
	IsEntryExitAnnounced          bool                   `json:"isEntryExitAnnounced"`
	RecordAutomatically           bool                   `json:"recordAutomatically"`
	BroadcastSettings             *struct{}              `json:"broadcastSettings"`
	JoinMeetingIDSettings         joinMeetingIDJSON      `json:"joinMeetingIdSettings"`
	AudioConferencing             *audioConferencingJSON `json:"audioConferencing"`
	ChatInfo                      chatInfoJSON           `json:"chatInfo"`
	JoinInformation               itemBodyJSON           `json:"joinInformation"`
	LobbyBypassSettings           lobbyBypassJSON        `json:"lobbyBypassSettings"`
	Participants                  participantsJSON       `json:"participants"`

	// settings are meeting options set by PATCH (see meetingSettings),
	// keyed by property name; they replace the defaults above.
	settings map[string]json.RawMessage
}

// MarshalJSON writes the meeting with its PATCHed settings in place of the
// defaults.
func (m meetingJSON) MarshalJSON() ([]byte, error) {
	type plain meetingJSON
	data, err := json.Marshal(plain(m))
	if err != nil || len(m.settings) == 0 {
		return data, err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return nil, err
	}
	maps.Copy(all, m.settings)
	return json.Marshal(all)
}

type joinMeetingIDJSON struct {
	IsPasscodeRequired bool   `json:"isPasscodeRequired"`
	JoinMeetingID      string `json:"joinMeetingId"`
	Passcode           string `json:"passcode"`
}

type audioConferencingJSON struct {
	ConferenceID    string   `json:"conferenceId"`
	TollNumber      string   `json:"tollNumber"`
	TollFreeNumber  string   `json:"tollFreeNumber"`
	TollNumbers     []string `json:"tollNumbers"`
	TollFreeNumbers []string `json:"tollFreeNumbers"`
	DialinURL       string   `json:"dialinUrl"`
}

type chatInfoJSON struct {
	ThreadID            string  `json:"threadId"`
	MessageID           string  `json:"messageId"`
	ReplyChainMessageID *string `json:"replyChainMessageId"`
}

type itemBodyJSON struct {
	Content     string `json:"content"`
	ContentType string `json:"contentType"`
}

type lobbyBypassJSON struct {
	Scope                 string `json:"scope"`
	IsDialInBypassEnabled bool   `json:"isDialInBypassEnabled"`
}

type participantsJSON struct {
	Organizer *participantJSON  `json:"organizer,omitempty"`
	Attendees []participantJSON `json:"attendees"`
}

type participantJSON struct {
	Identity *identitySetJSON `json:"identity,omitempty"`
	UPN      *string          `json:"upn"`
	Role     *string          `json:"role"`
}

type identitySetJSON struct {
	User *identityJSON `json:"user"`
}

type identityJSON struct {
	ID               string  `json:"id"`
	DisplayName      *string `json:"displayName"`
	TenantID         string  `json:"tenantId,omitempty"`
	IdentityProvider string  `json:"identityProvider,omitempty"`
}

// meetingRequestJSON is the writable part of an onlineMeeting as clients
// send it to createOrGet and PATCH. Pointers tell "absent" from "empty".
type meetingRequestJSON struct {
	ExternalID          *string           `json:"externalId"`
	Subject             *string           `json:"subject"`
	StartDateTime       *graphTime        `json:"startDateTime"`
	EndDateTime         *graphTime        `json:"endDateTime"`
	Participants        *participantsJSON `json:"participants"`
	ChatInfo            *chatInfoJSON     `json:"chatInfo"`
	LobbyBypassSettings *lobbyBypassJSON  `json:"lobbyBypassSettings"`
	AllowedPresenters   *string           `json:"allowedPresenters"`
}

// onlineMeetingProperties are the property names Graph knows on
// onlineMeeting; others are refused as OData does.
var onlineMeetingProperties = map[string]bool{}

func init() {
	for _, p := range strings.Fields(`id externalId subject startDateTime endDateTime creationDateTime expiryDateTime
		joinUrl joinWebUrl isBroadcast autoAdmittedUsers outerMeetingAutoAdmittedUsers capabilities videoTeleconferenceId
		allowedPresenters allowMeetingChat allowTeamworkReactions allowAttendeeToEnableCamera allowAttendeeToEnableMic
		isEntryExitAnnounced recordAutomatically broadcastSettings joinMeetingIdSettings audioConferencing chatInfo
		joinInformation lobbyBypassSettings participants meetingCode allowRecording allowTranscription
		shareMeetingChatHistoryDefault watermarkProtection chatRestrictions meetingTemplateId
		allowBreakoutRooms allowCopyingAndSharingMeetingContent allowedLobbyAdmitters allowLiveShare
		allowParticipantsToChangeName allowPowerPointSharing allowWhiteboard isEndToEndEncryptionEnabled
		anonymizeIdentityForRoles`) {
		onlineMeetingProperties[strings.ToLower(p)] = true
	}
}

// validRoles are the onlineMeetingRole values; coorganizer is an "unknown"
// enum member, sent only to clients that opt in with Prefer.
var validRoles = map[string]string{"attendee": "attendee", "presenter": "presenter", "producer": "producer",
	"coorganizer": "coorganizer", "unknownfuturevalue": "unknownFutureValue"}

// settingKind is the JSON type of a meeting option.
type settingKind int

const (
	settingBool   settingKind = iota // Edm.Boolean
	settingEnum                      // a string from values
	settingObject                    // a complex type, or null
	settingRoles                     // a collection of onlineMeetingRole
)

// meetingSetting describes a meeting option a PATCH may set: Microsoft's
// SDKs expose each as a typed setter, and Graph keeps what was sent.
type meetingSetting struct {
	name   string // as Graph spells it
	kind   settingKind
	values []string // settingEnum: the members
}

// meetingSettings are the onlineMeetingBase options the emulator stores as
// sent, by lower-case name. The emulator does not act on them.
var meetingSettings = map[string]meetingSetting{}

func init() {
	for _, n := range strings.Fields(`allowAttendeeToEnableCamera allowAttendeeToEnableMic allowBreakoutRooms
		allowCopyingAndSharingMeetingContent allowParticipantsToChangeName allowPowerPointSharing allowRecording
		allowTeamworkReactions allowTranscription allowWhiteboard isEntryExitAnnounced recordAutomatically
		isEndToEndEncryptionEnabled`) {
		meetingSettings[strings.ToLower(n)] = meetingSetting{name: n, kind: settingBool}
	}
	for n, values := range map[string]string{
		"allowMeetingChat":               "enabled disabled limited unknownFutureValue",
		"allowLiveShare":                 "enabled disabled unknownFutureValue",
		"allowedLobbyAdmitters":          "organizerAndCoOrganizersAndPresenters organizerAndCoOrganizers unknownFutureValue",
		"shareMeetingChatHistoryDefault": "all none unknownFutureValue",
	} {
		meetingSettings[strings.ToLower(n)] = meetingSetting{name: n, kind: settingEnum, values: strings.Fields(values)}
	}
	for _, n := range []string{"chatRestrictions", "watermarkProtection"} {
		meetingSettings[strings.ToLower(n)] = meetingSetting{name: n, kind: settingObject}
	}
	meetingSettings["anonymizeidentityforroles"] = meetingSetting{name: "anonymizeIdentityForRoles", kind: settingRoles}
}

// parse checks a sent value and returns it as Graph will send it back
// (enum members in Graph's spelling, null kept), or the message of the 400
// Graph answers.
func (st meetingSetting) parse(raw json.RawMessage) (json.RawMessage, string) {
	if string(raw) == "null" {
		return raw, ""
	}
	switch st.kind {
	case settingBool:
		var b bool
		if json.Unmarshal(raw, &b) != nil {
			return nil, fmt.Sprintf("Cannot convert the literal '%s' to the expected type 'Edm.Boolean' of property '%s'.", raw, st.name)
		}
		return mustMarshal(b), ""
	case settingEnum:
		var v string
		if json.Unmarshal(raw, &v) == nil {
			for _, member := range st.values {
				if strings.EqualFold(v, member) {
					return mustMarshal(member), ""
				}
			}
		}
		return nil, fmt.Sprintf("%s is not a valid value of property '%s'; use one of %s.", raw, st.name, strings.Join(st.values, ", "))
	case settingRoles:
		var roles []string
		if json.Unmarshal(raw, &roles) != nil {
			return nil, fmt.Sprintf("Property '%s' must be a collection of onlineMeetingRole values.", st.name)
		}
		out := make([]string, 0, len(roles))
		for _, r := range roles {
			v, ok := validRoles[strings.ToLower(r)]
			if !ok {
				return nil, fmt.Sprintf("'%s' in property '%s' is not a valid onlineMeetingRole.", r, st.name)
			}
			out = append(out, v)
		}
		return mustMarshal(out), ""
	default:
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			return nil, fmt.Sprintf("Property '%s' must be an object or null.", st.name)
		}
		return mustMarshal(obj), ""
	}
}

// mustMarshal marshals values that cannot fail to marshal.
func mustMarshal(v any) json.RawMessage {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return data
}
