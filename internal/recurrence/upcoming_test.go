package recurrence

import (
	"fmt"
	"slices"
	"testing"
)

func TestUpcoming(t *testing.T) {
	daily := Pattern{Type: Daily, Interval: 1}
	berlinDaily := meeting("2026-01-05T09:00:00", "Europe/Berlin", daily, noEnd) // 08:00–09:00 UTC in January
	numbered := meeting("2026-01-05T09:00:00", "Europe/Berlin", daily, Range{Type: Numbered, NumberOfOccurrences: 5})
	skipping := berlinDaily
	skipping.SkipDates = []string{"2026-01-08", "2026-01-09"}
	cases := []struct {
		name         string
		schedule     Schedule
		now          string
		n            int
		want         []string
		wantOrdinals []int
	}{{
		name: "before the series starts with the first occurrence", schedule: berlinDaily,
		now: "2025-12-01T00:00:00Z", n: 2,
		want: []string{"2026-01-05", "2026-01-06"}, wantOrdinals: []int{1, 2},
	}, {
		name: "an occurrence under way is included", schedule: berlinDaily,
		now: "2026-01-07T08:30:00Z", n: 2,
		want: []string{"2026-01-07", "2026-01-08"}, wantOrdinals: []int{3, 4},
	}, {
		name: "an occurrence ending at now is over", schedule: berlinDaily,
		now: "2026-01-07T09:00:00Z", n: 2,
		want: []string{"2026-01-08", "2026-01-09"}, wantOrdinals: []int{4, 5},
	}, {
		name: "skipped dates are left out but keep their ordinals", schedule: skipping,
		now: "2026-01-07T10:00:00Z", n: 2,
		want: []string{"2026-01-10", "2026-01-11"}, wantOrdinals: []int{6, 7},
	}, {
		name: "fewer when the series ends", schedule: numbered,
		now: "2026-01-08T08:30:00Z", n: 10,
		want: []string{"2026-01-08", "2026-01-09"}, wantOrdinals: []int{4, 5},
	}, {
		name: "none after the series ended", schedule: numbered,
		now: "2026-02-01T00:00:00Z", n: 10,
		want: []string{}, wantOrdinals: []int{},
	}, {
		// 36,520 days after the first occurrence.
		name: "far in the future on a series without end", schedule: berlinDaily,
		now: "2126-01-01T00:00:00Z", n: 3,
		want: []string{"2126-01-01", "2126-01-02", "2126-01-03"}, wantOrdinals: []int{36521, 36522, 36523},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.schedule.Upcoming(utc(t, tc.now), tc.n)
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

// Upcoming jumps to the period holding now instead of walking from the
// first occurrence: a century-old daily series asked for a year of meetings
// computes barely more occurrences than it returns.
func TestUpcomingFarInTheFutureComputesOnlyWhatItReturns(t *testing.T) {
	for _, p := range []Pattern{
		{Type: Daily, Interval: 1},
		{Type: Weekly, Interval: 2, DaysOfWeek: []string{"monday", "thursday"}},
	} {
		t.Run(p.Type, func(t *testing.T) {
			s := meeting("2026-01-05T09:00:00", "Europe/Berlin", p, noEnd)
			now := utc(t, "2126-01-01T00:00:00Z")
			sr, err := s.compile()
			if err != nil {
				t.Fatal(err)
			}
			var got []Occurrence
			scanned, err := sr.walk(dateIn(now.Add(-sr.length), sr.loc)-margin, func(o Occurrence) bool {
				if o.End.After(now) {
					got = append(got, o)
				}
				return len(got) < 52
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 52 || scanned > 52+2*margin+1 {
				t.Errorf("returned %d, computed %d occurrences; want 52 computing at most %d", len(got), scanned, 52+2*margin+1)
			}
			if got[0].Start.Before(now) || got[0].Start.After(now.AddDate(0, 0, 14)) {
				t.Errorf("first upcoming occurrence %s is not in the fortnight after %s", got[0].Start, now)
			}
		})
	}
}

// The jump to the period holding now must land where walking from the start
// arrives: compare Upcoming with the occurrences Between lists from the first
// one, for every pattern type, intervals above 1 and several nows.
func TestUpcomingAgreesWithWalkingFromTheStart(t *testing.T) {
	patterns := []Pattern{
		{Type: Daily, Interval: 3},
		{Type: Weekly, Interval: 3, DaysOfWeek: []string{"saturday", "tuesday", "wednesday"}, FirstDayOfWeek: "wednesday"},
		{Type: Weekly, Interval: 2, DaysOfWeek: []string{"sunday"}},
		{Type: AbsoluteMonthly, Interval: 5, DayOfMonth: 31},
		{Type: RelativeMonthly, Interval: 2, DaysOfWeek: []string{"saturday", "sunday"}, Index: "last"},
		{Type: AbsoluteYearly, Interval: 2, DayOfMonth: 29, Month: 2},
		{Type: RelativeYearly, Interval: 1, DaysOfWeek: []string{"monday"}, Index: "third", Month: 1},
	}
	nows := []string{"2025-06-01T00:00:00Z", "2026-03-29T07:30:00Z", "2027-02-28T12:00:00Z", "2031-10-26T00:00:00Z", "2040-01-01T00:00:00Z"}
	for _, p := range patterns {
		s := meeting("2026-03-04T09:00:00", "Europe/Berlin", p, Range{Type: EndDate, EndDate: "2042-01-01"})
		s.End.DateTime = "2026-03-04T20:00:00"
		all, err := s.Between(utc(t, "2026-01-01T00:00:00Z"), utc(t, "2043-01-01T00:00:00Z"))
		if err != nil {
			t.Fatal(err)
		}
		for _, now := range nows {
			t.Run(fmt.Sprintf("%s/%d/%s", p.Type, p.Interval, now), func(t *testing.T) {
				got, err := s.Upcoming(utc(t, now), 4)
				if err != nil {
					t.Fatal(err)
				}
				var want []Occurrence
				for _, o := range all {
					if o.End.After(utc(t, now)) && len(want) < 4 {
						want = append(want, o)
					}
				}
				if !slices.Equal(got, want) {
					t.Errorf("Upcoming = %v (%v), walking gives %v (%v)", datesOf(got), ordinalsOf(got), datesOf(want), ordinalsOf(want))
				}
			})
		}
	}
}

func TestUpcomingRefusesMoreThanMaxOccurrences(t *testing.T) {
	s := meeting("2026-01-05T09:00:00", "Europe/Berlin", Pattern{Type: Daily, Interval: 1}, noEnd)
	if _, err := s.Upcoming(utc(t, "2026-01-01T00:00:00Z"), MaxOccurrences+1); err == nil {
		t.Error("Upcoming accepted more than MaxOccurrences")
	}
}

func TestBetweenRefusesAWindowWithTooManyOccurrences(t *testing.T) {
	s := meeting("2026-01-05T09:00:00", "Europe/Berlin", Pattern{Type: Daily, Interval: 1}, noEnd)
	_, err := s.Between(utc(t, "2026-01-01T00:00:00Z"), utc(t, "2126-01-01T00:00:00Z"))
	if err != ErrTooManyOccurrences {
		t.Errorf("err = %v, want ErrTooManyOccurrences", err)
	}
}
