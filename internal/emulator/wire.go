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
	BroadcastSettings             *struct{}              `json:"broadcastSettings"`
	JoinMeetingIDSettings         joinMeetingIDJSON      `json:"joinMeetingIdSettings"`
	AudioConferencing             *audioConferencingJSON `json:"audioConferencing"`
	ChatInfo                      chatInfoJSON           `json:"chatInfo"`
	JoinInformation               itemBodyJSON           `json:"joinInformation"`
	Participants                  participantsJSON       `json:"participants"`

	// options are the meeting options (see meetingOptions) by property
	// name, as this request is to see them.
	options map[string]any
}

// MarshalJSON writes the meeting with its options among its properties.
func (m meetingJSON) MarshalJSON() ([]byte, error) {
	type plain meetingJSON
	data, err := json.Marshal(plain(m))
	if err != nil || len(m.options) == 0 {
		return data, err
	}
	var all map[string]any
	if err := json.Unmarshal(data, &all); err != nil {
		return nil, err
	}
	maps.Copy(all, m.options)
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
	ExternalID    *string           `json:"externalId"`
	Subject       *string           `json:"subject"`
	StartDateTime *graphTime        `json:"startDateTime"`
	EndDateTime   *graphTime        `json:"endDateTime"`
	Participants  *participantsJSON `json:"participants"`
	ChatInfo      *chatInfoJSON     `json:"chatInfo"`
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
