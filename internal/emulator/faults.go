package emulator

import (
	"maps"
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// faultState holds the current faults, the per-tenant token buckets and
// Retry-After windows, and the request statistics, under one mutex.
type faultState struct {
	mu         sync.Mutex
	faults     Faults
	limiters   map[string]*rate.Limiter
	retryUntil map[string]time.Time
	stats      Stats
}

func (f *faultState) init(initial Faults) {
	f.faults = initial
	f.limiters = map[string]*rate.Limiter{}
	f.retryUntil = map[string]time.Time{}
	f.stats = newStats()
}

func newStats() Stats {
	return Stats{Requests: map[string]map[int]int{}, Tenants: map[string]map[string]int{}}
}

func (f *faultState) get() Faults {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.faults
}

// set replaces the faults; new rate limits start with full buckets (those
// of tenants with their own limits too, which keeps the rule simple).
func (f *faultState) set(nf Faults) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if nf.RateLimit != f.faults.RateLimit || nf.RateBurst != f.faults.RateBurst {
		f.limiters = map[string]*rate.Limiter{}
	}
	f.faults = nf
}

// count records one answer; status 0 means the client got no HTTP answer
// (reset, lost response, or a held request the client abandoned). tenant
// is the tenant of an authenticated Graph request, "" for everything else.
func (f *faultState) count(tenant, op string, status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := f.stats.Requests[op]
	if m == nil {
		m = map[int]int{}
		f.stats.Requests[op] = m
	}
	m[status]++
	if tenant == "" {
		return
	}
	t := f.stats.Tenants[tenant]
	if t == nil {
		t = map[string]int{}
		f.stats.Tenants[tenant] = t
	}
	t[op]++
}

func (f *faultState) snapshot() Stats {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := Stats{Requests: make(map[string]map[int]int, len(f.stats.Requests)), RequestsDuringRetryAfter: f.stats.RequestsDuringRetryAfter}
	for op, m := range f.stats.Requests {
		c := make(map[int]int, len(m))
		for k, v := range m {
			c[k] = v
		}
		out.Requests[op] = c
	}
	// Left nil when empty, so that the JSON of an idle emulator has no
	// "tenants" key.
	for tenant, m := range f.stats.Tenants {
		if out.Tenants == nil {
			out.Tenants = make(map[string]map[string]int, len(f.stats.Tenants))
		}
		out.Tenants[tenant] = maps.Clone(m)
	}
	return out
}

func (f *faultState) resetStats() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stats = newStats()
}

// arrive notes a Graph request from tn at now: it counts it when a
// Retry-After given to that tenant is still running, then applies the
// tenant's token bucket. It returns the Retry-After to answer with, or 0 to
// go on.
func (f *faultState) arrive(tn *tenant, now time.Time) time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	tenant := tn.TenantID
	if now.Before(f.retryUntil[tenant]) {
		f.stats.RequestsDuringRetryAfter++
	}
	limit, burst := tn.rateLimit(f.faults)
	if limit <= 0 {
		return 0
	}
	// A cached bucket stays right: a tenant's own values never change, and
	// set drops every bucket when the faults' values do.
	lim := f.limiters[tenant]
	if lim == nil {
		if burst <= 0 {
			burst = max(1, int(math.Ceil(limit)))
		}
		lim = rate.NewLimiter(rate.Limit(limit), burst)
		f.limiters[tenant] = lim
	}
	res := lim.ReserveN(now, 1)
	d := time.Second
	if res.OK() {
		if d = res.DelayFrom(now); d <= 0 {
			return 0
		}
		res.CancelAt(now)
	}
	// Graph sends whole seconds; round up so that a client that waits
	// exactly Retry-After finds a token.
	retry := max(time.Second, time.Duration(math.Ceil(d.Seconds()))*time.Second)
	if until := now.Add(retry); until.After(f.retryUntil[tenant]) {
		f.retryUntil[tenant] = until
	}
	return retry
}

// take reports whether a deterministic counter or a random rate fires,
// decrementing the counter when it does.
func (f *faultState) take(counter *int, fraction float64) bool {
	if counter != nil && *counter > 0 {
		*counter--
		return true
	}
	return fraction > 0 && rand.Float64() < fraction
}

// failure decides whether this Graph request answers 503.
func (f *faultState) failure() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.take(&f.faults.FailNext, f.faults.FailureRate)
}

// timeout decides whether this Graph request is held until the client
// gives up.
func (f *faultState) timeout() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.take(nil, f.faults.TimeoutRate)
}

// reset decides whether this Graph request's connection is reset.
func (f *faultState) reset() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.take(nil, f.faults.ResetRate)
}

// loseResponse decides whether a committed write loses its response.
func (f *faultState) loseResponse() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.take(&f.faults.LoseNextResponses, f.faults.LoseResponseRate)
}

func (f *faultState) latency() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.faults.Latency
}
