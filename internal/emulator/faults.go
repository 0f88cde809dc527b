package emulator

import (
	"maps"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/time/rate"
)

// Lengths, in characters (runes), of the values the OversizeValues and
// HugeErrorMessages faults send. Values padded with multi-byte runes are
// longer still in bytes.
const (
	// OversizeIDLength is the least length of chatInfo.threadId, messageId
	// and replyChainMessageId under OversizeValues.
	OversizeIDLength = 4096
	// OversizeURLLength is the least length of joinWebUrl (and joinUrl)
	// under OversizeValues.
	OversizeURLLength = 8192
	// OversizeAudioLength is the least length of
	// audioConferencing.tollNumber, tollNumbers[0] and dialinUrl under
	// OversizeValues.
	OversizeAudioLength = 2048
	// HugeErrorMessageLength is the least length of a Graph error's
	// error.message under HugeErrorMessages.
	HugeErrorMessageLength = 64 << 10
)

// faultState holds the current faults, the per-tenant token buckets and
// Retry-After windows, and the request statistics, under one mutex.
type faultState struct {
	mu         sync.Mutex
	faults     Faults
	limiters   map[string]*rate.Limiter
	retryUntil map[string]time.Time
	stats      Stats
	// dice throws the random faults when Config.FaultSeed is set; nil
	// uses math/rand/v2's global source.
	dice *rand.Rand
}

func (f *faultState) init(initial Faults) {
	f.faults = initial
	f.limiters = map[string]*rate.Limiter{}
	f.retryUntil = map[string]time.Time{}
	f.stats = newStats()
}

// seed makes the random faults' dice a sequence of their own, replayed
// by the same seed; 0 leaves the runtime's random source.
func (f *faultState) seed(seed uint64) {
	if seed != 0 {
		f.dice = rand.New(rand.NewPCG(seed, seed))
	}
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
	if fraction <= 0 {
		return false
	}
	if f.dice != nil {
		// f.mu is held: *rand.Rand is not safe for concurrent use.
		return f.dice.Float64() < fraction
	}
	return rand.Float64() < fraction
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

func (f *faultState) oversizeValues() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.faults.OversizeValues
}

func (f *faultState) hugeErrorMessages() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.faults.HugeErrorMessages
}

// Padding for the oversize faults. multiByteFill is nothing but 2-, 3- and
// 4-byte runes, so that a value cut at a byte count rather than a rune
// boundary is most likely invalid UTF-8; urlFill is the same runes
// percent-encoded, so that a padded URL still parses as one.
const (
	multiByteFill = "é€𝄞"
	urlFill       = "%C3%A9%E2%82%AC%F0%9D%84%9E"
)

// oversize lengthens v's values as the OversizeValues fault promises. Each
// keeps its real value as a prefix, so meetings stay told apart; the
// subject is left as it is.
func oversize(v *meetingJSON) {
	c := &v.ChatInfo
	c.ThreadID = padRunes(c.ThreadID, OversizeIDLength, multiByteFill)
	c.MessageID = padRunes(c.MessageID, OversizeIDLength, multiByteFill)
	reply := ""
	if c.ReplyChainMessageID != nil {
		reply = *c.ReplyChainMessageID
	}
	reply = padRunes(reply, OversizeIDLength, multiByteFill)
	c.ReplyChainMessageID = &reply
	v.JoinWebURL = padRunes(v.JoinWebURL+"&oversize=", OversizeURLLength, urlFill)
	v.JoinURL = v.JoinWebURL
	if v.AudioConferencing != nil {
		a := *v.AudioConferencing
		a.TollNumber = padRunes(a.TollNumber+" ", OversizeAudioLength, multiByteFill)
		a.TollNumbers = append([]string{a.TollNumber}, a.TollNumbers[min(1, len(a.TollNumbers)):]...)
		a.DialinURL = padRunes(a.DialinURL+"&oversize=", OversizeAudioLength, urlFill)
		v.AudioConferencing = &a
	}
}

// hugeMessage is msg followed by padding up to HugeErrorMessageLength,
// marked as injected so that whoever finds it in a log knows why.
func hugeMessage(msg string) string {
	return padRunes(msg+" [padding from the emulator's hugeErrorMessages fault] ", HugeErrorMessageLength, multiByteFill)
}

// padRunes appends whole copies of fill to s until it has at least n runes.
// Whole copies keep a percent-encoded fill's escapes intact.
func padRunes(s string, n int, fill string) string {
	have, per := utf8.RuneCountInString(s), utf8.RuneCountInString(fill)
	if have >= n || per == 0 {
		return s
	}
	copies := (n - have + per - 1) / per
	return s + strings.Repeat(fill, copies)
}
