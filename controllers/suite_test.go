package controllers_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/controllers"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/emulator"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/graph"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/testenv"
)

// The controller is tested end to end: a real kube-apiserver (envtest), the
// real Graph client, and the Graph emulator in-process. Each test gets its
// own namespace, emulator and manager (its cache limited to the namespace).

var env *testenv.Environment

func TestMain(m *testing.M) {
	// The operator's logs go to stderr with TEST_LOG=1, and away otherwise.
	out := io.Discard
	if os.Getenv("TEST_LOG") != "" {
		out = os.Stderr
	}
	log.SetLogger(zap.New(zap.WriteTo(out), zap.UseDevMode(true)))
	os.Exit(testenv.Run(m, &env))
}

const organizer = "5f1d3a44-8c1e-4e8b-9a2f-6c1f0d9e2b71"

// harness is one test's world.
type harness struct {
	t     testing.TB
	g     *WithT
	ns    string
	emu   *emulator.Server
	graph *graph.Client
	opts  harnessOptions
	stop  context.CancelFunc
	done  chan struct{}
}

type harnessOptions struct {
	emulator        emulator.Config
	apiVersion      string
	resync          time.Duration
	stalledRetry    time.Duration
	concurrency     int
	qps             float64
	wrapGraph       func(controllers.MeetingsClient) controllers.MeetingsClient
	failStatusWrite func(client.Object) bool
}

func newHarness(t testing.TB, opts harnessOptions) *harness {
	t.Helper()
	cfg := opts.emulator
	cfg.Listen = "127.0.0.1:0"
	cfg.TenantID = "11111111-2222-3333-4444-555555555555"
	cfg.ClientID = "66666666-7777-8888-9999-000000000000"
	cfg.ClientSecret = "test-only-secret"
	emu, err := emulator.Start(cfg)
	if err != nil {
		t.Fatalf("starting the Graph emulator: %v", err)
	}
	t.Cleanup(func() { _ = emu.Close() })

	cred, err := graph.NewCredential(graph.CredentialConfig{
		TenantID: cfg.TenantID, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
		AuthorityHost: emu.URL(), HTTPClient: emu.HTTPClient(),
	})
	if err != nil {
		t.Fatal(err)
	}
	if opts.apiVersion == "" {
		opts.apiVersion = "v1.0"
	}
	gc, err := graph.New(graph.Config{
		Endpoint: emu.URL(), APIVersion: opts.apiVersion, Credential: cred,
		HTTPClient: emu.HTTPClient(), QPS: opts.qps, Burst: 10, Timeout: 5 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	if opts.resync == 0 {
		opts.resync = time.Hour
	}
	if opts.concurrency == 0 {
		opts.concurrency = 4
	}
	h := &harness{t: t, g: NewWithT(t), ns: env.Namespace(t), emu: emu, graph: gc, opts: opts}
	h.startManager()
	t.Cleanup(h.stopManager)
	return h
}

// startManager starts a manager running the reconciler, as the operator's
// main does, limited to the test's namespace.
func (h *harness) startManager() {
	h.t.Helper()
	mgr, err := ctrl.NewManager(env.Config, ctrl.Options{
		Scheme:                 env.Scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Cache:                  cache.Options{DefaultNamespaces: map[string]cache.Config{h.ns: {}}},
		Controller:             config.Controller{SkipNameValidation: ptr.To(true)},
	})
	if err != nil {
		h.t.Fatal(err)
	}
	var c client.Client = mgr.GetClient()
	if h.opts.failStatusWrite != nil {
		c = failingStatusClient{Client: c, fail: h.opts.failStatusWrite}
	}
	var gc controllers.MeetingsClient = h.graph
	if h.opts.wrapGraph != nil {
		gc = h.opts.wrapGraph(gc)
	}
	r := &controllers.OnlineMeetingReconciler{
		Client: c, Graph: gc, Recorder: mgr.GetEventRecorder("onlinemeeting-operator"),
		ResyncPeriod: h.opts.resync, StalledRetryPeriod: h.opts.stalledRetry, MaxConcurrentReconciles: h.opts.concurrency,
		Jitter: func(time.Duration) time.Duration { return 0 },
	}
	if err := r.SetupWithManager(mgr); err != nil {
		h.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.stop, h.done = cancel, make(chan struct{})
	go func() {
		defer close(h.done)
		if err := mgr.Start(ctx); err != nil {
			h.t.Errorf("manager stopped: %v", err)
		}
	}()
}

// stopManager stops the manager and waits until it has stopped, as a
// crashed or restarted operator would.
func (h *harness) stopManager() {
	if h.stop == nil {
		return
	}
	h.stop()
	<-h.done
	h.stop = nil
}

func (h *harness) meeting(name string, mutate ...func(*teamsv1alpha1.OnlineMeeting)) *teamsv1alpha1.OnlineMeeting {
	m := &teamsv1alpha1.OnlineMeeting{
		ObjectMeta: metav1.ObjectMeta{Namespace: h.ns, Name: name},
		Spec: teamsv1alpha1.OnlineMeetingSpec{
			ExternalID:    "ext-" + name,
			Organizer:     teamsv1alpha1.Organizer{UserID: organizer},
			Subject:       "Subject of " + name,
			StartDateTime: "2026-12-01T09:00:00Z",
			EndDateTime:   "2026-12-01T09:30:00Z",
			Participants: &teamsv1alpha1.MeetingParticipants{Attendees: []teamsv1alpha1.MeetingParticipantInfo{
				{UPN: "alex@contoso.com", Role: teamsv1alpha1.MeetingRolePresenter},
			}},
		},
	}
	for _, f := range mutate {
		f(m)
	}
	return m
}

func (h *harness) create(m *teamsv1alpha1.OnlineMeeting) {
	h.t.Helper()
	if err := env.Client.Create(context.Background(), m); err != nil {
		h.t.Fatalf("creating %s: %v", m.Name, err)
	}
}

func (h *harness) get(g Gomega, name string) *teamsv1alpha1.OnlineMeeting {
	m := &teamsv1alpha1.OnlineMeeting{}
	g.Expect(env.Client.Get(context.Background(), client.ObjectKey{Namespace: h.ns, Name: name}, m)).To(Succeed())
	return m
}

// condition returns a condition's status and reason ("" when absent).
func condition(m *teamsv1alpha1.OnlineMeeting, typ string) (metav1.ConditionStatus, string, string) {
	for _, c := range m.Status.Conditions {
		if c.Type == typ {
			return c.Status, c.Reason, c.Message
		}
	}
	return "", "", ""
}

// waitReady waits until the resource is Ready for its current generation
// and returns it.
func (h *harness) waitReady(name string, reason teamsv1alpha1.ConditionReason) *teamsv1alpha1.OnlineMeeting {
	h.t.Helper()
	var m *teamsv1alpha1.OnlineMeeting
	h.g.Eventually(func(g Gomega) {
		m = h.get(g, name)
		status, got, msg := condition(m, teamsv1alpha1.ConditionReady)
		g.Expect(status).To(Equal(metav1.ConditionTrue), "Ready is %s/%s: %s", status, got, msg)
		g.Expect(got).To(Equal(string(reason)))
		g.Expect(m.Status.ObservedGeneration).To(Equal(m.Generation))
	}).WithTimeout(30 * time.Second).Should(Succeed())
	return m
}

// waitStalled waits until the resource is Stalled with reason and returns
// the condition's message.
func (h *harness) waitStalled(name string, reason teamsv1alpha1.ConditionReason) string {
	h.t.Helper()
	var message string
	h.g.Eventually(func(g Gomega) {
		m := h.get(g, name)
		status, got, msg := condition(m, teamsv1alpha1.ConditionStalled)
		g.Expect(status).To(Equal(metav1.ConditionTrue))
		g.Expect(got).To(Equal(string(reason)))
		ready, readyReason, _ := condition(m, teamsv1alpha1.ConditionReady)
		g.Expect(ready).To(Equal(metav1.ConditionFalse))
		g.Expect(readyReason).To(Equal(string(reason)))
		g.Expect(m.Status.ObservedGeneration).To(Equal(m.Generation))
		message = msg
	}).WithTimeout(30 * time.Second).Should(Succeed())
	return message
}

// waitEvent waits for an Event with reason on the named resource and
// returns its note.
func (h *harness) waitEvent(name string, reason teamsv1alpha1.ConditionReason) string {
	h.t.Helper()
	var note string
	h.g.Eventually(func(g Gomega) {
		var list eventsv1.EventList
		g.Expect(env.Client.List(context.Background(), &list, client.InNamespace(h.ns))).To(Succeed())
		for _, e := range list.Items {
			if e.Regarding.Name == name && e.Reason == string(reason) {
				note = e.Note
				return
			}
		}
		g.Expect(list.Items).To(ContainElement(HaveField("Reason", string(reason))))
	}).WithTimeout(30 * time.Second).Should(Succeed())
	return note
}

// eventCount counts the Events with reason on the named resource.
func (h *harness) eventCount(name string, reason teamsv1alpha1.ConditionReason) int {
	var list eventsv1.EventList
	if err := env.Client.List(context.Background(), &list, client.InNamespace(h.ns)); err != nil {
		h.t.Fatal(err)
	}
	n := 0
	for _, e := range list.Items {
		if e.Regarding.Name == name && e.Reason == string(reason) {
			n++
		}
	}
	return n
}

func (h *harness) calls(operation string) int { return h.emu.Stats().Count(operation) }

// readyCount counts the namespace's Ready OnlineMeetings.
func (h *harness) readyCount(g Gomega) int {
	var list teamsv1alpha1.OnlineMeetingList
	g.Expect(env.Client.List(context.Background(), &list, client.InNamespace(h.ns))).To(Succeed())
	n := 0
	for i := range list.Items {
		if s, _, _ := condition(&list.Items[i], teamsv1alpha1.ConditionReady); s == metav1.ConditionTrue {
			n++
		}
	}
	return n
}

func (h *harness) createMany(n int) {
	for i := range n {
		h.create(h.meeting(fmt.Sprintf("bench-%04d", i)))
	}
}

func (h *harness) waitAllReady(n int) {
	h.g.Eventually(h.readyCount).WithTimeout(10 * time.Minute).WithPolling(200 * time.Millisecond).Should(Equal(n))
}

// failingStatusClient fails status writes chosen by fail, as an apiserver
// outage between the Graph call and the status write would.
type failingStatusClient struct {
	client.Client
	fail func(client.Object) bool
}

func (c failingStatusClient) Status() client.SubResourceWriter {
	return failingStatusWriter{SubResourceWriter: c.Client.Status(), fail: c.fail}
}

type failingStatusWriter struct {
	client.SubResourceWriter
	fail func(client.Object) bool
}

func (w failingStatusWriter) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
	if w.fail(obj) {
		return errors.New("injected: the status write failed")
	}
	return w.SubResourceWriter.Patch(ctx, obj, patch, opts...)
}

// failFirst fails the first n calls.
func failFirst(n int32) func(client.Object) bool {
	var calls atomic.Int32
	return func(client.Object) bool { return calls.Add(1) <= n }
}
