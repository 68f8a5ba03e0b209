package geo_test

import (
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/geo"
)

var benchQueries = []string{"53840", "01945", "59969 Hallenberg", "Köln", "Koeln", "Stadt Köln", "Neustadt", "Trois",
	"Mülheim an der Ruhr", "Rhein-Sieg-Kreis", "Atlantis", "5384", "10115", "Ber", "Landeshauptstadt Düsseldorf",
	"B", "Mün", "Bad", "80331"}

// BenchmarkLookup reports the mean and the 99th percentile of one look-up
// over a mix of postcodes, names, prefixes and bad input, and a bare map
// read as the baseline of the same run.
func BenchmarkLookup(b *testing.B) {
	d, err := geo.Load()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("baseline-map-read", func(b *testing.B) {
		m := map[string]int{}
		for i, q := range benchQueries {
			m[q] = i
		}
		n := 0
		for i := 0; b.Loop(); i++ {
			n += m[benchQueries[i%len(benchQueries)]]
		}
		_ = n
	})
	b.Run("lookup", func(b *testing.B) {
		times := make([]time.Duration, 0, 1<<16)
		for i := 0; b.Loop(); i++ {
			t0 := time.Now()
			_, _ = d.Lookup(benchQueries[i%len(benchQueries)], 8)
			if len(times) < cap(times) {
				times = append(times, time.Since(t0))
			}
		}
		slices.Sort(times)
		if len(times) > 0 {
			b.ReportMetric(float64(times[len(times)*99/100].Nanoseconds()), "p99-ns")
		}
	})
}

// BenchmarkDirectoryMemory reports the heap the loaded directory keeps.
func BenchmarkDirectoryMemory(b *testing.B) {
	var keep *geo.Directory
	var before, after runtime.MemStats
	for b.Loop() {
		runtime.GC()
		runtime.ReadMemStats(&before)
		d, err := geo.Load()
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		keep = d
	}
	runtime.KeepAlive(keep)
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MB-heap")
}

// BenchmarkLoad is the directory's share of the cold start.
func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		if _, err := geo.Load(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPrefixB is the widest prefix a person types: its cost must not
// grow with the thousands of names it matches.
func BenchmarkPrefixB(b *testing.B) {
	d, err := geo.Load()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		_, _ = d.Lookup("B", 8)
	}
}
