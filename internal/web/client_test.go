package web

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

// TestClientAddr: X-Forwarded-For is believed only from a trusted proxy,
// read from the right, and never past the first address that is not a
// proxy; whatever a client writes into it itself stays unread.
func TestClientAddr(t *testing.T) {
	s := &Site{Config: Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8::/32")}}}
	for _, c := range []struct{ peer, xff, want string }{
		{"203.0.113.7:5000", "", "203.0.113.7"},
		{"203.0.113.7:5000", "198.51.100.1", "203.0.113.7"},           // not a proxy: its header is its own
		{"10.1.2.3:5000", "", "10.1.2.3"},                             // the balancer's own request
		{"10.1.2.3:5000", "203.0.113.7", "203.0.113.7"},               // the client the balancer saw
		{"10.1.2.3:5000", "198.51.100.1, 203.0.113.7", "203.0.113.7"}, // the client wrote the left one
		{"10.1.2.3:5000", "203.0.113.7, 10.9.9.9", "203.0.113.7"},     // two proxies deep
		{"127.0.0.1:5000", "203.0.113.7", "203.0.113.7"},              // a proxy on this machine
		{"[::1]:5000", "2001:db8::5, 2a00:1450::1", "2a00:1450::1"},
		{"[2001:db8::1]:5000", "::ffff:203.0.113.9", "203.0.113.9"},
		{"10.1.2.3:5000", "garbage, 203.0.113.7", "203.0.113.7"},
		{"10.1.2.3:5000", "203.0.113.7, garbage", "10.1.2.3"}, // broken after the client: the proxy
		{"10.1.2.3:5000", "10.0.0.1, 10.0.0.2", "10.0.0.1"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.peer
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if got := s.ClientAddr(r); got != c.want {
			t.Errorf("peer %s, X-Forwarded-For %q: %s, want %s", c.peer, c.xff, got, c.want)
		}
	}
	// Several header lines are one list, the last line nearest.
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "10.1.2.3:5000"
	r.Header.Add("X-Forwarded-For", "203.0.113.7")
	r.Header.Add("X-Forwarded-For", "10.0.0.9")
	if got := s.ClientAddr(r); got != "203.0.113.7" {
		t.Errorf("two header lines: %s", got)
	}
}
