package graph

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestErrorsAreClassifiedByHTTPStatusNotByGraphCode(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		code       string
		retryAfter string
		want       ErrorClass
		wantRetry  time.Duration
	}{
		{"404 is not found", 404, "itemNotFound", "", ClassNotFound, 0},
		{"429 is throttled with its Retry-After", 429, "TooManyRequests", "7", ClassThrottled, 7 * time.Second},
		{"429 without Retry-After is still throttled", 429, "TooManyRequests", "", ClassThrottled, 0},
		{"503 with Retry-After is throttling", 503, "ServiceUnavailable", "3", ClassThrottled, 3 * time.Second},
		{"504 with Retry-After is throttling", 504, "GatewayTimeout", "2", ClassThrottled, 2 * time.Second},
		{"503 without Retry-After is transient", 503, "ServiceUnavailable", "", ClassTransient, 0},
		{"504 without Retry-After is transient", 504, "", "", ClassTransient, 0},
		{"500 is transient", 500, "InternalServerError", "", ClassTransient, 0},
		{"502 is transient", 502, "", "", ClassTransient, 0},
		{"403 is forbidden whatever the code says", 403, "General", "", ClassForbidden, 0},
		{"403 coded Unauthorized is still forbidden", 403, "Unauthorized", "", ClassForbidden, 0},
		{"401 is unauthorized", 401, "InvalidAuthenticationToken", "", ClassUnauthorized, 0},
		{"400 is invalid", 400, "BadRequest", "", ClassInvalid, 0},
		{"409 is invalid", 409, "Conflict", "", ClassInvalid, 0},
		{"422 is invalid", 422, "UnprocessableEntity", "", ClassInvalid, 0},
		{"408 is transient", 408, "", "", ClassTransient, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
				h := map[string]string{}
				if tt.retryAfter != "" {
					h["Retry-After"] = tt.retryAfter
				}
				graphError(w, tt.status, tt.code, "message for "+tt.name, h)
			})
			c, _ := newTestClient(t, ts, Config{})
			_, err := c.Get(context.Background(), testOrganizer, "meeting1")
			if got := ClassOf(err); got != tt.want {
				t.Fatalf("ClassOf(%v) = %s, want %s", err, got, tt.want)
			}
			var ge *Error
			if !errors.As(err, &ge) {
				t.Fatalf("error %T is not an *Error", err)
			}
			if ge.StatusCode != tt.status || ge.Code != tt.code || ge.Message != "message for "+tt.name || ge.Operation != "get" {
				t.Errorf("got status %d code %q message %q op %q", ge.StatusCode, ge.Code, ge.Message, ge.Operation)
			}
			if ge.RetryAfter != tt.wantRetry {
				t.Errorf("RetryAfter = %s, want %s", ge.RetryAfter, tt.wantRetry)
			}
			if d, ok := RetryAfter(err); ok != (tt.wantRetry > 0) || d != tt.wantRetry {
				t.Errorf("RetryAfter(err) = %s, %v", d, ok)
			}
		})
	}
}

func TestGraphErrorBodyIsParsedWhateverItsShape(t *testing.T) {
	tests := []struct {
		name          string
		contentType   string
		body          string
		headers       map[string]string
		wantCode      string
		wantMessage   string
		wantRequestID string
	}{
		{
			name:          "innerError date without time zone does not break decoding",
			contentType:   "application/json",
			body:          `{"error":{"code":"Forbidden","message":"No application access policy found for this app","innerError":{"date":"2026-11-26T20:41:07","request-id":"0f1e2d3c-aaaa-bbbb-cccc-1234567890ab","client-request-id":"c"}}}`,
			wantCode:      "Forbidden",
			wantMessage:   "No application access policy found for this app",
			wantRequestID: "0f1e2d3c-aaaa-bbbb-cccc-1234567890ab",
		},
		{
			name:          "lower-case innererror is accepted",
			contentType:   "application/json",
			body:          `{"error":{"code":"General","message":"m","innererror":{"request-id":"lower"}}}`,
			wantCode:      "General",
			wantMessage:   "m",
			wantRequestID: "lower",
		},
		{
			name:          "request-id header is the fallback",
			contentType:   "application/json",
			body:          `{"error":{"code":"BadRequest","message":"m"}}`,
			headers:       map[string]string{"request-id": "from-header"},
			wantCode:      "BadRequest",
			wantMessage:   "m",
			wantRequestID: "from-header",
		},
		{
			name:          "missing body leaves code and message empty",
			headers:       map[string]string{"request-id": "only-header"},
			wantRequestID: "only-header",
		},
		{
			name:        "HTML body from a gateway leaves code and message empty",
			contentType: "text/html",
			body:        "<html><body><h1>403 Forbidden</h1>\n<p>nope</p></body></html>",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tt.headers {
					w.Header().Set(k, v)
				}
				if tt.contentType != "" {
					w.Header().Set("Content-Type", tt.contentType)
				}
				w.WriteHeader(http.StatusForbidden)
				_, _ = w.Write([]byte(tt.body))
			})
			c, _ := newTestClient(t, ts, Config{})
			_, _, err := c.CreateOrGet(context.Background(), testOrganizer, &MeetingRequest{ExternalID: "e"})
			var ge *Error
			if !errors.As(err, &ge) {
				t.Fatalf("error %v is not an *Error", err)
			}
			if ge.Class != ClassForbidden || ge.Code != tt.wantCode || ge.Message != tt.wantMessage || ge.RequestID != tt.wantRequestID {
				t.Errorf("got class %s code %q message %q request-id %q", ge.Class, ge.Code, ge.Message, ge.RequestID)
			}
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Errorf("Error() spans lines: %q", err.Error())
			}
		})
	}
}

func TestErrorStringIsOneReadableLine(t *testing.T) {
	e := &Error{Operation: "createOrGet", Class: ClassForbidden, StatusCode: 403, Code: "Forbidden",
		Message: "No application access policy found for this app", RequestID: "1234"}
	want := "graph createOrGet: 403 Forbidden (Forbidden): No application access policy found for this app (request-id 1234)"
	if got := e.Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	transport := &Error{Operation: "get", Class: ClassTransient, Message: "no answer from Graph",
		Err: errors.New("read: connection reset by peer\nsecond line"), ClientRequestID: "crid"}
	if got, want := transport.Error(), "graph get: transient: no answer from Graph: read: connection reset by peer (client-request-id crid)"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestRetryAfterHeaderParsing(t *testing.T) {
	now := time.Date(2026, 11, 26, 20, 41, 7, 0, time.UTC)
	tests := []struct {
		value string
		want  time.Duration
	}{
		{"", 0},
		{"0", 0},
		{"5", 5 * time.Second},
		{" 12 ", 12 * time.Second},
		{"1.2", 2 * time.Second},
		{"0.001", time.Second},
		{"2.0", 2 * time.Second},
		{"-3", 0},
		{"soon", 0},
		{"NaN", 0},
		{"99999999999", 24 * time.Hour},
		{now.Add(30 * time.Second).Format(http.TimeFormat), 30 * time.Second},
		{now.Add(-30 * time.Second).Format(http.TimeFormat), 0},
		{"Thu, 26 Nov 2026 20:42:07 GMT", time.Minute},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.value), func(t *testing.T) {
			if got := parseRetryAfter(tt.value, now); got != tt.want {
				t.Errorf("parseRetryAfter(%q) = %s, want %s", tt.value, got, tt.want)
			}
		})
	}
}

func TestHTTPDateRetryAfterIsRoundedUpFromASubSecondClock(t *testing.T) {
	now := time.Date(2026, 11, 26, 20, 41, 7, 300_000_000, time.UTC)
	if got := parseRetryAfter("Thu, 26 Nov 2026 20:41:10 GMT", now); got != 3*time.Second {
		t.Errorf("got %s, want 3s (2.7s rounded up)", got)
	}
}

func TestClassOfAndRetryAfterSeeThroughWrapping(t *testing.T) {
	inner := &Error{Operation: "get", Class: ClassThrottled, StatusCode: 429, RetryAfter: 4 * time.Second}
	wrapped := fmt.Errorf("reconciling: %w", inner)
	if ClassOf(wrapped) != ClassThrottled {
		t.Errorf("ClassOf(wrapped) = %s", ClassOf(wrapped))
	}
	if d, ok := RetryAfter(wrapped); !ok || d != 4*time.Second {
		t.Errorf("RetryAfter(wrapped) = %s, %v", d, ok)
	}
	if ClassOf(errors.New("plain")) != ClassUnknown || ClassOf(nil) != ClassUnknown {
		t.Error("errors that are not *Error must be ClassUnknown")
	}
	if _, ok := RetryAfter(errors.New("plain")); ok {
		t.Error("RetryAfter of a plain error must report false")
	}
}
