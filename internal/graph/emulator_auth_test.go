package graph_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/emulator"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/graph"
)

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

func TestEmulatorClientCertificateCredential(t *testing.T) {
	// azidentity signs client assertions with RS256 and accepts only RSA keys.
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "onlinemeeting-operator"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	keyDER, _ := x509.MarshalPKCS8PrivateKey(key)
	path := filepath.Join(t.TempDir(), "client.pem")
	pemData := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})...)
	if err := os.WriteFile(path, pemData, 0o600); err != nil {
		t.Fatal(err)
	}

	e := start(t, "v1.0", false, func(c *emulator.Config) { c.ClientSecret = ""; c.ClientCertificates = []*x509.Certificate{cert} })
	c := newClient(t, e.srv, "v1.0", graph.CredentialConfig{CertificatePath: path})
	if _, created, err := c.CreateOrGet(context.Background(), organizer, request("ext-cert")); err != nil || !created {
		t.Fatalf("created=%v err=%v", created, err)
	}
}

func TestEmulatorFederatedTokenFileIsReReadForEachTokenRequest(t *testing.T) {
	const issuer, subject = "https://oidc.example/cluster", "system:serviceaccount:onlinemeeting-system:controller"
	path := filepath.Join(t.TempDir(), "token")
	writeAssertion := func(sub string) {
		t.Helper()
		tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
			"iss": issuer, "sub": sub, "aud": "api://AzureADTokenExchange",
			"iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix(),
		})
		// The emulator does not check the signature (it cannot reach the issuer's keys).
		s, err := tok.SignedString([]byte("kubelet-signing-key-stand-in"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(s+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	writeAssertion(subject)

	// Tokens shorter than azidentity's 5-minute margin make every call fetch one.
	e := start(t, "v1.0", false, func(c *emulator.Config) {
		c.ClientSecret = ""
		c.FederatedIssuer, c.FederatedSubject = issuer, subject
		c.TokenLifetime = 2 * time.Minute
	})
	c := newClient(t, e.srv, "v1.0", graph.CredentialConfig{FederatedTokenFile: path})
	ctx := context.Background()
	if _, _, err := c.CreateOrGet(ctx, organizer, request("ext-federated")); err != nil {
		t.Fatalf("with the projected token: %v", err)
	}

	// A rotated file is used at once: a token for another service account is refused.
	writeAssertion("system:serviceaccount:other:other")
	_, err := c.Get(ctx, organizer, "any")
	wantClass(t, err, graph.ClassUnauthorized)

	writeAssertion(subject)
	if _, _, err := c.CreateOrGet(ctx, organizer, request("ext-federated")); err != nil {
		t.Fatalf("after rotating back: %v", err)
	}
}
