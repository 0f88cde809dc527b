package meeting

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/google/uuid"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/emulator"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/graph"
)

// FuzzMeetingDiff checks Desired, DesiredOptions and Diff against Graph's
// own answers: the real client talks to the emulator, in process, through
// its http.Handler. For two specs A and B that the apiserver would admit:
//
//  1. Desired accepts A (the apiserver already admitted it), and the
//     request and options it maps A to say what A says: the API carries
//     Graph's names and shapes, so their JSON is A's own, and the times
//     are A's instants in UTC;
//  2. Graph accepts the meeting the controller makes from A (createOrGet,
//     then the options PATCH Diff asks for right after), and that meeting
//     has no diff against A: a spec's diff with its own meeting is empty;
//  3. starting from the meeting made from B instead, Graph accepts the
//     PATCH Diff computes for A, and afterwards neither its answer nor a
//     fresh GET differs from A: one update converges.
//
// A spec is built from strings and a number (see fuzzSpec); the seeds in
// testdata/fuzz/FuzzMeetingDiff hold the shapes of the unit tests.
func FuzzMeetingDiff(f *testing.F) {
	const (
		start = "2020-02-06T01:49:21.3524945+00:00"
		end   = "2020-02-06T02:19:21.3524945+00:00"
		both  = "test1@contoso.com,,presenter;,u2,"
	)
	f.Add("Sync", start, end, both, uint64(0), "Sync", start, end, both, uint64(0))
	f.Add("Sync", start, "", "", uint64(1234567), "Old", "", "", "sam@contoso.com,u9,coorganizer", uint64(7654321))
	f.Add("", "", "", "", uint64(0), "Renamed", "2026-12-01T09:00:00Z", "2026-12-01T10:00:00Z", both, uint64(1<<40))

	g := newFuzzGraph(f)
	f.Fuzz(func(t *testing.T, subjectA, startA, endA, attendeesA string, optionsA uint64,
		subjectB, startB, endB, attendeesB string, optionsB uint64) {
		specA, okA := fuzzSpec(subjectA, startA, endA, attendeesA, optionsA)
		specB, okB := fuzzSpec(subjectB, startB, endB, attendeesB, optionsB)
		if !okA || !okB {
			return // the apiserver would refuse one of them
		}
		wantA, err := Desired(&specA)
		if err != nil {
			t.Fatalf("Desired refuses a spec the apiserver admits: %v\n%+v", err, specA)
		}
		optsA := DesiredOptions(&specA.MeetingOptions)
		checkMapping(t, &specA, wantA, optsA)

		mA := g.meetingFor(t, &specA)
		if patch, changed := Diff(wantA, optsA, mA); patch != nil {
			t.Fatalf("the meeting Graph made from the spec still differs in %v: %+v", changed, patch)
		}

		mB := g.meetingFor(t, &specB)
		patch, changed := Diff(wantA, optsA, mB)
		if patch == nil {
			return
		}
		updated, err := g.client.Update(context.Background(), g.organizerOf(mB), mB.ID, patch)
		if err != nil {
			t.Fatalf("Graph refuses the PATCH of %v that it accepted on creation: %v", changed, err)
		}
		if p, c := Diff(wantA, optsA, updated); p != nil {
			t.Fatalf("after the PATCH of %v, Graph's answer still differs in %v: %+v", changed, c, p)
		}
		stored, err := g.client.Get(context.Background(), g.organizerOf(mB), mB.ID)
		if err != nil {
			t.Fatal(err)
		}
		if p, c := Diff(wantA, optsA, stored); p != nil {
			t.Fatalf("after the PATCH of %v, the stored meeting still differs in %v: %+v", changed, c, p)
		}
	})
}

// checkMapping: the request and options are the spec in Graph's JSON.
func checkMapping(t *testing.T, spec *teamsv1alpha1.OnlineMeetingSpec, req *graph.MeetingRequest, opts graph.MeetingOptions) {
	t.Helper()
	for _, pair := range [][2]any{{spec.Subject, req.Subject}, {spec.Participants, req.Participants}, {spec.MeetingOptions, opts}} {
		specJSON, _ := json.Marshal(pair[0])
		reqJSON, _ := json.Marshal(pair[1])
		if string(specJSON) != string(reqJSON) {
			t.Fatalf("the spec says %s, the request %s", specJSON, reqJSON)
		}
	}
	for _, tt := range []struct {
		spec string
		req  *time.Time
	}{{spec.StartDateTime, req.StartDateTime}, {spec.EndDateTime, req.EndDateTime}} {
		at, _ := time.Parse(time.RFC3339Nano, strings.ToUpper(tt.spec))
		if (tt.req == nil) != (tt.spec == "") || (tt.req != nil && (!tt.req.Equal(at) || tt.req.Location() != time.UTC)) {
			t.Fatalf("the spec says %q, the request %v", tt.spec, tt.req)
		}
	}
}

// fuzzGraph is the real Graph client (v1.0: chatInfo, which needs beta,
// is passed through and never compared, so it is not fuzzed) against an
// in-process emulator, replaced every fuzzRestartEvery meetings: the
// emulator keeps every meeting it made, and a long run would otherwise
// grow without bound.
type fuzzGraph struct {
	emu        *emulator.Server
	client     *graph.Client
	made       int
	organizers map[string]string // meeting id -> organizer
}

const fuzzRestartEvery = 20000

const (
	fuzzTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	fuzzClient = "0b7c6a42-5a1e-4c5f-9f3e-8d1c2b3a4f5e"
	fuzzSecret = "fuzz-only-secret"
)

func newFuzzGraph(f *testing.F) *fuzzGraph {
	g := &fuzzGraph{}
	g.restart(f)
	f.Cleanup(func() { _ = g.emu.Close() })
	return g
}

func (g *fuzzGraph) restart(tb testing.TB) {
	if g.emu != nil {
		_ = g.emu.Close()
	}
	emu, err := emulator.Start(emulator.Config{TenantID: fuzzTenant, ClientID: fuzzClient, ClientSecret: fuzzSecret, TokenLifetime: 24 * time.Hour})
	if err != nil {
		tb.Fatal(err)
	}
	hc := &http.Client{Transport: handlerTransport{emu}}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {fuzzClient}, "client_secret": {fuzzSecret}, "scope": {emu.URL() + "/.default"}}
	tok, err := fetchToken(hc, emu.URL()+"/"+fuzzTenant+"/oauth2/v2.0/token", form)
	if err != nil {
		tb.Fatal(err)
	}
	if g.client, err = graph.New(graph.Config{Endpoint: emu.URL(), Credential: tok, HTTPClient: hc}); err != nil {
		tb.Fatal(err)
	}
	g.emu, g.made, g.organizers = emu, 0, map[string]string{}
}

func (g *fuzzGraph) organizerOf(m *graph.OnlineMeeting) string { return g.organizers[m.ID] }

// meetingFor is what Graph holds once the controller made the spec's
// meeting: createOrGet (for an organizer of its own, so it is always a new
// meeting), then the PATCH of the options, which createOrGet ignores.
// Graph must accept both for every spec the apiserver admits.
func (g *fuzzGraph) meetingFor(t *testing.T, spec *teamsv1alpha1.OnlineMeetingSpec) *graph.OnlineMeeting {
	if g.made++; g.made > fuzzRestartEvery {
		g.restart(t)
	}
	want, err := Desired(spec)
	if err != nil {
		t.Fatalf("Desired refuses a spec the apiserver admits: %v\n%+v", err, spec)
	}
	organizer := uuid.NewString()
	m, _, err := g.client.CreateOrGet(context.Background(), organizer, want)
	if err != nil {
		t.Fatalf("Graph refuses the createOrGet of a spec the apiserver admits: %v", err)
	}
	g.organizers[m.ID] = organizer
	patch, changed := Diff(want, DesiredOptions(&spec.MeetingOptions), m)
	if patch == nil {
		return m
	}
	if patch.Subject != nil || patch.StartDateTime != nil || patch.EndDateTime != nil || patch.Participants != nil {
		t.Fatalf("the meeting Graph just made from the spec differs in %v", changed)
	}
	if m, err = g.client.Update(context.Background(), organizer, m.ID, patch); err != nil {
		t.Fatalf("Graph refuses the options %v: %v", changed, err)
	}
	return m
}

// handlerTransport sends each request straight to the emulator's handler:
// no sockets and no TLS, so that the fuzzer's time goes to the code under
// test.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	in := r.Clone(r.Context())
	in.Host, in.RequestURI = r.URL.Host, r.URL.RequestURI()
	if in.Body == nil {
		in.Body = http.NoBody // a server's request always has one
	}
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, in)
	return rec.Result(), nil
}

// staticToken hands out one access token.
type staticToken string

func (s staticToken) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: string(s), ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// fetchToken asks the token endpoint for a token with a client secret.
func fetchToken(hc *http.Client, endpoint string, form url.Values) (staticToken, error) {
	resp, err := hc.PostForm(endpoint, form)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.AccessToken == "" {
		return "", errors.Join(errors.New("no token from the emulator"), err)
	}
	return staticToken(body.AccessToken), nil
}

// fuzzSpec builds a spec from fuzz primitives, or reports false when the
// apiserver would refuse it (the CRD's lengths, enums, date-time format
// and rules), so that only specs a user can apply are tested. attendees
// is "upn,id,role" entries separated by ";"; options picks every meeting
// option's value from its digits (see fuzzOptions).
func fuzzSpec(subject, start, end, attendees string, options uint64) (teamsv1alpha1.OnlineMeetingSpec, bool) {
	spec := teamsv1alpha1.OnlineMeetingSpec{ExternalID: "fuzz", Subject: subject, StartDateTime: start, EndDateTime: end,
		Organizer: teamsv1alpha1.Organizer{UserID: "5f1d3a44-8c1e-4e8b-9a2f-6c1f0d9e2b71"}}
	if !crdText(subject, 512) || !crdDateTime(start) || !crdDateTime(end) || !crdTimesInOrder(start, end) || !graphYears(start, end) {
		return spec, false
	}
	if attendees != "" {
		spec.Participants = &teamsv1alpha1.MeetingParticipants{}
		for entry := range strings.SplitSeq(attendees, ";") {
			upn, rest, _ := strings.Cut(entry, ",")
			id, role, _ := strings.Cut(rest, ",")
			if (upn == "" && id == "") || !crdText(upn, 256) || !utf8.ValidString(id) || utf8.RuneCountInString(id) > 64 ||
				!slices.Contains(fuzzEnums["Role"], role) {
				return spec, false
			}
			a := teamsv1alpha1.MeetingParticipantInfo{UPN: upn, Role: teamsv1alpha1.MeetingRole(role)}
			if id != "" {
				a.Identity = &teamsv1alpha1.IdentitySet{User: &teamsv1alpha1.Identity{ID: id}}
			}
			spec.Participants.Attendees = append(spec.Participants.Attendees, a)
		}
		if len(spec.Participants.Attendees) > 250 {
			return spec, false
		}
	}
	digits := options
	fuzzOptions(reflect.ValueOf(&spec.MeetingOptions).Elem(), &digits)
	return spec, true
}

// fuzzEnums are the values the CRD allows for each enum field (by Go
// name), "" meaning unset.
var fuzzEnums = map[string][]string{
	"Role":                           {"", "attendee", "presenter", "producer", "coorganizer"},
	"Scope":                          {"", "organizer", "organization", "organizationAndFederated", "everyone", "invited", "organizationExcludingGuests"},
	"AllowedPresenters":              {"", "everyone", "organization", "roleIsPresenter", "organizer"},
	"AllowMeetingChat":               {"", "enabled", "disabled", "limited"},
	"ShareMeetingChatHistoryDefault": {"", "all", "none"},
	"AllowedLobbyAdmitters":          {"", "organizerAndCoOrganizersAndPresenters", "organizerAndCoOrganizers"},
	"AllowLiveShare":                 {"", "enabled", "disabled"},
	"AnonymizeIdentityForRoles":      {"", "attendee"},
}

// fuzzOptions sets every field of v from the digits of *n, one mixed-radix
// digit per choice: a *bool is unset, false or true; an enum one of its
// values or unset; a struct pointer nil or filled the same way; a role
// list empty or one role. Walking the type means an option added to the
// API is fuzzed without a change here, or fails loudly if it is an enum.
func fuzzOptions(v reflect.Value, n *uint64) {
	take := func(k int) int { d := int(*n % uint64(k)); *n /= uint64(k); return d }
	for i := range v.NumField() {
		f, name := v.Field(i), v.Type().Field(i).Name
		switch {
		case f.Kind() == reflect.Pointer && f.Type().Elem().Kind() == reflect.Bool:
			if d := take(3); d > 0 {
				f.Set(reflect.ValueOf(new(d == 2)))
			}
		case f.Kind() == reflect.Pointer && f.Type().Elem().Kind() == reflect.Struct:
			if take(2) == 1 {
				p := reflect.New(f.Type().Elem())
				fuzzOptions(p.Elem(), n)
				f.Set(p)
			}
		case f.Kind() == reflect.String || f.Kind() == reflect.Slice:
			values, ok := fuzzEnums[name]
			if !ok {
				panic("fuzzEnums has no values for the option " + name)
			}
			d := take(len(values))
			if d == 0 {
				continue
			}
			if f.Kind() == reflect.String {
				f.SetString(values[d])
			} else {
				f.Set(reflect.Append(f, reflect.ValueOf(values[d]).Convert(f.Type().Elem())))
			}
		default:
			panic("fuzzOptions does not know how to fuzz the option " + name)
		}
	}
}

// crdTimesInOrder is the CRD's rules on the two times: an end needs a
// start, and CEL, which reads both as timestamps (with Go's parser, so T
// and Z only in upper case), must find the end no earlier than the start.
func crdTimesInOrder(start, end string) bool {
	if end == "" {
		return true
	}
	s, errStart := time.Parse(time.RFC3339Nano, start)
	e, errEnd := time.Parse(time.RFC3339Nano, end)
	return errStart == nil && errEnd == nil && !e.Before(s)
}

// graphYears reports whether the meeting's times fall in years 1 to 9999
// (UTC): its start, its end (an hour after the start by default) and the
// expiry Graph sets 60 days after the end. JSON date-times have four-digit
// years and Graph's end with 9999, so a meeting beyond them is not one
// Graph can hold, and out of this target's scope.
func graphYears(start, end string) bool {
	if start == "" {
		return true
	}
	parse := func(s string) time.Time { t, _ := time.Parse(time.RFC3339Nano, strings.ToUpper(s)); return t.UTC() }
	last := parse(start).Add(defaultDuration)
	if end != "" {
		last = parse(end)
	}
	const expiryAfterEnd = 60 * 24 * time.Hour
	return parse(start).Year() >= 1 && last.Add(expiryAfterEnd).Year() <= 9999
}

// crdText is the CRD's check of a free-text field: at most n characters,
// none of them control or bidirectional-override characters. (The
// apiserver's JSON decoding makes every string valid UTF-8.)
func crdText(s string, n int) bool {
	return utf8.ValidString(s) && utf8.RuneCountInString(s) <= n && !crdForbidden.MatchString(s)
}

var crdForbidden = regexp.MustCompile(`[\p{Cc}\x{200E}\x{200F}\x{202A}-\x{202E}\x{2066}-\x{2069}]`)

// rfc3339 is RFC 3339's date-time (section 5.6), whose T and Z may be lower
// case; the apiserver's date-time format accepts all of these (and more).
var rfc3339 = regexp.MustCompile(`^(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(\.\d+)?([Zz]|[+-](\d\d):(\d\d))$`)

// crdDateTime reports whether s is empty or an RFC 3339 date-time that
// the apiserver admits (it refuses leap seconds) and is at most 64 long.
func crdDateTime(s string) bool {
	if s == "" {
		return true
	}
	m := rfc3339.FindStringSubmatch(s)
	if m == nil || len(s) > 64 {
		return false
	}
	n := make([]int, len(m))
	for i, d := range m {
		n[i], _ = strconv.Atoi(d)
	}
	day := time.Date(n[1], time.Month(n[2]), n[3], 0, 0, 0, 0, time.UTC)
	return day.Month() == time.Month(n[2]) && day.Day() == n[3] &&
		n[4] <= 23 && n[5] <= 59 && n[6] <= 59 && n[9] <= 23 && n[10] <= 59
}
