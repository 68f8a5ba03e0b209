package booking

import (
	"slices"
	"testing"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/counselling"
)

// BenchmarkFreeSlots: every free slot of a centre with 5 services over 90
// days (the calendar's and the Konfig-Check's work), with a quarter of the
// seats taken; p99 of one whole computation; a bare loop over the same
// days as the baseline of the same run.
func BenchmarkFreeSlots(b *testing.B) {
	cal := Calendar{Hours: everyDay(counselling.Interval{From: 8 * 60, To: 12 * 60}, counselling.Interval{From: 13 * 60, To: 18 * 60}),
		AGS: "05315000", holidays: &holidayMemo{}}
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, Berlin)
	var svcs []Service
	for i := range 5 {
		svcs = append(svcs, Service{Duration: 30 + 15*i, Buffer: 5 * i, Seats: 1 + i%3, HorizonDays: 90, MinNotice: time.Hour,
			Counsellors: []string{"c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9", "c10"}})
	}
	taken := map[int64]int{}
	for d, i := DayOf(now), 0; i < 90; d, i = d.AddDays(1), i+1 {
		for j, s := range Slots(cal, svcs[0], d, now, nil) {
			if j%4 == 0 {
				taken[s.Start.UnixMilli()] = 1
			}
		}
	}
	b.Run("baseline-days", func(b *testing.B) {
		n := 0
		for b.Loop() {
			for d, i := DayOf(now), 0; i < 90; d, i = d.AddDays(1), i+1 {
				n += d.Day
			}
		}
		_ = n
	})
	b.Run("free-slots-5-services-90-days", func(b *testing.B) {
		var times []time.Duration
		for b.Loop() {
			t0 := time.Now()
			free := 0
			for _, svc := range svcs {
				for d, i := DayOf(now), 0; i < 90; d, i = d.AddDays(1), i+1 {
					for _, s := range Slots(cal, svc, d, now, taken) {
						free += s.Free
					}
				}
			}
			if free == 0 {
				b.Fatal("no free seats")
			}
			times = append(times, time.Since(t0))
		}
		slices.Sort(times)
		b.ReportMetric(float64(times[len(times)*99/100].Microseconds()), "p99-µs")
	})
}
