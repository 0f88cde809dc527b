package emulator

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	. "github.com/onsi/gomega"
)

// decodedMeeting is the part of a meeting answer the oversize faults touch,
// decoded strictly typed to prove the JSON stays decodable.
type decodedMeeting struct {
	Subject    string `json:"subject"`
	JoinURL    string `json:"joinUrl"`
	JoinWebURL string `json:"joinWebUrl"`
	ChatInfo   struct {
		ThreadID            string `json:"threadId"`
		MessageID           string `json:"messageId"`
		ReplyChainMessageID string `json:"replyChainMessageId"`
	} `json:"chatInfo"`
	AudioConferencing struct {
		TollNumber  string   `json:"tollNumber"`
		TollNumbers []string `json:"tollNumbers"`
		DialinURL   string   `json:"dialinUrl"`
	} `json:"audioConferencing"`
}

// expectOversize checks a meeting answer under OversizeValues: valid JSON
// and UTF-8, every padded value at least as long as promised (in runes,
// and the literal sizes the operator's limits are measured against), the
// real value kept as a prefix, the URLs still URLs, and the subject as sent.
func expectOversize(g Gomega, r reply, threadPrefix, subject string) decodedMeeting {
	g.ExpectWithOffset(1, r.status).To(BeNumerically("<", 300), string(r.raw[:min(len(r.raw), 300)]))
	g.ExpectWithOffset(1, json.Valid(r.raw)).To(BeTrue())
	g.ExpectWithOffset(1, utf8.Valid(r.raw)).To(BeTrue())
	var m decodedMeeting
	g.ExpectWithOffset(1, json.Unmarshal(r.raw, &m)).To(Succeed())

	for name, tc := range map[string]struct {
		value, prefix string
		min           int
	}{
		"chatInfo.threadId":            {m.ChatInfo.ThreadID, threadPrefix, 4096},
		"chatInfo.messageId":           {m.ChatInfo.MessageID, "", 4096},
		"chatInfo.replyChainMessageId": {m.ChatInfo.ReplyChainMessageID, "", 4096},
		"joinWebUrl":                   {m.JoinWebURL, "https://teams.microsoft.com/l/meetup-join/", 8192},
		"joinUrl":                      {m.JoinURL, "https://teams.microsoft.com/l/meetup-join/", 8192},
		"audioConferencing.tollNumber": {m.AudioConferencing.TollNumber, "+1 206-485-3005", 2048},
		"audioConferencing.dialinUrl":  {m.AudioConferencing.DialinURL, "https://dialin.teams.microsoft.com/", 2048},
	} {
		g.ExpectWithOffset(1, utf8.RuneCountInString(tc.value)).To(BeNumerically(">=", tc.min), name)
		g.ExpectWithOffset(1, tc.value).To(HavePrefix(tc.prefix), name)
	}
	g.ExpectWithOffset(1, OversizeIDLength).To(Equal(4096))
	g.ExpectWithOffset(1, OversizeURLLength).To(Equal(8192))
	g.ExpectWithOffset(1, OversizeAudioLength).To(Equal(2048))
	g.ExpectWithOffset(1, m.AudioConferencing.TollNumbers).To(HaveExactElements(m.AudioConferencing.TollNumber))

	// The ids are mostly multi-byte runes: a cut at a byte count, rather
	// than at a rune boundary, leaves invalid UTF-8.
	for _, id := range []string{m.ChatInfo.ThreadID, m.ChatInfo.MessageID, m.AudioConferencing.TollNumber} {
		g.ExpectWithOffset(1, id).To(ContainSubstring("€"))
		g.ExpectWithOffset(1, len(id)).To(BeNumerically(">", utf8.RuneCountInString(id)))
		broken := 0
		for n := 256; n < 320; n++ {
			if !utf8.ValidString(id[:n]) {
				broken++
			}
		}
		g.ExpectWithOffset(1, broken).To(BeNumerically(">", 0))
	}
	// The URLs stay URLs a client can parse.
	for _, u := range []string{m.JoinWebURL, m.AudioConferencing.DialinURL} {
		parsed, err := url.Parse(u)
		g.ExpectWithOffset(1, err).NotTo(HaveOccurred())
		g.ExpectWithOffset(1, parsed.Query().Get("oversize")).To(ContainSubstring("é€"))
	}
	g.ExpectWithOffset(1, m.Subject).To(Equal(subject))
	return m
}

func TestOversizeValuesSetByGoReachAMeetingCreatedBeforeThem(t *testing.T) {
	g := NewWithT(t)
	s := start(t)
	tok := token(t, s)
	created := createOrGet(t, s, tok, docExample1)
	g.Expect(created.status).To(Equal(http.StatusCreated))
	id, thread := created.str("id"), created.str("chatInfo", "threadId")
	g.Expect(len(thread)).To(BeNumerically("<", 100))
	path := meetingsPath("v1.0", testOrganizer) + "/" + id

	s.SetFaults(Faults{OversizeValues: true})
	expectOversize(g, call(t, s, http.MethodGet, path, tok, nil), thread, "Create a meeting with customId provided")
	expectOversize(g, createOrGet(t, s, tok, docExample1), thread, "Create a meeting with customId provided")
	expectOversize(g, call(t, s, http.MethodPatch, path, tok, map[string]any{"subject": "Renamed"}), thread, "Renamed")
	list := call(t, s, http.MethodGet, meetingsPath("v1.0", testOrganizer)+"?$filter="+
		url.QueryEscape("joinMeetingIdSettings/joinMeetingId eq '"+created.str("joinMeetingIdSettings", "joinMeetingId")+"'"), tok, nil)
	g.Expect(list.status).To(Equal(http.StatusOK), string(list.raw))
	var values struct{ Value []json.RawMessage }
	g.Expect(json.Unmarshal(list.raw, &values)).To(Succeed())
	g.Expect(values.Value).To(HaveLen(1))
	expectOversize(g, reply{status: http.StatusOK, raw: values.Value[0]}, thread, "Renamed")

	// Only the answers were padded: the stored meeting is as it was.
	s.SetFaults(Faults{})
	after := call(t, s, http.MethodGet, path, tok, nil)
	g.Expect(after.str("chatInfo", "threadId")).To(Equal(thread))
	g.Expect(after.str("joinWebUrl")).To(Equal(created.str("joinWebUrl")))
	g.Expect(after.str("subject")).To(Equal("Renamed"))
}

func TestOversizeValuesSetByPUTFaultsApplyToNewMeetings(t *testing.T) {
	g := NewWithT(t)
	s := start(t)
	tok := token(t, s)

	put := call(t, s, http.MethodPut, "/_emulator/faults", "", `{"oversizeValues": true}`)
	g.Expect(put.status).To(Equal(http.StatusOK), string(put.raw))
	g.Expect(put.json).To(HaveKeyWithValue("oversizeValues", true))
	g.Expect(s.Faults()).To(Equal(Faults{OversizeValues: true}))

	// On beta the thread the request named is kept as the prefix.
	r := call(t, s, http.MethodPost, meetingsPath("beta", testOrganizer)+"/createOrGet", tok, docExample2)
	g.Expect(r.status).To(Equal(http.StatusCreated))
	expectOversize(g, r, "19:7ebda77322dd4505ac4dedb5b67df076@thread.tacv2", "Create a meeting with customId provided")
	g.Expect(s.Meetings()[0].Subject).To(Equal("Create a meeting with customId provided"))
}

// expectHugeError checks a Graph error answer under HugeErrorMessages: the
// usual shape (code, innerError), then a message that starts as it would
// without the fault and runs to 64 KiB and more, multi-byte runes among it.
func expectHugeError(g Gomega, r reply, status int, code, messageStart string) {
	expectGraphErrorAt(g, 2, r, status, code, messageStart)
	g.ExpectWithOffset(1, json.Valid(r.raw)).To(BeTrue())
	var body graphError
	g.ExpectWithOffset(1, json.Unmarshal(r.raw, &body)).To(Succeed())
	msg := body.Error.Message
	g.ExpectWithOffset(1, msg).To(HavePrefix(messageStart))
	g.ExpectWithOffset(1, utf8.ValidString(msg)).To(BeTrue())
	g.ExpectWithOffset(1, utf8.RuneCountInString(msg)).To(BeNumerically(">=", 64*1024))
	g.ExpectWithOffset(1, utf8.RuneCountInString(msg)).To(BeNumerically(">=", HugeErrorMessageLength))
	g.ExpectWithOffset(1, msg).To(ContainSubstring("€"))
	g.ExpectWithOffset(1, body.Error.InnerError.ClientRequestID).To(Equal(r.header.Get("client-request-id")))
}

// expectGraphErrorAt is expectGraphError reporting failures offset frames up.
func expectGraphErrorAt(g Gomega, offset int, r reply, status int, code, messagePart string) {
	g.ExpectWithOffset(offset, r.status).To(Equal(status), string(r.raw[:min(len(r.raw), 300)]))
	g.ExpectWithOffset(offset, r.str("error", "code")).To(Equal(code))
	g.ExpectWithOffset(offset, r.str("error", "message")).To(ContainSubstring(messagePart))
	g.ExpectWithOffset(offset, r.str("error", "innerError", "request-id")).To(Equal(r.header.Get("request-id")))
	g.ExpectWithOffset(offset, r.str("error", "innerError", "date")).To(MatchRegexp(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$`))
}

func TestHugeErrorMessagesSetByGoPadEveryGraphErrorOnly(t *testing.T) {
	g := NewWithT(t)
	s := start(t, func(c *Config) { c.DenyUsers = []string{"1f35f2e6-9cab-44ad-8d5a-b74c14720000"} })
	tok := token(t, s)
	s.SetFaults(Faults{HugeErrorMessages: true, FailNext: 1})
	path := meetingsPath("v1.0", testOrganizer)

	expectHugeError(g, createOrGet(t, s, tok, map[string]any{"externalId": "x"}),
		http.StatusServiceUnavailable, "ServiceUnavailable", "The service is temporarily unavailable (injected fault).")
	expectHugeError(g, call(t, s, http.MethodGet, path+"/missing", tok, nil),
		http.StatusNotFound, "NotFound", "The online meeting 'missing' of user '"+testOrganizer+"' was not found.")
	expectHugeError(g, call(t, s, http.MethodGet, path+"/missing", "not-a-token", nil),
		http.StatusUnauthorized, "InvalidAuthenticationToken", "")
	expectHugeError(g, createOrGet(t, s, tok, map[string]any{"subject": "no externalId"}),
		http.StatusBadRequest, "BadRequest", "externalId is required for createOrGet.")
	expectHugeError(g, call(t, s, http.MethodGet, meetingsPath("v1.0", "1f35f2e6-9cab-44ad-8d5a-b74c14720000")+"/m", tok, nil),
		http.StatusForbidden, "Forbidden", "No application access policy found for this app.")
	expectHugeError(g, call(t, s, http.MethodPost, path+"/createOrGet", tok, `{}`, "Content-Encoding", "br"),
		http.StatusUnsupportedMediaType, "UnsupportedMediaType", `Content-Encoding "br" is not supported`)

	// Azure AD's answers and the inspection API's are not Graph's.
	bad := secretForm()
	bad.Set("client_secret", "wrong")
	bad.Set("scope", s.URL()+"/.default")
	refused := tokenFor(t, s, bad)
	g.Expect(refused.status).To(BeNumerically(">=", 400))
	g.Expect(len(refused.raw)).To(BeNumerically("<", 4096))
	inspect := call(t, s, http.MethodGet, "/_emulator/nothing", "", nil)
	g.Expect(inspect.status).To(Equal(http.StatusNotFound))
	g.Expect(len(inspect.str("error", "message"))).To(BeNumerically("<", 1024))

	// Successes are untouched.
	g.Expect(createOrGet(t, s, tok, map[string]any{"externalId": "x"}).status).To(Equal(http.StatusCreated))
}

func TestHugeErrorMessagesSetByPUTFaultsComeAndGo(t *testing.T) {
	g := NewWithT(t)
	s := start(t)
	tok := token(t, s)
	missing := meetingsPath("v1.0", testOrganizer) + "/missing"

	put := call(t, s, http.MethodPut, "/_emulator/faults", "", `{"hugeErrorMessages": true, "latency": "1ms"}`)
	g.Expect(put.status).To(Equal(http.StatusOK), string(put.raw))
	g.Expect(s.Faults()).To(Equal(Faults{HugeErrorMessages: true, Latency: time.Millisecond}))
	expectHugeError(g, call(t, s, http.MethodGet, missing, tok, nil), http.StatusNotFound, "NotFound", "The online meeting 'missing'")

	g.Expect(call(t, s, http.MethodPut, "/_emulator/faults", "", `{}`).status).To(Equal(http.StatusOK))
	r := call(t, s, http.MethodGet, missing, tok, nil)
	expectGraphError(g, r, http.StatusNotFound, "NotFound", "The online meeting 'missing'")
	g.Expect(strings.HasSuffix(r.str("error", "message"), "was not found.")).To(BeTrue())
}

func TestFaultsJSONRoundTripsEveryField(t *testing.T) {
	g := NewWithT(t)
	in := Faults{Latency: 1500 * time.Millisecond, RateLimit: 2.5, RateBurst: 3, FailureRate: 0.1, TimeoutRate: 0.2,
		ResetRate: 0.3, LoseResponseRate: 0.4, LoseNextResponses: 5, FailNext: 6, OversizeValues: true, HugeErrorMessages: true}
	data, err := json.Marshal(in)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(string(data)).To(ContainSubstring(`"oversizeValues":true`))
	g.Expect(string(data)).To(ContainSubstring(`"hugeErrorMessages":true`))
	var out Faults
	g.Expect(json.Unmarshal(data, &out)).To(Succeed())
	g.Expect(out).To(Equal(in))
}
