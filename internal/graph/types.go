package graph

import "time"

// The wire types below carry Graph's JSON names exactly. Fields are omitted when
// empty the way Graph omits them, and decoding ignores every field we do not model
// (Graph adds @odata.* annotations and many presentation settings). Times are
// date-times in UTC; the client converts request times to UTC before sending.

// MeetingRequest is the body of createOrGet.
type MeetingRequest struct {
	// ExternalID identifies the meeting together with the organizer; Graph requires it.
	ExternalID string `json:"externalId"`
	// Subject is the meeting's title.
	Subject string `json:"subject,omitempty"`
	// StartDateTime defaults to now when absent.
	StartDateTime *time.Time `json:"startDateTime,omitempty"`
	// EndDateTime defaults to StartDateTime plus one hour when absent; Graph rejects
	// an end without a start.
	EndDateTime *time.Time `json:"endDateTime,omitempty"`
	// Participants lists the attendees; the organizer is the user in the path.
	Participants *MeetingParticipants `json:"participants,omitempty"`
	// ChatInfo ties the meeting to a Teams channel thread; Graph accepts it on beta only.
	ChatInfo *ChatInfo `json:"chatInfo,omitempty"`
}

// MeetingPatch is the body of update: only the properties being changed. Graph
// wants StartDateTime and EndDateTime together when either changes, and replaces
// the attendee list as a whole.
type MeetingPatch struct {
	// Subject is the new title, when it changes.
	Subject *string `json:"subject,omitempty"`
	// StartDateTime is the new start, sent together with EndDateTime.
	StartDateTime *time.Time `json:"startDateTime,omitempty"`
	// EndDateTime is the new end, sent together with StartDateTime.
	EndDateTime *time.Time `json:"endDateTime,omitempty"`
	// Participants carries the complete new attendee list.
	Participants *MeetingParticipants `json:"participants,omitempty"`
	// MeetingOptions are the options being changed.
	MeetingOptions
}

// OnlineMeeting is Graph's onlineMeeting resource, limited to the fields the
// operator uses.
type OnlineMeeting struct {
	// ID is Graph's meeting id, used in the get, update and delete paths.
	ID string `json:"id,omitempty"`
	// ExternalID is the caller's idempotency key given to createOrGet.
	ExternalID string `json:"externalId,omitempty"`
	// Subject is the meeting's title.
	Subject string `json:"subject,omitempty"`
	// CreationDateTime is when Graph created the meeting.
	CreationDateTime *time.Time `json:"creationDateTime,omitempty"`
	// StartDateTime is the meeting's start.
	StartDateTime *time.Time `json:"startDateTime,omitempty"`
	// EndDateTime is the meeting's end.
	EndDateTime *time.Time `json:"endDateTime,omitempty"`
	// ExpiryDateTime is when Graph forgets the meeting (60 days after its end,
	// pushed out by every update); read-only.
	ExpiryDateTime *time.Time `json:"expiryDateTime,omitempty"`
	// JoinWebURL is the link attendees open.
	JoinWebURL string `json:"joinWebUrl,omitempty"`
	// VideoTeleconferenceID is the id for video-teleconferencing devices.
	VideoTeleconferenceID string `json:"videoTeleconferenceId,omitempty"`
	// JoinMeetingIDSettings holds the numeric meeting id and passcode.
	JoinMeetingIDSettings *JoinMeetingIDSettings `json:"joinMeetingIdSettings,omitempty"`
	// AudioConferencing is nil when the organizer has no audio-conferencing licence.
	AudioConferencing *AudioConferencing `json:"audioConferencing,omitempty"`
	// ChatInfo identifies the meeting's chat thread.
	ChatInfo *ChatInfo `json:"chatInfo,omitempty"`
	// Participants holds the organizer and the attendees.
	Participants *MeetingParticipants `json:"participants,omitempty"`
	// MeetingOptions are the meeting's options as Graph holds them.
	MeetingOptions
}

// MeetingOptions are the onlineMeeting properties only PATCH sets (v1.0's
// update list). Every field is a pointer or a slice: nil means "not sent"
// in a patch and "not returned" in an answer, and false or "" is a value.
type MeetingOptions struct {
	LobbyBypassSettings                  *LobbyBypassSettings       `json:"lobbyBypassSettings,omitempty"`
	AllowedPresenters                    *string                    `json:"allowedPresenters,omitempty"`
	AllowMeetingChat                     *string                    `json:"allowMeetingChat,omitempty"`
	AllowTeamworkReactions               *bool                      `json:"allowTeamworkReactions,omitempty"`
	AllowAttendeeToEnableCamera          *bool                      `json:"allowAttendeeToEnableCamera,omitempty"`
	AllowAttendeeToEnableMic             *bool                      `json:"allowAttendeeToEnableMic,omitempty"`
	AllowParticipantsToChangeName        *bool                      `json:"allowParticipantsToChangeName,omitempty"`
	IsEntryExitAnnounced                 *bool                      `json:"isEntryExitAnnounced,omitempty"`
	RecordAutomatically                  *bool                      `json:"recordAutomatically,omitempty"`
	ShareMeetingChatHistoryDefault       *string                    `json:"shareMeetingChatHistoryDefault,omitempty"`
	WatermarkProtection                  *WatermarkProtectionValues `json:"watermarkProtection,omitempty"`
	AllowBreakoutRooms                   *bool                      `json:"allowBreakoutRooms,omitempty"`
	AllowCopyingAndSharingMeetingContent *bool                      `json:"allowCopyingAndSharingMeetingContent,omitempty"`
	AllowedLobbyAdmitters                *string                    `json:"allowedLobbyAdmitters,omitempty"`
	AllowLiveShare                       *string                    `json:"allowLiveShare,omitempty"`
	AllowPowerPointSharing               *bool                      `json:"allowPowerPointSharing,omitempty"`
	AllowRecording                       *bool                      `json:"allowRecording,omitempty"`
	AllowTranscription                   *bool                      `json:"allowTranscription,omitempty"`
	AllowWhiteboard                      *bool                      `json:"allowWhiteboard,omitempty"`
	AnonymizeIdentityForRoles            []string                   `json:"anonymizeIdentityForRoles,omitempty"`
}

// WatermarkProtectionValues is Graph's watermarkProtectionValues.
type WatermarkProtectionValues struct {
	// IsEnabledForContentSharing watermarks shared content.
	IsEnabledForContentSharing *bool `json:"isEnabledForContentSharing,omitempty"`
	// IsEnabledForVideo watermarks video.
	IsEnabledForVideo *bool `json:"isEnabledForVideo,omitempty"`
}

// MeetingParticipants is Graph's meetingParticipants.
type MeetingParticipants struct {
	// Organizer is set by Graph from the path user; requests leave it nil.
	Organizer *MeetingParticipantInfo `json:"organizer,omitempty"`
	// Attendees is a whole list: nil leaves it out of the JSON, an empty non-nil
	// slice sends [] so that an update can remove every attendee.
	Attendees []MeetingParticipantInfo `json:"attendees,omitzero"`
}

// MeetingParticipantInfo is Graph's meetingParticipantInfo.
type MeetingParticipantInfo struct {
	// Identity names the participant's Azure AD user.
	Identity *IdentitySet `json:"identity,omitempty"`
	// UPN is the participant's user principal name.
	UPN string `json:"upn,omitempty"`
	// Role is attendee, presenter, producer or coorganizer (the last only with
	// Prefer: include-unknown-enum-members, which the client always sends).
	Role string `json:"role,omitempty"`
}

// IdentitySet is Graph's identitySet, limited to the user identity.
type IdentitySet struct {
	// User is the Azure AD user.
	User *Identity `json:"user,omitempty"`
}

// Identity is Graph's identity of a user.
type Identity struct {
	// ID is the user's Azure AD object id.
	ID string `json:"id,omitempty"`
	// DisplayName is the user's name as shown in Teams.
	DisplayName string `json:"displayName,omitempty"`
	// TenantID is the user's tenant.
	TenantID string `json:"tenantId,omitempty"`
	// IdentityProvider is "AAD" for Azure AD users.
	IdentityProvider string `json:"identityProvider,omitempty"`
}

// AudioConferencing is Graph's audioConferencing: the dial-in details.
type AudioConferencing struct {
	// ConferenceID is the id dialled after the number.
	ConferenceID string `json:"conferenceId,omitempty"`
	// TollNumber is the primary toll number.
	TollNumber string `json:"tollNumber,omitempty"`
	// TollFreeNumber is the primary toll-free number.
	TollFreeNumber string `json:"tollFreeNumber,omitempty"`
	// TollNumbers lists every toll number.
	TollNumbers []string `json:"tollNumbers,omitempty"`
	// TollFreeNumbers lists every toll-free number.
	TollFreeNumbers []string `json:"tollFreeNumbers,omitempty"`
	// DialinURL is the page listing the local dial-in numbers.
	DialinURL string `json:"dialinUrl,omitempty"`
}

// ChatInfo is Graph's chatInfo.
type ChatInfo struct {
	// ThreadID is the chat thread, e.g. 19:...@thread.tacv2 for a channel.
	ThreadID string `json:"threadId,omitempty"`
	// MessageID is the message in the thread ("0" for a meeting chat of its own).
	MessageID string `json:"messageId,omitempty"`
	// ReplyChainMessageID is the reply chain in a channel.
	ReplyChainMessageID string `json:"replyChainMessageId,omitempty"`
}

// JoinMeetingIDSettings is Graph's joinMeetingIdSettings.
type JoinMeetingIDSettings struct {
	// JoinMeetingID is the numeric id typed into the Teams "join with an id" box.
	JoinMeetingID string `json:"joinMeetingId,omitempty"`
	// Passcode goes with JoinMeetingID.
	Passcode string `json:"passcode,omitempty"`
	// IsPasscodeRequired says whether Passcode is asked for.
	IsPasscodeRequired bool `json:"isPasscodeRequired,omitempty"`
}

// LobbyBypassSettings is Graph's lobbyBypassSettings.
type LobbyBypassSettings struct {
	// Scope is who bypasses the lobby (organizer, organization, everyone, ...).
	Scope string `json:"scope,omitempty"`
	// IsDialInBypassEnabled lets dial-in callers skip the lobby.
	IsDialInBypassEnabled *bool `json:"isDialInBypassEnabled,omitempty"`
}

// odataError is Graph's error body. innerError.date carries no time zone
// (2026-11-26T20:41:07), so it stays a string: a time.Time would make decoding
// fail and lose the code and message with it. encoding/json matches names
// case-insensitively, so the older "innererror" spelling decodes too.
type odataError struct {
	Error struct {
		Code       string `json:"code"`
		Message    string `json:"message"`
		InnerError struct {
			Date            string `json:"date"`
			RequestID       string `json:"request-id"`
			ClientRequestID string `json:"client-request-id"`
		} `json:"innerError"`
	} `json:"error"`
}
