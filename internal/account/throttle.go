package account

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/netip"
	"strings"
	"time"
)

// Sign-in throttling (issue 16, item 4; OWASP ASVS V2.2) instead of a hard
// lock that anyone who knows a staff address could keep in place.
//
// Three counters of wrong passwords live in the database (login_throttle,
// counted up atomically, so several instances share them): per account
// (keyed by a hash of the typed address, whether an account has it or
// not), per client address, and per pair of the account and where the
// attempt comes from. Every failure beyond a few free ones blocks the key
// for a delay that doubles with each further failure (ThrottleBase up to
// ThrottleMax); counts are forgotten after ThrottleForget without a
// failure.
//
//   - A client address over its budget is refused for everything.
//   - An account over its budget is refused to every browser without a
//     device cookie for it, from any address: guesses against one account
//     are bounded however many addresses an attacker has (ASVS 2.2.1: at
//     most 100 an hour; the doubling delays allow about a dozen).
//   - A browser that signed in to the account before carries a device
//     cookie (DeviceToken, HMAC-signed, bound to the account's address;
//     OWASP "Slow down online guessing attacks with device cookies"). It
//     is not held back by the account's block, only by its own pair
//     counter, so an attacker who keeps the account blocked does not lock
//     out its owner on the owner's own computer. The owner on a new
//     computer waits like everyone else (at most ThrottleMax).
//
// Unknown addresses take the same path: the same counters, the same
// status codes, and an argon2id check against a dummy hash, so neither the
// answer nor its time tells whether an account exists. A refusal while
// throttled checks no password at all, for known and unknown alike.
const (
	AccountFreeFailures = 5
	ClientFreeFailures  = 10
	ThrottleBase        = 15 * time.Second
	ThrottleMax         = 15 * time.Minute
	ThrottleForget      = 24 * time.Hour
)

// ThrottleStore keeps the counters (store/login_throttle.go).
type ThrottleStore interface {
	ThrottleState(ctx context.Context, key string) (failures int, blockedUntil time.Time, err error)
	// RecordThrottleFailure counts one failure atomically and returns the
	// count; a count last touched before forgetBefore starts again.
	RecordThrottleFailure(ctx context.Context, key string, now, forgetBefore time.Time) (int, error)
	BlockThrottle(ctx context.Context, key string, until time.Time) error
	ClearThrottle(ctx context.Context, key string) error
}

// ThrottledError is ErrLocked with the time to wait.
type ThrottledError struct{ RetryAfter time.Duration }

func (e *ThrottledError) Error() string        { return "sign-in throttled" }
func (e *ThrottledError) Is(target error) bool { return target == ErrLocked }

func throttleKey(kind string, parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return kind + ":" + hex.EncodeToString(h.Sum(nil))
}

type throttleKeys struct {
	account, client, pair string
	// trusted: the attempt carries a valid device cookie for the account.
	trusted bool
}

func (s *Service) keysFor(email, client, device string) throttleKeys {
	email = NormalizeEmail(email)
	client = clientNetwork(client)
	k := throttleKeys{account: throttleKey("account", email), client: throttleKey("client", client), pair: throttleKey("pair", email, client)}
	if nonce, ok := s.deviceValid(email, device); ok {
		k.pair, k.trusted = throttleKey("device", email, nonce), true
	}
	return k
}

// DeviceToken is the device cookie for a browser that just gave the right
// password for email: a random nonce and an HMAC-SHA-256 over the purpose,
// the address and the nonce.
func (s *Service) DeviceToken(email string) string {
	if len(s.DeviceKey) == 0 {
		return ""
	}
	nonce := make([]byte, 16)
	_, _ = rand.Read(nonce)
	n := base64.RawURLEncoding.EncodeToString(nonce)
	return n + "." + s.deviceMAC(NormalizeEmail(email), n)
}

func (s *Service) deviceMAC(email, nonce string) string {
	m := hmac.New(sha256.New, s.DeviceKey)
	m.Write([]byte("staff-device\x00" + email + "\x00" + nonce))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (s *Service) deviceValid(email, token string) (string, bool) {
	nonce, mac, ok := strings.Cut(token, ".")
	if !ok || len(s.DeviceKey) == 0 || len(token) > 200 {
		return "", false
	}
	return nonce, hmac.Equal([]byte(mac), []byte(s.deviceMAC(NormalizeEmail(email), nonce)))
}

// throttleDelay is the block after the n-th failure with free free ones.
func throttleDelay(n, free int) time.Duration {
	if n < free {
		return 0
	}
	d := ThrottleBase
	for i := free; i < n && d < ThrottleMax; i++ {
		d *= 2
	}
	return min(d, ThrottleMax)
}

// throttled reports how long this attempt must wait (0: go ahead).
func (s *Service) throttled(ctx context.Context, k throttleKeys, now time.Time) (time.Duration, error) {
	_, clientUntil, err := s.Store.ThrottleState(ctx, k.client)
	if err != nil {
		return 0, err
	}
	wait := clientUntil.Sub(now)
	block := k.account // an untrusted browser: the account's block
	if k.trusted {
		block = k.pair // a known browser: its own
	}
	_, until, err := s.Store.ThrottleState(ctx, block)
	if err != nil {
		return 0, err
	}
	return max(wait, until.Sub(now), 0), nil
}

// recordFailure counts a wrong password on all three keys.
func (s *Service) recordFailure(ctx context.Context, k throttleKeys, now time.Time) error {
	forget := now.Add(-ThrottleForget)
	for _, c := range []struct {
		key  string
		free int
	}{{k.account, AccountFreeFailures}, {k.client, ClientFreeFailures}, {k.pair, AccountFreeFailures}} {
		n, err := s.Store.RecordThrottleFailure(ctx, c.key, now, forget)
		if err != nil {
			return err
		}
		if c.free > 0 {
			if d := throttleDelay(n, c.free); d > 0 {
				if err := s.Store.BlockThrottle(ctx, c.key, now.Add(d)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// clientNetwork is what counts as one client: an IPv4 address, or the /64
// an IPv6 address lies in (one subscriber gets a whole /64 and can pick a
// new address for every guess).
func clientNetwork(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil || ip.Unmap().Is4() {
		return addr
	}
	p, _ := ip.Prefix(64)
	return p.String()
}
