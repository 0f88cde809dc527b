package e2e

import (
	"context"
	"fmt"
	"time"
)

// WaitReadyAt waits until every key of gens is Ready at its generation
// there (or a later one) and returns the latest moment one of them became
// so. Unlike WaitReady it cannot be fooled by a watch that has not yet
// delivered a spec change: a key whose new generation the watch has not
// seen counts as not Ready.
func (r *Readiness) WaitReadyAt(ctx context.Context, gens map[string]int64, timeout time.Duration) (time.Time, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		r.mu.Lock()
		var last time.Time
		missing := 0
		for k, g := range gens {
			t, ok := r.ready[k]
			if !ok || r.gen[k] < g {
				missing++
				continue
			}
			if t.After(last) {
				last = t
			}
		}
		r.mu.Unlock()
		if missing == 0 {
			return last, nil
		}
		select {
		case <-ctx.Done():
			return time.Time{}, fmt.Errorf("%d of %d meetings not Ready at their new generation after %s", missing, len(gens), timeout)
		case <-r.changed:
		case <-time.After(time.Second):
		}
	}
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
