package connection

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
)

const (
	alice = "5f1d3a44-8c1e-4e8b-9a2f-6c1f0d9e2b71"
	ceo   = "0b7c6a42-5a1e-4c5f-9f3e-8d1c2b3a4f5e"
)

func TestRefOfUsesTheDefaultAndKeepsGraphConnectionsInTheirNamespace(t *testing.T) {
	m := &teamsv1alpha1.OnlineMeeting{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a"}}
	if got := RefOf(m, "default"); got.String() != "ClusterGraphConnection/default" {
		t.Errorf("no connectionRef: %s", got)
	}
	m.Spec.ConnectionRef = &teamsv1alpha1.ConnectionReference{Kind: teamsv1alpha1.KindGraphConnection, Name: "graph"}
	if got := RefOf(m, "default"); got.String() != "GraphConnection/team-a/graph" {
		t.Errorf("GraphConnection: %s", got)
	}
	m.Spec.ConnectionRef = &teamsv1alpha1.ConnectionReference{Kind: teamsv1alpha1.KindClusterGraphConnection, Name: "shared"}
	if got := RefOf(m, "default"); got.String() != "ClusterGraphConnection/shared" {
		t.Errorf("ClusterGraphConnection: %s", got)
	}
}

func TestAdmitNamespace(t *testing.T) {
	platform := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "platform", Labels: map[string]string{"teams.meetings.dev/platform": "true"}}}
	other := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "other"}}
	onlyPlatform := &metav1.LabelSelector{MatchLabels: map[string]string{"teams.meetings.dev/platform": "true"}}
	tests := []struct {
		name     string
		selector *metav1.LabelSelector
		ns       *corev1.Namespace
		allowed  bool
	}{
		{"a GraphConnection serves its own namespace", nil, other, true},
		{"{} admits every namespace", &metav1.LabelSelector{}, other, true},
		{"a matching label is admitted", onlyPlatform, platform, true},
		{"a namespace without the label is not", onlyPlatform, other, false},
		{"a namespace that cannot be read is not", onlyPlatform, nil, false},
		{"an invalid selector admits nobody", &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "x", Operator: "Bogus"}}}, platform, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Connection{Ref: Ref{Kind: teamsv1alpha1.KindClusterGraphConnection, Name: "shared"}, Selector: tt.selector}
			refusal := admitNamespace(c, tt.ns)
			if (refusal == nil) != tt.allowed {
				t.Fatalf("refusal %v, want allowed=%v", refusal, tt.allowed)
			}
			if refusal != nil && refusal.Reason != teamsv1alpha1.ReasonConnectionNotAllowed {
				t.Errorf("reason %s", refusal.Reason)
			}
		})
	}
}

func TestAdmitOrganizer(t *testing.T) {
	tests := []struct {
		name      string
		policy    teamsv1alpha1.OrganizerPolicy
		organizer string
		allowed   bool
	}{
		{"listed", teamsv1alpha1.OrganizerPolicy{Allowed: []string{alice}}, alice, true},
		{"listed in another case", teamsv1alpha1.OrganizerPolicy{Allowed: []string{alice}}, "5F1D3A44-8C1E-4E8B-9A2F-6C1F0D9E2B71", true},
		{"not listed", teamsv1alpha1.OrganizerPolicy{Allowed: []string{alice}}, ceo, false},
		{"any", teamsv1alpha1.OrganizerPolicy{Any: true}, ceo, true},
		{"an empty policy allows nobody", teamsv1alpha1.OrganizerPolicy{}, alice, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Connection{Ref: Ref{Kind: teamsv1alpha1.KindGraphConnection, Namespace: "a", Name: "graph"},
				Spec: &teamsv1alpha1.GraphConnectionSpec{Organizers: tt.policy}}
			refusal := admitOrganizer(c, tt.organizer)
			if (refusal == nil) != tt.allowed {
				t.Fatalf("refusal %v, want allowed=%v", refusal, tt.allowed)
			}
			if refusal != nil && refusal.Reason != teamsv1alpha1.ReasonOrganizerNotAllowed {
				t.Errorf("reason %s", refusal.Reason)
			}
		})
	}
}

func TestAdmitReadyNeedsReadyForTheCurrentGeneration(t *testing.T) {
	ready := func(status metav1.ConditionStatus, gen int64) []metav1.Condition {
		return []metav1.Condition{{Type: teamsv1alpha1.ConditionReady, Status: status, Reason: "X", Message: "m", ObservedGeneration: gen}}
	}
	tests := []struct {
		name    string
		conds   []metav1.Condition
		allowed bool
	}{
		{"never checked", nil, false},
		{"ready for this generation", ready(metav1.ConditionTrue, 2), true},
		{"ready for an older generation", ready(metav1.ConditionTrue, 1), false},
		{"not ready", ready(metav1.ConditionFalse, 2), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Connection{Generation: 2, Status: &teamsv1alpha1.GraphConnectionStatus{Conditions: tt.conds}}
			refusal := admitReady(c)
			if (refusal == nil) != tt.allowed {
				t.Fatalf("refusal %v, want allowed=%v", refusal, tt.allowed)
			}
			if refusal != nil && refusal.Reason != teamsv1alpha1.ReasonConnectionNotReady {
				t.Errorf("reason %s", refusal.Reason)
			}
		})
	}
}

func TestScrubRemovesCredentialValues(t *testing.T) {
	got := scrub("AADSTS7000215: Invalid client secret s3cr3t-value provided", []string{"s3cr3t-value", ""})
	if got != "AADSTS7000215: Invalid client secret [redacted] provided" {
		t.Errorf("got %q", got)
	}
}
