// Package operator turns the manager's flags and environment into the
// settings the manager runs with, so that cmd/main.go only wires and the
// rules (defaults, the operator's own namespace) are tested here.
package operator

import (
	"crypto/sha256"
	"crypto/tls"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
)

// Version is the operator's version, set at build time with -ldflags.
var Version = "v0.1.0-dev"

// serviceAccountNamespaceFile is where a Pod finds its own namespace.
const serviceAccountNamespaceFile = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"

// The metrics endpoint's default addresses: kubebuilder's HTTPS port, and
// the conventional plain-HTTP one for --metrics-secure=false.
const (
	DefaultSecureMetricsBindAddress   = ":8443"
	DefaultInsecureMetricsBindAddress = ":8080"
)

// EnvPodNamespace is set from the downward API in the operator's
// Deployment.
const EnvPodNamespace = "POD_NAMESPACE"

// DefaultLeaderElectionID is the Lease of an instance that reconciles
// everything (no --watch-label-selector, no --watch-namespaces). It is the
// one the operator has always used, so an upgrade hands leadership over.
const DefaultLeaderElectionID = "onlinemeeting-operator.teams.meetings.dev"

// Options are the operator's own settings, beside controller-runtime's.
// Where Graph is and which app signs in is no longer a flag: it is a
// GraphConnection or ClusterGraphConnection, so the policy is visible in
// the cluster.
type Options struct {
	DefaultConnection        string
	ClusterResourceNamespace string
	ResyncPeriod             time.Duration
	MaxConcurrentReconciles  int
	GraphQPS                 float64
	GraphBurst               int
	MetricsBindAddress       string
	MetricsSecure            bool
	HealthProbeBindAddress   string
	PprofBindAddress         string
	LeaderElect              bool
	// LeaderElectionID is the Lease the replicas of this instance elect
	// their leader with; empty derives it from the instance's scope (see
	// Validate), so that differently scoped instances never share one.
	LeaderElectionID string
	// WatchLabelSelector is the instance's shard, as Flux shards its
	// controllers: the OnlineMeetings and MeetingSchedules it reconciles,
	// by label (e.g. "sharding.fluxcd.io/key in (shard1)", or
	// "!sharding.fluxcd.io/key" for the instance that takes the rest).
	// Empty: all of them.
	WatchLabelSelector string
	// WatchNamespaces is a comma-separated list of the namespaces whose
	// OnlineMeetings and MeetingSchedules the instance reconciles; empty:
	// all namespaces.
	WatchNamespaces string
	// ReconcileConnections runs the GraphConnection and
	// ClusterGraphConnection reconcilers (their status and in-use
	// finalizer). Connections are shared by every shard, so exactly one
	// instance, the unsharded one, should write them.
	ReconcileConnections bool

	// selector and namespaces are WatchLabelSelector and WatchNamespaces as
	// Validate parsed them.
	selector   labels.Selector
	namespaces []string
}

// BindFlags registers the operator's flags on fs.
func (o *Options) BindFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.DefaultConnection, "default-connection", "default", "The ClusterGraphConnection used by OnlineMeetings without spec.connectionRef.")
	fs.StringVar(&o.ClusterResourceNamespace, "cluster-resource-namespace", "", "Namespace of the Secrets and service accounts ClusterGraphConnections name (default: the operator's own namespace, from $POD_NAMESPACE or the service account).")
	fs.DurationVar(&o.ResyncPeriod, "resync-period", time.Hour, "How often a Ready meeting is read back from Graph to repair changes made in Teams (each meeting at a fixed phase under 10% of the period).")
	fs.IntVar(&o.MaxConcurrentReconciles, "max-concurrent-reconciles", 4, "OnlineMeetings reconciled in parallel.")
	fs.Float64Var(&o.GraphQPS, "graph-qps", 10, "Client-side limit of Graph requests per second, for each connection without spec.rateLimit (0: none).")
	fs.IntVar(&o.GraphBurst, "graph-burst", 20, "Burst allowed above --graph-qps, for each connection without spec.rateLimit.")
	fs.StringVar(&o.MetricsBindAddress, "metrics-bind-address", "", "Address of the Prometheus metrics endpoint (default "+DefaultSecureMetricsBindAddress+", or "+DefaultInsecureMetricsBindAddress+" with --metrics-secure=false; 0 to disable).")
	fs.BoolVar(&o.MetricsSecure, "metrics-secure", true, "Serve metrics over HTTPS, only to callers the API server authenticates (TokenReview) and authorizes for GET /metrics (SubjectAccessReview); false serves plain HTTP to anyone, for local runs.")
	fs.StringVar(&o.HealthProbeBindAddress, "health-probe-bind-address", ":8081", "Address of the /healthz and /readyz probes.")
	fs.StringVar(&o.PprofBindAddress, "pprof-bind-address", "", "Address of Go's profiling endpoints (/debug/pprof/), unauthenticated: bind it to localhost and port-forward (default: off).")
	fs.BoolVar(&o.LeaderElect, "leader-elect", false, "Elect a leader, so that only one of several replicas reconciles.")
	fs.StringVar(&o.LeaderElectionID, "leader-election-id", "", "Name of the Lease the replicas elect their leader with (default "+DefaultLeaderElectionID+", suffixed with a hash of --watch-label-selector and --watch-namespaces when either is set, so that each shard elects its own leader).")
	fs.StringVar(&o.WatchLabelSelector, "watch-label-selector", "", "Reconcile only the OnlineMeetings and MeetingSchedules with matching labels, to run several instances as shards, e.g. 'sharding.fluxcd.io/key in (shard1)', and '!sharding.fluxcd.io/key' for the main instance (default: all). Every instance still reads all OnlineMeetings, to decide who holds an externalId.")
	fs.StringVar(&o.WatchNamespaces, "watch-namespaces", "", "Comma-separated namespaces whose OnlineMeetings and MeetingSchedules are reconciled (default: all). Every instance still reads all OnlineMeetings, to decide who holds an externalId.")
	fs.BoolVar(&o.ReconcileConnections, "reconcile-connections", true, "Check GraphConnections and ClusterGraphConnections and write their status and in-use finalizer. Connections are shared by all shards: set it to false on every instance but the main one.")
}

// Validate reports flag values the operator cannot run with, and fills in
// the operator's namespace when --cluster-resource-namespace is not set.
func (o *Options) Validate() error {
	if o.ResyncPeriod < time.Minute {
		return fmt.Errorf("--resync-period must be at least 1m, not %s", o.ResyncPeriod)
	}
	if o.MaxConcurrentReconciles < 1 {
		return fmt.Errorf("--max-concurrent-reconciles must be at least 1")
	}
	if o.GraphQPS < 0 || o.GraphBurst < 0 {
		return fmt.Errorf("--graph-qps and --graph-burst must not be negative")
	}
	if errs := validation.IsDNS1123Subdomain(o.DefaultConnection); len(errs) > 0 {
		return fmt.Errorf("--default-connection %q is not a valid name: %s", o.DefaultConnection, strings.Join(errs, "; "))
	}
	if o.MetricsBindAddress == "" {
		o.MetricsBindAddress = DefaultInsecureMetricsBindAddress
		if o.MetricsSecure {
			o.MetricsBindAddress = DefaultSecureMetricsBindAddress
		}
	}
	if o.ClusterResourceNamespace == "" {
		o.ClusterResourceNamespace = ownNamespace()
	}
	if o.ClusterResourceNamespace == "" {
		return fmt.Errorf("--cluster-resource-namespace is not set and the operator's namespace is unknown (no $%s, not in a Pod)", EnvPodNamespace)
	}
	if errs := validation.IsDNS1123Label(o.ClusterResourceNamespace); len(errs) > 0 {
		return fmt.Errorf("--cluster-resource-namespace %q is not a valid namespace: %s", o.ClusterResourceNamespace, strings.Join(errs, "; "))
	}
	return o.validateScope()
}

// validateScope parses --watch-label-selector and --watch-namespaces and
// derives --leader-election-id when it is not set.
func (o *Options) validateScope() error {
	sel, err := labels.Parse(o.WatchLabelSelector)
	if err != nil {
		return fmt.Errorf("--watch-label-selector %q is not a label selector: %w", o.WatchLabelSelector, err)
	}
	o.selector = sel
	o.namespaces, err = parseNamespaces(o.WatchNamespaces)
	if err != nil {
		return err
	}
	if o.LeaderElectionID == "" {
		o.LeaderElectionID = leaderElectionID(o.selector, o.namespaces)
	}
	if errs := validation.IsDNS1123Subdomain(o.LeaderElectionID); len(errs) > 0 {
		return fmt.Errorf("--leader-election-id %q is not a valid Lease name: %s", o.LeaderElectionID, strings.Join(errs, "; "))
	}
	return nil
}

// parseNamespaces splits --watch-namespaces into sorted, distinct names.
func parseNamespaces(list string) ([]string, error) {
	var out []string
	for _, ns := range strings.Split(list, ",") {
		ns = strings.TrimSpace(ns)
		if ns == "" {
			continue
		}
		if errs := validation.IsDNS1123Label(ns); len(errs) > 0 {
			return nil, fmt.Errorf("--watch-namespaces: %q is not a valid namespace: %s", ns, strings.Join(errs, "; "))
		}
		out = append(out, ns)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// leaderElectionID is DefaultLeaderElectionID for an instance that
// reconciles everything, else DefaultLeaderElectionID suffixed with a short
// hash of its scope, as Flux's leaderelection.GenerateID does with the
// label selector: each shard elects its own leader, and replicas of one
// shard share it. The selector is hashed in its canonical form, so that
// "a=b,c" and "c,a=b" are one shard.
func leaderElectionID(sel labels.Selector, namespaces []string) string {
	if sel.Empty() && len(namespaces) == 0 {
		return DefaultLeaderElectionID
	}
	sum := sha256.New()
	sum.Write([]byte(sel.String()))
	if len(namespaces) > 0 {
		// The separator keeps a selector and a namespace list from hashing
		// like another pair.
		sum.Write([]byte("\x00" + strings.Join(namespaces, ",")))
	}
	return fmt.Sprintf("%s-%x", DefaultLeaderElectionID, sum.Sum(nil)[:4])
}

// WatchSelector is --watch-label-selector as Validate parsed it: what
// selects everything when the flag is empty.
func (o *Options) WatchSelector() labels.Selector {
	if o.selector == nil {
		return labels.Everything()
	}
	return o.selector
}

// Namespaces are --watch-namespaces as Validate parsed them, sorted and
// distinct; none means all.
func (o *Options) Namespaces() []string { return o.namespaces }

// MetricsServerOptions serve the metrics as kubebuilder's v4 scaffold
// does: over HTTPS with a certificate controller-runtime generates (signed
// by itself), and only to callers the API server authenticates and
// authorizes for GET /metrics, which is what the metrics-reader ClusterRole
// grants. The check costs the manager create on tokenreviews and
// subjectaccessreviews (the metrics-auth-role ClusterRole). HTTP/2 is off:
// a scrape needs none of it, and it keeps the endpoint out of reach of the
// HTTP/2 Stream Cancellation and Rapid Reset attacks
// (GHSA-qppj-fm5r-hxr3, GHSA-4374-p667-p6c8). Call it after Validate,
// which fills in the default address.
func (o *Options) MetricsServerOptions() metricsserver.Options {
	if !o.MetricsSecure {
		return metricsserver.Options{BindAddress: o.MetricsBindAddress}
	}
	return metricsserver.Options{
		BindAddress:    o.MetricsBindAddress,
		SecureServing:  true,
		FilterProvider: filters.WithAuthenticationAndAuthorization,
		TLSOpts:        []func(*tls.Config){disableHTTP2},
	}
}

// disableHTTP2 offers HTTP/1.1 alone in the TLS handshake.
func disableHTTP2(c *tls.Config) { c.NextProtos = []string{"http/1.1"} }

// LeaseNamespace is where the replicas' leader-election Lease lives: the
// operator's own namespace in a Pod (where its leader-election Role
// grants Leases), else --cluster-resource-namespace. Outside a Pod,
// controller-runtime cannot tell a namespace and refuses --leader-elect.
func (o *Options) LeaseNamespace() string {
	if ns := ownNamespace(); ns != "" {
		return ns
	}
	return o.ClusterResourceNamespace
}

// ownNamespace is the operator's namespace: $POD_NAMESPACE, else the one
// of the Pod's service account.
func ownNamespace() string {
	if ns := os.Getenv(EnvPodNamespace); ns != "" {
		return ns
	}
	b, err := os.ReadFile(serviceAccountNamespaceFile)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// CacheOptions keep the manager's memory to what the reconcilers read:
// managed fields are dropped from every cached object, and Secrets are
// cached as metadata only (for the watch that re-checks a connection when
// its Secret changes), without their annotations, which may hold a copy of
// the data (kubectl's last-applied-configuration). --watch-label-selector
// and --watch-namespaces deliberately do not reach the cache, as they do
// in Flux: the claim check and the connections' in-use finalizer read
// every OnlineMeeting, on every shard (see controllers.Scope).
func CacheOptions() cache.Options {
	return cache.Options{DefaultTransform: func(obj any) (any, error) {
		if o, ok := obj.(metav1.Object); ok {
			o.SetManagedFields(nil)
		}
		if pm, ok := obj.(*metav1.PartialObjectMetadata); ok {
			pm.SetAnnotations(nil)
		}
		return obj, nil
	}}
}

// ClientOptions make the manager's client read Secrets live: their data is
// never cached, and only the Secrets connections name are ever read.
func ClientOptions() client.Options {
	return client.Options{Cache: &client.CacheOptions{DisableFor: []client.Object{&corev1.Secret{}}}}
}
