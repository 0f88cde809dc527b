package metrics

import (
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
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
