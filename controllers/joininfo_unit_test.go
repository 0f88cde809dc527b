package controllers

import (
	"context"
	"errors"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/graph"
)

func TestJoinInfoDataHoldsTheEightKeysWithEmptyStringsForWhatGraphOmits(t *testing.T) {
	full := &graph.OnlineMeeting{
		ID: "MSpmZWVk", JoinWebURL: "https://teams.microsoft.com/l/meetup-join/x",
		JoinMeetingIDSettings: &graph.JoinMeetingIDSettings{JoinMeetingID: "1234567890123", Passcode: "pAs5c0", IsPasscodeRequired: true},
		AudioConferencing: &graph.AudioConferencing{ConferenceID: "987654321", TollNumber: "+1 206-485-3005",
			TollFreeNumber: "+1 800-555-0199", TollNumbers: []string{"+1 206-485-3005", "+44 20 3443 8787"},
			DialinURL: "https://dialin.teams.microsoft.com/x?id=987654321"},
		Subject: "not join information",
	}
	for _, tc := range []struct {
		name    string
		meeting *graph.OnlineMeeting
		want    map[string]string
	}{
		{name: "every detail", meeting: full, want: map[string]string{
			"joinWebUrl": full.JoinWebURL, "joinMeetingId": "1234567890123", "passcode": "pAs5c0",
			"conferenceId": "987654321", "tollNumber": "+1 206-485-3005", "tollFreeNumber": "+1 800-555-0199",
			"dialinUrl": "https://dialin.teams.microsoft.com/x?id=987654321", "meetingId": "MSpmZWVk",
		}},
		{name: "no audio-conferencing licence", meeting: &graph.OnlineMeeting{ID: "MSpi", JoinWebURL: "https://j",
			JoinMeetingIDSettings: &graph.JoinMeetingIDSettings{JoinMeetingID: "42", Passcode: "pw"}},
			want: map[string]string{"joinWebUrl": "https://j", "joinMeetingId": "42", "passcode": "pw",
				"conferenceId": "", "tollNumber": "", "tollFreeNumber": "", "dialinUrl": "", "meetingId": "MSpi"}},
		{name: "no join meeting id", meeting: &graph.OnlineMeeting{ID: "MSpj", JoinWebURL: "https://j",
			AudioConferencing: &graph.AudioConferencing{ConferenceID: "7"}},
			want: map[string]string{"joinWebUrl": "https://j", "joinMeetingId": "", "passcode": "",
				"conferenceId": "7", "tollNumber": "", "tollFreeNumber": "", "dialinUrl": "", "meetingId": "MSpj"}},
		{name: "nothing", meeting: &graph.OnlineMeeting{},
			want: map[string]string{"joinWebUrl": "", "joinMeetingId": "", "passcode": "",
				"conferenceId": "", "tollNumber": "", "tollFreeNumber": "", "dialinUrl": "", "meetingId": ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := joinInfoData(tc.meeting)
			if len(got) != len(tc.want) {
				t.Errorf("%d keys %v, want exactly %d", len(got), joinInfoKeys(got), len(tc.want))
			}
			for k, v := range tc.want {
				if g, ok := got[k]; !ok || string(g) != v {
					t.Errorf("%s = %q (present: %v), want %q", k, g, ok, v)
				}
			}
		})
	}
}

func joinInfoKeys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestJoinInfoLabelValueIsTheNameOrTheUIDWhenTheNameIsTooLong(t *testing.T) {
	uid := types.UID("8d3e4f2a-1b2c-4d5e-8f90-a1b2c3d4e5f6")
	for _, tc := range []struct{ name, want string }{
		{name: "standup", want: "standup"},
		{name: "team.standup-2026", want: "team.standup-2026"},
		{name: strings.Repeat("a", 63), want: strings.Repeat("a", 63)},
		{name: strings.Repeat("a", 64), want: string(uid)},
		{name: strings.Repeat("a", 253), want: string(uid)},
	} {
		m := &teamsv1alpha1.OnlineMeeting{ObjectMeta: metav1.ObjectMeta{Name: tc.name, UID: uid}}
		if got := joinInfoLabelValue(m); got != tc.want {
			t.Errorf("label value for a name of %d characters is %q, want %q", len(tc.name), got, tc.want)
		}
	}
}

func TestJoinInfoSecretGonePassesDeletionsOnly(t *testing.T) {
	s := &metav1.PartialObjectMetadata{}
	if !joinInfoSecretGone.Delete(event.DeleteEvent{Object: s}) {
		t.Error("a deletion is dropped")
	}
	if joinInfoSecretGone.Create(event.CreateEvent{Object: s}) || joinInfoSecretGone.Update(event.UpdateEvent{ObjectOld: s, ObjectNew: s}) ||
		joinInfoSecretGone.Generic(event.GenericEvent{Object: s}) {
		t.Error("a creation, update or generic event passes")
	}
}

// joinInfoScheme knows Secrets and OnlineMeetings.
func joinInfoScheme(t *testing.T) *runtime.Scheme {
	t.Helper()
	s := runtime.NewScheme()
	if err := corev1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	if err := teamsv1alpha1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestMeetingOfJoinInfoSecretFindsItsControllerAndTheMeetingsNamingIt(t *testing.T) {
	yes := true
	owner := func(apiVersion, kind, name string, controller bool) metav1.OwnerReference {
		ref := metav1.OwnerReference{APIVersion: apiVersion, Kind: kind, Name: name, UID: "u-" + types.UID(name)}
		if controller {
			ref.Controller = &yes
		}
		return ref
	}
	naming := &teamsv1alpha1.OnlineMeeting{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "names-it"},
		Spec: teamsv1alpha1.OnlineMeetingSpec{JoinInfoSecret: &teamsv1alpha1.JoinInfoSecretReference{Name: "join"}}}
	other := &teamsv1alpha1.OnlineMeeting{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "other"},
		Spec: teamsv1alpha1.OnlineMeetingSpec{JoinInfoSecret: &teamsv1alpha1.JoinInfoSecretReference{Name: "other-join"}}}
	elsewhere := &teamsv1alpha1.OnlineMeeting{ObjectMeta: metav1.ObjectMeta{Namespace: "elsewhere", Name: "names-it"},
		Spec: teamsv1alpha1.OnlineMeetingSpec{JoinInfoSecret: &teamsv1alpha1.JoinInfoSecretReference{Name: "join"}}}
	c := fake.NewClientBuilder().WithScheme(joinInfoScheme(t)).WithObjects(naming, other, elsewhere).Build()
	r := &OnlineMeetingReconciler{Client: c}

	for _, tc := range []struct {
		name   string
		secret string
		owners []metav1.OwnerReference
		want   []string
	}{
		{name: "controlled by an OnlineMeeting", secret: "unnamed",
			owners: []metav1.OwnerReference{owner("teams.meetings.dev/v1alpha1", "OnlineMeeting", "standup", true)}, want: []string{"standup"}},
		{name: "controlled by an OnlineMeeting of another version", secret: "unnamed",
			owners: []metav1.OwnerReference{owner("teams.meetings.dev/v1", "OnlineMeeting", "standup", true)}, want: []string{"standup"}},
		{name: "named by a meeting, no owner", secret: "join", want: []string{"names-it"}},
		{name: "controlled by the meeting that names it", secret: "join",
			owners: []metav1.OwnerReference{owner("teams.meetings.dev/v1alpha1", "OnlineMeeting", "names-it", true)}, want: []string{"names-it"}},
		{name: "controlled by one meeting, named by another", secret: "join",
			owners: []metav1.OwnerReference{owner("teams.meetings.dev/v1alpha1", "OnlineMeeting", "old", true)}, want: []string{"old", "names-it"}},
		{name: "an OnlineMeeting owner that is not the controller", secret: "unnamed",
			owners: []metav1.OwnerReference{owner("teams.meetings.dev/v1alpha1", "OnlineMeeting", "standup", false)}},
		{name: "controlled by another kind", secret: "unnamed",
			owners: []metav1.OwnerReference{owner("apps/v1", "Deployment", "standup", true)}},
		{name: "controlled by an OnlineMeeting of another group", secret: "unnamed",
			owners: []metav1.OwnerReference{owner("example.com/v1", "OnlineMeeting", "standup", true)}},
		{name: "nobody's", secret: "unnamed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: tc.secret, OwnerReferences: tc.owners}}
			s.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
			var want []reconcile.Request
			for _, n := range tc.want {
				want = append(want, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: "ns", Name: n}})
			}
			got := r.meetingOfJoinInfoSecret(context.Background(), s)
			if len(got) != len(want) {
				t.Fatalf("requests %v, want %v", got, want)
			}
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("requests %v, want %v", got, want)
				}
			}
		})
	}
}

// joinInfoWrites counts the writes a fake client receives, and can fail
// them.
type joinInfoWrites struct {
	writes int
	fail   error
}

func (w *joinInfoWrites) funcs() interceptor.Funcs {
	count := func() error { w.writes++; return w.fail }
	return interceptor.Funcs{
		Create: func(ctx context.Context, c client.WithWatch, o client.Object, opts ...client.CreateOption) error {
			if err := count(); err != nil {
				return err
			}
			return c.Create(ctx, o, opts...)
		},
		Update: func(ctx context.Context, c client.WithWatch, o client.Object, opts ...client.UpdateOption) error {
			if err := count(); err != nil {
				return err
			}
			return c.Update(ctx, o, opts...)
		},
		Patch: func(ctx context.Context, c client.WithWatch, o client.Object, p client.Patch, opts ...client.PatchOption) error {
			if err := count(); err != nil {
				return err
			}
			return c.Patch(ctx, o, p, opts...)
		},
		Delete: func(ctx context.Context, c client.WithWatch, o client.Object, opts ...client.DeleteOption) error {
			if err := count(); err != nil {
				return err
			}
			return c.Delete(ctx, o, opts...)
		},
	}
}

const joinInfoTestPasscode = "Zq7xW2"

func joinInfoMeeting() *teamsv1alpha1.OnlineMeeting {
	return &teamsv1alpha1.OnlineMeeting{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "standup", UID: "11111111-aaaa-4bbb-8ccc-222222222222"},
		Spec:       teamsv1alpha1.OnlineMeetingSpec{JoinInfoSecret: &teamsv1alpha1.JoinInfoSecretReference{Name: "join"}},
	}
}

func joinInfoGraphMeeting(joinURL string) *graph.OnlineMeeting {
	return &graph.OnlineMeeting{ID: "MSpzdGFuZHVw", JoinWebURL: joinURL,
		JoinMeetingIDSettings: &graph.JoinMeetingIDSettings{JoinMeetingID: "1234567890123", Passcode: joinInfoTestPasscode}}
}

func newJoinInfoReconciler(t *testing.T, w *joinInfoWrites, objs ...client.Object) (*OnlineMeetingReconciler, client.Client) {
	t.Helper()
	c := fake.NewClientBuilder().WithScheme(joinInfoScheme(t)).WithObjects(objs...).WithInterceptorFuncs(w.funcs()).Build()
	return &OnlineMeetingReconciler{Client: c, SecretMetadata: c}, c
}

func getJoinInfoSecret(t *testing.T, c client.Client) *corev1.Secret {
	t.Helper()
	s := &corev1.Secret{}
	if err := c.Get(context.Background(), client.ObjectKey{Namespace: "ns", Name: "join"}, s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSyncJoinInfoSecretCreatesItOnceAndWritesOnlyChanges(t *testing.T) {
	ctx := context.Background()
	m := joinInfoMeeting()
	w := &joinInfoWrites{}
	r, c := newJoinInfoReconciler(t, w, m)

	if missing, err := r.joinInfoSecretMissing(ctx, m); err != nil || !missing {
		t.Fatalf("before the first sync the Secret is missing=%v (%v), want true", missing, err)
	}
	if err := r.syncJoinInfoSecret(ctx, m, joinInfoGraphMeeting("https://join/1")); err != nil {
		t.Fatal(err)
	}
	s := getJoinInfoSecret(t, c)
	if w.writes != 1 || s.Type != corev1.SecretTypeOpaque || string(s.Data["passcode"]) != joinInfoTestPasscode || len(s.Data) != 8 {
		t.Fatalf("after %d writes the Secret is %s with %d keys", w.writes, s.Type, len(s.Data))
	}
	if !metav1.IsControlledBy(s, m) || s.Labels[joinInfoLabel] != "standup" {
		t.Fatalf("owners %v, labels %v: want m's controller reference and the label", s.OwnerReferences, s.Labels)
	}
	if missing, err := r.joinInfoSecretMissing(ctx, m); err != nil || missing {
		t.Fatalf("after the sync the Secret is missing=%v (%v), want false", missing, err)
	}

	// The same details again: no write at all (an identical update would
	// be a no-op at the apiserver too, which is why this is a unit test).
	if err := r.syncJoinInfoSecret(ctx, m, joinInfoGraphMeeting("https://join/1")); err != nil || w.writes != 1 {
		t.Fatalf("an unchanged sync wrote %d times (%v), want no write", w.writes-1, err)
	}

	// New details, a label someone removed, a key someone added: one update
	// puts them right and keeps what is not the operator's.
	s.Labels = map[string]string{"team": "blue"}
	s.Data["extra"] = []byte("x")
	if err := c.Update(ctx, s); err != nil {
		t.Fatal(err)
	}
	w.writes = 0
	if err := r.syncJoinInfoSecret(ctx, m, joinInfoGraphMeeting("https://join/2")); err != nil {
		t.Fatal(err)
	}
	s = getJoinInfoSecret(t, c)
	if w.writes != 1 || string(s.Data["joinWebUrl"]) != "https://join/2" || len(s.Data) != 8 ||
		s.Labels[joinInfoLabel] != "standup" || s.Labels["team"] != "blue" {
		t.Fatalf("after %d writes: joinWebUrl %q, %d keys, labels %v", w.writes, s.Data["joinWebUrl"], len(s.Data), s.Labels)
	}
}

func TestSyncJoinInfoSecretDoesNothingWithoutSpecJoinInfoSecret(t *testing.T) {
	m := joinInfoMeeting()
	m.Spec.JoinInfoSecret = nil
	w := &joinInfoWrites{}
	r, c := newJoinInfoReconciler(t, w, m)
	if err := r.syncJoinInfoSecret(context.Background(), m, joinInfoGraphMeeting("https://join/1")); err != nil || w.writes != 0 {
		t.Fatalf("%d writes (%v), want none", w.writes, err)
	}
	var list corev1.SecretList
	if err := c.List(context.Background(), &list); err != nil || len(list.Items) != 0 {
		t.Fatalf("%d Secrets (%v), want none", len(list.Items), err)
	}
	if missing, err := r.joinInfoSecretMissing(context.Background(), m); err != nil || missing {
		t.Fatalf("missing=%v (%v), want false: no Secret is asked for", missing, err)
	}
}

func TestSyncJoinInfoSecretLeavesASecretItDoesNotControlAlone(t *testing.T) {
	yes := true
	for _, tc := range []struct {
		name   string
		owners []metav1.OwnerReference
	}{
		{name: "no owner"},
		{name: "an earlier OnlineMeeting of the same name", owners: []metav1.OwnerReference{{APIVersion: "teams.meetings.dev/v1alpha1",
			Kind: "OnlineMeeting", Name: "standup", UID: "99999999-aaaa-4bbb-8ccc-222222222222", Controller: &yes}}},
		{name: "owned but not controlled", owners: []metav1.OwnerReference{{APIVersion: "teams.meetings.dev/v1alpha1",
			Kind: "OnlineMeeting", Name: "standup", UID: "11111111-aaaa-4bbb-8ccc-222222222222"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := joinInfoMeeting()
			foreign := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "join", OwnerReferences: tc.owners},
				Data: map[string][]byte{"password": []byte("theirs")}}
			w := &joinInfoWrites{}
			r, c := newJoinInfoReconciler(t, w, m, foreign)
			err := r.syncJoinInfoSecret(context.Background(), m, joinInfoGraphMeeting("https://join/1"))

			var st *stalledError
			if !errors.As(err, &st) || st.reason != teamsv1alpha1.ReasonSecretNotOwned || st.retry != retrySlowly {
				t.Fatalf("error %v, want a slowly retried SecretNotOwned stall", err)
			}
			for _, s := range []string{"Secret ns/join", "not owned by this OnlineMeeting", "spec.joinInfoSecret.name"} {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("message %q does not say %q", err, s)
				}
			}
			if strings.Contains(err.Error(), joinInfoTestPasscode) {
				t.Error("the message holds the passcode")
			}
			if s := getJoinInfoSecret(t, c); w.writes != 0 || string(s.Data["password"]) != "theirs" || len(s.Data) != 1 {
				t.Errorf("%d writes; the Secret now holds %v", w.writes, joinInfoKeys(s.Data))
			}
		})
	}
}

func TestSyncJoinInfoSecretErrorsNeverHoldThePasscode(t *testing.T) {
	m := joinInfoMeeting()
	// An admission webhook that echoes the object it refuses.
	echo := apierrors.NewForbidden(schema.GroupResource{Resource: "secrets"}, "join",
		errors.New(`denied: data.passcode "`+joinInfoTestPasscode+`" fails policy`))
	w := &joinInfoWrites{fail: echo}
	r, _ := newJoinInfoReconciler(t, w, m)
	err := r.syncJoinInfoSecret(context.Background(), m, joinInfoGraphMeeting("https://join/1"))
	if err == nil || strings.Contains(err.Error(), joinInfoTestPasscode) {
		t.Fatalf("error %v: want one without the passcode", err)
	}
	if !strings.Contains(err.Error(), "[redacted]") || !apierrors.IsForbidden(err) {
		t.Errorf("error %v: want the redacted message, still classed Forbidden", err)
	}
}
