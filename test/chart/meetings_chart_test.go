package chart

import (
	"regexp"
	"testing"
)

var guid = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// onlineMeeting mirrors the spec fields of api/v1alpha1 that the example
// chart writes. decodeInto decodes strictly, so a field name the API does
// not have fails the test; the operator's module is not imported, to keep
// this module's dependencies apart from it.
type onlineMeeting struct {
	APIVersion string         `json:"apiVersion"`
	Kind       string         `json:"kind"`
	Metadata   map[string]any `json:"metadata"`
	Spec       struct {
		ExternalID string `json:"externalId"`
		Organizer  struct {
			UserID string `json:"userId"`
		} `json:"organizer"`
		Subject       string `json:"subject,omitempty"`
		StartDateTime string `json:"startDateTime,omitempty"`
		EndDateTime   string `json:"endDateTime,omitempty"`
		Participants  *struct {
			Attendees []struct {
				Identity *struct {
					User *struct {
						ID          string `json:"id,omitempty"`
						DisplayName string `json:"displayName,omitempty"`
					} `json:"user,omitempty"`
				} `json:"identity,omitempty"`
				UPN  string `json:"upn,omitempty"`
				Role string `json:"role,omitempty"`
			} `json:"attendees,omitempty"`
		} `json:"participants,omitempty"`
		DeletionPolicy string `json:"deletionPolicy,omitempty"`
	} `json:"spec"`
}

func TestMeetingsChartRendersValidOnlineMeetings(t *testing.T) {
	objs := renderObjects(t, meetingsChartDir(t), "")
	meetings := objs.ofKind("OnlineMeeting")
	if len(meetings) != 2 || len(objs) != 2 {
		t.Fatalf("want the 2 meetings of values.yaml and nothing else, rendered %d objects", len(objs))
	}
	for _, u := range meetings {
		var m onlineMeeting
		decodeInto(t, u, &m)
		if m.APIVersion != "teams.meetings.dev/v1alpha1" {
			t.Errorf("%s: apiVersion %q", u.GetName(), m.APIVersion)
		}
		if m.Spec.ExternalID == "" {
			t.Errorf("%s: no spec.externalId", u.GetName())
		}
		if !guid.MatchString(m.Spec.Organizer.UserID) {
			t.Errorf("%s: spec.organizer.userId %q is not a GUID", u.GetName(), m.Spec.Organizer.UserID)
		}
		if p := m.Spec.DeletionPolicy; p != "Delete" && p != "Orphan" {
			t.Errorf("%s: deletionPolicy %q", u.GetName(), p)
		}
		if m.Spec.EndDateTime != "" && m.Spec.StartDateTime == "" {
			t.Errorf("%s: endDateTime without startDateTime", u.GetName())
		}
		if m.Spec.Participants != nil {
			for i, a := range m.Spec.Participants.Attendees {
				if a.UPN == "" && (a.Identity == nil || a.Identity.User == nil || a.Identity.User.ID == "") {
					t.Errorf("%s: attendee %d has neither upn nor identity.user.id", u.GetName(), i)
				}
				switch a.Role {
				case "attendee", "presenter", "producer", "coorganizer":
				default:
					t.Errorf("%s: attendee %d has role %q", u.GetName(), i, a.Role)
				}
			}
		}
	}
	var sync onlineMeeting
	for _, u := range meetings {
		if u.GetName() == "platform-weekly-sync" {
			decodeInto(t, u, &sync)
		}
	}
	if sync.Spec.Subject != "Platform team weekly sync" || sync.Spec.Participants == nil || len(sync.Spec.Participants.Attendees) != 2 {
		t.Errorf("platform-weekly-sync rendered as %+v", sync.Spec)
	}
}

func TestMeetingsChartRequiresExternalID(t *testing.T) {
	_, err := render(t, meetingsChartDir(t), "meetings: [{name: no-key}]")
	if err == nil {
		t.Fatal("a meeting without externalId rendered")
	}
}
