package emulator

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

func TestRateLimitAnswers429WithRetryAfterAndCountsRequestsThatIgnoreIt(t *testing.T) {
	for _, tc := range []struct {
		name       string
		rate       float64
		burst      int
		retryAfter string
		wait       time.Duration
	}{
		{"one per second", 1, 2, "1", time.Second},
		{"one per four seconds", 0.25, 1, "4", 4 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			clk := newClock()
			s := start(t, func(c *Config) { c.Now = clk.Now; c.Faults = Faults{RateLimit: tc.rate, RateBurst: tc.burst} })
			tok := token(t, s)
			for i := range tc.burst {
				g.Expect(createOrGet(t, s, tok, map[string]any{"externalId": "r"}).status).To(BeNumerically("<", 300), "request %d", i)
			}

			throttled := createOrGet(t, s, tok, map[string]any{"externalId": "r"})
			expectGraphError(g, throttled, http.StatusTooManyRequests, "TooManyRequests", "Retry after")
			g.Expect(throttled.header.Get("Retry-After")).To(Equal(tc.retryAfter))
			g.Expect(s.Stats().RequestsDuringRetryAfter).To(Equal(0))

			// A client that does not wait is counted (and throttled again).
			g.Expect(createOrGet(t, s, tok, map[string]any{"externalId": "r"}).status).To(Equal(http.StatusTooManyRequests))
			g.Expect(s.Stats().RequestsDuringRetryAfter).To(Equal(1))

			// A client that waits Retry-After is served and not counted.
			clk.Step(tc.wait)
			g.Expect(createOrGet(t, s, tok, map[string]any{"externalId": "r"}).status).To(Equal(http.StatusOK))
			g.Expect(s.Stats().RequestsDuringRetryAfter).To(Equal(1))
			g.Expect(s.Stats().Requests[opCreateOrGet][http.StatusTooManyRequests]).To(Equal(2))
		})
	}
}

func TestFailNextAnswers503ToGraphRequestsOnly(t *testing.T) {
	g := NewWithT(t)
	s := start(t, func(c *Config) { c.Faults = Faults{FailNext: 2} })
	tok := token(t, s) // the token endpoint is never faulted
	for range 2 {
		r := createOrGet(t, s, tok, map[string]any{"externalId": "f"})
		expectGraphError(g, r, http.StatusServiceUnavailable, "ServiceUnavailable", "injected")
		g.Expect(r.header.Get("Retry-After")).To(BeEmpty())
	}
	g.Expect(s.Meetings()).To(BeEmpty())
	g.Expect(createOrGet(t, s, tok, map[string]any{"externalId": "f"}).status).To(Equal(http.StatusCreated))
	g.Expect(s.Faults().FailNext).To(Equal(0))
	g.Expect(s.Stats().Requests[opCreateOrGet]).To(Equal(map[int]int{http.StatusServiceUnavailable: 2, http.StatusCreated: 1}))
}

func TestFailureRateOneFailsEveryGraphRequest(t *testing.T) {
	g := NewWithT(t)
	s := start(t)
	tok := token(t, s)
	s.SetFaults(Faults{FailureRate: 1})
	g.Expect(createOrGet(t, s, tok, map[string]any{"externalId": "f"}).status).To(Equal(http.StatusServiceUnavailable))
	s.SetFaults(Faults{})
	g.Expect(createOrGet(t, s, tok, map[string]any{"externalId": "f"}).status).To(Equal(http.StatusCreated))
}

func TestLostResponsesCommitTheWriteButTheClientSeesAConnectionError(t *testing.T) {
	for _, tc := range []struct {
		name   string
		faults Faults
		op     string
		method string
		body   any
		check  func(g Gomega, s *Server, id string)
	}{
		{"createOrGet by counter", Faults{LoseNextResponses: 1}, opCreateOrGet, http.MethodPost, map[string]any{"externalId": "lost"},
			func(g Gomega, s *Server, _ string) { g.Expect(s.Meetings()).To(HaveLen(2)) }},
		{"createOrGet by rate", Faults{LoseResponseRate: 1}, opCreateOrGet, http.MethodPost, map[string]any{"externalId": "lost"},
			func(g Gomega, s *Server, _ string) { g.Expect(s.Meetings()).To(HaveLen(2)) }},
		{"update", Faults{LoseNextResponses: 1}, opUpdate, http.MethodPatch, map[string]any{"subject": "changed"},
			func(g Gomega, s *Server, _ string) { g.Expect(s.Meetings()[0].Subject).To(Equal("changed")) }},
		{"delete", Faults{LoseNextResponses: 1}, opDelete, http.MethodDelete, nil,
			func(g Gomega, s *Server, _ string) { g.Expect(s.Meetings()).To(BeEmpty()) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			s := start(t)
			tok := token(t, s)
			existing := createOrGet(t, s, tok, map[string]any{"externalId": "existing"}).str("id")
			path := meetingsPath("v1.0", testOrganizer) + "/" + existing
			if tc.op == opCreateOrGet {
				path = meetingsPath("v1.0", testOrganizer) + "/createOrGet"
			}
			s.SetFaults(tc.faults)

			_, err := send(context.Background(), s, tc.method, path, tok, tc.body)
			g.Expect(err).To(HaveOccurred())
			tc.check(g, s, existing)
			g.Expect(s.Stats().Requests[tc.op]).To(HaveKeyWithValue(0, 1))
		})
	}
}

func TestRetryAfterALostCreateOrGetReturnsTheCommittedMeeting(t *testing.T) {
	g := NewWithT(t)
	s := start(t, func(c *Config) { c.Faults = Faults{LoseNextResponses: 1} })
	tok := token(t, s)
	_, err := send(context.Background(), s, http.MethodPost, meetingsPath("v1.0", testOrganizer)+"/createOrGet", tok,
		map[string]any{"externalId": "once"})
	g.Expect(err).To(HaveOccurred())
	r := createOrGet(t, s, tok, map[string]any{"externalId": "once"})
	g.Expect(r.status).To(Equal(http.StatusOK))
	g.Expect(r.str("id")).To(Equal(s.Meetings()[0].ID))
}

func TestResetDropsTheConnectionBeforeAnyWrite(t *testing.T) {
	g := NewWithT(t)
	s := start(t)
	tok := token(t, s)
	s.SetFaults(Faults{ResetRate: 1})
	_, err := send(context.Background(), s, http.MethodPost, meetingsPath("v1.0", testOrganizer)+"/createOrGet", tok,
		map[string]any{"externalId": "reset"})
	g.Expect(err).To(HaveOccurred())
	g.Expect(s.Meetings()).To(BeEmpty())
	g.Expect(s.Stats().Requests[opCreateOrGet]).To(Equal(map[int]int{0: 1}))
}

func TestHeldRequestsEndWhenTheClientContextEnds(t *testing.T) {
	for _, tc := range []struct {
		name   string
		faults Faults
	}{
		{"timeout", Faults{TimeoutRate: 1}},
		{"latency longer than the client waits", Faults{Latency: time.Hour}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			s := start(t)
			tok := token(t, s)
			s.SetFaults(tc.faults)
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			began := time.Now()
			_, err := send(ctx, s, http.MethodPost, meetingsPath("v1.0", testOrganizer)+"/createOrGet", tok,
				map[string]any{"externalId": "held"})
			g.Expect(err).To(MatchError(context.DeadlineExceeded))
			g.Expect(time.Since(began)).To(BeNumerically("<", 5*time.Second))
			// The server notices the client left and stops holding.
			g.Eventually(func() map[int]int { return s.Stats().Requests[opCreateOrGet] }).
				WithTimeout(5 * time.Second).Should(Equal(map[int]int{0: 1}))
			g.Expect(s.Meetings()).To(BeEmpty())
		})
	}
}

func TestLatencyDelaysGraphAnswers(t *testing.T) {
	g := NewWithT(t)
	s := start(t, func(c *Config) { c.Faults = Faults{Latency: 50 * time.Millisecond} })
	tok := token(t, s)
	began := time.Now()
	g.Expect(createOrGet(t, s, tok, map[string]any{"externalId": "slow"}).status).To(Equal(http.StatusCreated))
	g.Expect(time.Since(began)).To(BeNumerically(">=", 50*time.Millisecond))
}

func TestFaultsJSONWritesLatencyAsADurationString(t *testing.T) {
	g := NewWithT(t)
	data, err := json.Marshal(Faults{Latency: 50 * time.Millisecond, RateLimit: 2.5, FailNext: 1})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(string(data)).To(ContainSubstring(`"latency":"50ms"`))

	for _, tc := range []struct {
		name, in string
		want     Faults
		err      string
	}{
		{"duration string", `{"latency": "1.5s", "rateLimit": 3}`, Faults{Latency: 1500 * time.Millisecond, RateLimit: 3}, ""},
		{"nanoseconds", `{"latency": 1000}`, Faults{Latency: time.Microsecond}, ""},
		{"empty", `{}`, Faults{}, ""},
		{"bad duration", `{"latency": "soon"}`, Faults{}, "latency"},
		{"misspelt field", `{"failRate": 0.5}`, Faults{}, "unknown field"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			var f Faults
			err := json.Unmarshal([]byte(tc.in), &f)
			if tc.err != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tc.err)))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(f).To(Equal(tc.want))
		})
	}
}

func TestFaultsValidateRejectsImpossibleValues(t *testing.T) {
	for _, f := range []Faults{{FailureRate: 1.5}, {TimeoutRate: -0.1}, {Latency: -time.Second}, {RateLimit: -1}, {FailNext: -1}} {
		NewWithT(t).Expect(f.Validate()).To(HaveOccurred(), "%+v", f)
	}
	NewWithT(t).Expect(Faults{FailureRate: 1, RateLimit: 10}.Validate()).To(Succeed())
}
