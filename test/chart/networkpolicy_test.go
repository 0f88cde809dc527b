package chart

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// portSet lists a rule's ports as "protocol/port", sorted.
func portSet(ports []networkingv1.NetworkPolicyPort) []string {
	var out []string
	for _, p := range ports {
		proto := corev1.ProtocolTCP
		if p.Protocol != nil {
			proto = *p.Protocol
		}
		port := "all"
		if p.Port != nil {
			port = p.Port.String()
		}
		out = append(out, string(proto)+"/"+port)
	}
	slices.Sort(out)
	return out
}

// assertManagerNetworkPolicy checks the NetworkPolicy both installers offer:
// it selects the manager's pods, restricts both directions, lets in only
// the metrics port (8443) and the health probe port (8081), and lets out
// only DNS, HTTPS (Azure AD, Graph, the API server's Service) and the API
// server's own port 6443.
func assertManagerNetworkPolicy(t *testing.T, np *networkingv1.NetworkPolicy, d *appsv1.Deployment) {
	t.Helper()
	sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
	if err != nil {
		t.Fatal(err)
	}
	if sel.Empty() || !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
		t.Errorf("podSelector %v does not select the manager's pods %v", sel, d.Spec.Template.Labels)
	}
	if np.Namespace != d.Namespace {
		t.Errorf("NetworkPolicy in %q, manager in %q", np.Namespace, d.Namespace)
	}
	types := slices.Clone(np.Spec.PolicyTypes)
	slices.Sort(types)
	if !slices.Equal(types, []networkingv1.PolicyType{networkingv1.PolicyTypeEgress, networkingv1.PolicyTypeIngress}) {
		t.Errorf("policyTypes = %v, want Ingress and Egress", np.Spec.PolicyTypes)
	}
	var in []string
	for _, r := range np.Spec.Ingress {
		if len(r.Ports) == 0 {
			t.Errorf("ingress rule %+v admits every port", r)
		}
		in = append(in, portSet(r.Ports)...)
	}
	slices.Sort(in)
	if want := []string{"TCP/8081", "TCP/8443"}; !slices.Equal(in, want) {
		t.Errorf("ingress ports = %v, want %v (metrics and health probes)", in, want)
	}
	var out []string
	for _, r := range np.Spec.Egress {
		if len(r.Ports) == 0 {
			t.Errorf("egress rule %+v admits every port", r)
		}
		out = append(out, portSet(r.Ports)...)
	}
	for _, want := range []string{"UDP/53", "TCP/53", "TCP/443", "TCP/6443"} {
		if !slices.Contains(out, want) {
			t.Errorf("egress ports %v lack %s", out, want)
		}
	}
	// The manager's container ports must be the ones let in.
	c := d.Spec.Template.Spec.Containers[0]
	for _, cp := range c.Ports {
		if !slices.Contains(in, "TCP/"+cp.Name) && !slices.Contains(in, "TCP/"+strconv.Itoa(int(cp.ContainerPort))) {
			t.Errorf("container port %s/%d is not let in", cp.Name, cp.ContainerPort)
		}
	}
}

func TestChartRendersNetworkPolicyOnlyWhenEnabled(t *testing.T) {
	if n := len(renderOperator(t, "").objs.ofKind("NetworkPolicy")); n != 0 {
		t.Errorf("rendered %d NetworkPolicies by default; one that the CNI enforces can cut the manager off", n)
	}
	r := renderOperator(t, "networkPolicy: {enabled: true}")
	var np networkingv1.NetworkPolicy
	r.objs.one(t, "NetworkPolicy", &np)
	assertManagerNetworkPolicy(t, &np, &r.deployment)
	for _, e := range np.Spec.Egress {
		if len(e.To) != 0 {
			t.Errorf("egress rule %+v names destinations; by default every address is allowed on these ports", e)
		}
	}
}

func TestChartNetworkPolicyValues(t *testing.T) {
	r := renderOperator(t, `networkPolicy:
  enabled: true
  metricsFrom: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}]
  apiServer: {cidrs: [10.0.0.1/32], ports: [8443]}
  extraEgress: [{to: [{ipBlock: {cidr: 10.1.2.3/32}}], ports: [{port: 3128, protocol: TCP}]}]
`)
	var np networkingv1.NetworkPolicy
	r.objs.one(t, "NetworkPolicy", &np)
	var metrics *networkingv1.NetworkPolicyIngressRule
	for i, rule := range np.Spec.Ingress {
		if slices.Equal(portSet(rule.Ports), []string{"TCP/8443"}) {
			metrics = &np.Spec.Ingress[i]
		}
	}
	if metrics == nil || len(metrics.From) != 1 || metrics.From[0].NamespaceSelector == nil ||
		metrics.From[0].NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"] != "monitoring" {
		t.Errorf("metrics ingress rule = %+v, want it from the monitoring namespace", metrics)
	}
	var apiServer, proxy bool
	for _, e := range np.Spec.Egress {
		ports := portSet(e.Ports)
		if len(e.To) == 1 && e.To[0].IPBlock != nil {
			switch {
			case e.To[0].IPBlock.CIDR == "10.0.0.1/32" && slices.Equal(ports, []string{"TCP/8443"}):
				apiServer = true
			case e.To[0].IPBlock.CIDR == "10.1.2.3/32" && slices.Equal(ports, []string{"TCP/3128"}):
				proxy = true
			}
		}
	}
	if !apiServer || !proxy {
		t.Errorf("egress = %+v, want the API server rule to 10.0.0.1/32:8443 and the extra rule to 10.1.2.3/32:3128", np.Spec.Egress)
	}

	r = renderOperator(t, "networkPolicy: {enabled: true}\nmetrics: {enabled: false}")
	r.objs.one(t, "NetworkPolicy", &np)
	if len(np.Spec.Ingress) != 1 || !slices.Equal(portSet(np.Spec.Ingress[0].Ports), []string{"TCP/8081"}) {
		t.Errorf("with metrics off, ingress = %+v, want the health port alone", np.Spec.Ingress)
	}
}

// buildConfigDefaultWith builds config/default as a user would after
// uncommenting the given resource lines (such as "- ../prometheus") in its
// kustomization.yaml, on an in-memory copy of config/.
func buildConfigDefaultWith(t *testing.T, resources ...string) objects {
	t.Helper()
	root := repoRoot(t)
	fs := filesys.MakeFsInMemory()
	err := filepath.WalkDir(filepath.Join(root, "config"), func(path string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return fs.WriteFile(path, data)
	})
	if err != nil {
		t.Fatal(err)
	}
	kustomization := filepath.Join(root, "config", "default", "kustomization.yaml")
	data, err := fs.ReadFile(kustomization)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, r := range resources {
		commented := "\n#" + r + "\n"
		if !strings.Contains(text, commented) {
			t.Fatalf("config/default/kustomization.yaml has no commented-out %q to enable", r)
		}
		text = strings.Replace(text, commented, "\n"+r+"\n", 1)
	}
	if err := fs.WriteFile(kustomization, []byte(text)); err != nil {
		t.Fatal(err)
	}
	resMap, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(fs, filepath.Join(root, "config", "default"))
	if err != nil {
		t.Fatalf("kustomize build config/default with %v: %v", resources, err)
	}
	out, err := resMap.AsYaml()
	if err != nil {
		t.Fatal(err)
	}
	return decodeManifests(t, "config/default", out)
}

func TestKustomizeNetworkPolicyIsOptIn(t *testing.T) {
	if n := len(buildConfigDefault(t).ofKind("NetworkPolicy")); n != 0 {
		t.Errorf("config/default builds %d NetworkPolicies; it is opt-in", n)
	}
	objs := buildConfigDefaultWith(t, "- ../network-policy")
	var d appsv1.Deployment
	objs.one(t, "Deployment", &d)
	var np networkingv1.NetworkPolicy
	objs.one(t, "NetworkPolicy", &np)
	if !strings.HasPrefix(np.Name, installPrefix) {
		t.Errorf("NetworkPolicy %s lacks the prefix %q", np.Name, installPrefix)
	}
	assertManagerNetworkPolicy(t, &np, &d)
}

func TestKustomizeServiceMonitorIsOptIn(t *testing.T) {
	if n := len(buildConfigDefault(t).ofKind("ServiceMonitor")); n != 0 {
		t.Errorf("config/default builds %d ServiceMonitors; it needs the Prometheus Operator's CRD, so it is opt-in", n)
	}
	objs := buildConfigDefaultWith(t, "- ../prometheus")
	assertServiceMonitorScrapesHTTPS(t, objs)
	for _, sm := range objs.ofKind("ServiceMonitor") {
		if sm.GetNamespace() != installNamespace || !strings.HasPrefix(sm.GetName(), installPrefix) {
			t.Errorf("ServiceMonitor %s/%s is not %s/%s*", sm.GetNamespace(), sm.GetName(), installNamespace, installPrefix)
		}
	}
}
