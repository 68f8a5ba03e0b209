package counselling

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/i18n"
)

// Opening hours: several intervals per weekday ("Do 08:00–12:30,
// 13:30–15:30") and exceptions for dates (holidays, closures, other
// hours). Times are wall-clock times in Germany.

// Berlin is the time zone of every opening time.
var Berlin = i18n.Berlin

// Interval is an opening interval in minutes after midnight, From < To.
type Interval struct{ From, To int }

// Week holds the intervals of each weekday, Monday first.
type Week [7][]Interval

// Exception changes the opening hours of the dates From to To (inclusive,
// dates in Germany): closed, or open only in Hours.
type Exception struct {
	From, To time.Time // midnight in Berlin
	Closed   bool
	Hours    []Interval
	Note     string
}

var (
	intervalRE = regexp.MustCompile(`^(\d{1,2})[:.](\d{2})\s*(?:-|–|—|bis)\s*(\d{1,2})[:.](\d{2})(?:\s*Uhr)?$`)
	dateRE     = regexp.MustCompile(`^(\d{1,2})\.(\d{1,2})\.(\d{4})$`)
)

// ParseIntervals reads "08:00–12:30, 13:30–15:30" (also "8.00-12.30",
// "bis", "Uhr"); empty means closed. The message key names the problem.
func ParseIntervals(s string) ([]Interval, string) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "geschlossen") {
		return nil, ""
	}
	var out []Interval
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '\n' }) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		m := intervalRE.FindStringSubmatch(part)
		if m == nil {
			return nil, "counselling.error.hours_format"
		}
		h1, _ := strconv.Atoi(m[1])
		m1, _ := strconv.Atoi(m[2])
		h2, _ := strconv.Atoi(m[3])
		m2, _ := strconv.Atoi(m[4])
		if h1 > 24 || h2 > 24 || m1 > 59 || m2 > 59 || h1*60+m1 > 1440 || h2*60+m2 > 1440 {
			return nil, "counselling.error.hours_format"
		}
		out = append(out, Interval{h1*60 + m1, h2*60 + m2})
	}
	if err := validIntervals(out); err != "" {
		return nil, err
	}
	return out, ""
}

// validIntervals: each starts before it ends and none overlaps another.
func validIntervals(iv []Interval) string {
	sorted := slices.Clone(iv)
	slices.SortFunc(sorted, func(a, b Interval) int { return a.From - b.From })
	for i, x := range sorted {
		if x.From >= x.To {
			return "counselling.error.hours_order"
		}
		if i > 0 && x.From < sorted[i-1].To {
			return "counselling.error.hours_overlap"
		}
	}
	return ""
}

func (w Week) validate() []FieldError {
	var errs []FieldError
	for d, iv := range w {
		if key := validIntervals(iv); key != "" {
			errs = append(errs, FieldError{Field: fmt.Sprintf("oeffnungszeiten_%d", d), Key: key})
		}
	}
	return errs
}

// FormatIntervals writes intervals as "08:00–12:30, 13:30–15:30".
func FormatIntervals(iv []Interval) string {
	parts := make([]string, 0, len(iv))
	for _, x := range iv {
		parts = append(parts, clock(x.From)+"–"+clock(x.To))
	}
	return strings.Join(parts, ", ")
}

func clock(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

// ParseExceptions reads one exception a line:
//
//	24.12.2026 – 01.01.2027: geschlossen (Betriebsferien)
//	31.12.2026: 09:00–12:00
//
// Each problem names its line.
func ParseExceptions(s string) ([]Exception, []FieldError) {
	var out []Exception
	var errs []FieldError
	for n, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		bad := func(key string) {
			errs = append(errs, FieldError{Field: "ausnahmen", Key: key, Args: []any{"n", n + 1}})
		}
		dates, rest, ok := strings.Cut(line, ":")
		if !ok {
			bad("counselling.error.exception_format")
			continue
		}
		var e Exception
		from, to, isRange := strings.Cut(strings.ReplaceAll(strings.ReplaceAll(dates, "–", "-"), "bis", "-"), "-")
		var err1, err2 error
		e.From, err1 = parseDate(from)
		e.To = e.From
		if isRange {
			e.To, err2 = parseDate(to)
		}
		if err1 != nil || err2 != nil {
			bad("counselling.error.exception_date")
			continue
		}
		if e.To.Before(e.From) {
			bad("counselling.error.exception_order")
			continue
		}
		if e.To.Sub(e.From) > 366*24*time.Hour {
			bad("counselling.error.exception_long")
			continue
		}
		rest = strings.TrimSpace(rest)
		if i := strings.IndexByte(rest, '('); i >= 0 && strings.HasSuffix(rest, ")") {
			e.Note = strings.TrimSpace(rest[i+1 : len(rest)-1])
			rest = strings.TrimSpace(rest[:i])
		}
		if strings.EqualFold(rest, "geschlossen") || rest == "" {
			e.Closed = true
		} else {
			iv, key := ParseIntervals(rest)
			if key != "" {
				bad(key)
				continue
			}
			e.Hours = iv
		}
		out = append(out, e)
	}
	if len(out) > 100 {
		errs = append(errs, FieldError{Field: "ausnahmen", Key: "counselling.error.too_many", Args: []any{"max", 100}})
	}
	return out, errs
}

func parseDate(s string) (time.Time, error) {
	m := dateRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return time.Time{}, fmt.Errorf("date %q", s)
	}
	d, _ := strconv.Atoi(m[1])
	mo, _ := strconv.Atoi(m[2])
	y, _ := strconv.Atoi(m[3])
	t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, Berlin)
	if t.Day() != d || int(t.Month()) != mo || y < 2000 || y > 2100 {
		return time.Time{}, fmt.Errorf("date %q", s)
	}
	return t, nil
}

// FormatExceptions writes exceptions in the form ParseExceptions reads.
func FormatExceptions(es []Exception) string {
	var b strings.Builder
	for _, e := range es {
		b.WriteString(e.From.Format("02.01.2006"))
		if !e.To.Equal(e.From) {
			b.WriteString(" – " + e.To.Format("02.01.2006"))
		}
		b.WriteString(": ")
		if e.Closed {
			b.WriteString("geschlossen")
		} else {
			b.WriteString(FormatIntervals(e.Hours))
		}
		if e.Note != "" {
			b.WriteString(" (" + e.Note + ")")
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// weekday is Monday 0 … Sunday 6.
func weekday(t time.Time) int { return (int(t.Weekday()) + 6) % 7 }

// HoursOn returns the intervals of the date of t (in Berlin), exceptions
// first, and the exception that applies, if any.
func (c *Centre) HoursOn(t time.Time) ([]Interval, *Exception) {
	t = t.In(Berlin)
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, Berlin)
	for i := range c.Exceptions {
		e := &c.Exceptions[i]
		if !day.Before(e.From) && !day.After(e.To) {
			if e.Closed {
				return nil, e
			}
			return e.Hours, e
		}
	}
	return c.Hours[weekday(day)], nil
}

// OpenState says whether a centre is open at a moment.
type OpenState struct {
	Open  bool
	Until time.Time // when open: the end of the interval
	Next  time.Time // when closed: the next opening within two weeks (zero: none)
	// Exception is the exception of today, if one applies (its note is
	// worth showing: "Betriebsferien").
	Exception *Exception
}

// OpenAt works out whether the centre is open at t and when that changes.
func (c *Centre) OpenAt(t time.Time) OpenState {
	t = t.In(Berlin)
	var st OpenState
	iv, ex := c.HoursOn(t)
	st.Exception = ex
	mins := t.Hour()*60 + t.Minute()
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, Berlin)
	at := func(d time.Time, m int) time.Time {
		return time.Date(d.Year(), d.Month(), d.Day(), m/60, m%60, 0, 0, Berlin)
	}
	for _, x := range iv {
		if mins >= x.From && mins < x.To {
			st.Open, st.Until = true, at(day, x.To)
			return st
		}
	}
	for _, x := range sortedIntervals(iv) {
		if x.From > mins {
			st.Next = at(day, x.From)
			return st
		}
	}
	for i := 1; i <= 14; i++ {
		d := day.AddDate(0, 0, i)
		if iv, _ := c.HoursOn(d.Add(12 * time.Hour)); len(iv) > 0 {
			st.Next = at(d, sortedIntervals(iv)[0].From)
			return st
		}
	}
	return st
}

func sortedIntervals(iv []Interval) []Interval {
	s := slices.Clone(iv)
	slices.SortFunc(s, func(a, b Interval) int { return a.From - b.From })
	return s
}
