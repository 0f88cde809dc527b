package v1alpha1_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/recurrence"
	"github.com/onlinemeeting-operator/onlinemeeting-operator/internal/testenv"
)

// The admission rule on time zones lists the Windows names the controller
// maps: a name the controller knows must not be refused at apply, and one
// it does not know must not pass.
func TestTimeZoneRuleListsExactlyTheWindowsNamesTheControllerKnows(t *testing.T) {
	crd, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "config", "crd", "bases", "teams.meetings.dev_meetingschedules.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(string(crd)), " ")
	names := recurrence.WindowsZoneNames()
	if len(names) < 100 {
		t.Fatalf("only %d Windows zone names", len(names))
	}
	for _, n := range names {
		if !strings.Contains(text, "''"+n+"''") && !strings.Contains(text, "'"+n+"'") {
			t.Errorf("the CRD's timeZone rule does not list %q", n)
		}
	}
	if got, want := strings.Count(text, "Standard Time'"), 2*strings.Count(strings.Join(names, "|")+"|", "Standard Time|"); got < want {
		t.Errorf("the CRD lists %d Standard Time names, want at least %d", got, want)
	}
}
