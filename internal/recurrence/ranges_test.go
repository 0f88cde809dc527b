package recurrence

import (
	"slices"
	"testing"
)

func TestBetweenStaysWithinTheRange(t *testing.T) {
	daily := Pattern{Type: Daily, Interval: 1}
	cases := []struct {
		name         string
		schedule     Schedule
		want         []string
		wantOrdinals []int
	}{{
		name:         "numbered stops after numberOfOccurrences",
		schedule:     meeting("2026-01-05T09:00:00", "Europe/Berlin", daily, Range{Type: Numbered, NumberOfOccurrences: 3}),
		want:         []string{"2026-01-05", "2026-01-06", "2026-01-07"},
		wantOrdinals: []int{1, 2, 3},
	}, {
		name:         "endDate includes the end date",
		schedule:     meeting("2026-01-05T09:00:00", "Europe/Berlin", daily, Range{Type: EndDate, StartDate: "2026-01-05", EndDate: "2026-01-07"}),
		want:         []string{"2026-01-05", "2026-01-06", "2026-01-07"},
		wantOrdinals: []int{1, 2, 3},
	}, {
		name: "skipped dates still count toward numberOfOccurrences",
		schedule: func() Schedule {
			s := meeting("2026-01-05T09:00:00", "Europe/Berlin", daily, Range{Type: Numbered, NumberOfOccurrences: 5})
			s.SkipDates = []string{"2026-01-06", "2026-01-08", "2026-03-01"}
			return s
		}(),
		want:         []string{"2026-01-05", "2026-01-07", "2026-01-09"},
		wantOrdinals: []int{1, 3, 5},
	}, {
		// 08:00 in Tokyo is 23:00 UTC the day before: in UTC the range runs
		// from the 4th through the 6th, which ends with Tokyo's 7th.
		name: "range dates are read in recurrenceTimeZone",
		schedule: meeting("2026-01-05T08:00:00", "Asia/Tokyo", daily,
			Range{Type: EndDate, StartDate: "2026-01-04", EndDate: "2026-01-06", RecurrenceTimeZone: "UTC"}),
		want:         []string{"2026-01-05", "2026-01-06", "2026-01-07"},
		wantOrdinals: []int{1, 2, 3},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.schedule.Between(utc(t, "2025-01-01T00:00:00Z"), utc(t, "2027-01-01T00:00:00Z"))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(datesOf(got), tc.want) {
				t.Errorf("dates = %v, want %v", datesOf(got), tc.want)
			}
			if !slices.Equal(ordinalsOf(got), tc.wantOrdinals) {
				t.Errorf("ordinals = %v, want %v", ordinalsOf(got), tc.wantOrdinals)
			}
		})
	}
}

// Graph's example: every Monday from 2017-09-04 until the end of the year;
// "Because December 31, 2017, is on a Sunday, the last occurrence in this
// series will be on Monday, December 25."
func TestEndDateRangeEndsWithTheLastFittingDate(t *testing.T) {
	s := meeting("2017-09-04T13:00:00", "Pacific Standard Time",
		Pattern{Type: Weekly, Interval: 1, DaysOfWeek: []string{"Monday"}},
		Range{Type: EndDate, StartDate: "2017-09-04", EndDate: "2017-12-31"})
	got, err := s.Between(utc(t, "2017-01-01T00:00:00Z"), utc(t, "2019-01-01T00:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 17 || got[0].Date != "2017-09-04" || got[16].Date != "2017-12-25" {
		t.Errorf("got %d occurrences %v, want 17 from 2017-09-04 to 2017-12-25", len(got), datesOf(got))
	}
}
