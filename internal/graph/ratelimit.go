package graph

import (
	"context"
	"fmt"
	"time"
)

// waitRate waits for the client-side rate limiter, or gives up as soon as the
// caller's context ends or its deadline would pass before our turn comes. The
// reservation is taken on c.now so tests can drive it with a fake clock.
func (c *Client) waitRate(ctx context.Context, op string) error {
	if c.limiter == nil {
		return nil
	}
	now := c.now()
	r := c.limiter.ReserveN(now, 1)
	if !r.OK() {
		return fmt.Errorf("graph %s: client-side rate limiter refused the request", op)
	}
	d := r.DelayFrom(now)
	if d <= 0 {
		return nil
	}
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < d {
		r.CancelAt(now)
		return fmt.Errorf("graph %s: the client-side rate limit needs %s, beyond the caller's deadline: %w", op, d, context.DeadlineExceeded)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		r.CancelAt(c.now())
		return callerError(op, ctx.Err())
	}
}
