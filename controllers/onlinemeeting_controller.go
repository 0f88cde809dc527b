package controllers

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/connection"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/graph"
)

// Finalizer holds an OnlineMeeting until its meeting in Teams is deleted
// (or, with deletionPolicy Orphan, released).
const Finalizer = "teams.meetings.dev/meeting"

// MeetingsClient is what the reconciler needs of Microsoft Graph.
// *graph.Client implements it; tests use the real client against the
// emulator.
type MeetingsClient interface {
	// APIVersion is the Graph version the client talks to (v1.0 or beta).
	APIVersion() string
	CreateOrGet(ctx context.Context, organizerID string, req *graph.MeetingRequest) (*graph.OnlineMeeting, bool, error)
	Get(ctx context.Context, organizerID, meetingID string) (*graph.OnlineMeeting, error)
	Update(ctx context.Context, organizerID, meetingID string, patch *graph.MeetingPatch) (*graph.OnlineMeeting, error)
	Delete(ctx context.Context, organizerID, meetingID string) error
	// FindByJoinWebURL finds a meeting made elsewhere, for managementPolicy
	// Observe.
	FindByJoinWebURL(ctx context.Context, organizerID, joinWebURL string) (*graph.OnlineMeeting, error)
}

// Connections is what the reconciler needs to reach Graph for a meeting:
// the policy of its connection and, once admitted, the connection's
// client. *connection.Resolver implements it.
type Connections interface {
	// RefOf is the connection a meeting uses.
	RefOf(m *teamsv1alpha1.OnlineMeeting) connection.Ref
	// Admit applies the connection's namespace and organizer policy; a
	// refusal is a *connection.Refusal.
	Admit(ctx context.Context, m *teamsv1alpha1.OnlineMeeting) (*connection.Connection, error)
	// Client is the connection's Graph client once it is Ready.
	Client(ctx context.Context, c *connection.Connection) (*graph.Client, error)
}

// OnlineMeetingReconciler makes each OnlineMeeting exist in Teams exactly
// once, as its spec says, and keeps its status true.
type OnlineMeetingReconciler struct {
	client.Client
	Connections Connections
	Recorder    events.EventRecorder

	// ResyncPeriod is how often a Ready meeting is read back from Graph to
	// catch changes made in Teams. No Graph call happens between resyncs
	// unless the spec changes.
	ResyncPeriod time.Duration
	// StalledRetryPeriod is how long a Stalled resource (one that needs a
	// person) waits before the operator tries again by itself; zero means
	// 10 minutes. A spec change retries at once.
	StalledRetryPeriod time.Duration
	// MaxConcurrentReconciles bounds parallel reconciles (and so parallel
	// Graph calls).
	MaxConcurrentReconciles int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Jitter spreads the retries of meetings that stalled together; nil
	// means up to 10% of the wait at random. (Resyncs are spread by a
	// phase drawn from each resource's UID: resync.go.)
	Jitter func(period time.Duration) time.Duration
	// WrapGraph, when set, wraps each connection's client (tests use it to
	// watch or fail calls).
	WrapGraph func(MeetingsClient) MeetingsClient
	// SecretMetadata reads Secrets' metadata from the manager's cache (its
	// metadata-only informer), to notice a join Secret deleted by hand
	// without caching any Secret's data.
	SecretMetadata client.Reader
	// Scope is the part of the OnlineMeetings this instance reconciles
	// (its shard); the zero Scope is all of them. Meetings outside it stay
	// in the cache: the claim check reads them all.
	Scope Scope

	fair     fairQueue
	verified verifiedMeetings
	synced   syncMemory
}

// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get;list;watch
// +kubebuilder:rbac:groups=teams.meetings.dev,resources=onlinemeetings,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups=teams.meetings.dev,resources=onlinemeetings/status,verbs=get;patch
// +kubebuilder:rbac:groups=teams.meetings.dev,resources=onlinemeetings/finalizers,verbs=update
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile fetches the OnlineMeeting, branches into reconcileDelete or
// reconcileNormal, and writes status once, as a patch, on the way out.
func (r *OnlineMeetingReconciler) Reconcile(ctx context.Context, req ctrl.Request) (result ctrl.Result, retErr error) {
	r.fair.done(req.NamespacedName)
	m := &teamsv1alpha1.OnlineMeeting{}
	if err := r.Get(ctx, req.NamespacedName, m); err != nil {
		if apierrors.IsNotFound(err) {
			r.synced.forget(req.NamespacedName)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !r.Scope.Contains(m) {
		// Another shard's, or it moved there since it was queued (a
		// resync, a connection's or another claimant's change): not a
		// Graph call, a finalizer or a status write from this instance.
		r.synced.forget(req.NamespacedName)
		return ctrl.Result{}, nil
	}

	before := m.DeepCopy()
	defer func() {
		// Whatever happened, status now describes this generation of the
		// spec: kstatus reads the conditions only when it matches.
		m.Status.ObservedGeneration = m.Generation
		if !m.DeletionTimestamp.IsZero() && len(m.Finalizers) == 0 {
			// The last finalizer is gone, so is the resource: a status
			// write would be answered 404.
			return
		}
		err := r.patchStatus(ctx, before, m)
		if apierrors.IsNotFound(err) {
			err = r.vanished(ctx, before, m)
		}
		if err != nil {
			retErr = errors.Join(retErr, err)
		}
	}()

	if !m.DeletionTimestamp.IsZero() {
		return r.reconcileDelete(ctx, m)
	}
	return r.reconcileNormal(ctx, m)
}

// patchStatus writes the status the reconcile computed, if it changed.
// The spec is never written: GitOps tools must see no diff.
func (r *OnlineMeetingReconciler) patchStatus(ctx context.Context, before, m *teamsv1alpha1.OnlineMeeting) error {
	if equality.Semantic.DeepEqual(before.Status, m.Status) {
		return nil
	}
	// Patch against a base that carries the current resourceVersion only,
	// so an earlier metadata patch in this reconcile does not make the
	// status patch look like a metadata change.
	base := m.DeepCopy()
	base.Status = before.Status
	return r.Status().Patch(ctx, m, client.MergeFrom(base))
}

// ensureFinalizer adds the finalizer right before the first createOrGet
// is sent, so no meeting can outlive its resource unnoticed, and a
// resource without it is known never to have reached Graph. It reports
// whether it added it.
func (r *OnlineMeetingReconciler) ensureFinalizer(ctx context.Context, m *teamsv1alpha1.OnlineMeeting) (bool, error) {
	base := m.DeepCopy()
	if !controllerutil.AddFinalizer(m, Finalizer) {
		return false, nil
	}
	return true, r.Patch(ctx, m, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{}))
}

// removeFinalizer lets Kubernetes delete the resource.
func (r *OnlineMeetingReconciler) removeFinalizer(ctx context.Context, m *teamsv1alpha1.OnlineMeeting) error {
	base := m.DeepCopy()
	if !controllerutil.RemoveFinalizer(m, Finalizer) {
		return nil
	}
	if err := r.Patch(ctx, m, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{})); err != nil {
		// Still held: the status written on the way out says why.
		m.Finalizers = base.Finalizers
		return err
	}
	r.verified.forget(m.UID)
	return nil
}

func (r *OnlineMeetingReconciler) now() time.Time { return clockNow(r.Now) }

// clockNow reads a reconciler's injectable clock; nil means time.Now.
func clockNow(now func() time.Time) time.Time {
	if now != nil {
		return now()
	}
	return time.Now()
}

func (r *OnlineMeetingReconciler) jitter(period time.Duration) time.Duration {
	if r.Jitter != nil {
		return r.Jitter(period)
	}
	if period <= 0 {
		return 0
	}
	return rand.N(period / 10)
}

// SetupWithManager registers the reconciler. Status-only updates (our own
// writes) do not trigger a reconcile; spec changes and deletions do, and
// so do changes of a meeting's connection, of its namespace's labels (a
// namespaceSelector may now admit or refuse it) and of the other resources
// that claim its meeting, and a label change that moves a meeting into
// r.Scope.
// Claimants on other shards are watched too: one going may hand the
// meeting to one of ours.
func (r *OnlineMeetingReconciler) SetupWithManager(ctx context.Context, mgr ctrl.Manager) error {
	if r.ResyncPeriod <= 0 {
		r.ResyncPeriod = time.Hour
	}
	if err := r.setupIndexes(ctx, mgr); err != nil {
		return err
	}
	return ctrl.NewControllerManagedBy(mgr).
		Named("onlinemeeting").
		Watches(&teamsv1alpha1.OnlineMeeting{}, &fairHandler{fair: &r.fair}, builder.WithPredicates(r.Scope.Predicate(predicate.GenerationChangedPredicate{}))).
		Watches(&teamsv1alpha1.OnlineMeeting{}, handler.EnqueueRequestsFromMapFunc(r.otherClaimants), builder.WithPredicates(claimChanged)).
		Watches(&teamsv1alpha1.GraphConnection{}, handler.EnqueueRequestsFromMapFunc(r.meetingsOfConnection), builder.WithPredicates(connectionChanged)).
		Watches(&teamsv1alpha1.ClusterGraphConnection{}, handler.EnqueueRequestsFromMapFunc(r.meetingsOfConnection), builder.WithPredicates(connectionChanged)).
		Watches(&corev1.Namespace{}, handler.EnqueueRequestsFromMapFunc(r.meetingsInNamespace), builder.WithPredicates(namespaceLabelsChanged)).
		// A join Secret deleted by hand is rebuilt; Secrets are watched as
		// metadata only, so no Secret's data is ever cached.
		Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.meetingOfJoinInfoSecret), builder.OnlyMetadata, builder.WithPredicates(joinInfoSecretGone)).
		WithOptions(controller.Options{MaxConcurrentReconciles: max(r.MaxConcurrentReconciles, 1)}).
		Complete(r)
}
