package graph

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

var (
	sharedHTTPClientOnce sync.Once
	sharedHTTPClient     *http.Client
)

// defaultHTTPClient is shared by every Client that brings none of its own, so
// that all tenants reuse one pool of connections to Graph instead of each opening
// its own. The per-call Config.Timeout bounds a whole call; the timeouts here are
// backstops for the phases a stuck peer can hang in. It follows no redirects
// (see refuseRedirect).
func defaultHTTPClient() *http.Client {
	sharedHTTPClientOnce.Do(func() {
		dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
		sharedHTTPClient = &http.Client{CheckRedirect: refuseRedirect, Transport: &http.Transport{
			Proxy:             http.ProxyFromEnvironment,
			DialContext:       dialer.DialContext,
			ForceAttemptHTTP2: true,
			TLSClientConfig:   &tls.Config{MinVersion: tls.VersionTLS12},
			// Every request goes to the same one or two hosts (Graph and, through
			// azidentity's own transport, Azure AD); the default of 2 idle
			// connections per host would make concurrent reconciles redial.
			MaxIdleConns:          100,
			MaxIdleConnsPerHost:   32,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: 60 * time.Second,
			ExpectContinueTimeout: time.Second,
		}}
	})
	return sharedHTTPClient
}

// refuseRedirect is the CheckRedirect of every http.Client the Client sends
// with: the 3xx answer itself comes back to the Client, which reports it as an
// error. Graph's online-meeting API never redirects, so a 3xx comes from
// something else (a proxy, a captive portal, a wrong or hijacked endpoint),
// and net/http's default policy would do harm there: it forwards the
// Authorization header to the same host on another port or to a subdomain,
// and it replays POST and PATCH bodies on 307 and 308.
func refuseRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// withoutRedirects returns a shallow copy of hc that follows no redirects,
// leaving the caller's client as it was (it may be shared, with azidentity for
// one). The copy shares hc's Transport, hence its connection pool. A Transport
// that follows redirects by itself is beyond its reach.
func withoutRedirects(hc *http.Client) *http.Client {
	c := *hc
	c.CheckRedirect = refuseRedirect
	return &c
}

// maxLocationRunes bounds how much of a redirect's Location goes into an
// error: the header is whatever the redirecting party chose, and the error
// ends up in logs, Events and status conditions.
const maxLocationRunes = 256

// redirectError reports a 3xx answer, which the Client never follows (see
// refuseRedirect). Its class is ClassUnknown, not ClassInvalid: Invalid says
// Graph refused the request as sent and would have the caller blame (and stop
// retrying) the meeting's spec, while a redirect says nothing about the
// request, only that something between the Client and Graph, or the endpoint
// itself, is not Graph. Unknown keeps the caller retrying with backoff, and the
// message names where the answer pointed so that a human can fix the endpoint
// or the proxy. (A redirect whose Location net/http cannot parse never gets
// here: net/http ends the call with an error before asking CheckRedirect, so it
// is not followed either and comes back as a transport error.)
func redirectError(op string, resp *http.Response, clientRequestID string) *Error {
	where := "without a Location"
	if loc := resp.Header.Get("Location"); loc != "" {
		if u, err := resp.Location(); err == nil {
			loc = u.Redacted() // resolved against the request, without a password
		}
		where = "to " + boundedText(loc, maxLocationRunes)
	}
	return &Error{
		Operation:       op,
		Class:           ClassUnknown,
		StatusCode:      resp.StatusCode,
		ClientRequestID: clientRequestID,
		RequestID:       resp.Header.Get("request-id"),
		Message: fmt.Sprintf("Graph answered %d %s %s; the client follows no redirects, so check the Graph endpoint and any proxy in between",
			resp.StatusCode, http.StatusText(resp.StatusCode), where),
	}
}

// checkEndpoint refuses a Graph root that is not an absolute https URL. Plain
// http would send every access token in clear text; it is allowed only to a
// loopback host (127.0.0.0/8, ::1, localhost), which tests use and which no
// one can listen in on from another machine.
func checkEndpoint(endpoint string) error {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("graph: Config.Endpoint %q is not an absolute https URL", endpoint)
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return fmt.Errorf("graph: Config.Endpoint %q uses plain http, which would send access tokens in clear text; "+
			"use https (http is accepted only for a loopback host: 127.0.0.0/8, ::1 or localhost)", endpoint)
	}
	return nil
}

// isLoopback reports whether host is "localhost" or a loopback IP address. A
// name is not resolved: "localhost.example.com" or a name that happens to
// resolve to 127.0.0.1 could point elsewhere tomorrow.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
