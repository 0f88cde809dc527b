package graph

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"
)

func TestTransportFailuresAreTransient(t *testing.T) {
	tests := []struct {
		name       string
		wantStatus int
		handler    http.HandlerFunc
	}{
		{"connection closed before an answer", 0, func(w http.ResponseWriter, r *http.Request) {
			conn, _, _ := w.(http.Hijacker).Hijack()
			_ = conn.Close()
		}},
		{"connection reset", 0, func(w http.ResponseWriter, r *http.Request) {
			conn, _, _ := w.(http.Hijacker).Hijack()
			_ = conn.(*net.TCPConn).SetLinger(0)
			_ = conn.Close()
		}},
		{"body cut short", http.StatusOK, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "1000")
			_, _ = w.Write([]byte(`{"id":"x"`))
			w.(http.Flusher).Flush()
			conn, _, _ := w.(http.Hijacker).Hijack()
			_ = conn.Close()
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t, tt.handler)
			obs := &recordingObserver{}
			c, _ := newTestClient(t, ts, Config{Observer: obs})
			_, err := c.Update(context.Background(), testOrganizer, "m1", &MeetingPatch{})
			if ClassOf(err) != ClassTransient {
				t.Fatalf("got %v (%s), want Transient", err, ClassOf(err))
			}
			var ge *Error
			if errors.As(err, &ge); ge.StatusCode != tt.wantStatus || ge.Err == nil {
				t.Errorf("got status %d, underlying %v; want status %d and the transport error", ge.StatusCode, ge.Err, tt.wantStatus)
			}
			t.Log(err)
			if len(obs.calls) != 1 || obs.calls[0].op != "update" {
				t.Errorf("observer saw %+v, want one update attempt", obs.calls)
			}
		})
	}
}

func TestPerCallTimeoutIsTransientButCallerCancellationIsTheCallers(t *testing.T) {
	release := make(chan struct{})
	arrived := make(chan struct{}, 2)
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release)
	obs := &recordingObserver{}
	c, _ := newTestClient(t, ts, Config{Timeout: 50 * time.Millisecond, Observer: obs})

	_, err := c.Get(context.Background(), testOrganizer, "m1")
	if ClassOf(err) != ClassTransient || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("per-call timeout gave %v (%s), want Transient wrapping DeadlineExceeded", err, ClassOf(err))
	}

	c.timeout = time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-arrived; <-arrived; cancel() }()
	_, err = c.Get(ctx, testOrganizer, "m1")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("caller cancellation gave %v, want context.Canceled", err)
	}
	var ge *Error
	if errors.As(err, &ge) {
		t.Errorf("caller cancellation must not look like a Graph error: %v", ge)
	}
	if len(obs.calls) != 2 || obs.calls[0].status != 0 {
		t.Errorf("observer saw %+v, want two attempts with status 0", obs.calls)
	}

	if _, err := c.Get(ctx, testOrganizer, "m1"); !errors.Is(err, context.Canceled) || ts.hits.Load() != 2 {
		t.Errorf("call on a cancelled context: %v after %d hits; want Canceled without a request", err, ts.hits.Load())
	}
}
