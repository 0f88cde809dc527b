// Package graph is the operator's client for the Microsoft Graph online-meetings API.
//
// It speaks only the protocol: the calls the operator needs (createOrGet, get,
// update and delete of /users/{organizer}/onlineMeetings, and the lookup of a
// meeting made elsewhere by its join URL), an Azure AD token from
// azidentity for each request, and errors classified by HTTP status into an
// ErrorClass the controller can act on (not found, throttled with its Retry-After,
// forbidden, unauthorized, invalid, transient). Retry policy, idempotency and the
// order of operations belong to the controller, so the client never retries by
// itself; what it does own is being a good citizen towards Graph: a client-side
// rate limit, and a throttle gate that sends nothing while a Retry-After Graph gave
// is still running. A Client is bound to one credential, that is one tenant.
//
// The same client works unchanged against the real Graph, a national cloud (see
// CloudByName) and the project's emulator (internal/emulator).
package graph
