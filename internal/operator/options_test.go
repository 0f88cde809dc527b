package operator

import (
	"flag"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/graph"
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

func TestEndpointsPrecedence(t *testing.T) {
	tests := []struct {
		name          string
		args          []string
		envAuthority  string
		wantGraph     string
		wantAuthority string
	}{
		{"defaults are the public cloud", nil, "",
			"https://graph.microsoft.com", "https://login.microsoftonline.com/"},
		{"a cloud preset sets both", []string{"--cloud=usgovdod"}, "",
			"https://dod-graph.microsoft.us", "https://login.microsoftonline.us/"},
		{"the environment's authority beats the preset", []string{"--cloud=china"}, "https://login.partner.microsoftonline.cn/",
			"https://microsoftgraph.chinacloudapi.cn", "https://login.partner.microsoftonline.cn/"},
		{"flags beat environment and preset", []string{"--cloud=usgov", "--graph-endpoint=https://127.0.0.1:8443", "--authority-host=https://127.0.0.1:8443"}, "https://elsewhere/",
			"https://127.0.0.1:8443", "https://127.0.0.1:8443"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			t.Setenv(graph.EnvAuthorityHost, tt.envAuthority)
			graphEndpoint, authority, err := parse(t, tt.args...).Endpoints()
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(graphEndpoint).To(Equal(tt.wantGraph))
			g.Expect(authority).To(Equal(tt.wantAuthority))
		})
	}
}

func TestValidateRefusesFlagsTheOperatorCannotRunWith(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--graph-api-version=v2"}, "--graph-api-version must be v1.0 or beta"},
		{[]string{"--resync-period=10s"}, "--resync-period must be at least 1m"},
		{[]string{"--max-concurrent-reconciles=0"}, "--max-concurrent-reconciles must be at least 1"},
		{[]string{"--graph-qps=-1"}, "must not be negative"},
		{[]string{"--cloud=mars"}, "unknown cloud"},
	}
	for _, tt := range tests {
		t.Run(tt.args[0], func(t *testing.T) {
			NewWithT(t).Expect(parse(t, tt.args...).Validate()).To(MatchError(ContainSubstring(tt.want)))
		})
	}
	NewWithT(t).Expect(parse(t).Validate()).To(Succeed(), "the defaults must be valid")
}

func TestDefaultsMatchTheDocumentedOnes(t *testing.T) {
	g := NewWithT(t)
	o := parse(t)
	g.Expect(o.GraphAPIVersion).To(Equal("v1.0"))
	g.Expect(o.ResyncPeriod).To(Equal(time.Hour))
	g.Expect(o.MaxConcurrentReconciles).To(Equal(4))
	g.Expect(o.GraphQPS).To(Equal(10.0))
	g.Expect(o.GraphBurst).To(Equal(20))
}

func TestNewGraphClientNamesMissingCredentialsWithoutValues(t *testing.T) {
	g := NewWithT(t)
	for _, v := range []string{graph.EnvTenantID, graph.EnvClientSecret, graph.EnvCertificatePath, graph.EnvFederatedTokenFile} {
		t.Setenv(v, "")
	}
	t.Setenv(graph.EnvClientID, "not-a-value-to-print")
	_, err := parse(t).NewGraphClient(nil)
	g.Expect(err).To(MatchError(ContainSubstring(graph.EnvTenantID)))
	g.Expect(err.Error()).NotTo(ContainSubstring("not-a-value-to-print"))
}
