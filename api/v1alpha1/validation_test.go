package v1alpha1_test

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	teamsv1alpha1 "github.com/onlinemeeting-operator/onlinemeeting-operator/api/v1alpha1"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/testenv"
)

// These tests hold the CRD's admission rules to a real kube-apiserver: the
// rules live in the CRD's schema and CEL, so only the apiserver can prove
// them.

var env *testenv.Environment

func TestMain(m *testing.M) { os.Exit(testenv.Run(m, &env)) }

// manifests lists the YAML files in a folder, relative to the repository.
func manifests(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(testenv.RepoRoot(), dir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range files {
		if filepath.Base(f) != "kustomization.yaml" {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no manifests in %s", dir)
	}
	return out
}

// expectedMessage reads the "# expect: ..." line an invalid manifest starts with.
func expectedMessage(t *testing.T, file string) string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if msg, ok := strings.CutPrefix(sc.Text(), "# expect: "); ok {
			return msg
		}
	}
	t.Fatalf("%s has no '# expect: <message>' line", file)
	return ""
}

func TestInvalidManifestsAreRefusedWithAMessageNamingTheField(t *testing.T) {
	ns := env.Namespace(t)
	for _, file := range manifests(t, "test/testdata/invalid") {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".yaml"), func(t *testing.T) {
			g := NewWithT(t)
			want := expectedMessage(t, file)
			_, stderr, err := env.Kubectl("apply", "-n", ns, "-f", file)
			g.Expect(err).To(HaveOccurred(), "kubectl apply accepted an invalid manifest")
			g.Expect(stderr).To(ContainSubstring(want))
		})
	}
}

func TestSamplesAndValidManifestsAreAcceptedAsWritten(t *testing.T) {
	ns := env.Namespace(t)
	files := append(manifests(t, "config/samples"), manifests(t, "test/testdata/valid")...)
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".yaml"), func(t *testing.T) {
			g := NewWithT(t)
			_, stderr, err := env.Kubectl("apply", "-n", ns, "-f", file)
			g.Expect(err).NotTo(HaveOccurred(), stderr)

			// The apiserver keeps the times exactly as written: seven
			// fractional digits and +00:00 offsets survive, so a GitOps
			// tool never sees a diff.
			raw, err := os.ReadFile(file)
			g.Expect(err).NotTo(HaveOccurred())
			var want teamsv1alpha1.OnlineMeeting
			g.Expect(yaml.Unmarshal(raw, &want)).To(Succeed())
			if want.Kind != "OnlineMeeting" {
				return // a connection sample: accepted is all it has to be
			}
			var got teamsv1alpha1.OnlineMeeting
			g.Expect(env.Client.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: want.Name}, &got)).To(Succeed())
			g.Expect(got.Spec.StartDateTime).To(Equal(want.Spec.StartDateTime))
			g.Expect(got.Spec.EndDateTime).To(Equal(want.Spec.EndDateTime))
			g.Expect(got.Spec.ExternalID).To(Equal(want.Spec.ExternalID))
			g.Expect(got.Spec.Participants).To(Equal(want.Spec.Participants))
			g.Expect(got.Spec.ChatInfo).To(Equal(want.Spec.ChatInfo))
		})
	}
}

func TestShortNameAndCategoryList(t *testing.T) {
	g := NewWithT(t)
	ns := env.Namespace(t)
	_, stderr, err := env.Kubectl("apply", "-n", ns, "-f", filepath.Join(testenv.RepoRoot(), "config", "samples", "teams_v1alpha1_onlinemeeting.yaml"))
	g.Expect(err).NotTo(HaveOccurred(), stderr)
	for _, resource := range []string{"om", "meetings", "onlinemeetings"} {
		out, stderr, err := env.Kubectl("get", resource, "-n", ns, "-o", "name")
		g.Expect(err).NotTo(HaveOccurred(), stderr)
		g.Expect(out).To(ContainSubstring("onlinemeeting.teams.meetings.dev/platform-weekly-sync"), "kubectl get %s", resource)
	}
}

func newMeeting(ns, name string) *teamsv1alpha1.OnlineMeeting {
	return &teamsv1alpha1.OnlineMeeting{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: teamsv1alpha1.OnlineMeetingSpec{
			ExternalID: name,
			Organizer:  teamsv1alpha1.Organizer{UserID: "5f1d3a44-8c1e-4e8b-9a2f-6c1f0d9e2b71"},
			Subject:    "Immutability",
		},
	}
}

func TestDeletionPolicyDefaultsToDelete(t *testing.T) {
	g := NewWithT(t)
	m := newMeeting(env.Namespace(t), "defaulted")
	g.Expect(env.Client.Create(t.Context(), m)).To(Succeed())
	g.Expect(m.Spec.DeletionPolicy).To(Equal(teamsv1alpha1.DeletionPolicyDelete))
}

func TestIdentityFieldsAreImmutable(t *testing.T) {
	tests := []struct {
		name   string
		change func(*teamsv1alpha1.OnlineMeetingSpec)
		want   string
	}{
		{"externalId", func(s *teamsv1alpha1.OnlineMeetingSpec) { s.ExternalID = "another" }, "externalId is immutable"},
		{"organizer", func(s *teamsv1alpha1.OnlineMeetingSpec) {
			s.Organizer.UserID = "0c6b1e2a-3f4d-4a5b-8c7d-9e0f1a2b3c4d"
		}, "organizer is immutable"},
	}
	ns := env.Namespace(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			m := newMeeting(ns, strings.ToLower(tt.name))
			g.Expect(env.Client.Create(t.Context(), m)).To(Succeed())
			tt.change(&m.Spec)
			err := env.Client.Update(t.Context(), m)
			g.Expect(err).To(HaveOccurred())
			g.Expect(err.Error()).To(ContainSubstring(tt.want))
		})
	}
}

func TestMutableFieldsCanChange(t *testing.T) {
	g := NewWithT(t)
	m := newMeeting(env.Namespace(t), "mutable")
	g.Expect(env.Client.Create(t.Context(), m)).To(Succeed())
	m.Spec.Subject = "Renamed"
	m.Spec.StartDateTime = "2026-12-01T09:00:00Z"
	m.Spec.EndDateTime = "2026-12-01T10:00:00Z"
	m.Spec.DeletionPolicy = teamsv1alpha1.DeletionPolicyOrphan
	g.Expect(env.Client.Update(t.Context(), m)).To(Succeed())
}
