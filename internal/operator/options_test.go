package operator

import (
	"crypto/tls"
	"flag"
	"regexp"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/labels"
)

func parse(t *testing.T, args ...string) *Options {
	t.Helper()
	var o Options
	fs := flag.NewFlagSet("manager", flag.ContinueOnError)
	o.BindFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return &o
}

func TestValidateRefusesFlagsTheOperatorCannotRunWith(t *testing.T) {
	t.Setenv(EnvPodNamespace, "onlinemeeting-operator-system")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--resync-period=10s"}, "--resync-period must be at least 1m"},
		{[]string{"--max-concurrent-reconciles=0"}, "--max-concurrent-reconciles must be at least 1"},
		{[]string{"--graph-qps=-1"}, "must not be negative"},
		{[]string{"--default-connection=Not_A_Name"}, "--default-connection"},
		{[]string{"--cluster-resource-namespace=a/b"}, "--cluster-resource-namespace"},
	}
	for _, tt := range tests {
		t.Run(tt.args[0], func(t *testing.T) {
			NewWithT(t).Expect(parse(t, tt.args...).Validate()).To(MatchError(ContainSubstring(tt.want)))
		})
	}
	NewWithT(t).Expect(parse(t).Validate()).To(Succeed(), "the defaults must be valid")
}

func TestClusterResourceNamespaceDefaultsToThePodsNamespace(t *testing.T) {
	g := NewWithT(t)
	t.Setenv(EnvPodNamespace, "operators")
	o := parse(t)
	g.Expect(o.Validate()).To(Succeed())
	g.Expect(o.ClusterResourceNamespace).To(Equal("operators"))

	o = parse(t, "--cluster-resource-namespace=elsewhere")
	g.Expect(o.Validate()).To(Succeed())
	g.Expect(o.ClusterResourceNamespace).To(Equal("elsewhere"), "the flag wins")
}

func TestDefaultsMatchTheDocumentedOnes(t *testing.T) {
	g := NewWithT(t)
	o := parse(t)
	g.Expect(o.DefaultConnection).To(Equal("default"))
	g.Expect(o.ResyncPeriod).To(Equal(time.Hour))
	g.Expect(o.MaxConcurrentReconciles).To(Equal(4))
	g.Expect(o.GraphQPS).To(Equal(10.0))
	g.Expect(o.GraphBurst).To(Equal(20))
	g.Expect(o.MetricsSecure).To(BeTrue(), "metrics are served over HTTPS unless asked otherwise")
}

func TestMetricsAreServedOverHTTPSWithAuthenticationByDefault(t *testing.T) {
	g := NewWithT(t)
	t.Setenv(EnvPodNamespace, "operators")
	o := parse(t)
	g.Expect(o.Validate()).To(Succeed())

	m := o.MetricsServerOptions()
	g.Expect(m.BindAddress).To(Equal(":8443"))
	g.Expect(m.SecureServing).To(BeTrue())
	g.Expect(m.FilterProvider).NotTo(BeNil(), "without the filter anyone who reaches the port reads the metrics")
	cfg := &tls.Config{NextProtos: []string{"h2"}}
	for _, opt := range m.TLSOpts {
		opt(cfg)
	}
	g.Expect(cfg.NextProtos).To(Equal([]string{"http/1.1"}), "HTTP/2 is not offered")
}

func TestMetricsInsecureServesPlainHTTPOnTheUsualPort(t *testing.T) {
	g := NewWithT(t)
	t.Setenv(EnvPodNamespace, "operators")
	o := parse(t, "--metrics-secure=false")
	g.Expect(o.Validate()).To(Succeed())

	m := o.MetricsServerOptions()
	g.Expect(m.BindAddress).To(Equal(":8080"))
	g.Expect(m.SecureServing).To(BeFalse())
	g.Expect(m.FilterProvider).To(BeNil())
}

func TestMetricsBindAddressFlagWins(t *testing.T) {
	t.Setenv(EnvPodNamespace, "operators")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--metrics-bind-address=:9443"}, ":9443"},
		{[]string{"--metrics-bind-address=0"}, "0"},
		{[]string{"--metrics-secure=false", "--metrics-bind-address=127.0.0.1:9090"}, "127.0.0.1:9090"},
	} {
		t.Run(tt.args[len(tt.args)-1], func(t *testing.T) {
			g := NewWithT(t)
			o := parse(t, tt.args...)
			g.Expect(o.Validate()).To(Succeed())
			g.Expect(o.MetricsServerOptions().BindAddress).To(Equal(tt.want))
		})
	}
}

func TestValidateRefusesAMalformedScope(t *testing.T) {
	t.Setenv(EnvPodNamespace, "operators")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--watch-label-selector=sharding.fluxcd.io/key in shard1"}, `--watch-label-selector "sharding.fluxcd.io/key in shard1" is not a label selector`},
		{[]string{"--watch-label-selector=sharding.fluxcd.io/key in (shard1"}, "--watch-label-selector"},
		{[]string{"--watch-label-selector=Bad Key=x"}, "--watch-label-selector"},
		{[]string{"--watch-namespaces=team-a,Team_B"}, `--watch-namespaces: "Team_B" is not a valid namespace`},
		{[]string{"--leader-election-id=Not_A_Lease"}, `--leader-election-id "Not_A_Lease" is not a valid Lease name`},
	}
	for _, tt := range tests {
		t.Run(tt.args[0], func(t *testing.T) {
			NewWithT(t).Expect(parse(t, tt.args...).Validate()).To(MatchError(ContainSubstring(tt.want)))
		})
	}
}

func TestScopeFlagsParse(t *testing.T) {
	t.Setenv(EnvPodNamespace, "operators")
	tests := []struct {
		name       string
		args       []string
		matches    []map[string]string
		misses     []map[string]string
		namespaces []string
	}{
		{name: "no selector selects everything",
			matches: []map[string]string{nil, {"sharding.fluxcd.io/key": "shard1"}}},
		{name: "a shard", args: []string{"--watch-label-selector=sharding.fluxcd.io/key in (shard1)"},
			matches: []map[string]string{{"sharding.fluxcd.io/key": "shard1"}},
			misses:  []map[string]string{nil, {"sharding.fluxcd.io/key": "shard2"}}},
		{name: "the main instance takes the unlabelled", args: []string{"--watch-label-selector=!sharding.fluxcd.io/key"},
			matches: []map[string]string{nil, {"team": "a"}},
			misses:  []map[string]string{{"sharding.fluxcd.io/key": "shard1"}}},
		{name: "namespaces are trimmed, sorted and distinct", args: []string{"--watch-namespaces= team-b,team-a,,team-b "},
			matches: []map[string]string{nil}, namespaces: []string{"team-a", "team-b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			o := parse(t, tt.args...)
			g.Expect(o.Validate()).To(Succeed())
			for _, l := range tt.matches {
				g.Expect(o.WatchSelector().Matches(labels.Set(l))).To(BeTrue(), "%v", l)
			}
			for _, l := range tt.misses {
				g.Expect(o.WatchSelector().Matches(labels.Set(l))).To(BeFalse(), "%v", l)
			}
			g.Expect(o.Namespaces()).To(Equal(tt.namespaces))
		})
	}
}

func TestEachScopeElectsItsOwnLeader(t *testing.T) {
	t.Setenv(EnvPodNamespace, "operators")
	id := func(args ...string) string {
		t.Helper()
		o := parse(t, args...)
		if err := o.Validate(); err != nil {
			t.Fatal(err)
		}
		return o.LeaderElectionID
	}
	g := NewWithT(t)
	g.Expect(id()).To(Equal(DefaultLeaderElectionID), "an unsharded instance keeps the Lease it always had")

	ids := map[string][]string{
		"main":           {"--watch-label-selector=!sharding.fluxcd.io/key"},
		"shard1":         {"--watch-label-selector=sharding.fluxcd.io/key in (shard1)"},
		"shard2":         {"--watch-label-selector=sharding.fluxcd.io/key in (shard2)"},
		"team-a":         {"--watch-namespaces=team-a"},
		"team-b":         {"--watch-namespaces=team-b"},
		"shard1 in team": {"--watch-label-selector=sharding.fluxcd.io/key in (shard1)", "--watch-namespaces=team-a"},
	}
	seen := map[string]string{}
	for name, args := range ids {
		got := id(args...)
		g.Expect(got).To(MatchRegexp(`^` + regexp.QuoteMeta(DefaultLeaderElectionID) + `-[0-9a-f]{8}$`))
		g.Expect(seen).NotTo(HaveKey(got), "%s and %s would share a leader", name, seen[got])
		seen[got] = name
	}

	// Replicas of one shard must agree, however the flag is spelt.
	g.Expect(id("--watch-label-selector=a=b,c")).To(Equal(id("--watch-label-selector=c, a=b")))
	g.Expect(id("--watch-namespaces=team-b,team-a")).To(Equal(id("--watch-namespaces=team-a,team-b")))
	g.Expect(id("--watch-label-selector=sharding.fluxcd.io/key in (shard1)", "--leader-election-id=om-shard1")).To(Equal("om-shard1"), "the flag wins")
}

func TestScopeDefaultsReconcileEverythingAndTheConnections(t *testing.T) {
	g := NewWithT(t)
	t.Setenv(EnvPodNamespace, "operators")
	o := parse(t)
	g.Expect(o.ReconcileConnections).To(BeTrue())
	g.Expect(o.Validate()).To(Succeed())
	g.Expect(o.WatchSelector().Empty()).To(BeTrue())
	g.Expect(o.Namespaces()).To(BeEmpty())
	g.Expect(parse(t, "--reconcile-connections=false").ReconcileConnections).To(BeFalse())
}

func TestLeaseLivesInThePodsNamespaceElseWithTheClusterResources(t *testing.T) {
	g := NewWithT(t)
	t.Setenv(EnvPodNamespace, "operators")
	o := Options{ClusterResourceNamespace: "graph-secrets"}
	g.Expect(o.LeaseNamespace()).To(Equal("operators"))

	// Outside a Pod (a laptop, the benchmarks): no $POD_NAMESPACE and no
	// service account, so the Lease goes with the cluster resources.
	t.Setenv(EnvPodNamespace, "")
	g.Expect(o.LeaseNamespace()).To(Equal("graph-secrets"))
}
