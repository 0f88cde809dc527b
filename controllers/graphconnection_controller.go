package controllers

import (
	"context"
	"errors"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/connection"
)

// DefaultConnectionCheckPeriod is how often a connection's credential is
// tried again: often enough to notice an expired secret, rare enough that
// Azure AD never sees the operator per meeting.
const DefaultConnectionCheckPeriod = 5 * time.Minute

// ConnectionFinalizer holds a connection while OnlineMeetings that use it
// still have meetings to delete in Teams: deleting a namespace (or a
// connection) first would leave them no way to reach Graph, and their
// meetings would be left behind. Crossplane holds ProviderConfigs the same
// way.
const ConnectionFinalizer = "teams.meetings.dev/in-use"

// ConnectionChecker is what the connection reconciler needs: reading a
// connection and signing in with it. *connection.Resolver implements it.
type ConnectionChecker interface {
	RefOf(m *teamsv1alpha1.OnlineMeeting) connection.Ref
	Get(ctx context.Context, ref connection.Ref) (*connection.Connection, error)
	Check(ctx context.Context, c *connection.Connection) error
	SecretKey(c *connection.Connection) (client.ObjectKey, bool)
	Forget(ref connection.Ref)
}

// GraphConnectionReconciler checks that the operator can sign in with a
// GraphConnection or ClusterGraphConnection (Kind says which) and says so
// in its Ready condition. It never calls Graph itself: a token from Azure
// AD is the check.
type GraphConnectionReconciler struct {
	client.Client
	Connections ConnectionChecker
	Recorder    events.EventRecorder
	// Kind is KindGraphConnection or KindClusterGraphConnection.
	Kind string
	// CheckPeriod is how often the credential is tried again; zero means
	// DefaultConnectionCheckPeriod.
	CheckPeriod time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// +kubebuilder:rbac:groups=teams.meetings.dev,resources=graphconnections;clustergraphconnections,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups=teams.meetings.dev,resources=graphconnections/status;clustergraphconnections/status,verbs=get;patch
// +kubebuilder:rbac:groups=teams.meetings.dev,resources=graphconnections/finalizers;clustergraphconnections/finalizers,verbs=update
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch

// Reconcile signs in with the connection and writes its status once.
func (r *GraphConnectionReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	ref := connection.Ref{Kind: r.Kind, Namespace: req.Namespace, Name: req.Name}
	obj := r.newObject()
	if err := r.Get(ctx, req.NamespacedName, obj); err != nil {
		if client.IgnoreNotFound(err) == nil {
			r.Connections.Forget(ref)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if released, err := r.holdWhileInUse(ctx, ref, obj); released || err != nil {
		return ctrl.Result{}, err
	}
	if !obj.GetDeletionTimestamp().IsZero() {
		// Its Secret may already be gone with its namespace: the meetings
		// finishing their deletion go on with the client they have, and
		// status stays as it was rather than turning them away.
		return ctrl.Result{}, nil
	}
	conn, err := r.Connections.Get(ctx, ref)
	if err != nil {
		return ctrl.Result{}, err
	}
	status := statusOf(obj)
	before := status.DeepCopy()

	checkErr := r.Connections.Check(ctx, conn)
	status.TenantID = conn.TenantID
	status.GraphEndpoint = connection.GraphEndpoint(conn.Spec)
	status.ObservedGeneration = obj.GetGeneration()
	now := metav1.NewTime(r.now())
	status.LastCheckedTime = &now
	cond := metav1.Condition{Type: teamsv1alpha1.ConditionReady, ObservedGeneration: obj.GetGeneration()}
	var credErr *connection.CredentialError
	switch {
	case checkErr == nil:
		cond.Status, cond.Reason = metav1.ConditionTrue, string(teamsv1alpha1.ReasonTokenObtained)
		cond.Message = "The operator obtained a token from Azure AD for tenant " + conn.TenantID + "."
	case errors.As(checkErr, &credErr):
		cond.Status, cond.Reason = metav1.ConditionFalse, string(teamsv1alpha1.ReasonCredentialInvalid)
		cond.Message = "The credential cannot be used: " + credErr.Message
	default:
		cond.Status, cond.Reason = metav1.ConditionFalse, string(teamsv1alpha1.ReasonAuthenticationFailed)
		cond.Message = "Azure AD refused the credential: " + checkErr.Error()
	}
	cond.Message = boundMessage(cond.Message)
	prev := meta.FindStatusCondition(before.Conditions, teamsv1alpha1.ConditionReady)
	if cond.Status == metav1.ConditionFalse && (prev == nil || prev.Reason != cond.Reason || prev.ObservedGeneration != cond.ObservedGeneration) {
		r.Recorder.Eventf(obj, nil, corev1.EventTypeWarning, cond.Reason, "Check", "%s", eventNote(cond.Message))
	}
	meta.SetStatusCondition(&status.Conditions, cond)
	log.FromContext(ctx).V(1).Info("Checked connection", "ready", cond.Status, "reason", cond.Reason)

	if !equality.Semantic.DeepEqual(before, status) {
		base := obj.DeepCopyObject().(client.Object)
		setStatus(base, before)
		if err := r.Status().Patch(ctx, obj, client.MergeFrom(base)); err != nil {
			return ctrl.Result{}, err
		}
	}
	period := r.CheckPeriod
	if period <= 0 {
		period = DefaultConnectionCheckPeriod
	}
	return ctrl.Result{RequeueAfter: period}, nil
}

// holdWhileInUse keeps the in-use finalizer on a connection while
// OnlineMeetings holding their own finalizer use it, and releases it once
// none does; it reports whether it released it. A deleting connection that
// is still in use is checked and kept Ready like any other: its meetings
// need it to delete theirs.
func (r *GraphConnectionReconciler) holdWhileInUse(ctx context.Context, ref connection.Ref, obj client.Object) (bool, error) {
	base := obj.DeepCopyObject().(client.Object)
	if obj.GetDeletionTimestamp().IsZero() {
		if controllerutil.AddFinalizer(obj, ConnectionFinalizer) {
			return false, r.Patch(ctx, obj, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{}))
		}
		return false, nil
	}
	var list teamsv1alpha1.OnlineMeetingList
	if err := r.List(ctx, &list, client.MatchingFields{indexConnection: ref.String()}); err != nil {
		return false, err
	}
	users := 0
	for i := range list.Items {
		if controllerutil.ContainsFinalizer(&list.Items[i], Finalizer) {
			users++
		}
	}
	if users > 0 {
		log.FromContext(ctx).Info("Connection is deleted but still in use", "onlineMeetings", users)
		return false, nil
	}
	if controllerutil.RemoveFinalizer(obj, ConnectionFinalizer) {
		return true, r.Patch(ctx, obj, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{}))
	}
	return true, nil
}

// connectionOfMeeting maps an OnlineMeeting that went to its connection,
// which may have been waiting for it to go.
func (r *GraphConnectionReconciler) connectionOfMeeting(_ context.Context, o client.Object) []reconcile.Request {
	m, ok := o.(*teamsv1alpha1.OnlineMeeting)
	if !ok {
		return nil
	}
	ref := r.Connections.RefOf(m)
	if ref.Kind != r.Kind {
		return nil
	}
	return []reconcile.Request{{NamespacedName: client.ObjectKey{Namespace: ref.Namespace, Name: ref.Name}}}
}

// meetingReleased passes the events after which a deleting connection may
// be free: a meeting gone, or its finalizer removed.
var meetingReleased = predicate.Funcs{
	CreateFunc: func(event.CreateEvent) bool { return false },
	UpdateFunc: func(e event.UpdateEvent) bool {
		return controllerutil.ContainsFinalizer(e.ObjectOld, Finalizer) && !controllerutil.ContainsFinalizer(e.ObjectNew, Finalizer)
	},
	DeleteFunc:  func(event.DeleteEvent) bool { return true },
	GenericFunc: func(event.GenericEvent) bool { return false },
}

func (r *GraphConnectionReconciler) newObject() client.Object {
	if r.Kind == teamsv1alpha1.KindGraphConnection {
		return &teamsv1alpha1.GraphConnection{}
	}
	return &teamsv1alpha1.ClusterGraphConnection{}
}

func statusOf(o client.Object) *teamsv1alpha1.GraphConnectionStatus {
	switch c := o.(type) {
	case *teamsv1alpha1.GraphConnection:
		return &c.Status
	case *teamsv1alpha1.ClusterGraphConnection:
		return &c.Status
	}
	return nil
}

func setStatus(o client.Object, st *teamsv1alpha1.GraphConnectionStatus) {
	*statusOf(o) = *st
}

func (r *GraphConnectionReconciler) now() time.Time { return clockNow(r.Now) }

// SetupWithManager watches the connections of r.Kind and, as metadata
// only, the Secrets they read: a rotated Secret is checked at once. Secret
// data is never cached; the resolver reads it live when it changes.
func (r *GraphConnectionReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		Named(map[string]string{teamsv1alpha1.KindGraphConnection: "graphconnection", teamsv1alpha1.KindClusterGraphConnection: "clustergraphconnection"}[r.Kind]).
		For(r.newObject(), builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.connectionsOfSecret), builder.OnlyMetadata).
		Watches(&teamsv1alpha1.OnlineMeeting{}, handler.EnqueueRequestsFromMapFunc(r.connectionOfMeeting), builder.WithPredicates(meetingReleased)).
		Complete(r)
}

// connectionsOfSecret maps a Secret to the connections of r.Kind that read
// it. Connections are few; listing them is cheaper than an index.
func (r *GraphConnectionReconciler) connectionsOfSecret(ctx context.Context, s client.Object) []reconcile.Request {
	var refs []connection.Ref
	if r.Kind == teamsv1alpha1.KindGraphConnection {
		var list teamsv1alpha1.GraphConnectionList
		if err := r.List(ctx, &list, client.InNamespace(s.GetNamespace())); err != nil {
			return nil
		}
		for i := range list.Items {
			refs = append(refs, connection.Ref{Kind: r.Kind, Namespace: list.Items[i].Namespace, Name: list.Items[i].Name})
		}
	} else {
		var list teamsv1alpha1.ClusterGraphConnectionList
		if err := r.List(ctx, &list); err != nil {
			return nil
		}
		for i := range list.Items {
			refs = append(refs, connection.Ref{Kind: r.Kind, Name: list.Items[i].Name})
		}
	}
	var out []reconcile.Request
	for _, ref := range refs {
		c, err := r.Connections.Get(ctx, ref)
		if err != nil {
			continue
		}
		if key, ok := r.Connections.SecretKey(c); ok && key == client.ObjectKeyFromObject(s) {
			out = append(out, reconcile.Request{NamespacedName: client.ObjectKey{Namespace: ref.Namespace, Name: ref.Name}})
		}
	}
	return out
}
