package graph

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// ErrorClass says what a caller can do about a failed call. It is decided by the
// HTTP status, never by Graph's error code: Graph has answered the same condition
// with different codes (a missing application access policy came back as
// Forbidden, General and Unauthorized).
type ErrorClass string

const (
	// ClassNotFound: the meeting (or the user) does not exist; 404.
	ClassNotFound ErrorClass = "NotFound"
	// ClassThrottled: Graph asked us to slow down (429, or 503/504 with
	// Retry-After); wait Error.RetryAfter before calling again.
	ClassThrottled ErrorClass = "Throttled"
	// ClassForbidden: the app may not act for this organizer, typically a missing
	// application access policy; a human has to grant it. 403.
	ClassForbidden ErrorClass = "Forbidden"
	// ClassUnauthorized: the token was refused (401) or could not be obtained
	// because Azure AD rejected the credential.
	ClassUnauthorized ErrorClass = "Unauthorized"
	// ClassInvalid: Graph rejected the request itself (400, 409, 422 and other
	// 4xx); sending it again cannot help.
	ClassInvalid ErrorClass = "Invalid"
	// ClassTransient: 5xx, timeouts, resets and lost connections; retry with
	// backoff. A write may have taken effect even though no answer arrived.
	ClassTransient ErrorClass = "Transient"
	// ClassUnknown: anything else, including errors that are not an *Error and
	// 3xx answers, which the Client never follows.
	ClassUnknown ErrorClass = "Unknown"
)

// Error is a failed Graph call. It never carries the access token.
type Error struct {
	// Operation is "createOrGet", "get", "update", "delete" or "list".
	Operation string
	// Class is what the caller can do about it.
	Class ErrorClass
	// StatusCode is the HTTP status, 0 when no HTTP answer arrived.
	StatusCode int
	// Code is Graph's error.code, verbatim.
	Code string
	// Message is Graph's error.message, verbatim (for 403 it names the missing
	// policy), or the client's own explanation when Graph sent none.
	Message string
	// RequestID is innerError.request-id, or the request-id header: what
	// Microsoft support asks for.
	RequestID string
	// ClientRequestID is the GUID the client sent (and Graph echoes).
	ClientRequestID string
	// RetryAfter is how long Graph asked us to wait; 0 when it did not say.
	RetryAfter time.Duration
	// Err is the underlying transport, token or decoding error, if any.
	Err error
}

// Error returns one readable line: operation, status, Graph's code and message,
// and the request id for support.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("graph ")
	b.WriteString(e.Operation)
	b.WriteString(": ")
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, "%d %s", e.StatusCode, http.StatusText(e.StatusCode))
		if e.Code != "" {
			// Code and RequestID come from Graph's body, like Message.
			fmt.Fprintf(&b, " (%s)", oneLine(e.Code))
		}
	} else {
		b.WriteString(strings.ToLower(string(e.Class)))
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(oneLine(e.Message))
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(boundedText(oneLine(e.Err.Error()), maxUnderlyingRunes))
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	switch {
	case e.RequestID != "":
		fmt.Fprintf(&b, " (request-id %s)", oneLine(e.RequestID))
	case e.ClientRequestID != "":
		fmt.Fprintf(&b, " (client-request-id %s)", e.ClientRequestID)
	}
	return b.String()
}

// Unwrap returns the underlying transport, token or decoding error.
func (e *Error) Unwrap() error { return e.Err }

// ClassOf returns the class of err, ClassUnknown when err is not (and does not
// wrap) an *Error. A call abandoned because the caller's context ended returns the
// context's error, so it is ClassUnknown and errors.Is(err, context.Canceled) holds.
func ClassOf(err error) ErrorClass {
	var e *Error
	if errors.As(err, &e) {
		return e.Class
	}
	return ClassUnknown
}

// RetryAfter returns how long Graph asked the caller to wait, and whether it did.
func RetryAfter(err error) (time.Duration, bool) {
	var e *Error
	if errors.As(err, &e) && e.RetryAfter > 0 {
		return e.RetryAfter, true
	}
	return 0, false
}

// classify maps an HTTP status to a class. retryAfter matters only for 503 and
// 504, where Graph's Retry-After marks throttling rather than an outage.
func classify(status int, retryAfter time.Duration) ErrorClass {
	switch {
	case status == http.StatusNotFound:
		return ClassNotFound
	case status == http.StatusTooManyRequests:
		return ClassThrottled
	case (status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout) && retryAfter > 0:
		return ClassThrottled
	case status >= 500:
		return ClassTransient
	case status == http.StatusForbidden:
		return ClassForbidden
	case status == http.StatusUnauthorized:
		return ClassUnauthorized
	case status == http.StatusRequestTimeout:
		return ClassTransient
	case status >= 400:
		return ClassInvalid
	default:
		return ClassUnknown
	}
}

// maxRetryAfter caps a Retry-After: an absurd value (a date decades away)
// would otherwise close the throttle gate, and so the tenant's every call,
// for as long, or overflow a Duration.
const maxRetryAfter = 24 * time.Hour

// parseRetryAfter reads a Retry-After header: delay-seconds (fractions are
// accepted and rounded up, so we never come back early) or an HTTP-date, taken
// relative to now. It returns 0 for an absent, unparseable or past value, and
// at most maxRetryAfter.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if secs <= 0 || math.IsNaN(secs) || math.IsInf(secs, 0) {
			return 0
		}
		return time.Duration(math.Ceil(math.Min(secs, maxRetryAfter.Seconds()))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			// HTTP-dates have whole seconds; round up for the same reason
			// (after the cap, so that the rounding cannot overflow).
			return (min(d, maxRetryAfter) + time.Second - 1).Truncate(time.Second)
		}
	}
	return 0
}

// maxUnderlyingRunes bounds how much of an underlying error Error shows. Such
// errors can quote what a server sent: net/http's error for a redirect whose
// Location it cannot parse quotes that Location whole.
const maxUnderlyingRunes = 1024

// boundedText keeps the printable runes of s, at most n of them, marking a cut
// with "…". Dropping the rest (control and format characters, bidi overrides
// among them) keeps an untrusted value from disguising the line it lands in.
func boundedText(s string, n int) string {
	var b strings.Builder
	count := 0
	for _, r := range s {
		if !unicode.IsPrint(r) {
			continue
		}
		if count == n {
			b.WriteString("…")
			break
		}
		b.WriteRune(r)
		count++
	}
	return b.String()
}

// oneLine keeps the first line of s, so that Error stays one line even when an
// underlying error (azidentity's, for instance) spans several.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	return s
}

// callerError reports a call abandoned because the caller's context ended. It is
// deliberately not an *Error: nothing went wrong with Graph.
func callerError(op string, err error) error {
	return fmt.Errorf("graph %s: %w", op, err)
}

// tokenError classifies a failure to obtain a token. Azure AD refusing the
// credential (a 4xx from the token endpoint) is Unauthorized: a human must fix the
// secret, certificate or federation. Anything else (network, 5xx, throttling at
// Azure AD) is Transient.
func tokenError(op, clientRequestID string, err error) *Error {
	e := &Error{Operation: op, Class: ClassTransient, ClientRequestID: clientRequestID, Message: "acquiring an access token", Err: err}
	var af *azidentity.AuthenticationFailedError
	if errors.As(err, &af) && af.RawResponse != nil {
		if s := af.RawResponse.StatusCode; s >= 400 && s < 500 && s != http.StatusTooManyRequests && s != http.StatusRequestTimeout {
			e.Class = ClassUnauthorized
		}
		e.Message = fmt.Sprintf("acquiring an access token (token endpoint answered %d)", af.RawResponse.StatusCode)
	}
	return e
}
