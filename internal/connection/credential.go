package connection

import (
	"bytes"
	"context"
	"fmt"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/graph"
)

// Defaults of the credential sources.
const (
	// DefaultClientSecretKey is the Secret key of a client secret.
	DefaultClientSecretKey = "clientSecret"
	// DefaultCertificateKey is the Secret key of a client certificate, as
	// in a kubernetes.io/tls Secret.
	DefaultCertificateKey = corev1.TLSCertKey
	// DefaultWorkloadIdentityAudience is the audience Azure AD expects of a
	// federated service account token.
	DefaultWorkloadIdentityAudience = "api://AzureADTokenExchange"
)

// CredentialError is a credential that cannot be built: a missing Secret
// or key, an unparsable certificate, an endpoint that is not https. The
// connection's owner has to fix it; Azure AD was not asked.
type CredentialError struct{ Message string }

func (e *CredentialError) Error() string { return e.Message }

func credentialErrorf(format string, args ...any) *CredentialError {
	return &CredentialError{Message: fmt.Sprintf(format, args...)}
}

// credentialNamespace is where a connection's Secrets and service
// accounts live: its own namespace, or the operator's for a
// ClusterGraphConnection.
func (r *Resolver) credentialNamespace(c *Connection) string {
	if c.Ref.Namespace != "" {
		return c.Ref.Namespace
	}
	return r.ClusterResourceNamespace
}

// secretName is the Secret the connection's credential reads, if any.
func secretName(c *Connection) string {
	cred := c.Spec.Credential
	switch {
	case cred.ClientSecret != nil:
		return cred.ClientSecret.SecretRef.Name
	case cred.ClientCertificate != nil:
		return cred.ClientCertificate.SecretRef.Name
	}
	return ""
}

// SecretKey is the namespace and name of the Secret a connection reads,
// for the watch that re-checks connections when their Secret changes.
func (r *Resolver) SecretKey(c *Connection) (client.ObjectKey, bool) {
	name := secretName(c)
	return client.ObjectKey{Namespace: r.credentialNamespace(c), Name: name}, name != ""
}

// secretVersion is the resourceVersion of the connection's Secret, read
// from the metadata-only cache: a change rebuilds the credential.
func (r *Resolver) secretVersion(ctx context.Context, c *Connection) (string, error) {
	key, ok := r.SecretKey(c)
	if !ok {
		return "", nil
	}
	meta := &metav1.PartialObjectMetadata{}
	meta.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
	if err := r.SecretMetadata.Get(ctx, key, meta); err != nil {
		if apierrors.IsNotFound(err) {
			return "", credentialErrorf("Secret %s does not exist.", key)
		}
		return "", err
	}
	return meta.ResourceVersion, nil
}

// credentialConfig reads what the connection's credential source needs.
// It returns the secret values too, to scrub them from messages.
func (r *Resolver) credentialConfig(ctx context.Context, c *Connection) (graph.CredentialConfig, []string, error) {
	cfg := graph.CredentialConfig{TenantID: c.Spec.TenantID, ClientID: c.Spec.ClientID}
	cred := c.Spec.Credential
	ns := r.credentialNamespace(c)
	switch {
	case cred.ClientSecret != nil:
		value, err := r.secretValue(ctx, ns, cred.ClientSecret.SecretRef.Name, keyOr(cred.ClientSecret.SecretRef.Key, DefaultClientSecretKey))
		if err != nil {
			return cfg, nil, err
		}
		cfg.ClientSecret = string(value)
		return cfg, []string{cfg.ClientSecret}, nil
	case cred.ClientCertificate != nil:
		ref := cred.ClientCertificate.SecretRef
		certKey := keyOr(ref.Key, DefaultCertificateKey)
		data, err := r.secretValue(ctx, ns, ref.Name, certKey)
		if err != nil {
			return cfg, nil, err
		}
		if !bytes.Contains(data, []byte("PRIVATE KEY")) {
			key, err := r.secretValue(ctx, ns, ref.Name, corev1.TLSPrivateKeyKey)
			if err != nil {
				return cfg, nil, credentialErrorf("Secret %s/%s: key %s holds no private key, and %v", ns, ref.Name, certKey, err)
			}
			data = append(append(data, '\n'), key...)
		}
		cfg.CertificatePEM = data
		return cfg, nil, nil
	case cred.WorkloadIdentity != nil:
		cfg.Assertion = r.serviceAccountToken(ns, cred.WorkloadIdentity.ServiceAccountName,
			keyOr(cred.WorkloadIdentity.Audience, DefaultWorkloadIdentityAudience))
		return cfg, nil, nil
	case cred.OperatorEnvironment != nil:
		env := r.environment()
		if cfg.TenantID != "" {
			env.TenantID = cfg.TenantID
		}
		if cfg.ClientID != "" {
			env.ClientID = cfg.ClientID
		}
		return env, []string{env.ClientSecret}, nil
	}
	return cfg, nil, credentialErrorf("spec.credential names no credential source.")
}

// secretValue reads one key of a Secret, live: Secret data is never cached.
func (r *Resolver) secretValue(ctx context.Context, namespace, name, key string) ([]byte, error) {
	s := &corev1.Secret{}
	if err := r.Secrets.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, s); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, credentialErrorf("Secret %s/%s does not exist.", namespace, name)
		}
		if apierrors.IsForbidden(err) {
			return nil, credentialErrorf("the operator may not read Secret %s/%s.", namespace, name)
		}
		return nil, err
	}
	v := s.Data[key]
	if len(bytes.TrimSpace(v)) == 0 {
		return nil, credentialErrorf("Secret %s/%s has no key %s (or it is empty).", namespace, name, key)
	}
	return bytes.TrimSpace(v), nil
}

// serviceAccountToken returns a client assertion source that asks the
// apiserver for a short-lived token of the service account, for each new
// Azure AD token: nothing is stored.
func (r *Resolver) serviceAccountToken(namespace, name, audience string) func(context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name}}
		req := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{
			Audiences:         []string{audience},
			ExpirationSeconds: ptr.To[int64](3600),
		}}
		if err := r.Tokens.SubResource("token").Create(ctx, sa, req); err != nil {
			return "", fmt.Errorf("requesting a token of service account %s/%s: %s", namespace, name, apiReason(err))
		}
		return req.Status.Token, nil
	}
}

// apiReason says why the apiserver refused, without echoing a body.
func apiReason(err error) string {
	switch {
	case apierrors.IsNotFound(err):
		return "it does not exist"
	case apierrors.IsForbidden(err):
		return "the operator may not create its tokens (grant it create on serviceaccounts/token for this service account; see docs/install.md)"
	default:
		return err.Error()
	}
}

func keyOr(key, def string) string {
	if key == "" {
		return def
	}
	return key
}
