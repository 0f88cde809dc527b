// Package testenv starts a real kube-apiserver and etcd (envtest) with this
// project's CRDs installed, for tests that need Kubernetes' own admission,
// validation and watch behaviour rather than a fake client.
//
// The binaries come from $KUBEBUILDER_ASSETS, or else from bin/k8s at the
// repository root, where `make control-plane` builds them from Go modules.
package testenv

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
)

// Environment is a running control plane with the CRDs installed.
type Environment struct {
	env *envtest.Environment
	// Config reaches the apiserver as an administrator.
	Config *rest.Config
	// Client is a direct (uncached) client with this project's scheme.
	Client client.Client
	// Scheme knows the built-in kinds and this project's kinds.
	Scheme *k8sruntime.Scheme
}

// RepoRoot is the repository's top folder, found from this file's path so
// that tests work from any package directory.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// AssetsDir is where the control-plane binaries are looked for.
func AssetsDir() string {
	if dir := os.Getenv("KUBEBUILDER_ASSETS"); dir != "" {
		return dir
	}
	return filepath.Join(RepoRoot(), "bin", "k8s")
}

// Start starts etcd and kube-apiserver and installs the CRDs from
// config/crd/bases. It fails with a hint when the binaries are missing.
func Start() (*Environment, error) {
	assets := AssetsDir()
	for _, bin := range []string{"kube-apiserver", "etcd", "kubectl"} {
		if _, err := os.Stat(filepath.Join(assets, bin)); err != nil {
			return nil, fmt.Errorf("control-plane binary %s not found in %s: run `make control-plane` (or set KUBEBUILDER_ASSETS)", bin, assets)
		}
	}
	scheme := k8sruntime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return nil, err
	}
	if err := teamsv1alpha1.AddToScheme(scheme); err != nil {
		return nil, err
	}
	env := &envtest.Environment{
		BinaryAssetsDirectory: assets,
		CRDDirectoryPaths:     []string{filepath.Join(RepoRoot(), "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		Scheme:                scheme,
	}
	cfg, err := env.Start()
	if err != nil {
		return nil, fmt.Errorf("starting the test control plane: %w", err)
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		_ = env.Stop()
		return nil, err
	}
	return &Environment{env: env, Config: cfg, Client: c, Scheme: scheme}, nil
}

// Stop stops the control plane.
func (e *Environment) Stop() error { return e.env.Stop() }

// Kubectl runs the control plane's kubectl against it and returns its
// standard output and error.
func (e *Environment) Kubectl(args ...string) (stdout, stderr string, err error) {
	outR, errR, err := e.env.ControlPlane.KubeCtl().Run(args...)
	if outR != nil {
		b, _ := io.ReadAll(outR)
		stdout = string(b)
	}
	if errR != nil {
		b, _ := io.ReadAll(errR)
		stderr = string(b)
	}
	return stdout, stderr, err
}

// Run starts the environment for a test binary's TestMain, runs the tests
// and stops it; a start failure fails the whole binary with its reason.
func Run(m *testing.M, env **Environment) int {
	return RunThenCheck(m, env, nil)
}

// RunThenCheck is Run with a check of what the tests left behind, made
// while the control plane still runs; a failed check fails the binary.
func RunThenCheck(m *testing.M, env **Environment, check func() error) int {
	e, err := Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	*env = e
	code := m.Run()
	if check != nil {
		if err := check(); err != nil {
			fmt.Fprintln(os.Stderr, "FAIL:", err)
			code = 1
		}
	}
	if err := e.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "stopping the test control plane:", err)
	}
	return code
}

// Namespace creates a namespace of its own for one test, so tests never see
// each other's objects; it is deleted when the test ends.
func (e *Environment) Namespace(t testing.TB) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "test-"}}
	if err := e.Client.Create(t.Context(), ns); err != nil {
		t.Fatalf("creating a test namespace: %v", err)
	}
	// t.Context is already cancelled when cleanups run.
	t.Cleanup(func() { _ = e.Client.Delete(context.Background(), ns) })
	return ns.Name
}
