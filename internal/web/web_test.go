package web

import (
	"net/http"
	"strings"
	"testing"

	"github.com/sozialplattform/sozialplattform/internal/i18n"
)

func TestSafeReturnStaysOnTheSite(t *testing.T) {
	de, _ := i18n.Lookup("de")
	for in, want := range map[string]string{
		"/de/hilfe":             "/de/hilfe",
		"/de/antrag/x?ars=05":   "/de/antrag/x?ars=05",
		"/de/antrag/x?a=\\b":    "/de/antrag/x",
		"//evil.example/":       "/de/",
		"/\\evil.example/":      "/de/",
		"https://evil.example/": "/de/",
		"javascript:alert(1)":   "/de/",
		"/de/hilfe\r\nX: y":     "/de/",
		"":                      "/de/",
	} {
		if got := SafeReturn(de, in); got != want {
			t.Errorf("SafeReturn(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzSafeReturn: whatever a form sends as the page to return to, the result
// is a path on this site that no browser reads as another host.
func FuzzSafeReturn(f *testing.F) {
	for _, s := range []string{"/de/hilfe", "//x", "/\\x", "http://x", "/%2F%2Fx", "\x00"} {
		f.Add(s)
	}
	de, _ := i18n.Lookup("de")
	f.Fuzz(func(t *testing.T, p string) {
		got := SafeReturn(de, p)
		if !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.ContainsAny(got, "\\\r\n\x00") {
			t.Fatalf("SafeReturn(%q) = %q", p, got)
		}
	})
}

// FuzzNegotiateEncoding: any Accept-Encoding gives br, gzip or nothing.
func FuzzNegotiateEncoding(f *testing.F) {
	for _, s := range []string{"gzip, deflate, br", "br;q=0", "gzip;q=0.5, *;q=0", ";;,,q=", "identity"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ae string) {
		r, _ := http.NewRequest("GET", "/", nil)
		r.Header.Set("Accept-Encoding", ae)
		switch e := NegotiateEncoding(r); e {
		case "", "br", "gzip":
		default:
			t.Fatalf("%q gave %q", ae, e)
		}
	})
}
