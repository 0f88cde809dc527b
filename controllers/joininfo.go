package controllers

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/graph"
)

// The join Secret (spec.joinInfoSecret) is the only place the passcode is
// written: never status, an Event, a log line or an error message. Its
// data is read live and never cached; the manager caches Secrets as
// metadata only, which is enough to notice one deleted by hand.

// get, list and watch on Secrets are granted beside the connections'.
// +kubebuilder:rbac:groups="",resources=secrets,verbs=create;update;patch

// joinInfoLabel names, on a join Secret, the OnlineMeeting it holds the
// join details of, for people and `kubectl get -l`. The operator trusts
// the controller owner reference, never the label.
const joinInfoLabel = "teams.meetings.dev/join-info-of"

// The keys of a join Secret, as spec.joinInfoSecret documents them.
const (
	joinInfoKeyJoinWebURL     = "joinWebUrl"
	joinInfoKeyJoinMeetingID  = "joinMeetingId"
	joinInfoKeyPasscode       = "passcode"
	joinInfoKeyConferenceID   = "conferenceId"
	joinInfoKeyTollNumber     = "tollNumber"
	joinInfoKeyTollFreeNumber = "tollFreeNumber"
	joinInfoKeyDialinURL      = "dialinUrl"
	joinInfoKeyMeetingID      = "meetingId"
)

// onlineMeetingKind is the kind owner references name.
const onlineMeetingKind = "OnlineMeeting"

// joinInfoData is what the join Secret of a meeting holds: always the same
// eight keys, with "" for what Graph did not give (audio conferencing
// needs a licence), so an app that mounts the Secret finds every file.
func joinInfoData(meeting *graph.OnlineMeeting) map[string][]byte {
	var joinID, passcode string
	if s := meeting.JoinMeetingIDSettings; s != nil {
		joinID, passcode = s.JoinMeetingID, s.Passcode
	}
	var audio graph.AudioConferencing
	if a := meeting.AudioConferencing; a != nil {
		audio = *a
	}
	return map[string][]byte{
		joinInfoKeyJoinWebURL:     []byte(meeting.JoinWebURL),
		joinInfoKeyJoinMeetingID:  []byte(joinID),
		joinInfoKeyPasscode:       []byte(passcode),
		joinInfoKeyConferenceID:   []byte(audio.ConferenceID),
		joinInfoKeyTollNumber:     []byte(audio.TollNumber),
		joinInfoKeyTollFreeNumber: []byte(audio.TollFreeNumber),
		joinInfoKeyDialinURL:      []byte(audio.DialinURL),
		joinInfoKeyMeetingID:      []byte(meeting.ID),
	}
}

// joinInfoLabelValue is the meeting's name when it is a valid label value
// (at most 63 characters), else its UID, which always is.
func joinInfoLabelValue(m *teamsv1alpha1.OnlineMeeting) string {
	if len(validation.IsValidLabelValue(m.Name)) == 0 {
		return m.Name
	}
	return string(m.UID)
}

// syncJoinInfoSecret makes the Secret spec.joinInfoSecret names hold the
// join details of meeting (nil: nothing is known to write), owned by m. It
// creates the Secret when it is missing and writes it only when its data,
// label or owner differ. A Secret m does not control is never touched:
// that is a SecretNotOwned stall, which a person resolves.
func (r *OnlineMeetingReconciler) syncJoinInfoSecret(ctx context.Context, m *teamsv1alpha1.OnlineMeeting, meeting *graph.OnlineMeeting) error {
	if m.Spec.JoinInfoSecret == nil || meeting == nil {
		return nil
	}
	key := client.ObjectKey{Namespace: m.Namespace, Name: m.Spec.JoinInfoSecret.Name}
	data := joinInfoData(meeting)
	passcode := string(data[joinInfoKeyPasscode])
	logger := log.FromContext(ctx).WithValues("secret", key.Name)

	// A live read: the manager's client bypasses its cache for Secrets
	// (operator.ClientOptions), so no informer holds their data, and the
	// decision below is never made on a stale copy.
	s := &corev1.Secret{}
	err := r.Get(ctx, key, s)
	if apierrors.IsNotFound(err) {
		s = &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name}, Type: corev1.SecretTypeOpaque}
		if _, err := r.setJoinInfo(s, m, data); err != nil {
			return err
		}
		if err := r.Create(ctx, s); err != nil {
			return withoutPasscode(fmt.Errorf("creating join Secret %s: %w", key, err), passcode)
		}
		logger.Info("Created join Secret")
		return nil
	}
	if err != nil {
		return withoutPasscode(fmt.Errorf("reading join Secret %s: %w", key, err), passcode)
	}
	if !metav1.IsControlledBy(s, m) {
		return stalled(teamsv1alpha1.ReasonSecretNotOwned, retrySlowly,
			"Secret %s exists and is not owned by this OnlineMeeting, so the join details are not written into it. Delete it, or choose another spec.joinInfoSecret.name.", key)
	}
	if !s.DeletionTimestamp.IsZero() {
		// Its deletion brings the meeting back through the watch, and the
		// Secret is created again then.
		logger.V(1).Info("Join Secret is being deleted; it is created again once it is gone")
		return nil
	}
	changed, err := r.setJoinInfo(s, m, data)
	if err != nil || !changed {
		return err
	}
	// Update, not patch: the resourceVersion of the read makes a write
	// that raced with someone else's fail instead of undoing it.
	if err := r.Update(ctx, s); err != nil {
		return withoutPasscode(fmt.Errorf("updating join Secret %s: %w", key, err), passcode)
	}
	logger.Info("Updated join Secret")
	return nil
}

// setJoinInfo makes s hold data, the label and m's controller reference,
// and reports whether that changed s. Other labels, annotations and owners
// are left as they are. The type is not touched: it is immutable, and the
// operator creates its Secrets Opaque.
func (r *OnlineMeetingReconciler) setJoinInfo(s *corev1.Secret, m *teamsv1alpha1.OnlineMeeting, data map[string][]byte) (bool, error) {
	changed := !sameData(s.Data, data)
	s.Data, s.StringData = data, nil
	if want := joinInfoLabelValue(m); s.Labels[joinInfoLabel] != want {
		if s.Labels == nil {
			s.Labels = map[string]string{}
		}
		s.Labels[joinInfoLabel] = want
		changed = true
	}
	owners := append([]metav1.OwnerReference(nil), s.OwnerReferences...)
	// Deletion with the OnlineMeeting is Kubernetes' garbage collection,
	// through this reference.
	if err := controllerutil.SetControllerReference(m, s, r.Scheme()); err != nil {
		return false, err
	}
	return changed || !equality.Semantic.DeepEqual(owners, s.OwnerReferences), nil
}

// sameData compares Secret data key by key; a missing value and "" differ,
// nil and empty values do not (the apiserver returns either).
func sameData(a, b map[string][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for k, va := range a {
		vb, ok := b[k]
		if !ok || !bytes.Equal(va, vb) {
			return false
		}
	}
	return true
}

// joinInfoSecretMissing is true when spec.joinInfoSecret names a Secret
// that does not exist, as the manager's metadata-only cache of Secrets
// (r.SecretMetadata) sees it: the reconciler then reads the meeting from
// Graph even between resyncs, as the passcode is only there. Without the
// reader a Secret deleted by hand comes back at the next resync.
func (r *OnlineMeetingReconciler) joinInfoSecretMissing(ctx context.Context, m *teamsv1alpha1.OnlineMeeting) (bool, error) {
	if m.Spec.JoinInfoSecret == nil || r.SecretMetadata == nil {
		return false, nil
	}
	return secretMissing(ctx, r.SecretMetadata, client.ObjectKey{Namespace: m.Namespace, Name: m.Spec.JoinInfoSecret.Name})
}

// secretMissing reads only the metadata of the Secret key through
// secrets, and reports whether it does not exist.
func secretMissing(ctx context.Context, secrets client.Reader, key client.ObjectKey) (bool, error) {
	meta := &metav1.PartialObjectMetadata{}
	meta.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
	err := secrets.Get(ctx, key, meta)
	if apierrors.IsNotFound(err) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("reading the metadata of join Secret %s: %w", key, err)
	}
	return false, nil
}

// joinInfoSecretGone passes only the deletion of a Secret: the operator
// reacts to a join Secret deleted by hand, and to the deletion of a
// Secret that stood in the way of one. Creations and updates are its own
// writes or are repaired at the next resync.
var joinInfoSecretGone = predicate.Funcs{
	CreateFunc:  func(event.CreateEvent) bool { return false },
	UpdateFunc:  func(event.UpdateEvent) bool { return false },
	DeleteFunc:  func(event.DeleteEvent) bool { return true },
	GenericFunc: func(event.GenericEvent) bool { return false },
}

// meetingOfJoinInfoSecret maps a deleted Secret (metadata only) to the
// OnlineMeetings that care: the one its controller reference names (by
// name, not UID, so a meeting recreated under the same name is woken when
// the garbage collector removes its predecessor's Secret), and those in
// its namespace whose spec.joinInfoSecret names it, so a meeting stalled
// on a Secret it does not own goes on as soon as that Secret is deleted
// rather than at its next slow retry.
func (r *OnlineMeetingReconciler) meetingOfJoinInfoSecret(ctx context.Context, o client.Object) []reconcile.Request {
	var out []reconcile.Request
	seen := map[string]bool{}
	add := func(name string) {
		if !seen[name] {
			seen[name] = true
			out = append(out, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: o.GetNamespace(), Name: name}})
		}
	}
	if name, ok := controllingMeeting(o); ok {
		add(name)
	}
	var list teamsv1alpha1.OnlineMeetingList
	// Read-only use of the cache: no deep copy of every meeting in the
	// namespace for each deleted Secret.
	if err := r.List(ctx, &list, client.InNamespace(o.GetNamespace()), client.UnsafeDisableDeepCopy); err != nil {
		log.FromContext(ctx).Error(err, "Listing the OnlineMeetings that may name a deleted Secret", "namespace", o.GetNamespace())
		return out
	}
	for i := range list.Items {
		if ref := list.Items[i].Spec.JoinInfoSecret; ref != nil && ref.Name == o.GetName() {
			add(list.Items[i].Name)
		}
	}
	return out
}

// controllingMeeting is the name of the OnlineMeeting that controls o, if
// one does.
func controllingMeeting(o client.Object) (string, bool) {
	ref := metav1.GetControllerOfNoCopy(o)
	if ref == nil || ref.Kind != onlineMeetingKind {
		return "", false
	}
	gv, err := schema.ParseGroupVersion(ref.APIVersion)
	if err != nil || gv.Group != teamsv1alpha1.GroupVersion.Group {
		return "", false
	}
	return ref.Name, true
}

// passcodeHiddenError is an error whose message has the passcode cut out:
// an apiserver or an admission webhook may echo the Secret it refused. It
// unwraps to the original, so errors.As still finds the error's class;
// only its message is shown anywhere.
type passcodeHiddenError struct {
	msg string
	err error
}

func (e *passcodeHiddenError) Error() string { return e.msg }
func (e *passcodeHiddenError) Unwrap() error { return e.err }

// withoutPasscode hides passcode from err's message.
func withoutPasscode(err error, passcode string) error {
	if err == nil || passcode == "" || !strings.Contains(err.Error(), passcode) {
		return err
	}
	return &passcodeHiddenError{msg: strings.ReplaceAll(err.Error(), passcode, "[redacted]"), err: err}
}
