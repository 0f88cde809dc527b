package emulator

import (
	"net/http"
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

func TestInspectionListsMeetingsWithoutAToken(t *testing.T) {
	g := NewWithT(t)
	s := start(t)
	tok := token(t, s)
	created := createOrGet(t, s, tok, docExample1)
	gone := createOrGet(t, s, tok, map[string]any{"externalId": "gone"})
	g.Expect(s.DeleteMeeting(testOrganizer, gone.str("id"))).To(BeTrue())

	r := call(t, s, http.MethodGet, "/_emulator/meetings", "", nil)
	g.Expect(r.status).To(Equal(http.StatusOK))
	g.Expect(string(r.raw)).To(MatchJSON(`[{
		"tenantId": "` + testTenant + `", "organizerId": "` + testOrganizer + `", "externalId": "7eb8263f-d0e0-4149-bb1c-1f0476083c56",
		"id": "` + created.str("id") + `", "subject": "Create a meeting with customId provided",
		"startDateTime": "2020-02-06T01:49:21.3524945Z", "endDateTime": "2020-02-06T02:19:21.3524945Z",
		"attendees": 1, "deleted": false}]`))

	all := call(t, s, http.MethodGet, "/_emulator/meetings?includeDeleted=true", "", nil)
	g.Expect(string(all.raw)).To(ContainSubstring(`"deleted":true`))
}

func TestInspectionSimulatesChangesMadeInTeams(t *testing.T) {
	g := NewWithT(t)
	s := start(t)
	tok := token(t, s)
	id := createOrGet(t, s, tok, docExample1).str("id")
	path := "/_emulator/meetings/" + testOrganizer + "/" + id

	g.Expect(call(t, s, http.MethodPatch, path, "", `{"subject": "changed in Teams"}`).status).To(Equal(http.StatusNoContent))
	g.Expect(call(t, s, http.MethodGet, meetingsPath("v1.0", testOrganizer)+"/"+id, tok, nil).str("subject")).To(Equal("changed in Teams"))
	g.Expect(s.SetSubject(testOrganizer, id, "again")).To(BeTrue())
	g.Expect(s.Meetings()[0].Subject).To(Equal("again"))

	g.Expect(call(t, s, http.MethodDelete, path, "", nil).status).To(Equal(http.StatusNoContent))
	g.Expect(call(t, s, http.MethodDelete, path, "", nil).status).To(Equal(http.StatusNotFound))
	g.Expect(s.SetSubject(testOrganizer, id, "too late")).To(BeFalse())
	g.Expect(call(t, s, http.MethodGet, meetingsPath("v1.0", testOrganizer)+"/"+id, tok, nil).status).To(Equal(http.StatusNotFound))
}

func TestInspectionReportsAndResetsStats(t *testing.T) {
	g := NewWithT(t)
	s := start(t)
	tok := token(t, s)
	createOrGet(t, s, tok, map[string]any{"externalId": "a"})
	createOrGet(t, s, tok, map[string]any{"externalId": "a"})

	r := call(t, s, http.MethodGet, "/_emulator/stats", "", nil)
	g.Expect(r.status).To(Equal(http.StatusOK))
	g.Expect(string(r.raw)).To(MatchJSON(`{"requests": {"token": {"200": 1}, "createOrGet": {"200": 1, "201": 1}}, "requestsDuringRetryAfter": 0,
		"tenants": {"` + testTenant + `": {"createOrGet": 2}}}`))
	g.Expect(s.Stats().Count(opCreateOrGet)).To(Equal(2))
	g.Expect(s.Stats().Count(opDelete)).To(Equal(0))

	g.Expect(call(t, s, http.MethodDelete, "/_emulator/stats", "", nil).status).To(Equal(http.StatusNoContent))
	g.Expect(s.Stats().Requests).To(BeEmpty())
	createOrGet(t, s, tok, map[string]any{"externalId": "a"})
	s.ResetStats()
	g.Expect(s.Stats().Count(opCreateOrGet)).To(Equal(0))
}

func TestInspectionChangesFaultsAtRunTime(t *testing.T) {
	g := NewWithT(t)
	s := start(t)
	tok := token(t, s)

	put := call(t, s, http.MethodPut, "/_emulator/faults", "", `{"failNext": 1, "latency": "1ms"}`)
	g.Expect(put.status).To(Equal(http.StatusOK), string(put.raw))
	g.Expect(string(call(t, s, http.MethodGet, "/_emulator/faults", "", nil).raw)).To(MatchJSON(
		`{"latency": "1ms", "rateLimit": 0, "rateBurst": 0, "failureRate": 0, "timeoutRate": 0, "resetRate": 0,
		  "loseResponseRate": 0, "loseNextResponses": 0, "failNext": 1, "oversizeValues": false, "hugeErrorMessages": false}`))
	g.Expect(createOrGet(t, s, tok, map[string]any{"externalId": "a"}).status).To(Equal(http.StatusServiceUnavailable))
	g.Expect(createOrGet(t, s, tok, map[string]any{"externalId": "a"}).status).To(Equal(http.StatusCreated))

	for _, bad := range []string{`{"failureRate": 2}`, `{"latency": "soon"}`, `{"failRate": 1}`, `nope`} {
		r := call(t, s, http.MethodPut, "/_emulator/faults", "", bad)
		expectGraphError(g, r, http.StatusBadRequest, "BadRequest", "Invalid faults")
	}
	g.Expect(s.Faults()).To(Equal(Faults{Latency: time.Millisecond}))
	expectGraphError(g, call(t, s, http.MethodGet, "/_emulator/nothing", "", nil), http.StatusNotFound, "NotFound", "--help")
}
