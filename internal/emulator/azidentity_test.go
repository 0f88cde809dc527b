package emulator

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/golang-jwt/jwt/v5"
	. "github.com/onsi/gomega"
)

// clientCert is an RSA client certificate, made once: RSA key generation is
// the slowest thing in this package.
var clientCert = sync.OnceValues(func() (*x509.Certificate, *rsa.PrivateKey) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "operator"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		panic(err)
	}
	return cert, key
})

const (
	federatedIssuer  = "https://oidc.example.test/cluster"
	federatedSubject = "system:serviceaccount:onlinemeeting-system:controller-manager"
)

// federatedToken stands in for a Kubernetes service-account token; the
// emulator does not check its signature, so any key will do.
func federatedToken(t *testing.T, sub string) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"iss": federatedIssuer, "sub": sub, "aud": "api://AzureADTokenExchange",
		"exp": time.Now().Add(time.Hour).Unix(),
	}).SignedString([]byte("kubernetes"))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func clientOptions(s *Server) azcore.ClientOptions {
	return azcore.ClientOptions{
		Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: s.URL() + "/"},
		Transport: s.HTTPClient(),
	}
}

func TestAzidentityCredentialsObtainTokensGraphAccepts(t *testing.T) {
	cert, key := clientCert()
	s := start(t, func(c *Config) {
		c.ClientCertificates = []*x509.Certificate{cert}
		c.FederatedIssuer, c.FederatedSubject = federatedIssuer, federatedSubject
	})
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(federatedToken(t, federatedSubject)), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		make func() (azcore.TokenCredential, error)
	}{
		{"ClientSecretCredential", func() (azcore.TokenCredential, error) {
			return azidentity.NewClientSecretCredential(testTenant, testClient, testSecret,
				&azidentity.ClientSecretCredentialOptions{ClientOptions: clientOptions(s), DisableInstanceDiscovery: true})
		}},
		{"ClientCertificateCredential", func() (azcore.TokenCredential, error) {
			return azidentity.NewClientCertificateCredential(testTenant, testClient, []*x509.Certificate{cert}, key,
				&azidentity.ClientCertificateCredentialOptions{ClientOptions: clientOptions(s), DisableInstanceDiscovery: true})
		}},
		{"ClientCertificateCredential sending x5c", func() (azcore.TokenCredential, error) {
			return azidentity.NewClientCertificateCredential(testTenant, testClient, []*x509.Certificate{cert}, key,
				&azidentity.ClientCertificateCredentialOptions{ClientOptions: clientOptions(s), DisableInstanceDiscovery: true,
					SendCertificateChain: true})
		}},
		{"ClientAssertionCredential", func() (azcore.TokenCredential, error) {
			return azidentity.NewClientAssertionCredential(testTenant, testClient,
				func(context.Context) (string, error) { return federatedToken(t, federatedSubject), nil },
				&azidentity.ClientAssertionCredentialOptions{ClientOptions: clientOptions(s), DisableInstanceDiscovery: true})
		}},
		{"WorkloadIdentityCredential", func() (azcore.TokenCredential, error) {
			return azidentity.NewWorkloadIdentityCredential(&azidentity.WorkloadIdentityCredentialOptions{
				ClientOptions: clientOptions(s), DisableInstanceDiscovery: true,
				TenantID: testTenant, ClientID: testClient, TokenFilePath: tokenFile})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			cred, err := tc.make()
			g.Expect(err).NotTo(HaveOccurred())
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			tok, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{s.URL() + "/.default"}})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(tok.ExpiresOn).To(BeTemporally("~", time.Now().Add(time.Hour), time.Minute))

			r := createOrGet(t, s, tok.Token, map[string]any{"externalId": tc.name})
			g.Expect(r.status).To(Equal(http.StatusCreated), string(r.raw))
		})
	}
}

func TestAzidentityReportsRefusedCredentials(t *testing.T) {
	cert, _ := clientCert()
	otherKey, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "stranger"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &otherKey.PublicKey, otherKey)
	if err != nil {
		t.Fatal(err)
	}
	otherCert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	s := start(t, func(c *Config) {
		c.ClientCertificates = []*x509.Certificate{cert}
		c.FederatedIssuer, c.FederatedSubject = federatedIssuer, federatedSubject
	})
	for _, tc := range []struct {
		name, code string
		make       func() (azcore.TokenCredential, error)
	}{
		{"wrong secret", "AADSTS7000215", func() (azcore.TokenCredential, error) {
			return azidentity.NewClientSecretCredential(testTenant, testClient, "wrong",
				&azidentity.ClientSecretCredentialOptions{ClientOptions: clientOptions(s), DisableInstanceDiscovery: true})
		}},
		{"unregistered certificate", "AADSTS700027", func() (azcore.TokenCredential, error) {
			return azidentity.NewClientCertificateCredential(testTenant, testClient, []*x509.Certificate{otherCert}, otherKey,
				&azidentity.ClientCertificateCredentialOptions{ClientOptions: clientOptions(s), DisableInstanceDiscovery: true})
		}},
		{"another service account", "AADSTS70021", func() (azcore.TokenCredential, error) {
			return azidentity.NewClientAssertionCredential(testTenant, testClient,
				func(context.Context) (string, error) {
					return federatedToken(t, "system:serviceaccount:default:default"), nil
				},
				&azidentity.ClientAssertionCredentialOptions{ClientOptions: clientOptions(s), DisableInstanceDiscovery: true})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			cred, err := tc.make()
			g.Expect(err).NotTo(HaveOccurred())
			_, err = cred.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{s.URL() + "/.default"}})
			g.Expect(err).To(MatchError(ContainSubstring(tc.code)))
		})
	}
}
