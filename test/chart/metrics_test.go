package chart

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// metricsAuthRules are what controller-runtime's metrics filter needs to
// check a scrape: a TokenReview and a SubjectAccessReview.
var metricsAuthRules = []rbacv1.PolicyRule{
	{APIGroups: []string{"authentication.k8s.io"}, Resources: []string{"tokenreviews"}, Verbs: []string{"create"}},
	{APIGroups: []string{"authorization.k8s.io"}, Resources: []string{"subjectaccessreviews"}, Verbs: []string{"create"}},
}

// metricsReaderRules let a scraper read /metrics and nothing else.
var metricsReaderRules = []rbacv1.PolicyRule{{NonResourceURLs: []string{"/metrics"}, Verbs: []string{"get"}}}

// assertMetricsServedOverHTTPS checks what both installers promise about
// the metrics endpoint: the manager serves it on :8443 with the secure
// default, the Service exposes 8443 as "https" on that container port, the
// manager may make the authentication and authorization checks, and a
// metrics-reader ClusterRole exists for scrapers. prefix is the installer's
// name prefix for cluster-scoped RBAC.
func assertMetricsServedOverHTTPS(t *testing.T, objs objects, d *appsv1.Deployment, prefix, namespace string) {
	t.Helper()
	c := d.Spec.Template.Spec.Containers[0]
	if !slices.Contains(c.Args, "--metrics-bind-address=:8443") {
		t.Errorf("args %v lack --metrics-bind-address=:8443", c.Args)
	}
	if slices.Contains(c.Args, "--metrics-secure=false") {
		t.Errorf("args %v turn off HTTPS and the authorization of scrapes", c.Args)
	}
	var svc corev1.Service
	objs.one(t, "Service", &svc)
	if len(svc.Spec.Ports) != 1 {
		t.Fatalf("metrics Service ports = %+v, want one", svc.Spec.Ports)
	}
	p := svc.Spec.Ports[0]
	if p.Name != "https" || p.Port != 8443 {
		t.Errorf("metrics Service port = %s/%d, want https/8443", p.Name, p.Port)
	}
	if !slices.ContainsFunc(c.Ports, func(cp corev1.ContainerPort) bool {
		return cp.ContainerPort == 8443 && (cp.Name == p.TargetPort.StrVal || int(cp.ContainerPort) == p.TargetPort.IntValue())
	}) {
		t.Errorf("metrics Service targets %s, which is not the container's port 8443 (%+v)", p.TargetPort.String(), c.Ports)
	}

	var auth rbacv1.ClusterRole
	objs.named(t, "ClusterRole", prefix+"metrics-auth-role", &auth)
	if !reflect.DeepEqual(auth.Rules, metricsAuthRules) {
		t.Errorf("%s grants %+v, want %+v", auth.Name, auth.Rules, metricsAuthRules)
	}
	var binding rbacv1.ClusterRoleBinding
	objs.named(t, "ClusterRoleBinding", prefix+"metrics-auth-rolebinding", &binding)
	if binding.RoleRef.Name != auth.Name || len(binding.Subjects) != 1 ||
		binding.Subjects[0].Kind != "ServiceAccount" || binding.Subjects[0].Name != d.Spec.Template.Spec.ServiceAccountName ||
		binding.Subjects[0].Namespace != namespace {
		t.Errorf("%s binds %s to %+v, want the manager's ServiceAccount %s/%s", binding.Name, binding.RoleRef.Name, binding.Subjects, namespace, d.Spec.Template.Spec.ServiceAccountName)
	}
	var reader rbacv1.ClusterRole
	objs.named(t, "ClusterRole", prefix+"metrics-reader", &reader)
	if !reflect.DeepEqual(reader.Rules, metricsReaderRules) {
		t.Errorf("%s grants %+v, want %+v", reader.Name, reader.Rules, metricsReaderRules)
	}
}

// assertServiceMonitorScrapesHTTPS checks a ServiceMonitor scrapes the
// metrics Service's https port as kubebuilder's scaffold does: with the
// Prometheus ServiceAccount's token, skipping verification of the
// self-signed certificate.
func assertServiceMonitorScrapesHTTPS(t *testing.T, objs objects) map[string]any {
	t.Helper()
	sms := objs.ofKind("ServiceMonitor")
	if len(sms) != 1 {
		t.Fatalf("rendered %d ServiceMonitors, want one", len(sms))
	}
	sm := sms[0]
	if sm.GetAPIVersion() != "monitoring.coreos.com/v1" {
		t.Errorf("ServiceMonitor is %s", sm.GetAPIVersion())
	}
	eps, _, _ := unstructured.NestedSlice(sm.Object, "spec", "endpoints")
	if len(eps) != 1 {
		t.Fatalf("endpoints = %v, want one", eps)
	}
	ep, _ := eps[0].(map[string]any)
	if ep["port"] != "https" || ep["scheme"] != "https" || ep["path"] != "/metrics" {
		t.Errorf("endpoint = %v, want port https, scheme https, path /metrics", ep)
	}
	if ep["bearerTokenFile"] != "/var/run/secrets/kubernetes.io/serviceaccount/token" {
		t.Errorf("endpoint = %v: without Prometheus' token every scrape answers 401", ep)
	}
	if skip, _, _ := unstructured.NestedBool(ep, "tlsConfig", "insecureSkipVerify"); !skip {
		t.Errorf("endpoint = %v: the manager's certificate is self-signed, Prometheus cannot verify it", ep)
	}
	var svc corev1.Service
	objs.one(t, "Service", &svc)
	sel, _, _ := unstructured.NestedStringMap(sm.Object, "spec", "selector", "matchLabels")
	if len(sel) == 0 {
		t.Errorf("ServiceMonitor selects every Service")
	}
	for k, v := range sel {
		if svc.Labels[k] != v {
			t.Errorf("ServiceMonitor selects %s=%v, which the metrics Service does not carry", k, v)
		}
	}
	if ns := sm.GetNamespace(); ns != svc.Namespace {
		t.Errorf("ServiceMonitor in %q, metrics Service in %q", ns, svc.Namespace)
	}
	return ep
}

func TestKustomizeMetricsAreServedOverHTTPSToAuthorizedReaders(t *testing.T) {
	objs := buildConfigDefault(t)
	var d appsv1.Deployment
	objs.one(t, "Deployment", &d)
	assertMetricsServedOverHTTPS(t, objs, &d, installPrefix, installNamespace)
}

func TestChartMetricsAreServedOverHTTPSToAuthorizedReaders(t *testing.T) {
	r := renderOperator(t, "")
	assertMetricsServedOverHTTPS(t, r.objs, &r.deployment, releaseName+"-onlinemeeting-operator-", releaseNamespace)
	for _, crb := range r.objs.ofKind("ClusterRoleBinding") {
		if crb.GetName() == releaseName+"-onlinemeeting-operator-metrics-reader" {
			t.Errorf("metrics-reader bound with no metrics.readerSubjects")
		}
	}
}

// TestChartBindsMetricsReaderToReaderSubjects: metrics.readerSubjects lets
// Prometheus scrape without a binding made by hand.
func TestChartBindsMetricsReaderToReaderSubjects(t *testing.T) {
	r := renderOperator(t, `metrics:
  readerSubjects:
  - {kind: ServiceAccount, name: prometheus-k8s, namespace: monitoring}
  - {kind: Group, name: "system:monitoring"}
`)
	var crb rbacv1.ClusterRoleBinding
	r.objs.named(t, "ClusterRoleBinding", releaseName+"-onlinemeeting-operator-metrics-reader", &crb)
	if crb.RoleRef.Kind != "ClusterRole" || crb.RoleRef.Name != releaseName+"-onlinemeeting-operator-metrics-reader" {
		t.Errorf("roleRef = %+v", crb.RoleRef)
	}
	want := []rbacv1.Subject{
		{Kind: "ServiceAccount", Name: "prometheus-k8s", Namespace: "monitoring"},
		{Kind: "Group", Name: "system:monitoring", APIGroup: "rbac.authorization.k8s.io"},
	}
	if !reflect.DeepEqual(crb.Subjects, want) {
		t.Errorf("subjects = %+v, want %+v", crb.Subjects, want)
	}
}

func TestChartWithoutMetricsHasNoMetricsRBAC(t *testing.T) {
	r := renderOperator(t, "metrics: {enabled: false, readerSubjects: [{kind: User, name: alex}]}")
	for _, kind := range []string{"ClusterRole", "ClusterRoleBinding"} {
		for _, o := range r.objs.ofKind(kind) {
			if name := o.GetName(); slices.Contains([]string{"metrics-auth-role", "metrics-auth-rolebinding", "metrics-reader"}, strings.TrimPrefix(name, releaseName+"-onlinemeeting-operator-")) {
				t.Errorf("%s %s rendered with metrics off", kind, name)
			}
		}
	}
}
