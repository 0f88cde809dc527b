// Package v1alpha1 holds the teams.meetings.dev/v1alpha1 API: the
// OnlineMeeting kind, whose spec mirrors Microsoft Graph's createOrGet request
// body so that a body from Graph's documentation pastes in as YAML, and whose
// status reports the meeting Graph made (join URL, ids, audio conferencing).
//
// +kubebuilder:object:generate=true
// +groupName=teams.meetings.dev
package v1alpha1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

var (
	// GroupVersion is the API group and version of this package's kinds.
	GroupVersion = schema.GroupVersion{Group: "teams.meetings.dev", Version: "v1alpha1"}

	// SchemeBuilder registers this package's kinds with a runtime.Scheme.
	SchemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}

	// AddToScheme adds this package's kinds to a runtime.Scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)
