package v1alpha1

// The meeting options Graph's v1.0 update (PATCH) accepts, under Graph's
// own names and shapes, so that a Graph body pastes in as YAML. createOrGet
// ignores them: the operator sends them in one PATCH right after creating
// the meeting. An option left out is not managed: the tenant's default
// stays, and a change made in Teams is left alone.

// LobbyBypassScope is who skips the lobby.
// +kubebuilder:validation:Enum=organizer;organization;organizationAndFederated;everyone;invited;organizationExcludingGuests
type LobbyBypassScope string

// OnlineMeetingPresenters is who may present.
// +kubebuilder:validation:Enum=everyone;organization;roleIsPresenter;organizer
type OnlineMeetingPresenters string

// MeetingChatMode is whether the meeting chat is on.
// +kubebuilder:validation:Enum=enabled;disabled;limited
type MeetingChatMode string

// MeetingLiveShareOptions is whether Live Share is on.
// +kubebuilder:validation:Enum=enabled;disabled
type MeetingLiveShareOptions string

// AllowedLobbyAdmitterRoles is who may admit people from the lobby.
// +kubebuilder:validation:Enum=organizerAndCoOrganizersAndPresenters;organizerAndCoOrganizers
type AllowedLobbyAdmitterRoles string

// MeetingChatHistoryDefaultMode is how much chat history new participants see.
// +kubebuilder:validation:Enum=all;none
type MeetingChatHistoryDefaultMode string

// AnonymizedRole is a role whose identity is anonymized in the meeting.
// +kubebuilder:validation:Enum=attendee
type AnonymizedRole string

// MeetingOptions are the options of a meeting that Graph sets by PATCH.
// Every field is optional; one that is set is kept as written, and
// restored at resync if someone changes it in Teams.
type MeetingOptions struct {
	// lobbyBypassSettings says who skips the lobby. Graph's default for new
	// meetings is scope organization.
	// +optional
	LobbyBypassSettings *LobbyBypassSettings `json:"lobbyBypassSettings,omitempty"`

	// allowedPresenters is who may present: everyone, organization,
	// roleIsPresenter (the attendees whose role is presenter) or organizer.
	// +optional
	AllowedPresenters OnlineMeetingPresenters `json:"allowedPresenters,omitempty"`

	// allowMeetingChat is enabled, disabled, or limited (only while the
	// meeting runs).
	// +optional
	AllowMeetingChat MeetingChatMode `json:"allowMeetingChat,omitempty"`

	// allowTeamworkReactions turns Teams reactions on or off.
	// +optional
	AllowTeamworkReactions *bool `json:"allowTeamworkReactions,omitempty"`

	// allowAttendeeToEnableCamera lets attendees turn on their camera.
	// +optional
	AllowAttendeeToEnableCamera *bool `json:"allowAttendeeToEnableCamera,omitempty"`

	// allowAttendeeToEnableMic lets attendees turn on their microphone.
	// +optional
	AllowAttendeeToEnableMic *bool `json:"allowAttendeeToEnableMic,omitempty"`

	// allowParticipantsToChangeName lets participants rename themselves.
	// +optional
	AllowParticipantsToChangeName *bool `json:"allowParticipantsToChangeName,omitempty"`

	// isEntryExitAnnounced announces callers joining and leaving.
	// +optional
	IsEntryExitAnnounced *bool `json:"isEntryExitAnnounced,omitempty"`

	// recordAutomatically records the meeting when it starts.
	// +optional
	RecordAutomatically *bool `json:"recordAutomatically,omitempty"`

	// shareMeetingChatHistoryDefault is how much chat history new
	// participants see: all or none.
	// +optional
	ShareMeetingChatHistoryDefault MeetingChatHistoryDefaultMode `json:"shareMeetingChatHistoryDefault,omitempty"`

	// watermarkProtection applies a watermark to shared content or video.
	// +optional
	WatermarkProtection *WatermarkProtectionValues `json:"watermarkProtection,omitempty"`

	// allowBreakoutRooms turns breakout rooms on or off.
	// +optional
	AllowBreakoutRooms *bool `json:"allowBreakoutRooms,omitempty"`

	// allowCopyingAndSharingMeetingContent lets participants copy and share
	// meeting content.
	// +optional
	AllowCopyingAndSharingMeetingContent *bool `json:"allowCopyingAndSharingMeetingContent,omitempty"`

	// allowedLobbyAdmitters is who may admit people from the lobby:
	// organizerAndCoOrganizersAndPresenters or organizerAndCoOrganizers.
	// +optional
	AllowedLobbyAdmitters AllowedLobbyAdmitterRoles `json:"allowedLobbyAdmitters,omitempty"`

	// allowLiveShare turns Live Share on (enabled) or off (disabled).
	// +optional
	AllowLiveShare MeetingLiveShareOptions `json:"allowLiveShare,omitempty"`

	// allowPowerPointSharing turns PowerPoint Live on or off.
	// +optional
	AllowPowerPointSharing *bool `json:"allowPowerPointSharing,omitempty"`

	// allowRecording lets the meeting be recorded.
	// +optional
	AllowRecording *bool `json:"allowRecording,omitempty"`

	// allowTranscription lets the meeting be transcribed.
	// +optional
	AllowTranscription *bool `json:"allowTranscription,omitempty"`

	// allowWhiteboard turns the whiteboard on or off.
	// +optional
	AllowWhiteboard *bool `json:"allowWhiteboard,omitempty"`

	// anonymizeIdentityForRoles lists the roles whose identity is hidden in
	// the meeting; attendee is the only one. Graph cannot take it back once
	// set, so it cannot be removed here either.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=1
	AnonymizeIdentityForRoles []AnonymizedRole `json:"anonymizeIdentityForRoles,omitempty"`
}

// LobbyBypassSettings is who skips the lobby.
type LobbyBypassSettings struct {
	// scope is organizer, organization, organizationAndFederated,
	// everyone, invited (the people invited) or organizationExcludingGuests.
	// +optional
	Scope LobbyBypassScope `json:"scope,omitempty"`

	// isDialInBypassEnabled lets dial-in callers skip the lobby.
	// +optional
	IsDialInBypassEnabled *bool `json:"isDialInBypassEnabled,omitempty"`
}

// WatermarkProtectionValues says what gets a watermark.
type WatermarkProtectionValues struct {
	// isEnabledForContentSharing watermarks shared content.
	// +optional
	IsEnabledForContentSharing *bool `json:"isEnabledForContentSharing,omitempty"`

	// isEnabledForVideo watermarks video.
	// +optional
	IsEnabledForVideo *bool `json:"isEnabledForVideo,omitempty"`
}

// MeetingOptionsStatus is the options as Graph holds them. Its strings
// carry no enum: Graph may answer with values this API does not know
// (unknownFutureValue), and status must still be written.
type MeetingOptionsStatus struct {
	// lobbyBypassSettings is who skips the lobby.
	// +optional
	LobbyBypassSettings *LobbyBypassSettingsStatus `json:"lobbyBypassSettings,omitempty"`
	// allowedPresenters is who may present.
	// +optional
	AllowedPresenters string `json:"allowedPresenters,omitempty"`
	// allowMeetingChat is the chat mode.
	// +optional
	AllowMeetingChat string `json:"allowMeetingChat,omitempty"`
	// allowTeamworkReactions says whether reactions are on.
	// +optional
	AllowTeamworkReactions *bool `json:"allowTeamworkReactions,omitempty"`
	// allowAttendeeToEnableCamera says whether attendees may turn on their camera.
	// +optional
	AllowAttendeeToEnableCamera *bool `json:"allowAttendeeToEnableCamera,omitempty"`
	// allowAttendeeToEnableMic says whether attendees may turn on their microphone.
	// +optional
	AllowAttendeeToEnableMic *bool `json:"allowAttendeeToEnableMic,omitempty"`
	// allowParticipantsToChangeName says whether participants may rename themselves.
	// +optional
	AllowParticipantsToChangeName *bool `json:"allowParticipantsToChangeName,omitempty"`
	// isEntryExitAnnounced says whether callers are announced.
	// +optional
	IsEntryExitAnnounced *bool `json:"isEntryExitAnnounced,omitempty"`
	// recordAutomatically says whether the meeting is recorded when it starts.
	// +optional
	RecordAutomatically *bool `json:"recordAutomatically,omitempty"`
	// shareMeetingChatHistoryDefault is how much chat history new participants see.
	// +optional
	ShareMeetingChatHistoryDefault string `json:"shareMeetingChatHistoryDefault,omitempty"`
	// watermarkProtection says what gets a watermark.
	// +optional
	WatermarkProtection *WatermarkProtectionValues `json:"watermarkProtection,omitempty"`
	// allowBreakoutRooms says whether breakout rooms are on.
	// +optional
	AllowBreakoutRooms *bool `json:"allowBreakoutRooms,omitempty"`
	// allowCopyingAndSharingMeetingContent says whether content may be copied and shared.
	// +optional
	AllowCopyingAndSharingMeetingContent *bool `json:"allowCopyingAndSharingMeetingContent,omitempty"`
	// allowedLobbyAdmitters is who may admit people from the lobby.
	// +optional
	AllowedLobbyAdmitters string `json:"allowedLobbyAdmitters,omitempty"`
	// allowLiveShare says whether Live Share is on.
	// +optional
	AllowLiveShare string `json:"allowLiveShare,omitempty"`
	// allowPowerPointSharing says whether PowerPoint Live is on.
	// +optional
	AllowPowerPointSharing *bool `json:"allowPowerPointSharing,omitempty"`
	// allowRecording says whether the meeting may be recorded.
	// +optional
	AllowRecording *bool `json:"allowRecording,omitempty"`
	// allowTranscription says whether the meeting may be transcribed.
	// +optional
	AllowTranscription *bool `json:"allowTranscription,omitempty"`
	// allowWhiteboard says whether the whiteboard is on.
	// +optional
	AllowWhiteboard *bool `json:"allowWhiteboard,omitempty"`
	// anonymizeIdentityForRoles lists the roles whose identity is hidden.
	// +optional
	// +listType=atomic
	AnonymizeIdentityForRoles []string `json:"anonymizeIdentityForRoles,omitempty"`
}

// LobbyBypassSettingsStatus is who skips the lobby, as Graph holds it.
type LobbyBypassSettingsStatus struct {
	// scope is who skips the lobby.
	// +optional
	Scope string `json:"scope,omitempty"`
	// isDialInBypassEnabled says whether dial-in callers skip the lobby.
	// +optional
	IsDialInBypassEnabled *bool `json:"isDialInBypassEnabled,omitempty"`
}
