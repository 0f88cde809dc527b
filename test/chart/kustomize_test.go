package chart

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// The namespace and name prefix config/default promises.
const (
	installNamespace = "onlinemeeting-operator-system"
	installPrefix    = "onlinemeeting-operator-"
)

// buildConfigDefault runs what `make build-installer` runs (kustomize build
// config/default) in process, with the kustomize API the pinned CLI is built
// on.
func buildConfigDefault(t *testing.T) objects {
	t.Helper()
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	resMap, err := k.Run(filesys.MakeFsOnDisk(), filepath.Join(repoRoot(t), "config", "default"))
	if err != nil {
		t.Fatalf("kustomize build config/default: %v", err)
	}
	out, err := resMap.AsYaml()
	if err != nil {
		t.Fatal(err)
	}
	return decodeManifests(t, "config/default", out)
}

func TestKustomizeDefaultBuildsTheInstaller(t *testing.T) {
	objs := buildConfigDefault(t)
	for kind, want := range map[string]int{
		"Namespace": 1, "CustomResourceDefinition": 4, "ServiceAccount": 1, "ClusterRole": 6,
		"ClusterRoleBinding": 2, "Role": 1, "RoleBinding": 1, "Service": 1, "Deployment": 1,
		"ClusterGraphConnection": 1,
	} {
		if got := len(objs.ofKind(kind)); got != want {
			t.Errorf("want %d %s, built %d", want, kind, got)
		}
	}
	for _, o := range objs {
		switch o.GetKind() {
		case "Namespace":
			if o.GetName() != installNamespace {
				t.Errorf("Namespace is %q, want %q", o.GetName(), installNamespace)
			}
		case "CustomResourceDefinition":
			plural, _, _ := unstructured.NestedString(o.Object, "spec", "names", "plural")
			if o.GetName() != plural+".teams.meetings.dev" {
				t.Errorf("CRD is named %q; a CRD's name must be plural.group, never prefixed", o.GetName())
			}
		case "ClusterGraphConnection":
			// Checked by TestKustomizeDefaultCreatesTheDefaultConnection.
		case "ClusterRole", "ClusterRoleBinding":
			if !strings.HasPrefix(o.GetName(), installPrefix) {
				t.Errorf("%s %s lacks the prefix %q", o.GetKind(), o.GetName(), installPrefix)
			}
		default:
			if o.GetNamespace() != installNamespace || !strings.HasPrefix(o.GetName(), installPrefix) {
				t.Errorf("%s %s/%s is not %s/%s*", o.GetKind(), o.GetNamespace(), o.GetName(), installNamespace, installPrefix)
			}
		}
	}
}

func TestKustomizeDeploymentIsHardened(t *testing.T) {
	objs := buildConfigDefault(t)
	var d appsv1.Deployment
	objs.one(t, "Deployment", &d)
	assertHardened(t, &d)

	c := d.Spec.Template.Spec.Containers[0]
	if want := "ghcr.io/onlinemeeting-operator/onlinemeeting-operator:v0.1.0"; c.Image != want {
		t.Errorf("image = %q, want %q", c.Image, want)
	}
	if !slices.Contains(c.Args, "--metrics-bind-address=:8443") {
		t.Errorf("args %v lack --metrics-bind-address=:8443", c.Args)
	}
	assertNoRemovedFlags(t, c.Args)
	assertPodNamespaceFromDownwardAPI(t, c)
	// The credentials Secret is optional so the installer applies before it
	// exists; its name is fixed, so namePrefix must not have touched it.
	if len(c.EnvFrom) != 1 || c.EnvFrom[0].SecretRef == nil ||
		c.EnvFrom[0].SecretRef.Name != "onlinemeeting-operator-azure" ||
		c.EnvFrom[0].SecretRef.Optional == nil || !*c.EnvFrom[0].SecretRef.Optional {
		t.Errorf("envFrom = %+v, want the optional Secret onlinemeeting-operator-azure", c.EnvFrom)
	}

	var sa corev1.ServiceAccount
	objs.one(t, "ServiceAccount", &sa)
	if d.Spec.Template.Spec.ServiceAccountName != sa.Name {
		t.Errorf("Deployment runs as %q, the installer creates ServiceAccount %q", d.Spec.Template.Spec.ServiceAccountName, sa.Name)
	}
	var svc corev1.Service
	objs.one(t, "Service", &svc)
	for k, v := range svc.Spec.Selector {
		if d.Spec.Template.Labels[k] != v {
			t.Errorf("metrics Service selects %s=%s, which the pods do not carry", k, v)
		}
	}
}

func TestKustomizeRBACIsLeastPrivilege(t *testing.T) {
	objs := buildConfigDefault(t)
	var sa corev1.ServiceAccount
	objs.one(t, "ServiceAccount", &sa)

	var cr rbacv1.ClusterRole
	objs.named(t, "ClusterRole", installPrefix+"manager-role", &cr)
	assertNoWildcards(t, "ClusterRole "+cr.Name, cr.Rules)
	for _, r := range cr.Rules {
		for _, g := range r.APIGroups {
			if g != "teams.meetings.dev" && g != "" && g != "events.k8s.io" {
				t.Errorf("ClusterRole reaches into API group %q: %+v", g, r)
			}
		}
	}
	var crb rbacv1.ClusterRoleBinding
	objs.named(t, "ClusterRoleBinding", installPrefix+"manager-rolebinding", &crb)
	if crb.RoleRef.Name != cr.Name || len(crb.Subjects) != 1 || crb.Subjects[0].Name != sa.Name || crb.Subjects[0].Namespace != installNamespace {
		t.Errorf("ClusterRoleBinding %+v does not bind %s to %s/%s", crb, cr.Name, installNamespace, sa.Name)
	}

	var role rbacv1.Role
	objs.one(t, "Role", &role)
	assertNoWildcards(t, "Role "+role.Name, role.Rules)
	var rb rbacv1.RoleBinding
	objs.one(t, "RoleBinding", &rb)
	if rb.RoleRef.Name != role.Name || len(rb.Subjects) != 1 || rb.Subjects[0].Name != sa.Name || rb.Subjects[0].Namespace != installNamespace {
		t.Errorf("RoleBinding %+v does not bind %s to %s/%s", rb, role.Name, installNamespace, sa.Name)
	}
}

// TestKustomizeDefaultCreatesTheDefaultConnection: the installer writes the
// default connection's policy down in the cluster, under the very name the
// manager looks for, which namePrefix must not have changed.
func TestKustomizeDefaultCreatesTheDefaultConnection(t *testing.T) {
	objs := buildConfigDefault(t)
	var d appsv1.Deployment
	objs.one(t, "Deployment", &d)
	c := assertDefaultConnection(t, objs, d.Spec.Template.Spec.Containers[0])
	if c.Spec.Cloud != "public" {
		t.Errorf("cloud = %q, want public", c.Spec.Cloud)
	}
	if sel := c.Spec.NamespaceSelector; sel == nil || sel.MatchLabels["teams.meetings.dev/enabled"] != "true" {
		t.Errorf("namespaceSelector = %+v, want teams.meetings.dev/enabled=true", sel)
	}
}

func TestKustomizeUserRoles(t *testing.T) {
	assertUserRoles(t, buildConfigDefault(t), installPrefix)
}

// TestKustomizeWorkloadIdentityOverlay builds the overlay docs/install.md
// shows, so its patches keep matching the names config/default produces.
func TestKustomizeWorkloadIdentityOverlay(t *testing.T) {
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	resMap, err := k.Run(filesys.MakeFsOnDisk(), filepath.Join(repoRoot(t), "docs", "examples", "kustomize-workload-identity"))
	if err != nil {
		t.Fatalf("kustomize build docs/examples/kustomize-workload-identity: %v", err)
	}
	out, err := resMap.AsYaml()
	if err != nil {
		t.Fatal(err)
	}
	objs := decodeManifests(t, "kustomize-workload-identity", out)
	var sa corev1.ServiceAccount
	objs.one(t, "ServiceAccount", &sa)
	if sa.Annotations["azure.workload.identity/client-id"] == "" {
		t.Errorf("ServiceAccount annotations %v lack azure.workload.identity/client-id", sa.Annotations)
	}
	var d appsv1.Deployment
	objs.one(t, "Deployment", &d)
	if got := d.Spec.Template.Labels["azure.workload.identity/use"]; got != "true" {
		t.Errorf("pod label azure.workload.identity/use = %q, want \"true\"", got)
	}
	for k, v := range d.Spec.Selector.MatchLabels {
		if d.Spec.Template.Labels[k] != v {
			t.Errorf("the overlay broke the selector: pods lack %s=%s", k, v)
		}
	}
	assertHardened(t, &d)
}
