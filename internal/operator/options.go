// Package operator turns the manager's flags and environment into the
// Graph client and reconciler the manager runs, so that cmd/main.go only
// wires and the precedence rules (flag, then environment, then cloud
// preset) are tested here.
package operator

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/graph"
)

// Version is the operator's version, set at build time with -ldflags.
var Version = "v0.1.0-dev"

// Options are the operator's own settings, beside controller-runtime's.
type Options struct {
	Cloud                   string
	GraphEndpoint           string
	GraphAPIVersion         string
	AuthorityHost           string
	ResyncPeriod            time.Duration
	MaxConcurrentReconciles int
	GraphQPS                float64
	GraphBurst              int
	MetricsBindAddress      string
	HealthProbeBindAddress  string
	LeaderElect             bool
}

// BindFlags registers the operator's flags on fs.
func (o *Options) BindFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.Cloud, "cloud", "public", "Microsoft cloud whose Graph and Azure AD to use: public, usgov, usgovdod or china. Sets the defaults of --graph-endpoint and --authority-host.")
	fs.StringVar(&o.GraphEndpoint, "graph-endpoint", "", "Microsoft Graph root, without version (default: the cloud's, e.g. https://graph.microsoft.com).")
	fs.StringVar(&o.GraphAPIVersion, "graph-api-version", "v1.0", "Graph API version: v1.0, or beta (needed for spec.chatInfo).")
	fs.StringVar(&o.AuthorityHost, "authority-host", "", "Azure AD authority host (default: $AZURE_AUTHORITY_HOST, else the cloud's, e.g. https://login.microsoftonline.com/).")
	fs.DurationVar(&o.ResyncPeriod, "resync-period", time.Hour, "How often a Ready meeting is read back from Graph to repair changes made in Teams (with up to 10% jitter).")
	fs.IntVar(&o.MaxConcurrentReconciles, "max-concurrent-reconciles", 4, "OnlineMeetings reconciled in parallel.")
	fs.Float64Var(&o.GraphQPS, "graph-qps", 10, "Client-side limit of Graph requests per second (0: none).")
	fs.IntVar(&o.GraphBurst, "graph-burst", 20, "Burst allowed above --graph-qps.")
	fs.StringVar(&o.MetricsBindAddress, "metrics-bind-address", ":8080", "Address of the Prometheus metrics endpoint (0 to disable).")
	fs.StringVar(&o.HealthProbeBindAddress, "health-probe-bind-address", ":8081", "Address of the /healthz and /readyz probes.")
	fs.BoolVar(&o.LeaderElect, "leader-elect", false, "Elect a leader, so that only one of several replicas reconciles.")
}

// Validate reports flag values the operator cannot run with.
func (o *Options) Validate() error {
	if o.GraphAPIVersion != "v1.0" && o.GraphAPIVersion != "beta" {
		return fmt.Errorf("--graph-api-version must be v1.0 or beta, not %q", o.GraphAPIVersion)
	}
	if o.ResyncPeriod < time.Minute {
		return fmt.Errorf("--resync-period must be at least 1m, not %s", o.ResyncPeriod)
	}
	if o.MaxConcurrentReconciles < 1 {
		return fmt.Errorf("--max-concurrent-reconciles must be at least 1")
	}
	if o.GraphQPS < 0 || o.GraphBurst < 0 {
		return fmt.Errorf("--graph-qps and --graph-burst must not be negative")
	}
	_, err := graph.CloudByName(o.Cloud)
	return err
}

// Endpoints resolves the Graph root and the authority host: a flag wins,
// then $AZURE_AUTHORITY_HOST (for the authority), then the cloud preset.
func (o *Options) Endpoints() (graphEndpoint, authorityHost string, err error) {
	cloud, err := graph.CloudByName(o.Cloud)
	if err != nil {
		return "", "", err
	}
	graphEndpoint = firstNonEmpty(o.GraphEndpoint, cloud.GraphEndpoint)
	authorityHost = firstNonEmpty(o.AuthorityHost, os.Getenv(graph.EnvAuthorityHost), cloud.AuthorityHost)
	return graphEndpoint, authorityHost, nil
}

// NewGraphClient builds the Graph client from the options and the AZURE_*
// environment. Errors name missing settings, never secret values.
func (o *Options) NewGraphClient(observer graph.Observer) (*graph.Client, error) {
	endpoint, authority, err := o.Endpoints()
	if err != nil {
		return nil, err
	}
	credCfg := graph.CredentialConfigFromEnv()
	credCfg.AuthorityHost = authority
	cred, err := graph.NewCredential(credCfg)
	if err != nil {
		return nil, err
	}
	return graph.New(graph.Config{
		Endpoint:   endpoint,
		APIVersion: o.GraphAPIVersion,
		Credential: cred,
		QPS:        o.GraphQPS,
		Burst:      o.GraphBurst,
		Observer:   observer,
		UserAgent:  "onlinemeeting-operator/" + Version,
	})
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
