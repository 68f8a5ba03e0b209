// Package mail composes mails from templates in every UI language, keeps them
// in an outbox table and sends them over SMTP from a background job.
package mail

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/i18n"
	"github.com/sozialplattform/sozialplattform/internal/job"
)

// Message is one mail to one recipient.
type Message struct {
	To      string
	Subject string
	Text    string
	HTML    string
	// Attachments go with the mail as files (CheckAttachments bounds them;
	// Service.Queue and the outbox refuse more).
	Attachments []Attachment
}

// Outbox status values.
const (
	Pending = "pending"
	Sent    = "sent"
	Failed  = "failed"
)

// Entry is a mail in the outbox.
type Entry struct {
	ID       string
	Message  Message
	Status   string
	Attempts int
}

// JobKind is the job that sends one outbox entry.
const JobKind = "send_mail"

// JobArgs references an outbox entry; job arguments never hold the mail itself.
type JobArgs struct {
	OutboxID string `json:"outbox_id"`
}

// ErrNotFound means the outbox entry does not exist (any more).
var ErrNotFound = errors.New("mail not found")

// Outbox stores mails; EnqueueMail writes the entry and its send job in one
// transaction, so a mail is never lost and never sent without a record.
type Outbox interface {
	EnqueueMail(ctx context.Context, m Message, j job.Job) (string, error)
	FindMail(ctx context.Context, id string) (*Entry, error)
	MarkMailSent(ctx context.Context, id string, at time.Time) error
	MarkMailAttempt(ctx context.Context, id string, status, lastErr string) error
}

// Sender delivers a message.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

//go:embed templates/*.tmpl
var templateFS embed.FS

// Composer renders mails from templates.
type Composer struct {
	Catalog *i18n.Catalog
	BaseURL string // absolute URL of the platform, for links in mails
}

// Compose renders the mail called name in language lang for recipient to.
// The templates templates/<name>.txt.tmpl and templates/<name>.html.tmpl
// receive data as .Data and the translator as T.
func (c *Composer) Compose(lang i18n.Lang, name, to string, data any) (Message, error) {
	tr := c.Catalog.For(lang)
	funcs := map[string]any{"T": tr.T, "baseURL": func() string { return c.BaseURL }}
	view := map[string]any{"Data": data, "Lang": lang}

	tt, err := texttemplate.New(name+".txt.tmpl").Funcs(funcs).ParseFS(templateFS, "templates/"+name+".txt.tmpl")
	if err != nil {
		return Message{}, err
	}
	var text bytes.Buffer
	if err := tt.Execute(&text, view); err != nil {
		return Message{}, err
	}
	ht, err := htmltemplate.New("layout.html.tmpl").Funcs(funcs).ParseFS(templateFS, "templates/layout.html.tmpl", "templates/"+name+".html.tmpl")
	if err != nil {
		return Message{}, err
	}
	var html bytes.Buffer
	if err := ht.Execute(&html, view); err != nil {
		return Message{}, err
	}
	var args []any
	if sa, ok := data.(interface{ SubjectArgs() []any }); ok {
		args = sa.SubjectArgs()
	}
	subject := strings.Join(strings.Fields(tr.T("mail."+name+".subject", args...)), " ")
	return Message{To: to, Subject: subject, Text: text.String(), HTML: html.String()}, nil
}

// ApplicationReceipt is what the confirmation of a sent application says
// (template application_receipt): only the application's reference
// number, the service, the office and the time (Europe/Berlin, as people
// read it) — no name, no address, no answer. The mail goes to whatever
// address was typed into the form, which nobody has confirmed, so it must
// not tell a stranger anything about the person.
type ApplicationReceipt struct {
	Reference string // application.Reference: "29QG-1TYK-E5VG"
	Service   string // the service's name in the person's language
	Office    string
	Time      string // i18n.ShownTime of the sending
}

// SubjectArgs puts the reference number into the subject.
func (a ApplicationReceipt) SubjectArgs() []any { return []any{"number", a.Reference} }

// Service puts mails into the outbox and sends them from jobs.
type Service struct {
	Outbox   Outbox
	Sender   Sender
	Composer *Composer
	Now      func() time.Time
}

// Send composes a mail and queues it for sending.
func (s *Service) Send(ctx context.Context, lang i18n.Lang, name, to string, data any) (string, error) {
	m, err := s.Composer.Compose(lang, name, to, data)
	if err != nil {
		return "", fmt.Errorf("compose %s: %w", name, err)
	}
	return s.Queue(ctx, m)
}

// SendWith is Send with attachments, e.g. an appointment's iCalendar
// file: the mail is composed as by Send, atts are added and checked
// (CheckAttachments), and it is queued.
func (s *Service) SendWith(ctx context.Context, lang i18n.Lang, name, to string, data any, atts ...Attachment) (string, error) {
	m, err := s.Composer.Compose(lang, name, to, data)
	if err != nil {
		return "", fmt.Errorf("compose %s: %w", name, err)
	}
	m.Attachments = atts
	return s.Queue(ctx, m)
}

// Queue puts a composed message into the outbox with its send job. Its
// attachments are checked first (CheckAttachments): too many or too large
// ones are an error and nothing is queued.
func (s *Service) Queue(ctx context.Context, m Message) (string, error) {
	atts, err := CheckAttachments(m.Attachments)
	if err != nil {
		return "", err
	}
	m.Attachments = atts
	j, err := job.NewJob(JobKind, JobArgs{}, s.Now(), job.MaxAttempts(8))
	if err != nil {
		return "", err
	}
	return s.Outbox.EnqueueMail(ctx, m, j)
}

// HandleJob sends one outbox entry; it is the send_mail job handler. An entry
// sent already is not sent again, so a retried job never mails twice.
func (s *Service) HandleJob(ctx context.Context, j *job.Job) error {
	var args JobArgs
	if err := json.Unmarshal(j.Args, &args); err != nil {
		return fmt.Errorf("%w: %v", job.ErrPermanent, err)
	}
	e, err := s.Outbox.FindMail(ctx, args.OutboxID)
	if errors.Is(err, ErrNotFound) {
		return nil // deleted by retention before it could be sent: nothing to do
	}
	if err != nil {
		return err
	}
	if e.Status == Sent {
		return nil
	}
	if err := s.Sender.Send(ctx, e.Message); err != nil {
		status := Pending
		if j.Attempts >= j.MaxAttempts {
			status = Failed
		}
		if merr := s.Outbox.MarkMailAttempt(ctx, e.ID, status, err.Error()); merr != nil {
			return merr
		}
		return err
	}
	return s.Outbox.MarkMailSent(ctx, e.ID, s.Now())
}

// BookingReminder is what the reminder before an appointment says
// (template booking_reminder).
type BookingReminder struct {
	Centre, Service, When, Address, CancelLink string
}

// SubjectArgs puts the appointment's time into the subject.
func (b BookingReminder) SubjectArgs() []any { return []any{"when", b.When} }
