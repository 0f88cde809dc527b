// Package recurrence computes the occurrences of a recurring meeting described
// the way Microsoft Graph's event resource describes recurrence: a start and an
// end as dateTimeTimeZone (a wall-clock time plus an IANA or Windows zone name)
// and a patternedRecurrence (a recurrencePattern and a recurrenceRange). Online
// meetings have no recurrence of their own, so the operator keeps one meeting
// per upcoming occurrence and asks this package which occurrences those are.
//
// It is pure date arithmetic: no clock, no Kubernetes, only the standard
// library. The zone database is embedded (time/tzdata) because the operator's
// image has no /usr/share/zoneinfo.
//
// Semantics, following Graph's documentation and Exchange where Graph is silent:
//
//   - The first occurrence is the first date on or after range.startDate that
//     fits the pattern, ignoring the interval; the interval counts periods
//     (days, weeks, months, years) from that first occurrence's period. Graph's
//     example: the first Thursday of every other month starting 2017-08-29
//     first occurs on 2017-09-07, then 2017-11-02. A weekly series counts weeks
//     from the week (beginning on firstDayOfWeek, default sunday) that holds the
//     first occurrence.
//   - absoluteMonthly and absoluteYearly on a day the month lacks (31, or
//     February 29/30) fall on the month's last day, as Exchange documents for
//     AbsoluteMonthlyRecurrence ("the last day of the month is assumed") and
//     Outlook does for February 29 in common years. RFC 5545 would skip such
//     months instead; Graph's events are Exchange's, so we follow Exchange.
//   - relativeMonthly and relativeYearly with several daysOfWeek count those
//     days together: index second with monday..friday is the second weekday
//     of the month, and last with saturday and sunday the last weekend day.
//   - Every occurrence starts at start's wall-clock time in start's zone, so
//     09:00 in Europe/Berlin is 08:00 UTC in winter and 07:00 UTC in summer.
//     A wall-clock time that a daylight-saving change skips (02:30 on the
//     spring-forward night) moves forward by the gap (03:30); one that happens
//     twice (02:30 on the fall-back night) is its first, earlier instant. Both
//     are RFC 5545's rules; time.Date does not promise either (it moves 02:30
//     back to 01:30 in America/New_York), so wall times are resolved here.
//   - Every occurrence lasts end - start, measured in elapsed time.
//   - range.startDate and range.endDate are dates in range.recurrenceTimeZone,
//     which defaults to start's zone; an occurrence belongs to the range when
//     its start falls on or between those dates there. The dates of the
//     pattern itself, occurrence dates and skipDates are in start's zone.
//   - skipDates remove occurrences without renumbering: a skipped occurrence
//     keeps its ordinal and still counts toward numberOfOccurrences, like a
//     cancelled occurrence in Outlook.
//   - Enumerated values (pattern and range types, day names, index) are
//     matched without regard to case, as Graph does ("Monday" in its own
//     examples); Windows zone names must be spelled exactly.
package recurrence
