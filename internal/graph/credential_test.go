package graph

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

func TestNewCredentialPicksSecretThenCertificateThenFederatedToken(t *testing.T) {
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte("a.b.c"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := CredentialConfig{TenantID: "tenant", ClientID: "client"}

	secret := base
	secret.ClientSecret, secret.FederatedTokenFile = "s3cret", tokenFile
	cred, err := NewCredential(secret)
	if _, ok := cred.(*azidentity.ClientSecretCredential); err != nil || !ok {
		t.Errorf("secret: %T, %v", cred, err)
	}

	federated := base
	federated.FederatedTokenFile = tokenFile
	cred, err = NewCredential(federated)
	if _, ok := cred.(*azidentity.ClientAssertionCredential); err != nil || !ok {
		t.Errorf("federated: %T, %v", cred, err)
	}
}

func TestNewCredentialErrorsNameVariablesNeverValues(t *testing.T) {
	dir := t.TempDir()
	notACert := filepath.Join(dir, "cert.pem")
	if err := os.WriteFile(notACert, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		cfg      CredentialConfig
		mentions []string
	}{
		{"nothing set", CredentialConfig{}, []string{EnvTenantID, EnvClientID}},
		{"no client credential", CredentialConfig{TenantID: "t", ClientID: "c"}, []string{EnvClientSecret, EnvCertificatePath, EnvFederatedTokenFile}},
		{"plain-http authority", CredentialConfig{TenantID: "t", ClientID: "c", ClientSecret: "hunter2", AuthorityHost: "http://login.example"}, []string{EnvAuthorityHost}},
		{"unreadable certificate", CredentialConfig{TenantID: "t", ClientID: "c", CertificatePath: filepath.Join(dir, "missing.pem"), CertificatePassword: "hunter2"}, []string{EnvCertificatePath}},
		{"bad certificate", CredentialConfig{TenantID: "t", ClientID: "c", CertificatePath: notACert, CertificatePassword: "hunter2"}, []string{EnvCertificatePath}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewCredential(tt.cfg)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, m := range tt.mentions {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not name %s", err, m)
				}
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error %q leaks a secret", err)
			}
		})
	}
}

func TestCredentialConfigFromEnvReadsAzidentitysVariables(t *testing.T) {
	vals := map[string]string{
		EnvTenantID: "t", EnvClientID: "c", EnvClientSecret: "s", EnvCertificatePath: "/p",
		EnvCertificatePassword: "pw", EnvFederatedTokenFile: "/f", EnvAuthorityHost: "https://a/",
	}
	for k, v := range vals {
		t.Setenv(k, v)
	}
	got := CredentialConfigFromEnv()
	want := CredentialConfig{TenantID: "t", ClientID: "c", ClientSecret: "s", CertificatePath: "/p",
		CertificatePassword: "pw", FederatedTokenFile: "/f", AuthorityHost: "https://a/"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}
