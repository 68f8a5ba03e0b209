package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Teams: an organisation's administrators and counsellors. Accounts are
// made by invitation: the platform e-mails the user name and a link to set
// the password (never a password), single-use, stored only as a hash and
// valid for InvitationLifetime. Who may invite whom is decided here.

// InvitationLifetime is how long a set-password link works.
const InvitationLifetime = 72 * time.Hour

// Token purposes.
const PurposeSetPassword = "set-password"

// ErrForbidden: the acting person may not do this.
var ErrForbidden = errors.New("account: not allowed")

// ErrTokenInvalid: the link is unknown, used or expired.
var ErrTokenInvalid = errors.New("account: link not valid")

// TeamStore keeps the tokens and lists an organisation's staff.
type TeamStore interface {
	StaffOfOrg(ctx context.Context, orgID string) ([]*Staff, error)
	CreateToken(ctx context.Context, hash, staffID, purpose string, expires time.Time) error
	// FindToken returns the staff ID of a token that is unused and not
	// expired at now.
	FindToken(ctx context.Context, hash, purpose string, now time.Time) (string, error)
	// UseToken marks it used (only once: ErrTokenInvalid for the second).
	UseToken(ctx context.Context, hash, purpose string, now time.Time) (string, error)
	SetPasswordHash(ctx context.Context, staffID, hash string) error
}

// mayManage: system administrators any organisation, organisation
// administrators their own.
func mayManage(actor *Staff, orgID string) bool {
	if actor == nil || orgID == "" {
		return false
	}
	return actor.Role == SystemAdmin || (actor.Role == OrgAdmin && actor.OrgID == orgID)
}

// Team lists the staff of an organisation.
func (s *Service) Team(ctx context.Context, actor *Staff, orgID string) ([]*Staff, error) {
	if !mayManage(actor, orgID) {
		return nil, ErrForbidden
	}
	return s.Tokens.StaffOfOrg(ctx, orgID)
}

// Invite creates an account without a password in orgID and returns it
// with the set-password token for the invitation mail.
func (s *Service) Invite(ctx context.Context, actor *Staff, email, name string, role Role, orgID string) (*Staff, string, error) {
	if !mayManage(actor, orgID) || (role != OrgAdmin && role != Counsellor) {
		return nil, "", ErrForbidden
	}
	email = NormalizeEmail(email)
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email {
		return nil, "", errors.Join(ErrInvalid, errors.New("email address is not valid"))
	}
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 100 {
		return nil, "", errors.Join(ErrInvalid, errors.New("name missing or too long"))
	}
	// Until the link is used nobody knows a password that works.
	unusable, err := HashPassword(GeneratePassword(32))
	if err != nil {
		return nil, "", err
	}
	st := &Staff{ID: uuid.NewString(), Email: email, DisplayName: name, Role: role, PasswordHash: unusable, CreatedAt: s.Now(), OrgID: orgID}
	if err := s.Store.CreateStaff(ctx, st); err != nil {
		return nil, "", err
	}
	token, err := s.NewToken(ctx, st.ID, PurposeSetPassword, InvitationLifetime)
	return st, token, err
}

// NewToken makes a single-use token for staffID; only its hash is kept.
func (s *Service) NewToken(ctx context.Context, staffID, purpose string, lifetime time.Duration) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	if err := s.Tokens.CreateToken(ctx, TokenHash(token), staffID, purpose, s.Now().Add(lifetime)); err != nil {
		return "", err
	}
	return token, nil
}

// TokenHash is what is stored of a token.
func TokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// InvitedStaff returns whom a set-password link is for, without using it
// (the page a mail scanner may open changes nothing).
func (s *Service) InvitedStaff(ctx context.Context, token string) (*Staff, error) {
	if len(token) > 100 {
		return nil, ErrTokenInvalid
	}
	id, err := s.Tokens.FindToken(ctx, TokenHash(token), PurposeSetPassword, s.Now())
	if err != nil {
		return nil, ErrTokenInvalid
	}
	return s.Store.FindStaffByID(ctx, id)
}

// SetPasswordWithToken uses the link once and sets the password.
func (s *Service) SetPasswordWithToken(ctx context.Context, token, password string) (*Staff, error) {
	if utf8.RuneCountInString(password) < MinPassword {
		return nil, errors.Join(ErrInvalid, errors.New("password too short"))
	}
	if len(token) > 100 {
		return nil, ErrTokenInvalid
	}
	hash, err := HashPassword(password)
	if err != nil {
		return nil, err
	}
	id, err := s.Tokens.UseToken(ctx, TokenHash(token), PurposeSetPassword, s.Now())
	if err != nil {
		return nil, ErrTokenInvalid
	}
	if err := s.Tokens.SetPasswordHash(ctx, id, hash); err != nil {
		return nil, err
	}
	return s.Store.FindStaffByID(ctx, id)
}
