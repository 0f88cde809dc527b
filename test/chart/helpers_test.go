package chart

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// Release settings every render uses; the namespace is not "default" so a
// template that forgets .Release.Namespace shows up.
const (
	releaseName      = "om"
	releaseNamespace = "meetings-system"
)

// repoRoot is the repository's root, found from this file's location so the
// tests run from any working directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the test's source file")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

func operatorChartDir(t *testing.T) string {
	return filepath.Join(repoRoot(t), "charts", "onlinemeeting-operator")
}

func meetingsChartDir(t *testing.T) string {
	return filepath.Join(repoRoot(t), "docs", "examples", "meetings-chart")
}

func loadChart(t *testing.T, dir string) *chart.Chart {
	t.Helper()
	ch, err := loader.Load(dir)
	if err != nil {
		t.Fatalf("loading the chart in %s: %v", dir, err)
	}
	return ch
}

// render renders the chart in dir with values given as YAML layers (each
// merged over the ones before it and all over the chart's values.yaml, as
// `helm install -f a.yaml -f b.yaml` does), validating them against
// values.schema.json first.
func render(t *testing.T, dir string, valuesYAML ...string) (map[string]string, error) {
	t.Helper()
	ch := loadChart(t, dir)
	vals := mergeValues(t, valuesYAML...)
	opts := chartutil.ReleaseOptions{Name: releaseName, Namespace: releaseNamespace, IsInstall: true, Revision: 1}
	renderVals, err := chartutil.ToRenderValues(ch, vals, opts, chartutil.DefaultCapabilities)
	if err != nil {
		return nil, err
	}
	return engine.Render(ch, renderVals)
}

// mergeValues parses YAML layers of values, later ones winning; a null in
// a later layer deletes the key, as with helm -f.
func mergeValues(t *testing.T, layers ...string) map[string]any {
	t.Helper()
	merged := map[string]any{}
	for _, layer := range layers {
		vals, err := chartutil.ReadValues([]byte(layer))
		if err != nil {
			t.Fatalf("parsing test values %q: %v", layer, err)
		}
		merged = chartutil.CoalesceTables(vals.AsMap(), merged)
	}
	return merged
}

// renderObjects renders the chart and decodes every manifest (NOTES.txt
// aside) into objects, failing the test on any error.
func renderObjects(t *testing.T, dir string, valuesYAML ...string) objects {
	t.Helper()
	files, err := render(t, dir, valuesYAML...)
	if err != nil {
		t.Fatalf("rendering %s: %v", filepath.Base(dir), err)
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	var objs objects
	for _, name := range names {
		if strings.HasSuffix(name, "NOTES.txt") {
			continue
		}
		objs = append(objs, decodeManifests(t, name, []byte(files[name]))...)
	}
	return objs
}

// decodeManifests splits a multi-document YAML stream into objects, skipping
// empty documents as kubectl does.
func decodeManifests(t *testing.T, source string, data []byte) objects {
	t.Helper()
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var objs objects
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return objs
		}
		if err != nil {
			t.Fatalf("%s: reading YAML: %v", source, err)
		}
		var m map[string]any
		if err := yaml.Unmarshal(doc, &m); err != nil {
			t.Fatalf("%s: invalid YAML: %v\n%s", source, err, doc)
		}
		if len(m) == 0 {
			continue
		}
		objs = append(objs, &unstructured.Unstructured{Object: m})
	}
}

// objects is a rendered set of manifests.
type objects []*unstructured.Unstructured

// ofKind returns the objects of one kind.
func (o objects) ofKind(kind string) objects {
	var out objects
	for _, u := range o {
		if u.GetKind() == kind {
			out = append(out, u)
		}
	}
	return out
}

// named decodes the object of kind and name into a typed struct, failing
// the test when there is none.
func (o objects) named(t *testing.T, kind, name string, into any) {
	t.Helper()
	for _, u := range o.ofKind(kind) {
		if u.GetName() == name {
			decodeInto(t, u, into)
			return
		}
	}
	t.Fatalf("no %s named %q", kind, name)
}

// one decodes the single object of kind into a typed struct, failing the
// test when there is not exactly one.
func (o objects) one(t *testing.T, kind string, into any) {
	t.Helper()
	found := o.ofKind(kind)
	if len(found) != 1 {
		t.Fatalf("want exactly one %s, rendered %d", kind, len(found))
	}
	decodeInto(t, found[0], into)
}

// decodeInto converts an unstructured object into a typed one, rejecting
// fields the type does not know: a misspelt field in a template would be
// dropped by the API server without a word.
func decodeInto(t *testing.T, u *unstructured.Unstructured, into any) {
	t.Helper()
	data, err := yaml.Marshal(u.Object)
	if err != nil {
		t.Fatalf("encoding %s %s: %v", u.GetKind(), u.GetName(), err)
	}
	if err := yaml.UnmarshalStrict(data, into); err != nil {
		t.Fatalf("%s %s does not match its type: %v", u.GetKind(), u.GetName(), err)
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
