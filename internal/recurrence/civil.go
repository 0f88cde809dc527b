package recurrence

import (
	"fmt"
	"time"
)

const secondsPerDay = 24 * 60 * 60

// date is a civil date counted in days since 1970-01-01, so stepping through
// a series is integer arithmetic that neither iterates nor overflows
// time.Duration the way subtracting two far-apart time.Times does.
type date int64

func dateOf(y int, m time.Month, d int) date {
	return date(floorDiv(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix(), secondsPerDay))
}

// dateIn is the date a wall clock in loc shows at t.
func dateIn(t time.Time, loc *time.Location) date {
	y, m, d := t.In(loc).Date()
	return dateOf(y, m, d)
}

func parseDate(s string) (date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, err
	}
	return dateOf(t.Date()), nil
}

func (d date) ymd() (int, time.Month, int) {
	return time.Unix(int64(d)*secondsPerDay, 0).UTC().Date()
}

// weekday relies on 1970-01-01 having been a Thursday.
func (d date) weekday() time.Weekday {
	return time.Weekday(floorMod(int64(d)+int64(time.Thursday), 7))
}

// monthIndex numbers months consecutively (year*12 + month-1), so "every n
// months" is an addition.
func (d date) monthIndex() int64 {
	y, m, _ := d.ymd()
	return int64(y)*12 + int64(m-1)
}

func (d date) String() string {
	y, m, dd := d.ymd()
	return fmt.Sprintf("%04d-%02d-%02d", y, int(m), dd)
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 {
	return a - floorDiv(a, b)*b
}

// clock is a wall-clock time of day.
type clock struct{ hour, min, sec, nsec int }

// zoneSearch is how far from a wall time we look for the offsets in effect
// around it: more than any UTC offset (at most 14h) and less than the time
// between two transitions of any real zone.
const zoneSearch = 26 * time.Hour

// at is the instant at which a wall clock in loc shows c on d. A time that
// exists twice (the hour repeated when clocks fall back) is its first instant;
// a time that does not exist (the hour skipped when clocks spring forward) is
// read with the offset in effect before the gap, so it moves forward by the
// gap: 02:30 on the night Berlin goes from +01:00 to +02:00 becomes 03:30.
// time.Date leaves both choices unspecified, and in practice its answer
// depends on the sign of the zone's offset.
func at(d date, c clock, loc *time.Location) time.Time {
	y, m, dd := d.ymd()
	wall := time.Date(y, m, dd, c.hour, c.min, c.sec, c.nsec, time.UTC)
	_, before := wall.Add(-zoneSearch).In(loc).Zone()
	t := wall.Add(-time.Duration(before) * time.Second)
	if showsWall(t, wall, loc) {
		return t
	}
	_, after := wall.Add(zoneSearch).In(loc).Zone()
	if t2 := wall.Add(-time.Duration(after) * time.Second); showsWall(t2, wall, loc) {
		return t2
	}
	return t
}

// showsWall reports whether a clock in loc reads wall (given in UTC fields) at t.
func showsWall(t, wall time.Time, loc *time.Location) bool {
	l := t.In(loc)
	y, m, d := l.Date()
	wy, wm, wd := wall.Date()
	return y == wy && m == wm && d == wd &&
		l.Hour() == wall.Hour() && l.Minute() == wall.Minute() &&
		l.Second() == wall.Second() && l.Nanosecond() == wall.Nanosecond()
}
