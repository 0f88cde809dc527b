package controllers

import (
	"slices"

	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
)

// ShardLabel is Flux's sharding label: an instance started with
// --watch-label-selector='sharding.fluxcd.io/key in (shard1)' reconciles
// the resources labelled shard1, and the main one, with
// '!sharding.fluxcd.io/key', those without the label. A MeetingSchedule's
// OnlineMeetings carry their schedule's value, so they land on its shard.
const ShardLabel = "sharding.fluxcd.io/key"

// Scope is the part of the OnlineMeetings and MeetingSchedules one
// instance of the operator reconciles, when several run side by side as
// shards (--watch-label-selector) or per tenant (--watch-namespaces). The
// zero Scope is everything.
//
// Flux applies its shard selector to the manager's cache; this operator
// applies it to what is reconciled, and keeps every OnlineMeeting in the
// cache, because two of its decisions are about all meetings, not one
// shard's: which resource holds an organizer's externalId (claimHolder),
// so that a namespace cannot dodge the check by labelling its copy for
// another shard, and whether a connection is still in use (its in-use
// finalizer). The cache already drops managed fields, so this costs
// little memory.
type Scope struct {
	// Selector selects by label; nil selects everything.
	Selector labels.Selector
	// Namespaces are the namespaces reconciled; empty means all.
	Namespaces []string
}

// Contains reports whether o is reconciled by this instance.
func (s Scope) Contains(o client.Object) bool {
	if len(s.Namespaces) > 0 && !slices.Contains(s.Namespaces, o.GetNamespace()) {
		return false
	}
	return s.Selector == nil || s.Selector.Matches(labels.Set(o.GetLabels()))
}

// Predicate passes the events inner passes for objects in scope, and an
// update that brought an object into scope whatever inner says: a label
// moved to this shard changes no generation, yet the resource is now this
// instance's to reconcile. An object leaving the scope is simply no longer
// reconciled here; the instance it moved to picks it up.
func (s Scope) Predicate(inner predicate.Predicate) predicate.Predicate {
	return predicate.Funcs{
		CreateFunc: func(e event.CreateEvent) bool { return s.Contains(e.Object) && inner.Create(e) },
		UpdateFunc: func(e event.UpdateEvent) bool {
			return s.Contains(e.ObjectNew) && (!s.Contains(e.ObjectOld) || inner.Update(e))
		},
		DeleteFunc:  func(e event.DeleteEvent) bool { return s.Contains(e.Object) && inner.Delete(e) },
		GenericFunc: func(e event.GenericEvent) bool { return s.Contains(e.Object) && inner.Generic(e) },
	}
}
