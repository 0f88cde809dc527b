package emulator

import (
	"compress/gzip"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Server is a running emulator. All methods are safe for concurrent use.
type Server struct {
	cfg      Config
	now      func() time.Time
	log      *slog.Logger
	ln       net.Listener
	srv      *http.Server
	url      string
	caPEM    []byte
	client   *http.Client
	signKey  *ecdsa.PrivateKey
	keyID    string
	primary  *tenant
	tenants  map[string]*tenant // by lower-cased tenant id
	done     chan struct{}
	doneOnce sync.Once
	closed   sync.Once
	store    *store
	faults   faultState
}

// Start creates the certificate and keys, listens on cfg.Listen and serves
// until Close.
func Start(cfg Config) (*Server, error) {
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	if cfg.TenantID == "" {
		cfg.TenantID = uuid.NewString()
	}
	if cfg.ClientID == "" {
		cfg.ClientID = uuid.NewString()
	}
	if cfg.TokenLifetime <= 0 {
		cfg.TokenLifetime = time.Hour
	}
	switch cfg.DeletedExternalID {
	case "":
		cfg.DeletedExternalID = DeletedExternalIDNew
	case DeletedExternalIDNew, DeletedExternalIDStale:
	default:
		return nil, fmt.Errorf("deleted externalId behavior must be %q or %q, got %q",
			DeletedExternalIDNew, DeletedExternalIDStale, cfg.DeletedExternalID)
	}
	if err := cfg.Faults.Validate(); err != nil {
		return nil, err
	}
	tenants, err := newTenants(primaryTenant(cfg), cfg.Tenants)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, now: cfg.Now, log: cfg.Logger, tenants: tenants, done: make(chan struct{})}
	s.primary = s.tenant(cfg.TenantID)
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.store = newStore(cfg.DeletedExternalID)
	s.faults.init(cfg.Faults)
	s.faults.seed(cfg.FaultSeed)

	cert, caPEM, err := selfSignedCert(cfg.Hostnames)
	if err != nil {
		return nil, err
	}
	s.caPEM = caPEM
	if s.signKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		return nil, fmt.Errorf("generating token signing key: %w", err)
	}
	s.keyID = uuid.NewString()

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", cfg.Listen, err)
	}
	s.ln = ln
	s.url = "https://" + publicHostPort(ln.Addr().(*net.TCPAddr))

	pool := x509.NewCertPool()
	pool.AddCert(cert.Leaf)
	s.client = &http.Client{Transport: &http.Transport{
		TLSClientConfig:     &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
		MaxIdleConnsPerHost: 100,
		IdleConnTimeout:     30 * time.Second,
	}}

	s.srv = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		// HTTP/1.1 only: hijacking, which the connection faults need, is
		// impossible on HTTP/2 streams.
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){},
		TLSConfig:    &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12, NextProtos: []string{"http/1.1"}},
		ErrorLog:     log.New(slogWriter{s.log}, "", 0),
	}
	go func() {
		if err := s.srv.ServeTLS(ln, "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("Emulator stopped serving", "err", err)
		}
	}()
	return s, nil
}

// publicHostPort turns the bound address into one clients can dial: an
// unspecified address (":8443", "0.0.0.0:8443") becomes loopback.
func publicHostPort(a *net.TCPAddr) string {
	ip := a.IP
	if ip == nil || ip.IsUnspecified() {
		ip = net.IPv4(127, 0, 0, 1)
	}
	return net.JoinHostPort(ip.String(), fmt.Sprint(a.Port))
}

// URL is "https://127.0.0.1:PORT": both the authority host and the Graph
// root (without version).
func (s *Server) URL() string { return s.url }

// CACertPEM is the PEM of the self-signed certificate clients must trust.
func (s *Server) CACertPEM() []byte { return append([]byte(nil), s.caPEM...) }

// HTTPClient returns a client that trusts CACertPEM. It is shared; do not
// change it.
func (s *Server) HTTPClient() *http.Client { return s.client }

// TenantID is the primary tenant (generated when Config left it empty).
func (s *Server) TenantID() string { return s.cfg.TenantID }

// ClientID is the application id allowed to obtain tokens in the primary
// tenant (generated when Config left it empty).
func (s *Server) ClientID() string { return s.cfg.ClientID }

// Close stops the listener, ends held requests and closes connections.
func (s *Server) Close() error {
	var err error
	s.closed.Do(func() {
		s.releaseHeld()
		err = s.srv.Close()
		if t, ok := s.client.Transport.(*http.Transport); ok {
			t.CloseIdleConnections()
		}
	})
	return err
}

// Shutdown stops accepting requests, ends requests held by faults, waits
// for the others until ctx ends, then closes everything.
func (s *Server) Shutdown(ctx context.Context) error {
	s.releaseHeld()
	err := s.srv.Shutdown(ctx)
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	return err
}

// releaseHeld ends the requests that faults hold (timeouts, latency).
func (s *Server) releaseHeld() { s.doneOnce.Do(func() { close(s.done) }) }

// reqInfo carries the ids every answer repeats.
type reqInfo struct {
	requestID, clientRequestID string
	start                      time.Time
}

// ServeHTTP routes to the inspection API, Graph, or Azure AD. It sets the
// request-id and client-request-id headers on every answer and decodes
// gzip request bodies.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ri := reqInfo{requestID: uuid.NewString(), clientRequestID: r.Header.Get("client-request-id"), start: time.Now()}
	if ri.clientRequestID == "" {
		ri.clientRequestID = ri.requestID
	}
	w.Header().Set("request-id", ri.requestID)
	w.Header().Set("client-request-id", ri.clientRequestID)
	s.log.Debug("Request", "method", r.Method, "path", r.URL.Path, "requestID", ri.requestID)

	p := r.URL.Path
	graphRoute := hasPrefixFold(p, "/v1.0/") || hasPrefixFold(p, "/beta/")
	writeError := s.writeGraphError
	if graphRoute {
		writeError = s.writeGraphRouteError
	}
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip":
		gz, err := gzip.NewReader(r.Body)
		if err != nil {
			writeError(w, ri, http.StatusBadRequest, "BadRequest", "The request body is not valid gzip: "+err.Error())
			return
		}
		defer gz.Close()
		r.Body = struct {
			io.Reader
			io.Closer
		}{gz, r.Body}
		r.Header.Del("Content-Encoding")
	default:
		writeError(w, ri, http.StatusUnsupportedMediaType, "UnsupportedMediaType",
			fmt.Sprintf("Content-Encoding %q is not supported; send identity or gzip.", enc))
		return
	}

	switch {
	case p == "/_emulator" || strings.HasPrefix(p, "/_emulator/"):
		s.serveInspect(w, r, ri)
	case graphRoute:
		s.serveGraph(w, r, ri)
	default:
		s.serveAAD(w, r, ri)
	}
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// writeJSON writes v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if v != nil && status != http.StatusNoContent {
		_ = json.NewEncoder(w).Encode(v)
	}
}

// graphError is Graph's error body.
type graphError struct {
	Error graphErrorBody `json:"error"`
}

type graphErrorBody struct {
	Code       string          `json:"code"`
	Message    string          `json:"message"`
	InnerError graphInnerError `json:"innerError"`
}

type graphInnerError struct {
	Date            string `json:"date"`
	RequestID       string `json:"request-id"`
	ClientRequestID string `json:"client-request-id"`
}

// writeGraphError answers in Graph's error shape; innerError.date has no
// time zone, as Graph sends it.
func (s *Server) writeGraphError(w http.ResponseWriter, ri reqInfo, status int, code, msg string) {
	writeJSON(w, status, graphError{Error: graphErrorBody{Code: code, Message: msg, InnerError: graphInnerError{
		Date: s.now().UTC().Format("2006-01-02T15:04:05"), RequestID: ri.requestID, ClientRequestID: ri.clientRequestID,
	}}})
}

// slogWriter sends net/http's internal log lines (TLS handshake errors and
// the like) to the debug log instead of stderr.
type slogWriter struct{ log *slog.Logger }

func (w slogWriter) Write(p []byte) (int, error) {
	w.log.Debug("HTTP server", "msg", strings.TrimSpace(string(p)))
	return len(p), nil
}
