package graph

import (
	"crypto/tls"
	"net"
	"net/http"
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
// backstops for the phases a stuck peer can hang in.
func defaultHTTPClient() *http.Client {
	sharedHTTPClientOnce.Do(func() {
		dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
		sharedHTTPClient = &http.Client{Transport: &http.Transport{
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
