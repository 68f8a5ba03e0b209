package web

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ClientAddr is the address of the client a request came from, for rate
// limits, sign-in throttling and the loopback-only pages. Behind a load
// balancer every request arrives from the balancer, so limits per address
// would count all visitors as one (and one visitor could lock everybody
// out); the balancer names the client in X-Forwarded-For. That header is
// believed only from a trusted proxy: a peer on loopback or in
// Config.TrustedProxies. The list is read from the right (each proxy
// appends the address it saw) and the first address that is not itself a
// trusted proxy is the client; anything a client wrote into the header
// itself stands further left and is never reached. A malformed entry ends
// the walk at the last trusted hop, so a broken header can only make the
// client look like the proxy, never like someone else.
func (s *Site) ClientAddr(r *http.Request) string {
	peer := remoteIP(r.RemoteAddr)
	if !peer.IsValid() {
		return r.RemoteAddr
	}
	if !s.trusted(peer) {
		return peer.String()
	}
	client := peer
	hops := r.Header.Values("X-Forwarded-For")
	for i := len(hops) - 1; i >= 0; i-- {
		parts := strings.Split(hops[i], ",")
		for j := len(parts) - 1; j >= 0; j-- {
			ip, err := netip.ParseAddr(strings.TrimSpace(parts[j]))
			if err != nil {
				return client.String()
			}
			client = ip.Unmap()
			if !s.trusted(client) {
				return client.String()
			}
		}
	}
	return client.String()
}

// trusted: ip is a proxy whose X-Forwarded-For is believed. Loopback always
// is: a proxy on this machine (or a person at it) can reach everything
// anyway.
func (s *Site) trusted(ip netip.Addr) bool {
	if ip.IsLoopback() {
		return true
	}
	for _, p := range s.Config.TrustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

func remoteIP(remote string) netip.Addr {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return ip.Unmap()
}
