package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/emulator"
)

// writeFile writes data to dir/name and returns the path.
func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// certPEM is a throwaway self-signed certificate.
func certPEM(t *testing.T) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "app"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// The file's certificates are found next to it, wherever the command runs.
func TestTenantsFileNamesCertificatesRelativeToItself(t *testing.T) {
	g := NewWithT(t)
	dir := t.TempDir()
	writeFile(t, dir, "app.pem", certPEM(t))
	path := writeFile(t, dir, "tenants.json", []byte(`{"tenants": [
		{"tenantId": "t-1", "clientId": "c-1", "clientSecret": "s", "denyUsers": ["u"], "rateLimit": 5, "rateBurst": 5},
		{"tenantId": "t-2", "clientId": "c-2", "clientCertificateFiles": ["app.pem"]}]}`))

	tenants, err := readTenantsFile(path)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(tenants).To(HaveLen(2))
	g.Expect(tenants[0].DenyUsers).To(Equal([]string{"u"}))
	g.Expect(tenants[0].RateLimit).To(Equal(5.0))
	g.Expect(tenants[1].ClientCertificates).To(HaveLen(1))
	g.Expect(tenants[1].ClientCertificates[0].Subject.CommonName).To(Equal("app"))
}

func TestTenantsFileFlagAddsTenantsToThePrimaryOne(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, path, err string
		tenants         []string
	}{
		{"two tenants", writeFile(t, dir, "ok.json", []byte(`{"tenants": [{"tenantId": "t-1", "clientId": "c", "clientSecret": "s"},
			{"tenantId": "t-2", "clientId": "c", "clientSecret": "s2"}]}`)), "", []string{"t-1", "t-2"}},
		{"unknown field", writeFile(t, dir, "typo.json", []byte(`{"tenants": [{"tenantId": "t", "clientId": "c", "clientSecret": "s", "rateLimt": 5}]}`)),
			`unknown field "rateLimt"`, nil},
		{"missing file", filepath.Join(dir, "absent.json"), "--tenants-file", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			cfg, _, err := parseFlags([]string{"--tenant-id", "primary", "--client-secret", "x", "--tenants-file", tc.path}, io.Discard)
			if tc.err != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tc.err)))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(cfg.TenantID).To(Equal("primary"))
			ids := []string{}
			for _, tn := range cfg.Tenants {
				ids = append(ids, tn.TenantID)
			}
			g.Expect(ids).To(Equal(tc.tenants))
		})
	}
}

func TestFaultFlagsSetTheInitialFaults(t *testing.T) {
	g := NewWithT(t)
	cfg, _, err := parseFlags([]string{"--client-secret", "x", "--latency", "5ms", "--oversize-values", "--huge-error-messages"}, io.Discard)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(cfg.Faults).To(Equal(emulator.Faults{Latency: 5 * time.Millisecond, OversizeValues: true, HugeErrorMessages: true}))

	cfg, _, err = parseFlags([]string{"--client-secret", "x"}, io.Discard)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(cfg.Faults).To(Equal(emulator.Faults{}))
}
