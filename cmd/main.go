// Command manager runs the onlinemeeting-operator: it reconciles
// OnlineMeeting resources into Microsoft Teams meetings through Microsoft
// Graph. Credentials come from the environment in azidentity's conventions
// (AZURE_TENANT_ID, AZURE_CLIENT_ID and one of AZURE_CLIENT_SECRET,
// AZURE_CLIENT_CERTIFICATE_PATH or AZURE_FEDERATED_TOKEN_FILE).
package main

import (
	"flag"
	"os"

	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/controllers"
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
	graphClient, err := opts.NewGraphClient(metrics.NewGraphObserver(ctrlmetrics.Registry))
	if err != nil {
		log.Error(err, "Unable to configure the Microsoft Graph client")
		os.Exit(1)
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
		Metrics:                       metricsserver.Options{BindAddress: opts.MetricsBindAddress},
		HealthProbeBindAddress:        opts.HealthProbeBindAddress,
		LeaderElection:                opts.LeaderElect,
		LeaderElectionID:              "onlinemeeting-operator.teams.meetings.dev",
		LeaderElectionReleaseOnCancel: true,
	})
	if err != nil {
		log.Error(err, "Unable to create the manager")
		os.Exit(1)
	}
	ctrlmetrics.Registry.MustRegister(metrics.NewMeetingsCollector(mgr.GetClient()))

	if err := (&controllers.OnlineMeetingReconciler{
		Client:                  mgr.GetClient(),
		Graph:                   graphClient,
		Recorder:                mgr.GetEventRecorder("onlinemeeting-operator"),
		ResyncPeriod:            opts.ResyncPeriod,
		MaxConcurrentReconciles: opts.MaxConcurrentReconciles,
	}).SetupWithManager(mgr); err != nil {
		log.Error(err, "Unable to set up the OnlineMeeting controller")
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

	log.Info("Starting the manager", "version", operator.Version, "graphApiVersion", opts.GraphAPIVersion, "cloud", opts.Cloud)
	if err := mgr.Start(ctrl.SetupSignalHandler()); err != nil {
		log.Error(err, "The manager stopped with an error")
		os.Exit(1)
	}
}
