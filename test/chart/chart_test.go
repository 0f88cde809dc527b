package chart

import (
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/lint"
	"helm.sh/helm/v3/pkg/lint/support"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// release is the operator chart rendered with some values, with the objects
// most cases look at decoded.
type release struct {
	objs       objects
	deployment appsv1.Deployment
	container  corev1.Container
}

// organizer is the organizer the tests admit through the default
// connection; organizerValues is the one value the chart demands.
const (
	organizer       = "5f1d3a44-8c1e-4e8b-9a2f-6c1f0d9e2b71"
	organizerValues = "defaultConnection: {organizers: {allowed: [" + organizer + "]}}"
)

// removedFlags are the manager's flags that connections replaced; the
// manager refuses to start with them.
var removedFlags = []string{"--cloud", "--graph-endpoint", "--authority-host", "--graph-api-version"}

// renderOperator renders the operator chart with organizerValues and then
// valuesYAML over them.
func renderOperator(t *testing.T, valuesYAML string) release {
	t.Helper()
	r := release{objs: renderObjects(t, operatorChartDir(t), organizerValues, valuesYAML)}
	r.objs.one(t, "Deployment", &r.deployment)
	if n := len(r.deployment.Spec.Template.Spec.Containers); n != 1 {
		t.Fatalf("want one container in the Deployment, got %d", n)
	}
	r.container = r.deployment.Spec.Template.Spec.Containers[0]
	return r
}

func (r release) serviceAccount(t *testing.T) corev1.ServiceAccount {
	t.Helper()
	var sa corev1.ServiceAccount
	r.objs.one(t, "ServiceAccount", &sa)
	return sa
}

func (r release) defaultConnection(t *testing.T) connection {
	t.Helper()
	var c connection
	r.objs.one(t, "ClusterGraphConnection", &c)
	return c
}

func (r release) hasArg(t *testing.T, arg string) {
	t.Helper()
	if !slices.Contains(r.container.Args, arg) {
		t.Errorf("manager args %v lack %q", r.container.Args, arg)
	}
}

func TestChartLintsClean(t *testing.T) {
	for name, c := range map[string]struct {
		dir    string
		values map[string]any
	}{
		"operator": {operatorChartDir(t), mergeValues(t, organizerValues)},
		"meetings": {meetingsChartDir(t), nil},
	} {
		t.Run(name, func(t *testing.T) {
			linter := lint.All(c.dir, c.values, releaseNamespace, true)
			for _, msg := range linter.Messages {
				// INFO messages (a missing icon) are advice, not defects.
				if msg.Severity >= support.WarningSev {
					t.Errorf("helm lint: %s", msg)
				}
			}
		})
	}
}

// TestChartRendersWithDefaults renders the chart with nothing set but the
// organizers, the one value without a default.
func TestChartRendersWithDefaults(t *testing.T) {
	r := renderOperator(t, "")
	for kind, want := range map[string]int{
		"ServiceAccount": 1, "ClusterRole": 6, "ClusterRoleBinding": 2, "Role": 1, "RoleBinding": 1,
		"Service": 1, "Deployment": 1, "ClusterGraphConnection": 1,
	} {
		if n := len(r.objs.ofKind(kind)); n != want {
			t.Errorf("want %d %s by default, rendered %d", want, kind, n)
		}
	}
	if n := len(r.objs.ofKind("ServiceMonitor")); n != 0 {
		t.Errorf("ServiceMonitor rendered by default; it needs the Prometheus Operator's CRD")
	}
	if n := len(r.objs.ofKind("NetworkPolicy")); n != 0 {
		t.Errorf("NetworkPolicy rendered by default; it is opt-in")
	}
	for _, o := range r.objs {
		switch o.GetKind() {
		case "ClusterRole", "ClusterRoleBinding", "ClusterGraphConnection":
			if o.GetNamespace() != "" {
				t.Errorf("cluster-scoped %s %s has namespace %q", o.GetKind(), o.GetName(), o.GetNamespace())
			}
			continue
		}
		if o.GetNamespace() != releaseNamespace {
			t.Errorf("%s %s is in namespace %q, want the release's %q", o.GetKind(), o.GetName(), o.GetNamespace(), releaseNamespace)
		}
	}
	if want := "ghcr.io/onlinemeeting-operator/onlinemeeting-operator:v0.1.0"; r.container.Image != want {
		t.Errorf("image = %q, want %q (the chart's appVersion)", r.container.Image, want)
	}
	if r.deployment.Spec.Replicas == nil || *r.deployment.Spec.Replicas != 1 {
		t.Errorf("replicas = %v, want 1", r.deployment.Spec.Replicas)
	}
	for _, arg := range []string{
		"--leader-elect", "--metrics-bind-address=:8443", "--health-probe-bind-address=:8081",
		"--default-connection=default", "--resync-period=1h",
		"--max-concurrent-reconciles=4", "--graph-qps=10", "--graph-burst=20", "--zap-log-level=info",
	} {
		r.hasArg(t, arg)
	}
	assertNoRemovedFlags(t, r.container.Args)
	assertPodNamespaceFromDownwardAPI(t, r.container)
	if len(r.container.Env) != 1 || len(r.container.EnvFrom) != 0 {
		t.Errorf("default env %v / envFrom %v, want POD_NAMESPACE alone without credentials", r.container.Env, r.container.EnvFrom)
	}
	var svc corev1.Service
	r.objs.one(t, "Service", &svc)
	for k, v := range svc.Spec.Selector {
		if r.deployment.Spec.Template.Labels[k] != v {
			t.Errorf("metrics Service selects %s=%s, which the pods do not carry", k, v)
		}
	}
	sa := r.serviceAccount(t)
	if got := r.deployment.Spec.Template.Spec.ServiceAccountName; got != sa.Name {
		t.Errorf("pod runs as ServiceAccount %q, chart creates %q", got, sa.Name)
	}
}

func TestChartDeploymentIsHardened(t *testing.T) {
	r := renderOperator(t, "")
	assertHardened(t, &r.deployment)
}

// TestChartValuesReachTheManifests sets one value at a time and checks it
// lands where the operator or Kubernetes reads it.
func TestChartValuesReachTheManifests(t *testing.T) {
	tests := []struct {
		name   string
		values string
		check  func(t *testing.T, r release)
	}{
		{"image", "image: {repository: registry.example/om, tag: v9.9.9, pullPolicy: Always}", func(t *testing.T, r release) {
			if r.container.Image != "registry.example/om:v9.9.9" || r.container.ImagePullPolicy != corev1.PullAlways {
				t.Errorf("image %q pull %q", r.container.Image, r.container.ImagePullPolicy)
			}
		}},
		{"imagePullSecrets", "imagePullSecrets: [{name: regcred}]", func(t *testing.T, r release) {
			if got := r.deployment.Spec.Template.Spec.ImagePullSecrets; len(got) != 1 || got[0].Name != "regcred" {
				t.Errorf("imagePullSecrets = %v", got)
			}
		}},
		{"replicas keep leader election", "replicaCount: 3", func(t *testing.T, r release) {
			if *r.deployment.Spec.Replicas != 3 {
				t.Errorf("replicas = %d", *r.deployment.Spec.Replicas)
			}
			r.hasArg(t, "--leader-elect")
		}},
		{"graph rate limit", "graph: {qps: 2.5, burst: 5}", func(t *testing.T, r release) {
			r.hasArg(t, "--graph-qps=2.5")
			r.hasArg(t, "--graph-burst=5")
		}},
		{"default connection name", "defaultConnection: {name: teams-default}", func(t *testing.T, r release) {
			r.hasArg(t, "--default-connection=teams-default")
			if c := r.defaultConnection(t); c.Metadata.Name != "teams-default" {
				t.Errorf("ClusterGraphConnection is named %q", c.Metadata.Name)
			}
		}},
		{"default connection not created", "defaultConnection: {create: false, name: shared, organizers: {allowed: null}}", func(t *testing.T, r release) {
			if n := len(r.objs.ofKind("ClusterGraphConnection")); n != 0 {
				t.Errorf("rendered %d ClusterGraphConnections with create: false", n)
			}
			r.hasArg(t, "--default-connection=shared")
		}},
		{"default connection endpoints", "defaultConnection: {cloud: usgovdod, graphEndpoint: 'https://graph.example.test', authorityHost: 'https://login.example.test/', apiVersion: beta, rateLimit: {qps: 5, burst: 10}}", func(t *testing.T, r release) {
			s := r.defaultConnection(t).Spec
			if s.Cloud != "usgovdod" || s.GraphEndpoint != "https://graph.example.test" || s.AuthorityHost != "https://login.example.test/" || s.APIVersion != "beta" {
				t.Errorf("spec = %+v", s)
			}
			if s.RateLimit == nil || s.RateLimit.QPS != 5 || s.RateLimit.Burst != 10 {
				t.Errorf("rateLimit = %+v", s.RateLimit)
			}
			assertNoRemovedFlags(t, r.container.Args)
		}},
		{"default connection any organizer", "defaultConnection: {organizers: {allowed: null, any: true}, namespaces: {matchLabels: null}}", func(t *testing.T, r release) {
			s := r.defaultConnection(t).Spec
			if !s.Organizers.Any || len(s.Organizers.Allowed) != 0 {
				t.Errorf("organizers = %+v, want any: true alone", s.Organizers)
			}
			if s.NamespaceSelector == nil || len(s.NamespaceSelector.MatchLabels)+len(s.NamespaceSelector.MatchExpressions) != 0 {
				t.Errorf("namespaceSelector = %+v, want {} (every namespace)", s.NamespaceSelector)
			}
		}},
		{"default connection client secret", "defaultConnection: {tenantId: 99999999-8888-7777-6666-555555555555, clientId: 11111111-2222-3333-4444-555555555555, credential: {operatorEnvironment: null, clientSecret: {secretRef: {name: graph-app}}}}", func(t *testing.T, r release) {
			c := r.defaultConnection(t)
			if got := c.sources(); !slices.Equal(got, []string{"clientSecret"}) {
				t.Fatalf("credential sources = %v, want [clientSecret]", got)
			}
			if c.Spec.Credential.ClientSecret.SecretRef.Name != "graph-app" || c.Spec.TenantID == "" || c.Spec.ClientID == "" {
				t.Errorf("spec = %+v", c.Spec)
			}
		}},
		{"resync period", "resyncPeriod: 15m", func(t *testing.T, r release) { r.hasArg(t, "--resync-period=15m") }},
		{"max concurrent reconciles", "maxConcurrentReconciles: 16", func(t *testing.T, r release) {
			r.hasArg(t, "--max-concurrent-reconciles=16")
		}},
		{"log level", "logLevel: debug", func(t *testing.T, r release) { r.hasArg(t, "--zap-log-level=debug") }},
		{"extra args", "extraArgs: [--zap-encoder=console]", func(t *testing.T, r release) { r.hasArg(t, "--zap-encoder=console") }},
		{"extra env", "extraEnv: [{name: HTTPS_PROXY, value: 'http://proxy:3128'}]", func(t *testing.T, r release) {
			if v, _ := envValue(r.container, "HTTPS_PROXY"); v != "http://proxy:3128" {
				t.Errorf("HTTPS_PROXY = %q", v)
			}
		}},
		{"tenant and client id", "azure: {tenantId: contoso.onmicrosoft.com, clientId: 11111111-2222-3333-4444-555555555555}", func(t *testing.T, r release) {
			if v, _ := envValue(r.container, "AZURE_TENANT_ID"); v != "contoso.onmicrosoft.com" {
				t.Errorf("AZURE_TENANT_ID = %q", v)
			}
			if v, _ := envValue(r.container, "AZURE_CLIENT_ID"); v != "11111111-2222-3333-4444-555555555555" {
				t.Errorf("AZURE_CLIENT_ID = %q", v)
			}
		}},
		{"existing secret", "azure: {existingSecret: graph-credentials}", func(t *testing.T, r release) {
			ef := r.container.EnvFrom
			if len(ef) != 1 || ef[0].SecretRef == nil || ef[0].SecretRef.Name != "graph-credentials" {
				t.Fatalf("envFrom = %+v, want secretRef graph-credentials", ef)
			}
			if ef[0].SecretRef.Optional != nil && *ef[0].SecretRef.Optional {
				t.Errorf("a named Secret must not be optional: a typo would start the manager without credentials")
			}
		}},
		{"client certificate", "azure: {clientCertificate: {secretName: graph-cert, key: app.pem}}", func(t *testing.T, r release) {
			if v, _ := envValue(r.container, "AZURE_CLIENT_CERTIFICATE_PATH"); v != "/var/run/secrets/azure/app.pem" {
				t.Errorf("AZURE_CLIENT_CERTIFICATE_PATH = %q", v)
			}
			vols := r.deployment.Spec.Template.Spec.Volumes
			if len(vols) != 1 || vols[0].Secret == nil || vols[0].Secret.SecretName != "graph-cert" {
				t.Fatalf("volumes = %+v, want the graph-cert Secret", vols)
			}
			if m := r.container.VolumeMounts; len(m) != 1 || m[0].MountPath != "/var/run/secrets/azure" || !m[0].ReadOnly {
				t.Errorf("volumeMounts = %+v", m)
			}
		}},
		{"workload identity", "azure: {tenantId: 99999999-0000-0000-0000-000000000000, clientId: 11111111-2222-3333-4444-555555555555, workloadIdentity: {enabled: true}}", func(t *testing.T, r release) {
			sa := r.serviceAccount(t)
			if got := sa.Annotations["azure.workload.identity/client-id"]; got != "11111111-2222-3333-4444-555555555555" {
				t.Errorf("client-id annotation = %q", got)
			}
			if got := sa.Annotations["azure.workload.identity/tenant-id"]; got != "99999999-0000-0000-0000-000000000000" {
				t.Errorf("tenant-id annotation = %q", got)
			}
			if got := r.deployment.Spec.Template.Labels["azure.workload.identity/use"]; got != "true" {
				t.Errorf("pod label azure.workload.identity/use = %q, want \"true\"", got)
			}
			// The webhook injects these from the annotations; a second source would conflict.
			for _, name := range []string{"AZURE_CLIENT_ID", "AZURE_TENANT_ID"} {
				if _, set := envValue(r.container, name); set {
					t.Errorf("%s set in the pod as well as by the webhook", name)
				}
			}
		}},
		{"resources", "resources: {requests: {cpu: 50m, memory: 100Mi}, limits: {cpu: '1', memory: 1Gi}}", func(t *testing.T, r release) {
			res := r.container.Resources
			if !res.Requests.Cpu().Equal(resource.MustParse("50m")) || !res.Limits.Memory().Equal(resource.MustParse("1Gi")) {
				t.Errorf("resources = %+v", res)
			}
		}},
		{"node selector", "nodeSelector: {kubernetes.io/os: linux, pool: system}", func(t *testing.T, r release) {
			if got := r.deployment.Spec.Template.Spec.NodeSelector; got["pool"] != "system" || got["kubernetes.io/os"] != "linux" {
				t.Errorf("nodeSelector = %v", got)
			}
		}},
		{"tolerations", "tolerations: [{key: CriticalAddonsOnly, operator: Exists}]", func(t *testing.T, r release) {
			if got := r.deployment.Spec.Template.Spec.Tolerations; len(got) != 1 || got[0].Key != "CriticalAddonsOnly" || got[0].Operator != corev1.TolerationOpExists {
				t.Errorf("tolerations = %+v", got)
			}
		}},
		{"affinity", "affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: zone, operator: In, values: [a]}]}]}}}", func(t *testing.T, r release) {
			a := r.deployment.Spec.Template.Spec.Affinity
			if a == nil || a.NodeAffinity == nil || a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
				t.Errorf("affinity = %+v", a)
			}
		}},
		{"pod annotations and labels", "podAnnotations: {example.com/team: meetings}\npodLabels: {team: meetings}", func(t *testing.T, r release) {
			tpl := r.deployment.Spec.Template
			if tpl.Annotations["example.com/team"] != "meetings" || tpl.Labels["team"] != "meetings" {
				t.Errorf("pod annotations %v labels %v", tpl.Annotations, tpl.Labels)
			}
		}},
		{"priority class", "priorityClassName: system-cluster-critical", func(t *testing.T, r release) {
			if got := r.deployment.Spec.Template.Spec.PriorityClassName; got != "system-cluster-critical" {
				t.Errorf("priorityClassName = %q", got)
			}
		}},
		{"service account annotations", "serviceAccount: {annotations: {example.com/owner: platform}}", func(t *testing.T, r release) {
			if got := r.serviceAccount(t).Annotations["example.com/owner"]; got != "platform" {
				t.Errorf("annotation = %q", got)
			}
		}},
		{"existing service account", "serviceAccount: {create: false, name: operator-sa}", func(t *testing.T, r release) {
			if n := len(r.objs.ofKind("ServiceAccount")); n != 0 {
				t.Errorf("rendered %d ServiceAccounts with create: false", n)
			}
			if got := r.deployment.Spec.Template.Spec.ServiceAccountName; got != "operator-sa" {
				t.Errorf("serviceAccountName = %q", got)
			}
			for _, name := range []string{"manager", "metrics-auth-rolebinding"} {
				var crb rbacv1.ClusterRoleBinding
				r.objs.named(t, "ClusterRoleBinding", releaseName+"-onlinemeeting-operator-"+name, &crb)
				if crb.Subjects[0].Name != "operator-sa" {
					t.Errorf("ClusterRoleBinding %s binds %q", crb.Name, crb.Subjects[0].Name)
				}
			}
		}},
		{"metrics port", "metrics: {port: 9090}", func(t *testing.T, r release) {
			r.hasArg(t, "--metrics-bind-address=:9090")
			var svc corev1.Service
			r.objs.one(t, "Service", &svc)
			if svc.Spec.Ports[0].Port != 9090 {
				t.Errorf("Service port = %d", svc.Spec.Ports[0].Port)
			}
			if !slices.ContainsFunc(r.container.Ports, func(p corev1.ContainerPort) bool { return p.Name == "metrics" && p.ContainerPort == 9090 }) {
				t.Errorf("container ports %v lack metrics 9090", r.container.Ports)
			}
		}},
		{"metrics off", "metrics: {enabled: false, serviceMonitor: {enabled: true}}", func(t *testing.T, r release) {
			r.hasArg(t, "--metrics-bind-address=0")
			if n := len(r.objs.ofKind("Service")) + len(r.objs.ofKind("ServiceMonitor")); n != 0 {
				t.Errorf("rendered %d metrics Service/ServiceMonitor with metrics off", n)
			}
			if slices.ContainsFunc(r.container.Ports, func(p corev1.ContainerPort) bool { return p.Name == "metrics" }) {
				t.Errorf("container ports %v keep the metrics port with metrics off", r.container.Ports)
			}
		}},
		{"service monitor", "metrics: {serviceMonitor: {enabled: true, interval: 30s, scrapeTimeout: 10s, labels: {release: prometheus}}}", func(t *testing.T, r release) {
			ep := assertServiceMonitorScrapesHTTPS(t, r.objs)
			if ep["interval"] != "30s" || ep["scrapeTimeout"] != "10s" {
				t.Errorf("endpoint = %v", ep)
			}
			if sm := r.objs.ofKind("ServiceMonitor")[0]; sm.GetLabels()["release"] != "prometheus" {
				t.Errorf("ServiceMonitor labels %v", sm.GetLabels())
			}
		}},
		{"fullname override", "fullnameOverride: teams", func(t *testing.T, r release) {
			if r.deployment.Name != "teams" {
				t.Errorf("Deployment name = %q", r.deployment.Name)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := renderOperator(t, tt.values)
			tt.check(t, r)
			// No value may undo the hardening.
			assertHardened(t, &r.deployment)
		})
	}
}

func TestChartSchemaRejectsBadValues(t *testing.T) {
	tests := []struct {
		name   string
		values string
		want   string // a fragment of the error, naming the offending key
	}{
		{"typo at the top level", "replicas: 2", "replicas"},
		{"typo in a nested key", "image: {tga: v1}", "tga"},
		{"typo in azure", "azure: {clientID: x}", "clientID"},
		{"removed cloud", "cloud: public", "cloud"},
		{"removed graph endpoint", "graph: {endpoint: 'https://graph.microsoft.com'}", "endpoint"},
		{"removed graph api version", "graph: {apiVersion: beta}", "apiVersion"},
		{"removed authority host", "azure: {authorityHost: 'https://login.microsoftonline.com/'}", "authorityHost"},
		{"unknown cloud", "defaultConnection: {cloud: azure}", "cloud"},
		{"unknown graph api version", "defaultConnection: {apiVersion: v2.0}", "apiVersion"},
		{"plain-http graph endpoint", "defaultConnection: {graphEndpoint: 'http://graph.example'}", "graphEndpoint"},
		{"plain-http authority", "defaultConnection: {authorityHost: 'http://login.example'}", "authorityHost"},
		{"organizer not an object id", "defaultConnection: {organizers: {allowed: [alex@contoso.com]}}", "allowed"},
		{"typo in the credential", "defaultConnection: {credential: {clientSecrets: {secretRef: {name: x}}}}", "clientSecrets"},
		{"rate limit without qps", "defaultConnection: {rateLimit: {burst: 5}}", "rateLimit"},
		{"resync period not a duration", "resyncPeriod: one hour", "resyncPeriod"},
		{"zero reconcilers", "maxConcurrentReconciles: 0", "maxConcurrentReconciles"},
		{"metrics on the health port", "metrics: {port: 8081}", "port"},
		{"reader service account without namespace", "metrics: {readerSubjects: [{kind: ServiceAccount, name: prometheus}]}", "namespace"},
		{"reader of an unknown kind", "metrics: {readerSubjects: [{kind: Robot, name: r2}]}", "kind"},
		{"typo in a reader subject", "metrics: {readerSubjects: [{kind: User, name: alex, namepsace: x}]}", "namepsace"},
		{"typo in networkPolicy", "networkPolicy: {enable: true}", "enable"},
		{"api server address not a CIDR", "networkPolicy: {apiServer: {cidrs: [kubernetes.default]}}", "cidrs"},
		{"api server without ports", "networkPolicy: {apiServer: {ports: []}}", "ports"},
		{"api server port out of range", "networkPolicy: {apiServer: {ports: [70000]}}", "ports"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := render(t, operatorChartDir(t), organizerValues, tt.values)
			if err == nil {
				t.Fatalf("values %q rendered; values.schema.json should reject them", tt.values)
			}
			if !strings.Contains(err.Error(), "schema") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error does not name the schema and %q: %v", tt.want, err)
			}
		})
	}
}

func TestChartWorkloadIdentityRequiresClientID(t *testing.T) {
	_, err := render(t, operatorChartDir(t), organizerValues, "azure: {workloadIdentity: {enabled: true}}")
	if err == nil || !strings.Contains(err.Error(), "azure.clientId is required") {
		t.Fatalf("want a render error naming azure.clientId, got %v", err)
	}
}

// TestChartClusterRoleGrantsTheGeneratedRules keeps the chart's ClusterRole
// equal to config/rbac/role.yaml, which `make manifests` generates from the
// +kubebuilder:rbac markers: a stale copy fails here, not in a cluster.
func TestChartClusterRoleGrantsTheGeneratedRules(t *testing.T) {
	var generated rbacv1.ClusterRole
	if err := yaml.Unmarshal(readFile(t, filepath.Join(repoRoot(t), "config", "rbac", "role.yaml")), &generated); err != nil {
		t.Fatal(err)
	}
	r := renderOperator(t, "")
	var rendered rbacv1.ClusterRole
	r.objs.named(t, "ClusterRole", releaseName+"-onlinemeeting-operator-manager", &rendered)
	if !reflect.DeepEqual(rendered.Rules, generated.Rules) {
		t.Errorf("chart ClusterRole rules differ from config/rbac/role.yaml: run 'make manifests'\nchart:     %+v\ngenerated: %+v", rendered.Rules, generated.Rules)
	}
	assertNoWildcards(t, "chart ClusterRole", rendered.Rules)
	var crb rbacv1.ClusterRoleBinding
	r.objs.named(t, "ClusterRoleBinding", releaseName+"-onlinemeeting-operator-manager", &crb)
	if crb.RoleRef.Name != rendered.Name || len(crb.Subjects) != 1 || crb.Subjects[0].Namespace != releaseNamespace {
		t.Errorf("ClusterRoleBinding %+v does not bind %s to the release's ServiceAccount", crb, rendered.Name)
	}
}

// TestChartCRDsAreTheGeneratedOnes keeps crds/ equal to config/crd/bases
// (less the header `make chart-crds` adds) and checks Helm sees them.
func TestChartCRDsAreTheGeneratedOnes(t *testing.T) {
	sources, err := filepath.Glob(filepath.Join(repoRoot(t), "config", "crd", "bases", "*.yaml"))
	if err != nil || len(sources) == 0 {
		t.Fatalf("no generated CRDs found: %v", err)
	}
	for _, src := range sources {
		copied := string(readFile(t, filepath.Join(operatorChartDir(t), "crds", filepath.Base(src))))
		if body := stripLeadingComments(copied); body != string(readFile(t, src)) {
			t.Errorf("crds/%s differs from %s: run 'make manifests'", filepath.Base(src), src)
		}
	}
	if got := len(loadChart(t, operatorChartDir(t)).CRDObjects()); got != len(sources) {
		t.Errorf("Helm loads %d CRDs from crds/, want %d", got, len(sources))
	}
}

func stripLeadingComments(s string) string {
	for strings.HasPrefix(s, "#") {
		_, s, _ = strings.Cut(s, "\n")
	}
	return s
}

func assertNoRemovedFlags(t *testing.T, args []string) {
	t.Helper()
	for _, a := range args {
		for _, flag := range removedFlags {
			if a == flag || strings.HasPrefix(a, flag+"=") {
				t.Errorf("manager args carry %q; that is a connection's field now, and the manager refuses the flag", a)
			}
		}
	}
}

func TestChartRendersTheDefaultConnection(t *testing.T) {
	const other = "0c6b1e2a-3f4d-4a5b-8c7d-9e0f1a2b3c4d"
	r := renderOperator(t, `defaultConnection:
  organizers: {allowed: [`+organizer+`, `+other+`]}
  namespaces:
    matchLabels: {team: platform}
    matchExpressions: [{key: env, operator: In, values: [prod]}]
`)
	c := assertDefaultConnection(t, r.objs, r.container)
	if !slices.Equal(c.Spec.Organizers.Allowed, []string{organizer, other}) || c.Spec.Organizers.Any {
		t.Errorf("organizers = %+v, want allowed [%s %s]", c.Spec.Organizers, organizer, other)
	}
	want := &metav1.LabelSelector{
		MatchLabels:      map[string]string{"team": "platform", "teams.meetings.dev/enabled": "true"},
		MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "env", Operator: metav1.LabelSelectorOpIn, Values: []string{"prod"}}},
	}
	if !reflect.DeepEqual(c.Spec.NamespaceSelector, want) {
		t.Errorf("namespaceSelector = %+v, want %+v (values merge over the default label)", c.Spec.NamespaceSelector, want)
	}
	if c.Spec.Cloud != "public" || c.Spec.APIVersion != "v1.0" || c.Spec.GraphEndpoint != "" || c.Spec.AuthorityHost != "" || c.Spec.RateLimit != nil {
		t.Errorf("spec = %+v, want the public cloud, v1.0, and no overrides", c.Spec)
	}
	if c.Metadata.Labels["app.kubernetes.io/instance"] != releaseName {
		t.Errorf("labels = %v, want the release's", c.Metadata.Labels)
	}
}

// TestChartRefusesADefaultConnectionWithoutOrganizers: there is no implicit
// "any organizer"; the install fails and says what to set.
func TestChartRefusesADefaultConnectionWithoutOrganizers(t *testing.T) {
	for name, values := range map[string]string{
		"chart defaults": "",
		"empty allowed":  "defaultConnection: {organizers: {allowed: []}}",
		"any false":      "defaultConnection: {organizers: {any: false}}",
		"no organizers":  "defaultConnection: {organizers: {}}",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := render(t, operatorChartDir(t), values)
			if err == nil || !strings.Contains(err.Error(), "defaultConnection.organizers is empty: set defaultConnection.organizers.allowed") {
				t.Fatalf("want a render error saying to set defaultConnection.organizers, got %v", err)
			}
		})
	}
	_, err := render(t, operatorChartDir(t), organizerValues, "defaultConnection: {organizers: {any: true}}")
	if err == nil || !strings.Contains(err.Error(), "sets both allowed and any") {
		t.Errorf("allowed and any: true together rendered (the API refuses both): %v", err)
	}
}

// TestChartDefaultConnectionTakesExactlyOneCredential: Helm merges a
// user's credential over the default operatorEnvironment, so a second
// source must fail the install with the way out, not reach the API.
func TestChartDefaultConnectionTakesExactlyOneCredential(t *testing.T) {
	const ids = "defaultConnection: {tenantId: 99999999-8888-7777-6666-555555555555, clientId: 11111111-2222-3333-4444-555555555555}"
	_, err := render(t, operatorChartDir(t), organizerValues, ids, "defaultConnection: {credential: {clientSecret: {secretRef: {name: graph-app}}}}")
	if err == nil || !strings.Contains(err.Error(), "defaultConnection.credential.operatorEnvironment=null") {
		t.Errorf("want a render error naming operatorEnvironment=null, got %v", err)
	}
	_, err = render(t, operatorChartDir(t), organizerValues, "defaultConnection: {credential: {operatorEnvironment: null, workloadIdentity: {serviceAccountName: graph}}}")
	if err == nil || !strings.Contains(err.Error(), "defaultConnection.tenantId and defaultConnection.clientId are required") {
		t.Errorf("want a render error naming tenantId and clientId, got %v", err)
	}
}

func TestChartUserRoles(t *testing.T) {
	assertUserRoles(t, renderOperator(t, "").objs, releaseName+"-onlinemeeting-operator-")
}
