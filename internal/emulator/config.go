package emulator

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"
)

// DeletedExternalIDBehavior chooses what createOrGet does with an externalId
// whose meeting was deleted. Graph does not document it, so callers must be
// tested against both answers.
type DeletedExternalIDBehavior string

const (
	// DeletedExternalIDNew makes createOrGet create a fresh meeting (201).
	DeletedExternalIDNew DeletedExternalIDBehavior = "new"
	// DeletedExternalIDStale makes createOrGet answer 200 with the deleted
	// meeting, whose id then reads 404.
	DeletedExternalIDStale DeletedExternalIDBehavior = "stale"
)

// Config configures a Server. The zero value is usable: it listens on a
// random loopback port with generated tenant and client ids and no way to
// obtain a token, so real uses set at least ClientSecret or
// ClientCertificates. The top-level tenant fields describe the primary
// tenant; Tenants adds more.
type Config struct {
	// Listen is the TCP address, "127.0.0.1:0" in tests.
	Listen string
	// Hostnames are extra DNS names or IPs put in the serving certificate,
	// for example a Kubernetes Service name when the emulator runs in a
	// cluster. 127.0.0.1, ::1 and localhost are always included.
	Hostnames []string
	// TenantID is the primary tenant.
	TenantID string
	// ClientID is the application that may obtain tokens in the primary
	// tenant.
	ClientID string
	// ClientSecret is accepted as client_secret in the primary tenant; empty
	// disables secrets.
	ClientSecret string
	// ClientCertificates are public certificates whose keys may sign client
	// assertions (client-certificate authentication) in the primary tenant.
	ClientCertificates []*x509.Certificate
	// FederatedIssuer and FederatedSubject accept workload-identity
	// assertions in the primary tenant: a JWT whose sub equals
	// FederatedSubject (and whose iss equals FederatedIssuer when that is
	// set) is accepted WITHOUT a signature check, because the emulator
	// cannot reach the issuer's keys.
	FederatedIssuer, FederatedSubject string
	// DenyUsers are organizers answered 403 in the primary tenant, as when
	// no application access policy was granted for them.
	DenyUsers []string
	// Tenants are served besides the primary tenant, each with its own
	// application, credentials, meetings and access policies. Their ids must
	// differ from each other and from TenantID.
	Tenants []Tenant
	// TokenLifetime is the lifetime of issued access tokens, default 1h.
	TokenLifetime time.Duration
	// DeletedExternalID is "new" (default) or "stale".
	DeletedExternalID DeletedExternalIDBehavior
	// Faults are the initial faults; SetFaults and PUT /_emulator/faults
	// change them at run time.
	Faults Faults
	// FaultSeed, when not 0, seeds the dice of the random faults
	// (failureRate, timeoutRate, resetRate, loseResponseRate), so that a
	// run throws the same sequence of dice again. Which request meets
	// which throw still depends on the order requests arrive in. 0 seeds
	// from the runtime's random source.
	FaultSeed uint64
	// Now is the clock for token times, meeting defaults, rate limiting and
	// Retry-After windows; nil means time.Now. TLS always uses real time.
	Now func() time.Time
	// Logger receives one debug line per request (never a token or
	// secret); nil discards.
	Logger *slog.Logger
}

// Faults are the failures the emulator injects into Graph requests (never
// into token or inspection requests). Rates are fractions in [0, 1].
type Faults struct {
	// Latency delays every Graph request.
	Latency time.Duration `json:"latency"`
	// RateLimit is the Graph requests per second allowed per tenant by a
	// token bucket; 0 turns rate limiting off. Tenant.RateLimit overrides it
	// for one tenant.
	RateLimit float64 `json:"rateLimit"`
	// RateBurst is the bucket size; 0 means max(1, ceil(RateLimit)).
	// Tenant.RateBurst overrides it for one tenant.
	RateBurst int `json:"rateBurst"`
	// FailureRate is the fraction of Graph requests answered 503 without
	// Retry-After.
	FailureRate float64 `json:"failureRate"`
	// TimeoutRate is the fraction of Graph requests held until the client
	// gives up.
	TimeoutRate float64 `json:"timeoutRate"`
	// ResetRate is the fraction of Graph requests whose connection is reset
	// before any answer.
	ResetRate float64 `json:"resetRate"`
	// LoseResponseRate is the fraction of writes (createOrGet, update,
	// delete) that are committed and then lose their response.
	LoseResponseRate float64 `json:"loseResponseRate"`
	// LoseNextResponses makes the next N writes commit and then drop the
	// connection, deterministically.
	LoseNextResponses int `json:"loseNextResponses"`
	// FailNext makes the next N Graph requests answer 503, deterministically.
	FailNext int `json:"failNext"`
	// OversizeValues makes every meeting Graph returns (created, read,
	// updated or listed, so existing meetings too) carry values far longer
	// than the operator's API allows, as a misbehaving or future Graph
	// might: chatInfo ids of OversizeIDLength characters and more, a
	// joinWebUrl of OversizeURLLength, audioConferencing.tollNumber and
	// dialinUrl of OversizeAudioLength. The chat ids and the toll number
	// are mostly multi-byte runes, so that cutting them at a byte count
	// breaks UTF-8; the URLs stay valid ASCII URLs. The subject is echoed
	// unchanged.
	OversizeValues bool `json:"oversizeValues"`
	// HugeErrorMessages makes every Graph error answer (not the token
	// endpoint's, nor the inspection API's) carry an error.message of at
	// least HugeErrorMessageLength characters, multi-byte runes among them,
	// after the usual message; code and innerError stay as they are.
	HugeErrorMessages bool `json:"hugeErrorMessages"`
}

// MarshalJSON writes Latency as a Go duration string ("50ms").
func (f Faults) MarshalJSON() ([]byte, error) {
	// plain has Faults' fields but not its methods; the outer Latency,
	// shallower, takes the "latency" key.
	type plain Faults
	return json.Marshal(struct {
		plain
		Latency string `json:"latency"`
	}{plain(f), f.Latency.String()})
}

// UnmarshalJSON reads Latency as a Go duration string ("50ms"); a bare
// number is taken as nanoseconds, like encoding/json would.
func (f *Faults) UnmarshalJSON(data []byte) error {
	type plain Faults
	*f = Faults{}
	raw := struct {
		*plain
		Latency json.RawMessage `json:"latency"`
	}{plain: (*plain)(f)}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields() // a misspelt fault must not pass silently
	if err := dec.Decode(&raw); err != nil {
		return err
	}
	if len(raw.Latency) == 0 || string(raw.Latency) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(raw.Latency, &s); err == nil {
		if s == "" {
			return nil
		}
		d, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("latency: %w", err)
		}
		f.Latency = d
		return nil
	}
	var ns int64
	if err := json.Unmarshal(raw.Latency, &ns); err != nil {
		return fmt.Errorf("latency must be a duration string such as \"50ms\": %w", err)
	}
	f.Latency = time.Duration(ns)
	return nil
}

// Validate reports faults that cannot be applied.
func (f Faults) Validate() error {
	for name, v := range map[string]float64{"failureRate": f.FailureRate, "timeoutRate": f.TimeoutRate,
		"resetRate": f.ResetRate, "loseResponseRate": f.LoseResponseRate} {
		if v < 0 || v > 1 {
			return fmt.Errorf("%s must be between 0 and 1, got %v", name, v)
		}
	}
	switch {
	case f.Latency < 0:
		return fmt.Errorf("latency must not be negative, got %s", f.Latency)
	case f.RateLimit < 0:
		return fmt.Errorf("rateLimit must not be negative, got %v", f.RateLimit)
	case f.RateBurst < 0, f.LoseNextResponses < 0, f.FailNext < 0:
		return fmt.Errorf("rateBurst, loseNextResponses and failNext must not be negative")
	}
	return nil
}
