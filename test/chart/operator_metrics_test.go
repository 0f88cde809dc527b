package chart

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/metrics"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/test/e2e"
)

// The meetings scrapeOperator makes: one the operator brings to Ready, and
// one its connection refuses (OrganizerNotAllowed), which stalls.
const (
	scrapeNamespace     = "observability"
	readyMeetingName    = "ready-00000"
	stalledMeetingName  = "stalled-00001"
	stalledReason       = teamsv1alpha1.ReasonOrganizerNotAllowed
	notAllowedOrganizer = "7c9e2d41-3b5a-4f6e-8d1c-0a2b4c6e8f10"
)

// scrapeOperator builds the manager and the Graph emulator from this
// checkout, runs them against a local control plane (test/e2e, the harness
// of `make bench`), reconciles a Ready and a Stalled meeting, and returns
// one scrape of the manager's /metrics. What it returns is what Prometheus
// would see, so the alerts and the dashboard are checked against the
// operator's registry as cmd/main.go wires it, not against a list kept by
// hand. The control plane is the one `make control-plane` builds into
// bin/k8s.
func scrapeOperator(t *testing.T) e2e.Metrics {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the manager against a control plane and the Graph emulator")
	}
	// envtest logs through controller-runtime's logger, which otherwise
	// prints a stack trace to say it was never set.
	ctrllog.SetLogger(logr.Discard())
	root, work := repoRoot(t), t.TempDir()
	started := time.Now()
	step := func(what string) { t.Logf("%s after %s", what, time.Since(started).Round(100*time.Millisecond)) }
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	// The binaries go to the same folder every run: go build leaves a
	// binary whose build ID is current alone, so only a change relinks. With
	// -o naming a folder, each binary is named after its package folder:
	// cmd is the manager.
	bin := t.TempDir()
	if cache, err := os.UserCacheDir(); err == nil {
		bin = filepath.Join(cache, "onlinemeeting-operator", "test-chart")
	}
	build := exec.CommandContext(ctx, "go", "build", "-buildvcs=false", "-o", bin+string(filepath.Separator), "./cmd", "./cmd/graph-emulator")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the manager and the emulator: %v\n%s", err, out)
	}
	step("built")
	cluster, err := e2e.StartCluster(root, filepath.Join(work, "cluster"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cluster.Stop)
	step("control plane up")
	emu, err := e2e.StartEmulator(filepath.Join(bin, "graph-emulator"), work)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Stop)
	logFile := filepath.Join(work, "manager.log")
	mgr, err := e2e.StartManager(e2e.ManagerConfig{
		Binary: filepath.Join(bin, "cmd"), Kubeconfig: cluster.ManagerKubeconfig, CAFile: emu.CAFile, LogFile: logFile,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(mgr.Stop)
	t.Cleanup(func() {
		if t.Failed() {
			logTail(t, logFile, 40)
		}
	})

	if err := cluster.CreateConnection(ctx, emu.URL); err != nil {
		t.Fatal(err)
	}
	step("connection Ready")
	if err := cluster.EnsureNamespace(ctx, scrapeNamespace); err != nil {
		t.Fatal(err)
	}
	ready := e2e.Meeting(scrapeNamespace, "ready", 0)
	stalled := e2e.Meeting(scrapeNamespace, "stalled", 1)
	stalled.Spec.Organizer.UserID = notAllowedOrganizer
	for _, m := range []*teamsv1alpha1.OnlineMeeting{ready, stalled} {
		if err := cluster.Client.Create(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	waitCondition(ctx, t, cluster.Client, readyMeetingName, teamsv1alpha1.ConditionReady, "")
	waitCondition(ctx, t, cluster.Client, stalledMeetingName, teamsv1alpha1.ConditionStalled, stalledReason)
	step("meetings Ready and Stalled")

	// The meetings gauge is read from the manager's cache at scrape time,
	// which may trail the API server by a moment.
	for {
		ms, err := mgr.Metrics()
		if err == nil && ms["onlinemeeting_graph_requests_total"] != nil &&
			ms.Sum("onlinemeeting_meetings", map[string]string{"reason": string(stalledReason)}) == 1 {
			step("scraped")
			return ms
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the manager's metrics never showed a Graph request and the stalled meeting (last error: %v)", err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// waitCondition waits until the meeting's condition typ is True (with
// reason, unless empty).
func waitCondition(ctx context.Context, t *testing.T, c client.Client, name, typ string, reason teamsv1alpha1.ConditionReason) {
	t.Helper()
	for {
		var m teamsv1alpha1.OnlineMeeting
		err := c.Get(ctx, client.ObjectKey{Namespace: scrapeNamespace, Name: name}, &m)
		if err == nil {
			if cond := meta.FindStatusCondition(m.Status.Conditions, typ); cond != nil && cond.Status == metav1.ConditionTrue &&
				(reason == "" || cond.Reason == string(reason)) {
				return
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("OnlineMeeting %s never had %s=True %s (last error: %v, conditions: %+v)", name, typ, reason, err, m.Status.Conditions)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// logTail logs the last n lines of a file.
func logTail(t *testing.T, path string, n int) {
	f, err := os.Open(path)
	if err != nil {
		t.Log(err)
		return
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	t.Logf("last lines of %s:\n%s", path, strings.Join(lines[max(0, len(lines)-n):], "\n"))
}

// series is one name a PromQL selector can name, as the operator exports
// it: its labels, and the controllers the operator runs (a family has a
// series for a controller only once it was used: workqueue_depth shows no
// queue that never held an item).
type series struct {
	family      string
	labels      map[string]bool
	controllers map[string]bool
}

// exportedSeries turns a scrape's families into the names a selector may
// use: a classic histogram is selected as name_bucket (with le), name_sum
// and name_count, never by its own name; a summary as name (with
// quantile), name_sum and name_count.
func exportedSeries(ms e2e.Metrics) map[string]*series {
	controllers := map[string]bool{}
	for _, f := range ms {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "controller" {
					controllers[l.GetValue()] = true
				}
			}
		}
	}
	out := map[string]*series{}
	for name, f := range ms {
		labels := map[string]bool{}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = true
			}
		}
		add := func(n string, extra ...string) {
			s := &series{family: name, labels: map[string]bool{}, controllers: controllers}
			for l := range labels {
				s.labels[l] = true
			}
			for _, l := range extra {
				s.labels[l] = true
			}
			out[n] = s
		}
		switch f.GetType() {
		case dto.MetricType_HISTOGRAM, dto.MetricType_GAUGE_HISTOGRAM:
			add(name+"_bucket", "le")
			add(name + "_sum")
			add(name + "_count")
		case dto.MetricType_SUMMARY:
			add(name, "quantile")
			add(name + "_sum")
			add(name + "_count")
		default:
			add(name)
		}
	}
	return out
}

// meetingsGaugeLabels are the ready and reason labels the operator's
// meetings collector exports for one OnlineMeeting whose Ready condition
// has status and reason: the collector keeps a label only when the
// operator writes it (else Unknown, or reason Other).
func meetingsGaugeLabels(t *testing.T, status metav1.ConditionStatus, reason string) (ready, reasonLabel string) {
	t.Helper()
	m := &teamsv1alpha1.OnlineMeeting{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "m"}}
	m.Status.Conditions = []metav1.Condition{{Type: teamsv1alpha1.ConditionReady, Status: status, Reason: reason}}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(metrics.NewMeetingsCollector(fake.NewClientBuilder().WithScheme(e2e.Scheme).WithObjects(m).Build()))
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	if len(families) != 1 || len(families[0].GetMetric()) != 1 {
		t.Fatalf("the meetings collector exported %v for one meeting", families)
	}
	for _, l := range families[0].GetMetric()[0].GetLabel() {
		switch l.GetName() {
		case "ready":
			ready = l.GetValue()
		case "reason":
			reasonLabel = l.GetValue()
		}
	}
	return ready, reasonLabel
}
