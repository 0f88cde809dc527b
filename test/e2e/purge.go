package e2e

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
)

// Purge removes every OnlineMeeting in ns without the operator: it strips
// their finalizers and deletes them, so that no Graph call is made, and
// waits until they are gone. Stop every manager first, or it may add the
// finalizer again. A run uses it to clear a scenario's meetings when what
// happens to them in Graph no longer matters.
func (c *Cluster) Purge(ctx context.Context, ns string) error {
	var l teamsv1alpha1.OnlineMeetingList
	if err := c.Client.List(ctx, &l, client.InNamespace(ns)); err != nil {
		return err
	}
	var held []*teamsv1alpha1.OnlineMeeting
	for i := range l.Items {
		if len(l.Items[i].Finalizers) > 0 {
			held = append(held, &l.Items[i])
		}
	}
	unfinalize := client.RawPatch(types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`))
	if err := ForEach(ctx, held, 16, func(ctx context.Context, m *teamsv1alpha1.OnlineMeeting) error {
		return retry(ctx, func() error {
			return client.IgnoreNotFound(c.Client.Patch(ctx, m, unfinalize))
		})
	}); err != nil {
		return fmt.Errorf("removing finalizers in %s: %w", ns, err)
	}
	// One request deletes them all; at thousands it outlasts the request
	// timeout, and the API server goes on: the wait below covers it.
	err := c.Client.DeleteAllOf(ctx, &teamsv1alpha1.OnlineMeeting{}, client.InNamespace(ns))
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsServerTimeout(err) && !apierrors.IsTimeout(err) {
		return err
	}
	return c.waitFor(ctx, 5*time.Minute+time.Duration(len(l.Items))*50*time.Millisecond, "the OnlineMeetings in "+ns+" to be gone", func() (bool, error) {
		var left teamsv1alpha1.OnlineMeetingList
		if err := c.Client.List(ctx, &left, client.InNamespace(ns), client.Limit(1)); err != nil {
			return false, err
		}
		return len(left.Items) == 0, nil
	})
}
