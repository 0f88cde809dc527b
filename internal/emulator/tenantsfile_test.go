package emulator

import (
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
)

func TestLoadTenantsReadsTheTenantsFile(t *testing.T) {
	cert, _ := clientCert()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "app.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, in string
		want     []Tenant
		err      string
	}{
		{"every field", `{"tenants": [{"tenantId": "` + tenantB + `", "clientId": "` + clientB + `", "clientSecret": "s",
			"clientCertificateFiles": ["app.pem"], "federatedIssuer": "https://issuer", "federatedSubject": "system:serviceaccount:a:b",
			"denyUsers": ["` + testOrganizer + `"], "rateLimit": 5, "rateBurst": 6}]}`,
			[]Tenant{{TenantID: tenantB, ClientID: clientB, ClientSecret: "s", ClientCertificates: []*x509.Certificate{cert},
				FederatedIssuer: "https://issuer", FederatedSubject: "system:serviceaccount:a:b",
				DenyUsers: []string{testOrganizer}, RateLimit: 5, RateBurst: 6}}, ""},
		{"two tenants, secrets only", `{"tenants": [{"tenantId": "a", "clientId": "x", "clientSecret": "1"}, {"tenantId": "b", "clientId": "x", "clientSecret": "2"}]}`,
			[]Tenant{{TenantID: "a", ClientID: "x", ClientSecret: "1"}, {TenantID: "b", ClientID: "x", ClientSecret: "2"}}, ""},
		{"an absolute certificate path", `{"tenants": [{"tenantId": "a", "clientId": "x", "clientCertificateFiles": ["` + filepath.Join(dir, "app.pem") + `"]}]}`,
			[]Tenant{{TenantID: "a", ClientID: "x", ClientCertificates: []*x509.Certificate{cert}}}, ""},
		{"no tenants", `{"tenants": []}`, []Tenant{}, ""},
		{"unknown top-level field", `{"tenant": []}`, nil, `unknown field "tenant"`},
		{"unknown tenant field", `{"tenants": [{"tenantId": "a", "clientId": "x", "clientSecret": "s", "denyUser": ["u"]}]}`, nil, `unknown field "denyUser"`},
		{"no tenant id", `{"tenants": [{"clientId": "x", "clientSecret": "s"}]}`, nil, "tenants[0]: tenantId is required"},
		{"no client id", `{"tenants": [{"tenantId": "a", "clientSecret": "s"}]}`, nil, "clientId is required"},
		{"no credential", `{"tenants": [{"tenantId": "a", "clientId": "x"}]}`, nil, "no way to get a token"},
		{"negative rate", `{"tenants": [{"tenantId": "a", "clientId": "x", "clientSecret": "s", "rateLimit": -1}]}`, nil, "must not be negative"},
		{"missing certificate file", `{"tenants": [{"tenantId": "a", "clientId": "x", "clientCertificateFiles": ["nope.pem"]}]}`, nil, "nope.pem"},
		{"two JSON values", `{"tenants": []} {"tenants": []}`, nil, "more than one JSON value"},
		{"not JSON", `tenants: []`, nil, "invalid tenants file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			got, err := LoadTenants(strings.NewReader(tc.in), dir)
			if tc.err != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tc.err)))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(got).To(Equal(tc.want))
		})
	}
}

func TestLoadedTenantsAreServed(t *testing.T) {
	g := NewWithT(t)
	tenants, err := LoadTenants(strings.NewReader(`{"tenants": [{"tenantId": "`+tenantB+`", "clientId": "`+clientB+`", "clientSecret": "`+secretB+`"}]}`), "")
	g.Expect(err).NotTo(HaveOccurred())
	s := start(t, func(c *Config) { c.Tenants = tenants })
	r := createOrGet(t, s, tenantToken(t, s, tenantB, clientB, secretB), map[string]any{"externalId": "loaded"})
	g.Expect(r.status).To(Equal(http.StatusCreated), string(r.raw))
	g.Expect(s.TenantMeetings(tenantB)).To(HaveLen(1))
}
