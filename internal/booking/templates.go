package booking

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/sozialplattform/sozialplattform/internal/i18n"
)

// A centre may word its booking mails itself, per language. A mail kind
// without the centre's own text uses the platform's (in every language);
// once a centre words a kind in one language it must in all, or people
// reading another language would get a different letter (Konfig-Check).
const (
	MailConfirm   = "confirm"   // the booking, with the confirmation link
	MailConfirmed = "confirmed" // the booking is confirmed
	MailReminder  = "reminder"  // before the appointment, with the cancel link
	MailCancelled = "cancelled" // cancelled (by the person or the centre)
)

// MailKinds lists the kinds in the order the back office shows them.
var MailKinds = []string{MailConfirm, MailConfirmed, MailReminder, MailCancelled}

// Placeholders a template may use; {link} only where the kind has one.
var Placeholders = []string{"vorname", "nachname", "angebot", "beratungsstelle", "datum", "uhrzeit", "ort", "link", "absagelink", "frist", "grund"}

// linkKinds must carry {link}: without it the person cannot confirm or
// cancel.
var linkKinds = map[string]bool{MailConfirm: true, MailReminder: true}

// Limits of a template.
const (
	MaxTemplateSubject = 200
	MaxTemplateBody    = 4000
)

// Template is a centre's own wording of one mail in one language.
type Template struct {
	CentreID, Lang, Kind string
	Subject, Body        string
}

// TemplateStore keeps the centres' templates.
type TemplateStore interface {
	Templates(ctx context.Context, centreID string) ([]Template, error)
	SaveTemplate(ctx context.Context, t Template) error
	DeleteTemplate(ctx context.Context, centreID, lang, kind string) error
}

var placeholderRE = regexp.MustCompile(`\{([^{}\s]{1,30})\}`)

// Validate checks a template as typed; the fields as the form names them.
func (t *Template) Validate() []FieldError {
	var errs []FieldError
	t.Subject = strings.Join(strings.Fields(t.Subject), " ")
	t.Body = strings.ReplaceAll(strings.TrimSpace(t.Body), "\r\n", "\n")
	switch {
	case t.Subject == "":
		errs = append(errs, FieldError{Field: "betreff", Key: "bookingstaff.template.error.subject"})
	case utf8.RuneCountInString(t.Subject) > MaxTemplateSubject:
		errs = append(errs, FieldError{Field: "betreff", Key: "booking.error.too_long", Args: []any{"max", MaxTemplateSubject}})
	}
	switch {
	case t.Body == "":
		errs = append(errs, FieldError{Field: "text", Key: "bookingstaff.template.error.body"})
	case utf8.RuneCountInString(t.Body) > MaxTemplateBody:
		errs = append(errs, FieldError{Field: "text", Key: "booking.error.too_long", Args: []any{"max", MaxTemplateBody}})
	}
	for _, m := range placeholderRE.FindAllStringSubmatch(t.Subject+" "+t.Body, -1) {
		if !slices.Contains(Placeholders, m[1]) {
			errs = append(errs, FieldError{Field: "text", Key: "bookingstaff.template.error.placeholder", Args: []any{"name", m[0]}})
			break
		}
	}
	if linkKinds[t.Kind] && !strings.Contains(t.Body, "{link}") {
		errs = append(errs, FieldError{Field: "text", Key: "bookingstaff.template.error.link"})
	}
	if _, ok := i18n.Lookup(t.Lang); !ok || !slices.Contains(MailKinds, t.Kind) {
		errs = append(errs, FieldError{Field: "text", Key: "bookingstaff.template.error.kind"})
	}
	return errs
}

// Render fills in the placeholders. The values are plain text; the
// caller escapes for HTML (mail.Composer.Custom does).
func (t Template) Render(values map[string]string) (subject, body string) {
	fill := func(s string) string {
		return placeholderRE.ReplaceAllStringFunc(s, func(m string) string {
			if v, ok := values[m[1:len(m)-1]]; ok {
				return v
			}
			return m
		})
	}
	// A value never breaks the subject line.
	return strings.Join(strings.Fields(fill(t.Subject)), " "), fill(t.Body)
}

// MissingTemplates lists, per kind the centre words itself, the languages
// it has not: a problem for the Konfig-Check.
func MissingTemplates(ts []Template) map[string][]string {
	have := map[string]map[string]bool{}
	for _, t := range ts {
		if have[t.Kind] == nil {
			have[t.Kind] = map[string]bool{}
		}
		have[t.Kind][t.Lang] = true
	}
	out := map[string][]string{}
	for _, kind := range MailKinds {
		if len(have[kind]) == 0 {
			continue
		}
		for _, l := range i18n.Languages {
			if !have[kind][l.Code] {
				out[kind] = append(out[kind], l.Code)
			}
		}
	}
	return out
}

// TemplateFor is the centre's own wording of a mail kind in a language,
// nil when it has none (then the platform's text is sent).
func TemplateFor(ctx context.Context, s TemplateStore, centreID, lang, kind string) (*Template, error) {
	if s == nil {
		return nil, nil
	}
	ts, err := s.Templates(ctx, centreID)
	if err != nil {
		return nil, err
	}
	for _, t := range ts {
		if t.Lang == lang && t.Kind == kind {
			return &t, nil
		}
	}
	return nil, nil
}

// Values are the placeholders' values for a booking's mail.
func Values(bk Booking, firstName, lastName, service, centre, place, link, reason string) map[string]string {
	t := bk.Start.In(Berlin)
	return map[string]string{"vorname": firstName, "nachname": lastName, "angebot": service, "beratungsstelle": centre,
		"datum": t.Format("02.01.2006"), "uhrzeit": t.Format("15:04"), "ort": place, "link": link, "grund": reason}
}
