package recurrence

import (
	"slices"
	"testing"
)

// Occurrences keep their wall-clock time, so their UTC time moves with
// daylight saving; wall times a change skips or repeats resolve the same way
// in every zone.
func TestOccurrencesKeepWallClockTimeAcrossDaylightSaving(t *testing.T) {
	daily := Pattern{Type: Daily, Interval: 1}
	cases := []struct {
		name     string
		start    string
		zone     string
		from, to string
		want     []string
	}{{
		name: "Berlin 09:00 across the last Sunday of March", start: "2026-03-27T09:00:00", zone: "Europe/Berlin",
		from: "2026-03-27T00:00:00Z", to: "2026-03-31T00:00:00Z",
		want: []string{"2026-03-27T08:00:00Z", "2026-03-28T08:00:00Z", "2026-03-29T07:00:00Z", "2026-03-30T07:00:00Z"},
	}, {
		name: "Berlin 09:00 across the last Sunday of October", start: "2026-10-24T09:00:00", zone: "Europe/Berlin",
		from: "2026-10-24T00:00:00Z", to: "2026-10-27T00:00:00Z",
		want: []string{"2026-10-24T07:00:00Z", "2026-10-25T08:00:00Z", "2026-10-26T08:00:00Z"},
	}, {
		name: "Windows name W. Europe Standard Time behaves as Berlin", start: "2026-03-28T09:00:00", zone: "W. Europe Standard Time",
		from: "2026-03-28T00:00:00Z", to: "2026-03-30T00:00:00Z",
		want: []string{"2026-03-28T08:00:00Z", "2026-03-29T07:00:00Z"},
	}, {
		name: "New York 09:00 across the second Sunday of March", start: "2026-03-07T09:00:00", zone: "America/New_York",
		from: "2026-03-07T00:00:00Z", to: "2026-03-09T00:00:00Z",
		want: []string{"2026-03-07T14:00:00Z", "2026-03-08T13:00:00Z"},
	}, {
		name: "Eastern Standard Time 09:00 across the first Sunday of November", start: "2026-10-31T09:00:00", zone: "Eastern Standard Time",
		from: "2026-10-31T00:00:00Z", to: "2026-11-02T00:00:00Z",
		want: []string{"2026-10-31T13:00:00Z", "2026-11-01T14:00:00Z"},
	}, {
		// 02:30 does not exist on 2026-03-29 in Berlin: it becomes 03:30 CEST.
		name: "Berlin 02:30 on the spring-forward night moves forward", start: "2026-03-28T02:30:00", zone: "Europe/Berlin",
		from: "2026-03-27T00:00:00Z", to: "2026-03-31T00:00:00Z",
		want: []string{"2026-03-28T01:30:00Z", "2026-03-29T01:30:00Z", "2026-03-30T00:30:00Z"},
	}, {
		// time.Date would make this 01:30 EST; we move forward to 03:30 EDT.
		name: "New York 02:30 on the spring-forward night moves forward", start: "2026-03-07T02:30:00", zone: "America/New_York",
		from: "2026-03-07T00:00:00Z", to: "2026-03-10T00:00:00Z",
		want: []string{"2026-03-07T07:30:00Z", "2026-03-08T07:30:00Z", "2026-03-09T06:30:00Z"},
	}, {
		// 02:30 happens twice on 2026-10-25 in Berlin: the first is 02:30 CEST.
		name: "Berlin 02:30 on the fall-back night is the first 02:30", start: "2026-10-24T02:30:00", zone: "Europe/Berlin",
		from: "2026-10-23T00:00:00Z", to: "2026-10-27T00:00:00Z",
		want: []string{"2026-10-24T00:30:00Z", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"},
	}, {
		name: "New York 01:30 on the fall-back night is the first 01:30", start: "2026-10-31T01:30:00", zone: "America/New_York",
		from: "2026-10-31T00:00:00Z", to: "2026-11-03T00:00:00Z",
		want: []string{"2026-10-31T05:30:00Z", "2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := meeting(tc.start, tc.zone, daily, noEnd).Between(utc(t, tc.from), utc(t, tc.to))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(startsOf(got), tc.want) {
				t.Errorf("starts = %v, want %v", startsOf(got), tc.want)
			}
		})
	}
}
