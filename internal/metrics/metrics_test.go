package metrics

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
)

func TestGraphObserverCountsRequestsByOperationAndCode(t *testing.T) {
	g := NewWithT(t)
	reg := prometheus.NewRegistry()
	o := NewGraphObserver(reg)
	o.ObserveRequest("createOrGet", 201, 20*time.Millisecond)
	o.ObserveRequest("createOrGet", 429, 5*time.Millisecond)
	o.ObserveRequest("createOrGet", 429, 5*time.Millisecond)
	o.ObserveRequest("get", 0, time.Second)

	g.Expect(testutil.ToFloat64(o.requests.WithLabelValues("createOrGet", "201"))).To(Equal(1.0))
	g.Expect(testutil.ToFloat64(o.requests.WithLabelValues("createOrGet", "429"))).To(Equal(2.0))
	g.Expect(testutil.ToFloat64(o.requests.WithLabelValues("get", "0"))).To(Equal(1.0))
	g.Expect(testutil.CollectAndCount(o.latency)).To(Equal(2), "one latency series per operation")
}

func meeting(name string, ready metav1.ConditionStatus, reason string) *teamsv1alpha1.OnlineMeeting {
	m := &teamsv1alpha1.OnlineMeeting{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name}}
	if ready != "" {
		m.Status.Conditions = []metav1.Condition{{Type: teamsv1alpha1.ConditionReady, Status: ready, Reason: reason}}
	}
	return m
}

func TestMeetingsCollectorCountsByReadyStatusAndReason(t *testing.T) {
	g := NewWithT(t)
	scheme := runtime.NewScheme()
	g.Expect(teamsv1alpha1.AddToScheme(scheme)).To(Succeed())
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(
		meeting("a", metav1.ConditionTrue, "Created"),
		meeting("b", metav1.ConditionTrue, "Created"),
		meeting("c", metav1.ConditionFalse, "Forbidden"),
		meeting("d", "", ""),
	).Build()

	want := `
# HELP onlinemeeting_meetings OnlineMeetings by the status and reason of their Ready condition.
# TYPE onlinemeeting_meetings gauge
onlinemeeting_meetings{ready="False",reason="Forbidden"} 1
onlinemeeting_meetings{ready="True",reason="Created"} 2
onlinemeeting_meetings{ready="Unknown",reason=""} 1
`
	g.Expect(testutil.CollectAndCompare(NewMeetingsCollector(c), strings.NewReader(want))).To(Succeed())
}

func TestMeetingsCollectorOfAShardCountsOnlyItsMeetings(t *testing.T) {
	g := NewWithT(t)
	scheme := runtime.NewScheme()
	g.Expect(teamsv1alpha1.AddToScheme(scheme)).To(Succeed())
	ours := meeting("ours", metav1.ConditionTrue, "Created")
	ours.Labels = map[string]string{"shard": "1"}
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(
		ours,
		meeting("theirs", metav1.ConditionTrue, "Created"),
		meeting("theirs-too", metav1.ConditionFalse, "Forbidden"),
	).Build()

	want := `
# HELP onlinemeeting_meetings OnlineMeetings by the status and reason of their Ready condition.
# TYPE onlinemeeting_meetings gauge
onlinemeeting_meetings{ready="True",reason="Created"} 1
`
	inShard := func(o client.Object) bool { return o.GetLabels()["shard"] == "1" }
	g.Expect(testutil.CollectAndCompare(NewMeetingsCollector(c).Only(inShard), strings.NewReader(want))).To(Succeed())
}

func TestMeetingsCollectorOfAStandbyReplicaReportsNothingUntilElected(t *testing.T) {
	g := NewWithT(t)
	scheme := runtime.NewScheme()
	g.Expect(teamsv1alpha1.AddToScheme(scheme)).To(Succeed())
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(meeting("a", metav1.ConditionTrue, "Created")).Build()
	elected := make(chan struct{})
	collector := NewMeetingsCollector(c).WhenLeader(elected)

	g.Expect(testutil.CollectAndCount(collector)).To(BeZero(), "a standby's cache holds the same meetings as the leader's")
	close(elected)
	g.Expect(testutil.CollectAndCount(collector)).To(Equal(1))
}

// TestMeetingsCollectorLabelsOnlyReasonsTheOperatorWrites: status is
// writable by users, so a reason the operator never writes is counted as
// Other instead of becoming a label value of its own.
func TestMeetingsCollectorLabelsOnlyReasonsTheOperatorWrites(t *testing.T) {
	g := NewWithT(t)
	scheme := runtime.NewScheme()
	g.Expect(teamsv1alpha1.AddToScheme(scheme)).To(Succeed())
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(
		meeting("injection", metav1.ConditionFalse, "Pwned\n{x=\"y\"}"),
		meeting("made-up", metav1.ConditionFalse, "AnythingAtAll"),
		meeting("wrong-case", metav1.ConditionFalse, "throttled"),
		meeting("empty", metav1.ConditionFalse, ""),
		meeting("known", metav1.ConditionFalse, string(teamsv1alpha1.ReasonThrottled)),
		meeting("odd-status", "Maybe", string(teamsv1alpha1.ReasonSynced)),
	).Build()

	want := `
# HELP onlinemeeting_meetings OnlineMeetings by the status and reason of their Ready condition.
# TYPE onlinemeeting_meetings gauge
onlinemeeting_meetings{ready="False",reason="Other"} 4
onlinemeeting_meetings{ready="False",reason="Throttled"} 1
onlinemeeting_meetings{ready="Unknown",reason="Synced"} 1
`
	g.Expect(testutil.CollectAndCompare(NewMeetingsCollector(c), strings.NewReader(want))).To(Succeed())
}

// TestEveryConditionReasonIsAKnownLabel keeps the allow-list in step with
// api/v1alpha1: every ConditionReason constant declared there is a label
// value, and the list names nothing else.
func TestEveryConditionReasonIsAKnownLabel(t *testing.T) {
	g := NewWithT(t)
	declared := conditionReasons(t, filepath.Join("..", "..", "api", "v1alpha1"))
	g.Expect(declared).NotTo(BeEmpty())
	for _, r := range declared {
		g.Expect(reasonLabel(r)).To(Equal(r), "reason %q is declared in api/v1alpha1 but missing from knownReasons", r)
	}
	g.Expect(knownReasons).To(HaveLen(len(declared)), "knownReasons lists a reason api/v1alpha1 does not declare")
}

// conditionReasons returns the values of the ConditionReason constants
// declared in the Go files of dir.
func conditionReasons(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var reasons []string
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				if typ, ok := vs.Type.(*ast.Ident); !ok || typ.Name != "ConditionReason" {
					continue
				}
				for _, v := range vs.Values {
					lit, ok := v.(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						t.Fatalf("%s: a ConditionReason that is not a string literal: %T", fset.Position(v.Pos()), v)
					}
					s, err := strconv.Unquote(lit.Value)
					if err != nil {
						t.Fatal(err)
					}
					reasons = append(reasons, s)
				}
			}
		}
	}
	return reasons
}
