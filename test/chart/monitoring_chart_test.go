package chart

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/lint"
	"helm.sh/helm/v3/pkg/lint/support"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// prometheusRule is a monitoring.coreos.com/v1 PrometheusRule, as far as
// the Prometheus Operator reads it; decodeInto rejects fields it does not
// know, so a misspelt "anotations" fails here rather than vanishing.
type prometheusRule struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		Groups []ruleGroup `json:"groups"`
	} `json:"spec"`
}

type ruleGroup struct {
	Name     string `json:"name"`
	Interval string `json:"interval,omitempty"`
	Rules    []rule `json:"rules"`
}

type rule struct {
	Alert       string            `json:"alert,omitempty"`
	Record      string            `json:"record,omitempty"`
	Expr        string            `json:"expr"`
	For         string            `json:"for,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// buildKustomization runs kustomize build on a folder of config/.
func buildKustomization(t *testing.T, dir string) objects {
	t.Helper()
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	resMap, err := k.Run(filesys.MakeFsOnDisk(), filepath.Join(repoRoot(t), "config", dir))
	if err != nil {
		t.Fatalf("kustomize build config/%s: %v", dir, err)
	}
	out, err := resMap.AsYaml()
	if err != nil {
		t.Fatal(err)
	}
	return decodeManifests(t, "config/"+dir, out)
}

// monitoringValues turn on the chart's PrometheusRule and dashboard.
const monitoringValues = `metrics:
  prometheusRule: {enabled: true, labels: {release: prometheus}}
  grafanaDashboard: {enabled: true, namespace: monitoring, annotations: {grafana_folder: Operators}}
`

// shippedRules are the PrometheusRules of config/prometheus and of the
// chart with monitoringValues.
func shippedRules(t *testing.T) map[string]prometheusRule {
	t.Helper()
	var fromConfig, fromChart prometheusRule
	buildKustomization(t, "prometheus").one(t, "PrometheusRule", &fromConfig)
	renderOperator(t, monitoringValues).objs.one(t, "PrometheusRule", &fromChart)
	return map[string]prometheusRule{"config/prometheus": fromConfig, "chart": fromChart}
}

// shippedDashboards are the dashboards of config/grafana's ConfigMap and of
// the chart's with monitoringValues, decoded.
func shippedDashboards(t *testing.T) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for source, objs := range map[string]objects{
		"config/grafana": buildKustomization(t, "grafana"),
		"chart":          renderOperator(t, monitoringValues).objs,
	} {
		var cm corev1.ConfigMap
		objs.one(t, "ConfigMap", &cm)
		var d map[string]any
		if err := json.Unmarshal([]byte(cm.Data["onlinemeeting-operator.json"]), &d); err != nil {
			t.Fatalf("%s: the dashboard is not JSON: %v", source, err)
		}
		out[source] = d
	}
	return out
}

func TestChartRendersNoAlertsOrDashboardUnlessAsked(t *testing.T) {
	for name, values := range map[string]string{
		"defaults":    "",
		"metrics off": "metrics: {enabled: false, prometheusRule: {enabled: true}, grafanaDashboard: {enabled: true}}",
	} {
		t.Run(name, func(t *testing.T) {
			r := renderOperator(t, values)
			if n := len(r.objs.ofKind("PrometheusRule")); n != 0 {
				t.Errorf("rendered %d PrometheusRules", n)
			}
			if n := len(r.objs.ofKind("ConfigMap")); n != 0 {
				t.Errorf("rendered %d ConfigMaps", n)
			}
		})
	}
}

// TestChartAndConfigShipTheSameAlertsAndDashboard: the chart renders
// config/'s rules and dashboard (copied by `make manifests`) with its own
// names and labels, so the two installers cannot drift apart.
func TestChartAndConfigShipTheSameAlertsAndDashboard(t *testing.T) {
	rules := shippedRules(t)
	chart := rules["chart"]
	if !reflect.DeepEqual(chart.Spec, rules["config/prometheus"].Spec) {
		t.Errorf("the chart's PrometheusRule spec differs from config/prometheus/prometheus_rule.yaml's: run `make manifests`")
	}
	if chart.APIVersion != "monitoring.coreos.com/v1" || chart.Namespace != releaseNamespace ||
		chart.Name != releaseName+"-onlinemeeting-operator" || chart.Labels["release"] != "prometheus" ||
		chart.Labels["app.kubernetes.io/instance"] != releaseName {
		t.Errorf("chart PrometheusRule = %s %s/%s labels %v", chart.APIVersion, chart.Namespace, chart.Name, chart.Labels)
	}
	var alerts []string
	for _, g := range chart.Spec.Groups {
		for _, r := range g.Rules {
			alerts = append(alerts, r.Alert)
			if r.Labels["severity"] == "" || r.Annotations["summary"] == "" || r.Annotations["description"] == "" {
				t.Errorf("alert %s lacks a severity, a summary or a description", r.Alert)
			}
		}
	}
	for _, want := range []string{"OnlineMeetingStalled", "OnlineMeetingGraphThrottled", "OnlineMeetingGraphErrors", "OnlineMeetingOperatorNotReconciling", "OnlineMeetingOperatorAbsent"} {
		if !slices.Contains(alerts, want) {
			t.Errorf("alerts %v lack %s", alerts, want)
		}
	}

	dashboards := shippedDashboards(t)
	if !reflect.DeepEqual(dashboards["chart"], dashboards["config/grafana"]) {
		t.Errorf("the chart's dashboard differs from config/grafana/onlinemeeting-operator.json: run `make manifests`")
	}
	for source, objs := range map[string]objects{
		"config/grafana": buildKustomization(t, "grafana"),
		"chart":          renderOperator(t, monitoringValues).objs,
	} {
		var cm corev1.ConfigMap
		objs.one(t, "ConfigMap", &cm)
		if cm.Labels["grafana_dashboard"] != "1" {
			t.Errorf("%s: dashboard ConfigMap labels %v lack the sidecar's grafana_dashboard: \"1\"", source, cm.Labels)
		}
		if len(cm.Data) != 1 {
			t.Errorf("%s: dashboard ConfigMap holds %d files, want one", source, len(cm.Data))
		}
		if source == "chart" && (cm.Namespace != "monitoring" || cm.Annotations["grafana_folder"] != "Operators") {
			t.Errorf("chart dashboard ConfigMap in %q with annotations %v, want monitoring and the folder", cm.Namespace, cm.Annotations)
		}
	}
}

func TestKustomizePrometheusBuildsMonitorAndRules(t *testing.T) {
	objs := buildKustomization(t, "prometheus")
	for kind, want := range map[string]int{"ServiceMonitor": 1, "PrometheusRule": 1} {
		if got := len(objs.ofKind(kind)); got != want {
			t.Errorf("config/prometheus built %d %s, want %d", got, kind, want)
		}
	}
	if len(objs) != 2 {
		t.Errorf("config/prometheus built %d objects, want 2", len(objs))
	}
}

func TestChartWithAlertsAndDashboardLintsClean(t *testing.T) {
	linter := lint.All(operatorChartDir(t), mergeValues(t, organizerValues, monitoringValues), releaseNamespace, true)
	for _, msg := range linter.Messages {
		if msg.Severity >= support.WarningSev {
			t.Errorf("helm lint: %s", msg)
		}
	}
}

func TestChartSchemaRejectsMonitoringTypos(t *testing.T) {
	for values, want := range map[string]string{
		"metrics: {prometheusRule: {enable: true}}":                            "enable",
		"metrics: {prometheusRule: {additionalLabels: {release: prometheus}}}": "additionalLabels",
		"metrics: {grafanaDashboard: {label: {grafana_dashboard: \"1\"}}}":     "label",
		"metrics: {grafanaDashboard: {namespace: Monitoring}}":                 "namespace",
	} {
		_, err := render(t, operatorChartDir(t), organizerValues, values)
		if err == nil || !strings.Contains(err.Error(), "schema") || !strings.Contains(err.Error(), want) {
			t.Errorf("values %q: want a schema error naming %q, got %v", values, want, err)
		}
	}
}
