package account

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math/big"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The second factor of administrators: a time-based one-time password
// (TOTP, RFC 6238, built on HOTP, RFC 4226) from an authenticator app, and
// recovery codes for when the app is gone. The parameters are the ones every
// common app supports without being told: SHA-1, 6 digits, 30 seconds.
const (
	Issuer            = "Sozialplattform"
	TOTPPeriod        = 30 * time.Second
	totpDigits        = 6
	totpSkew          = 1  // steps either side: clocks of phones drift, people type slowly
	secretBytes       = 20 // 160 bits, the key length RFC 4226 recommends for HMAC-SHA-1
	RecoveryCodeCount = 10
)

var (
	ErrNotEnrolled     = errors.New("second factor not set up")
	ErrAlreadyEnrolled = errors.New("second factor already set up")
	ErrInvalidCode     = errors.New("code wrong or already used")
)

// TOTP is a staff member's confirmed authenticator.
type TOTP struct {
	StaffID    string
	Secret     string // base32 without padding
	EnrolledAt time.Time
	// LastStep is the last time step whose code was accepted; a code of
	// that step or an earlier one is refused, so an observed code cannot be
	// replayed within its window.
	LastStep int64
}

// SecondFactorStore persists authenticators and recovery codes.
type SecondFactorStore interface {
	// FindTOTP returns ErrNotEnrolled when the staff member has none.
	FindTOTP(ctx context.Context, staffID string) (*TOTP, error)
	// EnrolTOTP stores the authenticator and replaces the recovery codes in
	// one transaction; ErrAlreadyEnrolled if there is one already.
	EnrolTOTP(ctx context.Context, t *TOTP, recoveryHashes []string) error
	// AdvanceTOTPStep records step as used if it is later than the last
	// one, and reports whether it did: a compare-and-set, so two instances
	// cannot both accept the same code.
	AdvanceTOTPStep(ctx context.Context, staffID string, step int64) (bool, error)
	ReplaceRecoveryCodes(ctx context.Context, staffID string, hashes []string) error
	// UseRecoveryCode marks an unused code as used and reports whether one
	// matched.
	UseRecoveryCode(ctx context.Context, staffID, hash string, at time.Time) (bool, error)
	CountRecoveryCodes(ctx context.Context, staffID string) (unused int, err error)
}

// NeedsSecondFactor: administrators change who may do what and where
// applications go, so a stolen password alone must not be enough for them.
func (s *Staff) NeedsSecondFactor() bool {
	return s != nil && (s.Role == SystemAdmin || s.Role == OrgAdmin)
}

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewSecret returns a random 160-bit TOTP secret in base32.
func NewSecret() string {
	b := make([]byte, secretBytes)
	rand.Read(b)
	return b32.EncodeToString(b)
}

// GroupSecret splits a secret into groups of four for typing it into an app.
func GroupSecret(secret string) string {
	var b strings.Builder
	for i, r := range secret {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// OTPAuthURI is the key URI that authenticator apps read from a QR code or
// link (the "Key Uri Format" of Google Authenticator, which all apps follow).
func OTPAuthURI(secret, email string) string {
	q := url.Values{}
	q.Set("secret", secret)
	q.Set("issuer", Issuer)
	q.Set("algorithm", "SHA1")
	q.Set("digits", strconv.Itoa(totpDigits))
	q.Set("period", strconv.Itoa(int(TOTPPeriod/time.Second)))
	u := url.URL{Scheme: "otpauth", Host: "totp", Path: "/" + Issuer + ":" + email, RawQuery: q.Encode()}
	return u.String()
}

// hotp is RFC 4226's HOTP value of key at counter, with digits digits.
func hotp(key []byte, counter uint64, digits int) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	m := hmac.New(sha1.New, key)
	m.Write(msg[:])
	sum := m.Sum(nil)
	// Dynamic truncation: the low nibble of the last byte picks four bytes.
	off := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	s := strconv.FormatUint(uint64(bin%mod), 10)
	return strings.Repeat("0", digits-len(s)) + s
}

// totpStep is the RFC 6238 time step of t (T0 = Unix epoch).
func totpStep(t time.Time) int64 { return t.Unix() / int64(TOTPPeriod/time.Second) }

// CodeAt is the code an authenticator app shows at t ("" for a malformed
// secret).
func CodeAt(secret string, t time.Time) string {
	key, err := decodeSecret(secret)
	if err != nil {
		return ""
	}
	return hotp(key, uint64(totpStep(t)), totpDigits)
}

func decodeSecret(secret string) ([]byte, error) {
	return b32.DecodeString(strings.ToUpper(strings.TrimRight(secret, "=")))
}

// NormalizeCode removes the spaces some apps show inside a code; it returns
// "" when what is left is not six digits.
func NormalizeCode(code string) string {
	code = strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\u00a0' {
			return -1
		}
		return r
	}, code)
	if len(code) != totpDigits {
		return ""
	}
	for _, r := range code {
		if r < '0' || r > '9' {
			return ""
		}
	}
	return code
}

// matchStep returns the step within the skew window around now whose code
// is code and that is later than last.
func matchStep(secret, code string, now time.Time, last int64) (int64, bool) {
	key, err := decodeSecret(secret)
	if err != nil || code == "" {
		return 0, false
	}
	cur := totpStep(now)
	var found int64
	ok := false
	// Every step of the window is computed, matched or not, so the time
	// taken says nothing about which one matched.
	for d := int64(-totpSkew); d <= totpSkew; d++ {
		step := cur + d
		if step < 0 {
			continue
		}
		eq := subtle.ConstantTimeCompare([]byte(hotp(key, uint64(step), totpDigits)), []byte(code)) == 1
		if eq && step > last && !ok {
			found, ok = step, true
		}
	}
	return found, ok
}

// Recovery codes look like "k7q2-m9xp-4t": lower case letters and digits
// without look-alikes (0/o, 1/l/i), so they can be read from paper.
const recoveryAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

func newRecoveryCode() string {
	b := make([]byte, 10)
	for i := range b {
		k, _ := rand.Int(rand.Reader, big.NewInt(int64(len(recoveryAlphabet))))
		b[i] = recoveryAlphabet[k.Int64()]
	}
	return string(b[:4]) + "-" + string(b[4:8]) + "-" + string(b[8:])
}

// normalizeRecoveryCode accepts a code typed with other case, spaces or
// without dashes.
func normalizeRecoveryCode(code string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\u00a0' {
			return -1
		}
		return r
	}, strings.ToLower(strings.TrimSpace(code)))
}

// HashRecoveryCode is what the database keeps of a code: SHA-256 over the
// staff ID and the normalized code, so equal codes of two people differ.
func HashRecoveryCode(staffID, code string) string {
	sum := sha256.Sum256([]byte(staffID + ":" + normalizeRecoveryCode(code)))
	return hex.EncodeToString(sum[:])
}

func newRecoveryCodes(staffID string) (codes, hashes []string) {
	for range RecoveryCodeCount {
		c := newRecoveryCode()
		codes = append(codes, c)
		hashes = append(hashes, HashRecoveryCode(staffID, c))
	}
	return codes, hashes
}

// Enrolled reports whether a staff member has a confirmed authenticator.
func (s *Service) Enrolled(ctx context.Context, staffID string) (bool, error) {
	_, err := s.Store.FindTOTP(ctx, staffID)
	if errors.Is(err, ErrNotEnrolled) {
		return false, nil
	}
	return err == nil, err
}

// secondFactorAttempt loads the staff member and refuses a locked account
// before any code is looked at.
func (s *Service) secondFactorAttempt(ctx context.Context, staffID string) (*Staff, time.Time, error) {
	st, err := s.Store.FindStaffByID(ctx, staffID)
	if err != nil {
		return nil, time.Time{}, err
	}
	now := s.Now()
	if now.Before(st.LockedUntil) {
		return nil, now, ErrLocked
	}
	return st, now, nil
}

// succeed completes a sign-in: only now are earlier failures forgiven.
func (s *Service) succeed(ctx context.Context, st *Staff, now time.Time) (*Staff, error) {
	if err := s.Store.RecordLoginSuccess(ctx, st.ID, now); err != nil {
		return nil, err
	}
	st.FailedLogins, st.LastLoginAt = 0, now
	return st, nil
}

// Enrol confirms a new authenticator with its first code and stores it
// with fresh recovery codes, which it returns: the only time they exist in
// clear. A wrong code counts as a failed sign-in.
func (s *Service) Enrol(ctx context.Context, staffID, secret, code string) (*Staff, []string, error) {
	st, now, err := s.secondFactorAttempt(ctx, staffID)
	if err != nil {
		return nil, nil, err
	}
	step, ok := matchStep(secret, NormalizeCode(code), now, -1)
	if !ok {
		return nil, nil, s.fail(ctx, st, now, ErrInvalidCode)
	}
	codes, hashes := newRecoveryCodes(st.ID)
	if err := s.Store.EnrolTOTP(ctx, &TOTP{StaffID: st.ID, Secret: secret, EnrolledAt: now, LastStep: step}, hashes); err != nil {
		return nil, nil, err
	}
	st, err = s.succeed(ctx, st, now)
	return st, codes, err
}

// VerifyCode checks a code from the authenticator. A code is accepted once:
// its time step is recorded, and codes of that step or earlier are refused.
func (s *Service) VerifyCode(ctx context.Context, staffID, code string) (*Staff, error) {
	st, now, err := s.secondFactorAttempt(ctx, staffID)
	if err != nil {
		return nil, err
	}
	t, err := s.Store.FindTOTP(ctx, st.ID)
	if err != nil {
		return nil, err
	}
	step, ok := matchStep(t.Secret, NormalizeCode(code), now, t.LastStep)
	if ok {
		if ok, err = s.Store.AdvanceTOTPStep(ctx, st.ID, step); err != nil {
			return nil, err
		}
	}
	if !ok {
		return nil, s.fail(ctx, st, now, ErrInvalidCode)
	}
	return s.succeed(ctx, st, now)
}

// VerifyRecoveryCode accepts each recovery code once.
func (s *Service) VerifyRecoveryCode(ctx context.Context, staffID, code string) (*Staff, error) {
	st, now, err := s.secondFactorAttempt(ctx, staffID)
	if err != nil {
		return nil, err
	}
	ok := false
	if c := normalizeRecoveryCode(code); c != "" {
		if ok, err = s.Store.UseRecoveryCode(ctx, st.ID, HashRecoveryCode(st.ID, c), now); err != nil {
			return nil, err
		}
	}
	if !ok {
		return nil, s.fail(ctx, st, now, ErrInvalidCode)
	}
	return s.succeed(ctx, st, now)
}

// RegenerateRecoveryCodes replaces all recovery codes by new ones, which it
// returns once.
func (s *Service) RegenerateRecoveryCodes(ctx context.Context, staffID string) ([]string, error) {
	if _, err := s.Store.FindTOTP(ctx, staffID); err != nil {
		return nil, err
	}
	codes, hashes := newRecoveryCodes(staffID)
	if err := s.Store.ReplaceRecoveryCodes(ctx, staffID, hashes); err != nil {
		return nil, err
	}
	return codes, nil
}
