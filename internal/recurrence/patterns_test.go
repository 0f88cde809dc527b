package recurrence

import (
	"slices"
	"testing"
)

var noEnd = Range{Type: NoEnd}

func TestBetweenFollowsEachPatternType(t *testing.T) {
	cases := []struct {
		name     string
		schedule Schedule
		from, to string
		want     []string
	}{{
		name:     "daily every third day",
		schedule: meeting("2026-01-05T09:00:00", "Europe/Berlin", Pattern{Type: Daily, Interval: 3}, noEnd),
		from:     "2026-01-01T00:00:00Z", to: "2026-01-20T00:00:00Z",
		want: []string{"2026-01-05", "2026-01-08", "2026-01-11", "2026-01-14", "2026-01-17"},
	}, {
		name: "weekly on monday and wednesday",
		schedule: meeting("2026-01-07T09:00:00", "Europe/Berlin",
			Pattern{Type: Weekly, Interval: 1, DaysOfWeek: []string{"monday", "wednesday"}}, noEnd),
		from: "2026-01-01T00:00:00Z", to: "2026-01-20T00:00:00Z",
		want: []string{"2026-01-07", "2026-01-12", "2026-01-14", "2026-01-19"},
	}, {
		// The start (a Wednesday) does not fit: the first Monday after it is
		// the first occurrence, and fortnights count from its week.
		name: "weekly every other monday starting on a wednesday",
		schedule: meeting("2026-01-07T09:00:00", "Europe/Berlin",
			Pattern{Type: Weekly, Interval: 2, DaysOfWeek: []string{"monday"}}, noEnd),
		from: "2026-01-01T00:00:00Z", to: "2026-02-10T00:00:00Z",
		want: []string{"2026-01-12", "2026-01-26", "2026-02-09"},
	}, {
		// Weeks Mon 5–Sun 11, (skip 12–18), Mon 19–Sun 25, ...
		name: "weekly every other week on sunday and monday, weeks from monday",
		schedule: meeting("2026-01-05T09:00:00", "Europe/Berlin",
			Pattern{Type: Weekly, Interval: 2, DaysOfWeek: []string{"sunday", "monday"}, FirstDayOfWeek: "monday"}, noEnd),
		from: "2026-01-01T00:00:00Z", to: "2026-02-10T00:00:00Z",
		want: []string{"2026-01-05", "2026-01-11", "2026-01-19", "2026-01-25", "2026-02-02", "2026-02-08"},
	}, {
		// Weeks Sun 4–Sat 10 (Sunday 4 is before the start), (skip 11–17), Sun 18–Sat 24, ...
		name: "weekly every other week on sunday and monday, weeks from sunday",
		schedule: meeting("2026-01-05T09:00:00", "Europe/Berlin",
			Pattern{Type: Weekly, Interval: 2, DaysOfWeek: []string{"sunday", "monday"}}, noEnd),
		from: "2026-01-01T00:00:00Z", to: "2026-02-10T00:00:00Z",
		want: []string{"2026-01-05", "2026-01-18", "2026-01-19", "2026-02-01", "2026-02-02"},
	}, {
		name: "absolute monthly quarterly on the 15th",
		schedule: meeting("2026-01-15T09:00:00", "Europe/Berlin",
			Pattern{Type: AbsoluteMonthly, Interval: 3, DayOfMonth: 15}, noEnd),
		from: "2026-01-01T00:00:00Z", to: "2026-12-01T00:00:00Z",
		want: []string{"2026-01-15", "2026-04-15", "2026-07-15", "2026-10-15"},
	}, {
		name: "absolute monthly on the 31st falls on the last day of shorter months",
		schedule: meeting("2026-01-31T09:00:00", "Europe/Berlin",
			Pattern{Type: AbsoluteMonthly, Interval: 1, DayOfMonth: 31}, noEnd),
		from: "2026-01-01T00:00:00Z", to: "2026-07-01T00:00:00Z",
		want: []string{"2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31", "2026-06-30"},
	}, {
		name: "absolute monthly on the 31st starting in february",
		schedule: meeting("2026-02-01T09:00:00", "Europe/Berlin",
			Pattern{Type: AbsoluteMonthly, Interval: 1, DayOfMonth: 31}, noEnd),
		from: "2026-01-01T00:00:00Z", to: "2026-05-01T00:00:00Z",
		want: []string{"2026-02-28", "2026-03-31", "2026-04-30"},
	}, {
		name: "relative monthly on the last friday",
		schedule: meeting("2026-01-01T09:00:00", "Europe/Berlin",
			Pattern{Type: RelativeMonthly, Interval: 1, DaysOfWeek: []string{"friday"}, Index: "last"}, noEnd),
		from: "2026-01-01T00:00:00Z", to: "2026-07-01T00:00:00Z",
		want: []string{"2026-01-30", "2026-02-27", "2026-03-27", "2026-04-24", "2026-05-29", "2026-06-26"},
	}, {
		// Graph's own example: "Because the value of startDate is after the
		// first Thursday in August, the first occurrence of this series will
		// be in September."
		name: "relative monthly first thursday of every other month from 2017-08-29",
		schedule: meeting("2017-08-29T14:00:00", "Pacific Standard Time",
			Pattern{Type: RelativeMonthly, Interval: 2, DaysOfWeek: []string{"thursday"}, Index: "first"}, noEnd),
		from: "2017-08-01T00:00:00Z", to: "2018-02-01T00:00:00Z",
		want: []string{"2017-09-07", "2017-11-02", "2018-01-04"},
	}, {
		name: "relative monthly on the second weekday counts the days together",
		schedule: meeting("2026-01-01T09:00:00", "Europe/Berlin",
			Pattern{Type: RelativeMonthly, Interval: 1, Index: "second",
				DaysOfWeek: []string{"monday", "tuesday", "wednesday", "thursday", "friday"}}, noEnd),
		from: "2026-01-01T00:00:00Z", to: "2026-07-01T00:00:00Z",
		want: []string{"2026-01-02", "2026-02-03", "2026-03-03", "2026-04-02", "2026-05-04", "2026-06-02"},
	}, {
		name: "relative yearly on the fourth thursday of november",
		schedule: meeting("2026-01-01T09:00:00", "America/New_York",
			Pattern{Type: RelativeYearly, Interval: 1, DaysOfWeek: []string{"thursday"}, Index: "fourth", Month: 11}, noEnd),
		from: "2026-01-01T00:00:00Z", to: "2029-01-01T00:00:00Z",
		want: []string{"2026-11-26", "2027-11-25", "2028-11-23"},
	}, {
		name: "absolute yearly on february 29 falls on february 28 in common years",
		schedule: meeting("2028-02-29T09:00:00", "Europe/Berlin",
			Pattern{Type: AbsoluteYearly, Interval: 1, DayOfMonth: 29, Month: 2}, noEnd),
		from: "2028-01-01T00:00:00Z", to: "2033-01-01T00:00:00Z",
		want: []string{"2028-02-29", "2029-02-28", "2030-02-28", "2031-02-28", "2032-02-29"},
	}, {
		name: "absolute yearly every third year",
		schedule: meeting("2026-03-15T09:00:00", "Europe/Berlin",
			Pattern{Type: AbsoluteYearly, Interval: 3, DayOfMonth: 15, Month: 3}, noEnd),
		from: "2026-01-01T00:00:00Z", to: "2036-01-01T00:00:00Z",
		want: []string{"2026-03-15", "2029-03-15", "2032-03-15", "2035-03-15"},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.schedule.Between(utc(t, tc.from), utc(t, tc.to))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(datesOf(got), tc.want) {
				t.Errorf("dates = %v, want %v", datesOf(got), tc.want)
			}
			for i, o := range got {
				if o.Ordinal != i+1 {
					t.Errorf("occurrence %s has ordinal %d, want %d", o.Date, o.Ordinal, i+1)
				}
				if o.End.Sub(o.Start).Hours() != 1 {
					t.Errorf("occurrence %s lasts %s, want 1h", o.Date, o.End.Sub(o.Start))
				}
			}
		})
	}
}
