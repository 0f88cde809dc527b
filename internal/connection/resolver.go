package connection

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/graph"
)

// Resolver reads connections, applies their policy and hands out one Graph
// client per connection. It is safe for concurrent use.
type Resolver struct {
	// Reader reads connections and Namespaces, normally the manager's
	// (cached) client.
	Reader client.Reader
	// SecretMetadata reads Secrets' metadata from the manager's cache
	// itself (its metadata-only informer), to notice a changed Secret
	// without a request to the apiserver.
	SecretMetadata client.Reader
	// Secrets reads Secret data live (the manager's API reader), so that no
	// Secret's data is ever cached.
	Secrets client.Reader
	// Tokens creates service account tokens for workload identity.
	Tokens client.SubResourceClientConstructor
	// ClusterResourceNamespace is where ClusterGraphConnections' Secrets
	// and service accounts live: the operator's own namespace.
	ClusterResourceNamespace string
	// DefaultConnection names the ClusterGraphConnection of meetings
	// without a connectionRef.
	DefaultConnection string
	// DefaultQPS and DefaultBurst limit each connection without a rateLimit.
	DefaultQPS   float64
	DefaultBurst int
	// Environment is the operator's own AZURE_* settings, for
	// operatorEnvironment; nil means graph.CredentialConfigFromEnv.
	Environment func() graph.CredentialConfig
	// HTTPClient carries Graph and Azure AD requests; nil means the graph
	// package's shared transport (and azcore's for tokens).
	HTTPClient *http.Client
	// Observer sees every Graph request, for metrics.
	Observer graph.Observer
	// UserAgent is sent with every Graph request.
	UserAgent string

	mu      sync.Mutex
	clients map[Ref]*entry
}

// entry is a connection's Graph client, valid while the connection and
// its Secret are as fingerprint says.
type entry struct {
	fingerprint string
	client      *graph.Client
	cred        azcore.TokenCredential
	// secrets are the credential values, so that error messages can be
	// scrubbed of them before anyone sees them.
	secrets []string
}

// Get reads a connection. A missing one is a *Refusal with reason
// ConnectionNotFound.
func (r *Resolver) Get(ctx context.Context, ref Ref) (*Connection, error) {
	c := &Connection{Ref: ref}
	switch ref.Kind {
	case teamsv1alpha1.KindGraphConnection:
		obj := &teamsv1alpha1.GraphConnection{}
		if err := r.Reader.Get(ctx, client.ObjectKey{Namespace: ref.Namespace, Name: ref.Name}, obj); err != nil {
			return nil, notFound(ref, err)
		}
		c.UID, c.Generation, c.Spec, c.Status = string(obj.UID), obj.Generation, &obj.Spec, &obj.Status
		c.Deleting = !obj.DeletionTimestamp.IsZero()
	case teamsv1alpha1.KindClusterGraphConnection:
		obj := &teamsv1alpha1.ClusterGraphConnection{}
		if err := r.Reader.Get(ctx, client.ObjectKey{Name: ref.Name}, obj); err != nil {
			return nil, notFound(ref, err)
		}
		c.UID, c.Generation, c.Spec, c.Status = string(obj.UID), obj.Generation, &obj.Spec.GraphConnectionSpec, &obj.Status
		c.Selector = obj.Spec.NamespaceSelector
		c.Deleting = !obj.DeletionTimestamp.IsZero()
		if c.Selector == nil {
			// Required by the schema; a missing one admits nobody.
			c.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"teams.meetings.dev/no-namespace-selector": "set"}}
		}
	default:
		return nil, refuse(teamsv1alpha1.ReasonConnectionNotFound, "spec.connectionRef.kind %q is neither GraphConnection nor ClusterGraphConnection.", ref.Kind)
	}
	c.TenantID = strings.ToLower(c.Spec.TenantID)
	if c.Spec.Credential.OperatorEnvironment != nil && c.TenantID == "" {
		c.TenantID = strings.ToLower(r.environment().TenantID)
	}
	return c, nil
}

func notFound(ref Ref, err error) error {
	if !apierrors.IsNotFound(err) {
		return err
	}
	hint := "create it, or set spec.connectionRef to an existing GraphConnection in this namespace or ClusterGraphConnection."
	if ref.Kind == teamsv1alpha1.KindGraphConnection {
		hint = "create it in this namespace, or set spec.connectionRef to an existing one."
	}
	return refuse(teamsv1alpha1.ReasonConnectionNotFound, "%s does not exist: %s", ref, hint)
}

// Admit reads the meeting's connection and applies its policy: the
// namespace and the organizer. It does not look at readiness, so that it
// also decides who may claim a meeting while a connection is being
// checked. A refusal is a *Refusal.
func (r *Resolver) Admit(ctx context.Context, m *teamsv1alpha1.OnlineMeeting) (*Connection, error) {
	c, err := r.Get(ctx, RefOf(m, r.DefaultConnection))
	if err != nil {
		return nil, err
	}
	if c.Selector != nil {
		ns := &corev1.Namespace{}
		if err := r.Reader.Get(ctx, client.ObjectKey{Name: m.Namespace}, ns); err != nil {
			if !apierrors.IsNotFound(err) {
				return nil, err
			}
			ns = nil
		}
		if refusal := admitNamespace(c, ns); refusal != nil {
			return nil, refusal
		}
	}
	if refusal := admitOrganizer(c, m.Spec.Organizer.UserID); refusal != nil {
		return nil, refusal
	}
	if c.Deleting && !controllerutil.ContainsFinalizer(m, meetingFinalizer) && m.DeletionTimestamp.IsZero() {
		// It waits only for the meetings that may have reached Graph
		// through it; a new one would outlive it in Teams.
		return nil, refuse(teamsv1alpha1.ReasonConnectionNotFound, "%s is being deleted and takes no new meetings.", c.Ref)
	}
	return c, nil
}

// meetingFinalizer is the OnlineMeeting reconciler's finalizer: a meeting
// holding it may have reached Graph.
const meetingFinalizer = "teams.meetings.dev/meeting"

// Client returns the connection's Graph client once the operator has
// signed in with it (its Ready condition), building it when the
// connection or its Secret changed since the last one.
func (r *Resolver) Client(ctx context.Context, c *Connection) (*graph.Client, error) {
	if refusal := admitReady(c); refusal != nil {
		return nil, refusal
	}
	e, err := r.entryFor(ctx, c)
	if err != nil {
		return nil, refuse(teamsv1alpha1.ReasonConnectionNotReady, "%s: %v", c.Ref, err)
	}
	return e.client, nil
}

// Check obtains a token with the connection's credential, as its
// reconciler does to set Ready. The error says what Azure AD or the
// credential's source answered, scrubbed of the credential's values; a
// *CredentialError when the credential could not even be built.
func (r *Resolver) Check(ctx context.Context, c *Connection) error {
	e, err := r.entryFor(ctx, c)
	if err != nil {
		return err
	}
	_, err = e.cred.GetToken(ctx, tokenOptions(e.client))
	if err != nil {
		return errors.New(scrub(err.Error(), e.secrets))
	}
	return nil
}

// Forget drops the cached client of a connection that is gone.
func (r *Resolver) Forget(ref Ref) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.clients, ref)
}

// entryFor returns the cached client for the connection as it is now.
func (r *Resolver) entryFor(ctx context.Context, c *Connection) (*entry, error) {
	secretVersion, err := r.secretVersion(ctx, c)
	var credErr *CredentialError
	if errors.As(err, &credErr) && c.Deleting {
		// A namespace being deleted takes the connection's Secret with it
		// while meetings still have to delete theirs: the client already
		// built (and its cached token) carries them through.
		r.mu.Lock()
		e := r.clients[c.Ref]
		r.mu.Unlock()
		if e != nil {
			return e, nil
		}
	}
	if err != nil {
		return nil, err
	}
	fp := fmt.Sprintf("%s/%d/%s", c.UID, c.Generation, secretVersion)
	r.mu.Lock()
	if e := r.clients[c.Ref]; e != nil && e.fingerprint == fp {
		r.mu.Unlock()
		return e, nil
	}
	r.mu.Unlock()

	e, err := r.build(ctx, c)
	if err != nil {
		return nil, err
	}
	e.fingerprint = fp
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.clients == nil {
		r.clients = map[Ref]*entry{}
	}
	if cur := r.clients[c.Ref]; cur != nil && cur.fingerprint == fp {
		// Another reconcile built it meanwhile: keep one token cache.
		return cur, nil
	}
	r.clients[c.Ref] = e
	return e, nil
}

// build makes the credential and the Graph client for the connection.
func (r *Resolver) build(ctx context.Context, c *Connection) (*entry, error) {
	endpoint, authority, err := endpoints(c.Spec)
	if err != nil {
		return nil, &CredentialError{Message: err.Error()}
	}
	credCfg, secrets, err := r.credentialConfig(ctx, c)
	if err != nil {
		return nil, err
	}
	credCfg.AuthorityHost = authority
	credCfg.HTTPClient = r.HTTPClient
	cred, err := graph.NewCredential(credCfg)
	if err != nil {
		return nil, &CredentialError{Message: scrub(err.Error(), secrets)}
	}
	qps, burst := r.DefaultQPS, r.DefaultBurst
	if rl := c.Spec.RateLimit; rl != nil {
		qps, burst = float64(rl.QPS), int(rl.Burst)
	}
	gc, err := graph.New(graph.Config{
		Endpoint:   endpoint,
		APIVersion: string(c.Spec.APIVersion),
		Credential: cred,
		HTTPClient: r.HTTPClient,
		QPS:        qps,
		Burst:      burst,
		Observer:   r.Observer,
		UserAgent:  r.UserAgent,
	})
	if err != nil {
		return nil, &CredentialError{Message: err.Error()}
	}
	return &entry{client: gc, cred: cred, secrets: secrets}, nil
}

// endpoints resolves the Graph root and the authority: the explicit
// fields win over the cloud preset.
func endpoints(spec *teamsv1alpha1.GraphConnectionSpec) (graphEndpoint, authorityHost string, err error) {
	cloud, err := graph.CloudByName(string(spec.Cloud))
	if err != nil {
		return "", "", err
	}
	graphEndpoint, authorityHost = cloud.GraphEndpoint, cloud.AuthorityHost
	if spec.GraphEndpoint != "" {
		graphEndpoint = spec.GraphEndpoint
	}
	if spec.AuthorityHost != "" {
		authorityHost = spec.AuthorityHost
	}
	return graphEndpoint, authorityHost, nil
}

// GraphEndpoint is the Graph root and version a connection sends to, for
// its status.
func GraphEndpoint(spec *teamsv1alpha1.GraphConnectionSpec) string {
	endpoint, _, err := endpoints(spec)
	if err != nil {
		return ""
	}
	version := string(spec.APIVersion)
	if version == "" {
		version = string(teamsv1alpha1.GraphAPIVersionV1)
	}
	return strings.TrimRight(endpoint, "/") + "/" + version
}

func tokenOptions(c *graph.Client) policy.TokenRequestOptions {
	return policy.TokenRequestOptions{Scopes: []string{c.Scope()}}
}

func (r *Resolver) environment() graph.CredentialConfig {
	if r.Environment != nil {
		return r.Environment()
	}
	return graph.CredentialConfigFromEnv()
}

// scrub removes every credential value from a message. Azure AD does not
// echo secrets, but a proxy's error page or a library's might.
func scrub(msg string, secrets []string) string {
	for _, s := range secrets {
		if len(s) >= 4 {
			msg = strings.ReplaceAll(msg, s, "[redacted]")
		}
	}
	return msg
}

// RefOf is the connection a meeting uses: its connectionRef, else the
// default ClusterGraphConnection.
func (r *Resolver) RefOf(m *teamsv1alpha1.OnlineMeeting) Ref { return RefOf(m, r.DefaultConnection) }
