package counselling

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"time"
	"unicode/utf8"
)

// Onboarding as the seed describes it: a centre asks for access with the
// contact form; its contact confirms the e-mail address with a single-use
// link; a system administrator checks the request and approves it, which
// creates the organisation (the caller then invites its administrator).

// Statuses of an access request.
const (
	RequestUnconfirmed = "unconfirmed" // e-mail address not confirmed yet
	RequestConfirmed   = "confirmed"   // waiting for a system administrator
	RequestApproved    = "approved"
	RequestRejected    = "rejected"
)

// ConfirmLifetime is how long the confirmation link works.
const ConfirmLifetime = 72 * time.Hour

// MaxRequestsPerAddress bounds the requests (and so the mails) for one
// address within ConfirmLifetime.
const MaxRequestsPerAddress = 3

// AccessRequest is a centre's request for access.
type AccessRequest struct {
	ID          string
	CentreName  string
	Traeger     string
	ContactName string
	Email       string
	Phone       string
	Message     string
	Status      string
	CreatedAt   time.Time
	VerifiedAt  time.Time
	DecidedAt   time.Time
	DecidedBy   string
	OrgID       string
}

// RequestStore keeps access requests.
type RequestStore interface {
	// CreateAccessRequest stores r unless max requests for its address
	// (lower-cased) were made since: then ErrTooManyRequests. Counting and
	// inserting are one atomic step, also across instances (issue 16).
	CreateAccessRequest(ctx context.Context, r *AccessRequest, tokenHash string, expires time.Time, since time.Time, max int) error
	// ConfirmAccessRequest confirms the unconfirmed request of the token,
	// once; ErrNotFound for an unknown, used or expired token.
	ConfirmAccessRequest(ctx context.Context, tokenHash string, now time.Time) (*AccessRequest, error)
	AccessRequests(ctx context.Context) ([]AccessRequest, error)
	FindAccessRequest(ctx context.Context, id string) (*AccessRequest, error)
	// DecideAccessRequest moves a confirmed request to status; ErrNotFound
	// if it is not confirmed (decided already).
	DecideAccessRequest(ctx context.Context, id, status, by, orgID string, at time.Time) error
	CreateOrganisation(ctx context.Context, o Organisation) error
}

// MaxRequestsPerClient bounds the requests from one client address a
// day: each sends a mail to an address typed by anyone.
const MaxRequestsPerClient = 10

// Limiter counts events per key in a window, atomically across instances
// (store.HitLimit).
type Limiter interface {
	HitLimit(ctx context.Context, key string, window, expired time.Time) (int, error)
}

// Onboarding runs access requests.
type Onboarding struct {
	Store RequestStore
	// Limits counts requests per client address (nil: no such limit).
	Limits Limiter
	Now    func() time.Time
}

// RequestProblems checks a request as typed.
func (r *AccessRequest) RequestProblems() []FieldError {
	var errs []FieldError
	t := strings.TrimSpace
	r.CentreName, r.Traeger, r.ContactName, r.Email, r.Phone, r.Message = t(r.CentreName), t(r.Traeger), t(r.ContactName), t(r.Email), t(r.Phone), t(r.Message)
	req := func(field, v, key string, max int) {
		switch {
		case v == "":
			errs = append(errs, FieldError{Field: field, Key: key})
		case utf8.RuneCountInString(v) > max:
			errs = append(errs, FieldError{Field: field, Key: "counselling.error.too_long", Args: []any{"max", max}})
		}
	}
	req("zugang-stelle", r.CentreName, "counselling.request.error.centre", MaxName)
	req("zugang-traeger", r.Traeger, "counselling.request.error.traeger", MaxName)
	req("zugang-name", r.ContactName, "counselling.request.error.name", 100)
	if !ValidEmail(r.Email) {
		errs = append(errs, FieldError{Field: "zugang-email", Key: "counselling.error.email"})
	}
	if r.Phone != "" && !ValidPhone(r.Phone) {
		errs = append(errs, FieldError{Field: "zugang-telefon", Key: "counselling.error.phone"})
	}
	if utf8.RuneCountInString(r.Message) > MaxText {
		errs = append(errs, FieldError{Field: "zugang-nachricht", Key: "counselling.error.too_long", Args: []any{"max", MaxText}})
	}
	return errs
}

// Request records a request and returns the confirmation token for the
// mail to its contact.
func (o *Onboarding) Request(ctx context.Context, r *AccessRequest, client string) (string, error) {
	if p := r.RequestProblems(); len(p) > 0 {
		return "", &ValidationError{p}
	}
	if o.Limits != nil {
		now := o.Now()
		day := now.Truncate(24 * time.Hour)
		h := sha256.Sum256([]byte("access-client\x00" + client))
		n, err := o.Limits.HitLimit(ctx, "access-client:"+hex.EncodeToString(h[:16]), day, now.Add(-48*time.Hour))
		if err != nil {
			return "", err
		}
		if n > MaxRequestsPerClient {
			return "", &ValidationError{[]FieldError{{Field: "zugang-email", Key: "counselling.request.error.too_many_client"}}}
		}
	}
	// The form sends a mail to whatever address is typed: a few a day per
	// address, so it cannot be used to flood somebody's mailbox.
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	r.ID, r.Status, r.CreatedAt = newID(), RequestUnconfirmed, o.Now()
	err := o.Store.CreateAccessRequest(ctx, r, tokenHash(token), r.CreatedAt.Add(ConfirmLifetime), r.CreatedAt.Add(-ConfirmLifetime), MaxRequestsPerAddress)
	if errors.Is(err, ErrTooManyRequests) {
		return "", &ValidationError{[]FieldError{{Field: "zugang-email", Key: "counselling.request.error.too_many"}}}
	}
	return token, err
}

// ErrTooManyRequests: the address had MaxRequestsPerAddress requests
// within ConfirmLifetime.
var ErrTooManyRequests = errors.New("counselling: too many access requests for this address")

func tokenHash(t string) string {
	h := sha256.Sum256([]byte(t))
	return hex.EncodeToString(h[:])
}

// Confirm confirms the contact's e-mail address (the link's POST).
func (o *Onboarding) Confirm(ctx context.Context, token string) (*AccessRequest, error) {
	if token == "" || len(token) > 100 {
		return nil, ErrNotFound
	}
	return o.Store.ConfirmAccessRequest(ctx, tokenHash(token), o.Now())
}

// Requests lists every request, for system administrators.
func (o *Onboarding) Requests(ctx context.Context, a Actor) ([]AccessRequest, error) {
	if a.Role != RoleSystemAdmin {
		return nil, ErrForbidden
	}
	return o.Store.AccessRequests(ctx)
}

// Approve creates the organisation of a confirmed request (named after
// its Träger) and returns both; the caller invites the contact as its
// administrator.
func (o *Onboarding) Approve(ctx context.Context, a Actor, id string) (*AccessRequest, *Organisation, error) {
	if a.Role != RoleSystemAdmin {
		return nil, nil, ErrForbidden
	}
	r, err := o.Store.FindAccessRequest(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if r.Status != RequestConfirmed {
		return nil, nil, ErrNotConfirmed
	}
	org := &Organisation{ID: newID(), Name: r.Traeger, CreatedAt: o.Now()}
	if err := o.Store.DecideAccessRequest(ctx, id, RequestApproved, a.ID, org.ID, org.CreatedAt); err != nil {
		return nil, nil, err
	}
	if err := o.Store.CreateOrganisation(ctx, *org); err != nil {
		return nil, nil, err
	}
	r.Status, r.OrgID = RequestApproved, org.ID
	return r, org, nil
}

// Reject closes a confirmed request.
func (o *Onboarding) Reject(ctx context.Context, a Actor, id string) error {
	if a.Role != RoleSystemAdmin {
		return ErrForbidden
	}
	return o.Store.DecideAccessRequest(ctx, id, RequestRejected, a.ID, "", o.Now())
}

// ErrNotConfirmed: the request's e-mail address is not confirmed, or it
// was decided already.
var ErrNotConfirmed = errors.New("counselling: request not confirmed or decided")
