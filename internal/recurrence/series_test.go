package recurrence

import "testing"

// firstOnOrAfter is what lets Upcoming skip decades of a series; the margin
// Upcoming walks with would hide an estimate off by a period, so it is held
// to its exact contract here: for every date d, occurrence k is the first
// on or after d.
func TestFirstOnOrAfterFindsTheFirstOccurrenceOnOrAfterADate(t *testing.T) {
	patterns := []Pattern{
		{Type: Daily, Interval: 1},
		{Type: Daily, Interval: 7},
		{Type: Weekly, Interval: 1, DaysOfWeek: []string{"friday"}},
		{Type: Weekly, Interval: 3, DaysOfWeek: []string{"saturday", "tuesday", "wednesday"}, FirstDayOfWeek: "wednesday"},
		{Type: AbsoluteMonthly, Interval: 1, DayOfMonth: 30},
		{Type: AbsoluteMonthly, Interval: 5, DayOfMonth: 31},
		{Type: RelativeMonthly, Interval: 2, DaysOfWeek: []string{"saturday", "sunday"}, Index: "last"},
		{Type: AbsoluteYearly, Interval: 2, DayOfMonth: 29, Month: 2},
		{Type: RelativeYearly, Interval: 1, DaysOfWeek: []string{"monday"}, Index: "third", Month: 1},
	}
	for _, p := range patterns {
		sr, err := meeting("2026-03-04T09:00:00", "Europe/Berlin", p, noEnd).compile()
		if err != nil {
			t.Fatal(err)
		}
		check := func(d date) {
			k := sr.firstOnOrAfter(d)
			if sr.dateAt(k) < d || (k > 0 && sr.dateAt(k-1) >= d) {
				t.Errorf("%s/%d: firstOnOrAfter(%s) = %d (%s, after %s)", p.Type, p.Interval, d, k, sr.dateAt(k), sr.dateAt(k-1))
			}
		}
		for d := sr.anchor - 10; d < sr.anchor+4*366; d++ {
			check(d)
		}
		for d := sr.anchor + 40_000; d < sr.anchor+40_800; d++ {
			check(d)
		}
	}
}
