package main

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
)

var fullRun = planConfig{Meetings: 500, Namespaces: 3, Changes: 100, Deletes: 100, Kills: 3, Storm: 150 * time.Second, KillGap: 25 * time.Second}

func TestASeedAlwaysMakesTheSamePlan(t *testing.T) {
	g := NewWithT(t)
	a, err := newPlan(7, fullRun)
	g.Expect(err).NotTo(HaveOccurred())
	b, err := newPlan(7, fullRun)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(b).To(Equal(a))
	c, err := newPlan(8, fullRun)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(c.Actions).NotTo(Equal(a.Actions))
}

func TestThePlanDoesWhatTheIssueAsks(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3, 42, 999_999} {
		g := NewWithT(t)
		p, err := newPlan(seed, fullRun)
		g.Expect(err).NotTo(HaveOccurred())

		created := map[int]time.Duration{}
		deleted := map[int]bool{}
		counts := map[actionKind]int{}
		deletes := map[teamsv1alpha1.DeletionPolicy]int{}
		namespaces := map[string]bool{}
		var kills []time.Duration
		for _, a := range p.Actions {
			counts[a.Kind]++
			switch a.Kind {
			case actCreate:
				for _, i := range a.Batch {
					g.Expect(created).NotTo(HaveKey(i), "meeting %d created twice", i)
					created[i] = a.At
					namespaces[p.Meetings[i].Namespace] = true
				}
			case actChange:
				g.Expect(created).To(HaveKey(a.Target), "a change before the meeting exists")
				g.Expect(deleted).NotTo(HaveKey(a.Target), "a change after the delete")
				g.Expect(a.Fields).NotTo(BeEmpty())
			case actDelete:
				g.Expect(created).To(HaveKey(a.Target), "a delete before the meeting exists")
				g.Expect(deleted).NotTo(HaveKey(a.Target), "deleted twice")
				deleted[a.Target] = true
				deletes[p.Meetings[a.Target].Spec.DeletionPolicy]++
			case actKill:
				kills = append(kills, a.At)
			}
			g.Expect(a.At).To(BeNumerically("<=", fullRun.Storm))
		}
		g.Expect(created).To(HaveLen(500))
		g.Expect(namespaces).To(HaveLen(3))
		g.Expect(counts[actChange]).To(Equal(100))
		g.Expect(deletes).To(Equal(map[teamsv1alpha1.DeletionPolicy]int{"Delete": 50, "Orphan": 50}))
		g.Expect(kills).To(HaveLen(3))
		for k := 1; k < len(kills); k++ {
			g.Expect(kills[k] - kills[k-1]).To(BeNumerically(">=", fullRun.KillGap))
		}
		for i, d := range p.Deleted {
			g.Expect(d).To(Equal(deleted[i]))
		}
	}
}

func TestAChangeAlwaysChangesSomething(t *testing.T) {
	g := NewWithT(t)
	p, err := newPlan(5, fullRun)
	g.Expect(err).NotTo(HaveOccurred())
	last := map[int]teamsv1alpha1.OnlineMeetingSpec{}
	for i, m := range p.Meetings {
		last[i] = m.Spec
	}
	for _, a := range p.Actions {
		if a.Kind != actChange {
			continue
		}
		g.Expect(specMatches(&a.Spec, ptr(last[a.Target]))).To(BeFalse(), "change of %d to %v changes nothing", a.Target, a.Fields)
		last[a.Target] = a.Spec
	}
	for i, spec := range last {
		g.Expect(specMatches(&p.Final[i], &spec)).To(BeTrue())
	}
}

func ptr[T any](v T) *T { return &v }
