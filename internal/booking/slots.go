package booking

import (
	"strconv"
	"sync"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/counselling"
	"github.com/sozialplattform/sozialplattform/internal/holidays"
)

// Berlin is the time zone every slot is computed in.
var Berlin = counselling.Berlin

// Slot is one bookable start of a service.
type Slot struct {
	Start, End time.Time // UTC
	Free       int       // seats not held
}

// Day is a calendar date in Berlin.
type Day struct {
	Year  int
	Month time.Month
	Day   int
}

// DayOf is the date of t in Berlin.
func DayOf(t time.Time) Day {
	t = t.In(Berlin)
	return Day{t.Year(), t.Month(), t.Day()}
}

// Midnight is the start of the day in Berlin.
func (d Day) Midnight() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, Berlin) }

// AddDays moves by whole calendar days (not 24-hour steps: a day in
// spring has 23 hours).
func (d Day) AddDays(n int) Day {
	t := time.Date(d.Year, d.Month, d.Day+n, 12, 0, 0, 0, Berlin)
	return Day{t.Year(), t.Month(), t.Day()}
}

// String is "2026-03-29".
func (d Day) String() string { return d.Midnight().Format("2006-01-02") }

// ParseDay reads "2026-03-29".
func ParseDay(s string) (Day, bool) {
	t, err := time.ParseInLocation("2006-01-02", s, Berlin)
	if err != nil {
		return Day{}, false
	}
	return Day{t.Year(), t.Month(), t.Day()}, true
}

// Calendar is what slots are computed from: the centre's hours (its
// opening hours or its own bookable hours), its Land and municipality for
// the public holidays.
type Calendar struct {
	Hours      counselling.Week
	Exceptions []counselling.Exception
	AGS        string // the municipality of the centre's address

	// holidays remembers the public holidays of each year asked: working
	// them out per day cost more than all the rest of a month's slots.
	holidays *holidayMemo
}

type holidayMemo struct {
	mu    sync.Mutex
	years map[int]map[Day]string
}

// holiday names the public holiday on d, if any.
func (c Calendar) holiday(d Day) (string, bool) {
	if c.holidays == nil {
		return holidays.Closed(d.Midnight(), c.AGS)
	}
	m := c.holidays
	m.mu.Lock()
	defer m.mu.Unlock()
	year, ok := m.years[d.Year]
	if !ok {
		year = holidaysOf(d.Year, c.AGS)
		if m.years == nil {
			m.years = map[int]map[Day]string{}
		}
		m.years[d.Year] = year
	}
	name, closed := year[d]
	return name, closed
}

// yearHolidays caches the public holidays of a year and municipality for
// the process: they never change, and a calendar page asks for them with
// every request.
var yearHolidays sync.Map // "2026/05315000" → map[Day]string

func holidaysOf(year int, ags string) map[Day]string {
	key := strconv.Itoa(year) + "/" + ags
	if m, ok := yearHolidays.Load(key); ok {
		return m.(map[Day]string)
	}
	m := map[Day]string{}
	for _, h := range holidays.InYear(year, ags) {
		m[DayOf(h.Date)] = h.Name
	}
	yearHolidays.Store(key, m)
	return m
}

// CalendarFor takes the hours a centre books by.
func CalendarFor(c *counselling.Centre, s Settings, ags string) Calendar {
	if s.UseOpeningHours {
		return Calendar{Hours: c.Hours, Exceptions: c.Exceptions, AGS: ags, holidays: &holidayMemo{}}
	}
	return Calendar{Hours: s.Hours, Exceptions: s.Exceptions, AGS: ags, holidays: &holidayMemo{}}
}

// Intervals are the bookable intervals of a day, and why none when closed
// ("" when the week simply has none that day). An exception for the date
// decides (an exception with hours opens a public holiday); otherwise a
// public holiday of the centre's Land or municipality closes the day.
func (c Calendar) Intervals(d Day) ([]counselling.Interval, string) {
	day := d.Midnight()
	for _, e := range c.Exceptions {
		if !day.Before(e.From) && !day.After(e.To) {
			if e.Closed {
				return nil, e.Note
			}
			return e.Hours, ""
		}
	}
	if name, closed := c.holiday(d); closed {
		return nil, name
	}
	return c.Hours[(int(day.Weekday())+6)%7], ""
}

// Slots lists the starts of a service on a day: every Duration+Buffer
// from the start of each interval while the appointment fits in it, at
// least MinNotice after now and within the horizon. A wall time that does
// not exist (02:30 on the spring day) is skipped; one that exists twice
// (02:30 in autumn) is offered once, at its first occurrence. taken gives
// the seats held per start (Unix milliseconds).
func Slots(cal Calendar, svc Service, d Day, now time.Time, taken map[int64]int) []Slot {
	if svc.Duration <= 0 || svc.Seats <= 0 {
		return nil
	}
	first := now.Add(svc.MinNotice)
	last := DayOf(now).AddDays(svc.HorizonDays + 1).Midnight()
	ivs, _ := cal.Intervals(d)
	step := svc.Duration + max(svc.Buffer, 0)
	var out []Slot
	for _, iv := range ivs {
		for m := iv.From; m+svc.Duration <= iv.To; m += step {
			h, mm := m/60, m%60
			t := time.Date(d.Year, d.Month, d.Day, h, mm, 0, 0, Berlin)
			if t.Hour() != h || t.Minute() != mm {
				continue // skipped by the clock change
			}
			if e := t.Add(-time.Hour); e.Hour() == h && e.Minute() == mm {
				t = e // twice on the autumn day: the first (time.Date may pick either)
			}
			if t.Before(first) || !t.Before(last) {
				continue
			}
			u := t.UTC()
			free := svc.Seats - taken[u.UnixMilli()]
			out = append(out, Slot{Start: u, End: u.Add(time.Duration(svc.Duration) * time.Minute), Free: max(free, 0)})
		}
	}
	return out
}
