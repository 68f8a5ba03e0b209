package main

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestDevPagesOnlyForThisMachine: the embedded default's mail catcher and
// demo office inbox (staff set-password links, decrypted applications)
// answer a client on this machine and are "not found" for anyone else,
// also when the platform listens on a public address; never cached.
func TestDevPagesOnlyForThisMachine(t *testing.T) {
	in := start(t, testConfig(t))
	for _, path := range []string{"/de/dev/post", "/de/dev/stelle"} {
		for addr, want := range map[string]int{"127.0.0.1:40000": 200, "[::1]:40000": 200, "203.0.113.7:40000": 404, "10.0.0.8:40000": 404} {
			r := httptest.NewRequest("GET", path, nil)
			r.RemoteAddr = addr
			w := httptest.NewRecorder()
			http.Handler(in.Web).ServeHTTP(w, r)
			if w.Code != want {
				t.Errorf("%s from %s: %d, want %d", path, addr, w.Code, want)
			}
			if want == 200 && w.Header().Get("Cache-Control") != "no-store" {
				t.Errorf("%s: Cache-Control %q", path, w.Header().Get("Cache-Control"))
			}
		}
	}
}
