package chart

import (
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// connection mirrors the fields of api/v1alpha1's GraphConnection and
// ClusterGraphConnection that the chart, config/default and the samples
// write. decodeInto is strict, so a field name the API does not have fails
// the test; the operator's module is not imported, to keep this module's
// dependencies apart from it.
type connection struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Metadata   metav1.ObjectMeta `json:"metadata"`
	Spec       struct {
		Cloud         string `json:"cloud,omitempty"`
		GraphEndpoint string `json:"graphEndpoint,omitempty"`
		AuthorityHost string `json:"authorityHost,omitempty"`
		APIVersion    string `json:"apiVersion,omitempty"`
		RateLimit     *struct {
			QPS   int32 `json:"qps"`
			Burst int32 `json:"burst,omitempty"`
		} `json:"rateLimit,omitempty"`
		TenantID   string `json:"tenantId,omitempty"`
		ClientID   string `json:"clientId,omitempty"`
		Credential struct {
			ClientSecret      *secretRefCredential `json:"clientSecret,omitempty"`
			ClientCertificate *secretRefCredential `json:"clientCertificate,omitempty"`
			WorkloadIdentity  *struct {
				ServiceAccountName string `json:"serviceAccountName"`
				Audience           string `json:"audience,omitempty"`
			} `json:"workloadIdentity,omitempty"`
			OperatorEnvironment *struct{} `json:"operatorEnvironment,omitempty"`
		} `json:"credential"`
		Organizers struct {
			Allowed []string `json:"allowed,omitempty"`
			Any     bool     `json:"any,omitempty"`
		} `json:"organizers"`
		NamespaceSelector *metav1.LabelSelector `json:"namespaceSelector,omitempty"`
	} `json:"spec"`
}

type secretRefCredential struct {
	SecretRef struct {
		Name string `json:"name"`
		Key  string `json:"key,omitempty"`
	} `json:"secretRef"`
}

// sources are the credential sources a connection sets; the API demands
// exactly one.
func (c *connection) sources() []string {
	var set []string
	cred := c.Spec.Credential
	for name, isSet := range map[string]bool{
		"clientSecret": cred.ClientSecret != nil, "clientCertificate": cred.ClientCertificate != nil,
		"workloadIdentity": cred.WorkloadIdentity != nil, "operatorEnvironment": cred.OperatorEnvironment != nil,
	} {
		if isSet {
			set = append(set, name)
		}
	}
	sort.Strings(set)
	return set
}

// assertDefaultConnection checks what both installers promise of the
// default ClusterGraphConnection: named exactly as the manager's
// --default-connection says (no prefix), cluster-scoped, signing in with
// the operator's environment, with both policies written down.
func assertDefaultConnection(t *testing.T, objs objects, manager corev1.Container) connection {
	t.Helper()
	found := objs.ofKind("ClusterGraphConnection")
	if len(found) != 1 {
		t.Fatalf("want one ClusterGraphConnection, got %d", len(found))
	}
	var c connection
	decodeInto(t, found[0], &c)
	if c.APIVersion != "teams.meetings.dev/v1alpha1" {
		t.Errorf("apiVersion = %q", c.APIVersion)
	}
	if c.Metadata.Name != "default" {
		t.Errorf("ClusterGraphConnection is named %q; meetings without connectionRef look for \"default\"", c.Metadata.Name)
	}
	if !slices.Contains(manager.Args, "--default-connection="+c.Metadata.Name) {
		t.Errorf("manager args %v do not name the connection %q", manager.Args, c.Metadata.Name)
	}
	if c.Metadata.Namespace != "" {
		t.Errorf("ClusterGraphConnection has namespace %q; it is cluster-scoped", c.Metadata.Namespace)
	}
	if got := c.sources(); !slices.Equal(got, []string{"operatorEnvironment"}) {
		t.Errorf("credential sources = %v, want [operatorEnvironment]", got)
	}
	if c.Spec.NamespaceSelector == nil {
		t.Errorf("no namespaceSelector: who may use the operator's identity must be written down")
	}
	if len(c.Spec.Organizers.Allowed) == 0 && !c.Spec.Organizers.Any {
		t.Errorf("organizers admit no one")
	}
	for _, id := range c.Spec.Organizers.Allowed {
		if !guid.MatchString(id) {
			t.Errorf("organizer %q is not an object id", id)
		}
	}
	return c
}

// assertPodNamespaceFromDownwardAPI checks that the manager learns its own
// namespace, where ClusterGraphConnections' Secrets live, from the downward
// API.
func assertPodNamespaceFromDownwardAPI(t *testing.T, c corev1.Container) {
	t.Helper()
	for _, e := range c.Env {
		if e.Name != "POD_NAMESPACE" {
			continue
		}
		if e.Value != "" || e.ValueFrom == nil || e.ValueFrom.FieldRef == nil || e.ValueFrom.FieldRef.FieldPath != "metadata.namespace" {
			t.Errorf("POD_NAMESPACE = %+v, want valueFrom.fieldRef metadata.namespace", e)
		}
		return
	}
	t.Errorf("manager env %v lacks POD_NAMESPACE", c.Env)
}

const aggregateLabel = "rbac.authorization.k8s.io/aggregate-to-"

// grants flattens RBAC rules into "resource verb" pairs of the operator's
// API group.
func grants(t *testing.T, rules []rbacv1.PolicyRule) []string {
	t.Helper()
	var out []string
	for _, r := range rules {
		if !slices.Equal(r.APIGroups, []string{"teams.meetings.dev"}) || len(r.ResourceNames) > 0 || len(r.NonResourceURLs) > 0 {
			t.Errorf("rule %+v reaches beyond the teams.meetings.dev resources", r)
		}
		for _, res := range r.Resources {
			for _, v := range r.Verbs {
				out = append(out, res+" "+v)
			}
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}

func product(resources, verbs []string) []string {
	var out []string
	for _, r := range resources {
		for _, v := range verbs {
			out = append(out, r+" "+v)
		}
	}
	sort.Strings(out)
	return out
}

// assertUserRoles checks the ClusterRoles for people that both installers
// ship, named prefix + role: namespace editors manage OnlineMeetings (never
// their status, finalizers or any connection), viewers read them, and
// connections are managed only by whoever a cluster administrator binds
// graphconnection-admin to.
func assertUserRoles(t *testing.T, objs objects, prefix string) {
	t.Helper()
	readOnly := []string{"get", "list", "watch"}
	tests := []struct {
		role       string
		aggregates []string // the built-in roles it joins
		want       []string
	}{
		{"onlinemeeting-editor", []string{"admin", "edit"},
			product([]string{"meetingschedules", "onlinemeetings"}, []string{"create", "delete", "get", "list", "patch", "update", "watch"})},
		{"onlinemeeting-viewer", []string{"view"},
			product([]string{"meetingschedules", "meetingschedules/status", "onlinemeetings", "onlinemeetings/status"}, readOnly)},
		{"graphconnection-admin", nil, append(
			product([]string{"graphconnections", "clustergraphconnections"}, []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}),
			product([]string{"graphconnections/status", "clustergraphconnections/status"}, readOnly)...)},
	}
	for _, tt := range tests {
		t.Run(tt.role, func(t *testing.T) {
			var role rbacv1.ClusterRole
			objs.named(t, "ClusterRole", prefix+tt.role, &role)
			var aggregates []string
			for k, v := range role.Labels {
				if name, ok := strings.CutPrefix(k, aggregateLabel); ok && v == "true" {
					aggregates = append(aggregates, name)
				}
			}
			sort.Strings(aggregates)
			if !slices.Equal(aggregates, tt.aggregates) {
				t.Errorf("aggregated into %v, want %v", aggregates, tt.aggregates)
			}
			got := grants(t, role.Rules)
			sort.Strings(tt.want)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("grants\n  %v\nwant\n  %v", got, tt.want)
			}
			if tt.role == "onlinemeeting-editor" {
				for _, g := range got {
					if strings.Contains(g, "/status") || strings.Contains(g, "/finalizers") || strings.Contains(g, "graphconnections") {
						t.Errorf("namespace editors get %q: only the operator writes status and finalizers, and connections are a cluster administrator's", g)
					}
				}
			}
		})
	}
}

// TestSamplesAreValidConnections decodes the sample connections strictly
// and checks what the API would refuse.
func TestSamplesAreValidConnections(t *testing.T) {
	dir := filepath.Join(repoRoot(t), "config", "samples")
	for file, kind := range map[string]string{
		"teams_v1alpha1_clustergraphconnection.yaml": "ClusterGraphConnection",
		"teams_v1alpha1_graphconnection.yaml":        "GraphConnection",
	} {
		t.Run(kind, func(t *testing.T) {
			objs := decodeManifests(t, file, readFile(t, filepath.Join(dir, file)))
			found := objs.ofKind(kind)
			if len(found) != 1 {
				t.Fatalf("%s holds %d %s", file, len(found), kind)
			}
			var c connection
			decodeInto(t, found[0], &c)
			if n := len(c.sources()); n != 1 {
				t.Errorf("credential sets %v, want exactly one source", c.sources())
			}
			if (len(c.Spec.Organizers.Allowed) > 0) == c.Spec.Organizers.Any {
				t.Errorf("organizers %+v: set allowed or any: true, not both or neither", c.Spec.Organizers)
			}
			switch kind {
			case "ClusterGraphConnection":
				if c.Metadata.Name != "default" || c.Spec.Credential.OperatorEnvironment == nil || c.Spec.NamespaceSelector == nil {
					t.Errorf("want the default connection with operatorEnvironment and a namespaceSelector, got %+v", c)
				}
			case "GraphConnection":
				if c.Spec.NamespaceSelector != nil || c.Spec.Credential.OperatorEnvironment != nil {
					t.Errorf("a GraphConnection has no namespaceSelector and may not use operatorEnvironment")
				}
				if !guid.MatchString(c.Spec.TenantID) || !guid.MatchString(c.Spec.ClientID) {
					t.Errorf("tenantId %q and clientId %q must be GUIDs", c.Spec.TenantID, c.Spec.ClientID)
				}
				if cs := c.Spec.Credential.ClientSecret; cs == nil || cs.SecretRef.Name != "graph-app" || cs.SecretRef.Key != "clientSecret" {
					t.Errorf("credential = %+v, want clientSecret from Secret graph-app key clientSecret", c.Spec.Credential)
				}
			}
		})
	}
	listed := string(readFile(t, filepath.Join(dir, "kustomization.yaml")))
	for _, file := range []string{"teams_v1alpha1_clustergraphconnection.yaml", "teams_v1alpha1_graphconnection.yaml"} {
		if !strings.Contains(listed, "- "+file) {
			t.Errorf("config/samples/kustomization.yaml does not list %s", file)
		}
	}
}
