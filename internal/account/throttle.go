package account

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Sign-in throttling (issue 16, item 4; OWASP ASVS V2.2) instead of a hard
// lock that anyone who knows a staff address could keep in place.
//
// Three counters of wrong passwords live in the database (login_throttle,
// counted up atomically, so several instances share them): per account
// (keyed by a hash of the typed address, whether an account has it or
// not), per client address, and per pair of both. Every failure beyond a
// few free ones blocks the key for a delay that doubles with each further
// failure (ThrottleBase up to ThrottleMax); counts are forgotten after
// ThrottleForget without a failure.
//
//   - A client address over its budget is refused for everything.
//   - An account over its budget is refused only to client addresses that
//     have failed for it themselves (the pair counter). A client that has not
//     failed still gets its attempt, so an attacker who keeps failing holds
//     back only himself and the clients he fails from, never the owner
//     signing in from elsewhere. Each new client address buys one guess
//     against a throttled account, which the per-client counter bounds.
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

type throttleKeys struct{ account, client, pair string }

func keysFor(email, client string) throttleKeys {
	email = NormalizeEmail(email)
	return throttleKeys{account: throttleKey("account", email), client: throttleKey("client", client), pair: throttleKey("pair", email, client)}
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
	pairFailures, _, err := s.Store.ThrottleState(ctx, k.pair)
	if err != nil {
		return 0, err
	}
	if pairFailures > 0 {
		_, accountUntil, err := s.Store.ThrottleState(ctx, k.account)
		if err != nil {
			return 0, err
		}
		wait = max(wait, accountUntil.Sub(now))
	}
	return max(wait, 0), nil
}

// recordFailure counts a wrong password on all three keys.
func (s *Service) recordFailure(ctx context.Context, k throttleKeys, now time.Time) error {
	forget := now.Add(-ThrottleForget)
	for _, c := range []struct {
		key  string
		free int
	}{{k.account, AccountFreeFailures}, {k.client, ClientFreeFailures}, {k.pair, 0}} {
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
