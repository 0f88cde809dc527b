package controllers_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/controllers"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/connection"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/emulator"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/graph"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/operator"
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
	// Every line is also kept, to be searched for secrets at the end.
	log.SetLogger(zap.New(zap.WriteTo(io.MultiWriter(out, &suiteLog)), zap.UseDevMode(true)))
	if needsNoControlPlane() {
		// A listing runs nothing. Fuzz targets live in packages without a
		// control plane (internal/meeting: -fuzz instruments everything a
		// test binary links); should one come back here, a control plane
		// started in the fuzzer's coordinator and in every worker would be
		// left running by a worker the fuzzer kills.
		os.Exit(m.Run())
	}
	os.Exit(testenv.RunThenCheck(m, &env, checkNoSecretLeaked))
}

// needsNoControlPlane is true in a `go test -fuzz` run (coordinator or
// worker) and in `go test -list`.
func needsNoControlPlane() bool {
	for _, a := range os.Args[1:] {
		if strings.HasPrefix(a, "-test.fuzz=") || a == "-test.fuzzworker" || strings.HasPrefix(a, "-test.fuzzworker=") ||
			strings.HasPrefix(a, "-test.list=") {
			return true
		}
	}
	return false
}

const organizer = "5f1d3a44-8c1e-4e8b-9a2f-6c1f0d9e2b71"

// Test credentials of the emulator's primary tenant. Every one of them is
// also searched for in what the suite logged and wrote (see secrets_test.go).
const (
	testTenantID     = "11111111-2222-3333-4444-555555555555"
	testClientID     = "66666666-7777-8888-9999-000000000000"
	testClientSecret = "test-only-secret-0f3c9b7a"
)

// harnessLabel marks the ClusterGraphConnections of one harness: each
// manager caches only its own, so that tests never see each other's.
const harnessLabel = "teams.meetings.dev/test-harness"

// harness is one test's world.
type harness struct {
	t     testing.TB
	g     *WithT
	ns    string
	emu   *emulator.Server
	graph *graph.Client
	opts  harnessOptions
	// resolver is the running manager's; tests may inspect it.
	resolver *connection.Resolver
	stop     context.CancelFunc
	done     chan struct{}
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
	// namespaces are more namespaces the manager watches besides ns, for
	// tests of tenancy.
	namespaces []string
	// noDefaultConnection leaves out the ClusterGraphConnection that
	// meetings without connectionRef use.
	noDefaultConnection bool
	// now is the reconciler's clock; nil means time.Now.
	now func() time.Time
	// scope is the part of the meetings and schedules the reconcilers
	// reconcile (--watch-label-selector, --watch-namespaces).
	scope controllers.Scope
	// noConnectionReconciler leaves connections' status and finalizer to
	// another instance, as --reconcile-connections=false does.
	noConnectionReconciler bool
}

func newHarness(t testing.TB, opts harnessOptions) *harness {
	t.Helper()
	cfg := opts.emulator
	cfg.Listen = "127.0.0.1:0"
	cfg.TenantID = testTenantID
	cfg.ClientID = testClientID
	cfg.ClientSecret = testClientSecret
	emu, err := emulator.Start(cfg)
	if err != nil {
		t.Fatalf("starting the Graph emulator: %v", err)
	}
	t.Cleanup(func() { _ = emu.Close() })

	// A client of the test's own, to set up and check Graph behind the
	// operator's back.
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
		HTTPClient: emu.HTTPClient(), Timeout: 5 * time.Second,
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
	if !opts.noDefaultConnection {
		h.createSecret(h.ns, "graph-app", testClientSecret)
		h.createClusterConnection(h.ns, func(c *teamsv1alpha1.ClusterGraphConnection) {
			c.Spec.APIVersion = teamsv1alpha1.GraphAPIVersion(opts.apiVersion)
		})
	}
	h.startManager()
	t.Cleanup(h.stopManager)
	if !opts.noDefaultConnection {
		// Meetings created before the connection is checked would first be
		// reported ConnectionNotReady; tests start from a ready operator.
		h.waitConnectionReady(teamsv1alpha1.KindClusterGraphConnection, "", h.ns)
	}
	return h
}

// waitConnectionReady waits until the connection's Ready is True.
func (h *harness) waitConnectionReady(kind, ns, name string) {
	h.t.Helper()
	h.g.Eventually(func(g Gomega) {
		var conds []metav1.Condition
		if kind == teamsv1alpha1.KindGraphConnection {
			c := &teamsv1alpha1.GraphConnection{}
			g.Expect(env.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, c)).To(Succeed())
			conds = c.Status.Conditions
		} else {
			c := &teamsv1alpha1.ClusterGraphConnection{}
			g.Expect(env.Client.Get(context.Background(), client.ObjectKey{Name: name}, c)).To(Succeed())
			conds = c.Status.Conditions
		}
		g.Expect(conds).To(ContainElement(And(HaveField("Type", teamsv1alpha1.ConditionReady), HaveField("Status", metav1.ConditionTrue))))
	}).WithTimeout(30 * time.Second).Should(Succeed())
}

// startManager starts a manager running the reconcilers, as the
// operator's main does, limited to the test's namespaces and its own
// ClusterGraphConnections. The test's namespace stands for the operator's
// own, where ClusterGraphConnections' Secrets live, and the default
// connection is the ClusterGraphConnection named after it.
func (h *harness) startManager() {
	h.t.Helper()
	namespaces := map[string]cache.Config{h.ns: {}}
	for _, ns := range h.opts.namespaces {
		namespaces[ns] = cache.Config{}
	}
	cacheOpts := operator.CacheOptions()
	cacheOpts.DefaultNamespaces = namespaces
	cacheOpts.ByObject = map[client.Object]cache.ByObject{
		&teamsv1alpha1.ClusterGraphConnection{}: {Label: labels.SelectorFromSet(labels.Set{harnessLabel: h.ns})},
	}
	mgr, err := ctrl.NewManager(env.Config, ctrl.Options{
		Scheme:                 env.Scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Cache:                  cacheOpts,
		Client:                 operator.ClientOptions(),
		Controller:             config.Controller{SkipNameValidation: ptr.To(true)},
	})
	if err != nil {
		h.t.Fatal(err)
	}
	var c client.Client = mgr.GetClient()
	if h.opts.failStatusWrite != nil {
		c = failingStatusClient{Client: c, fail: h.opts.failStatusWrite}
	}
	h.resolver = &connection.Resolver{
		Reader: mgr.GetClient(), SecretMetadata: mgr.GetCache(), Secrets: mgr.GetAPIReader(), Tokens: mgr.GetClient(),
		ClusterResourceNamespace: h.ns, DefaultConnection: h.ns,
		DefaultQPS: h.opts.qps, DefaultBurst: 10, HTTPClient: h.emu.HTTPClient(),
		Environment: func() graph.CredentialConfig {
			return graph.CredentialConfig{TenantID: testTenantID, ClientID: testClientID, ClientSecret: testClientSecret}
		},
	}
	recorder := mgr.GetEventRecorder("onlinemeeting-operator")
	connectionKinds := []string{teamsv1alpha1.KindGraphConnection, teamsv1alpha1.KindClusterGraphConnection}
	if h.opts.noConnectionReconciler {
		connectionKinds = nil
	}
	for _, kind := range connectionKinds {
		cr := &controllers.GraphConnectionReconciler{Client: mgr.GetClient(), Connections: h.resolver, Recorder: recorder, Kind: kind}
		if err := cr.SetupWithManager(mgr); err != nil {
			h.t.Fatal(err)
		}
	}
	sr := &controllers.MeetingScheduleReconciler{Client: mgr.GetClient(), Recorder: recorder, Now: h.opts.now, Scope: h.opts.scope}
	if err := sr.SetupWithManager(mgr); err != nil {
		h.t.Fatal(err)
	}
	r := &controllers.OnlineMeetingReconciler{
		Client: c, Connections: h.resolver, Recorder: recorder, WrapGraph: h.opts.wrapGraph, SecretMetadata: mgr.GetCache(),
		ResyncPeriod: h.opts.resync, StalledRetryPeriod: h.opts.stalledRetry, MaxConcurrentReconciles: h.opts.concurrency,
		Jitter: func(time.Duration) time.Duration { return 0 }, Now: h.opts.now, Scope: h.opts.scope,
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := r.SetupWithManager(ctx, mgr); err != nil {
		cancel()
		h.t.Fatal(err)
	}
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

// createSecret creates a Secret holding a client secret under the default
// key.
func (h *harness) createSecret(ns, name, value string) {
	h.t.Helper()
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		StringData: map[string]string{connection.DefaultClientSecretKey: value}}
	if err := env.Client.Create(context.Background(), s); err != nil {
		h.t.Fatalf("creating Secret %s/%s: %v", ns, name, err)
	}
}

// connectionSpec is a connection to the emulator's primary tenant with a
// client secret from Secret graph-app, for any organizer.
func (h *harness) connectionSpec() teamsv1alpha1.GraphConnectionSpec {
	return teamsv1alpha1.GraphConnectionSpec{
		GraphEndpoint: h.emu.URL(), AuthorityHost: h.emu.URL(),
		TenantID: testTenantID, ClientID: testClientID,
		Credential: teamsv1alpha1.Credential{ClientSecret: &teamsv1alpha1.ClientSecretCredential{
			SecretRef: teamsv1alpha1.SecretKeySelector{Name: "graph-app"}}},
		Organizers: teamsv1alpha1.OrganizerPolicy{Any: true},
	}
}

// createClusterConnection creates a ClusterGraphConnection of this
// harness, named name, open to every namespace, deleted at the end of the
// test.
func (h *harness) createClusterConnection(name string, mutate ...func(*teamsv1alpha1.ClusterGraphConnection)) *teamsv1alpha1.ClusterGraphConnection {
	h.t.Helper()
	c := &teamsv1alpha1.ClusterGraphConnection{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{harnessLabel: h.ns}},
		Spec: teamsv1alpha1.ClusterGraphConnectionSpec{
			GraphConnectionSpec: h.connectionSpec(),
			NamespaceSelector:   &metav1.LabelSelector{},
		},
	}
	for _, f := range mutate {
		f(c)
	}
	if err := env.Client.Create(context.Background(), c); err != nil {
		h.t.Fatalf("creating ClusterGraphConnection %s: %v", name, err)
	}
	h.t.Cleanup(func() { _ = env.Client.Delete(context.Background(), c) })
	return c
}

// createConnection creates a GraphConnection in ns.
func (h *harness) createConnection(ns, name string, mutate ...func(*teamsv1alpha1.GraphConnection)) *teamsv1alpha1.GraphConnection {
	h.t.Helper()
	c := &teamsv1alpha1.GraphConnection{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       h.connectionSpec(),
	}
	for _, f := range mutate {
		f(c)
	}
	if err := env.Client.Create(context.Background(), c); err != nil {
		h.t.Fatalf("creating GraphConnection %s/%s: %v", ns, name, err)
	}
	return c
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
func (h *harness) readyCount(g Gomega) int { return h.countTrue(g, teamsv1alpha1.ConditionReady) }

// countTrue counts the namespace's OnlineMeetings whose condition typ is True.
func (h *harness) countTrue(g Gomega, typ string) int {
	var list teamsv1alpha1.OnlineMeetingList
	g.Expect(env.Client.List(context.Background(), &list, client.InNamespace(h.ns))).To(Succeed())
	n := 0
	for i := range list.Items {
		if s, _, _ := condition(&list.Items[i], typ); s == metav1.ConditionTrue {
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

// reconcileCount is how many reconciles of OnlineMeetings every manager
// of the suite has run, from controller-runtime's own metric.
func reconcileCount(g Gomega) int {
	families, err := ctrlmetrics.Registry.Gather()
	g.Expect(err).NotTo(HaveOccurred())
	n := 0.0
	for _, f := range families {
		if f.GetName() != "controller_runtime_reconcile_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "controller" && l.GetValue() == "onlinemeeting" {
					n += m.GetCounter().GetValue()
				}
			}
		}
	}
	return int(n)
}
