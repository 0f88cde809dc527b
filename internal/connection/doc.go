// Package connection turns an OnlineMeeting's connectionRef into the Graph
// client it may use, and decides whether it may use it at all.
//
// It reads GraphConnections and ClusterGraphConnections, applies their
// policy (which namespaces, which organizers), builds the credential they
// name (a client secret or certificate read from a Secret, a service
// account token, or the operator's own environment) and keeps one Graph
// client per connection, with its own token cache, rate limiter and
// Retry-After hold, so that tenants never share a budget. A client is
// dropped and rebuilt when its connection or its Secret changes, so a
// rotated secret works without a restart. internal/graph stays protocol
// only; the reconcilers reach this package through small interfaces.
package connection
