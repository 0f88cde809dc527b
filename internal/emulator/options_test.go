package emulator

import (
	"net/http"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
)

// newMeetingPath creates a meeting with externalID and returns its answer
// and its path.
func newMeetingPath(t *testing.T, s *Server, tok, externalID string) (reply, string) {
	t.Helper()
	created := createOrGet(t, s, tok, map[string]any{"externalId": externalID, "subject": "Planning",
		"startDateTime": "2031-01-01T09:00:00Z", "endDateTime": "2031-01-01T10:00:00Z"})
	if created.status != http.StatusCreated {
		t.Fatalf("createOrGet: %d %s", created.status, created.raw)
	}
	return created, meetingsPath("v1.0", testOrganizer) + "/" + created.str("id")
}

// digPath digs a dotted path ("lobbyBypassSettings.scope") out of an answer.
func digPath(r reply, path string) any { return dig(r.json, strings.Split(path, ".")...) }

// The v1.0 "Update onlineMeeting" documentation lists what a PATCH may
// change (as the page read on 2026-11-29); shareMeetingChatHistoryDefault
// is not on it but on the onlineMeeting resource, and Microsoft's SDKs
// PATCH it too. Each row sets a value a new meeting does not have, and
// every answer from then on (PATCH, GET, createOrGet of the same
// externalId) carries it.
func TestEveryV1UpdatablePropertyIsKeptAndReturned(t *testing.T) {
	const from, until = "2031-02-03T04:05:06Z", "2031-02-03T05:05:06Z"
	for _, tc := range []struct {
		property string
		patch    map[string]any
		want     map[string]any // dotted path in the answer: value
	}{
		{"allowAttendeeToEnableCamera", map[string]any{"allowAttendeeToEnableCamera": false}, nil},
		{"allowAttendeeToEnableMic", map[string]any{"allowAttendeeToEnableMic": false}, nil},
		{"allowBreakoutRooms", map[string]any{"allowBreakoutRooms": false}, nil},
		{"allowCopyingAndSharingMeetingContent", map[string]any{"allowCopyingAndSharingMeetingContent": false}, nil},
		{"allowedLobbyAdmitters", map[string]any{"allowedLobbyAdmitters": "organizerAndCoOrganizers"}, nil},
		{"allowedPresenters", map[string]any{"allowedPresenters": "roleIsPresenter"}, nil},
		{"allowLiveShare", map[string]any{"allowLiveShare": "disabled"}, nil},
		{"allowMeetingChat", map[string]any{"allowMeetingChat": "limited"}, nil},
		{"allowPowerPointSharing", map[string]any{"allowPowerPointSharing": false}, nil},
		{"allowRecording", map[string]any{"allowRecording": false}, nil},
		{"allowTeamworkReactions", map[string]any{"allowTeamworkReactions": false}, nil},
		{"allowTranscription", map[string]any{"allowTranscription": false}, nil},
		{"allowWhiteboard", map[string]any{"allowWhiteboard": false}, nil},
		{"anonymizeIdentityForRoles", map[string]any{"anonymizeIdentityForRoles": []any{"attendee"}}, nil},
		{"endDateTime", map[string]any{"startDateTime": from, "endDateTime": until},
			map[string]any{"endDateTime": "2031-02-03T05:05:06.0000000Z"}},
		{"isEntryExitAnnounced", map[string]any{"isEntryExitAnnounced": false}, nil},
		{"lobbyBypassSettings", map[string]any{"lobbyBypassSettings": map[string]any{"scope": "everyone", "isDialInBypassEnabled": true}}, nil},
		{"participants", map[string]any{"participants": map[string]any{"attendees": []any{
			map[string]any{"upn": "pat@contoso.com", "role": "presenter"}}}},
			map[string]any{"participants.attendees": []any{map[string]any{"upn": "pat@contoso.com", "role": "presenter"}}}},
		{"recordAutomatically", map[string]any{"recordAutomatically": true}, nil},
		{"startDateTime", map[string]any{"startDateTime": from, "endDateTime": until},
			map[string]any{"startDateTime": "2031-02-03T04:05:06.0000000Z"}},
		{"subject", map[string]any{"subject": "Renamed"}, nil},
		{"watermarkProtection", map[string]any{"watermarkProtection": map[string]any{"isEnabledForContentSharing": true, "isEnabledForVideo": true}}, nil},
		{"shareMeetingChatHistoryDefault", map[string]any{"shareMeetingChatHistoryDefault": "none"}, nil},
	} {
		t.Run(tc.property, func(t *testing.T) {
			g := NewWithT(t)
			s := start(t)
			tok := token(t, s)
			want := tc.want
			if want == nil {
				want = tc.patch
			}
			created, path := newMeetingPath(t, s, tok, "ext-"+tc.property)
			for p, v := range want {
				g.Expect(digPath(created, p)).NotTo(Equal(v), "a new meeting already has %s = %v", p, v)
			}

			patched := call(t, s, http.MethodPatch, path, tok, tc.patch)
			g.Expect(patched.status).To(Equal(http.StatusOK), string(patched.raw))
			got := call(t, s, http.MethodGet, path, tok, nil)
			again := createOrGet(t, s, tok, map[string]any{"externalId": "ext-" + tc.property})
			g.Expect(again.status).To(Equal(http.StatusOK))
			for name, r := range map[string]reply{"PATCH": patched, "GET": got, "createOrGet": again} {
				for p, v := range want {
					g.Expect(digPath(r, p)).To(Equal(v), "%s answer, %s", name, p)
				}
			}
		})
	}
}

// A new meeting takes the tenant's Teams meeting policy for every option;
// the emulator stands for Microsoft's shipped policy.
func TestNewMeetingsTakeTheTenantPolicyDefaults(t *testing.T) {
	g := NewWithT(t)
	s := start(t)
	tok := token(t, s)
	created, path := newMeetingPath(t, s, tok, "ext-defaults")
	want := map[string]any{
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
		"anonymizeIdentityForRoles":            []any{},
	}
	got := call(t, s, http.MethodGet, path, tok, nil)
	for k, v := range want {
		g.Expect(created.json).To(HaveKeyWithValue(k, v), "createOrGet: %s", k)
		g.Expect(got.json).To(HaveKeyWithValue(k, v), "GET: %s", k)
	}
}

// createOrGet takes no options (shared/graph-api.md): they come from the
// policy whatever the body says, yet a malformed one is still a 400.
func TestCreateOrGetTakesOptionsFromThePolicyNotTheBody(t *testing.T) {
	g := NewWithT(t)
	s := start(t)
	tok := token(t, s)
	r := createOrGet(t, s, tok, map[string]any{"externalId": "ext-opts", "allowedPresenters": "organizer",
		"lobbyBypassSettings": map[string]any{"scope": "everyone"}, "allowWhiteboard": false})
	g.Expect(r.status).To(Equal(http.StatusCreated), string(r.raw))
	g.Expect(r.json).To(HaveKeyWithValue("allowedPresenters", "everyone"))
	g.Expect(r.json).To(HaveKeyWithValue("allowWhiteboard", true))
	g.Expect(r.str("lobbyBypassSettings", "scope")).To(Equal("organization"))

	expectGraphError(g, createOrGet(t, s, tok, map[string]any{"externalId": "ext-bad", "allowMeetingChat": "sometimes"}),
		http.StatusBadRequest, "BadRequest", "property 'allowMeetingChat'")
	g.Expect(s.Meetings()).To(HaveLen(1))
}

func TestPatchRefusesValuesOutsideEachEnumNamingTheProperty(t *testing.T) {
	s := start(t)
	tok := token(t, s)
	created, path := newMeetingPath(t, s, tok, "ext-enums")
	for _, tc := range []struct{ name, body, message string }{
		{"allowedPresenters", `{"allowedPresenters": "boss"}`, "property 'allowedPresenters' (type microsoft.graph.onlineMeetingPresenters)"},
		{"allowMeetingChat", `{"allowMeetingChat": "sometimes"}`, "property 'allowMeetingChat' (type microsoft.graph.meetingChatMode)"},
		{"allowLiveShare", `{"allowLiveShare": "maybe"}`, "property 'allowLiveShare' (type microsoft.graph.meetingLiveShareOptions)"},
		{"allowedLobbyAdmitters", `{"allowedLobbyAdmitters": "everyone"}`, "property 'allowedLobbyAdmitters' (type microsoft.graph.allowedLobbyAdmitterRoles)"},
		{"shareMeetingChatHistoryDefault", `{"shareMeetingChatHistoryDefault": "some"}`, "property 'shareMeetingChatHistoryDefault' (type microsoft.graph.meetingChatHistoryDefaultMode)"},
		{"lobbyBypassSettings.scope", `{"lobbyBypassSettings": {"scope": "anyone"}}`, "property 'lobbyBypassSettings.scope' (type microsoft.graph.lobbyBypassScope)"},
		{"anonymizeIdentityForRoles", `{"anonymizeIdentityForRoles": ["presenter"]}`, "'presenter' is not a valid value of property 'anonymizeIdentityForRoles'"},
		{"anonymizeIdentityForRoles unknown", `{"anonymizeIdentityForRoles": ["guest"]}`, "'guest' is not a valid value of property 'anonymizeIdentityForRoles'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			expectGraphError(NewWithT(t), call(t, s, http.MethodPatch, path, tok, tc.body), http.StatusBadRequest, "BadRequest", tc.message)
		})
	}
	NewWithT(t).Expect(call(t, s, http.MethodGet, path, tok, nil).json).To(Equal(created.json))
}

func TestPatchRefusesWrongJSONTypesNamingTheProperty(t *testing.T) {
	s := start(t)
	tok := token(t, s)
	created, path := newMeetingPath(t, s, tok, "ext-types")
	for _, tc := range []struct{ name, body, message string }{
		{"boolean as string", `{"allowRecording": "no"}`, "'Edm.Boolean' of property 'allowRecording'"},
		{"boolean as number", `{"recordAutomatically": 1}`, "'Edm.Boolean' of property 'recordAutomatically'"},
		{"enum as boolean", `{"allowMeetingChat": true}`, "property 'allowMeetingChat'"},
		{"enum as number", `{"allowedPresenters": 2}`, "property 'allowedPresenters'"},
		{"object as array", `{"watermarkProtection": [true]}`, "Property 'watermarkProtection' must be an object or null"},
		{"object as string", `{"lobbyBypassSettings": "everyone"}`, "Property 'lobbyBypassSettings' must be an object or null"},
		{"member boolean as string", `{"lobbyBypassSettings": {"isDialInBypassEnabled": "yes"}}`, "'Edm.Boolean' of property 'lobbyBypassSettings.isDialInBypassEnabled'"},
		{"member enum as number", `{"lobbyBypassSettings": {"scope": 1}}`, "property 'lobbyBypassSettings.scope'"},
		{"watermark member as string", `{"watermarkProtection": {"isEnabledForVideo": "on"}}`, "property 'watermarkProtection.isEnabledForVideo'"},
		{"unknown member", `{"watermarkProtection": {"isEnabledForAudio": true}}`, "Invalid property 'isEnabledForAudio' in 'watermarkProtection'"},
		{"roles as string", `{"anonymizeIdentityForRoles": "attendee"}`, "Property 'anonymizeIdentityForRoles' must be a collection"},
		{"roles of numbers", `{"anonymizeIdentityForRoles": [1]}`, "Property 'anonymizeIdentityForRoles' must be a collection"},
		{"subject as number", `{"subject": 5}`, "'Edm.String' of property 'subject'"},
		{"times as numbers", `{"startDateTime": 5, "endDateTime": 6}`, "property 'endDateTime'"},
		{"participants as string", `{"participants": "everyone"}`, "property 'participants'"},
		{"attendees as object", `{"participants": {"attendees": {"upn": "a@contoso.com"}}}`, "property 'participants.attendees'"},
		{"attendee role as number", `{"participants": {"attendees": [{"upn": "a@contoso.com", "role": 7}]}}`, "'Edm.String' of property 'participants.attendees.role'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			expectGraphError(NewWithT(t), call(t, s, http.MethodPatch, path, tok, tc.body), http.StatusBadRequest, "BadRequest", tc.message)
		})
	}
	NewWithT(t).Expect(call(t, s, http.MethodGet, path, tok, nil).json).To(Equal(created.json))
}

// invited and organizationExcludingGuests came after unknownFutureValue:
// Graph takes them only from clients that send Prefer:
// include-unknown-enum-members, and shows the others unknownFutureValue.
func TestEvolvableLobbyScopesNeedPreferIncludeUnknownEnumMembers(t *testing.T) {
	const prefer = "include-unknown-enum-members"
	for _, scope := range []string{"invited", "organizationExcludingGuests"} {
		t.Run(scope, func(t *testing.T) {
			g := NewWithT(t)
			s := start(t)
			tok := token(t, s)
			_, path := newMeetingPath(t, s, tok, "ext-"+scope)
			body := map[string]any{"lobbyBypassSettings": map[string]any{"scope": scope}}

			expectGraphError(g, call(t, s, http.MethodPatch, path, tok, body), http.StatusBadRequest, "BadRequest",
				"property 'lobbyBypassSettings.scope' (type microsoft.graph.lobbyBypassScope) that only requests with the header 'Prefer: include-unknown-enum-members'")
			g.Expect(call(t, s, http.MethodGet, path, tok, nil).str("lobbyBypassSettings", "scope")).To(Equal("organization"))

			opted := call(t, s, http.MethodPatch, path, tok, body, "Prefer", "return=representation, "+prefer)
			g.Expect(opted.status).To(Equal(http.StatusOK), string(opted.raw))
			g.Expect(opted.str("lobbyBypassSettings", "scope")).To(Equal(scope))

			g.Expect(call(t, s, http.MethodGet, path, tok, nil, "Prefer", prefer).str("lobbyBypassSettings", "scope")).To(Equal(scope))
			plain := call(t, s, http.MethodGet, path, tok, nil)
			g.Expect(plain.str("lobbyBypassSettings", "scope")).To(Equal("unknownFutureValue"))
			g.Expect(dig(plain.json, "lobbyBypassSettings", "isDialInBypassEnabled")).To(BeFalse())
			g.Expect(createOrGet(t, s, tok, map[string]any{"externalId": "ext-" + scope}).str("lobbyBypassSettings", "scope")).
				To(Equal("unknownFutureValue"))
			// Hiding it from one answer does not change what is stored.
			g.Expect(call(t, s, http.MethodGet, path, tok, nil, "Prefer", prefer).str("lobbyBypassSettings", "scope")).To(Equal(scope))
		})
	}
}

func TestAttendeeAnonymizationCannotBeRemovedByPatch(t *testing.T) {
	g := NewWithT(t)
	s := start(t)
	tok := token(t, s)
	_, path := newMeetingPath(t, s, tok, "ext-anon")
	patch := func(body string) reply { return call(t, s, http.MethodPatch, path, tok, body) }

	// Nothing to remove yet.
	g.Expect(patch(`{"anonymizeIdentityForRoles": []}`).status).To(Equal(http.StatusOK))
	r := patch(`{"anonymizeIdentityForRoles": ["Attendee", "attendee"]}`)
	g.Expect(r.status).To(Equal(http.StatusOK), string(r.raw))
	g.Expect(r.json).To(HaveKeyWithValue("anonymizeIdentityForRoles", []any{"attendee"}))

	for _, body := range []string{`{"anonymizeIdentityForRoles": []}`, `{"anonymizeIdentityForRoles": null}`,
		`{"subject": "x", "anonymizeIdentityForRoles": []}`} {
		expectGraphError(g, patch(body), http.StatusBadRequest, "BadRequest",
			"The role 'attendee' cannot be removed from property 'anonymizeIdentityForRoles'")
	}
	got := call(t, s, http.MethodGet, path, tok, nil)
	g.Expect(got.json).To(HaveKeyWithValue("anonymizeIdentityForRoles", []any{"attendee"}))
	g.Expect(got.str("subject")).To(Equal("Planning"), "a refused PATCH changes nothing")
	g.Expect(patch(`{"anonymizeIdentityForRoles": ["attendee"]}`).status).To(Equal(http.StatusOK))
}

// OData's PATCH merges a complex value: members it leaves out keep theirs.
func TestPatchOfAComplexOptionKeepsTheMembersItLeavesOut(t *testing.T) {
	g := NewWithT(t)
	s := start(t)
	tok := token(t, s)
	_, path := newMeetingPath(t, s, tok, "ext-merge")

	r := call(t, s, http.MethodPatch, path, tok, `{"lobbyBypassSettings": {"@odata.type": "#microsoft.graph.lobbyBypassSettings", "isDialInBypassEnabled": true}}`)
	g.Expect(r.status).To(Equal(http.StatusOK), string(r.raw))
	g.Expect(r.json).To(HaveKeyWithValue("lobbyBypassSettings", map[string]any{"scope": "organization", "isDialInBypassEnabled": true}))
	r = call(t, s, http.MethodPatch, path, tok, `{"lobbyBypassSettings": {"scope": "organizer"}}`)
	g.Expect(r.json).To(HaveKeyWithValue("lobbyBypassSettings", map[string]any{"scope": "organizer", "isDialInBypassEnabled": true}))

	r = call(t, s, http.MethodPatch, path, tok, `{"watermarkProtection": {"isEnabledForVideo": true}}`)
	g.Expect(r.json).To(HaveKeyWithValue("watermarkProtection", map[string]any{"isEnabledForContentSharing": false, "isEnabledForVideo": true}))
}
