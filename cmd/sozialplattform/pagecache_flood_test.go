package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"testing"
)

// finderQuery is a distinct query of the counselling finder for each n.
func finderQuery(n int) string {
	return "/de/beratung?q=Schulden" + strconv.Itoa(n) + "&ort=50667&radius=25"
}

func anonymousGet(h http.Handler, path, encoding string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("GET", path, nil)
	if encoding != "" {
		r.Header.Set("Accept-Encoding", encoding)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// TestPageCacheFloodOfDistinctQueries (security finding, issue 16, item 0):
// 2000 distinct finder queries from visitors without a session leave the
// page cache within its bounds (a query seen once is not kept at all) and
// the heap flat; a query asked for again is kept and served from the cache.
func TestPageCacheFloodOfDistinctQueries(t *testing.T) {
	in := start(t, testConfig(t))
	h := http.Handler(in.Web)
	// Warm up: templates, the centres' index, pools.
	for i := range 20 {
		if w := anonymousGet(h, finderQuery(-1-i), "br"); w.Code != 200 {
			t.Fatalf("finder: %d", w.Code)
		}
	}
	entries0, _ := in.Web.PageCacheStats()
	before := heapInUse()
	const n = 2000
	for i := range n {
		enc := []string{"br", "gzip", ""}[i%3]
		if w := anonymousGet(h, finderQuery(i), enc); w.Code != 200 {
			t.Fatalf("query %d: %d", i, w.Code)
		}
	}
	entries, size := in.Web.PageCacheStats()
	after := heapInUse()
	t.Logf("after %d distinct queries: %d entries (%d before), %d bytes cached, heap in use %d → %d MiB",
		n, entries, entries0, size, before>>20, after>>20)
	if entries > entries0 {
		t.Errorf("queries seen once went into the cache: %d entries, %d before", entries, entries0)
	}
	if size > 32<<20 {
		t.Errorf("the cache holds %d bytes, more than 32 MiB", size)
	}
	if after > before && after-before > 8<<20 {
		t.Errorf("heap in use grew by %d MiB over %d distinct queries", (after-before)>>20, n)
	}

	// A query that repeats is kept after its second sighting and then
	// served from the cache, compressed.
	const again = "/de/beratung?q=Schulden&ort=50667&radius=25"
	for range 2 {
		anonymousGet(h, again, "br")
	}
	if e, _ := in.Web.PageCacheStats(); e != entries+1 {
		t.Fatalf("a repeated query was not kept: %d entries, %d before", e, entries)
	}
	w := anonymousGet(h, again, "br")
	if w.Code != 200 || w.Header().Get("Content-Encoding") != "br" {
		t.Fatalf("cached query page: %d %q", w.Code, w.Header().Get("Content-Encoding"))
	}

	// Many repeated queries: entries and bytes stay within the limits.
	for i := range 1500 {
		for range 2 {
			anonymousGet(h, finderQuery(10000+i), "gzip")
		}
	}
	entries, size = in.Web.PageCacheStats()
	t.Logf("after 1500 repeated queries: %d entries, %d bytes cached", entries, size)
	if entries > 2048+512 || size > 32<<20 {
		t.Errorf("the cache outgrew its bounds: %d entries, %d bytes", entries, size)
	}
}

// BenchmarkFinderDistinctQuery: a finder query not asked for before, from a
// visitor without a session asking for brotli, through the whole handler
// chain, against a bare handler writing the same bytes (issue 16, item 0).
// go test -run '^$' -bench FinderDistinctQuery -benchmem ./cmd/sozialplattform/
func BenchmarkFinderDistinctQuery(b *testing.B) {
	in := start(b, testConfig(b))
	h := http.Handler(in.Web)
	first := anonymousGet(h, finderQuery(-1), "br")
	if first.Code != 200 {
		b.Fatal(first.Code)
	}
	body := first.Body.Bytes()
	enc := first.Header().Get("Content-Encoding")
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Encoding", enc)
		w.Write(body)
	})
	n := 0
	for _, c := range []struct {
		name string
		h    http.Handler
	}{{"bare", bare}, {"platform-distinct-query", h}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				n++
				w := anonymousGet(c.h, finderQuery(n), "br")
				if w.Code != 200 {
					b.Fatal(w.Code)
				}
				io.Copy(io.Discard, w.Body)
			}
		})
	}
}
