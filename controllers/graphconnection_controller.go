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

// ConnectionChecker is what the connection reconciler needs: reading a
// connection and signing in with it. *connection.Resolver implements it.
type ConnectionChecker interface {
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

// +kubebuilder:rbac:groups=teams.meetings.dev,resources=graphconnections/status;clustergraphconnections/status,verbs=get;patch
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

func (r *GraphConnectionReconciler) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// SetupWithManager watches the connections of r.Kind and, as metadata
// only, the Secrets they read: a rotated Secret is checked at once. Secret
// data is never cached; the resolver reads it live when it changes.
func (r *GraphConnectionReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		Named(map[string]string{teamsv1alpha1.KindGraphConnection: "graphconnection", teamsv1alpha1.KindClusterGraphConnection: "clustergraphconnection"}[r.Kind]).
		For(r.newObject(), builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.connectionsOfSecret), builder.OnlyMetadata).
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
