package graph

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// The environment variables CredentialConfigFromEnv reads: azidentity's names,
// which the Azure workload identity webhook also sets.
const (
	EnvTenantID            = "AZURE_TENANT_ID"
	EnvClientID            = "AZURE_CLIENT_ID"
	EnvClientSecret        = "AZURE_CLIENT_SECRET"
	EnvCertificatePath     = "AZURE_CLIENT_CERTIFICATE_PATH"
	EnvCertificatePassword = "AZURE_CLIENT_CERTIFICATE_PASSWORD"
	EnvFederatedTokenFile  = "AZURE_FEDERATED_TOKEN_FILE"
	EnvAuthorityHost       = "AZURE_AUTHORITY_HOST"
)

// CredentialConfig chooses and configures the app's credential. NewCredential
// uses ClientSecret if set, else CertificatePath, else FederatedTokenFile.
type CredentialConfig struct {
	// TenantID is the Azure AD tenant (directory) id; required.
	TenantID string
	// ClientID is the app registration's client id; required.
	ClientID string
	// ClientSecret selects client-secret authentication.
	ClientSecret string
	// CertificatePath is a PEM or PKCS#12 file holding the certificate and its
	// private key; selects client-certificate authentication.
	CertificatePath string
	// CertificatePassword decrypts a PKCS#12 CertificatePath.
	CertificatePassword string
	// CertificatePEM holds the certificate and its private key in PEM (or
	// PKCS#12) form, as read from a Kubernetes Secret; selects
	// client-certificate authentication like CertificatePath.
	CertificatePEM []byte
	// Assertion returns a client assertion (a Kubernetes service-account
	// token) for workload identity federation; it is called whenever a new
	// Azure AD token is needed.
	Assertion func(context.Context) (string, error)
	// FederatedTokenFile is a Kubernetes service-account token file used as a
	// client assertion (workload identity federation); it is re-read whenever a
	// new Azure AD token is needed, because the kubelet rotates it.
	FederatedTokenFile string
	// AuthorityHost is the Azure AD authority; default the public cloud's.
	AuthorityHost string
	// HTTPClient carries the token requests; default azcore's transport. Tests
	// pass the emulator's client, which trusts its certificate.
	HTTPClient *http.Client
}

// CredentialConfigFromEnv reads the AZURE_* variables named by the Env constants.
func CredentialConfigFromEnv() CredentialConfig {
	return CredentialConfig{
		TenantID:            os.Getenv(EnvTenantID),
		ClientID:            os.Getenv(EnvClientID),
		ClientSecret:        os.Getenv(EnvClientSecret),
		CertificatePath:     os.Getenv(EnvCertificatePath),
		CertificatePassword: os.Getenv(EnvCertificatePassword),
		FederatedTokenFile:  os.Getenv(EnvFederatedTokenFile),
		AuthorityHost:       os.Getenv(EnvAuthorityHost),
	}
}

// NewCredential builds an azidentity credential from cfg. azidentity caches the
// token in memory and fetches a new one shortly before it expires. Errors name
// the missing settings by their environment variable, never their values.
func NewCredential(cfg CredentialConfig) (azcore.TokenCredential, error) {
	var missing []string
	if cfg.TenantID == "" {
		missing = append(missing, EnvTenantID)
	}
	if cfg.ClientID == "" {
		missing = append(missing, EnvClientID)
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("graph: credential: %s not set", strings.Join(missing, " and "))
	}
	authority := cfg.AuthorityHost
	if authority == "" {
		authority = clouds[0].AuthorityHost
	}
	u, err := url.Parse(authority)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("graph: credential: %s must be an https URL", EnvAuthorityHost)
	}
	opts := azcore.ClientOptions{Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: authority}}
	if cfg.HTTPClient != nil {
		opts.Transport = cfg.HTTPClient
	}
	disableDiscovery := !knownAuthorityHosts[strings.ToLower(u.Hostname())]

	switch {
	case cfg.ClientSecret != "":
		return azidentity.NewClientSecretCredential(cfg.TenantID, cfg.ClientID, cfg.ClientSecret,
			&azidentity.ClientSecretCredentialOptions{ClientOptions: opts, DisableInstanceDiscovery: disableDiscovery})
	case len(cfg.CertificatePEM) > 0:
		certs, key, err := azidentity.ParseCertificates(cfg.CertificatePEM, []byte(cfg.CertificatePassword))
		if err != nil {
			return nil, errors.New("graph: credential: the certificate and private key could not be parsed (PEM with both, or PKCS#12 without a password, is expected)")
		}
		return azidentity.NewClientCertificateCredential(cfg.TenantID, cfg.ClientID, certs, key,
			&azidentity.ClientCertificateCredentialOptions{ClientOptions: opts, DisableInstanceDiscovery: disableDiscovery})
	case cfg.Assertion != nil:
		return azidentity.NewClientAssertionCredential(cfg.TenantID, cfg.ClientID, cfg.Assertion,
			&azidentity.ClientAssertionCredentialOptions{ClientOptions: opts, DisableInstanceDiscovery: disableDiscovery})
	case cfg.CertificatePath != "":
		data, err := os.ReadFile(cfg.CertificatePath)
		if err != nil {
			return nil, fmt.Errorf("graph: credential: reading %s: %w", EnvCertificatePath, err)
		}
		certs, key, err := azidentity.ParseCertificates(data, []byte(cfg.CertificatePassword))
		if err != nil {
			return nil, fmt.Errorf("graph: credential: parsing the certificate in %s (wrong %s?): %w", EnvCertificatePath, EnvCertificatePassword, err)
		}
		return azidentity.NewClientCertificateCredential(cfg.TenantID, cfg.ClientID, certs, key,
			&azidentity.ClientCertificateCredentialOptions{ClientOptions: opts, DisableInstanceDiscovery: disableDiscovery})
	case cfg.FederatedTokenFile != "":
		// ClientAssertionCredential rather than WorkloadIdentityCredential: the
		// latter falls back to environment variables for anything unset, and keeps
		// the assertion for ten minutes; reading the file on each token request
		// picks up the kubelet's rotation at once and keeps configuration explicit.
		path := cfg.FederatedTokenFile
		return azidentity.NewClientAssertionCredential(cfg.TenantID, cfg.ClientID, func(context.Context) (string, error) {
			b, err := os.ReadFile(path)
			if err != nil {
				return "", fmt.Errorf("reading %s: %w", EnvFederatedTokenFile, err)
			}
			if tok := strings.TrimSpace(string(b)); tok != "" {
				return tok, nil
			}
			return "", errors.New(EnvFederatedTokenFile + " is empty")
		}, &azidentity.ClientAssertionCredentialOptions{ClientOptions: opts, DisableInstanceDiscovery: disableDiscovery})
	default:
		return nil, fmt.Errorf("graph: credential: none of %s, %s or %s is set", EnvClientSecret, EnvCertificatePath, EnvFederatedTokenFile)
	}
}
