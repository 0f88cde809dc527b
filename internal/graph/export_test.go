package graph

import "time"

// SetClock lets the external (package graph_test) integration tests drive the
// throttle gate and rate limiter with the same fake clock as the emulator.
func SetClock(c *Client, now func() time.Time) { c.now = now }
