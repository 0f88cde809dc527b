// Package emulator is an in-process emulator of Microsoft Graph's online
// meetings API and of the Azure AD (Entra ID) v2 token endpoint it needs.
//
// Tests start it with Start and point both the Graph client and azidentity at
// Server.URL: one HTTPS listener serves the OpenID configuration, the
// client-credentials token endpoint, the Graph routes under /v1.0 and /beta,
// and an unauthenticated inspection API under /_emulator/ that exists for
// tests only. The emulator follows the facts collected in
// shared/graph-api.md (createOrGet 201 then 200, externalId scoped to the
// organizer, 400/401/403/404 in Graph's error shape, meeting options kept
// as v1.0's PATCH sets them and defaulted as a Teams meeting policy does,
// see options.go) and can inject the failures a real tenant produces:
// latency, 429 with Retry-After from a per-tenant token bucket, 503s,
// hangs, connection resets, and writes whose response is lost after they
// were committed.
//
// It serves one primary tenant and, through Config.Tenants, more on the same
// listener: each has its own token endpoint, app and credentials, and a
// Graph request belongs to the tenant its token's tid names, which keeps
// meetings, access policies and throttling apart per tenant.
//
// The server speaks HTTP/1.1 only: connection-level faults need to hijack
// the connection, which HTTP/2 does not allow, and every Graph client works
// over HTTP/1.1.
package emulator
