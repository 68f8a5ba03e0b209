// Package account holds staff accounts (system administrators, organisation
// administrators, counsellors) and their sign-in with lockout.
package account

import (
	"context"
	"crypto/rand"
	"errors"
	"math/big"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Role of a staff member.
type Role string

const (
	SystemAdmin Role = "system-admin"
	OrgAdmin    Role = "org-admin"
	Counsellor  Role = "counsellor"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == SystemAdmin || r == OrgAdmin || r == Counsellor }

// Staff is a staff account.
type Staff struct {
	ID           string
	Email        string
	DisplayName  string
	Role         Role
	PasswordHash string
	FailedLogins int
	LockedUntil  time.Time
	CreatedAt    time.Time
	LastLoginAt  time.Time
	// OrgID is the organisation (a counselling centre's Träger) an
	// organisation administrator or counsellor belongs to; "" for system
	// administrators.
	OrgID string
}

// Lockout policy for the second factor: after MaxFailures wrong codes in a
// row the account is locked for LockDuration (only someone who knows the
// password gets that far). Wrong passwords are throttled (throttle.go).
const (
	MaxFailures  = 5
	LockDuration = 15 * time.Minute
	MinPassword  = 12
)

var (
	ErrNotFound     = errors.New("account not found")
	ErrExists       = errors.New("an account with this email exists")
	ErrInvalidLogin = errors.New("email or password wrong")
	ErrLocked       = errors.New("account locked")
	ErrInvalid      = errors.New("invalid account data")
)

// Store persists staff accounts.
type Store interface {
	CreateStaff(ctx context.Context, s *Staff) error // ErrExists on duplicate email
	FindStaffByEmail(ctx context.Context, email string) (*Staff, error)
	FindStaffByID(ctx context.Context, id string) (*Staff, error)
	RecordLoginFailure(ctx context.Context, id string, failures int, lockedUntil time.Time) error
	RecordLoginSuccess(ctx context.Context, id string, at time.Time) error
	SecondFactorStore
	ThrottleStore
}

// Service is the staff account logic.
type Service struct {
	Store Store
	// Tokens keeps invitation links and teams (team.go).
	Tokens TeamStore
	Now    func() time.Time
	// DeviceKey signs device cookies (throttle.go): a browser that has
	// signed in to an account before keeps its way in while the account
	// is throttled for everyone else. Without a key no cookie is valid.
	DeviceKey []byte
}

// NormalizeEmail lower-cases and trims an address.
func NormalizeEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

// Create adds a staff account after validating it.
func (s *Service) Create(ctx context.Context, email, name string, role Role, password string) (*Staff, error) {
	email = NormalizeEmail(email)
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email {
		return nil, errors.Join(ErrInvalid, errors.New("email address is not valid"))
	}
	if !role.Valid() {
		return nil, errors.Join(ErrInvalid, errors.New("unknown role"))
	}
	if utf8.RuneCountInString(password) < MinPassword {
		return nil, errors.Join(ErrInvalid, errors.New("password must have at least 12 characters"))
	}
	name = strings.TrimSpace(name)
	if name == "" {
		name = email
	}
	hash, err := HashPassword(password)
	if err != nil {
		return nil, err
	}
	st := &Staff{ID: uuid.NewString(), Email: email, DisplayName: name, Role: role, PasswordHash: hash, CreatedAt: s.Now()}
	if err := s.Store.CreateStaff(ctx, st); err != nil {
		return nil, err
	}
	return st, nil
}

// Authenticate is SignIn without a known client address.
func (s *Service) Authenticate(ctx context.Context, email, password string) (*Staff, error) {
	return s.SignIn(ctx, email, password, "", "")
}

// SignIn checks email and password from client (the client's address).
// Wrong passwords are throttled (throttle.go); unknown emails and wrong
// passwords give the same errors and take the same time. A lock from wrong
// second factors (fail) is only told to whoever knows the password. For
// staff who NeedsSecondFactor a right password is only the first step: the
// sign-in is complete after VerifyCode, VerifyRecoveryCode or Enrol.
func (s *Service) SignIn(ctx context.Context, email, password, client, device string) (*Staff, error) {
	now := s.Now()
	k := s.keysFor(email, client, device)
	wait, err := s.throttled(ctx, k, now)
	if err != nil {
		return nil, err
	}
	if wait > 0 {
		return nil, &ThrottledError{RetryAfter: wait}
	}
	st, err := s.Store.FindStaffByEmail(ctx, NormalizeEmail(email))
	hash := dummyHash
	if err == nil {
		hash = st.PasswordHash
	} else if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	ok, err := CheckPassword(hash, password)
	if err != nil {
		return nil, err
	}
	if !ok || st == nil {
		if err := s.recordFailure(ctx, k, now); err != nil {
			return nil, err
		}
		// The failure that starts a delay says so at once.
		if wait, err := s.throttled(ctx, k, now); err != nil || wait > 0 {
			if err != nil {
				return nil, err
			}
			return nil, &ThrottledError{RetryAfter: wait}
		}
		return nil, ErrInvalidLogin
	}
	if err := s.Store.ClearThrottle(ctx, k.account); err != nil {
		return nil, err
	}
	if err := s.Store.ClearThrottle(ctx, k.pair); err != nil {
		return nil, err
	}
	if now.Before(st.LockedUntil) {
		return nil, ErrLocked
	}
	if st.NeedsSecondFactor() {
		// The second-factor failures are forgiven only when the second
		// factor is right too.
		return st, nil
	}
	return s.succeed(ctx, st, now)
}

// fail counts a failed attempt (a wrong password or a wrong second factor)
// and locks the account at MaxFailures; it returns ErrLocked then, else
// refused.
func (s *Service) fail(ctx context.Context, st *Staff, now time.Time, refused error) error {
	failures := st.FailedLogins + 1
	var until time.Time
	if failures >= MaxFailures {
		until = now.Add(LockDuration)
		failures = 0
	}
	if err := s.Store.RecordLoginFailure(ctx, st.ID, failures, until); err != nil {
		return err
	}
	if !until.IsZero() {
		return ErrLocked
	}
	return refused
}

// GeneratePassword returns a random password of n characters from an
// alphabet without look-alike characters.
func GeneratePassword(n int) string {
	const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, n)
	for i := range b {
		k, _ := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		b[i] = alphabet[k.Int64()]
	}
	return string(b)
}

// CanManageOffices: only system administrators keep the directory of
// responsible offices; it decides where applications are sent.
func (s *Staff) CanManageOffices() bool { return s != nil && s.Role == SystemAdmin }

// CanOperateDeliveries: the delivery overview (numbers, routes, errors;
// no answers) is for system administrators.
func (s *Staff) CanOperateDeliveries() bool { return s != nil && s.Role == SystemAdmin }
