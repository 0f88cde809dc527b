package recurrence

import (
	"errors"
	"fmt"
	"time"
)

// MaxOccurrences bounds one call: Upcoming refuses to return more, and
// Between gives up with ErrTooManyOccurrences rather than build a longer list.
const MaxOccurrences = 10_000

// ErrTooManyOccurrences is returned by Between for a window holding more
// than MaxOccurrences occurrences.
var ErrTooManyOccurrences = errors.New("recurrence: more occurrences than MaxOccurrences in the window")

// margin is how many days before a target date the walk starts, so that an
// occurrence whose wall time a daylight-saving change moved is not missed.
const margin = 2

// Upcoming returns up to n occurrences of the series whose End is after now,
// in order, skipping SkipDates, within the range; fewer when the series ends.
// An occurrence under way at now is included.
func (s Schedule) Upcoming(now time.Time, n int) ([]Occurrence, error) {
	if n > MaxOccurrences {
		return nil, fmt.Errorf("recurrence: %d upcoming occurrences asked for, at most %d", n, MaxOccurrences)
	}
	sr, err := s.compile()
	if err != nil || n <= 0 {
		return nil, err
	}
	var out []Occurrence
	_, err = sr.walk(dateIn(now.Add(-sr.length), sr.loc)-margin, func(o Occurrence) bool {
		if o.End.After(now) {
			out = append(out, o)
		}
		return len(out) < n
	})
	return out, err
}

// Between returns the occurrences whose Start is in [from, to), skipping
// SkipDates.
func (s Schedule) Between(from, to time.Time) ([]Occurrence, error) {
	sr, err := s.compile()
	if err != nil {
		return nil, err
	}
	var out []Occurrence
	_, err = sr.walk(dateIn(from, sr.loc)-margin, func(o Occurrence) bool {
		if !o.Start.Before(to) {
			return false
		}
		if !o.Start.Before(from) {
			out = append(out, o)
		}
		return true
	})
	return out, err
}

// walk hands visit the occurrences from the first one dated on or after
// from, skipped dates left out, until visit returns false or the range ends.
// It reports how many occurrences it computed; they are at most
// MaxOccurrences plus the skipped dates plus the margin, whatever from is.
func (sr *series) walk(from date, visit func(Occurrence) bool) (int, error) {
	limit := MaxOccurrences + len(sr.skip) + 2*margin + 8
	k := sr.firstOnOrAfter(from)
	for scanned := 1; ; scanned, k = scanned+1, k+1 {
		if scanned > limit {
			return scanned - 1, ErrTooManyOccurrences
		}
		d := sr.dateAt(k)
		if sr.ended(k, d) {
			return scanned, nil
		}
		if sr.skip[d] {
			continue
		}
		if !visit(sr.occurrence(k, d)) {
			return scanned, nil
		}
	}
}
