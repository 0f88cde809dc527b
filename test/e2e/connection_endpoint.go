package e2e

import (
	"context"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
)

// PointConnection makes the ClusterGraphConnection "default" use the
// emulator at url: it creates it (CreateConnection) when it does not exist,
// and otherwise moves its endpoints to url. It then waits until a running
// manager has found it Ready at that spec. A run that starts a fresh
// emulator for each scenario calls it with each new one.
func (c *Cluster) PointConnection(ctx context.Context, url string) error {
	var conn teamsv1alpha1.ClusterGraphConnection
	err := c.Client.Get(ctx, client.ObjectKey{Name: "default"}, &conn)
	if apierrors.IsNotFound(err) {
		return c.CreateConnection(ctx, url)
	}
	if err != nil {
		return err
	}
	if conn.Spec.GraphEndpoint != url || conn.Spec.AuthorityHost != url {
		base := conn.DeepCopy()
		conn.Spec.GraphEndpoint, conn.Spec.AuthorityHost = url, url
		if err := c.Client.Patch(ctx, &conn, client.MergeFrom(base)); err != nil {
			return err
		}
	}
	return c.waitFor(ctx, 2*time.Minute, "ClusterGraphConnection default to be Ready at "+url, func() (bool, error) {
		var got teamsv1alpha1.ClusterGraphConnection
		if err := c.Client.Get(ctx, client.ObjectKey{Name: "default"}, &got); err != nil {
			return false, err
		}
		cond := meta.FindStatusCondition(got.Status.Conditions, teamsv1alpha1.ConditionReady)
		return got.Spec.GraphEndpoint == url && cond != nil && cond.Status == metav1.ConditionTrue &&
			cond.ObservedGeneration == got.Generation && got.Status.ObservedGeneration == got.Generation, nil
	})
}
