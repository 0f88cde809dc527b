package main

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/test/e2e"
)

// storm runs the plan's actions at their moments: creations, spec
// changes and deletes in one sequence, kills in another (a kill waits
// for a leader, which must not hold the rest up).
type storm struct {
	cluster *e2e.Cluster
	plan    *plan
	fleet   *fleet
	start   time.Time

	mu sync.Mutex
	// deletedMeetingID is status.meetingId of each deleted resource, read
	// right before its delete ("" when it had none yet).
	deletedMeetingID                 map[int]string
	created, changes, deletes, kills int
	// isCreated and isDeleted mark what the storm did so far.
	isCreated, isDeleted []bool
}

// run runs every action and returns when the last one is done.
func (s *storm) run(ctx context.Context) error {
	s.start = time.Now()
	s.deletedMeetingID = map[int]string{}
	s.mu.Lock()
	s.isCreated, s.isDeleted = make([]bool, len(s.plan.Meetings)), make([]bool, len(s.plan.Meetings))
	s.mu.Unlock()
	var kills, others []action
	for _, a := range s.plan.Actions {
		if a.Kind == actKill {
			kills = append(kills, a)
		} else {
			others = append(others, a)
		}
	}
	errs := make(chan error, 2)
	go func() { errs <- s.sequence(ctx, kills) }()
	go func() { errs <- s.sequence(ctx, others) }()
	var first error
	for range 2 {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// sequence runs actions in order, each at its moment.
func (s *storm) sequence(ctx context.Context, actions []action) error {
	for _, a := range actions {
		if wait := time.Until(s.start.Add(a.At)); wait > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(wait):
			}
		}
		if err := s.do(ctx, a); err != nil {
			return err
		}
	}
	return nil
}

func (s *storm) do(ctx context.Context, a action) error {
	switch a.Kind {
	case actCreate:
		ms := make([]*teamsv1alpha1.OnlineMeeting, 0, len(a.Batch))
		for _, i := range a.Batch {
			ms = append(ms, s.plan.Meetings[i])
		}
		if err := s.cluster.Create(ctx, ms); err != nil {
			return fmt.Errorf("creating %d meetings: %w", len(ms), err)
		}
		s.mu.Lock()
		s.created += len(ms)
		for _, i := range a.Batch {
			s.isCreated[i] = true
		}
		s.mu.Unlock()
	case actChange:
		if err := s.change(ctx, a); err != nil {
			return err
		}
		s.count(&s.changes, 1)
	case actDelete:
		if err := s.delete(ctx, a.Target); err != nil {
			return err
		}
		s.mu.Lock()
		s.deletes++
		s.isDeleted[a.Target] = true
		s.mu.Unlock()
	case actKill:
		rec, err := s.fleet.killLeader(ctx, a.Kill, time.Since(s.start))
		if err != nil {
			return err
		}
		s.count(&s.kills, 1)
		lead := "the leader"
		if !rec.WasLead {
			lead = "a replica (no leader found within a minute)"
		}
		takeover := "no leader within 2m"
		if rec.Takeover > 0 {
			takeover = fmt.Sprintf("a leader again after %s", rec.Takeover.Round(100*time.Millisecond))
		}
		progress("kill %d, %s into the storm: SIGKILLed %s, pid %d in slot %d; restarted it; %s",
			a.Kill, rec.At.Round(100*time.Millisecond), lead, rec.Pid, rec.Slot, takeover)
	}
	return nil
}

func (s *storm) count(c *int, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	*c += n
}

// change writes the planned spec over the current one, as a user's
// apply would, retrying on conflicts with the operator's writes.
func (s *storm) change(ctx context.Context, a action) error {
	want := s.plan.Meetings[a.Target]
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		var m teamsv1alpha1.OnlineMeeting
		if err := s.cluster.Client.Get(ctx, client.ObjectKeyFromObject(want), &m); err != nil {
			return err
		}
		m.Spec = *a.Spec.DeepCopy()
		return s.cluster.Client.Update(ctx, &m)
	})
	if err != nil {
		return fmt.Errorf("changing %s of %s/%s: %w", a.Fields, want.Namespace, want.Name, err)
	}
	return nil
}

// delete deletes a resource, noting the meeting id its status holds.
func (s *storm) delete(ctx context.Context, i int) error {
	want := s.plan.Meetings[i]
	var m teamsv1alpha1.OnlineMeeting
	if err := s.cluster.Client.Get(ctx, client.ObjectKeyFromObject(want), &m); err != nil {
		return fmt.Errorf("reading %s/%s before deleting it: %w", want.Namespace, want.Name, err)
	}
	s.mu.Lock()
	s.deletedMeetingID[i] = m.Status.MeetingID
	s.mu.Unlock()
	err := s.cluster.Client.Delete(ctx, &m, client.Preconditions{UID: &m.UID})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("deleting %s/%s: %w", want.Namespace, want.Name, err)
	}
	return nil
}

// done is what the storm did so far.
func (s *storm) done() (created, changes, deletes, kills int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.created, s.changes, s.deletes, s.kills
}

// meetingIDAtDelete is status.meetingId of deleted resource i when it was
// deleted.
func (s *storm) meetingIDAtDelete(i int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deletedMeetingID[i]
}

// sofar are copies of isCreated and isDeleted.
func (s *storm) sofar() (created, deleted []bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.isCreated), slices.Clone(s.isDeleted)
}
