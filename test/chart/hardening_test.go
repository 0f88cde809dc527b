package chart

import (
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
)

// assertHardened checks what the restricted Pod Security Standard and our
// issue ask of the manager's pod: non-root, read-only root filesystem, no
// privilege escalation, no capabilities, seccomp RuntimeDefault, requests
// and limits, and probes on the health port. The kustomize bases and the
// chart must both pass it.
func assertHardened(t *testing.T, d *appsv1.Deployment) {
	t.Helper()
	pod := d.Spec.Template.Spec
	if psc := pod.SecurityContext; psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot {
		t.Errorf("pod securityContext.runAsNonRoot is not true")
	}
	if psc := pod.SecurityContext; psc == nil || psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("pod securityContext.seccompProfile is not RuntimeDefault")
	}
	if len(pod.Containers) != 1 {
		t.Fatalf("want one container, got %d", len(pod.Containers))
	}
	c := pod.Containers[0]
	sc := c.SecurityContext
	if sc == nil {
		t.Fatalf("container %s has no securityContext", c.Name)
	}
	if sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot {
		t.Errorf("container runAsNonRoot is not true")
	}
	if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		t.Errorf("container readOnlyRootFilesystem is not true")
	}
	if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Errorf("container allowPrivilegeEscalation is not false")
	}
	if sc.Privileged != nil && *sc.Privileged {
		t.Errorf("container is privileged")
	}
	if sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) != 0 {
		t.Errorf("container capabilities = %+v, want drop [ALL] and add nothing", sc.Capabilities)
	}
	if sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("container seccompProfile is not RuntimeDefault")
	}
	for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		if _, ok := c.Resources.Requests[r]; !ok {
			t.Errorf("container has no %s request", r)
		}
		if _, ok := c.Resources.Limits[r]; !ok {
			t.Errorf("container has no %s limit", r)
		}
	}
	assertProbe(t, "liveness", c.LivenessProbe, "/healthz", c.Ports)
	assertProbe(t, "readiness", c.ReadinessProbe, "/readyz", c.Ports)
	if pod.HostNetwork || pod.HostPID || pod.HostIPC {
		t.Errorf("pod shares a host namespace")
	}
	if !slices.Contains(c.Args, "--leader-elect") {
		t.Errorf("args %v lack --leader-elect", c.Args)
	}
	if !slices.Contains(c.Args, "--health-probe-bind-address=:8081") {
		t.Errorf("args %v lack --health-probe-bind-address=:8081", c.Args)
	}
}

// assertProbe checks that a probe asks path on the port serving
// --health-probe-bind-address=:8081.
func assertProbe(t *testing.T, kind string, p *corev1.Probe, path string, ports []corev1.ContainerPort) {
	t.Helper()
	if p == nil || p.HTTPGet == nil {
		t.Errorf("no HTTP %s probe", kind)
		return
	}
	if p.HTTPGet.Path != path {
		t.Errorf("%s probe path = %q, want %q", kind, p.HTTPGet.Path, path)
	}
	port := p.HTTPGet.Port.IntValue()
	if name := p.HTTPGet.Port.StrVal; name != "" {
		for _, cp := range ports {
			if cp.Name == name {
				port = int(cp.ContainerPort)
			}
		}
	}
	if port != 8081 {
		t.Errorf("%s probe port %s resolves to %d, want 8081", kind, p.HTTPGet.Port.String(), port)
	}
}

// assertNoWildcards fails when a rule grants "*" on anything (the manager's
// role must list what it touches), or more than reading Secrets.
func assertNoWildcards(t *testing.T, name string, rules []rbacv1.PolicyRule) {
	t.Helper()
	if len(rules) == 0 {
		t.Errorf("%s has no rules", name)
	}
	for _, r := range rules {
		for _, field := range [][]string{r.APIGroups, r.Resources, r.Verbs, r.ResourceNames, r.NonResourceURLs} {
			if slices.Contains(field, "*") {
				t.Errorf("%s grants a wildcard: %+v", name, r)
			}
		}
		for _, forbidden := range []string{"pods", "pods/exec", "serviceaccounts/token"} {
			if slices.Contains(r.Resources, forbidden) {
				t.Errorf("%s grants %s, which the manager never needs cluster-wide: %+v", name, forbidden, r)
			}
		}
		// The manager reads the Secrets connections name and writes the join
		// Secrets meetings ask for (owned by them, so garbage collection
		// removes them); it never deletes or lists-and-deletes any.
		if slices.Contains(r.Resources, "secrets") {
			for _, v := range r.Verbs {
				if !slices.Contains([]string{"get", "list", "watch", "create", "update", "patch"}, v) {
					t.Errorf("%s may %s Secrets: %+v", name, v, r)
				}
			}
		}
	}
}

// envValue returns the value of an environment variable and whether it is set.
func envValue(c corev1.Container, name string) (string, bool) {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value, true
		}
	}
	return "", false
}
