package main

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/sozialplattform/sozialplattform/internal/web"
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
		// Behind a proxy on this machine every peer is loopback: the client
		// the proxy names decides.
		r := httptest.NewRequest("GET", path, nil)
		r.RemoteAddr = "127.0.0.1:40000"
		r.Header.Set("X-Forwarded-For", "127.0.0.1, 203.0.113.7")
		w := httptest.NewRecorder()
		http.Handler(in.Web).ServeHTTP(w, r)
		if w.Code != 404 {
			t.Errorf("%s for 203.0.113.7 through a proxy on this machine: %d, want 404", path, w.Code)
		}
	}
}

// TestLongFinderQueriesAreCut: a finder query of 20,000 characters is read
// (and echoed) only up to web.MaxQueryRunes, so the page is about as large
// as with an ordinary query instead of many times its size.
func TestLongFinderQueriesAreCut(t *testing.T) {
	in := start(t, testConfig(t))
	b := newBrowser(t, in.base)
	long := strings.Repeat("Schuldnerberatung ", 1200)
	for _, c := range []struct{ short, long string }{
		{"/de/beratung?q=Schulden&ort=K%C3%B6ln", "/de/beratung?q=" + url.QueryEscape(long) + "&ort=" + url.QueryEscape(long)},
		{"/de/zustaendige-stelle?ort=K%C3%B6ln", "/de/zustaendige-stelle?ort=" + url.QueryEscape(long)},
	} {
		s, l := b.get(c.short), b.get(c.long)
		if l.status >= 500 || len(l.body) > 2*len(s.body)+4*web.MaxQueryRunes*8 {
			t.Errorf("%s: %d bytes (status %d) against %d for a short query", c.short, len(l.body), l.status, len(s.body))
		}
		if strings.Contains(l.body, strings.Repeat("Schuldnerberatung ", 10)) {
			t.Errorf("%s: the long query is echoed whole", c.short)
		}
	}
	if p := b.get("/api/v1/places?q=" + url.QueryEscape(long)); p.status >= 500 || len(p.body) > 4096 {
		t.Errorf("places API: %d, %d bytes", p.status, len(p.body))
	}
}

// TestPersonalAndStaffPagesAreNeverCached holds the route table against
// the rule: every page that shows or takes personal data — the
// application assistant, the personal area and sign-in, the back office
// and the development pages — is Cache-Control: no-store, so browser Back
// after sign-out shows nothing; and a signed-in administrator's pages say
// so on the wire.
func TestPersonalAndStaffPagesAreNeverCached(t *testing.T) {
	in := start(t, testConfig(t))
	personal := []string{"/antrag/{leika}", "/konto", "/anmelden", "/abmelden", "/intern/", "/dev/", "/beratung/fuer-beratungsstellen"}
	n := 0
	for pattern, noStore := range in.Web.Site.NoStoreRoutes() {
		for _, p := range personal {
			if strings.Contains(pattern, p) {
				n++
				if !noStore {
					t.Errorf("%s can be cached", pattern)
				}
				break
			}
		}
	}
	if n < 40 {
		t.Fatalf("only %d personal routes found: the table changed shape", n)
	}
	b := newBrowser(t, in.base)
	signInStaff(t, in, b, "de")
	for _, path := range []string{"/de/intern/", "/de/intern/team", "/de/intern/beratungsstellen", "/de/intern/zugangsanfragen", "/de/intern/protokoll", "/de/intern/anmelden"} {
		if p := b.get(path); p.header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s (%d): Cache-Control %q", path, p.status, p.header.Get("Cache-Control"))
		}
	}
}
