package emulator

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// Graph operation names, as counted in Stats.Requests.
const (
	opToken       = "token"
	opCreateOrGet = "createOrGet"
	opGet         = "get"
	opUpdate      = "update"
	opDelete      = "delete"
	opList        = "list"
	opUnknown     = "unknown"
)

// graphResponse is what a Graph handler decided; serveGraph writes it, or
// drops the connection after a committed write when a fault says so.
type graphResponse struct {
	status int
	body   any
	code   string // set for errors: Graph's error.code
	msg    string
}

func graphOK(status int, body any) graphResponse { return graphResponse{status: status, body: body} }

func graphErr(status int, code, format string, args ...any) graphResponse {
	return graphResponse{status: status, code: code, msg: fmt.Sprintf(format, args...)}
}

// graphRequest is a routed, authenticated Graph request.
type graphRequest struct {
	r           *http.Request
	ri          reqInfo
	version     string // "v1.0" or "beta"
	organizerID string
	meetingID   string
	tenant      *tenant // the token's tid: whose meetings and policies apply
}

// route maps a Graph path below the version to an operation.
func route(method string, segs []string) (op string, organizer, meeting string, allowed bool) {
	if len(segs) < 3 || !strings.EqualFold(segs[0], "users") || !strings.EqualFold(segs[2], "onlineMeetings") {
		return opUnknown, "", "", false
	}
	organizer = segs[1]
	switch {
	case len(segs) == 3:
		return opList, organizer, "", method == http.MethodGet
	case len(segs) == 4 && strings.EqualFold(segs[3], "createOrGet"):
		return opCreateOrGet, organizer, "", method == http.MethodPost
	case len(segs) == 4:
		switch method {
		case http.MethodGet:
			return opGet, organizer, segs[3], true
		case http.MethodPatch:
			return opUpdate, organizer, segs[3], true
		case http.MethodDelete:
			return opDelete, organizer, segs[3], true
		}
		return opGet, organizer, segs[3], false
	}
	return opUnknown, "", "", false
}

// serveGraph authenticates, applies faults, and runs the operation.
func (s *Server) serveGraph(w http.ResponseWriter, r *http.Request, ri reqInfo) {
	path := strings.Trim(r.URL.Path, "/")
	version, rest, _ := strings.Cut(path, "/")
	version = strings.ToLower(version)
	segs := strings.Split(rest, "/")
	op, organizer, meetingID, allowed := route(r.Method, segs)

	tn, authMsg := s.authenticate(r)
	if tn == nil {
		// Without a valid token there is no tenant to point at; the primary
		// one is as good a guess as Graph's own.
		w.Header().Set("WWW-Authenticate", `Bearer realm="", authorization_uri="`+s.url+"/"+s.primary.TenantID+
			`/oauth2/v2.0/authorize", client_id="`+graphAppID+`"`)
		s.faults.count("", op, http.StatusUnauthorized)
		s.writeGraphRouteError(w, ri, http.StatusUnauthorized, "InvalidAuthenticationToken", authMsg)
		return
	}
	if op == opUnknown || !allowed {
		resp := graphErr(http.StatusBadRequest, "BadRequest", "Resource not found for the segment '%s'.", lastSegment(segs))
		switch {
		case len(segs) > 0 && strings.EqualFold(segs[0], "me"):
			resp.msg = "/me request is only valid with delegated authentication flow."
		case op != opUnknown:
			resp = graphErr(http.StatusMethodNotAllowed, "MethodNotAllowed", "The HTTP method '%s' is not allowed on %s.", r.Method, r.URL.Path)
		}
		s.finishGraph(w, ri, tn, op, resp)
		return
	}
	// Buffer the body first: only once it is read does net/http watch the
	// connection and cancel r.Context() when the client goes away, which
	// held requests (latency, timeouts) rely on.
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		s.finishGraph(w, ri, tn, op, graphErr(http.StatusBadRequest, "BadRequest", "The request body could not be read: %v", err))
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if s.injectFaults(w, r, ri, tn, op) {
		return
	}
	gr := &graphRequest{r: r, ri: ri, version: version, organizerID: organizer, meetingID: meetingID, tenant: tn}
	var resp graphResponse
	switch op {
	case opCreateOrGet:
		resp = s.createOrGet(gr)
	case opGet:
		resp = s.getMeeting(gr)
	case opUpdate:
		resp = s.updateMeeting(gr)
	case opDelete:
		resp = s.deleteMeeting(gr)
	case opList:
		resp = s.listMeetings(gr)
	}
	isWrite := op == opCreateOrGet || op == opUpdate || op == opDelete
	if isWrite && resp.status < 300 && s.faults.loseResponse() {
		s.faults.count(tn.TenantID, op, 0)
		s.log.Debug("Dropping the response of a committed write", "op", op, "requestID", ri.requestID)
		dropConnection(w, false)
		return
	}
	s.finishGraph(w, ri, tn, op, resp)
}

func lastSegment(segs []string) string {
	if len(segs) == 0 {
		return ""
	}
	return segs[len(segs)-1]
}

// finishGraph counts and writes a Graph answer to a request of tenant tn.
func (s *Server) finishGraph(w http.ResponseWriter, ri reqInfo, tn *tenant, op string, resp graphResponse) {
	s.faults.count(tn.TenantID, op, resp.status)
	if resp.code != "" {
		s.writeGraphRouteError(w, ri, resp.status, resp.code, resp.msg)
		return
	}
	if resp.body != nil {
		w.Header().Set("OData-Version", "4.0")
	}
	writeJSON(w, resp.status, resp.body)
}

// writeGraphRouteError writes an error answer of a Graph route: Graph's
// error shape, with the message the HugeErrorMessages fault pads.
func (s *Server) writeGraphRouteError(w http.ResponseWriter, ri reqInfo, status int, code, msg string) {
	if s.faults.hugeErrorMessages() {
		msg = hugeMessage(msg)
	}
	s.writeGraphError(w, ri, status, code, msg)
}

// injectFaults applies the configured faults in the order a real service
// would hit them; it returns true when it answered (or dropped) the request.
func (s *Server) injectFaults(w http.ResponseWriter, r *http.Request, ri reqInfo, tn *tenant, op string) bool {
	if d := s.faults.latency(); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			s.faults.count(tn.TenantID, op, 0)
			return true
		case <-s.done:
			t.Stop()
			return true
		}
	}
	if retry := s.faults.arrive(tn, s.now()); retry > 0 {
		w.Header().Set("Retry-After", fmt.Sprint(int(retry/time.Second)))
		s.finishGraph(w, ri, tn, op, graphErr(http.StatusTooManyRequests, "TooManyRequests",
			"Too many requests for tenant %s. Retry after %d seconds.", tn.TenantID, int(retry/time.Second)))
		return true
	}
	if s.faults.failure() {
		s.finishGraph(w, ri, tn, op, graphErr(http.StatusServiceUnavailable, "ServiceUnavailable",
			"The service is temporarily unavailable (injected fault)."))
		return true
	}
	if s.faults.timeout() {
		select {
		case <-r.Context().Done():
		case <-s.done:
		}
		s.faults.count(tn.TenantID, op, 0)
		dropConnection(w, false)
		return true
	}
	if s.faults.reset() {
		s.faults.count(tn.TenantID, op, 0)
		dropConnection(w, true)
		return true
	}
	return false
}

// dropConnection closes the client connection without an answer. With
// reset it sets SO_LINGER 0 so the peer sees a TCP RST rather than a FIN.
func dropConnection(w http.ResponseWriter, reset bool) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	raw := conn
	if tc, ok := conn.(*tls.Conn); ok {
		raw = tc.NetConn()
	}
	if tcp, ok := raw.(*net.TCPConn); ok && reset {
		_ = tcp.SetLinger(0)
	}
	_ = raw.Close()
}
