// Command manager runs the onlinemeeting-operator: it reconciles
// OnlineMeeting resources into Microsoft Teams meetings through Microsoft
// Graph, each through the GraphConnection or ClusterGraphConnection it
// names. A ClusterGraphConnection with credential operatorEnvironment uses
// the operator's AZURE_* environment in azidentity's conventions
// (AZURE_TENANT_ID, AZURE_CLIENT_ID and one of AZURE_CLIENT_SECRET,
// AZURE_CLIENT_CERTIFICATE_PATH or AZURE_FEDERATED_TOKEN_FILE).
package main

import (
	"context"
	"flag"
	"os"

	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/controllers"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/connection"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/metrics"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/operator"
)

func main() {
	var opts operator.Options
	opts.BindFlags(flag.CommandLine)
	zapOpts := zap.Options{}
	zapOpts.BindFlags(flag.CommandLine)
	flag.Parse()
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zapOpts)))
	log := ctrl.Log.WithName("setup")

	if err := opts.Validate(); err != nil {
		log.Error(err, "Invalid flags")
		os.Exit(2)
	}

	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		log.Error(err, "Unable to build the scheme")
		os.Exit(1)
	}
	if err := teamsv1alpha1.AddToScheme(scheme); err != nil {
		log.Error(err, "Unable to build the scheme")
		os.Exit(1)
	}
	mgr, err := ctrl.NewManager(ctrl.GetConfigOrDie(), ctrl.Options{
		Scheme:                        scheme,
		Cache:                         operator.CacheOptions(),
		Client:                        operator.ClientOptions(),
		Metrics:                       opts.MetricsServerOptions(),
		HealthProbeBindAddress:        opts.HealthProbeBindAddress,
		PprofBindAddress:              opts.PprofBindAddress,
		LeaderElection:                opts.LeaderElect,
		LeaderElectionID:              opts.LeaderElectionID,
		LeaderElectionNamespace:       opts.LeaseNamespace(),
		LeaderElectionReleaseOnCancel: true,
	})
	if err != nil {
		log.Error(err, "Unable to create the manager")
		os.Exit(1)
	}
	scope := controllers.Scope{Selector: opts.WatchSelector(), Namespaces: opts.Namespaces()}
	ctrlmetrics.Registry.MustRegister(metrics.NewMeetingsCollector(mgr.GetClient()).Only(scope.Contains).WhenLeader(mgr.Elected()))

	resolver := &connection.Resolver{
		Reader:                   mgr.GetClient(),
		SecretMetadata:           mgr.GetCache(),
		Secrets:                  mgr.GetAPIReader(),
		Tokens:                   mgr.GetClient(),
		ClusterResourceNamespace: opts.ClusterResourceNamespace,
		DefaultConnection:        opts.DefaultConnection,
		DefaultQPS:               opts.GraphQPS,
		DefaultBurst:             opts.GraphBurst,
		Observer:                 metrics.NewGraphObserver(ctrlmetrics.Registry),
		UserAgent:                "onlinemeeting-operator/" + operator.Version,
	}
	ctx := ctrl.SetupSignalHandler()
	if err := setupReconcilers(ctx, mgr, resolver, scope, &opts); err != nil {
		log.Error(err, "Unable to set up the controllers")
		os.Exit(1)
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		log.Error(err, "Unable to set up the health check")
		os.Exit(1)
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		log.Error(err, "Unable to set up the readiness check")
		os.Exit(1)
	}

	log.Info("Starting the manager", "version", operator.Version, "defaultConnection", opts.DefaultConnection,
		"clusterResourceNamespace", opts.ClusterResourceNamespace,
		"metricsBindAddress", opts.MetricsBindAddress, "metricsSecure", opts.MetricsSecure,
		"watchLabelSelector", opts.WatchSelector().String(), "watchNamespaces", opts.Namespaces(),
		"reconcileConnections", opts.ReconcileConnections, "leaderElectionID", opts.LeaderElectionID)
	if err := mgr.Start(ctx); err != nil {
		log.Error(err, "The manager stopped with an error")
		os.Exit(1)
	}
}

// setupReconcilers registers the OnlineMeeting and MeetingSchedule
// reconcilers for the instance's scope and, with --reconcile-connections,
// one connection reconciler per connection kind. Without it the instance
// still caches and watches connections (its meetings read their policy and
// Ready condition) but leaves their status and finalizer to the instance
// that has it: shards would otherwise all write lastCheckedTime.
func setupReconcilers(ctx context.Context, mgr ctrl.Manager, resolver *connection.Resolver, scope controllers.Scope, opts *operator.Options) error {
	recorder := mgr.GetEventRecorder("onlinemeeting-operator")
	if opts.ReconcileConnections {
		for _, kind := range []string{teamsv1alpha1.KindGraphConnection, teamsv1alpha1.KindClusterGraphConnection} {
			if err := (&controllers.GraphConnectionReconciler{
				Client: mgr.GetClient(), Connections: resolver, Recorder: recorder, Kind: kind,
			}).SetupWithManager(mgr); err != nil {
				return err
			}
		}
	}
	if err := (&controllers.MeetingScheduleReconciler{Client: mgr.GetClient(), Recorder: recorder, Scope: scope}).SetupWithManager(mgr); err != nil {
		return err
	}
	return (&controllers.OnlineMeetingReconciler{
		Client:                  mgr.GetClient(),
		Connections:             resolver,
		SecretMetadata:          mgr.GetCache(),
		Recorder:                recorder,
		ResyncPeriod:            opts.ResyncPeriod,
		MaxConcurrentReconciles: opts.MaxConcurrentReconciles,
		Scope:                   scope,
	}).SetupWithManager(ctx, mgr)
}
