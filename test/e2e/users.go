package e2e

import (
	"os"
	"path/filepath"

	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// AddManagerUser adds another user with ManagerUser's rights and writes a
// kubeconfig for it next to ManagerKubeconfig, so that the audit log tells
// one manager instance's writes from another's (UserObjectWrites): two
// shards, say.
func (c *Cluster) AddManagerUser(name string) (kubeconfig string, err error) {
	u, err := c.env.AddUser(envtest.User{Name: name, Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return "", err
	}
	kc, err := u.KubeConfig()
	if err != nil {
		return "", err
	}
	path := filepath.Join(filepath.Dir(c.ManagerKubeconfig), name+".kubeconfig")
	return path, os.WriteFile(path, kc, 0o600)
}
