package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/draft"
)

// SaveDraft implements draft.Store.
func (db *DB) SaveDraft(ctx context.Context, d *draft.Draft) error {
	_, err := db.Exec(ctx, db, `INSERT INTO drafts (id, owner, service, data, created_at, updated_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at, expires_at = excluded.expires_at
		WHERE drafts.owner = excluded.owner`,
		d.ID, d.Owner, d.Service, d.Data, Millis(d.CreatedAt), Millis(d.UpdatedAt), Millis(d.ExpiresAt))
	return err
}

// ListDrafts implements draft.Store.
func (db *DB) ListDrafts(ctx context.Context, owner string, now time.Time) ([]draft.Draft, error) {
	rows, err := db.Query(ctx, db, `SELECT id, owner, service, data, created_at, updated_at, expires_at FROM drafts
		WHERE owner = ? AND expires_at > ? ORDER BY updated_at DESC`, owner, Millis(now))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []draft.Draft
	for rows.Next() {
		var d draft.Draft
		var c, u, e int64
		if err := rows.Scan(&d.ID, &d.Owner, &d.Service, &d.Data, &c, &u, &e); err != nil {
			return nil, err
		}
		d.CreatedAt, d.UpdatedAt, d.ExpiresAt = FromMillis(c), FromMillis(u), FromMillis(e)
		out = append(out, d)
	}
	return out, rows.Err()
}

// FindDraft implements draft.Store.
func (db *DB) FindDraft(ctx context.Context, owner, id string, now time.Time) (*draft.Draft, error) {
	var d draft.Draft
	var c, u, e int64
	err := db.QueryRow(ctx, db, `SELECT id, owner, service, data, created_at, updated_at, expires_at FROM drafts
		WHERE id = ? AND owner = ? AND expires_at > ?`, id, owner, Millis(now)).
		Scan(&d.ID, &d.Owner, &d.Service, &d.Data, &c, &u, &e)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, draft.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	d.CreatedAt, d.UpdatedAt, d.ExpiresAt = FromMillis(c), FromMillis(u), FromMillis(e)
	return &d, nil
}

// DeleteDraft implements draft.Store; another owner's draft is untouched.
func (db *DB) DeleteDraft(ctx context.Context, owner, id string) error {
	res, err := db.Exec(ctx, db, `DELETE FROM drafts WHERE id = ? AND owner = ?`, id, owner)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return draft.ErrNotFound
	}
	return nil
}

// ListApplications implements draft.Store.
func (db *DB) ListApplications(ctx context.Context, owner string, since time.Time) ([]draft.Application, error) {
	rows, err := db.Query(ctx, db, `SELECT id, owner, service, reference, status, sent_at, updated_at FROM application_status
		WHERE owner = ? AND sent_at >= ? ORDER BY sent_at DESC`, owner, Millis(since))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []draft.Application
	for rows.Next() {
		var a draft.Application
		var s, u int64
		if err := rows.Scan(&a.ID, &a.Owner, &a.Service, &a.Reference, &a.Status, &s, &u); err != nil {
			return nil, err
		}
		a.SentAt, a.UpdatedAt = FromMillis(s), FromMillis(u)
		out = append(out, a)
	}
	return out, rows.Err()
}
