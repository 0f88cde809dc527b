package graph

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"
)

func TestThrottledAnswerHoldsEveryCallUntilRetryAfterPasses(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		retryAfter string
		holdFor    time.Duration
	}{
		{"429 with Retry-After seconds", http.StatusTooManyRequests, "10", 10 * time.Second},
		{"503 with Retry-After", http.StatusServiceUnavailable, "4", 4 * time.Second},
		{"429 with fractional Retry-After rounds up", http.StatusTooManyRequests, "2.5", 3 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			throttle := true
			var mu sync.Mutex
			ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				defer mu.Unlock()
				if throttle {
					throttle = false
					graphError(w, tt.status, "TooManyRequests", "slow down", map[string]string{"Retry-After": tt.retryAfter})
					return
				}
				_, _ = w.Write([]byte(meetingJSON))
			})
			c, clock := newTestClient(t, ts, Config{})
			ctx := context.Background()

			if _, err := c.Get(ctx, testOrganizer, "m1"); ClassOf(err) != ClassThrottled {
				t.Fatalf("first call: %v, want Throttled", err)
			}
			// Every operation, from many goroutines, is refused without a request.
			clock.Step(tt.holdFor - time.Second)
			var wg sync.WaitGroup
			errs := make(chan error, 40)
			for range 10 {
				wg.Go(func() { _, err := c.Get(ctx, testOrganizer, "m1"); errs <- err })
				wg.Go(func() { _, _, err := c.CreateOrGet(ctx, testOrganizer, &MeetingRequest{ExternalID: "e"}); errs <- err })
				wg.Go(func() { _, err := c.Update(ctx, testOrganizer, "m1", &MeetingPatch{}); errs <- err })
				wg.Go(func() { errs <- c.Delete(ctx, testOrganizer, "m1") })
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				d, ok := RetryAfter(err)
				if ClassOf(err) != ClassThrottled || !ok || d != time.Second {
					t.Fatalf("call in the window: %v (retry after %s), want Throttled with 1s remaining", err, d)
				}
			}
			if hits := ts.hits.Load(); hits != 1 {
				t.Fatalf("%d requests reached Graph, want only the throttled one", hits)
			}

			clock.Step(time.Second)
			if _, err := c.Get(ctx, testOrganizer, "m1"); err != nil {
				t.Fatalf("call after Retry-After: %v", err)
			}
			if hits := ts.hits.Load(); hits != 2 {
				t.Errorf("%d requests reached Graph, want 2", hits)
			}
		})
	}
}

func TestAnswersWithoutRetryAfterDoNotCloseTheGate(t *testing.T) {
	for _, status := range []int{http.StatusServiceUnavailable, http.StatusTooManyRequests, http.StatusInternalServerError} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) { graphError(w, status, "x", "y", nil) })
			c, _ := newTestClient(t, ts, Config{})
			_, _ = c.Get(context.Background(), testOrganizer, "m1")
			_, _ = c.Get(context.Background(), testOrganizer, "m1")
			if hits := ts.hits.Load(); hits != 2 {
				t.Errorf("%d requests reached Graph, want 2: with no Retry-After the caller's backoff decides", hits)
			}
		})
	}
}

func TestLongerRetryAfterWinsOverShorterOne(t *testing.T) {
	g := &throttleGate{now: newFakeClock().Now}
	g.hold(10 * time.Second)
	g.hold(2 * time.Second)
	if got := g.remaining(); got != 10*time.Second {
		t.Errorf("remaining = %s, want 10s", got)
	}
}
