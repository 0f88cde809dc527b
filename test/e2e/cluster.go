// Package e2e runs the operator as a user would, from outside: a local
// control plane (the kube-apiserver and etcd that `make control-plane`
// builds) with an audit log, the graph-emulator binary, and one or more
// real manager processes. `make bench` and `make chaos` are built on it.
// Every figure it reports is read from outside the operator: the
// emulator's statistics, the API server's audit log, the manager's own
// metrics endpoint and /proc.
package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
)

// ManagerUser is the user the manager processes authenticate as, so that
// the audit log tells their requests from the harness's own.
const ManagerUser = "onlinemeeting-manager"

// Scheme knows the operator's kinds and Kubernetes' own.
var Scheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		panic(err)
	}
	if err := teamsv1alpha1.AddToScheme(s); err != nil {
		panic(err)
	}
	return s
}()

// Cluster is a local control plane with the operator's CRDs installed.
type Cluster struct {
	env *envtest.Environment
	// Config and Client act as the harness (an admin of its own).
	Config *rest.Config
	Client client.WithWatch
	// ManagerKubeconfig is a kubeconfig file for ManagerUser.
	ManagerKubeconfig string
	// ManagerConfig is ManagerUser's rest config (for proxies).
	ManagerConfig *rest.Config
	auditLog      string
}

// StartCluster starts kube-apiserver and etcd from assets (bin/k8s) with an
// audit log under work, and installs the CRDs in root/config/crd/bases.
func StartCluster(root, work string) (*Cluster, error) {
	if err := os.MkdirAll(work, 0o755); err != nil {
		return nil, err
	}
	policy := filepath.Join(work, "audit-policy.yaml")
	if err := os.WriteFile(policy, []byte(auditPolicy), 0o644); err != nil {
		return nil, err
	}
	auditLog := filepath.Join(work, "audit.log")
	_ = os.Remove(auditLog)
	env := &envtest.Environment{
		BinaryAssetsDirectory: filepath.Join(root, "bin", "k8s"),
		CRDDirectoryPaths:     []string{filepath.Join(root, "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}
	args := env.ControlPlane.GetAPIServer().Configure()
	args.Set("audit-policy-file", policy)
	args.Set("audit-log-path", auditLog)
	// Batching would delay entries past the moment a scenario reads them.
	args.Set("audit-log-mode", "blocking")
	args.Set("audit-log-format", "json")
	if _, err := env.Start(); err != nil {
		return nil, fmt.Errorf("starting the control plane (run `make control-plane` first): %w", err)
	}
	c := &Cluster{env: env, auditLog: auditLog}
	admin, err := env.AddUser(envtest.User{Name: "harness", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		_ = env.Stop()
		return nil, err
	}
	c.Config = rest.CopyConfig(admin.Config())
	// The harness creates thousands of objects quickly; client-go's default
	// of 5 QPS would measure the harness, not the operator.
	c.Config.QPS, c.Config.Burst = 1000, 2000
	if c.Client, err = client.NewWithWatch(c.Config, client.Options{Scheme: Scheme}); err != nil {
		_ = env.Stop()
		return nil, err
	}
	mgrUser, err := env.AddUser(envtest.User{Name: ManagerUser, Groups: []string{"system:masters"}}, nil)
	if err != nil {
		_ = env.Stop()
		return nil, err
	}
	c.ManagerConfig = rest.CopyConfig(mgrUser.Config())
	kc, err := mgrUser.KubeConfig()
	if err != nil {
		_ = env.Stop()
		return nil, err
	}
	c.ManagerKubeconfig = filepath.Join(work, "manager.kubeconfig")
	if err := os.WriteFile(c.ManagerKubeconfig, kc, 0o600); err != nil {
		_ = env.Stop()
		return nil, err
	}
	return c, nil
}

// Stop stops the control plane.
func (c *Cluster) Stop() { _ = c.env.Stop() }

// EnsureNamespace creates namespace ns if it does not exist.
func (c *Cluster) EnsureNamespace(ctx context.Context, ns string) error {
	err := c.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}

// auditPolicy records, at Metadata level, what the operator's cost is made
// of: writes to OnlineMeetings (and their status) and Events. Reads and
// everything else are left out to keep the log small at 10,000 meetings.
const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: Metadata
  verbs: ["create", "update", "patch", "delete"]
  resources:
  - group: "teams.meetings.dev"
    resources: ["onlinemeetings", "onlinemeetings/status"]
  - group: ""
    resources: ["events"]
  - group: "events.k8s.io"
    resources: ["events"]
- level: None
`

// Writes counts the manager's writes the audit log holds, by resource
// ("onlinemeetings", "onlinemeetings/status", "events") and verb.
type Writes map[string]map[string]int

// Total is the number of writes to resource (every verb).
func (w Writes) Total(resource string) int {
	n := 0
	for _, c := range w[resource] {
		n += c
	}
	return n
}

// AuditMark is a position in the audit log: ManagerWrites counts from it.
type AuditMark int64

// Mark returns the audit log's current end.
func (c *Cluster) Mark() AuditMark {
	fi, err := os.Stat(c.auditLog)
	if err != nil {
		return 0
	}
	return AuditMark(fi.Size())
}

// ManagerWrites counts ManagerUser's writes logged since mark. Conflicts
// and other refusals count too: they cost the API server all the same.
func (c *Cluster) ManagerWrites(mark AuditMark) (Writes, error) {
	w := Writes{}
	err := c.scanAudit(mark, ManagerUser, func(e auditEntry) {
		if w[e.resource()] == nil {
			w[e.resource()] = map[string]int{}
		}
		w[e.resource()][e.Verb]++
	})
	return w, err
}

// auditEntry is what the harness reads of one audit log line.
type auditEntry struct {
	Verb string `json:"verb"`
	User struct {
		Username string `json:"username"`
	} `json:"user"`
	ObjectRef struct {
		Resource    string `json:"resource"`
		Subresource string `json:"subresource"`
		Namespace   string `json:"namespace"`
		Name        string `json:"name"`
	} `json:"objectRef"`
}

// resource is the entry's resource, with its subresource after a slash.
func (e auditEntry) resource() string {
	if e.ObjectRef.Subresource != "" {
		return e.ObjectRef.Resource + "/" + e.ObjectRef.Subresource
	}
	return e.ObjectRef.Resource
}

// scanAudit calls f with each of user's entries logged since mark.
func (c *Cluster) scanAudit(mark AuditMark, user string, f func(auditEntry)) error {
	file, err := os.Open(c.auditLog)
	if err != nil {
		return err
	}
	defer file.Close()
	if _, err := file.Seek(int64(mark), 0); err != nil {
		return err
	}
	sc := bufio.NewScanner(file)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var e auditEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return fmt.Errorf("reading the audit log: %w", err)
		}
		if e.User.Username == user {
			f(e)
		}
	}
	return sc.Err()
}

// kubectlPath is the control plane's kubectl.
func (c *Cluster) kubectlPath() string {
	return filepath.Join(c.env.BinaryAssetsDirectory, "kubectl")
}

// Kubectl runs kubectl as ManagerUser's peer admin would, returning its
// combined output.
func (c *Cluster) Kubectl(ctx context.Context, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.kubectlPath(), append([]string{"--kubeconfig", c.ManagerKubeconfig}, args...)...)
	return cmd.CombinedOutput()
}
