package emulator

import (
	"crypto/x509"
	"fmt"
	"strings"
)

// Tenant is one Azure AD tenant the emulator serves, with the one
// application that may obtain tokens in it. The primary tenant is described
// by Config's top-level fields; Config.Tenants adds more, so that a test can
// run an operator against several tenants (each with its own credentials,
// meetings, access policies and throttling) on one listener.
type Tenant struct {
	// TenantID is the directory id, the {tenant} of the token endpoint's
	// path and the tid of the tokens issued there. Required and unique
	// (case-insensitively) across all tenants.
	TenantID string
	// ClientID is the application that may obtain tokens in this tenant.
	// Required. Two tenants may share it, as a multi-tenant app registration
	// does; each tenant still checks only its own credentials.
	ClientID string
	// ClientSecret is accepted as client_secret; empty disables secrets.
	ClientSecret string
	// ClientCertificates are public certificates whose keys may sign client
	// assertions for this tenant.
	ClientCertificates []*x509.Certificate
	// FederatedIssuer and FederatedSubject accept workload-identity
	// assertions as Config's fields of the same names do (no signature
	// check).
	FederatedIssuer, FederatedSubject string
	// DenyUsers are organizers answered 403 in this tenant only, as when no
	// application access policy was granted for them here.
	DenyUsers []string
	// RateLimit, when > 0, replaces Faults.RateLimit for this tenant, so one
	// tenant can be throttled while the others are not (or the reverse).
	RateLimit float64
	// RateBurst, when > 0, replaces Faults.RateBurst for this tenant.
	RateBurst int
}

// tenant is a Tenant as the server consults it.
type tenant struct {
	Tenant
	// deny holds DenyUsers lower-cased: organizer ids are GUIDs, which
	// Graph compares case-insensitively.
	deny map[string]bool
}

// primaryTenant is the tenant Config's top-level fields describe.
func primaryTenant(cfg Config) Tenant {
	return Tenant{
		TenantID: cfg.TenantID, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
		ClientCertificates: cfg.ClientCertificates,
		FederatedIssuer:    cfg.FederatedIssuer, FederatedSubject: cfg.FederatedSubject,
		DenyUsers: cfg.DenyUsers,
	}
}

// newTenants checks the primary tenant and the extra ones together and
// indexes them by lower-cased tenant id. Ids must be unique because the
// token's tid is all a Graph request has to pick its tenant by.
func newTenants(primary Tenant, extra []Tenant) (map[string]*tenant, error) {
	byID := make(map[string]*tenant, 1+len(extra))
	for i, t := range append([]Tenant{primary}, extra...) {
		where := "the primary tenant"
		if i > 0 {
			where = fmt.Sprintf("Tenants[%d]", i-1)
		}
		switch {
		case t.TenantID == "":
			return nil, fmt.Errorf("%s: TenantID is required", where)
		case t.ClientID == "":
			return nil, fmt.Errorf("%s (%s): ClientID is required", where, t.TenantID)
		case t.RateLimit < 0 || t.RateBurst < 0:
			return nil, fmt.Errorf("%s (%s): RateLimit and RateBurst must not be negative", where, t.TenantID)
		}
		key := strings.ToLower(t.TenantID)
		if byID[key] != nil {
			return nil, fmt.Errorf("%s: tenant id %s is configured twice; tenant ids must be unique", where, t.TenantID)
		}
		tn := &tenant{Tenant: t, deny: make(map[string]bool, len(t.DenyUsers))}
		for _, u := range t.DenyUsers {
			tn.deny[strings.ToLower(u)] = true
		}
		byID[key] = tn
	}
	return byID, nil
}

// tenant returns the configured tenant with that id, or nil.
func (s *Server) tenant(id string) *tenant { return s.tenants[strings.ToLower(id)] }

// rateLimit is the token bucket this tenant's Graph requests go through:
// its own values where set, the faults' otherwise.
func (t *tenant) rateLimit(f Faults) (limit float64, burst int) {
	limit, burst = f.RateLimit, f.RateBurst
	if t.RateLimit > 0 {
		limit = t.RateLimit
	}
	if t.RateBurst > 0 {
		burst = t.RateBurst
	}
	return limit, burst
}
