package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/session"
)

// FindSession implements session.Store.
func (db *DB) FindSession(ctx context.Context, tokenHash string, now time.Time) (*session.Record, error) {
	var r session.Record
	var staffID sql.NullString
	var data string
	var created, seen, expires int64
	err := db.QueryRow(ctx, db, `SELECT token_hash, kind, staff_id, data, created_at, last_seen_at, expires_at
		FROM sessions WHERE token_hash = ? AND expires_at > ?`, tokenHash, Millis(now)).
		Scan(&r.TokenHash, &r.Kind, &staffID, &data, &created, &seen, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, session.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(data), &r.Data); err != nil {
		return nil, err
	}
	r.StaffID = staffID.String
	r.CreatedAt, r.LastSeenAt, r.ExpiresAt = FromMillis(created), FromMillis(seen), FromMillis(expires)
	return &r, nil
}

// SaveSession implements session.Store.
func (db *DB) SaveSession(ctx context.Context, r *session.Record) error {
	data, err := json.Marshal(r.Data)
	if err != nil {
		return err
	}
	var staffID any
	if r.StaffID != "" {
		staffID = r.StaffID
	}
	_, err = db.Exec(ctx, db, `INSERT INTO sessions (token_hash, kind, staff_id, data, created_at, last_seen_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (token_hash) DO UPDATE SET data = excluded.data, last_seen_at = excluded.last_seen_at,
			expires_at = excluded.expires_at`,
		r.TokenHash, string(r.Kind), staffID, string(data), Millis(r.CreatedAt), Millis(r.LastSeenAt), Millis(r.ExpiresAt))
	return err
}

// DeleteSession implements session.Store.
func (db *DB) DeleteSession(ctx context.Context, tokenHash string) error {
	_, err := db.Exec(ctx, db, `DELETE FROM sessions WHERE token_hash = ?`, tokenHash)
	return err
}

// DeleteStaffSessions implements session.Store.
func (db *DB) DeleteStaffSessions(ctx context.Context, staffID string) error {
	_, err := db.Exec(ctx, db, `DELETE FROM sessions WHERE staff_id = ?`, staffID)
	return err
}
