package e2e

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

const meetingStatusPath = "/apis/teams.meetings.dev/v1alpha1/namespaces/ns/onlinemeetings/m-1/status"

// startTestProxy runs a ConflictProxy in front of upstream, refusing at rate.
func startTestProxy(t *testing.T, upstream http.Handler, rate float64) *ConflictProxy {
	t.Helper()
	srv := httptest.NewServer(upstream)
	t.Cleanup(srv.Close)
	p, err := StartConflictProxy(ConflictProxyConfig{Upstream: &rest.Config{Host: srv.URL},
		Kubeconfig: filepath.Join(t.TempDir(), "kubeconfig"), Rate: rate})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	return p
}

func proxySend(t *testing.T, method, url string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(`{}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestConflictProxyRefusesMeetingWritesAsTheAPIServerWould(t *testing.T) {
	g := NewWithT(t)
	var forwarded atomic.Int32
	p := startTestProxy(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { forwarded.Add(1) }), 1)

	resp := proxySend(t, http.MethodPatch, p.URL+meetingStatusPath)
	g.Expect(resp.StatusCode).To(Equal(http.StatusConflict))
	var st metav1.Status
	g.Expect(json.NewDecoder(resp.Body).Decode(&st)).To(Succeed())
	g.Expect(apierrors.IsConflict(&apierrors.StatusError{ErrStatus: st})).To(BeTrue())
	g.Expect(st.Kind).To(Equal("Status"))
	g.Expect(st.Message).To(ContainSubstring(`"m-1": the object has been modified`))
	g.Expect(forwarded.Load()).To(BeZero(), "a refused write never reaches the API server")

	// Reads, other resources and creates go through.
	for _, r := range [][2]string{{http.MethodGet, meetingStatusPath},
		{http.MethodPatch, "/apis/coordination.k8s.io/v1/namespaces/ns/leases/l"},
		{http.MethodPost, "/apis/teams.meetings.dev/v1alpha1/namespaces/ns/onlinemeetings"}} {
		g.Expect(proxySend(t, r[0], p.URL+r[1]).StatusCode).To(Equal(http.StatusOK), "%s %s", r[0], r[1])
	}
	g.Expect(forwarded.Load()).To(BeEquivalentTo(3))
	g.Expect(p.Counts().Refused).To(Equal(map[string]int{"PATCH onlinemeetings/status": 1}))

	p.SetRate(0)
	g.Expect(proxySend(t, http.MethodPut, p.URL+strings.TrimSuffix(meetingStatusPath, "/status")).StatusCode).To(Equal(http.StatusOK))
	g.Expect(p.Counts().Writes).To(Equal(map[string]int{"PATCH onlinemeetings/status": 1, "PUT onlinemeetings": 1}))
}

func TestConflictProxyCountsTheAPIServersOwnConflicts(t *testing.T) {
	g := NewWithT(t)
	p := startTestProxy(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusConflict) }), 0)
	g.Expect(proxySend(t, http.MethodPatch, p.URL+meetingStatusPath).StatusCode).To(Equal(http.StatusConflict))
	g.Expect(p.Counts().UpstreamConflicts).To(Equal(map[string]int{"PATCH onlinemeetings/status": 1}))
	g.Expect(p.Counts().Refused).To(BeEmpty())
}

func TestConflictProxyStreamsWatchesEventByEvent(t *testing.T) {
	g := NewWithT(t)
	release := make(chan struct{})
	defer close(release)
	p := startTestProxy(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, `{"type":"ADDED"}`+"\n")
		w.(http.Flusher).Flush()
		<-release // the watch stays open
	}), 0)

	resp := proxySend(t, http.MethodGet, p.URL+"/apis/teams.meetings.dev/v1alpha1/onlinemeetings?watch=true")
	line := make(chan string, 1)
	go func() {
		l, _ := bufio.NewReader(resp.Body).ReadString('\n')
		line <- l
	}()
	g.Eventually(line).WithTimeout(5 * time.Second).Should(Receive(Equal(`{"type":"ADDED"}` + "\n")))
}

func TestConflictProxyWritesAKubeconfigPointingAtItself(t *testing.T) {
	g := NewWithT(t)
	p := startTestProxy(t, http.NotFoundHandler(), 0)
	cfg, err := clientcmd.BuildConfigFromFlags("", p.Kubeconfig)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(cfg.Host).To(Equal(p.URL))
}
