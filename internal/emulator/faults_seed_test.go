package emulator

import (
	"fmt"
	"net/http"
	"testing"

	. "github.com/onsi/gomega"
)

// throws sends n createOrGet requests one after another to an emulator
// failing half of the Graph requests at random, and returns which of
// them were answered 503.
func throws(t *testing.T, seed uint64, n int) []bool {
	t.Helper()
	s := start(t, func(c *Config) { c.FaultSeed = seed; c.Faults = Faults{FailureRate: 0.5} })
	tok := token(t, s)
	out := make([]bool, n)
	for i := range out {
		out[i] = createOrGet(t, s, tok, map[string]any{"externalId": fmt.Sprint("seeded-", i)}).status == http.StatusServiceUnavailable
	}
	return out
}

func TestFaultSeedReplaysTheSameDice(t *testing.T) {
	g := NewWithT(t)
	first := throws(t, 42, 64)
	g.Expect(first).To(ContainElement(true))
	g.Expect(first).To(ContainElement(false))
	g.Expect(throws(t, 42, 64)).To(Equal(first), "the same seed throws the same dice")
	// 64 fair throws agree by chance once in 2^64 runs.
	g.Expect(throws(t, 43, 64)).NotTo(Equal(first), "another seed throws other dice")
}

func TestNoFaultSeedThrowsFreshDice(t *testing.T) {
	NewWithT(t).Expect(throws(t, 0, 64)).NotTo(Equal(throws(t, 0, 64)))
}
