package graph

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"
)

func TestRateLimiterAdmitsTheBurstThenQPSOnTheClientsClock(t *testing.T) {
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(meetingJSON)) })
	c, clock := newTestClient(t, ts, Config{QPS: 0.1, Burst: 3})

	// One token every 10s of the fake clock. A 4s deadline is shorter than any
	// wait (at least 5s below), so a call that would have to wait fails at once
	// and admissions can be counted without sleeping.
	try := func(n int) (admitted int) {
		for range n {
			ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
			_, err := c.Get(ctx, testOrganizer, "m1")
			cancel()
			switch {
			case err == nil:
				admitted++
			case !errors.Is(err, context.DeadlineExceeded) || ClassOf(err) != ClassUnknown:
				t.Fatalf("refused call: %v, want the caller's DeadlineExceeded", err)
			}
		}
		return admitted
	}

	steps := []struct {
		advance time.Duration
		calls   int
		want    int
	}{
		{0, 10, 3},                // the burst
		{0, 5, 0},                 // nothing left; refused reservations are given back
		{20 * time.Second, 10, 2}, // 0.1 QPS
		{5 * time.Second, 5, 0},   // half a token
		{5 * time.Second, 5, 1},
		{time.Hour, 10, 3}, // never more than the burst
	}
	total := 0
	for i, s := range steps {
		clock.Step(s.advance)
		if got := try(s.calls); got != s.want {
			t.Fatalf("step %d: %d calls admitted, want %d", i, got, s.want)
		}
		total += s.want
	}
	if hits := int(ts.hits.Load()); hits != total {
		t.Errorf("%d requests reached the server, want %d", hits, total)
	}
}

func TestRateLimitedCallEndsWithTheCallersContext(t *testing.T) {
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(meetingJSON)) })
	c, _ := newTestClient(t, ts, Config{QPS: 0.001, Burst: 1})
	if _, err := c.Get(context.Background(), testOrganizer, "m1"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { _, err := c.Get(ctx, testOrganizer, "m1"); done <- err }()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
	if hits := ts.hits.Load(); hits != 1 {
		t.Errorf("%d requests reached the server, want 1", hits)
	}
}
