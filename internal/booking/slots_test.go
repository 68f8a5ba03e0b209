package booking

import (
	"testing"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/counselling"
)

func everyDay(ivs ...counselling.Interval) counselling.Week {
	var w counselling.Week
	for i := range w {
		w[i] = ivs
	}
	return w
}

// TestSlotsAcrossDaylightSaving: on the spring day 02:00–02:59 does not
// exist and is not offered; on the autumn day 02:00–02:59 exists twice
// and is offered once; every slot is a real instant an hour apart in
// wall time, stored in UTC.
func TestSlotsAcrossDaylightSaving(t *testing.T) {
	cal := Calendar{Hours: everyDay(counselling.Interval{From: 60, To: 4 * 60})} // 01:00–04:00
	svc := Service{Duration: 30, Seats: 1, HorizonDays: 400}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	wall := func(ss []Slot) []string {
		var out []string
		for _, s := range ss {
			out = append(out, s.Start.In(Berlin).Format("15:04"))
		}
		return out
	}
	for _, c := range []struct {
		day  Day
		want []string
	}{
		{Day{2026, 3, 28}, []string{"01:00", "01:30", "02:00", "02:30", "03:00", "03:30"}},
		{Day{2026, 3, 29}, []string{"01:00", "01:30", "03:00", "03:30"}}, // spring: no 02:xx
		{Day{2026, 10, 25}, []string{"01:00", "01:30", "02:00", "02:30", "03:00", "03:30"}},
	} {
		got := wall(Slots(cal, svc, c.day, now, nil))
		if len(got) != len(c.want) {
			t.Fatalf("%s: %v, want %v", c.day, got, c.want)
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Fatalf("%s: %v, want %v", c.day, got, c.want)
			}
		}
	}
	// Autumn: 02:30 is offered once, at its first occurrence (summer time).
	for _, s := range Slots(cal, svc, Day{2026, 10, 25}, now, nil) {
		if s.Start.In(Berlin).Format("15:04") == "02:30" {
			if _, off := s.Start.In(Berlin).Zone(); off != 2*3600 {
				t.Errorf("02:30 on 25 Oct is at offset %d", off)
			}
		}
	}
}

// TestSlotsProperty: over two years of days, every slot starts at a wall
// time in an interval, ends within it, lies on the step grid, is stored in
// UTC, is unique, and days and slots follow one another in order —
// through both clock changes and the year ends.
func TestSlotsProperty(t *testing.T) {
	cal := Calendar{Hours: everyDay(counselling.Interval{From: 8 * 60, To: 12*60 + 30}, counselling.Interval{From: 13 * 60, To: 16 * 60}),
		AGS: "05315000"}
	svc := Service{Duration: 45, Buffer: 15, Seats: 2, HorizonDays: 800}
	now := time.Date(2025, 12, 31, 23, 0, 0, 0, time.UTC)
	var last time.Time
	seen := map[int64]bool{}
	n := 0
	for d := DayOf(now); d.Year < 2028; d = d.AddDays(1) {
		ivs, _ := cal.Intervals(d)
		for _, s := range Slots(cal, svc, d, now, map[int64]int{}) {
			n++
			if s.Start.Location() != time.UTC || !s.Start.After(last) || seen[s.Start.UnixMilli()] {
				t.Fatalf("%s: slot %v out of order or twice", d, s.Start)
			}
			seen[s.Start.UnixMilli()] = true
			last = s.Start
			w := s.Start.In(Berlin)
			if DayOf(s.Start) != d {
				t.Fatalf("%s: slot on %s", d, DayOf(s.Start))
			}
			m := w.Hour()*60 + w.Minute()
			ok := false
			for _, iv := range ivs {
				ok = ok || m >= iv.From && m+svc.Duration <= iv.To && (m-iv.From)%(svc.Duration+svc.Buffer) == 0
			}
			if !ok || s.End.Sub(s.Start) != 45*time.Minute || s.Free != 2 {
				t.Fatalf("%s: slot %s off the grid (%v)", d, w.Format("15:04"), ivs)
			}
		}
	}
	if n < 2*250*6 {
		t.Fatalf("only %d slots in two years", n)
	}
}

// TestHolidaysCloseExceptionsOpen: a public holiday of the centre's Land
// has no slots unless an exception opens it; a closure exception closes a
// working day; Fronleichnam closes Köln but not Hamburg.
func TestHolidaysCloseExceptionsOpen(t *testing.T) {
	week := everyDay(counselling.Interval{From: 9 * 60, To: 12 * 60})
	cologne := Calendar{Hours: week, AGS: "05315000"}
	hamburg := Calendar{Hours: week, AGS: "02000000"}
	corpus := Day{2026, 6, 4} // Fronleichnam
	if ivs, why := cologne.Intervals(corpus); len(ivs) != 0 || why == "" {
		t.Errorf("Köln on Fronleichnam: %v %q", ivs, why)
	}
	if ivs, _ := hamburg.Intervals(corpus); len(ivs) != 1 {
		t.Errorf("Hamburg on Fronleichnam: %v", ivs)
	}
	open := cologne
	open.Exceptions = []counselling.Exception{{From: corpus.Midnight(), To: corpus.Midnight(), Hours: []counselling.Interval{{From: 10 * 60, To: 11 * 60}}}}
	if ivs, _ := open.Intervals(corpus); len(ivs) != 1 || ivs[0].From != 600 {
		t.Errorf("opened holiday: %v", ivs)
	}
	closed := hamburg
	closed.Exceptions = []counselling.Exception{{From: Day{2026, 6, 1}.Midnight(), To: Day{2026, 6, 5}.Midnight(), Closed: true, Note: "Betriebsferien"}}
	if ivs, why := closed.Intervals(Day{2026, 6, 3}); len(ivs) != 0 || why != "Betriebsferien" {
		t.Errorf("closure: %v %q", ivs, why)
	}
}

// TestNoticeAndHorizon: nothing before now+MinNotice, nothing beyond the
// horizon's last day.
func TestNoticeAndHorizon(t *testing.T) {
	cal := Calendar{Hours: everyDay(counselling.Interval{From: 9 * 60, To: 17 * 60})}
	svc := Service{Duration: 60, Seats: 1, MinNotice: 2 * time.Hour, HorizonDays: 7}
	now := time.Date(2026, 5, 11, 10, 15, 0, 0, Berlin) // Monday
	for _, s := range Slots(cal, svc, DayOf(now), now, nil) {
		if s.Start.Before(now.Add(2 * time.Hour)) {
			t.Errorf("slot %v within the notice", s.Start.In(Berlin))
		}
	}
	if len(Slots(cal, svc, DayOf(now).AddDays(7), now, nil)) == 0 {
		t.Error("the horizon's last day has no slots")
	}
	if len(Slots(cal, svc, DayOf(now).AddDays(8), now, nil)) != 0 {
		t.Error("slots beyond the horizon")
	}
}
