package v1alpha1

// Condition types. Ready is the summary; Reconciling and Stalled follow
// kstatus (sigs.k8s.io/cli-utils/pkg/kstatus), so Flux, Argo CD and
// `kubectl wait` read an OnlineMeeting's state without custom code.
const (
	// ConditionReady is True when the meeting exists in Teams as the spec
	// says and status describes it.
	ConditionReady = "Ready"
	// ConditionReconciling is True while the operator is still working
	// towards the spec and expects to get there without help.
	ConditionReconciling = "Reconciling"
	// ConditionStalled is True when the operator cannot make progress
	// without a person: a spec change, a permission, a policy.
	ConditionStalled = "Stalled"
)

// ConditionReason is why a condition has its status. The same reasons name
// the Events the operator records.
type ConditionReason string

// Reasons for success.
const (
	// ReasonCreated: createOrGet created the meeting (HTTP 201).
	ReasonCreated ConditionReason = "Created"
	// ReasonAdopted: createOrGet found a meeting that already existed for
	// this organizer and externalId (HTTP 200) and the resource took it on.
	ReasonAdopted ConditionReason = "Adopted"
	// ReasonUpdated: a spec change, or a change made in Teams, was carried
	// to the meeting with an update.
	ReasonUpdated ConditionReason = "Updated"
	// ReasonRecreated: the meeting had been deleted in Teams and was created
	// again.
	ReasonRecreated ConditionReason = "Recreated"
	// ReasonSynced: the meeting matches the spec.
	ReasonSynced ConditionReason = "Synced"
	// ReasonDeleted: the meeting was deleted in Teams with the resource.
	ReasonDeleted ConditionReason = "Deleted"
	// ReasonOrphaned: the resource was deleted and, as its deletionPolicy
	// says, the meeting was left in Teams.
	ReasonOrphaned ConditionReason = "Orphaned"
)

// Reasons for work in progress or failure.
const (
	// ReasonProgressing: the operator is working on the meeting.
	ReasonProgressing ConditionReason = "Progressing"
	// ReasonThrottled: Graph answered 429; the operator waits as long as
	// Graph asked before it sends anything to the tenant again.
	ReasonThrottled ConditionReason = "Throttled"
	// ReasonGraphUnavailable: Graph could not be reached or answered with a
	// server error; the operator retries with backoff.
	ReasonGraphUnavailable ConditionReason = "GraphUnavailable"
	// ReasonForbidden: Graph refused the app for this organizer, usually
	// because no application access policy grants it.
	ReasonForbidden ConditionReason = "Forbidden"
	// ReasonUnauthorized: the operator could not authenticate to Azure AD
	// or Graph refused its token.
	ReasonUnauthorized ConditionReason = "Unauthorized"
	// ReasonInvalidSpec: Graph refused the request as invalid; retrying
	// the same spec cannot help.
	ReasonInvalidSpec ConditionReason = "InvalidSpec"
	// ReasonChatInfoRequiresBeta: spec.chatInfo is set but the operator
	// talks to Graph's v1.0 endpoint, which does not accept it.
	ReasonChatInfoRequiresBeta ConditionReason = "ChatInfoRequiresBeta"
	// ReasonMeetingGone: createOrGet answers with a meeting id that no
	// longer exists, so the meeting cannot be recreated under this
	// externalId.
	ReasonMeetingGone ConditionReason = "MeetingGone"
	// ReasonExpired: the meeting expired in Teams (60 days after its end);
	// it is not recreated.
	ReasonExpired ConditionReason = "Expired"
	// ReasonDeleteFailed: deleting the meeting in Teams failed; the
	// finalizer stays until it succeeds.
	ReasonDeleteFailed ConditionReason = "DeleteFailed"
	// ReasonSuspended: spec.suspend is true; the operator makes no Graph
	// call for the meeting.
	ReasonSuspended ConditionReason = "Suspended"
	// ReasonEnded: the meeting ended (an hour ago or more); drift checks
	// stopped, and it is never recreated.
	ReasonEnded ConditionReason = "Ended"
	// ReasonObserved: the meeting, made elsewhere, was found by its join
	// URL and is mirrored without being changed (managementPolicy Observe).
	ReasonObserved ConditionReason = "Observed"
	// ReasonMeetingNotFound: with managementPolicy Observe, no meeting of
	// the organizer has the join URL.
	ReasonMeetingNotFound ConditionReason = "MeetingNotFound"
	// ReasonSecretNotOwned: spec.joinInfoSecret names a Secret the
	// OnlineMeeting does not own; it is not overwritten.
	ReasonSecretNotOwned ConditionReason = "SecretNotOwned"
)

// Reasons for refusals of the tenancy policy. A meeting refused for one of
// them makes no Graph call.
const (
	// ReasonConnectionNotFound: the GraphConnection or ClusterGraphConnection
	// the meeting names (or the default one) does not exist.
	ReasonConnectionNotFound ConditionReason = "ConnectionNotFound"
	// ReasonConnectionNotReady: the connection exists but the operator could
	// not sign in with it yet.
	ReasonConnectionNotReady ConditionReason = "ConnectionNotReady"
	// ReasonConnectionNotAllowed: the ClusterGraphConnection's
	// namespaceSelector does not admit the meeting's namespace.
	ReasonConnectionNotAllowed ConditionReason = "ConnectionNotAllowed"
	// ReasonOrganizerNotAllowed: the connection's organizers policy does not
	// list the meeting's organizer.
	ReasonOrganizerNotAllowed ConditionReason = "OrganizerNotAllowed"
	// ReasonExternalIDConflict: an older OnlineMeeting already claims the
	// same tenant, organizer and externalId.
	ReasonExternalIDConflict ConditionReason = "ExternalIdConflict"
	// ReasonMeetingMismatch: status.meetingId names a meeting whose
	// organizer or externalId is not this resource's; the id is not used.
	ReasonMeetingMismatch ConditionReason = "MeetingMismatch"
)

// Reasons of a connection's Ready condition.
const (
	// ReasonTokenObtained: Azure AD issued a token for the connection.
	ReasonTokenObtained ConditionReason = "TokenObtained"
	// ReasonCredentialInvalid: the credential the connection names cannot
	// be read or used (a missing Secret or key, a bad certificate).
	ReasonCredentialInvalid ConditionReason = "CredentialInvalid"
	// ReasonAuthenticationFailed: Azure AD refused the credential.
	ReasonAuthenticationFailed ConditionReason = "AuthenticationFailed"
)
