package store

import (
	"context"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/feedback"
)

// CreateFeedback implements feedback.Store.
func (db *DB) CreateFeedback(ctx context.Context, e *feedback.Entry) error {
	_, err := db.Exec(ctx, db, `INSERT INTO feedback (id, page, lang, rating, comment, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		e.ID, e.Page, e.Lang, e.Rating, e.Comment, Millis(e.CreatedAt))
	return err
}

// ListFeedback implements feedback.Store, oldest first.
func (db *DB) ListFeedback(ctx context.Context, since time.Time, fn func(feedback.Entry) error) error {
	rows, err := db.Query(ctx, db, `SELECT id, page, lang, rating, comment, created_at FROM feedback WHERE created_at >= ? ORDER BY created_at, id`, Millis(since))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var e feedback.Entry
		var at int64
		if err := rows.Scan(&e.ID, &e.Page, &e.Lang, &e.Rating, &e.Comment, &at); err != nil {
			return err
		}
		e.CreatedAt = FromMillis(at)
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}

// CreateBarrierReport implements feedback.Store.
func (db *DB) CreateBarrierReport(ctx context.Context, b *feedback.BarrierReport) error {
	_, err := db.Exec(ctx, db, `INSERT INTO barrier_reports (id, page, lang, description, contact_email, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		b.ID, b.Page, b.Lang, b.Description, b.ContactEmail, Millis(b.CreatedAt))
	return err
}

// HitLimit implements feedback.Store: one upsert, atomic on SQLite and
// PostgreSQL alike, so concurrent requests on several instances never both
// see the same count. Windows that started before expired are removed.
func (db *DB) HitLimit(ctx context.Context, key string, window, expired time.Time) (int, error) {
	if _, err := db.Exec(ctx, db, `DELETE FROM rate_limits WHERE window_start < ?`, Millis(expired)); err != nil {
		return 0, err
	}
	var n int
	err := db.QueryRow(ctx, db, `INSERT INTO rate_limits (key, window_start, hits) VALUES (?, ?, 1)
		ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limits.hits + 1 RETURNING hits`,
		key, Millis(window)).Scan(&n)
	return n, err
}
