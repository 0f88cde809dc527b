// Package meeting maps an OnlineMeeting's spec to Microsoft Graph's
// requests and Graph's meeting back to its status, and tells whether the
// two differ: the createOrGet body (Desired), the options PATCH
// (DesiredOptions), the semantic diff that decides whether a meeting has
// drifted and what PATCH repairs it (Diff), and the status it reports
// (StatusFrom).
//
// It is pure: no clock, no Kubernetes client, no Graph calls. It is its
// own package, rather than part of controllers, so that its fuzz target
// (FuzzMeetingDiff) links neither client-go nor controller-runtime beyond
// the scheme package api/v1alpha1 needs: `go test -fuzz` instruments every
// package a test binary links, and theirs make a cold instrumented build
// take half an hour. Keep it that way.
package meeting
