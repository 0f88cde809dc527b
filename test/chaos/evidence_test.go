package main

import (
	"os"
	"path/filepath"
	"testing"

	. "github.com/onsi/gomega"
)

func TestEvidenceTellsTheStoryOfTheResourcesAViolationNames(t *testing.T) {
	g := NewWithT(t)
	dir := t.TempDir()
	log := filepath.Join(dir, "manager-0.log")
	g.Expect(os.WriteFile(log, []byte(`{"ts":"2026-01-01T00:00:02Z","msg":"Deleted meeting","namespace":"chaos-2","name":"chaos-00020","meetingId":"B"}
not json, "chaos-00020"
{"ts":"2026-01-01T00:00:01Z","msg":"Reconciler error","namespace":"chaos-2","name":"chaos-00020","error":"Delete: 503","stacktrace":"long"}
{"ts":"2026-01-01T00:00:01Z","msg":"Created meeting","namespace":"chaos-1","name":"chaos-00020","meetingId":"other namespace"}
`), 0o600)).To(Succeed())
	out := evidence([]string{"chaos-2/chaos-00020 (Delete): Graph holds 2 meetings", "the scan failed"}, []string{log}, 3, 40)
	g.Expect(out).To(ContainSubstring("about chaos-2/chaos-00020 (2 lines)"))
	g.Expect(out).To(MatchRegexp(`(?s)00:00:01Z manager-0.log: Reconciler error error=Delete: 503\n.*00:00:02Z manager-0.log: Deleted meeting meetingId=B`))
	g.Expect(out).NotTo(ContainSubstring("stacktrace"))
	g.Expect(out).NotTo(ContainSubstring("other namespace"))
}
