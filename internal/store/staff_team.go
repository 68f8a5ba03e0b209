package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/account"
)

// StaffOfOrg implements account.TeamStore.
func (db *DB) StaffOfOrg(ctx context.Context, orgID string) ([]*account.Staff, error) {
	rows, err := db.Query(ctx, db, `SELECT `+staffColumns+` FROM staff_users WHERE org_id = ? ORDER BY display_name, id`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*account.Staff
	for rows.Next() {
		st, err := scanStaff(rows.Scan)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// CreateToken implements account.TeamStore.
func (db *DB) CreateToken(ctx context.Context, hash, staffID, purpose string, expires time.Time) error {
	_, err := db.Exec(ctx, db, `INSERT INTO staff_tokens (token_hash, staff_id, purpose, expires_at) VALUES (?, ?, ?, ?)`,
		hash, staffID, purpose, Millis(expires))
	return err
}

// FindToken implements account.TeamStore.
func (db *DB) FindToken(ctx context.Context, hash, purpose string, now time.Time) (string, error) {
	var id string
	err := db.QueryRow(ctx, db, `SELECT staff_id FROM staff_tokens WHERE token_hash = ? AND purpose = ? AND used_at = 0 AND expires_at > ?`,
		hash, purpose, Millis(now)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", account.ErrTokenInvalid
	}
	return id, err
}

// UseToken implements account.TeamStore: a conditional update, so of two
// uses at the same moment only one succeeds.
func (db *DB) UseToken(ctx context.Context, hash, purpose string, now time.Time) (string, error) {
	var id string
	err := db.QueryRow(ctx, db, `UPDATE staff_tokens SET used_at = ? WHERE token_hash = ? AND purpose = ? AND used_at = 0 AND expires_at > ?
		RETURNING staff_id`, Millis(now), hash, purpose, Millis(now)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", account.ErrTokenInvalid
	}
	return id, err
}

// SetPasswordHash implements account.TeamStore; it also lifts a lock.
func (db *DB) SetPasswordHash(ctx context.Context, staffID, hash string) error {
	_, err := db.Exec(ctx, db, `UPDATE staff_users SET password_hash = ?, failed_logins = 0, locked_until = 0 WHERE id = ?`, hash, staffID)
	return err
}

// StaffIDsOf implements booking.Readiness.
func (db *DB) StaffIDsOf(ctx context.Context, orgID string) (map[string]bool, error) {
	ids, err := db.strings(ctx, db, `SELECT id FROM staff_users WHERE org_id = ?`, orgID)
	return set(ids), err
}
