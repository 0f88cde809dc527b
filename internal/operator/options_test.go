package operator

import (
	"crypto/tls"
	"flag"
	"testing"
	"time"

	. "github.com/onsi/gomega"
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
