// Package session keeps server-side sessions in the database, so that any
// instance behind a load balancer can serve any request. The browser holds only
// a random token; the database holds its SHA-256 hash.
package session

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"time"
)

// Kind separates visitors from staff: they have different lifetimes.
type Kind string

const (
	Visitor Kind = "visitor"
	Staff   Kind = "staff"
	// Citizen: signed in with BundID.
	Citizen Kind = "citizen"
)

// Policy is how long a session of a kind lives.
type Policy struct {
	Idle     time.Duration // since the last request
	Absolute time.Duration // since sign-in or creation
}

// Policies follow the seed's privacy notice: the portal's session cookie is
// gone at the latest 24 hours after the last interaction, an administrator's
// after one hour.
var Policies = map[Kind]Policy{
	Visitor: {Idle: 24 * time.Hour, Absolute: 7 * 24 * time.Hour},
	Staff:   {Idle: time.Hour, Absolute: 12 * time.Hour},
	// A signed-in citizen: short idle time on shared or lost phones; drafts
	// are kept separately for 24 hours.
	Citizen: {Idle: 30 * time.Minute, Absolute: 8 * time.Hour},
}

// touchEvery limits writes: a request refreshes the idle deadline in the
// database at most this often.
const touchEvery = time.Minute

// ErrNotFound means no live session has that token.
var ErrNotFound = errors.New("session not found")

// Record is a session as stored.
type Record struct {
	TokenHash  string
	Kind       Kind
	StaffID    string
	Data       map[string]string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

// Store persists sessions.
type Store interface {
	// FindSession returns the session with that token hash if it has not
	// expired at now, else ErrNotFound.
	FindSession(ctx context.Context, tokenHash string, now time.Time) (*Record, error)
	SaveSession(ctx context.Context, r *Record) error
	DeleteSession(ctx context.Context, tokenHash string) error
	DeleteStaffSessions(ctx context.Context, staffID string) error
}

// Session is the request's view of a session.
type Session struct {
	rec   Record
	token string // set only for a session created or renewed in this request
	isNew bool
	dirty bool
	// citizenGone: the browser came with the token of a citizen session
	// that has ended (idle or absolute time over) and was not signed out.
	citizenGone bool
}

// CitizenExpired reports whether this request came from a browser whose
// BundID sign-in ended by itself (not by signing out): the page it lands on
// can say so, and where the saved draft is.
func (s *Session) CitizenExpired() bool { return s.citizenGone }

// Touch makes Save write the session, moving its idle deadline: "stay
// signed in".
func (s *Session) Touch() { s.dirty = true }

// IdleLimit is how long the session lives without a request.
func (s *Session) IdleLimit() time.Duration { return Policies[s.rec.Kind].Idle }

// ExpiresAt is when the session ends unless a request comes first (zero
// for a session not stored yet).
func (s *Session) ExpiresAt() time.Time { return s.rec.ExpiresAt }

// Get returns a value stored in the session.
func (s *Session) Get(key string) string { return s.rec.Data[key] }

// Set stores a value; the manager writes it when Save is called.
func (s *Session) Set(key, value string) {
	if s.rec.Data == nil {
		s.rec.Data = map[string]string{}
	}
	if s.rec.Data[key] != value {
		s.rec.Data[key] = value
		s.dirty = true
	}
}

// Delete removes a value.
func (s *Session) Delete(key string) {
	if _, ok := s.rec.Data[key]; ok {
		delete(s.rec.Data, key)
		s.dirty = true
	}
}

// StaffID is the signed-in staff member, or "".
func (s *Session) StaffID() string { return s.rec.StaffID }

// Kind is the session's kind.
func (s *Session) Kind() Kind { return s.rec.Kind }

// Stored reports whether the session exists in the database.
func (s *Session) Stored() bool { return !s.isNew }

// Manager loads and saves sessions.
type Manager struct {
	Store  Store
	Now    func() time.Time
	Secure bool // set the cookie Secure and with the __Host- prefix
}

// CookieName is the session cookie's name for the manager's security mode.
func (m *Manager) CookieName() string {
	if m.Secure {
		return "__Host-sp_session"
	}
	return "sp_session"
}

// CitizenCookieName is the cookie that marks a browser signed in with
// BundID. It holds no identifier ("1"), lives as long as the browser
// session, and is removed at sign-out; with it, a session cookie whose
// session has ended tells a signed-in person's expired sign-in apart from a
// visitor's.
func (m *Manager) CitizenCookieName() string {
	if m.Secure {
		return "__Host-sp_citizen"
	}
	return "sp_citizen"
}

// Load returns the request's session: the stored one if the cookie names a
// live session, otherwise a fresh unsaved visitor session.
func (m *Manager) Load(r *http.Request) (*Session, error) {
	c, err := r.Cookie(m.CookieName())
	if err != nil || !validToken(c.Value) {
		return m.fresh(), nil
	}
	now := m.Now()
	rec, err := m.Store.FindSession(r.Context(), hashToken(c.Value), now)
	if errors.Is(err, ErrNotFound) {
		s := m.fresh()
		if mark, err := r.Cookie(m.CitizenCookieName()); err == nil && mark.Value == "1" {
			s.citizenGone = true
		}
		return s, nil
	}
	if err != nil {
		return nil, err
	}
	s := &Session{rec: *rec}
	if now.Sub(rec.LastSeenAt) >= touchEvery {
		s.dirty = true // refreshes the idle deadline on Save
	}
	return s, nil
}

func (m *Manager) fresh() *Session {
	return &Session{rec: Record{Kind: Visitor, Data: map[string]string{}}, isNew: true}
}

// Save writes the session if it changed and sets the cookie for a new one.
// It must be called before the response header is written.
func (m *Manager) Save(ctx context.Context, w http.ResponseWriter, s *Session) error {
	if !s.dirty && !s.isNew {
		return nil
	}
	if s.isNew && !s.dirty {
		return nil // nothing worth storing: no cookie for a session with no data
	}
	now := m.Now()
	if s.isNew {
		s.token = newToken()
		s.rec.TokenHash = hashToken(s.token)
		s.rec.CreatedAt = now
	}
	p := Policies[s.rec.Kind]
	s.rec.LastSeenAt = now
	s.rec.ExpiresAt = minTime(now.Add(p.Idle), s.rec.CreatedAt.Add(p.Absolute))
	if err := m.Store.SaveSession(ctx, &s.rec); err != nil {
		return err
	}
	if s.token != "" {
		m.setCookie(w, s.token)
	}
	s.isNew, s.dirty = false, false
	return nil
}

// SignInStaff replaces the session by a new staff session with a new token
// (no session fixation) and saves it.
func (m *Manager) SignInStaff(ctx context.Context, w http.ResponseWriter, s *Session, staffID string) error {
	if !s.isNew {
		if err := m.Store.DeleteSession(ctx, s.rec.TokenHash); err != nil {
			return err
		}
	}
	data := s.rec.Data
	*s = Session{rec: Record{Kind: Staff, StaffID: staffID, Data: data}, isNew: true, dirty: true}
	return m.Save(ctx, w, s)
}

// Renew gives the session a new token, keeping its kind and data, and saves
// it: a token someone may have planted (fixation) is worth nothing after a
// step that is not yet a sign-in but leads to one, such as the right
// password before the second factor.
func (m *Manager) Renew(ctx context.Context, w http.ResponseWriter, s *Session) error {
	if !s.isNew {
		if err := m.Store.DeleteSession(ctx, s.rec.TokenHash); err != nil {
			return err
		}
	}
	*s = Session{rec: Record{Kind: s.rec.Kind, StaffID: s.rec.StaffID, Data: s.rec.Data}, isNew: true, dirty: true}
	return m.Save(ctx, w, s)
}

// SignInCitizen replaces the session by a new citizen session with a new
// token (no session fixation). owner keys "sign out everywhere" (see
// CitizenOwner); data holds the identity.
func (m *Manager) SignInCitizen(ctx context.Context, w http.ResponseWriter, s *Session, owner string, data map[string]string) error {
	if !s.isNew {
		if err := m.Store.DeleteSession(ctx, s.rec.TokenHash); err != nil {
			return err
		}
	}
	merged := map[string]string{}
	for k, v := range s.rec.Data {
		merged[k] = v
	}
	for k, v := range data {
		merged[k] = v
	}
	*s = Session{rec: Record{Kind: Citizen, StaffID: owner, Data: merged}, isNew: true, dirty: true}
	if err := m.Save(ctx, w, s); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: m.CitizenCookieName(), Value: "1", Path: "/",
		HttpOnly: true, Secure: m.Secure, SameSite: http.SameSiteLaxMode})
	return nil
}

// CitizenOwner is the owner key of a citizen's sessions: a hash of the
// BundID subject, so the sessions table holds no identifier in clear.
func CitizenOwner(subject string) string {
	sum := sha256.Sum256([]byte("citizen:" + subject))
	return "citizen:" + hex.EncodeToString(sum[:16])
}

// DestroyAllForOwner signs a citizen out on every device.
func (m *Manager) DestroyAllForOwner(ctx context.Context, owner string) error {
	return m.Store.DeleteStaffSessions(ctx, owner)
}

// Owner is the owner key of the session (staff ID or citizen owner).
func (s *Session) Owner() string { return s.rec.StaffID }

// Destroy deletes the session and clears the cookie.
func (m *Manager) Destroy(ctx context.Context, w http.ResponseWriter, s *Session) error {
	if !s.isNew {
		if err := m.Store.DeleteSession(ctx, s.rec.TokenHash); err != nil {
			return err
		}
	}
	*s = *m.fresh()
	for _, name := range []string{m.CookieName(), m.CitizenCookieName()} {
		http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1,
			HttpOnly: true, Secure: m.Secure, SameSite: http.SameSiteLaxMode})
	}
	return nil
}

// DestroyAllForStaff signs a staff member out everywhere.
func (m *Manager) DestroyAllForStaff(ctx context.Context, staffID string) error {
	return m.Store.DeleteStaffSessions(ctx, staffID)
}

func (m *Manager) setCookie(w http.ResponseWriter, token string) {
	// No Max-Age: the cookie ends with the browser session; the server-side
	// deadline ends it earlier.
	http.SetCookie(w, &http.Cookie{Name: m.CookieName(), Value: token, Path: "/",
		HttpOnly: true, Secure: m.Secure, SameSite: http.SameSiteLaxMode})
}

func newToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func validToken(t string) bool {
	if len(t) != 43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(t)
	return err == nil
}

func hashToken(t string) string {
	h := sha256.Sum256([]byte(t))
	return hex.EncodeToString(h[:])
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

type ctxKey struct{}

// NewContext attaches a session to a context.
func NewContext(ctx context.Context, s *Session) context.Context {
	return context.WithValue(ctx, ctxKey{}, s)
}

// FromContext returns the request's session, or nil.
func FromContext(ctx context.Context) *Session {
	s, _ := ctx.Value(ctxKey{}).(*Session)
	return s
}
