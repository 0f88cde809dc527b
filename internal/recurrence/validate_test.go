package recurrence

import (
	"errors"
	"testing"
)

func validSchedule() Schedule {
	return Schedule{
		Start:   DateTimeTimeZone{DateTime: "2026-01-05T09:00:00", TimeZone: "Europe/Berlin"},
		End:     DateTimeTimeZone{DateTime: "2026-01-05T09:30:00.0000000", TimeZone: "Europe/Berlin"},
		Pattern: Pattern{Type: Weekly, Interval: 1, DaysOfWeek: []string{"monday"}},
		Range:   Range{Type: EndDate, StartDate: "2026-01-05", EndDate: "2026-06-30"},
	}
}

func TestValidateAcceptsGraphsSpellings(t *testing.T) {
	cases := map[string]func(*Schedule){
		"the valid schedule": func(*Schedule) {},
		"Windows zone names": func(s *Schedule) {
			s.Start.TimeZone, s.End.TimeZone = "W. Europe Standard Time", "W. Europe Standard Time"
		},
		"start and end in different zones": func(s *Schedule) {
			s.End = DateTimeTimeZone{DateTime: "2026-01-05T08:30:00", TimeZone: "UTC"}
		},
		"capitalised enum values as in Graph's examples": func(s *Schedule) {
			s.Pattern = Pattern{Type: "Weekly", Interval: 1, DaysOfWeek: []string{"Monday"}, FirstDayOfWeek: "Monday"}
			s.Range.Type = "EndDate"
		},
		"no startDate": func(s *Schedule) { s.Range.StartDate = "" },
		"february 29 yearly": func(s *Schedule) {
			s.Pattern = Pattern{Type: AbsoluteYearly, Interval: 1, DayOfMonth: 29, Month: 2}
		},
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			s := validSchedule()
			mutate(&s)
			if err := s.Validate(); err != nil {
				t.Errorf("Validate() = %v, want nil", err)
			}
		})
	}
}

func TestValidateNamesTheFieldAtFault(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*Schedule)
		want   string
	}{
		{"unknown start zone", func(s *Schedule) { s.Start.TimeZone = "Mars/Base" },
			`start.timeZone "Mars/Base" is not an IANA or Windows time zone`},
		{"missing start zone", func(s *Schedule) { s.Start.TimeZone = "" },
			`start.timeZone is required`},
		{"unknown end zone", func(s *Schedule) { s.End.TimeZone = "Local" },
			`end.timeZone "Local" is not an IANA or Windows time zone`},
		{"start with an offset", func(s *Schedule) { s.Start.DateTime = "2026-01-05T09:00:00+01:00" },
			`start.dateTime must not carry an offset: the zone is start.timeZone`},
		{"end in UTC notation", func(s *Schedule) { s.End.DateTime = "2026-01-05T09:30:00Z" },
			`end.dateTime must not carry an offset: the zone is end.timeZone`},
		{"start not a date-time", func(s *Schedule) { s.Start.DateTime = "2026-01-05 09:00" },
			`start.dateTime "2026-01-05 09:00" is not a date-time like 2026-12-01T09:00:00`},
		{"end before start", func(s *Schedule) { s.End.DateTime = "2026-01-05T08:00:00" },
			`end must be after start`},
		{"end equal to start in another zone", func(s *Schedule) {
			s.End = DateTimeTimeZone{DateTime: "2026-01-05T08:00:00", TimeZone: "UTC"}
		}, `end must be after start`},
		{"missing pattern type", func(s *Schedule) { s.Pattern.Type = "" },
			`recurrence.pattern.type is required`},
		{"unknown pattern type", func(s *Schedule) { s.Pattern.Type = "hourly" },
			`recurrence.pattern.type "hourly" is not one of daily, weekly, absoluteMonthly, relativeMonthly, absoluteYearly, relativeYearly`},
		{"interval zero", func(s *Schedule) { s.Pattern.Interval = 0 },
			`recurrence.pattern.interval must be at least 1`},
		{"interval huge", func(s *Schedule) { s.Pattern.Interval = 1 << 40 },
			`recurrence.pattern.interval must be at most 1000`},
		{"weekly without days", func(s *Schedule) { s.Pattern.DaysOfWeek = nil },
			`recurrence.pattern.daysOfWeek is required for weekly patterns`},
		{"relative monthly without days", func(s *Schedule) {
			s.Pattern = Pattern{Type: RelativeMonthly, Interval: 1, Index: "last"}
		}, `recurrence.pattern.daysOfWeek is required for relativeMonthly patterns`},
		{"unknown day", func(s *Schedule) { s.Pattern.DaysOfWeek = []string{"monday", "funday"} },
			`recurrence.pattern.daysOfWeek[1] "funday" is not a day of the week (sunday..saturday)`},
		{"absolute monthly without day of month", func(s *Schedule) {
			s.Pattern = Pattern{Type: AbsoluteMonthly, Interval: 1}
		}, `recurrence.pattern.dayOfMonth must be between 1 and 31 for absoluteMonthly patterns`},
		{"day of month 32", func(s *Schedule) {
			s.Pattern = Pattern{Type: AbsoluteMonthly, Interval: 1, DayOfMonth: 32}
		}, `recurrence.pattern.dayOfMonth must be between 1 and 31 for absoluteMonthly patterns`},
		{"ignored day of month is still checked", func(s *Schedule) { s.Pattern.DayOfMonth = -1 },
			`recurrence.pattern.dayOfMonth must be between 1 and 31`},
		{"yearly without month", func(s *Schedule) {
			s.Pattern = Pattern{Type: AbsoluteYearly, Interval: 1, DayOfMonth: 1}
		}, `recurrence.pattern.month must be between 1 and 12 for absoluteYearly patterns`},
		{"month 13", func(s *Schedule) {
			s.Pattern = Pattern{Type: RelativeYearly, Interval: 1, DaysOfWeek: []string{"monday"}, Month: 13}
		}, `recurrence.pattern.month must be between 1 and 12 for relativeYearly patterns`},
		{"february 30", func(s *Schedule) {
			s.Pattern = Pattern{Type: AbsoluteYearly, Interval: 1, DayOfMonth: 30, Month: 2}
		}, `recurrence.pattern.dayOfMonth 30 does not exist in month 2`},
		{"unknown index", func(s *Schedule) {
			s.Pattern = Pattern{Type: RelativeMonthly, Interval: 1, DaysOfWeek: []string{"monday"}, Index: "fifth"}
		}, `recurrence.pattern.index "fifth" is not one of first, second, third, fourth, last`},
		{"unknown first day of week", func(s *Schedule) { s.Pattern.FirstDayOfWeek = "someday" },
			`recurrence.pattern.firstDayOfWeek "someday" is not a day of the week (sunday..saturday)`},
		{"missing range type", func(s *Schedule) { s.Range.Type = "" },
			`recurrence.range.type is required`},
		{"unknown range type", func(s *Schedule) { s.Range.Type = "forever" },
			`recurrence.range.type "forever" is not one of endDate, noEnd, numbered`},
		{"numbered without count", func(s *Schedule) { s.Range = Range{Type: Numbered} },
			`recurrence.range.numberOfOccurrences must be at least 1 for numbered ranges`},
		{"endDate range without endDate", func(s *Schedule) { s.Range.EndDate = "" },
			`recurrence.range.endDate is required for endDate ranges`},
		{"endDate before startDate", func(s *Schedule) { s.Range.EndDate = "2026-01-04" },
			`recurrence.range.endDate is before startDate`},
		{"endDate not a date", func(s *Schedule) { s.Range.EndDate = "30.06.2026" },
			`recurrence.range.endDate "30.06.2026" is not a date like 2026-12-01`},
		{"startDate not start's date", func(s *Schedule) { s.Range.StartDate = "2026-01-04" },
			`recurrence.range.startDate 2026-01-04 must be the date of start (2026-01-05 in Europe/Berlin)`},
		{"unknown recurrence zone", func(s *Schedule) { s.Range.RecurrenceTimeZone = "Atlantis" },
			`recurrence.range.recurrenceTimeZone "Atlantis" is not an IANA or Windows time zone`},
		{"skip date not a date", func(s *Schedule) { s.SkipDates = []string{"2026-01-12", "2026-13-01"} },
			`skipDates[1] "2026-13-01" is not a date like 2026-12-01`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := validSchedule()
			tc.mutate(&s)
			err := s.Validate()
			if err == nil || err.Error() != tc.want {
				t.Fatalf("Validate() = %v, want %q", err, tc.want)
			}
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Errorf("error %T is not a *FieldError", err)
			}
			if _, err := s.Upcoming(utc(t, "2026-01-01T00:00:00Z"), 1); err == nil || err.Error() != tc.want {
				t.Errorf("Upcoming error = %v, want Validate's", err)
			}
		})
	}
}
