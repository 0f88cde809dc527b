package e2e

import (
	"context"
	"time"
)

// WaitReadyAt waits until every key of gens is Ready at its generation
// there (or a later one) and returns the latest moment one of them became
// so. Unlike WaitReady it cannot be fooled by a watch that has not yet
// delivered a spec change: a key whose new generation the watch has not
// seen counts as not Ready.
func (r *Readiness) WaitReadyAt(ctx context.Context, gens map[string]int64, timeout time.Duration) (time.Time, error) {
	return r.waitUntil(ctx, timeout, "not Ready at their new generation", len(gens), func() (int, time.Time) {
		var last time.Time
		missing := 0
		for k, g := range gens {
			t, ok := r.ready[k]
			if !ok || r.gen[k] < g {
				missing++
			} else if t.After(last) {
				last = t
			}
		}
		return missing, last
	})
}

// ReadyCount is how many of keys are Ready for their generation now.
func (r *Readiness) ReadyCount(keys []string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, k := range keys {
		if _, ok := r.ready[k]; ok {
			n++
		}
	}
	return n
}
