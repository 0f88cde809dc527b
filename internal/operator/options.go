// Package operator turns the manager's flags and environment into the
// settings the manager runs with, so that cmd/main.go only wires and the
// rules (defaults, the operator's own namespace) are tested here.
package operator

import (
	"crypto/tls"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
	LeaderElect              bool
}

// BindFlags registers the operator's flags on fs.
func (o *Options) BindFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.DefaultConnection, "default-connection", "default", "The ClusterGraphConnection used by OnlineMeetings without spec.connectionRef.")
	fs.StringVar(&o.ClusterResourceNamespace, "cluster-resource-namespace", "", "Namespace of the Secrets and service accounts ClusterGraphConnections name (default: the operator's own namespace, from $POD_NAMESPACE or the service account).")
	fs.DurationVar(&o.ResyncPeriod, "resync-period", time.Hour, "How often a Ready meeting is read back from Graph to repair changes made in Teams (with up to 10% jitter).")
	fs.IntVar(&o.MaxConcurrentReconciles, "max-concurrent-reconciles", 4, "OnlineMeetings reconciled in parallel.")
	fs.Float64Var(&o.GraphQPS, "graph-qps", 10, "Client-side limit of Graph requests per second, for each connection without spec.rateLimit (0: none).")
	fs.IntVar(&o.GraphBurst, "graph-burst", 20, "Burst allowed above --graph-qps, for each connection without spec.rateLimit.")
	fs.StringVar(&o.MetricsBindAddress, "metrics-bind-address", "", "Address of the Prometheus metrics endpoint (default "+DefaultSecureMetricsBindAddress+", or "+DefaultInsecureMetricsBindAddress+" with --metrics-secure=false; 0 to disable).")
	fs.BoolVar(&o.MetricsSecure, "metrics-secure", true, "Serve metrics over HTTPS, only to callers the API server authenticates (TokenReview) and authorizes for GET /metrics (SubjectAccessReview); false serves plain HTTP to anyone, for local runs.")
	fs.StringVar(&o.HealthProbeBindAddress, "health-probe-bind-address", ":8081", "Address of the /healthz and /readyz probes.")
	fs.BoolVar(&o.LeaderElect, "leader-elect", false, "Elect a leader, so that only one of several replicas reconciles.")
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
	return nil
}

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
// the data (kubectl's last-applied-configuration).
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
