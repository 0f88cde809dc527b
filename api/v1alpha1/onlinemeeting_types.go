package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// DeletionPolicy says what happens to the meeting in Teams when its
// OnlineMeeting is deleted.
// +kubebuilder:validation:Enum=Delete;Orphan
type DeletionPolicy string

const (
	// DeletionPolicyDelete deletes the meeting in Teams with the resource.
	DeletionPolicyDelete DeletionPolicy = "Delete"
	// DeletionPolicyOrphan leaves the meeting in Teams when the resource goes.
	DeletionPolicyOrphan DeletionPolicy = "Orphan"
)

// MeetingRole is an attendee's role in the meeting, as Graph names it.
// +kubebuilder:validation:Enum=attendee;presenter;producer;coorganizer
type MeetingRole string

const (
	// MeetingRoleAttendee can join and take part but not present.
	MeetingRoleAttendee MeetingRole = "attendee"
	// MeetingRolePresenter can share content.
	MeetingRolePresenter MeetingRole = "presenter"
	// MeetingRoleProducer manages a live event.
	MeetingRoleProducer MeetingRole = "producer"
	// MeetingRoleCoorganizer shares the organizer's rights.
	MeetingRoleCoorganizer MeetingRole = "coorganizer"
)

// OnlineMeetingSpec is the meeting as it should be. Its fields mirror the
// body of Graph's createOrGet request, plus organizer and deletionPolicy,
// which Kubernetes needs. The times are kept as the strings the user wrote
// (metav1.Time would drop Graph's seven fractional digits on the way back),
// so a GitOps tool never sees a diff the operator made.
// +kubebuilder:validation:XValidation:rule="!has(self.endDateTime) || has(self.startDateTime)",message="endDateTime requires startDateTime: set both, only startDateTime (the meeting then lasts one hour), or neither (it starts now)"
// +kubebuilder:validation:XValidation:rule="!has(self.endDateTime) || !has(self.startDateTime) || self.endDateTime >= self.startDateTime",message="endDateTime must not be earlier than startDateTime"
// +kubebuilder:validation:XValidation:rule="has(self.connectionRef) == has(oldSelf.connectionRef)",message="connectionRef is immutable: the connection decides the tenant the meeting lives in; create a new OnlineMeeting instead"
// +kubebuilder:validation:XValidation:rule="(has(self.managementPolicy) && self.managementPolicy == 'Observe') || has(self.externalId)",message="externalId is required (unless managementPolicy is Observe)"
// +kubebuilder:validation:XValidation:rule="!has(self.managementPolicy) || self.managementPolicy != 'Observe' || has(self.joinWebUrl)",message="managementPolicy Observe needs joinWebUrl: the join link of the meeting to observe"
// +kubebuilder:validation:XValidation:rule="(has(self.managementPolicy) && self.managementPolicy == 'Observe') || !has(self.joinWebUrl)",message="joinWebUrl is only for managementPolicy Observe: a managed meeting's join link is in status.joinWebUrl"
// +kubebuilder:validation:XValidation:rule="!has(self.managementPolicy) || self.managementPolicy != 'Observe' || !(has(self.externalId) || has(self.subject) || has(self.startDateTime) || has(self.endDateTime) || has(self.participants) || has(self.chatInfo) || has(self.lobbyBypassSettings) || has(self.allowedPresenters) || has(self.allowMeetingChat) || has(self.allowTeamworkReactions) || has(self.allowAttendeeToEnableCamera) || has(self.allowAttendeeToEnableMic) || has(self.allowParticipantsToChangeName) || has(self.isEntryExitAnnounced) || has(self.recordAutomatically) || has(self.shareMeetingChatHistoryDefault) || has(self.watermarkProtection) || has(self.allowBreakoutRooms) || has(self.allowCopyingAndSharingMeetingContent) || has(self.allowedLobbyAdmitters) || has(self.allowLiveShare) || has(self.allowPowerPointSharing) || has(self.allowRecording) || has(self.allowTranscription) || has(self.allowWhiteboard) || has(self.anonymizeIdentityForRoles))",message="managementPolicy Observe never changes the meeting: remove externalId, subject, the times, participants, chatInfo and the meeting options"
type OnlineMeetingSpec struct {
	// externalId is the meeting's key in Teams: createOrGet returns the
	// organizer's existing meeting with this id instead of creating another,
	// which is what makes creation safe to retry. It cannot change.
	// Required unless managementPolicy is Observe.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'[\\p{Cc}\\x{200E}\\x{200F}\\x{202A}-\\x{202E}\\x{2066}-\\x{2069}]')",message="externalId must not contain control or bidirectional-override characters"
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="externalId is immutable: it identifies the meeting in Teams; create a new OnlineMeeting instead"
	ExternalID string `json:"externalId,omitempty"`

	// organizer is the user the meeting is created for. It cannot change.
	// +required
	Organizer Organizer `json:"organizer"`

	// subject is the meeting's title.
	// +optional
	// +kubebuilder:validation:MaxLength=512
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'[\\p{Cc}\\x{200E}\\x{200F}\\x{202A}-\\x{202E}\\x{2066}-\\x{2069}]')",message="subject must not contain control or bidirectional-override characters"
	Subject string `json:"subject,omitempty"`

	// startDateTime is when the meeting starts (RFC 3339, e.g.
	// 2020-02-06T01:49:21.3524945+00:00). Without it the meeting starts
	// when it is created.
	// +optional
	// +kubebuilder:validation:Format=date-time
	// +kubebuilder:validation:MaxLength=64
	StartDateTime string `json:"startDateTime,omitempty"`

	// endDateTime is when the meeting ends (RFC 3339). It needs
	// startDateTime; without it the meeting lasts one hour.
	// +optional
	// +kubebuilder:validation:Format=date-time
	// +kubebuilder:validation:MaxLength=64
	EndDateTime string `json:"endDateTime,omitempty"`

	// participants lists who is invited besides the organizer.
	// +optional
	Participants *MeetingParticipants `json:"participants,omitempty"`

	// chatInfo ties the meeting to an existing Teams chat message. Graph
	// accepts it only on its beta endpoint: the meeting's connection must
	// have apiVersion: beta.
	// +optional
	ChatInfo *ChatInfo `json:"chatInfo,omitempty"`

	// deletionPolicy says what happens to the meeting in Teams when this
	// resource is deleted: Delete (the default) deletes it, Orphan leaves it.
	// +optional
	// +kubebuilder:default=Delete
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`

	// MeetingOptions are the options Graph sets by PATCH (lobby,
	// presenters, chat, recording, ...), inline under Graph's names.
	MeetingOptions `json:",inline"`

	// suspend: true stops every Graph call for this meeting until it is
	// false again. Deleting a suspended meeting waits, unless its
	// deletionPolicy is Orphan.
	// +optional
	Suspend bool `json:"suspend,omitempty"`

	// managementPolicy is Full (the default: the operator creates, updates
	// and deletes the meeting) or Observe (it finds a meeting made
	// elsewhere by joinWebUrl, mirrors it into status and the join Secret,
	// and never changes or deletes it). It cannot change.
	// +optional
	// +kubebuilder:default=Full
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="managementPolicy is immutable: create a new OnlineMeeting instead"
	ManagementPolicy ManagementPolicy `json:"managementPolicy,omitempty"`

	// joinWebUrl is the join link of the meeting to observe, with
	// managementPolicy Observe (a meeting made in Outlook or the Teams
	// client). A managed meeting's join link is in status.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="joinWebUrl is immutable: create a new OnlineMeeting instead"
	// +kubebuilder:validation:XValidation:rule="isURL(self) && url(self).getScheme() == 'https'",message="joinWebUrl must be an https URL"
	JoinWebURL string `json:"joinWebUrl,omitempty"`

	// joinInfoSecret names a Secret in this namespace that the operator
	// writes the join details into (joinWebUrl, joinMeetingId, passcode,
	// conferenceId, tollNumber, tollFreeNumber, dialinUrl, meetingId), for
	// apps to mount. The passcode appears nowhere else.
	// +optional
	JoinInfoSecret *JoinInfoSecretReference `json:"joinInfoSecret,omitempty"`

	// connectionRef names the GraphConnection (in this namespace) or
	// ClusterGraphConnection through which the meeting is made. Without it
	// the ClusterGraphConnection named by the operator's
	// --default-connection flag (default "default") is used. It cannot
	// change: the connection decides the tenant the meeting lives in.
	// +optional
	ConnectionRef *ConnectionReference `json:"connectionRef,omitempty"`
}

// ManagementPolicy is how much the operator does with a meeting.
// +kubebuilder:validation:Enum=Full;Observe
type ManagementPolicy string

const (
	// ManagementPolicyFull creates, updates and deletes the meeting.
	ManagementPolicyFull ManagementPolicy = "Full"
	// ManagementPolicyObserve only reads a meeting made elsewhere.
	ManagementPolicyObserve ManagementPolicy = "Observe"
)

// JoinInfoSecretReference names the Secret the join details go into.
type JoinInfoSecretReference struct {
	// name is the Secret's name, in the meeting's namespace. The operator
	// creates it, owned by the OnlineMeeting, and refuses to overwrite a
	// Secret it does not own.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	Name string `json:"name"`
}

// ConnectionReference names a GraphConnection or ClusterGraphConnection.
// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="connectionRef is immutable: the connection decides the tenant the meeting lives in; create a new OnlineMeeting instead"
type ConnectionReference struct {
	// kind is GraphConnection (in the meeting's namespace) or
	// ClusterGraphConnection.
	// +required
	// +kubebuilder:validation:Enum=GraphConnection;ClusterGraphConnection
	Kind string `json:"kind"`

	// name is the connection's name.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
}

// Organizer identifies the user who owns the meeting.
// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="organizer is immutable: the meeting belongs to this user in Teams; create a new OnlineMeeting instead"
type Organizer struct {
	// userId is the organizer's Azure AD (Entra ID) object id, a GUID.
	// Graph answers 404 when a UPN or e-mail address is used here.
	// +required
	// +kubebuilder:validation:MaxLength=36
	// +kubebuilder:validation:XValidation:rule="self.matches('^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')",message="organizer.userId must be the organizer's Azure AD object id (a GUID such as 1f35f2e6-9cab-44ad-8d5a-b74c14720000), not a UPN or e-mail address"
	UserID string `json:"userId"`
}

// MeetingParticipants lists the people invited to a meeting.
type MeetingParticipants struct {
	// attendees are the invited users with their roles.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=250
	Attendees []MeetingParticipantInfo `json:"attendees,omitempty"`
}

// MeetingParticipantInfo is one invited user.
// +kubebuilder:validation:XValidation:rule="has(self.upn) || (has(self.identity) && has(self.identity.user) && has(self.identity.user.id))",message="each attendee needs identity.user.id or upn"
type MeetingParticipantInfo struct {
	// identity is the attendee's identity in Azure AD.
	// +optional
	Identity *IdentitySet `json:"identity,omitempty"`

	// upn is the attendee's user principal name.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'[\\p{Cc}\\x{200E}\\x{200F}\\x{202A}-\\x{202E}\\x{2066}-\\x{2069}]')",message="upn must not contain control or bidirectional-override characters"
	UPN string `json:"upn,omitempty"`

	// role is the attendee's role: attendee, presenter, producer or
	// coorganizer. Graph treats a missing role as attendee.
	// +optional
	Role MeetingRole `json:"role,omitempty"`
}

// IdentitySet holds the identity of a participant.
type IdentitySet struct {
	// user is the participant's Azure AD user.
	// +optional
	User *Identity `json:"user,omitempty"`
}

// Identity is an Azure AD user.
type Identity struct {
	// id is the user's Azure AD object id.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	ID string `json:"id,omitempty"`

	// displayName is the user's name as shown in Teams.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'[\\p{Cc}\\x{200E}\\x{200F}\\x{202A}-\\x{202E}\\x{2066}-\\x{2069}]')",message="displayName must not contain control or bidirectional-override characters"
	DisplayName string `json:"displayName,omitempty"`
}

// ChatInfo points at the chat thread and message of a meeting.
type ChatInfo struct {
	// threadId is the chat thread's id, e.g. 19:...@thread.tacv2.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	ThreadID string `json:"threadId,omitempty"`

	// messageId is the id of a message in the thread.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	MessageID string `json:"messageId,omitempty"`

	// replyChainMessageId is the id of the reply chain's root message.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	ReplyChainMessageID string `json:"replyChainMessageId,omitempty"`
}

// ChatInfoStatus is the meeting's chat thread as Graph reports it. Unlike
// the spec's ChatInfo it has no length limits: status holds what Graph
// returns, and a limit Graph does not share would make every status write
// fail.
type ChatInfoStatus struct {
	// threadId is the chat thread's id.
	// +optional
	ThreadID string `json:"threadId,omitempty"`

	// messageId is the id of the meeting's message in the thread.
	// +optional
	MessageID string `json:"messageId,omitempty"`

	// replyChainMessageId is the id of the reply chain's root message.
	// +optional
	ReplyChainMessageID string `json:"replyChainMessageId,omitempty"`
}

// AudioConferencing is how to dial in to the meeting by phone. Graph gives
// it only when the organizer has an audio-conferencing licence.
type AudioConferencing struct {
	// conferenceId is the id to enter after dialling in.
	// +optional
	ConferenceID string `json:"conferenceId,omitempty"`

	// tollNumber is the toll number to dial.
	// +optional
	TollNumber string `json:"tollNumber,omitempty"`

	// tollFreeNumber is the toll-free number to dial.
	// +optional
	TollFreeNumber string `json:"tollFreeNumber,omitempty"`

	// dialinUrl is the page listing the local dial-in numbers.
	// +optional
	DialinURL string `json:"dialinUrl,omitempty"`
}

// OnlineMeetingStatus is the meeting as Graph last reported it.
type OnlineMeetingStatus struct {
	// conditions say whether the meeting is in place (Ready), being worked
	// on (Reconciling) or needs a person's attention (Stalled).
	// +optional
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=8
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// observedGeneration is the generation of the spec that status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// meetingId is Graph's id of the meeting. The operator uses it only
	// after checking that the meeting it names has this resource's
	// organizer and externalId.
	// +optional
	// +kubebuilder:validation:MaxLength=512
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9+/=_-]+$`
	MeetingID string `json:"meetingId,omitempty"`

	// joinWebUrl is the link people use to join the meeting.
	// +optional
	JoinWebURL string `json:"joinWebUrl,omitempty"`

	// joinMeetingId is the numeric id people can type to join, where Graph
	// gives one.
	// +optional
	JoinMeetingID string `json:"joinMeetingId,omitempty"`

	// videoTeleconferenceId is the id video-conferencing devices dial.
	// +optional
	VideoTeleconferenceID string `json:"videoTeleconferenceId,omitempty"`

	// creationDateTime is when Graph created the meeting.
	// +optional
	CreationDateTime *metav1.Time `json:"creationDateTime,omitempty"`

	// startDateTime is when the meeting starts, as Graph holds it.
	// +optional
	StartDateTime *metav1.Time `json:"startDateTime,omitempty"`

	// endDateTime is when the meeting ends, as Graph holds it.
	// +optional
	EndDateTime *metav1.Time `json:"endDateTime,omitempty"`

	// expiryDateTime is when Teams will expire the meeting (60 days after its
	// end; each update pushes it out).
	// +optional
	ExpiryDateTime *metav1.Time `json:"expiryDateTime,omitempty"`

	// audioConferencing is how to dial in by phone.
	// +optional
	AudioConferencing *AudioConferencing `json:"audioConferencing,omitempty"`

	// chatInfo is the meeting's chat thread.
	// +optional
	ChatInfo *ChatInfoStatus `json:"chatInfo,omitempty"`

	// MeetingOptionsStatus are the meeting's options as Graph holds them.
	MeetingOptionsStatus `json:",inline"`

	// lastSyncTime is when the operator last wrote the meeting as Graph
	// holds it into status: at creation, after an update or a recreation,
	// and whenever a read of Graph came with any other change of status
	// (a new generation, a recovery, something new in Graph's answer). A
	// resync that finds nothing new writes nothing, so this is not when
	// the meeting was last read: the operator's
	// onlinemeeting_graph_requests_total{operation="get"} counts those.
	// Resyncs fall at lastSyncTime plus whole resync periods (and a fixed
	// phase per resource), so a restarted operator keeps each meeting's
	// place.
	// +optional
	LastSyncTime *metav1.Time `json:"lastSyncTime,omitempty"`
}

// OnlineMeeting is a Microsoft Teams online meeting, created through
// Microsoft Graph's idempotent createOrGet and kept as its spec says.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=om,categories=meetings
// +kubebuilder:printcolumn:name="Subject",type=string,JSONPath=`.spec.subject`
// +kubebuilder:printcolumn:name="Start",type=string,JSONPath=`.status.startDateTime`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`,priority=1
// +kubebuilder:printcolumn:name="Join URL",type=string,JSONPath=`.status.joinWebUrl`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type OnlineMeeting struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the meeting as it should be.
	// +required
	Spec OnlineMeetingSpec `json:"spec"`

	// status is the meeting as Graph last reported it.
	// +optional
	Status OnlineMeetingStatus `json:"status,omitempty"`
}

// OnlineMeetingList is a list of OnlineMeetings.
// +kubebuilder:object:root=true
type OnlineMeetingList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []OnlineMeeting `json:"items"`
}

func init() {
	SchemeBuilder.Register(&OnlineMeeting{}, &OnlineMeetingList{})
}
