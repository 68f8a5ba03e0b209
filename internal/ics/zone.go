package ics

import "time"

// The time zone is written as a VTIMEZONE with the EU rule that Germany has
// followed since 1996: summer time (CEST, UTC+2) from the last Sunday of
// March, 02:00 local (01:00 UTC), to the last Sunday of October, 03:00 local
// (01:00 UTC); standard time (CET, UTC+1) otherwise.
//
// Local times are computed with that same rule here, not with the tz
// database, on purpose: the client turns "TZID=Europe/Berlin:…T100000" back
// into an instant with the VTIMEZONE in the file, so the two must agree. If
// the tz database and the rule ever part (the EU has discussed ending the
// clock change), both places here must change together.

const (
	tzid        = "Europe/Berlin"
	localFormat = "20060102T150405"
	utcFormat   = "20060102T150405Z"
)

func (w *writer) timezone() {
	w.line("BEGIN:VTIMEZONE")
	w.line("TZID:" + tzid)
	// DTSTART of each rule is its first onset in 1970, in the local time in
	// force before it; 29 March and 25 October 1970 were the last Sundays.
	w.line("BEGIN:DAYLIGHT")
	w.line("TZOFFSETFROM:+0100")
	w.line("TZOFFSETTO:+0200")
	w.line("TZNAME:CEST")
	w.line("DTSTART:19700329T020000")
	w.line("RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU")
	w.line("END:DAYLIGHT")
	w.line("BEGIN:STANDARD")
	w.line("TZOFFSETFROM:+0200")
	w.line("TZOFFSETTO:+0100")
	w.line("TZNAME:CET")
	w.line("DTSTART:19701025T030000")
	w.line("RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU")
	w.line("END:STANDARD")
	w.line("END:VTIMEZONE")
}

// lastSunday is the last Sunday of the month in year, at 01:00 UTC, the
// moment the clocks change in the EU.
func lastSunday(year int, month time.Month) time.Time {
	last := time.Date(year, month+1, 0, 1, 0, 0, 0, time.UTC) // day 0 = last day of month
	return last.AddDate(0, 0, -int(last.Weekday()))
}

// dateTime returns what follows the property name for DTSTART or DTEND:
// ";TZID=Europe/Berlin:" and the Berlin wall-clock time, seconds and below
// dropped. A time in the hour that October repeats (02:00 to 02:59 happens
// twice) is ambiguous in local time, and RFC 5545 would read it as the first
// of the two; such a time is written in UTC (":…Z") instead, which every
// client reads right.
func dateTime(t time.Time) string {
	u := t.UTC().Truncate(time.Second)
	begin, end := lastSunday(u.Year(), time.March), lastSunday(u.Year(), time.October)
	if !u.Before(end.Add(-time.Hour)) && u.Before(end.Add(time.Hour)) {
		return ":" + u.Format(utcFormat)
	}
	offset := time.Hour // CET
	if !u.Before(begin) && u.Before(end) {
		offset = 2 * time.Hour // CEST
	}
	return ";TZID=" + tzid + ":" + u.Add(offset).Format(localFormat)
}
