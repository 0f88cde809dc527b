package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
)

// optimisticLockMessage is what the API server says when a write names a
// resourceVersion that is no longer current (k8s.io/apiserver's
// OptimisticLockErrorMsg).
const optimisticLockMessage = "the object has been modified; please apply your changes to the latest version and try again"

// ConflictProxyConfig says what a ConflictProxy forwards and refuses.
type ConflictProxyConfig struct {
	// Upstream is the API server and the credentials the proxy forwards
	// with (Cluster.ManagerConfig): its clients need none of their own.
	Upstream *rest.Config
	// Kubeconfig is where the proxy writes a kubeconfig that points at it.
	Kubeconfig string
	// Rate is the fraction of matched writes answered 409 Conflict
	// without being forwarded; SetRate changes it.
	Rate float64
	// Dice returns numbers in [0, 1) that decide each refusal (a seeded
	// source, for a run that can be replayed); nil uses math/rand/v2. It
	// is called under the proxy's lock.
	Dice func() float64
}

// ConflictProxy is a plain-HTTP reverse proxy on loopback in front of the
// API server. It refuses a fraction of the PUTs and PATCHes of
// OnlineMeetings (and their status) with the 409 Conflict a concurrent
// writer would cause, and forwards everything else, watches streaming.
// The refused writes never reach the API server: the client sees the same
// answer as when it loses a race, and must read again and retry.
type ConflictProxy struct {
	// URL is the proxy's address, http://127.0.0.1:PORT.
	URL string
	// Kubeconfig is the file that points a client at the proxy.
	Kubeconfig string

	srv  *http.Server
	ln   net.Listener
	done chan struct{}

	mu     sync.Mutex
	rate   float64
	dice   func() float64
	counts ProxyCounts
}

// ProxyCounts are what a ConflictProxy saw, keyed by "VERB resource"
// (e.g. "PATCH onlinemeetings/status").
type ProxyCounts struct {
	// Writes are the matched writes, refused or forwarded.
	Writes map[string]int
	// Refused are the writes answered 409 by the proxy itself.
	Refused map[string]int
	// UpstreamConflicts are the matched writes the API server itself
	// answered 409.
	UpstreamConflicts map[string]int
}

// StartConflictProxy listens on a free loopback port, writes
// cfg.Kubeconfig and serves until Stop.
func StartConflictProxy(cfg ConflictProxyConfig) (*ConflictProxy, error) {
	if cfg.Upstream == nil || cfg.Kubeconfig == "" {
		return nil, errors.New("ConflictProxyConfig needs Upstream and Kubeconfig")
	}
	upstream, err := url.Parse(cfg.Upstream.Host)
	if err != nil || upstream.Host == "" {
		return nil, fmt.Errorf("the upstream's host %q is not a URL: %v", cfg.Upstream.Host, err)
	}
	transport, err := rest.TransportFor(cfg.Upstream)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &ConflictProxy{
		URL: "http://" + ln.Addr().String(), Kubeconfig: cfg.Kubeconfig, ln: ln, done: make(chan struct{}),
		rate: cfg.Rate, dice: cfg.Dice,
		counts: ProxyCounts{Writes: map[string]int{}, Refused: map[string]int{}, UpstreamConflicts: map[string]int{}},
	}
	if p.dice == nil {
		p.dice = rand.Float64
	}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(upstream)
			r.Out.Host = upstream.Host
		},
		Transport: transport,
		// Watches are long responses written event by event: each must
		// reach the client as it comes.
		FlushInterval: -1,
		ModifyResponse: func(resp *http.Response) error {
			if key, _, ok := conflictTarget(resp.Request); ok && resp.StatusCode == http.StatusConflict {
				p.mu.Lock()
				p.counts.UpstreamConflicts[key]++
				p.mu.Unlock()
			}
			return nil
		},
		// A client that went away (a killed manager) is not worth a log line.
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			http.Error(w, err.Error(), http.StatusBadGateway)
		},
	}
	p.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p.refuse(w, r) {
			return
		}
		rp.ServeHTTP(w, r)
	})}
	if err := p.writeKubeconfig(); err != nil {
		ln.Close()
		return nil, err
	}
	go func() { _ = p.srv.Serve(ln); close(p.done) }()
	return p, nil
}

// refuse answers a matched write 409 when the dice say so.
func (p *ConflictProxy) refuse(w http.ResponseWriter, r *http.Request) bool {
	key, name, ok := conflictTarget(r)
	if !ok {
		return false
	}
	p.mu.Lock()
	p.counts.Writes[key]++
	refused := p.rate > 0 && p.dice() < p.rate
	if refused {
		p.counts.Refused[key]++
	}
	p.mu.Unlock()
	if !refused {
		return false
	}
	gr := schema.GroupResource{Group: teamsv1alpha1.GroupVersion.Group, Resource: "onlinemeetings"}
	st := apierrors.NewConflict(gr, name, errors.New(optimisticLockMessage)).ErrStatus
	st.TypeMeta = metav1.TypeMeta{Kind: "Status", APIVersion: "v1"}
	body, _ := json.Marshal(st)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusConflict)
	_, _ = w.Write(body)
	return true
}

// conflictTarget recognises a PUT or PATCH of one OnlineMeeting or its
// status: /apis/GROUP/VERSION/namespaces/NS/onlinemeetings/NAME[/status].
// It returns the counting key and the object's name.
func conflictTarget(r *http.Request) (key, name string, ok bool) {
	if r.Method != http.MethodPut && r.Method != http.MethodPatch {
		return "", "", false
	}
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(segs) < 7 || segs[0] != "apis" || segs[1] != teamsv1alpha1.GroupVersion.Group || segs[3] != "namespaces" || segs[5] != "onlinemeetings" {
		return "", "", false
	}
	resource := "onlinemeetings"
	switch {
	case len(segs) == 7:
	case len(segs) == 8 && segs[7] == "status":
		resource += "/status"
	default:
		return "", "", false
	}
	return r.Method + " " + resource, segs[6], true
}

// writeKubeconfig writes a kubeconfig without credentials that points at
// the proxy, which adds its own.
func (p *ConflictProxy) writeKubeconfig() error {
	kc := clientcmdapi.NewConfig()
	kc.Clusters["proxy"] = &clientcmdapi.Cluster{Server: p.URL}
	kc.AuthInfos["proxied"] = &clientcmdapi.AuthInfo{}
	kc.Contexts["proxy"] = &clientcmdapi.Context{Cluster: "proxy", AuthInfo: "proxied"}
	kc.CurrentContext = "proxy"
	return clientcmd.WriteToFile(*kc, p.Kubeconfig)
}

// SetRate changes the fraction of matched writes refused (0: none).
func (p *ConflictProxy) SetRate(rate float64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rate = rate
}

// Counts returns a copy of what the proxy saw.
func (p *ConflictProxy) Counts() ProxyCounts {
	p.mu.Lock()
	defer p.mu.Unlock()
	return ProxyCounts{Writes: maps.Clone(p.counts.Writes), Refused: maps.Clone(p.counts.Refused),
		UpstreamConflicts: maps.Clone(p.counts.UpstreamConflicts)}
}

// Stop closes the listener and every connection, watches included.
func (p *ConflictProxy) Stop() {
	_ = p.srv.Close()
	<-p.done
}
