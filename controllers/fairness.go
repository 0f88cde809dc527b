package controllers

import (
	"context"
	"sync"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/priorityqueue"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// fairQueue keeps namespaces from starving each other. The workqueue is
// first in, first out within a priority, so a namespace that applies a
// thousand meetings would put everyone else's behind them. fairQueue
// counts the meetings each namespace has waiting and gives a namespace's
// n-th waiting meeting priority -n: the queue then hands out the first
// meeting of every namespace before the second of any, round robin.
type fairQueue struct {
	mu      sync.Mutex
	waiting map[string]map[string]struct{}
}

// enqueue records key as waiting and returns its priority offset: minus
// the number of meetings its namespace has waiting, itself included.
func (f *fairQueue) enqueue(key types.NamespacedName) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.waiting == nil {
		f.waiting = map[string]map[string]struct{}{}
	}
	names := f.waiting[key.Namespace]
	if names == nil {
		names = map[string]struct{}{}
		f.waiting[key.Namespace] = names
	}
	names[key.Name] = struct{}{}
	return -len(names)
}

// done records that key's reconcile started.
func (f *fairQueue) done(key types.NamespacedName) {
	f.mu.Lock()
	defer f.mu.Unlock()
	names := f.waiting[key.Namespace]
	delete(names, key.Name)
	if len(names) == 0 {
		delete(f.waiting, key.Namespace)
	}
}

// fairHandler enqueues an OnlineMeeting at its fair priority. Meetings
// from the initial list (a restart) keep controller-runtime's low
// priority, below any change a user just made.
type fairHandler struct{ fair *fairQueue }

var _ handler.EventHandler = &fairHandler{}

func (h *fairHandler) Create(_ context.Context, e event.CreateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
	base := 0
	if e.IsInInitialList {
		base = handler.LowPriority
	}
	h.add(q, e.Object, base)
}

func (h *fairHandler) Update(_ context.Context, e event.UpdateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
	h.add(q, e.ObjectNew, 0)
}

func (h *fairHandler) Delete(_ context.Context, e event.DeleteEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
	h.add(q, e.Object, 0)
}

func (h *fairHandler) Generic(_ context.Context, e event.GenericEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
	h.add(q, e.Object, 0)
}

func (h *fairHandler) add(q workqueue.TypedRateLimitingInterface[reconcile.Request], obj client.Object, base int) {
	if obj == nil {
		return
	}
	req := reconcile.Request{NamespacedName: client.ObjectKeyFromObject(obj)}
	priority := base + h.fair.enqueue(req.NamespacedName)
	if pq, ok := q.(priorityqueue.PriorityQueue[reconcile.Request]); ok {
		pq.AddWithOpts(priorityqueue.AddOpts{Priority: &priority}, req)
		return
	}
	q.Add(req)
}
