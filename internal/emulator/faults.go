package emulator

import (
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
	f.stats = Stats{Requests: map[string]map[int]int{}}
}

func (f *faultState) get() Faults {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.faults
}

// set replaces the faults; new rate limits start with full buckets.
func (f *faultState) set(nf Faults) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if nf.RateLimit != f.faults.RateLimit || nf.RateBurst != f.faults.RateBurst {
		f.limiters = map[string]*rate.Limiter{}
	}
	f.faults = nf
}

// count records one answer; status 0 means the client got no HTTP answer
// (reset, lost response, or a held request the client abandoned).
func (f *faultState) count(op string, status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := f.stats.Requests[op]
	if m == nil {
		m = map[int]int{}
		f.stats.Requests[op] = m
	}
	m[status]++
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
	return out
}

func (f *faultState) resetStats() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stats = Stats{Requests: map[string]map[int]int{}}
}

// arrive notes a Graph request from tenant at now: it counts it when a
// Retry-After given to that tenant is still running, then applies the
// token bucket. It returns the Retry-After to answer with, or 0 to go on.
func (f *faultState) arrive(tenant string, now time.Time) time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	if now.Before(f.retryUntil[tenant]) {
		f.stats.RequestsDuringRetryAfter++
	}
	if f.faults.RateLimit <= 0 {
		return 0
	}
	lim := f.limiters[tenant]
	if lim == nil {
		burst := f.faults.RateBurst
		if burst <= 0 {
			burst = max(1, int(math.Ceil(f.faults.RateLimit)))
		}
		lim = rate.NewLimiter(rate.Limit(f.faults.RateLimit), burst)
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
