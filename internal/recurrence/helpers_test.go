package recurrence

import (
	"testing"
	"time"
)

// meeting is a one-hour schedule starting at start (a wall-clock dateTime)
// in zone, with range.startDate left for compile to fill in.
func meeting(start, zone string, p Pattern, r Range) Schedule {
	begin, err := time.Parse("2006-01-02T15:04:05", start)
	if err != nil {
		panic(err)
	}
	return Schedule{
		Start:   DateTimeTimeZone{DateTime: start, TimeZone: zone},
		End:     DateTimeTimeZone{DateTime: begin.Add(time.Hour).Format("2006-01-02T15:04:05"), TimeZone: zone},
		Pattern: p,
		Range:   r,
	}
}

func utc(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func datesOf(occs []Occurrence) []string {
	out := make([]string, len(occs))
	for i, o := range occs {
		out[i] = o.Date
	}
	return out
}

func ordinalsOf(occs []Occurrence) []int {
	out := make([]int, len(occs))
	for i, o := range occs {
		out[i] = o.Ordinal
	}
	return out
}

func startsOf(occs []Occurrence) []string {
	out := make([]string, len(occs))
	for i, o := range occs {
		out[i] = o.Start.Format(time.RFC3339)
	}
	return out
}
