package connection

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
)

// Ref identifies a connection: a GraphConnection in Namespace, or a
// ClusterGraphConnection (Namespace empty).
type Ref struct {
	Kind      string
	Namespace string
	Name      string
}

// String is "Kind/name" or "Kind/namespace/name"; it is also the key of
// the OnlineMeeting index by connection.
func (r Ref) String() string {
	if r.Namespace == "" {
		return r.Kind + "/" + r.Name
	}
	return r.Kind + "/" + r.Namespace + "/" + r.Name
}

// RefOf is the connection a meeting uses: its connectionRef, else the
// ClusterGraphConnection named defaultName.
func RefOf(m *teamsv1alpha1.OnlineMeeting, defaultName string) Ref {
	ref := m.Spec.ConnectionRef
	if ref == nil {
		return Ref{Kind: teamsv1alpha1.KindClusterGraphConnection, Name: defaultName}
	}
	if ref.Kind == teamsv1alpha1.KindGraphConnection {
		// A GraphConnection serves its own namespace only; there is no
		// field to name another.
		return Ref{Kind: ref.Kind, Namespace: m.Namespace, Name: ref.Name}
	}
	return Ref{Kind: teamsv1alpha1.KindClusterGraphConnection, Name: ref.Name}
}

// Refusal is why a meeting may not use its connection. Nothing is sent to
// Graph for a refused meeting.
type Refusal struct {
	Reason  teamsv1alpha1.ConditionReason
	Message string
}

func (r *Refusal) Error() string { return r.Message }

func refuse(reason teamsv1alpha1.ConditionReason, format string, args ...any) *Refusal {
	return &Refusal{Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// Connection is a GraphConnection or ClusterGraphConnection, read.
type Connection struct {
	Ref        Ref
	UID        string
	Generation int64
	Spec       *teamsv1alpha1.GraphConnectionSpec
	// Selector is the ClusterGraphConnection's namespaceSelector; nil for a
	// GraphConnection.
	Selector *metav1.LabelSelector
	Status   *teamsv1alpha1.GraphConnectionStatus
	// TenantID is the tenant the connection signs in to, lower case: the
	// spec's, or the operator's AZURE_TENANT_ID for operatorEnvironment.
	TenantID string
	// Deleting is true once the connection is being deleted: it then
	// serves the meetings that already use it, and takes no new one.
	Deleting bool
}

// Ready reports whether the operator has signed in with the connection
// for its current spec: only then is its tenant more than a claim.
func Ready(c *Connection) bool { return admitReady(c) == nil }

// admitNamespace decides whether a ClusterGraphConnection's selector
// admits the namespace. A GraphConnection admits its own namespace only,
// which RefOf already guarantees.
func admitNamespace(c *Connection, ns *corev1.Namespace) *Refusal {
	if c.Selector == nil {
		return nil
	}
	sel, err := metav1.LabelSelectorAsSelector(c.Selector)
	if err != nil {
		return refuse(teamsv1alpha1.ReasonConnectionNotAllowed,
			"%s has an invalid namespaceSelector (%v); a cluster admin must fix it.", c.Ref, err)
	}
	if ns == nil || !sel.Matches(labels.Set(ns.Labels)) {
		return refuse(teamsv1alpha1.ReasonConnectionNotAllowed,
			"%s does not admit namespace %q: its namespaceSelector is %s. Ask a cluster admin to label the namespace or widen the selector, or use a GraphConnection in this namespace (spec.connectionRef).",
			c.Ref, nsName(ns), sel.String())
	}
	return nil
}

// admitOrganizer decides whether the connection's organizers policy lets
// meetings be made for organizer.
func admitOrganizer(c *Connection, organizer string) *Refusal {
	p := c.Spec.Organizers
	if p.Any {
		return nil
	}
	for _, id := range p.Allowed {
		if strings.EqualFold(id, organizer) {
			return nil
		}
	}
	return refuse(teamsv1alpha1.ReasonOrganizerNotAllowed,
		"%s does not allow organizer %s: it is not in spec.organizers.allowed. Use an allowed organizer, or ask the connection's owner to add this one.",
		c.Ref, organizer)
}

// admitReady decides whether the operator can sign in with the connection
// for its current spec.
func admitReady(c *Connection) *Refusal {
	for _, cond := range c.Status.Conditions {
		if cond.Type != teamsv1alpha1.ConditionReady {
			continue
		}
		// Deletion bumps the generation without changing the spec: a
		// connection that was Ready stays usable for the meetings it holds.
		if cond.Status == metav1.ConditionTrue && (cond.ObservedGeneration == c.Generation || c.Deleting) {
			return nil
		}
		if cond.Status == metav1.ConditionFalse {
			return refuse(teamsv1alpha1.ReasonConnectionNotReady,
				"%s is not ready (%s): %s", c.Ref, cond.Reason, cond.Message)
		}
	}
	return refuse(teamsv1alpha1.ReasonConnectionNotReady,
		"%s has not been checked yet; the meeting waits until the operator has signed in with it.", c.Ref)
}

func nsName(ns *corev1.Namespace) string {
	if ns == nil {
		return ""
	}
	return ns.Name
}
