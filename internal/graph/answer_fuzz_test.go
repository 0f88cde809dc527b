package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

// The fuzz targets here feed Graph's answers, as bytes and headers, to the
// real Client through a transport that never touches the network: what the
// client does with them is exactly what it does with Graph's. Seeds live in
// testdata/fuzz/<FuzzName>/ (the documentation examples, the emulator's
// answers, error and throttling bodies); `hack/fuzz.sh` runs every target.

// answerTransport answers every request with one canned response.
type answerTransport struct {
	status int
	header http.Header
	body   []byte
}

func (t answerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_ = r.Body.Close()
	}
	return &http.Response{
		StatusCode: t.status, Status: http.StatusText(t.status), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: t.header.Clone(), Body: io.NopCloser(bytes.NewReader(t.body)), ContentLength: int64(len(t.body)), Request: r,
	}, nil
}

// fuzzClient is a fresh Client (so that no throttle gate outlives one input)
// whose every call gets the canned answer, on the same fixed clock as the
// other tests.
func fuzzClient(t *testing.T, answer answerTransport) *Client {
	t.Helper()
	c, err := New(Config{Credential: &staticCredential{}, HTTPClient: &http.Client{Transport: answer}})
	if err != nil {
		t.Fatal(err)
	}
	c.now = newFakeClock().Now
	return c
}

// addFileSeeds adds each file under testdata (the documentation's examples)
// as a seed, so the corpus follows them when they change.
func addFileSeeds(f *testing.F, add func([]byte), names ...string) {
	for _, name := range names {
		body, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		add(body)
	}
}

// FuzzMeetingAnswer: whatever a 2xx answer holds, the Client returns either
// a meeting with an id or an *Error (never a panic, never a nil meeting with
// a nil error), and a meeting it returns survives a JSON round trip
// unchanged, so what the controller records is what Graph said.
func FuzzMeetingAnswer(f *testing.F) {
	f.Add(byte(0), []byte(meetingJSON))
	f.Add(byte(1), []byte(`{"id":"a","participants":{"attendees":[{"upn":"x","role":"coorganizer"}]},"lobbyBypassSettings":null}`))
	f.Add(byte(2), []byte(`null`))
	f.Add(byte(3), []byte(`{"value":[`+meetingJSON+`]}`))
	addFileSeeds(f, func(b []byte) { f.Add(byte(0), b) }, "createorget-example1.json", "createorget-example2.json")

	f.Fuzz(func(t *testing.T, op byte, body []byte) {
		status := http.StatusOK
		if op&4 != 0 {
			status = http.StatusCreated
		}
		c := fuzzClient(t, answerTransport{status: status, header: http.Header{"Content-Type": {"application/json"}}, body: body})
		ctx := context.Background()
		const meetingID = "MSo1N2Y5ZGFjYy03MWJmLTQ3NDMtYjQxMy01M2EdFGkdRWHJlQ"

		var m *OnlineMeeting
		var err error
		switch op % 4 {
		case 0:
			var created bool
			m, created, err = c.CreateOrGet(ctx, testOrganizer, &MeetingRequest{ExternalID: "e"})
			if err == nil && created != (status == http.StatusCreated) {
				t.Errorf("created = %v on %d", created, status)
			}
		case 1:
			m, err = c.Get(ctx, testOrganizer, meetingID)
		case 2:
			m, err = c.Update(ctx, testOrganizer, meetingID, &MeetingPatch{Subject: new("s")})
		case 3:
			m, err = c.FindByJoinWebURL(ctx, testOrganizer, "https://teams.microsoft.com/l/meetup-join/x")
		}
		if err != nil {
			checkError(t, err)
			return
		}
		if m == nil || m.ID == "" {
			t.Fatalf("no error and no meeting id: %+v", m)
		}
		if ValidMeetingID(m.ID) {
			// A valid id may go into a path: it must stay in its segment.
			p := meetingPath(testOrganizer, m.ID)
			if strings.Count(p, "/") != 4 || strings.Contains(p, "..") {
				t.Errorf("meeting id %q escapes its path segment: %s", m.ID, p)
			}
		}
		once, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("a decoded meeting does not encode: %v", err)
		}
		var again OnlineMeeting
		if err := json.Unmarshal(once, &again); err != nil {
			t.Fatalf("an encoded meeting does not decode: %v\n%s", err, once)
		}
		twice, _ := json.Marshal(&again)
		if !bytes.Equal(once, twice) {
			t.Errorf("the meeting changed in a JSON round trip:\n%s\n%s", once, twice)
		}
	})
}

// FuzzErrorAnswer: whatever a 3xx, 4xx or 5xx answer holds, the Client
// returns an *Error whose class follows the status alone, whose
// RetryAfter is never negative nor beyond the cap, and whose Error() is one
// line without the access token. The body is raw when given, else Graph's
// error JSON built from code, message and requestID, so that mutations
// reach those fields and not only the JSON around them.
func FuzzErrorAnswer(f *testing.F) {
	f.Add(uint16(403), "", "0f1e2d3c-aaaa-bbbb-cccc-1234567890ab", "Forbidden", "No application access policy found for this app", []byte{})
	f.Add(uint16(429), "7", "hdr-id", "TooManyRequests", "Too many requests.\tRetry after 7 seconds.", []byte{})
	f.Add(uint16(503), "Thu, 26 Nov 2026 20:42:07 GMT", "", "", "", []byte(`{"error":{"code":"ServiceUnavailable","message":"m","innererror":{"request-id":"lower"}}}`))
	f.Add(uint16(502), "", "", "", "", []byte("<html><body><h1>502 Bad Gateway</h1>\n</body></html>"))
	f.Add(uint16(302), "", "", "", "", []byte("https://login.example.com/\x1b[31mred\u202e"))
	f.Add(uint16(404), "", "", "", "", []byte(" "))

	f.Fuzz(func(t *testing.T, status uint16, retryAfter, requestID, errCode, message string, raw []byte) {
		code := 300 + int(status)%300
		body := raw
		if len(body) == 0 {
			var oe odataError
			oe.Error.Code, oe.Error.Message, oe.Error.InnerError.RequestID = errCode, message, requestID
			oe.Error.InnerError.Date = "2026-11-26T20:41:07"
			body, _ = json.Marshal(oe)
		}
		header := http.Header{"Content-Type": {"application/json"}}
		for k, v := range map[string]string{"Retry-After": retryAfter, "request-id": requestID} {
			if v != "" && !strings.ContainsAny(v, "\r\n\x00") { // net/http delivers no others
				header.Set(k, v)
			}
		}
		if code < 400 {
			// A redirect's body is not read; let it carry the Location.
			if strings.ContainsAny(string(raw), "\r\n\x00") {
				return
			}
			header.Set("Location", string(raw))
		}
		c := fuzzClient(t, answerTransport{status: code, header: header, body: body})
		_, _, err := c.CreateOrGet(context.Background(), testOrganizer, &MeetingRequest{ExternalID: "e"})
		ge := checkError(t, err)
		if code < 400 {
			// Nothing is followed: the 3xx comes back as ClassUnknown, or, when
			// net/http cannot parse the Location, as a transport error. Either
			// way the Location it quotes is cut to size.
			if ge.Class != ClassUnknown && (ge.Class != ClassTransient || ge.StatusCode != 0) {
				t.Errorf("a %d redirect is %s (status %d)", code, ge.Class, ge.StatusCode)
			}
			if n := utf8.RuneCountInString(err.Error()); n > maxUnderlyingRunes+300 {
				t.Errorf("a redirect's error has %d runes: %q", n, err.Error())
			}
			return
		}
		if ge.StatusCode != code {
			t.Errorf("StatusCode = %d, want %d", ge.StatusCode, code)
		}
		throttled := code == http.StatusTooManyRequests ||
			((code == http.StatusServiceUnavailable || code == http.StatusGatewayTimeout) && ge.RetryAfter > 0)
		if (ge.Class == ClassThrottled) != throttled {
			t.Errorf("status %d with RetryAfter %s classified %s", code, ge.RetryAfter, ge.Class)
		}
	})
}

// checkError holds for every error the Client returns.
func checkError(t *testing.T, err error) *Error {
	t.Helper()
	var ge *Error
	if !errors.As(err, &ge) {
		t.Fatalf("error %v (%T) is not an *Error", err, err)
	}
	if ge.Class == "" {
		t.Errorf("error without a class: %v", err)
	}
	if ge.RetryAfter < 0 || ge.RetryAfter > maxRetryAfter {
		t.Errorf("RetryAfter %s is outside [0, %s]", ge.RetryAfter, maxRetryAfter)
	}
	msg := err.Error()
	if strings.ContainsAny(msg, "\r\n") {
		t.Errorf("Error() spans lines: %q", msg)
	}
	if strings.Contains(msg, testToken) {
		t.Errorf("Error() carries the access token: %q", msg)
	}
	return ge
}

// FuzzParseRetryAfter: a Retry-After is whole seconds in [0, cap], and
// never earlier than what Graph asked for unless the cap cut it.
func FuzzParseRetryAfter(f *testing.F) {
	now := newFakeClock().Now()
	for _, v := range []string{"", "0", "5", " 12 ", "1.2", "0.001", "-3", "NaN", "Inf", "1e400", "99999999999",
		"Thu, 26 Nov 2026 20:42:07 GMT", "Thursday, 26-Nov-26 20:42:07 GMT", "Thu Nov 26 20:42:07 2026", "Fri, 31 Dec 9999 23:59:59 GMT"} {
		f.Add(v, now.UnixNano())
	}
	f.Fuzz(func(t *testing.T, v string, nowNanos int64) {
		now := time.Unix(0, nowNanos).UTC()
		d := parseRetryAfter(v, now)
		if d < 0 || d > maxRetryAfter || d%time.Second != 0 {
			t.Fatalf("parseRetryAfter(%q) = %s, want whole seconds in [0, %s]", v, d, maxRetryAfter)
		}
		if at, err := http.ParseTime(strings.TrimSpace(v)); err == nil && d < maxRetryAfter && now.Add(d).Before(at) {
			t.Errorf("parseRetryAfter(%q) = %s comes back before %s", v, d, at)
		}
	})
}

// FuzzBoundedText: boundedText is the first n printable runes of s, plus
// "…" when there were more; so it is valid UTF-8 and holds no control or
// format character, whatever s holds.
func FuzzBoundedText(f *testing.F) {
	f.Add("https://login.example.com/\x1b[31mred\u202egnp.exe", uint16(16))
	f.Add("a\xffb\r\nc", uint16(2))
	f.Add(strings.Repeat("é", 40), uint16(maxLocationRunes))
	f.Fuzz(func(t *testing.T, s string, n uint16) {
		limit := int(n) % 2048
		var printable []rune
		for _, r := range s {
			if unicode.IsPrint(r) {
				printable = append(printable, r)
			}
		}
		want := string(printable)
		if len(printable) > limit {
			want = string(printable[:limit]) + "…"
		}
		got := boundedText(s, limit)
		if got != want {
			t.Fatalf("boundedText(%q, %d) = %q, want %q", s, limit, got, want)
		}
		if !utf8.ValidString(got) {
			t.Errorf("boundedText(%q, %d) = %q is not valid UTF-8", s, limit, got)
		}
	})
}

// FuzzJoinWebURLQuery: the lookup's query string decodes back to the OData
// filter that names exactly the link it was built from.
func FuzzJoinWebURLQuery(f *testing.F) {
	f.Add("https://teams.microsoft.com/l/meetup-join/19%3ameeting_N2E3@thread.v2/0?context=%7b%22Tid%22%3a%22t%22%7d")
	f.Add("it's & #+ %")
	f.Fuzz(func(t *testing.T, link string) {
		q, err := url.ParseQuery(joinWebURLQuery(link))
		if err != nil {
			t.Fatalf("the query of %q does not parse: %v", link, err)
		}
		filter := q.Get("$filter")
		lit, ok := strings.CutPrefix(filter, "JoinWebUrl eq '")
		if !ok || !strings.HasSuffix(lit, "'") || len(q) != 1 {
			t.Fatalf("the query of %q is %q", link, filter)
		}
		if got := strings.ReplaceAll(strings.TrimSuffix(lit, "'"), "''", "'"); got != link {
			t.Errorf("the filter names %q, not %q", got, link)
		}
	})
}
