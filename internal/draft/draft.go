// Package draft keeps what a signed-in citizen has entered in an application
// for 24 hours after the last change (seed 3.2.1 c), and the status of sent
// applications for the personal area. Only the owner sees or deletes them.
package draft

import (
	"context"
	"errors"
	"time"
)

// Lifetime of a draft after its last change.
const Lifetime = 24 * time.Hour

// StatusWindow is how long sent applications are listed.
const StatusWindow = 30 * 24 * time.Hour

// Draft is a saved, unsent application.
type Draft struct {
	ID        string
	Owner     string
	Service   string // catalogue slug
	Data      string // the form engine's state (issue "Antragsassistent")
	CreatedAt time.Time
	UpdatedAt time.Time
	ExpiresAt time.Time
}

// Application is a sent application's status.
type Application struct {
	ID        string
	Owner     string
	Service   string
	Reference string // the receipt number
	Status    string // e.g. sent, delivered, received
	SentAt    time.Time
	UpdatedAt time.Time
}

// ErrNotFound: no such draft of this owner.
var ErrNotFound = errors.New("draft: not found")

// Store keeps drafts and statuses.
type Store interface {
	SaveDraft(ctx context.Context, d *Draft) error
	ListDrafts(ctx context.Context, owner string, now time.Time) ([]Draft, error)
	DeleteDraft(ctx context.Context, owner, id string) error
	// FindDraft returns the owner's live draft with that id, else ErrNotFound.
	FindDraft(ctx context.Context, owner, id string, now time.Time) (*Draft, error)
	ListApplications(ctx context.Context, owner string, since time.Time) ([]Application, error)
}

// Service applies the rules: drafts live 24 hours after their last change;
// every operation is scoped to the owner.
type Service struct {
	Store Store
	Now   func() time.Time
}

// Save stores a draft (new or changed) and moves its deadline.
func (s *Service) Save(ctx context.Context, d *Draft) error {
	if d.Owner == "" || d.ID == "" {
		return errors.New("draft: owner and id are required")
	}
	now := s.Now()
	if d.CreatedAt.IsZero() {
		d.CreatedAt = now
	}
	d.UpdatedAt, d.ExpiresAt = now, now.Add(Lifetime)
	return s.Store.SaveDraft(ctx, d)
}

// List returns the owner's live drafts, newest first.
func (s *Service) List(ctx context.Context, owner string) ([]Draft, error) {
	return s.Store.ListDrafts(ctx, owner, s.Now())
}

// Find returns one of the owner's live drafts; another owner's is not found.
func (s *Service) Find(ctx context.Context, owner, id string) (*Draft, error) {
	if owner == "" {
		return nil, ErrNotFound
	}
	return s.Store.FindDraft(ctx, owner, id, s.Now())
}

// Delete removes one of the owner's drafts.
func (s *Service) Delete(ctx context.Context, owner, id string) error {
	return s.Store.DeleteDraft(ctx, owner, id)
}

// Applications lists the owner's applications of the last 30 days.
func (s *Service) Applications(ctx context.Context, owner string) ([]Application, error) {
	return s.Store.ListApplications(ctx, owner, s.Now().Add(-StatusWindow))
}
