package recurrence

import "time"

// series is a validated schedule reduced to numbers. Occurrence k (0-based,
// skipped ones included) of every pattern type is computed directly from k,
// so finding the occurrences around a far-away instant never walks the
// periods in between.
type series struct {
	loc      *time.Location // start's zone: the pattern's dates and the wall clock
	rangeLoc *time.Location // the zone of range.startDate and range.endDate
	sameZone bool           // rangeLoc and loc agree, so the range compares dates
	clock    clock
	length   time.Duration

	kind       string
	interval   int64
	days       [7]bool // indexed by time.Weekday
	dayOfMonth int
	month      time.Month
	index      int // nth matching day of the month, 1..4, or -1 for the last
	firstDay   time.Weekday

	rangeKind          string
	startDate, endDate date
	count              int64
	skip               map[date]bool

	// Set by findAnchor: the first occurrence and, for weekly series, the
	// start of its week, the offsets (days from a week's start) of the
	// pattern's days, and those of the first week on or after the anchor.
	anchor     date
	weekStart  date
	weekDays   []int64
	firstWeek  []int64
	anchorYear int
}

// anchorSearch bounds the search for the first occurrence: every pattern has
// an occurrence within any 366 days; a few more cover the zone difference
// between the range and the pattern.
const anchorSearch = 370

// findAnchor sets the first occurrence: the first date on or after the
// range's start that fits the pattern, the interval aside. The interval then
// counts periods from the anchor's period.
func (sr *series) findAnchor() {
	for d := sr.startDate - 2; d < sr.startDate+anchorSearch; d++ {
		if sr.fits(d) && !sr.beforeRange(d) {
			sr.anchor = d
			break
		}
	}
	y, _, _ := sr.anchor.ymd()
	sr.anchorYear = y
	sr.weekStart = sr.anchor - date(floorMod(int64(sr.anchor.weekday()-sr.firstDay), 7))
	sr.weekDays, sr.firstWeek = nil, nil
	for off := int64(0); off < 7; off++ {
		d := sr.weekStart + date(off)
		if sr.days[d.weekday()] {
			sr.weekDays = append(sr.weekDays, off)
			if d >= sr.anchor {
				sr.firstWeek = append(sr.firstWeek, off)
			}
		}
	}
}

// fits reports whether d is a date of the pattern, the interval aside.
func (sr *series) fits(d date) bool {
	switch sr.kind {
	case Daily:
		return true
	case Weekly:
		return sr.days[d.weekday()]
	case AbsoluteMonthly, RelativeMonthly:
		y, m, _ := d.ymd()
		return d == sr.dayIn(y, m)
	default: // yearly
		y, m, _ := d.ymd()
		return m == sr.month && d == sr.dayIn(y, m)
	}
}

// dayIn is the pattern's date in a month: dayOfMonth, or the last day of a
// shorter month, for the absolute types; the index-th of the days of week,
// counted together, for the relative ones.
func (sr *series) dayIn(y int, m time.Month) date {
	n := daysIn(y, m)
	first := dateOf(y, m, 1)
	switch sr.kind {
	case AbsoluteMonthly, AbsoluteYearly:
		return first + date(min(sr.dayOfMonth, n)-1)
	}
	last := first + date(n-1)
	if sr.index < 0 {
		for d := last; d >= first; d-- {
			if sr.days[d.weekday()] {
				return d
			}
		}
	}
	seen := 0
	for d := first; d <= last; d++ {
		if sr.days[d.weekday()] {
			if seen++; seen == sr.index {
				return d
			}
		}
	}
	// Not reached: compile requires a day of week for the relative types,
	// and every day of week occurs at least four times a month.
	return first
}

// dateAt is the date of occurrence k (0-based).
func (sr *series) dateAt(k int64) date {
	switch sr.kind {
	case Daily:
		return sr.anchor + date(k*sr.interval)
	case Weekly:
		if k < int64(len(sr.firstWeek)) {
			return sr.weekStart + date(sr.firstWeek[k])
		}
		k -= int64(len(sr.firstWeek))
		per := int64(len(sr.weekDays))
		week := 1 + k/per
		return sr.weekStart + date(7*sr.interval*week+sr.weekDays[k%per])
	case AbsoluteMonthly, RelativeMonthly:
		mi := sr.anchor.monthIndex() + k*sr.interval
		return sr.dayIn(int(floorDiv(mi, 12)), time.Month(floorMod(mi, 12)+1))
	default: // yearly
		return sr.dayIn(sr.anchorYear+int(k*sr.interval), sr.month)
	}
}

// firstOnOrAfter is the first k whose date is on or after d. It estimates k
// arithmetically from below and steps the last few periods.
func (sr *series) firstOnOrAfter(d date) int64 {
	if d <= sr.anchor {
		return 0
	}
	var k int64
	switch sr.kind {
	case Daily:
		k = int64(d-sr.anchor) / sr.interval
	case Weekly:
		if period := floorDiv(int64(d-sr.weekStart), 7) / sr.interval; period > 0 {
			k = int64(len(sr.firstWeek)) + (period-1)*int64(len(sr.weekDays))
		}
	case AbsoluteMonthly, RelativeMonthly:
		k = max(0, (d.monthIndex()-sr.anchor.monthIndex())/sr.interval-1)
	default:
		y, _, _ := d.ymd()
		k = max(0, int64(y-sr.anchorYear)/sr.interval-1)
	}
	for sr.dateAt(k) < d {
		k++
	}
	return k
}

// occurrence k, dated d.
func (sr *series) occurrence(k int64, d date) Occurrence {
	start := at(d, sr.clock, sr.loc)
	return Occurrence{
		Start:   start.UTC(),
		End:     start.Add(sr.length).UTC(),
		Date:    d.String(),
		Ordinal: int(k + 1),
	}
}

// beforeRange reports whether an occurrence on d starts before the range's
// first day in the range's zone.
func (sr *series) beforeRange(d date) bool {
	if sr.sameZone {
		return d < sr.startDate
	}
	return at(d, sr.clock, sr.loc).Before(at(sr.startDate, clock{}, sr.rangeLoc))
}

// ended reports whether occurrence k, dated d, is beyond the range.
func (sr *series) ended(k int64, d date) bool {
	switch sr.rangeKind {
	case Numbered:
		return k >= sr.count
	case EndDate:
		if sr.sameZone {
			return d > sr.endDate
		}
		return !at(d, sr.clock, sr.loc).Before(at(sr.endDate+1, clock{}, sr.rangeLoc))
	default:
		return false
	}
}
