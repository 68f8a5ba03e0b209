package delivery

import (
	"context"
	"errors"
	"time"
)

// The operator's view: every sent application whose delivery is not
// confirmed, with the step and reason of its last failure. It names only
// the application's number, service, office and route (no answers), so an
// operator can see a tampered routing answer or an office's broken key
// without seeing anybody's data.

// Open is one application whose delivery is not confirmed yet.
type Open struct {
	SubmissionID string
	LeiKa        string
	OfficeID     string
	SubmittedAt  time.Time
	Transport    string
	Destination  string
	Status       string // pending (also: not started) or sent
	Attempts     int
	LastError    string
	UpdatedAt    time.Time // zero if no attempt yet
}

// Operator is who asks; only operators of the platform may look.
type Operator interface {
	CanOperateDeliveries() bool
}

// ErrForbidden: the caller may not see deliveries.
var ErrForbidden = errors.New("delivery: not allowed")

// OverviewStore reads what the overview shows.
type OverviewStore interface {
	OpenDeliveries(ctx context.Context, limit int) ([]Open, error)
	CountConfirmedSince(ctx context.Context, since time.Time) (int, error)
}

// Overview is the open deliveries (oldest first, at most limit) and how
// many were confirmed in the last 30 days.
func Overview(ctx context.Context, st OverviewStore, who Operator, now time.Time, limit int) ([]Open, int, error) {
	if who == nil || !who.CanOperateDeliveries() {
		return nil, 0, ErrForbidden
	}
	open, err := st.OpenDeliveries(ctx, limit)
	if err != nil {
		return nil, 0, err
	}
	n, err := st.CountConfirmedSince(ctx, now.Add(-30*24*time.Hour))
	return open, n, err
}
