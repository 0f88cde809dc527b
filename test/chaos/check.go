package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/emulator"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/test/e2e"
)

// state is the cluster's OnlineMeetings as one List saw them.
type state struct {
	byKey map[string]*teamsv1alpha1.OnlineMeeting
}

func key(ns, name string) string { return ns + "/" + name }

func listState(ctx context.Context, c *e2e.Cluster) (*state, error) {
	var l teamsv1alpha1.OnlineMeetingList
	if err := c.Client.List(ctx, &l); err != nil {
		return nil, err
	}
	st := &state{byKey: map[string]*teamsv1alpha1.OnlineMeeting{}}
	for i := range l.Items {
		m := &l.Items[i]
		st.byKey[key(m.Namespace, m.Name)] = m
	}
	return st, nil
}

// readyNow is Ready=True for the current generation, in the condition
// and in status.observedGeneration, as kstatus reads it.
func readyNow(m *teamsv1alpha1.OnlineMeeting) bool {
	c := meta.FindStatusCondition(m.Status.Conditions, teamsv1alpha1.ConditionReady)
	return c != nil && c.Status == metav1.ConditionTrue && c.ObservedGeneration == m.Generation &&
		m.Status.ObservedGeneration == m.Generation
}

// convergence counts, of the plan's resources that exist or should, how
// many are Ready for their generation and how many deleted ones are still
// there.
type convergence struct {
	Remaining, Ready, Deleted, Lingering int
	// NotReady are a few of the remaining resources not Ready, with why.
	NotReady []string
}

func (c convergence) done() bool { return c.Ready == c.Remaining && c.Lingering == 0 }

func (c convergence) String() string {
	return fmt.Sprintf("%d/%d Ready for their generation, %d/%d deleted ones gone", c.Ready, c.Remaining, c.Deleted-c.Lingering, c.Deleted)
}

// measure counts what converged. Before the storm is over, created and
// deleted say which of the plan's creations and deletes happened; nil
// means all of them.
func measure(p *plan, st *state, created, deleted []bool) convergence {
	var c convergence
	for i, m := range p.Meetings {
		if created != nil && !created[i] {
			continue
		}
		got := st.byKey[key(m.Namespace, m.Name)]
		if (deleted == nil && p.Deleted[i]) || (deleted != nil && deleted[i]) {
			c.Deleted++
			if got != nil {
				c.Lingering++
			}
			continue
		}
		c.Remaining++
		if got != nil && readyNow(got) {
			c.Ready++
			continue
		}
		if len(c.NotReady) < 5 {
			c.NotReady = append(c.NotReady, describe(key(m.Namespace, m.Name), got))
		}
	}
	return c
}

// describe says why a resource is not Ready, from its conditions.
func describe(k string, m *teamsv1alpha1.OnlineMeeting) string {
	if m == nil {
		return k + ": missing"
	}
	c := meta.FindStatusCondition(m.Status.Conditions, teamsv1alpha1.ConditionReady)
	if c == nil {
		return fmt.Sprintf("%s: generation %d, no Ready condition", k, m.Generation)
	}
	return fmt.Sprintf("%s: generation %d, Ready=%s for %d (%s: %s)", k, m.Generation, c.Status, c.ObservedGeneration, c.Reason, truncate(c.Message, 160))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// waitConverged polls until every remaining resource is Ready for its
// generation and every deleted one is gone, printing progress, for at
// most timeout. It returns the last measure.
func waitConverged(ctx context.Context, c *e2e.Cluster, p *plan, timeout time.Duration, every time.Duration, fl *fleet) (convergence, error) {
	deadline := time.Now().Add(timeout)
	lastPrint := time.Now()
	for {
		st, err := listState(ctx, c)
		if err != nil {
			return convergence{}, err
		}
		conv := measure(p, st, nil, nil)
		if conv.done() {
			return conv, nil
		}
		if err := fl.anyExited(); err != nil {
			return conv, err
		}
		if time.Now().After(deadline) {
			return conv, fmt.Errorf("not converged after %s: %s; for example:\n  %s", timeout, conv, strings.Join(conv.NotReady, "\n  "))
		}
		if time.Since(lastPrint) >= every {
			progress("waiting: %s", conv)
			lastPrint = time.Now()
		}
		select {
		case <-ctx.Done():
			return conv, ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// verdict collects violations.
type verdict struct {
	violations []string
}

func (v *verdict) fail(format string, args ...any) {
	v.violations = append(v.violations, fmt.Sprintf(format, args...))
}

// outcomeCounts are the figures the final check found.
type outcomeCounts struct {
	Remaining, RemainingOK                   int
	DeletedDelete, DeletedDeleteOK           int
	DeletedOrphan, OrphanKept, OrphanNoneYet int
	LiveMeetings, AllMeetings                int
	CreatedTwice                             int
}

// graphKey identifies a meeting in Graph: organizer and externalId.
func graphKey(organizer, externalID string) string {
	return strings.ToLower(organizer) + "\x00" + externalID
}

// checkFinal compares the cluster and Graph (the emulator's store) once
// everything has converged.
func checkFinal(p *plan, st *state, all []emulator.StoredMeeting, s *storm, v *verdict) outcomeCounts {
	var oc outcomeCounts
	live, every := map[string][]emulator.StoredMeeting{}, map[string][]emulator.StoredMeeting{}
	for _, gm := range all {
		k := graphKey(gm.OrganizerID, gm.ExternalID)
		every[k] = append(every[k], gm)
		oc.AllMeetings++
		if !gm.Deleted {
			live[k] = append(live[k], gm)
			oc.LiveMeetings++
		}
	}
	known := map[string]bool{}
	for i, m := range p.Meetings {
		k := key(m.Namespace, m.Name)
		spec := p.Final[i]
		gk := graphKey(spec.Organizer.UserID, spec.ExternalID)
		known[gk] = true
		liveHere, everHere := live[gk], every[gk]
		deletedHere := len(everHere) - len(liveHere)
		if len(everHere) > 1 {
			oc.CreatedTwice++
			why := ""
			if p.Deleted[i] && len(liveHere) == 0 {
				// The delete path looks a meeting up by createOrGet when
				// status holds no id; after its meeting was deleted, that
				// makes a new one (the emulator's --deleted-external-id
				// new, which Graph may do too).
				why = "; a createOrGet during the deletion made a new meeting after the first was deleted"
			}
			v.fail("%s (%s): Graph holds %d meetings ever made for externalId %q (%d deleted): %s%s", k, spec.DeletionPolicy,
				len(everHere), spec.ExternalID, deletedHere, meetingIDs(everHere), why)
		}
		got := st.byKey[k]
		switch {
		case !p.Deleted[i]:
			oc.Remaining++
			ok := true
			if got == nil {
				v.fail("%s: the resource is gone, but it was never deleted", k)
				continue
			}
			if !readyNow(got) {
				v.fail("%s", describe(k, got))
				ok = false
			}
			if !specMatches(&got.Spec, &spec) {
				v.fail("%s: its spec is not the last one the harness wrote (a lost write?)", k)
				ok = false
			}
			if len(liveHere) != 1 {
				v.fail("%s: %d meetings in Graph for externalId %q, want exactly 1: %s", k, len(liveHere), spec.ExternalID, meetingIDs(liveHere))
				continue
			}
			gm := liveHere[0]
			if problem := graphMatches(gm, &spec); problem != "" {
				v.fail("%s: meeting %s in Graph does not match the spec: %s", k, gm.ID, problem)
				ok = false
			}
			if got.Status.MeetingID != gm.ID {
				v.fail("%s: status.meetingId is %q, Graph's meeting is %s", k, got.Status.MeetingID, gm.ID)
				ok = false
			}
			if deletedHere > 0 {
				v.fail("%s: %d deleted meeting(s) for a resource that was never deleted", k, deletedHere)
				ok = false
			}
			if ok {
				oc.RemainingOK++
			}
		case spec.DeletionPolicy == teamsv1alpha1.DeletionPolicyDelete:
			oc.DeletedDelete++
			if got != nil {
				v.fail("%s: deleted, but the resource is still there", k)
			}
			if len(liveHere) > 0 {
				v.fail("%s (Delete): deleted, but Graph still holds %s", k, meetingIDs(liveHere))
				continue
			}
			oc.DeletedDeleteOK++
		default: // Orphan
			oc.DeletedOrphan++
			if got != nil {
				v.fail("%s: deleted, but the resource is still there", k)
			}
			if deletedHere > 0 {
				v.fail("%s (Orphan): the operator deleted its meeting: %s", k, meetingIDs(everHere))
			}
			id := s.meetingIDAtDelete(i)
			switch {
			case len(liveHere) > 1:
				v.fail("%s (Orphan): %d meetings kept in Graph, want at most 1: %s", k, len(liveHere), meetingIDs(liveHere))
			case id != "" && (len(liveHere) == 0 || liveHere[0].ID != id):
				v.fail("%s (Orphan): its meeting %s was not kept (Graph holds %s)", k, id, meetingIDs(liveHere))
			case len(liveHere) == 1:
				oc.OrphanKept++
			default:
				// Deleted before any createOrGet reached Graph: nothing to keep.
				oc.OrphanNoneYet++
			}
		}
	}
	for gk, ms := range every {
		if !known[gk] {
			v.fail("Graph holds meetings for an externalId no resource ever had: %s", meetingIDs(ms))
		}
	}
	return oc
}

func meetingIDs(ms []emulator.StoredMeeting) string {
	if len(ms) == 0 {
		return "none"
	}
	var out []string
	for _, m := range ms {
		s := m.ID
		if m.Deleted {
			s += " (deleted)"
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return strings.Join(out, ", ")
}

// specMatches compares what the changes write.
func specMatches(got, want *teamsv1alpha1.OnlineMeetingSpec) bool {
	return got.Subject == want.Subject && got.StartDateTime == want.StartDateTime && got.EndDateTime == want.EndDateTime &&
		slices.Equal(upns(got.Participants), upns(want.Participants)) && got.DeletionPolicy == want.DeletionPolicy
}

// graphMatches says how a meeting in Graph differs from a spec ("" when
// it does not).
func graphMatches(gm emulator.StoredMeeting, spec *teamsv1alpha1.OnlineMeetingSpec) string {
	var diffs []string
	if gm.Subject != spec.Subject {
		diffs = append(diffs, fmt.Sprintf("subject %q, spec %q", gm.Subject, spec.Subject))
	}
	for _, t := range []struct {
		name string
		got  time.Time
		spec string
	}{{"start", gm.StartDateTime, spec.StartDateTime}, {"end", gm.EndDateTime, spec.EndDateTime}} {
		want, err := time.Parse(time.RFC3339, t.spec)
		if err != nil || !want.Equal(t.got) {
			diffs = append(diffs, fmt.Sprintf("%s %s, spec %s", t.name, t.got.UTC().Format(time.RFC3339), t.spec))
		}
	}
	if gm.Attendees != attendeeCount(spec) {
		diffs = append(diffs, fmt.Sprintf("%d attendees, spec %d", gm.Attendees, attendeeCount(spec)))
	}
	return strings.Join(diffs, "; ")
}
