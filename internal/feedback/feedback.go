// Package feedback holds the page feedback (rating 1–5 and an optional
// comment, no personal data asked) and the barrier reports of the
// accessibility statement's feedback mechanism.
package feedback

import (
	"context"
	"encoding/csv"
	"io"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
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

// WriteCSV exports entries as CSV for operators. Cells that a spreadsheet
// would run as a formula are prefixed with an apostrophe.
func WriteCSV(ctx context.Context, w io.Writer, s Store, since time.Time) error {
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
