package chart

import (
	"bufio"
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
	"sigs.k8s.io/yaml"
)

const argoHealthKey = "resource.customizations.health.teams.meetings.dev_OnlineMeeting"

// argoHealthScript pulls the Lua health check out of the argocd-cm example
// in docs/gitops/argocd-health.md, so the script tested is the one readers
// copy.
func argoHealthScript(t *testing.T) string {
	t.Helper()
	doc := readFile(t, filepath.Join(repoRoot(t), "docs", "gitops", "argocd-health.md"))
	var block bytes.Buffer
	in := false
	sc := bufio.NewScanner(bytes.NewReader(doc))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case !in && line == "```yaml":
			in = true
		case in && line == "```":
			in = false
		case in:
			block.WriteString(line + "\n")
		}
	}
	var cm struct {
		Kind string            `json:"kind"`
		Data map[string]string `json:"data"`
	}
	if err := yaml.Unmarshal(block.Bytes(), &cm); err != nil {
		t.Fatalf("the argocd-cm example is not valid YAML: %v", err)
	}
	script := cm.Data[argoHealthKey]
	if cm.Kind != "ConfigMap" || script == "" {
		t.Fatalf("argocd-cm example has no %s", argoHealthKey)
	}
	return script
}

// runArgoHealth runs the script as Argo CD does: obj is a global table,
// the script returns a table with status and message.
func runArgoHealth(t *testing.T, script, objYAML string) (status, message string) {
	t.Helper()
	var obj map[string]any
	if err := yaml.Unmarshal([]byte(objYAML), &obj); err != nil {
		t.Fatal(err)
	}
	L := lua.NewState(lua.Options{SkipOpenLibs: false})
	defer L.Close()
	L.SetGlobal("obj", toLua(L, obj))
	if err := L.DoString(script); err != nil {
		t.Fatalf("health script failed: %v", err)
	}
	hs, ok := L.Get(-1).(*lua.LTable)
	if !ok {
		t.Fatalf("health script returned %s, want a table", L.Get(-1).Type())
	}
	return lua.LVAsString(hs.RawGetString("status")), lua.LVAsString(hs.RawGetString("message"))
}

func toLua(L *lua.LState, v any) lua.LValue {
	switch v := v.(type) {
	case map[string]any:
		tbl := L.NewTable()
		for k, e := range v {
			tbl.RawSetString(k, toLua(L, e))
		}
		return tbl
	case []any:
		tbl := L.NewTable()
		for _, e := range v {
			tbl.Append(toLua(L, e))
		}
		return tbl
	case string:
		return lua.LString(v)
	case bool:
		return lua.LBool(v)
	case float64:
		return lua.LNumber(v)
	case int64:
		return lua.LNumber(v)
	default:
		return lua.LNil
	}
}

func TestArgoCDHealthCheckReadsKstatusConditions(t *testing.T) {
	script := argoHealthScript(t)
	const meta = "apiVersion: teams.meetings.dev/v1alpha1\nkind: OnlineMeeting\nmetadata: {name: m, generation: 2}\n"
	tests := []struct {
		name, status, wantStatus, wantMessage string
	}{
		{"no status yet", "", "Progressing", "Waiting for the operator"},
		{"ready", `status:
  observedGeneration: 2
  conditions:
  - {type: Ready, status: "True", reason: Created, message: The meeting was created in Teams., observedGeneration: 2}`,
			"Healthy", "Created"},
		{"stalled", `status:
  observedGeneration: 2
  conditions:
  - {type: Ready, status: "False", reason: Forbidden, message: No application access policy., observedGeneration: 2}
  - {type: Stalled, status: "True", reason: Forbidden, message: No application access policy., observedGeneration: 2}`,
			"Degraded", "Forbidden: No application access policy."},
		{"reconciling", `status:
  observedGeneration: 2
  conditions:
  - {type: Ready, status: "False", reason: Throttled, message: Graph asked to wait., observedGeneration: 2}
  - {type: Reconciling, status: "True", reason: Throttled, message: Graph asked to wait., observedGeneration: 2}`,
			"Progressing", "Throttled"},
		{"ready for an older spec", `status:
  observedGeneration: 1
  conditions:
  - {type: Ready, status: "True", reason: Synced, message: In sync., observedGeneration: 1}`,
			"Progressing", "generation 2"},
		{"ready condition older than status", `status:
  observedGeneration: 2
  conditions:
  - {type: Ready, status: "True", reason: Synced, message: In sync., observedGeneration: 1}`,
			"Progressing", "generation 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, message := runArgoHealth(t, script, meta+tt.status)
			if status != tt.wantStatus || !strings.Contains(message, tt.wantMessage) {
				t.Errorf("health = %s %q, want %s with %q", status, message, tt.wantStatus, tt.wantMessage)
			}
		})
	}
}

// TestFluxExampleChecksOnlineMeetings keeps the Flux example's health checks
// pointing at the kind the CRD serves.
func TestFluxExampleChecksOnlineMeetings(t *testing.T) {
	objs := decodeManifests(t, "flux-kustomization.yaml", readFile(t, filepath.Join(repoRoot(t), "docs", "gitops", "flux-kustomization.yaml")))
	checked := 0
	for _, k := range objs.ofKind("Kustomization") {
		var ks struct {
			Spec struct {
				Wait         bool `json:"wait"`
				HealthChecks []struct {
					APIVersion string `json:"apiVersion"`
					Kind       string `json:"kind"`
					Name       string `json:"name"`
				} `json:"healthChecks"`
			} `json:"spec"`
		}
		data, _ := yaml.Marshal(k.Object)
		if err := yaml.Unmarshal(data, &ks); err != nil {
			t.Fatal(err)
		}
		if k.GetAPIVersion() != "kustomize.toolkit.fluxcd.io/v1" {
			t.Errorf("Kustomization %s is %s, want kustomize.toolkit.fluxcd.io/v1", k.GetName(), k.GetAPIVersion())
		}
		if ks.Spec.Wait && len(ks.Spec.HealthChecks) > 0 {
			t.Errorf("Kustomization %s sets wait and healthChecks; Flux ignores healthChecks then", k.GetName())
		}
		for _, hc := range ks.Spec.HealthChecks {
			if hc.APIVersion != "teams.meetings.dev/v1alpha1" || hc.Kind != "OnlineMeeting" || hc.Name == "" {
				t.Errorf("health check %+v is not an OnlineMeeting", hc)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Error("the Flux example checks no OnlineMeeting")
	}
}
