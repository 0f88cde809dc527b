package graph

import (
	"sync"
	"time"
)

// throttleGate holds every call of a Client while a Retry-After Graph gave is
// still running. Graph counts throttling per app and tenant and lengthens the
// wait for clients that keep knocking, so after one 429 the whole Client (one
// tenant) goes quiet, not just the caller that saw it.
type throttleGate struct {
	now func() time.Time

	mu    sync.Mutex
	until time.Time
}

// hold closes the gate for d from now; a gate already closed for longer stays so.
func (g *throttleGate) hold(d time.Duration) {
	if d <= 0 {
		return
	}
	until := g.now().Add(d)
	g.mu.Lock()
	defer g.mu.Unlock()
	if until.After(g.until) {
		g.until = until
	}
}

// remaining is how long the gate stays closed; 0 when it is open.
func (g *throttleGate) remaining() time.Duration {
	g.mu.Lock()
	until := g.until
	g.mu.Unlock()
	if d := until.Sub(g.now()); d > 0 {
		return d
	}
	return 0
}

// checkGate refuses the call, without any network traffic, while Graph's
// Retry-After is running.
func (c *Client) checkGate(op string) error {
	if d := c.gate.remaining(); d > 0 {
		return &Error{Operation: op, Class: ClassThrottled, RetryAfter: d,
			Message: "not sent: Graph's Retry-After is still running for this tenant"}
	}
	return nil
}
