// Package delivery takes sent applications out of the outbox and hands them
// to the responsible office over a transport (FIT-Connect, XTA 2): it builds
// the parcel (the application file as XML, the application as a PDF, the
// uploaded proofs), lets exactly one worker at a time work on one
// application, keeps the transport's progress after every step so that a
// crash or restart resumes instead of repeating, and once the office's side
// has confirmed receipt deletes the answers and proofs, keeping only what
// the receipt and the processing report need.
package delivery

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/application"
)

// Statuses of a delivery.
const (
	StatusPending   = "pending"   // not yet (completely) handed over
	StatusSent      = "sent"      // handed over, waiting for confirmation
	StatusConfirmed = "confirmed" // the delivery service confirmed it; data deleted
)

// Part is one piece of a parcel.
type Part struct {
	ID        string // stable across retries (attachment id)
	Name      string // file name the office sees
	MediaType string
	Purpose   string // form (the PDF), attachment (a proof), data (the XML)
	Size      int64
	SHA256    string // hex of the content, for the processing report (when known)
	Open      func() (io.ReadCloser, error)
}

// Parcel is everything that goes to the office for one application.
type Parcel struct {
	Submission *application.Submission
	Data       []byte // the application file (XML)
	Parts      []Part // the PDF and the proofs
}

// Result is what a transport reports after a step.
type Result struct {
	Reference string // the transport's id, e.g. the FIT-Connect submission id
	Confirmed bool   // the receiving side confirmed (e.g. a verified submit event)
	Hashes    map[string]string
}

// Transport hands a parcel to a destination. state is the transport's own
// progress from an earlier attempt (nil at first); it calls save after every
// step that must not be repeated.
type Transport interface {
	Name() string
	Deliver(ctx context.Context, destination string, p *Parcel, state []byte, save func([]byte) error) (Result, error)
}

// Record is the delivery of one application as stored.
type Record struct {
	SubmissionID string
	Transport    string
	Destination  string
	State        []byte
	Status       string
	Reference    string
	Hashes       map[string]string
	Attempts     int
	LastError    string
	UpdatedAt    time.Time
	ConfirmedAt  time.Time
	// The copy for the person's BundID Postkorb: its transport progress and
	// the reference once it is handed over.
	PostkorbState     []byte
	PostkorbReference string
}

// Report is the record as the processing report shows it.
func (r *Record) Report() *application.ReportDelivery {
	return &application.ReportDelivery{Status: r.Status, Transport: r.Transport, Destination: r.Destination,
		Reference: r.Reference, Attempts: r.Attempts, Updated: r.UpdatedAt, Hashes: r.Hashes}
}

// Store keeps delivery records next to the outbox.
type Store interface {
	FindSubmission(ctx context.Context, id string) (*application.Submission, error)
	// ClaimDelivery creates the record if needed and takes its lease until
	// leaseUntil if no other worker holds it; ErrBusy otherwise.
	ClaimDelivery(ctx context.Context, id string, now, leaseUntil time.Time) (*Record, error)
	SaveDelivery(ctx context.Context, r *Record) error
	// ConfirmDelivery marks it confirmed and removes the answers from the
	// outbox row in one transaction (the personal area's status too).
	ConfirmDelivery(ctx context.Context, r *Record, at time.Time) error
	// ReleaseDelivery ends an attempt's lease, so the next may start at once.
	ReleaseDelivery(ctx context.Context, id string) error
	PendingDeliveries(ctx context.Context, limit int) ([]string, error)
}

// ErrNotFound: no delivery record for that application (not started yet).
var ErrNotFound = errors.New("delivery: not found")

// ErrBusy: another worker delivers this application right now.
var ErrBusy = errors.New("delivery: in progress elsewhere")

// Router names the transport and destination for a submission.
type Router interface {
	Route(ctx context.Context, s *application.Submission) (transport, destination string, err error)
}

// Builder makes the parcel of a submission.
type Builder interface {
	Build(ctx context.Context, s *application.Submission) (*Parcel, error)
}

// Cleaner deletes what belongs to a delivered application (its proofs).
type Cleaner interface {
	DeleteApplication(ctx context.Context, application string) error
}

// Postkorb sends the person a copy (the application and the processing
// report as PDFs) to their BundID mailbox, for applications whose sender
// was signed in and agreed. report is what the office's delivery achieved.
// state and save are as for a Transport; it returns the mailbox service's
// reference.
type Postkorb interface {
	Deliver(ctx context.Context, s *application.Submission, report *application.ReportDelivery, state []byte, save func([]byte) error) (string, error)
}

// Service delivers applications.
type Service struct {
	// Postkorb, when set, gets a copy for every application that names a
	// Postkorb handle, after the office has confirmed and before the
	// answers are deleted.
	Postkorb   Postkorb
	Store      Store
	Router     Router
	Builder    Builder
	Transports map[string]Transport
	Cleaner    Cleaner
	Now        func() time.Time
	// Lease is how long one attempt may hold an application.
	Lease time.Duration
}

// Deliver runs one attempt for an application. It returns nil when the
// application is confirmed (or another worker has it), an error to be
// retried otherwise; a sent but not yet confirmed delivery also returns an
// error (ErrNotConfirmed), so the job runs again and asks again.
func (s *Service) Deliver(ctx context.Context, id string) error {
	now := s.Now()
	lease := s.Lease
	if lease == 0 {
		lease = 10 * time.Minute
	}
	rec, err := s.Store.ClaimDelivery(ctx, id, now, now.Add(lease))
	if errors.Is(err, ErrBusy) {
		return nil
	}
	if err != nil {
		return err
	}
	defer s.Store.ReleaseDelivery(context.WithoutCancel(ctx), id)
	if rec.Status == StatusConfirmed {
		return nil
	}
	sub, err := s.Store.FindSubmission(ctx, id)
	if err != nil {
		return err
	}
	rec.Attempts++
	if rec.Transport == "" {
		if rec.Transport, rec.Destination, err = s.Router.Route(ctx, sub); err != nil {
			return s.failed(ctx, rec, fmt.Errorf("routing: %w", err))
		}
	}
	t, ok := s.Transports[rec.Transport]
	if !ok {
		return s.failed(ctx, rec, fmt.Errorf("no transport %q", rec.Transport))
	}
	p, err := s.Builder.Build(ctx, sub)
	if err != nil {
		return s.failed(ctx, rec, fmt.Errorf("building the parcel: %w", err))
	}
	res, err := t.Deliver(ctx, rec.Destination, p, rec.State, func(state []byte) error {
		rec.State, rec.UpdatedAt = state, s.Now()
		return s.Store.SaveDelivery(ctx, rec)
	})
	if res.Reference != "" {
		rec.Reference = res.Reference
	}
	if len(res.Hashes) > 0 {
		rec.Hashes = res.Hashes
	}
	if err != nil {
		return s.failed(ctx, rec, err)
	}
	if !res.Confirmed {
		rec.Status, rec.LastError = StatusSent, ""
		if err := s.Store.SaveDelivery(ctx, rec); err != nil {
			return err
		}
		return ErrNotConfirmed
	}
	if s.Postkorb != nil && sub.PostkorbHandle != "" && rec.PostkorbReference == "" {
		// The office has it; the person's copy says so. Until the copy is
		// handed over the record stays "sent", and the next attempt only
		// asks the office's transport again (its state says it is done).
		rep := rec.Report()
		rep.Status = StatusConfirmed
		ref, err := s.Postkorb.Deliver(ctx, sub, rep, rec.PostkorbState, func(state []byte) error {
			rec.PostkorbState, rec.UpdatedAt = state, s.Now()
			return s.Store.SaveDelivery(ctx, rec)
		})
		if err != nil {
			rec.Status = StatusSent
			return s.failed(ctx, rec, fmt.Errorf("postkorb: %w", err))
		}
		rec.PostkorbReference = ref
	}
	rec.Status, rec.LastError = StatusConfirmed, ""
	if err := s.Store.ConfirmDelivery(ctx, rec, s.Now()); err != nil {
		return err
	}
	if s.Cleaner != nil {
		return s.Cleaner.DeleteApplication(ctx, id)
	}
	return nil
}

// ErrNotConfirmed: handed over, the confirmation is still missing.
var ErrNotConfirmed = errors.New("delivery: not confirmed yet")

// failed records why an attempt failed (for the operator; no personal data:
// errors name steps and statuses, not answers) and returns the error.
func (s *Service) failed(ctx context.Context, rec *Record, cause error) error {
	rec.LastError, rec.UpdatedAt = truncate(cause.Error(), 500), s.Now()
	if err := s.Store.SaveDelivery(ctx, rec); err != nil {
		return errors.Join(cause, err)
	}
	return cause
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
