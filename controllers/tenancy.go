package controllers

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/connection"
)

// Field indexes on OnlineMeetings.
const (
	// indexConnection is the connection a meeting uses (connection.Ref's
	// String), so a connection's change reaches its meetings.
	indexConnection = "teams.meetings.dev/connection"
	// indexClaim is a meeting's organizer and externalId, the key of the
	// meeting in Teams within a tenant.
	indexClaim = "teams.meetings.dev/claim"
)

// claimKey is the meeting's identity in Teams short of the tenant, which
// only the connection knows.
func claimKey(m *teamsv1alpha1.OnlineMeeting) string {
	return strings.ToLower(m.Spec.Organizer.UserID) + "/" + m.Spec.ExternalID
}

func (r *OnlineMeetingReconciler) setupIndexes(ctx context.Context, mgr ctrl.Manager) error {
	idx := mgr.GetFieldIndexer()
	if err := idx.IndexField(ctx, &teamsv1alpha1.OnlineMeeting{}, indexConnection, func(o client.Object) []string {
		return []string{r.Connections.RefOf(o.(*teamsv1alpha1.OnlineMeeting)).String()}
	}); err != nil {
		return err
	}
	return idx.IndexField(ctx, &teamsv1alpha1.OnlineMeeting{}, indexClaim, func(o client.Object) []string {
		return []string{claimKey(o.(*teamsv1alpha1.OnlineMeeting))}
	})
}

// connect decides whether the meeting may reach Graph at all, and through
// which client: its connection must exist, admit its namespace and its
// organizer, and be Ready, and no older resource may claim its meeting.
// A refusal is a *connection.Refusal, and nothing is sent to Graph.
func (r *OnlineMeetingReconciler) connect(ctx context.Context, m *teamsv1alpha1.OnlineMeeting) (MeetingsClient, error) {
	conn, err := r.Connections.Admit(ctx, m)
	if err != nil {
		return nil, err
	}
	var holder *teamsv1alpha1.OnlineMeeting
	if m.Spec.ManagementPolicy != teamsv1alpha1.ManagementPolicyObserve {
		// An observer changes nothing, so it claims nothing.
		if holder, err = r.claimHolder(ctx, m, conn); err != nil {
			return nil, err
		}
	}
	if holder != nil {
		return nil, &connection.Refusal{Reason: teamsv1alpha1.ReasonExternalIDConflict, Message: fmt.Sprintf(
			"OnlineMeeting %s/%s, which is older, already claims the meeting of organizer %s with externalId %q in tenant %s. This resource makes no Graph call and its deletion leaves that meeting alone; choose another externalId.",
			holder.Namespace, holder.Name, m.Spec.Organizer.UserID, m.Spec.ExternalID, conn.TenantID)}
	}
	gc, err := r.Connections.Client(ctx, conn)
	if err != nil {
		return nil, err
	}
	if r.WrapGraph != nil {
		return r.WrapGraph(gc), nil
	}
	return gc, nil
}

// claimHolder returns the resource that holds the meeting m claims, when
// it is not m: of all the OnlineMeetings in the cluster with the same
// organizer and externalId whose connections admit them in the same
// tenant, the oldest (creationTimestamp, then namespace/name). A resource
// its connection refuses claims nothing, so it cannot squat on another's
// meeting. All means all shards: r.Scope is deliberately not applied, or a
// copy labelled for another shard would never meet the holder.
func (r *OnlineMeetingReconciler) claimHolder(ctx context.Context, m *teamsv1alpha1.OnlineMeeting, conn *connection.Connection) (*teamsv1alpha1.OnlineMeeting, error) {
	var list teamsv1alpha1.OnlineMeetingList
	if err := r.List(ctx, &list, client.MatchingFields{indexClaim: claimKey(m)}); err != nil {
		return nil, err
	}
	var holder *teamsv1alpha1.OnlineMeeting
	for i := range list.Items {
		other := &list.Items[i]
		if other.UID == m.UID || other.Spec.ManagementPolicy == teamsv1alpha1.ManagementPolicyObserve ||
			!olderClaim(other, m) || (holder != nil && !olderClaim(other, holder)) {
			continue
		}
		oc, err := r.Connections.Admit(ctx, other)
		var refusal *connection.Refusal
		if errors.As(err, &refusal) || (err == nil && (oc.TenantID != conn.TenantID || !connection.Ready(oc))) {
			// A connection nobody signed in with proves no tenant: its
			// resources claim nothing.
			continue
		}
		if err != nil {
			return nil, err
		}
		holder = other
	}
	return holder, nil
}

// olderClaim orders claims: the earlier creationTimestamp, then the
// smaller namespace/name.
func olderClaim(a, b *teamsv1alpha1.OnlineMeeting) bool {
	ta, tb := a.CreationTimestamp.Time, b.CreationTimestamp.Time
	if !ta.Equal(tb) {
		return ta.Before(tb)
	}
	return a.Namespace+"/"+a.Name < b.Namespace+"/"+b.Name
}

// otherClaimants maps a meeting that appeared or went, on any shard, to
// the others in r.Scope with the same organizer and externalId: one of
// them may now hold the meeting, or have lost it.
func (r *OnlineMeetingReconciler) otherClaimants(ctx context.Context, o client.Object) []reconcile.Request {
	m, ok := o.(*teamsv1alpha1.OnlineMeeting)
	if !ok {
		return nil
	}
	var list teamsv1alpha1.OnlineMeetingList
	if err := r.List(ctx, &list, client.MatchingFields{indexClaim: claimKey(m)}); err != nil {
		return nil
	}
	var out []reconcile.Request
	for i := range list.Items {
		if list.Items[i].UID != m.UID && r.Scope.Contains(&list.Items[i]) {
			out = append(out, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&list.Items[i])})
		}
	}
	return out
}

// meetingsOfConnection maps a connection to the meetings in r.Scope that
// use it.
func (r *OnlineMeetingReconciler) meetingsOfConnection(ctx context.Context, o client.Object) []reconcile.Request {
	ref := connection.Ref{Kind: teamsv1alpha1.KindClusterGraphConnection, Name: o.GetName()}
	if _, ok := o.(*teamsv1alpha1.GraphConnection); ok {
		ref = connection.Ref{Kind: teamsv1alpha1.KindGraphConnection, Namespace: o.GetNamespace(), Name: o.GetName()}
	}
	return r.requestsFor(ctx, client.MatchingFields{indexConnection: ref.String()})
}

// meetingsInNamespace maps a namespace whose labels changed to its
// meetings: a connection's namespaceSelector may now admit or refuse
// them, and a refused meeting would otherwise wait for its Stalled retry.
func (r *OnlineMeetingReconciler) meetingsInNamespace(ctx context.Context, o client.Object) []reconcile.Request {
	return r.requestsFor(ctx, client.InNamespace(o.GetName()))
}

// requestsFor lists the meetings of this instance's scope that opts
// select, as requests. Read only, and possibly every meeting of a
// connection: no deep copy.
func (r *OnlineMeetingReconciler) requestsFor(ctx context.Context, opts ...client.ListOption) []reconcile.Request {
	var list teamsv1alpha1.OnlineMeetingList
	if err := r.List(ctx, &list, append(opts, client.UnsafeDisableDeepCopy)...); err != nil {
		return nil
	}
	out := make([]reconcile.Request, 0, len(list.Items))
	for i := range list.Items {
		if r.Scope.Contains(&list.Items[i]) {
			out = append(out, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&list.Items[i])})
		}
	}
	return out
}

// namespaceLabelsChanged passes a namespace's label changes only: its
// creation brings no meetings, and its deletion deletes them anyway.
var namespaceLabelsChanged = predicate.Funcs{
	CreateFunc:  func(event.CreateEvent) bool { return false },
	DeleteFunc:  func(event.DeleteEvent) bool { return false },
	GenericFunc: func(event.GenericEvent) bool { return false },
	UpdateFunc: func(e event.UpdateEvent) bool {
		return !maps.Equal(e.ObjectOld.GetLabels(), e.ObjectNew.GetLabels())
	},
}

// claimChanged passes the events that can change who holds a meeting: a
// claimant appearing or going.
var claimChanged = predicate.Funcs{
	CreateFunc:  func(e event.CreateEvent) bool { return !e.IsInInitialList },
	DeleteFunc:  func(event.DeleteEvent) bool { return true },
	UpdateFunc:  func(event.UpdateEvent) bool { return false },
	GenericFunc: func(event.GenericEvent) bool { return false },
}

// connectionChanged passes a connection's creation and deletion, a spec
// change and a change of its readiness; not the periodic re-check, which
// only moves lastCheckedTime.
var connectionChanged = predicate.Funcs{
	UpdateFunc: func(e event.UpdateEvent) bool {
		if e.ObjectOld.GetGeneration() != e.ObjectNew.GetGeneration() {
			return true
		}
		return readyOf(e.ObjectOld) != readyOf(e.ObjectNew)
	},
}

// readyOf summarises a connection's Ready condition for connectionChanged.
func readyOf(o client.Object) string {
	var conds []metav1.Condition
	switch c := o.(type) {
	case *teamsv1alpha1.GraphConnection:
		conds = c.Status.Conditions
	case *teamsv1alpha1.ClusterGraphConnection:
		conds = c.Status.Conditions
	}
	for _, c := range conds {
		if c.Type == teamsv1alpha1.ConditionReady {
			return fmt.Sprintf("%s/%s/%d", c.Status, c.Reason, c.ObservedGeneration)
		}
	}
	return ""
}
