package e2e

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
)

// CreateConnection creates the ClusterGraphConnection "default" (the one
// OnlineMeetings without connectionRef use) for the emulator at url, with
// its client secret in a Secret, and waits until it is Ready.
func (c *Cluster) CreateConnection(ctx context.Context, url string) error {
	if err := c.EnsureNamespace(ctx, ClusterResourceNamespace); err != nil {
		return err
	}
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ClusterResourceNamespace, Name: "graph-app"},
		StringData: map[string]string{"clientSecret": ClientSecret},
	}
	if err := c.Client.Create(ctx, secret); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	conn := &teamsv1alpha1.ClusterGraphConnection{
		ObjectMeta: metav1.ObjectMeta{Name: "default"},
		Spec: teamsv1alpha1.ClusterGraphConnectionSpec{
			GraphConnectionSpec: teamsv1alpha1.GraphConnectionSpec{
				GraphEndpoint: url, AuthorityHost: url,
				TenantID: TenantID, ClientID: ClientID,
				Credential: teamsv1alpha1.Credential{ClientSecret: &teamsv1alpha1.ClientSecretCredential{
					SecretRef: teamsv1alpha1.SecretKeySelector{Name: "graph-app", Key: "clientSecret"}}},
				Organizers: teamsv1alpha1.OrganizerPolicy{Allowed: []string{Organizer}},
			},
			NamespaceSelector: &metav1.LabelSelector{},
		},
	}
	if err := c.Client.Create(ctx, conn); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	return c.waitFor(ctx, 2*time.Minute, "ClusterGraphConnection default to be Ready", func() (bool, error) {
		var got teamsv1alpha1.ClusterGraphConnection
		if err := c.Client.Get(ctx, client.ObjectKey{Name: "default"}, &got); err != nil {
			return false, err
		}
		return meta.IsStatusConditionTrue(got.Status.Conditions, teamsv1alpha1.ConditionReady), nil
	})
}

// waitFor polls cond every 100ms until it holds, fails, or timeout passes.
func (c *Cluster) waitFor(ctx context.Context, timeout time.Duration, what string, cond func() (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last error
	for {
		ok, err := cond()
		if ok {
			return nil
		}
		if err != nil {
			last = err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w (last error: %v)", what, ctx.Err(), last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Meeting is the i-th meeting of a run: its own externalId, a subject, a
// time, and one attendee.
func Meeting(ns, prefix string, i int) *teamsv1alpha1.OnlineMeeting {
	name := fmt.Sprintf("%s-%05d", prefix, i)
	start := time.Date(2027, 1, 4, 9, 0, 0, 0, time.UTC).Add(time.Duration(i%500) * time.Hour)
	return &teamsv1alpha1.OnlineMeeting{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: teamsv1alpha1.OnlineMeetingSpec{
			ExternalID:    fmt.Sprintf("%s-%s", ns, name),
			Organizer:     teamsv1alpha1.Organizer{UserID: Organizer},
			Subject:       "Meeting " + name,
			StartDateTime: start.Format(time.RFC3339),
			EndDateTime:   start.Add(30 * time.Minute).Format(time.RFC3339),
			Participants: &teamsv1alpha1.MeetingParticipants{Attendees: []teamsv1alpha1.MeetingParticipantInfo{
				{UPN: "alex@contoso.com", Role: teamsv1alpha1.MeetingRoleAttendee},
			}},
		},
	}
}

// ForEach runs f over items with workers goroutines, returning the first
// error.
func ForEach[T any](ctx context.Context, items []T, workers int, f func(context.Context, T) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch := make(chan T)
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range ch {
				if err := f(ctx, it); err != nil {
					once.Do(func() { first = err; cancel() })
				}
			}
		}()
	}
loop:
	for _, it := range items {
		select {
		case ch <- it:
		case <-ctx.Done():
			break loop
		}
	}
	close(ch)
	wg.Wait()
	return first
}

// Create creates the meetings with 16 clients in parallel, as a GitOps
// tool applying a large commit would, retrying what the API server
// refuses for a moment.
func (c *Cluster) Create(ctx context.Context, ms []*teamsv1alpha1.OnlineMeeting) error {
	return ForEach(ctx, ms, 16, func(ctx context.Context, m *teamsv1alpha1.OnlineMeeting) error {
		return retry(ctx, func() error {
			err := c.Client.Create(ctx, m.DeepCopy())
			if apierrors.IsAlreadyExists(err) {
				return nil
			}
			return err
		})
	})
}

// retry runs f until it succeeds or fails with an error that is not
// transient, for at most a minute.
func retry(ctx context.Context, f func() error) error {
	deadline := time.Now().Add(time.Minute)
	for {
		err := f()
		if err == nil || time.Now().After(deadline) ||
			!(apierrors.IsConflict(err) || apierrors.IsServerTimeout(err) || apierrors.IsTooManyRequests(err) || apierrors.IsTimeout(err)) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Readiness follows OnlineMeetings through a watch and records when each
// one first became Ready for its current generation.
type Readiness struct {
	mu    sync.Mutex
	ready map[string]time.Time // namespace/name -> when Ready at its generation
	gen   map[string]int64
	seen  map[string]bool
	gone  map[string]time.Time // namespace/name -> when its deletion was seen
	// changed is signalled on every event, for Wait.
	changed chan struct{}
}

// WatchReadiness starts following every OnlineMeeting in the cluster until
// ctx ends. It lists first, then watches from the list's resourceVersion,
// and lists again if the watch ends.
func (c *Cluster) WatchReadiness(ctx context.Context) (*Readiness, error) {
	r := &Readiness{ready: map[string]time.Time{}, gen: map[string]int64{}, seen: map[string]bool{}, gone: map[string]time.Time{}, changed: make(chan struct{}, 1)}
	rv, err := r.list(ctx, c.Client)
	if err != nil {
		return nil, err
	}
	go func() {
		for ctx.Err() == nil {
			w, err := c.Client.Watch(ctx, &teamsv1alpha1.OnlineMeetingList{}, &client.ListOptions{Raw: &metav1.ListOptions{ResourceVersion: rv, AllowWatchBookmarks: true}})
			if err == nil {
				rv = r.follow(w, rv)
				w.Stop()
			}
			if ctx.Err() != nil {
				return
			}
			// The watch expired or failed: start again from a fresh list.
			if next, err := r.list(ctx, c.Client); err == nil {
				rv = next
			} else {
				select { // back off before listing again
				case <-ctx.Done():
				case <-time.After(200 * time.Millisecond):
				}
			}
		}
	}()
	return r, nil
}

func (r *Readiness) list(ctx context.Context, c client.Client) (string, error) {
	var l teamsv1alpha1.OnlineMeetingList
	if err := c.List(ctx, &l); err != nil {
		return "", err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range l.Items {
		r.observe(&l.Items[i], false)
	}
	r.signal()
	return l.ResourceVersion, nil
}

func (r *Readiness) follow(w watch.Interface, rv string) string {
	for ev := range w.ResultChan() {
		m, ok := ev.Object.(*teamsv1alpha1.OnlineMeeting)
		if !ok {
			continue // an error status ends the watch; relist
		}
		rv = m.ResourceVersion
		if ev.Type == watch.Bookmark {
			continue
		}
		r.mu.Lock()
		r.observe(m, ev.Type == watch.Deleted)
		r.signal()
		r.mu.Unlock()
	}
	return rv
}

func (r *Readiness) observe(m *teamsv1alpha1.OnlineMeeting, deleted bool) {
	key := m.Namespace + "/" + m.Name
	if deleted {
		delete(r.ready, key)
		delete(r.gen, key)
		delete(r.seen, key)
		r.gone[key] = time.Now()
		return
	}
	r.seen[key] = true
	delete(r.gone, key)
	if r.gen[key] != m.Generation {
		delete(r.ready, key)
		r.gen[key] = m.Generation
	}
	cond := meta.FindStatusCondition(m.Status.Conditions, teamsv1alpha1.ConditionReady)
	if cond != nil && cond.Status == metav1.ConditionTrue && cond.ObservedGeneration == m.Generation &&
		m.Status.ObservedGeneration == m.Generation {
		if _, ok := r.ready[key]; !ok {
			r.ready[key] = time.Now()
		}
	} else {
		delete(r.ready, key)
	}
}

func (r *Readiness) signal() {
	select {
	case r.changed <- struct{}{}:
	default:
	}
}

// Counts are how many meetings exist and how many are Ready for their
// generation.
func (r *Readiness) Counts() (existing, ready int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.seen), len(r.ready)
}

// WaitReady waits until every one of keys is Ready for its generation and
// returns the latest moment one of them became so.
func (r *Readiness) WaitReady(ctx context.Context, keys []string, timeout time.Duration) (time.Time, error) {
	return r.waitUntil(ctx, timeout, "not Ready", len(keys), func() (int, time.Time) {
		var last time.Time
		missing := 0
		for _, k := range keys {
			t, ok := r.ready[k]
			if !ok {
				missing++
			} else if t.After(last) {
				last = t
			}
		}
		return missing, last
	})
}

// WaitGone waits until none of keys exists and returns when the last of
// them was seen deleted.
func (r *Readiness) WaitGone(ctx context.Context, keys []string, timeout time.Duration) (time.Time, error) {
	return r.waitUntil(ctx, timeout, "still exist", len(keys), func() (int, time.Time) {
		left := 0
		var last time.Time
		for _, k := range keys {
			if r.seen[k] {
				left++
			} else if r.gone[k].After(last) {
				last = r.gone[k]
			}
		}
		return left, last
	})
}

// waitUntil runs pending (under r.mu) at every change the watch delivers,
// and at least once a second, until it counts no meeting left or timeout
// passes; it returns the moment pending reports the last one arrived.
// what says, in the error, what the meetings left over still are.
func (r *Readiness) waitUntil(ctx context.Context, timeout time.Duration, what string, of int, pending func() (left int, last time.Time)) (time.Time, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		r.mu.Lock()
		left, last := pending()
		r.mu.Unlock()
		if left == 0 {
			return last, nil
		}
		select {
		case <-ctx.Done():
			return time.Time{}, fmt.Errorf("%d of %d meetings %s after %s", left, of, what, timeout)
		case <-r.changed:
		case <-time.After(time.Second):
		}
	}
}

// Keys are the namespace/name keys of ms.
func Keys(ms []*teamsv1alpha1.OnlineMeeting) []string {
	keys := make([]string, len(ms))
	for i, m := range ms {
		keys[i] = m.Namespace + "/" + m.Name
	}
	return keys
}
