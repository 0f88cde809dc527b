// Package controllers holds the reconciler that makes each OnlineMeeting
// exist in Microsoft Teams exactly once and keeps its status true. The
// reconciler owns the order of operations and the care about crashes and
// retries; the Graph protocol lives behind the small MeetingsClient
// interface, implemented by internal/graph.
package controllers
