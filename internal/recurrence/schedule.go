package recurrence

import "time"

// Pattern types, as Graph spells them in recurrencePattern.type.
const (
	Daily           = "daily"
	Weekly          = "weekly"
	AbsoluteMonthly = "absoluteMonthly"
	RelativeMonthly = "relativeMonthly"
	AbsoluteYearly  = "absoluteYearly"
	RelativeYearly  = "relativeYearly"
)

// Range types, as Graph spells them in recurrenceRange.type.
const (
	EndDate  = "endDate"
	NoEnd    = "noEnd"
	Numbered = "numbered"
)

// DateTimeTimeZone is Graph's dateTimeTimeZone: a wall-clock dateTime without
// offset ("2026-12-01T09:00:00", fractional seconds allowed) and a time zone,
// IANA ("Europe/Berlin") or Windows ("W. Europe Standard Time").
type DateTimeTimeZone struct{ DateTime, TimeZone string }

// Pattern is Graph's recurrencePattern: how often the meeting repeats.
type Pattern struct {
	Type           string   // daily | weekly | absoluteMonthly | relativeMonthly | absoluteYearly | relativeYearly
	Interval       int      // >= 1: days, weeks, months or years between occurrences
	DaysOfWeek     []string // sunday..saturday; weekly, relativeMonthly, relativeYearly
	DayOfMonth     int      // 1..31; absoluteMonthly, absoluteYearly
	Index          string   // first | second | third | fourth | last; relative types, default first
	Month          int      // 1..12; yearly types
	FirstDayOfWeek string   // default sunday; decides which weeks count when a weekly interval is > 1
}

// Range is Graph's recurrenceRange: for how long the meeting repeats.
type Range struct {
	Type                string // endDate | noEnd | numbered
	StartDate, EndDate  string // YYYY-MM-DD in RecurrenceTimeZone; StartDate defaults to start's date
	NumberOfOccurrences int    // numbered ranges
	RecurrenceTimeZone  string // zone of StartDate and EndDate; default: start's zone
}

// Schedule is a recurring meeting.
type Schedule struct {
	// Start and End are the first occurrence's times: Start's wall-clock time
	// of day in Start's zone is every occurrence's, End - Start (elapsed) is
	// every occurrence's length.
	Start, End DateTimeTimeZone
	Pattern    Pattern
	Range      Range
	// SkipDates are YYYY-MM-DD dates, in Start's zone, of occurrences not held.
	// They keep their place: they still count toward numberOfOccurrences and
	// the ordinals of later occurrences. Dates that are no occurrence are ignored.
	SkipDates []string
}

// Occurrence is one meeting of the series.
type Occurrence struct {
	Start, End time.Time // UTC
	Date       string    // the local date, YYYY-MM-DD, in Start's zone
	Ordinal    int       // 1-based position in the series, counting skipped dates
}
