package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkStartPage runs the German start page through the whole handler
// chain in process (no network), as a returning visitor with a CSRF cookie
// asking for gzip, against a bare handler writing the same bytes.
// go test -run '^$' -bench StartPage -benchmem ./cmd/sozialplattform/
func BenchmarkStartPage(b *testing.B) {
	in := start(b, testConfig(b))
	h := http.Handler(in.Web)
	first := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/de/", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	h.ServeHTTP(first, req)
	cookies := first.Result().Cookies()
	body := first.Body.Bytes()
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(body)
	})
	for _, c := range []struct {
		name, path string
		h          http.Handler
	}{{"bare", "/de/", bare}, {"platform", "/de/", h},
		// A page with a form token is rendered for each visitor: the cost
		// of templates and compression without the page cache.
		{"platform-rendered-barrierefreiheit", "/de/barrierefreiheit", h}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					r := httptest.NewRequest("GET", c.path, nil)
					r.Header.Set("Accept-Encoding", "gzip")
					for _, ck := range cookies {
						r.AddCookie(ck)
					}
					w := httptest.NewRecorder()
					c.h.ServeHTTP(w, r)
					if w.Code != 200 {
						b.Fatal(w.Code)
					}
					io.Copy(io.Discard, w.Body)
				}
			})
		})
	}
}
