package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/account"
)

// CreateStaff implements account.Store.
func (db *DB) CreateStaff(ctx context.Context, s *account.Staff) error {
	_, err := db.Exec(ctx, db, `INSERT INTO staff_users (id, email, display_name, role, password_hash, created_at, org_id)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, s.ID, s.Email, s.DisplayName, string(s.Role), s.PasswordHash, Millis(s.CreatedAt), s.OrgID)
	if isUniqueViolation(err) {
		return account.ErrExists
	}
	return err
}

const staffColumns = `id, email, display_name, role, password_hash, failed_logins, locked_until, created_at, last_login_at, org_id`

func scanStaff(scan func(...any) error) (*account.Staff, error) {
	var s account.Staff
	var locked, created, last int64
	err := scan(&s.ID, &s.Email, &s.DisplayName, &s.Role, &s.PasswordHash, &s.FailedLogins, &locked, &created, &last, &s.OrgID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, account.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if locked > 0 {
		s.LockedUntil = FromMillis(locked)
	}
	s.CreatedAt = FromMillis(created)
	if last > 0 {
		s.LastLoginAt = FromMillis(last)
	}
	return &s, nil
}

// FindStaffByEmail implements account.Store.
func (db *DB) FindStaffByEmail(ctx context.Context, email string) (*account.Staff, error) {
	return scanStaff(db.QueryRow(ctx, db, `SELECT `+staffColumns+` FROM staff_users WHERE email = ?`, email).Scan)
}

// FindStaffByID implements account.Store.
func (db *DB) FindStaffByID(ctx context.Context, id string) (*account.Staff, error) {
	return scanStaff(db.QueryRow(ctx, db, `SELECT `+staffColumns+` FROM staff_users WHERE id = ?`, id).Scan)
}

// RecordLoginFailure implements account.Store.
func (db *DB) RecordLoginFailure(ctx context.Context, id string, failures int, lockedUntil time.Time) error {
	var until int64
	if !lockedUntil.IsZero() {
		until = Millis(lockedUntil)
	}
	_, err := db.Exec(ctx, db, `UPDATE staff_users SET failed_logins = ?, locked_until = ? WHERE id = ?`, failures, until, id)
	return err
}

// RecordLoginSuccess implements account.Store.
func (db *DB) RecordLoginSuccess(ctx context.Context, id string, at time.Time) error {
	_, err := db.Exec(ctx, db, `UPDATE staff_users SET failed_logins = 0, locked_until = 0, last_login_at = ? WHERE id = ?`, Millis(at), id)
	return err
}

// CountStaff counts staff accounts.
func (db *DB) CountStaff(ctx context.Context) (int, error) {
	var n int
	err := db.QueryRow(ctx, db, `SELECT COUNT(*) FROM staff_users`).Scan(&n)
	return n, err
}

// isUniqueViolation recognises a unique-constraint error on both engines
// without importing driver-specific error types.
func isUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "SQLSTATE 23505")
}
