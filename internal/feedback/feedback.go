// Package feedback holds the page feedback (rating 1–5 and an optional
// comment, no personal data asked) and the barrier reports of the
// accessibility statement's feedback mechanism.
package feedback

import (
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"io"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/sozialplattform/sozialplattform/internal/account"
)

// Limits on free text, in characters.
const (
	MaxComment     = 1000
	MaxDescription = 4000
	MaxPage        = 300
)

// Entry is one page rating.
type Entry struct {
	ID        string
	Page      string // path of the rated page, without query
	Lang      string
	Rating    int
	Comment   string
	CreatedAt time.Time
}

// BarrierReport is a report of an accessibility barrier.
type BarrierReport struct {
	ID           string
	Page         string
	Lang         string
	Description  string
	ContactEmail string // optional, only to answer the report
	CreatedAt    time.Time
}

// Reference is the short number that the confirmation mail and the
// operator's copy both name, so that a reply can be matched to a report.
func (b *BarrierReport) Reference() string {
	return "B-" + strings.ToUpper(strings.ReplaceAll(b.ID, "-", "")[:10])
}

// FieldError names a field and a message key.
type FieldError struct {
	Field string
	Key   string // i18n key of the message
}

// Errors is a list of field errors.
type Errors []FieldError

func (e Errors) Error() string { return "invalid input" }

// For returns the message key for a field, or "".
func (e Errors) For(field string) string {
	for _, fe := range e {
		if fe.Field == field {
			return fe.Key
		}
	}
	return ""
}

// Store persists feedback.
type Store interface {
	CreateFeedback(ctx context.Context, e *Entry) error
	ListFeedback(ctx context.Context, since time.Time, fn func(Entry) error) error
	CreateBarrierReport(ctx context.Context, b *BarrierReport) error
	Limiter
}

// Limiter keeps counters shared by every instance.
type Limiter interface {
	// HitLimit counts one more event for key in the window that starts at
	// window and returns the count including this one, atomically across
	// all instances that share the database. Windows that ended before
	// expired may be forgotten.
	HitLimit(ctx context.Context, key string, window, expired time.Time) (int, error)
}

// Limits on barrier reports. The form sends mail (to the operator and a
// confirmation to the address typed in), so it is limited per recipient
// address and per client address, with the count in the database so that
// every instance sees the same.
const (
	MaxReportsPerAddress = 3  // confirmations to one address per day
	MaxReportsPerClient  = 10 // reports from one client address per hour
)

// ErrLimited: too many barrier reports; nothing was stored or sent.
var ErrLimited = errors.New("feedback: too many reports")

// limitKey names a counter without keeping the address itself.
func limitKey(kind, value string) string {
	h := sha256.Sum256([]byte(kind + "\x00" + strings.ToLower(strings.TrimSpace(value))))
	return kind + ":" + hex.EncodeToString(h[:16])
}

// AllowBarrierReport counts a valid report against the limits of its
// contact address (if any) and the client address it came from, and
// returns ErrLimited when either is exhausted.
func AllowBarrierReport(ctx context.Context, s Limiter, b *BarrierReport, client string, now time.Time) error {
	now = now.UTC()
	hour := now.Truncate(time.Hour)
	n, err := s.HitLimit(ctx, limitKey("barrier-client", client), hour, now.Add(-48*time.Hour))
	if err != nil {
		return err
	}
	if n > MaxReportsPerClient {
		return ErrLimited
	}
	if b.ContactEmail != "" {
		day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
		n, err := s.HitLimit(ctx, limitKey("barrier-address", b.ContactEmail), day, now.Add(-48*time.Hour))
		if err != nil {
			return err
		}
		if n > MaxReportsPerAddress {
			return ErrLimited
		}
	}
	return nil
}

// CleanPage reduces a page reference to a path on this site: no scheme, host
// or query, so that nothing but the page is stored.
func CleanPage(p string) string {
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") {
		return "/"
	}
	if len(p) > MaxPage {
		p = p[:MaxPage]
	}
	return strings.ToValidUTF8(p, "")
}

// NewEntry validates a rating from a form.
func NewEntry(page, lang, rating, comment string, now time.Time) (*Entry, Errors) {
	var errs Errors
	r, err := strconv.Atoi(strings.TrimSpace(rating))
	if err != nil || r < 1 || r > 5 {
		errs = append(errs, FieldError{"rating", "feedback.error.rating"})
	}
	comment = strings.TrimSpace(strings.ToValidUTF8(comment, ""))
	if utf8.RuneCountInString(comment) > MaxComment {
		errs = append(errs, FieldError{"comment", "feedback.error.comment_long"})
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return &Entry{ID: uuid.NewString(), Page: CleanPage(page), Lang: lang, Rating: r, Comment: comment, CreatedAt: now}, nil
}

// NewBarrierReport validates a barrier report from a form.
func NewBarrierReport(page, lang, description, email string, now time.Time) (*BarrierReport, Errors) {
	var errs Errors
	description = strings.TrimSpace(strings.ToValidUTF8(description, ""))
	switch n := utf8.RuneCountInString(description); {
	case n == 0:
		errs = append(errs, FieldError{"description", "barrier.error.description_missing"})
	case n > MaxDescription:
		errs = append(errs, FieldError{"description", "barrier.error.description_long"})
	}
	email = strings.TrimSpace(email)
	if email != "" {
		if a, err := mail.ParseAddress(email); err != nil || a.Address != email || len(email) > 254 {
			errs = append(errs, FieldError{"email", "barrier.error.email"})
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return &BarrierReport{ID: uuid.NewString(), Page: strings.TrimSpace(CleanPage(page)), Lang: lang,
		Description: description, ContactEmail: email, CreatedAt: now}, nil
}

// ErrForbidden: the staff member may not export feedback.
var ErrForbidden = errors.New("feedback: not allowed")

// MayExport reports whether a staff member may export the feedback: a year
// of citizens' comments is for the platform's system administrators only,
// not for the staff of counselling organisations.
func MayExport(who *account.Staff) bool {
	return who != nil && who.Role == account.SystemAdmin
}

// WriteCSV exports entries as CSV for operators (ErrForbidden unless
// MayExport, before anything is written). Cells that a spreadsheet would
// run as a formula are prefixed with an apostrophe.
func WriteCSV(ctx context.Context, w io.Writer, s Store, who *account.Staff, since time.Time) error {
	if !MayExport(who) {
		return ErrForbidden
	}
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"created_at", "page", "lang", "rating", "comment"}); err != nil {
		return err
	}
	err := s.ListFeedback(ctx, since, func(e Entry) error {
		return cw.Write([]string{e.CreatedAt.UTC().Format(time.RFC3339), SafeCell(e.Page), e.Lang,
			strconv.Itoa(e.Rating), SafeCell(e.Comment)})
	})
	if err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// SafeCell defuses CSV formula injection (OWASP): a cell that starts with
// = + - @ or a tab/carriage return is prefixed with an apostrophe.
func SafeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
