package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/google/uuid"
	"golang.org/x/time/rate"
)

const (
	// DefaultEndpoint is the global cloud's Graph root.
	DefaultEndpoint = "https://graph.microsoft.com"
	// DefaultAPIVersion is the Graph version used when Config.APIVersion is empty.
	DefaultAPIVersion = "v1.0"
	// DefaultTimeout bounds one call (token, request and response body) when
	// Config.Timeout is zero.
	DefaultTimeout = 30 * time.Second
	// DefaultUserAgent is sent when Config.UserAgent is empty.
	DefaultUserAgent = "onlinemeeting-operator"

	// maxResponseBytes bounds what we read of a body: a meeting is a few KiB.
	maxResponseBytes = 4 << 20
)

// Config configures a Client. A Client is bound to one credential, hence one
// tenant; build one per tenant.
type Config struct {
	// Endpoint is the Graph root without version, e.g. "https://graph.microsoft.com".
	// Default DefaultEndpoint.
	Endpoint string
	// APIVersion is "v1.0" (default) or "beta"; beta is needed for chatInfo.
	APIVersion string
	// Scope is the token scope; default Endpoint + "/.default".
	Scope string
	// Credential provides the access tokens; required. azidentity's credentials
	// cache tokens and refresh them before they expire.
	Credential azcore.TokenCredential
	// HTTPClient sends the Graph requests; default a pooled transport shared by
	// every Client, with dial, TLS and response-header timeouts. Either way the
	// Client follows no redirects: it sends with a copy of HTTPClient whose
	// CheckRedirect refuses them, and reports a 3xx answer as an *Error.
	HTTPClient *http.Client
	// Timeout bounds each call; default DefaultTimeout.
	Timeout time.Duration
	// QPS is a client-side rate limit in requests per second; 0 means none.
	QPS float64
	// Burst is the rate limiter's bucket size; default the QPS rounded up (at least 1).
	Burst int
	// Observer, when set, sees every HTTP attempt (for metrics).
	Observer Observer
	// UserAgent is sent with every request; default DefaultUserAgent.
	UserAgent string
}

// Observer sees every HTTP attempt the Client makes: the operation
// ("createOrGet", "get", "update", "delete", "list"), the HTTP status (0 when
// no answer arrived) and how long the attempt took. Calls refused by the
// throttle gate or the rate limiter make no attempt and are not observed.
type Observer interface {
	ObserveRequest(operation string, statusCode int, d time.Duration)
}

// Client calls Graph's online-meeting API for one tenant. It is safe for
// concurrent use.
//
// The Client never retries. Whether a retry is safe and when it should happen
// depends on what the caller knows: a createOrGet is safe to repeat only because
// of its externalId, a lost PATCH answer calls for a fresh get first, and the
// controller's workqueue already owns backoff. Retries hidden in here would
// multiply with the controller's and make Retry-After harder to honour.
type Client struct {
	base      string // endpoint + "/" + version
	version   string
	scope     string
	userAgent string
	cred      azcore.TokenCredential
	http      *http.Client
	timeout   time.Duration
	limiter   *rate.Limiter
	observer  Observer
	gate      *throttleGate
	now       func() time.Time // injectable for tests; used by the gate and limiter
}

// New validates cfg, fills in its defaults and returns a Client.
func New(cfg Config) (*Client, error) {
	if cfg.Credential == nil {
		return nil, errors.New("graph: Config.Credential is required")
	}
	endpoint := strings.TrimRight(cfg.Endpoint, "/")
	if endpoint == "" {
		endpoint = DefaultEndpoint
	}
	if err := checkEndpoint(endpoint); err != nil {
		return nil, err
	}
	version := cfg.APIVersion
	if version == "" {
		version = DefaultAPIVersion
	}
	if version != "v1.0" && version != "beta" {
		return nil, fmt.Errorf("graph: Config.APIVersion %q is neither v1.0 nor beta", version)
	}
	if cfg.QPS < 0 || cfg.Burst < 0 || cfg.Timeout < 0 {
		return nil, errors.New("graph: Config.QPS, Burst and Timeout must not be negative")
	}
	c := &Client{
		base:      endpoint + "/" + version,
		version:   version,
		scope:     cfg.Scope,
		userAgent: cfg.UserAgent,
		cred:      cfg.Credential,
		http:      cfg.HTTPClient,
		timeout:   cfg.Timeout,
		observer:  cfg.Observer,
		now:       time.Now,
	}
	c.gate = &throttleGate{now: func() time.Time { return c.now() }}
	if c.scope == "" {
		c.scope = endpoint + "/.default"
	}
	if c.userAgent == "" {
		c.userAgent = DefaultUserAgent
	}
	if c.http == nil {
		c.http = defaultHTTPClient()
	} else {
		c.http = withoutRedirects(c.http)
	}
	if c.timeout == 0 {
		c.timeout = DefaultTimeout
	}
	if cfg.QPS > 0 {
		burst := cfg.Burst
		if burst == 0 {
			burst = max(1, int(cfg.QPS+0.999999))
		}
		c.limiter = rate.NewLimiter(rate.Limit(cfg.QPS), burst)
	}
	return c, nil
}

// Scope is the token scope the Client asks Azure AD for.
func (c *Client) Scope() string { return c.scope }

// APIVersion returns the Graph version the Client calls, "v1.0" or "beta".
func (c *Client) APIVersion() string { return c.version }

// CreateOrGet creates the organizer's meeting with req.ExternalID, or returns the
// one that already exists as it is (Graph ignores the rest of req then). created
// is true when Graph answered 201 Created, false on 200 OK.
func (c *Client) CreateOrGet(ctx context.Context, organizerID string, req *MeetingRequest) (m *OnlineMeeting, created bool, err error) {
	const op = "createOrGet"
	if err := requireIDs(op, organizerID); err != nil {
		return nil, false, err
	}
	if req == nil {
		return nil, false, &Error{Operation: op, Class: ClassInvalid, Message: "no request body"}
	}
	body := *req
	body.StartDateTime, body.EndDateTime = utc(req.StartDateTime), utc(req.EndDateTime)
	m = &OnlineMeeting{}
	status, err := c.do(ctx, op, http.MethodPost, userPath(organizerID)+"/onlineMeetings/createOrGet", &body, m)
	if err != nil {
		return nil, false, err
	}
	if m.ID == "" {
		return nil, false, noMeetingID(op, status)
	}
	return m, status == http.StatusCreated, nil
}

// Get returns the organizer's meeting; a *Error of ClassNotFound when it does not exist.
func (c *Client) Get(ctx context.Context, organizerID, meetingID string) (*OnlineMeeting, error) {
	const op = "get"
	if err := requireIDs(op, organizerID, meetingID); err != nil {
		return nil, err
	}
	m := &OnlineMeeting{}
	status, err := c.do(ctx, op, http.MethodGet, meetingPath(organizerID, meetingID), nil, m)
	if err != nil {
		return nil, err
	}
	if m.ID == "" {
		return nil, noMeetingID(op, status)
	}
	return m, nil
}

// Update PATCHes the properties set in patch and returns the meeting Graph sends
// back. Graph documents 200 with the meeting; should it ever answer 2xx without
// a body, Update reads the meeting with a Get, so a nil error always comes with
// a meeting.
func (c *Client) Update(ctx context.Context, organizerID, meetingID string, patch *MeetingPatch) (*OnlineMeeting, error) {
	const op = "update"
	if err := requireIDs(op, organizerID, meetingID); err != nil {
		return nil, err
	}
	if patch == nil {
		return nil, &Error{Operation: op, Class: ClassInvalid, Message: "no patch"}
	}
	body := *patch
	body.StartDateTime, body.EndDateTime = utc(patch.StartDateTime), utc(patch.EndDateTime)
	var m *OnlineMeeting
	status, err := c.do(ctx, op, http.MethodPatch, meetingPath(organizerID, meetingID), &body, &m)
	if err != nil {
		return nil, err
	}
	if m == nil {
		return c.Get(ctx, organizerID, meetingID)
	}
	if m.ID == "" {
		return nil, noMeetingID(op, status)
	}
	return m, nil
}

// Delete removes the organizer's meeting. A meeting that is already gone is a
// *Error of ClassNotFound: whether that counts as success is the caller's call.
func (c *Client) Delete(ctx context.Context, organizerID, meetingID string) error {
	const op = "delete"
	if err := requireIDs(op, organizerID, meetingID); err != nil {
		return err
	}
	_, err := c.do(ctx, op, http.MethodDelete, meetingPath(organizerID, meetingID), nil, nil)
	return err
}

// do makes one HTTP attempt: throttle gate, rate limiter, token, request,
// classification. It decodes a successful body into out (when out is non-nil and
// the body non-empty) and returns the HTTP status.
func (c *Client) do(ctx context.Context, op, method, path string, in, out any) (int, error) {
	var payload []byte
	if in != nil {
		var err error
		if payload, err = json.Marshal(in); err != nil {
			return 0, &Error{Operation: op, Class: ClassInvalid, Message: "encoding the request", Err: err}
		}
	}
	if err := ctx.Err(); err != nil {
		return 0, callerError(op, err)
	}
	if err := c.checkGate(op); err != nil {
		return 0, err
	}
	if err := c.waitRate(ctx, op); err != nil {
		return 0, err
	}
	// Callers may have queued behind the limiter while another one was throttled.
	if err := c.checkGate(op); err != nil {
		return 0, err
	}

	callCtx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	clientRequestID := uuid.NewString()

	tok, err := c.cred.GetToken(callCtx, policy.TokenRequestOptions{Scopes: []string{c.scope}})
	if err != nil {
		if ctx.Err() != nil {
			return 0, callerError(op, ctx.Err())
		}
		return 0, tokenError(op, clientRequestID, err)
	}

	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(callCtx, method, c.base+path, body)
	if err != nil {
		return 0, &Error{Operation: op, Class: ClassInvalid, ClientRequestID: clientRequestID, Message: "building the request", Err: err}
	}
	req.Header.Set("Authorization", "Bearer "+tok.Token)
	req.Header.Set("client-request-id", clientRequestID)
	req.Header.Set("Prefer", "include-unknown-enum-members")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}

	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		c.observe(op, 0, time.Since(start))
		if ctx.Err() != nil {
			return 0, callerError(op, ctx.Err())
		}
		e := &Error{Operation: op, Class: ClassTransient, ClientRequestID: clientRequestID, Message: "no answer from Graph", Err: err}
		if callCtx.Err() != nil {
			e.Message = fmt.Sprintf("no answer within the %s call timeout", c.timeout)
		}
		return 0, e
	}
	respBody, readErr := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	_ = resp.Body.Close()
	c.observe(op, resp.StatusCode, time.Since(start))
	if readErr != nil {
		if ctx.Err() != nil {
			return 0, callerError(op, ctx.Err())
		}
		// The status arrived, the body did not: for a write the change may be in.
		return 0, &Error{Operation: op, Class: ClassTransient, StatusCode: resp.StatusCode, ClientRequestID: clientRequestID,
			RequestID: resp.Header.Get("request-id"), Message: "reading the response body", Err: readErr}
	}

	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if out != nil && len(bytes.TrimSpace(respBody)) > 0 {
			if err := json.Unmarshal(respBody, out); err != nil {
				return 0, &Error{Operation: op, Class: ClassUnknown, StatusCode: resp.StatusCode, ClientRequestID: clientRequestID,
					RequestID: resp.Header.Get("request-id"), Message: "decoding the response body", Err: err}
			}
		}
		return resp.StatusCode, nil
	}
	var e *Error
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		e = redirectError(op, resp, clientRequestID)
	} else {
		e = c.responseError(op, resp, respBody, clientRequestID)
	}
	if tok.Token != "" {
		// Graph does not echo tokens, but a proxy in between might.
		e.Message = strings.ReplaceAll(e.Message, tok.Token, "[redacted]")
	}
	if e.Class == ClassThrottled {
		c.gate.hold(e.RetryAfter)
	}
	return resp.StatusCode, e
}

// responseError builds the *Error for a non-2xx answer.
func (c *Client) responseError(op string, resp *http.Response, body []byte, clientRequestID string) *Error {
	retryAfter := parseRetryAfter(resp.Header.Get("Retry-After"), c.now())
	e := &Error{
		Operation:       op,
		Class:           classify(resp.StatusCode, retryAfter),
		StatusCode:      resp.StatusCode,
		ClientRequestID: clientRequestID,
		RetryAfter:      retryAfter,
	}
	var oe odataError
	// A body that is not Graph's JSON (an HTML page from a gateway, nothing at
	// all) leaves Code and Message empty; the status still classifies it.
	if json.Unmarshal(body, &oe) == nil {
		e.Code = oe.Error.Code
		e.Message = oe.Error.Message
		e.RequestID = oe.Error.InnerError.RequestID
	}
	if e.RequestID == "" {
		e.RequestID = resp.Header.Get("request-id")
	}
	return e
}

func (c *Client) observe(op string, status int, d time.Duration) {
	if c.observer != nil {
		c.observer.ObserveRequest(op, status, d)
	}
}

// noMeetingID reports a success answer without a meeting in it: nothing the
// caller can use, and nothing a retry would make worse.
func noMeetingID(op string, status int) error {
	return &Error{Operation: op, Class: ClassTransient, StatusCode: status, Message: "Graph's answer carries no meeting id"}
}

var (
	// organizerIDPattern is an Azure AD object id: a GUID. Graph answers 404
	// for anything else, and nothing else may go into the path.
	organizerIDPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	// meetingIDPattern is the alphabet of Graph's meeting ids (base64 of the
	// organizer and thread); no dot, so no id can climb out of its segment.
	meetingIDPattern = regexp.MustCompile(`^[A-Za-z0-9+/=_-]{1,512}$`)
)

// ValidMeetingID reports whether id looks like a Graph meeting id, and so
// may go into a request path.
func ValidMeetingID(id string) bool { return meetingIDPattern.MatchString(id) }

// requireIDs refuses ids that are not what they claim to be before they go
// into a URL path: escaping alone would still let a crafted id address
// another resource of the same user.
func requireIDs(op, organizerID string, meetingID ...string) error {
	if !organizerIDPattern.MatchString(organizerID) {
		return &Error{Operation: op, Class: ClassInvalid, Message: "the organizer id must be an Azure AD object id (a GUID)"}
	}
	for _, id := range meetingID {
		if !ValidMeetingID(id) {
			return &Error{Operation: op, Class: ClassInvalid, Message: "the meeting id is not a Graph meeting id"}
		}
	}
	return nil
}

func userPath(organizerID string) string { return "/users/" + url.PathEscape(organizerID) }

func meetingPath(organizerID, meetingID string) string {
	return userPath(organizerID) + "/onlineMeetings/" + url.PathEscape(meetingID)
}

// utc returns a copy of t in UTC, as Graph documents its date-times.
func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
