package chart

import (
	"fmt"
	"log/slog"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// promQL is Prometheus' own parser, with its default functions.
var promQL = parser.NewParser(parser.Options{})

// query is one PromQL expression the installers ship, and where it is.
type query struct {
	source string
	expr   string
}

// ruleQueries are every rule's expression, checked by Prometheus' own rule
// file validation first: the expression parses, alert names and labels are
// valid, and the annotations' templates compile.
func ruleQueries(t *testing.T) []query {
	t.Helper()
	var qs []query
	for source, pr := range shippedRules(t) {
		file, err := yaml.Marshal(map[string]any{"groups": pr.Spec.Groups})
		if err != nil {
			t.Fatal(err)
		}
		if _, errs := rulefmt.Parse(file, false, model.UTF8Validation, promQL, slog.New(slog.DiscardHandler)); len(errs) > 0 {
			t.Errorf("%s: Prometheus rejects the rules: %v", source, errs)
		}
		for _, g := range pr.Spec.Groups {
			for _, r := range g.Rules {
				qs = append(qs, query{source: fmt.Sprintf("%s: %s", source, r.Alert+r.Record), expr: r.Expr})
			}
		}
	}
	return qs
}

// grafanaVariable is a dashboard variable in any of Grafana's syntaxes.
// A $ before a digit is not one: "$1" is label_replace's back reference,
// which Grafana leaves alone.
var grafanaVariable = regexp.MustCompile(`\$\{([A-Za-z_]\w*)(?::\w+)?\}|\[\[([A-Za-z_]\w*)(?::\w+)?\]\]|\$([A-Za-z_]\w*)`)

// grafanaIntervals are the built-in variables the dashboard may use, all
// durations.
var grafanaIntervals = map[string]bool{"__rate_interval": true, "__interval": true, "__range": true}

// labelValuesQuery is a Prometheus template variable's query.
var labelValuesQuery = regexp.MustCompile(`^label_values\((.+),\s*(\w+)\)$`)

// dashboardQueries are every panel target's expression and every template
// variable's selector, with Grafana's variables replaced so Prometheus can
// parse them: intervals by a duration, the dashboard's own variables (which
// must be defined) by a label value.
func dashboardQueries(t *testing.T, source string, d map[string]any) []query {
	t.Helper()
	defined := map[string]bool{}
	var qs []query
	expand := func(where, expr string) query {
		return query{source: source + ": " + where, expr: grafanaVariable.ReplaceAllStringFunc(expr, func(v string) string {
			m := grafanaVariable.FindStringSubmatch(v)
			name := m[1] + m[2] + m[3]
			switch {
			case grafanaIntervals[name]:
				return "5m"
			case defined[name]:
				return "value_of_" + name
			}
			t.Errorf("%s: %s uses $%s, which the dashboard does not define", source, where, name)
			return v
		})}
	}
	templating, _ := d["templating"].(map[string]any)
	vars, _ := templating["list"].([]any)
	for _, v := range vars {
		v, _ := v.(map[string]any)
		name, _ := v["name"].(string)
		defined[name] = true
		if v["type"] != "query" {
			continue
		}
		q, _ := v["query"].(string)
		m := labelValuesQuery.FindStringSubmatch(q)
		if m == nil {
			t.Errorf("%s: variable %s's query %q is not label_values(selector, label)", source, name, q)
			continue
		}
		qs = append(qs, expand("variable "+name, m[1]))
	}
	var walk func(panels []any)
	walk = func(panels []any) {
		for _, p := range panels {
			p, _ := p.(map[string]any)
			title, _ := p["title"].(string)
			if p["type"] != "row" && !reflect.DeepEqual(p["datasource"], map[string]any{"type": "prometheus", "uid": "${datasource}"}) {
				t.Errorf("%s: panel %q reads datasource %v, not the ${datasource} variable", source, title, p["datasource"])
			}
			targets, _ := p["targets"].([]any)
			for i, tg := range targets {
				tg, _ := tg.(map[string]any)
				expr, _ := tg["expr"].(string)
				qs = append(qs, expand(fmt.Sprintf("panel %q target %d", title, i), expr))
			}
			nested, _ := p["panels"].([]any)
			walk(nested)
		}
	}
	panels, _ := d["panels"].([]any)
	walk(panels)
	return qs
}

// shippedQueries are the expressions of every alert and dashboard panel
// both installers ship.
func shippedQueries(t *testing.T) []query {
	t.Helper()
	qs := ruleQueries(t)
	for source, d := range shippedDashboards(t) {
		qs = append(qs, dashboardQueries(t, source, d)...)
	}
	if len(qs) == 0 {
		t.Fatal("found no expressions")
	}
	return qs
}

// selectors parses q and returns its vector selectors (those inside range
// selectors, subqueries and function calls too).
func selectors(t *testing.T, q query) []*parser.VectorSelector {
	t.Helper()
	expr, err := promQL.ParseExpr(q.expr)
	if err != nil {
		t.Errorf("%s: %v\n%s", q.source, err, q.expr)
		return nil
	}
	var out []*parser.VectorSelector
	parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok {
			out = append(out, vs)
		}
		return nil
	})
	if len(out) == 0 {
		t.Errorf("%s selects no series: %s", q.source, q.expr)
	}
	return out
}

// metricName is the name a selector selects by, or "".
func metricName(vs *parser.VectorSelector) string {
	if vs.Name != "" {
		return vs.Name
	}
	for _, m := range vs.LabelMatchers {
		if m.Name == labels.MetricName && m.Type == labels.MatchEqual {
			return m.Value
		}
	}
	return ""
}

// targetLabels are the labels Prometheus (with the Prometheus Operator's
// ServiceMonitor) attaches to every scraped series; they are not in the
// exposition.
var targetLabels = []string{"namespace", "job", "instance", "pod", "service", "endpoint", "container"}

// literalValues are the values a matcher admits when it lists them (= or
// =~ with an alternation of literals); ok is false for any other matcher.
func literalValues(m *labels.Matcher) (values []string, ok bool) {
	switch m.Type {
	case labels.MatchEqual:
		return []string{m.Value}, true
	case labels.MatchRegexp:
		values = strings.Split(m.Value, "|")
		for _, v := range values {
			if v == "" || regexp.QuoteMeta(v) != v {
				return nil, false
			}
		}
		return values, true
	}
	return nil, false
}

// TestAlertsAndDashboardAgainstTheRunningOperator checks the shipped
// expressions against a scrape of the real manager (see scrapeOperator).
func TestAlertsAndDashboardAgainstTheRunningOperator(t *testing.T) {
	qs := shippedQueries(t)
	ms := scrapeOperator(t)
	t.Run("NameOnlyWhatTheOperatorExports", func(t *testing.T) { assertNameOnlyExported(t, qs, exportedSeries(ms)) })
	t.Run("StalledAlertSelectsStalledMeetingsOnly", func(t *testing.T) { assertStalledAlertSelectsStalledMeetings(t, ms) })
}

// assertNameOnlyExported parses every alert and dashboard expression with
// Prometheus' parser and checks each series it selects against what the
// manager exports: the name (histograms by their _bucket, _sum and
// _count), every label it matches on, and the values of the labels whose
// values are the operator's own: controller (as the scrape shows them all)
// and the meetings gauge's ready and reason (as its collector exports them
// rather than folding them into Unknown or Other). A renamed metric, a
// misspelt label, or a controller name or reason that does not exist would
// leave an alert that never fires.
func assertNameOnlyExported(t *testing.T, qs []query, exported map[string]*series) {
	checked := map[string]bool{}
	for _, q := range qs {
		for _, vs := range selectors(t, q) {
			name := metricName(vs)
			s := exported[name]
			if s == nil {
				t.Errorf("%s selects %q, which the operator does not export: %s", q.source, name, q.expr)
				continue
			}
			checked[name] = true
			for _, m := range vs.LabelMatchers {
				if m.Name == labels.MetricName {
					continue
				}
				if !s.labels[m.Name] && !slices.Contains(targetLabels, m.Name) {
					t.Errorf("%s matches label %q, which %s does not have", q.source, m.Name, name)
					continue
				}
				checkLabelValues(t, q, name, s, m)
			}
		}
	}
	names := make([]string, 0, len(checked))
	for n := range checked {
		names = append(names, n)
	}
	sort.Strings(names)
	t.Logf("checked %d expressions naming %d series: %s", len(qs), len(names), strings.Join(names, ", "))
}

// checkLabelValues checks the values a matcher names, for the labels whose
// every possible value the test knows.
func checkLabelValues(t *testing.T, q query, name string, s *series, m *labels.Matcher) {
	t.Helper()
	var exists func(v string) bool
	switch {
	case m.Name == "controller":
		exists = func(v string) bool { return s.controllers[v] }
	case name == "onlinemeeting_meetings" && m.Name == "ready":
		exists = func(v string) bool {
			ready, _ := meetingsGaugeLabels(t, metav1.ConditionStatus(v), "Created")
			return ready == v
		}
	case name == "onlinemeeting_meetings" && m.Name == "reason":
		exists = func(v string) bool {
			_, reason := meetingsGaugeLabels(t, metav1.ConditionFalse, v)
			return reason == v
		}
	default:
		return
	}
	values, ok := literalValues(m)
	if !ok {
		t.Errorf("%s matches %s with %s: list the values it means (=, or =~ with a|b|c) so they can be checked", q.source, m.Name, m)
		return
	}
	for _, v := range values {
		if !exists(v) {
			t.Errorf("%s matches %s=%q, a value %s never has", q.source, m.Name, v, name)
		}
	}
}

// stalledAlertSelectors are the selectors of the OnlineMeetingStalled
// alert, in config/prometheus and in the chart.
func stalledAlertSelectors(t *testing.T) []*parser.VectorSelector {
	t.Helper()
	var out []*parser.VectorSelector
	for _, pr := range shippedRules(t) {
		for _, g := range pr.Spec.Groups {
			for _, r := range g.Rules {
				if r.Alert == "OnlineMeetingStalled" {
					out = append(out, selectors(t, query{source: r.Alert, expr: r.Expr})...)
				}
			}
		}
	}
	if len(out) != 2 {
		t.Fatalf("want the OnlineMeetingStalled alert in config/prometheus and in the chart, each with one selector; found %d selectors", len(out))
	}
	return out
}

// assertStalledAlertSelectsStalledMeetings: the meeting the operator
// really stalled shows up in the series the OnlineMeetingStalled alert
// selects, and the Ready one does not.
func assertStalledAlertSelectsStalledMeetings(t *testing.T, ms map[string]*dto.MetricFamily) {
	stalledSelectors := stalledAlertSelectors(t)
	meetings := ms["onlinemeeting_meetings"]
	seen := map[string]bool{}
	for _, s := range meetings.GetMetric() {
		lbls := map[string]string{}
		for _, l := range s.GetLabel() {
			lbls[l.GetName()] = l.GetValue()
		}
		stalled := lbls["reason"] == string(stalledReason)
		seen[lbls["reason"]] = true
		for _, vs := range stalledSelectors {
			if matches(vs, lbls) != stalled {
				t.Errorf("OnlineMeetingStalled's selector %s matches %v: %v", vs, lbls, !stalled)
			}
		}
	}
	if !seen[string(stalledReason)] || !seen["Created"] {
		t.Errorf("the scrape lacks the Ready or the Stalled meeting: %v", meetings)
	}
}

// TestEverySelectionOfStalledMeetingsListsTheSameReasons: the dashboard's
// Stalled panel counts what the alert counts.
func TestEverySelectionOfStalledMeetingsListsTheSameReasons(t *testing.T) {
	want := stalledAlertSelectors(t)[0]
	n := 0
	for _, q := range shippedQueries(t) {
		for _, vs := range selectors(t, q) {
			for _, m := range vs.LabelMatchers {
				if metricName(vs) != "onlinemeeting_meetings" || m.Name != "reason" {
					continue
				}
				n++
				if !slices.ContainsFunc(want.LabelMatchers, func(w *labels.Matcher) bool { return w.String() == m.String() }) {
					t.Errorf("%s selects %s, not the OnlineMeetingStalled alert's reasons", q.source, m)
				}
			}
		}
	}
	if n < 4 {
		t.Errorf("found %d selections of meetings by reason, want the alert's and the dashboard's in config/ and in the chart", n)
	}
}

// matches reports whether every matcher of vs but the name admits lbls.
func matches(vs *parser.VectorSelector, lbls map[string]string) bool {
	for _, m := range vs.LabelMatchers {
		if m.Name != labels.MetricName && !m.Matches(lbls[m.Name]) {
			return false
		}
	}
	return true
}
