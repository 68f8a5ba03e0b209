package application

import (
	"os"
	"slices"
	"testing"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/form"
)

// BenchmarkCheckWholeApplication validates a complete HzL application, every
// chapter in order (what "Absenden" does before the hand-over), against a
// baseline of copying the same answers.
// go test -run '^$' -bench CheckWholeApplication -benchmem ./internal/application/
func BenchmarkCheckWholeApplication(b *testing.B) {
	f, err := os.Open("../../content/antraege/hilfe-zum-lebensunterhalt.v1.yaml")
	if err != nil {
		b.Fatal(err)
	}
	def, err := form.Load(f, "hzl")
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	today := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	answers := hzlAnswers()
	in := New(def, "hilfe-zum-lebensunterhalt", "", today)
	for _, c := range []struct {
		name string
		run  func()
	}{
		{"copy-answers", func() { in.Answers = answers.Clone() }},
		{"check", func() {
			in.Answers = answers.Clone()
			if ps := in.Check(def, today); len(ps) > 0 {
				b.Fatal(ps)
			}
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			lat := make([]time.Duration, 0, 1024)
			for b.Loop() {
				t0 := time.Now()
				c.run()
				lat = append(lat, time.Since(t0))
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1000, "p99-µs")
		})
	}
}
