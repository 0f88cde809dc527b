package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/test/e2e"
)

// The plan is everything the harness does, and when, decided up front
// from the seed alone: which meetings, in which namespace, with which
// deletionPolicy, created in which batches; which specs change to what;
// which resources are deleted; when the leader is killed. Running it
// cannot consume randomness, so a seed always means the same plan.

// actionKind is what one planned action does.
type actionKind int

const (
	actCreate actionKind = iota
	actChange
	actDelete
	actKill
)

// action is one step of the plan, at an offset from the storm's start.
type action struct {
	At   time.Duration
	Kind actionKind
	// Batch are the meetings an actCreate creates.
	Batch []int
	// Target is the meeting an actChange or actDelete acts on.
	Target int
	// Spec is the whole spec an actChange writes; Fields name what differs.
	Spec   teamsv1alpha1.OnlineMeetingSpec
	Fields []string
	// Kill numbers an actKill (1, 2, ...).
	Kill int
}

// plan is a run decided from its seed.
type plan struct {
	Namespaces []string
	// Meetings are the resources as first created, by index.
	Meetings []*teamsv1alpha1.OnlineMeeting
	// CreateAt is when each meeting is created.
	CreateAt []time.Duration
	Actions  []action
	// Final is each meeting's spec once every change is made.
	Final []teamsv1alpha1.OnlineMeetingSpec
	// Deleted marks the meetings the plan deletes.
	Deleted []bool
	// Changes counts the spec changes per meeting.
	Changes []int
}

// planConfig sizes a plan.
type planConfig struct {
	Meetings, Namespaces, Changes, Deletes, Kills int
	// Storm is how long the actions are spread over.
	Storm time.Duration
	// KillGap is the least time between two kills: a killed leader's
	// Lease must expire (15s) before another replica leads.
	KillGap time.Duration
}

// attendeePool are the people spec changes invite.
var attendeePool = []string{"alex@contoso.com", "blair@contoso.com", "casey@contoso.com", "drew@contoso.com", "emery@contoso.com"}

// newPlan decides a run from seed.
func newPlan(seed uint64, cfg planConfig) (*plan, error) {
	if cfg.Meetings < 1 || cfg.Namespaces < 1 {
		return nil, fmt.Errorf("need at least one meeting and one namespace")
	}
	halfDelete, halfOrphan := cfg.Deletes/2, cfg.Deletes-cfg.Deletes/2
	if cfg.Deletes > cfg.Meetings-1 {
		return nil, fmt.Errorf("--deletes %d must leave at least one of --meetings %d", cfg.Deletes, cfg.Meetings)
	}
	rng := rand.New(rand.NewPCG(seed, 0x6368616f73)) // "chaos"
	p := &plan{}
	for i := range cfg.Namespaces {
		p.Namespaces = append(p.Namespaces, fmt.Sprintf("chaos-%d", i))
	}

	// Meetings, each with a namespace and a deletionPolicy at random;
	// enough of each policy to delete the planned number of each.
	n := cfg.Meetings
	for i := range n {
		m := e2e.Meeting(p.Namespaces[rng.IntN(cfg.Namespaces)], "chaos", i)
		m.Spec.DeletionPolicy = teamsv1alpha1.DeletionPolicyDelete
		if rng.IntN(2) == 1 {
			m.Spec.DeletionPolicy = teamsv1alpha1.DeletionPolicyOrphan
		}
		p.Meetings = append(p.Meetings, m)
	}
	ensurePolicy(rng, p.Meetings, teamsv1alpha1.DeletionPolicyDelete, halfDelete)
	ensurePolicy(rng, p.Meetings, teamsv1alpha1.DeletionPolicyOrphan, halfOrphan)

	// Creation: in batches of random size at random moments of the first
	// 40% of the storm, in a random order, so that bursts meet the rate
	// limit.
	p.CreateAt = make([]time.Duration, n)
	order := rng.Perm(n)
	createWindow := cfg.Storm * 4 / 10
	maxBatch := max(5, n/8)
	var times []time.Duration
	var batches [][]int
	for len(order) > 0 {
		size := min(len(order), 1+rng.IntN(maxBatch))
		batches = append(batches, order[:size])
		order = order[size:]
		times = append(times, randDuration(rng, 0, createWindow))
	}
	slices.Sort(times)
	times[0] = 0 // something to work on from the start
	for b, batch := range batches {
		for _, i := range batch {
			p.CreateAt[i] = times[b]
		}
		p.Actions = append(p.Actions, action{At: times[b], Kind: actCreate, Batch: slices.Clone(batch)})
	}

	// Spec changes and deletes at random moments of the storm, after
	// 10% of it, each on a meeting that exists by then.
	p.Final = make([]teamsv1alpha1.OnlineMeetingSpec, n)
	for i, m := range p.Meetings {
		p.Final[i] = *m.Spec.DeepCopy()
	}
	p.Deleted = make([]bool, n)
	p.Changes = make([]int, n)
	type slot struct {
		at     time.Duration
		delete bool
		policy teamsv1alpha1.DeletionPolicy
	}
	var slots []slot
	for range cfg.Changes {
		slots = append(slots, slot{at: randDuration(rng, cfg.Storm/10, cfg.Storm)})
	}
	for d := range cfg.Deletes {
		policy := teamsv1alpha1.DeletionPolicyDelete
		if d >= halfDelete {
			policy = teamsv1alpha1.DeletionPolicyOrphan
		}
		slots = append(slots, slot{at: randDuration(rng, cfg.Storm/10, cfg.Storm), delete: true, policy: policy})
	}
	slices.SortStableFunc(slots, func(a, b slot) int { return int(a.at - b.at) })
	for _, s := range slots {
		var candidates []int
		for i := range n {
			if p.CreateAt[i] < s.at && !p.Deleted[i] && (!s.delete || p.Meetings[i].Spec.DeletionPolicy == s.policy) {
				candidates = append(candidates, i)
			}
		}
		if len(candidates) == 0 {
			// Too early for this one: it waits for the last creation.
			s.at = createWindow + time.Second
			for i := range n {
				if !p.Deleted[i] && (!s.delete || p.Meetings[i].Spec.DeletionPolicy == s.policy) {
					candidates = append(candidates, i)
				}
			}
		}
		t := candidates[rng.IntN(len(candidates))]
		if s.delete {
			p.Deleted[t] = true
			p.Actions = append(p.Actions, action{At: s.at, Kind: actDelete, Target: t})
			continue
		}
		spec, fields := changeSpec(rng, p.Meetings[t].Name, p.Final[t], p.Changes[t]+1)
		p.Final[t] = spec
		p.Changes[t]++
		p.Actions = append(p.Actions, action{At: s.at, Kind: actChange, Target: t, Spec: spec, Fields: fields})
	}

	// Kills: one at a random moment of each equal part of 15%..90% of the
	// storm, at least KillGap after the one before.
	if cfg.Kills > 0 {
		from, to := cfg.Storm*15/100, cfg.Storm*90/100
		part := (to - from) / time.Duration(cfg.Kills)
		prev := time.Duration(-1 << 62)
		for k := range cfg.Kills {
			at := max(from+time.Duration(k)*part+randDuration(rng, 0, part), prev+cfg.KillGap)
			p.Actions = append(p.Actions, action{At: at, Kind: actKill, Kill: k + 1})
			prev = at
		}
	}
	slices.SortStableFunc(p.Actions, func(a, b action) int { return int(a.At - b.At) })
	return p, nil
}

// ensurePolicy flips meetings of the other policy at random until at
// least want+1 have policy (one more than is deleted, so that one stays).
func ensurePolicy(rng *rand.Rand, ms []*teamsv1alpha1.OnlineMeeting, policy teamsv1alpha1.DeletionPolicy, want int) {
	count := func() (int, []int) {
		var others []int
		have := 0
		for i, m := range ms {
			if m.Spec.DeletionPolicy == policy {
				have++
			} else {
				others = append(others, i)
			}
		}
		return have, others
	}
	for have, others := count(); have < want+1 && len(others) > 1; have, others = count() {
		ms[others[rng.IntN(len(others))]].Spec.DeletionPolicy = policy
	}
}

// changeSpec changes one to three of the subject, the times and the
// attendees of spec, each to a value that differs from the current one.
func changeSpec(rng *rand.Rand, name string, spec teamsv1alpha1.OnlineMeetingSpec, rev int) (teamsv1alpha1.OnlineMeetingSpec, []string) {
	out := *spec.DeepCopy()
	which := 1 + rng.IntN(7) // a non-empty subset of {subject, times, attendees}
	var fields []string
	if which&1 != 0 {
		out.Subject = fmt.Sprintf("Meeting %s, revision %d", name, rev)
		fields = append(fields, "subject")
	}
	if which&2 != 0 {
		for out.StartDateTime == spec.StartDateTime && out.EndDateTime == spec.EndDateTime {
			start := time.Date(2027, 3, 1, 8, 0, 0, 0, time.UTC).Add(time.Duration(rng.IntN(2000)) * time.Hour)
			length := time.Duration(15*(1+rng.IntN(6))) * time.Minute
			out.StartDateTime, out.EndDateTime = start.Format(time.RFC3339), start.Add(length).Format(time.RFC3339)
		}
		fields = append(fields, "times")
	}
	if which&4 != 0 {
		for slices.Equal(upns(out.Participants), upns(spec.Participants)) {
			out.Participants = nil
			if k := rng.IntN(4); k > 0 {
				out.Participants = &teamsv1alpha1.MeetingParticipants{}
				for _, j := range rng.Perm(len(attendeePool))[:k] {
					out.Participants.Attendees = append(out.Participants.Attendees,
						teamsv1alpha1.MeetingParticipantInfo{UPN: attendeePool[j], Role: teamsv1alpha1.MeetingRoleAttendee})
				}
			}
		}
		fields = append(fields, "attendees")
	}
	return out, fields
}

// upns lists the attendees' UPNs in order.
func upns(p *teamsv1alpha1.MeetingParticipants) []string {
	if p == nil {
		return nil
	}
	var out []string
	for _, a := range p.Attendees {
		out = append(out, a.UPN)
	}
	return out
}

// attendeeCount is how many attendees a spec invites.
func attendeeCount(spec *teamsv1alpha1.OnlineMeetingSpec) int {
	if spec.Participants == nil {
		return 0
	}
	return len(spec.Participants.Attendees)
}

// randDuration is uniform in [from, to).
func randDuration(rng *rand.Rand, from, to time.Duration) time.Duration {
	if to <= from {
		return from
	}
	return from + time.Duration(rng.Int64N(int64(to-from)))
}

// printPlan writes every action of p, one a line.
func printPlan(p *plan) {
	for _, a := range p.Actions {
		switch a.Kind {
		case actCreate:
			fmt.Printf("%8s create %d meetings\n", a.At.Round(time.Millisecond), len(a.Batch))
		case actChange:
			m := p.Meetings[a.Target]
			fmt.Printf("%8s change %s of %s/%s\n", a.At.Round(time.Millisecond), strings.Join(a.Fields, ", "), m.Namespace, m.Name)
		case actDelete:
			m := p.Meetings[a.Target]
			fmt.Printf("%8s delete %s/%s (%s)\n", a.At.Round(time.Millisecond), m.Namespace, m.Name, m.Spec.DeletionPolicy)
		case actKill:
			fmt.Printf("%8s kill %d: SIGKILL the leader\n", a.At.Round(time.Millisecond), a.Kill)
		}
	}
}
