package recurrence

import (
	"fmt"
	"strings"
	"time"
)

// FieldError is the first problem Validate finds, named by the field's path
// in the schedule as the user wrote it (start.timeZone,
// recurrence.pattern.daysOfWeek, skipDates[2], ...). It is always the user's
// to fix: retrying cannot help.
type FieldError struct {
	Field  string // path of the field, e.g. recurrence.range.endDate
	Detail string // what is wrong, e.g. "is before startDate"
}

func (e *FieldError) Error() string { return e.Field + " " + e.Detail }

func fieldErr(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Detail: fmt.Sprintf(format, args...)}
}

// maxInterval bounds pattern.interval so that date arithmetic stays far from
// overflow; Graph documents no bound, and no real series comes near it.
const maxInterval = 1000

var weekdays = map[string]time.Weekday{
	"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday,
	"thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday,
}

// indexes maps Graph's weekIndex to the nth matching day of a month; last is -1.
var indexes = map[string]int{"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1}

var patternTypes = []string{Daily, Weekly, AbsoluteMonthly, RelativeMonthly, AbsoluteYearly, RelativeYearly}

var rangeTypes = []string{EndDate, NoEnd, Numbered}

// Validate reports the first problem with the schedule, as a *FieldError.
func (s Schedule) Validate() error {
	_, err := s.compile()
	return err
}

// compile validates the schedule and turns it into a series ready for date
// arithmetic. Fields Graph ignores for a pattern type are still checked when
// set, as Graph does.
func (s Schedule) compile() (*series, error) {
	loc, startWall, err := parseDateTimeTimeZone("start", s.Start)
	if err != nil {
		return nil, err
	}
	endLoc, endWall, err := parseDateTimeTimeZone("end", s.End)
	if err != nil {
		return nil, err
	}
	c := clock{startWall.Hour(), startWall.Minute(), startWall.Second(), startWall.Nanosecond()}
	startDay := dateOf(startWall.Date())
	first := at(startDay, c, loc)
	firstEnd := at(dateOf(endWall.Date()), clock{endWall.Hour(), endWall.Minute(), endWall.Second(), endWall.Nanosecond()}, endLoc)
	if !firstEnd.After(first) {
		return nil, fieldErr("end", "must be after start")
	}
	sr := &series{loc: loc, rangeLoc: loc, clock: c, length: firstEnd.Sub(first)}
	if err := sr.setPattern(s.Pattern); err != nil {
		return nil, err
	}
	if err := sr.setRange(s.Range, first); err != nil {
		return nil, err
	}
	for i, d := range s.SkipDates {
		day, err := parseDate(d)
		if err != nil {
			return nil, fieldErr(fmt.Sprintf("skipDates[%d]", i), "%q is not a date like 2026-12-01", d)
		}
		if sr.skip == nil {
			sr.skip = make(map[date]bool, len(s.SkipDates))
		}
		sr.skip[day] = true
	}
	sr.findAnchor()
	return sr, nil
}

// parseDateTimeTimeZone reads a dateTimeTimeZone into its zone and its wall
// clock, the latter as UTC fields because it is not an instant yet.
func parseDateTimeTimeZone(field string, v DateTimeTimeZone) (*time.Location, time.Time, error) {
	if v.TimeZone == "" {
		return nil, time.Time{}, fieldErr(field+".timeZone", "is required")
	}
	loc, err := LoadZone(v.TimeZone)
	if err != nil {
		return nil, time.Time{}, fieldErr(field+".timeZone", "%q is not an IANA or Windows time zone", v.TimeZone)
	}
	if v.DateTime == "" {
		return nil, time.Time{}, fieldErr(field+".dateTime", "is required")
	}
	// Parsing accepts fractional seconds after the seconds field, such as
	// Graph's seven digits, without the layout naming them.
	wall, err := time.Parse("2006-01-02T15:04:05", v.DateTime)
	if err != nil {
		if _, offErr := time.Parse(time.RFC3339Nano, v.DateTime); offErr == nil {
			return nil, time.Time{}, fieldErr(field+".dateTime", "must not carry an offset: the zone is %s.timeZone", field)
		}
		return nil, time.Time{}, fieldErr(field+".dateTime", "%q is not a date-time like 2026-12-01T09:00:00", v.DateTime)
	}
	return loc, wall, nil
}

func (sr *series) setPattern(p Pattern) error {
	kind, ok := oneOf(p.Type, patternTypes)
	switch {
	case p.Type == "":
		return fieldErr("recurrence.pattern.type", "is required")
	case !ok:
		return fieldErr("recurrence.pattern.type", "%q is not one of %s", p.Type, strings.Join(patternTypes, ", "))
	case p.Interval < 1:
		return fieldErr("recurrence.pattern.interval", "must be at least 1")
	case p.Interval > maxInterval:
		return fieldErr("recurrence.pattern.interval", "must be at most %d", maxInterval)
	}
	sr.kind, sr.interval = kind, int64(p.Interval)

	for i, name := range p.DaysOfWeek {
		wd, ok := weekdays[strings.ToLower(name)]
		if !ok {
			return fieldErr(fmt.Sprintf("recurrence.pattern.daysOfWeek[%d]", i), "%q is not a day of the week (sunday..saturday)", name)
		}
		sr.days[wd] = true
	}
	if len(p.DaysOfWeek) == 0 && (kind == Weekly || kind == RelativeMonthly || kind == RelativeYearly) {
		return fieldErr("recurrence.pattern.daysOfWeek", "is required for %s patterns", kind)
	}

	absolute := kind == AbsoluteMonthly || kind == AbsoluteYearly
	if (absolute || p.DayOfMonth != 0) && (p.DayOfMonth < 1 || p.DayOfMonth > 31) {
		if absolute {
			return fieldErr("recurrence.pattern.dayOfMonth", "must be between 1 and 31 for %s patterns", kind)
		}
		return fieldErr("recurrence.pattern.dayOfMonth", "must be between 1 and 31")
	}
	sr.dayOfMonth = p.DayOfMonth

	yearly := kind == AbsoluteYearly || kind == RelativeYearly
	if (yearly || p.Month != 0) && (p.Month < 1 || p.Month > 12) {
		if yearly {
			return fieldErr("recurrence.pattern.month", "must be between 1 and 12 for %s patterns", kind)
		}
		return fieldErr("recurrence.pattern.month", "must be between 1 and 12")
	}
	sr.month = time.Month(p.Month)
	// A leap year's month is the longest that month gets: February 29 is a
	// yearly date (on February 28 in other years), February 30 never is.
	if kind == AbsoluteYearly && p.DayOfMonth > daysIn(2000, sr.month) {
		return fieldErr("recurrence.pattern.dayOfMonth", "%d does not exist in month %d", p.DayOfMonth, p.Month)
	}

	sr.index = 1
	if p.Index != "" {
		n, ok := indexes[strings.ToLower(p.Index)]
		if !ok {
			return fieldErr("recurrence.pattern.index", "%q is not one of first, second, third, fourth, last", p.Index)
		}
		sr.index = n
	}

	sr.firstDay = time.Sunday
	if p.FirstDayOfWeek != "" {
		wd, ok := weekdays[strings.ToLower(p.FirstDayOfWeek)]
		if !ok {
			return fieldErr("recurrence.pattern.firstDayOfWeek", "%q is not a day of the week (sunday..saturday)", p.FirstDayOfWeek)
		}
		sr.firstDay = wd
	}
	return nil
}

// setRange reads the range; first is the instant the start field names.
func (sr *series) setRange(r Range, first time.Time) error {
	kind, ok := oneOf(r.Type, rangeTypes)
	switch {
	case r.Type == "":
		return fieldErr("recurrence.range.type", "is required")
	case !ok:
		return fieldErr("recurrence.range.type", "%q is not one of %s", r.Type, strings.Join(rangeTypes, ", "))
	}
	sr.rangeKind = kind
	if r.RecurrenceTimeZone != "" {
		loc, err := LoadZone(r.RecurrenceTimeZone)
		if err != nil {
			return fieldErr("recurrence.range.recurrenceTimeZone", "%q is not an IANA or Windows time zone", r.RecurrenceTimeZone)
		}
		sr.rangeLoc = loc
	}
	sr.sameZone = sr.rangeLoc.String() == sr.loc.String()

	// Graph requires startDate to be the start's date; an empty one is
	// filled in rather than refused.
	startDay := dateIn(first, sr.rangeLoc)
	sr.startDate = startDay
	if r.StartDate != "" {
		d, err := parseDate(r.StartDate)
		if err != nil {
			return fieldErr("recurrence.range.startDate", "%q is not a date like 2026-12-01", r.StartDate)
		}
		if d != startDay {
			return fieldErr("recurrence.range.startDate", "%s must be the date of start (%s in %s)", r.StartDate, startDay, sr.rangeLoc)
		}
	}

	if kind == EndDate && r.EndDate == "" {
		return fieldErr("recurrence.range.endDate", "is required for endDate ranges")
	}
	if r.EndDate != "" {
		d, err := parseDate(r.EndDate)
		if err != nil {
			return fieldErr("recurrence.range.endDate", "%q is not a date like 2026-12-01", r.EndDate)
		}
		if d < sr.startDate {
			return fieldErr("recurrence.range.endDate", "is before startDate")
		}
		sr.endDate = d
	}

	if kind == Numbered && r.NumberOfOccurrences < 1 {
		return fieldErr("recurrence.range.numberOfOccurrences", "must be at least 1 for numbered ranges")
	}
	if r.NumberOfOccurrences < 0 {
		return fieldErr("recurrence.range.numberOfOccurrences", "must not be negative")
	}
	sr.count = int64(r.NumberOfOccurrences)
	return nil
}

// oneOf finds v among names regardless of case and returns Graph's spelling.
func oneOf(v string, names []string) (string, bool) {
	for _, n := range names {
		if strings.EqualFold(v, n) {
			return n, true
		}
	}
	return "", false
}
