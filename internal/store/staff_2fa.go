package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/account"
)

// FindTOTP implements account.SecondFactorStore.
func (db *DB) FindTOTP(ctx context.Context, staffID string) (*account.TOTP, error) {
	var t account.TOTP
	var enrolled int64
	err := db.QueryRow(ctx, db, `SELECT staff_id, secret, enrolled_at, last_step FROM staff_totp WHERE staff_id = ?`, staffID).
		Scan(&t.StaffID, &t.Secret, &enrolled, &t.LastStep)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, account.ErrNotEnrolled
	}
	if err != nil {
		return nil, err
	}
	t.EnrolledAt = FromMillis(enrolled)
	return &t, nil
}

// EnrolTOTP implements account.SecondFactorStore.
func (db *DB) EnrolTOTP(ctx context.Context, t *account.TOTP, recoveryHashes []string) error {
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := db.Exec(ctx, tx, `INSERT INTO staff_totp (staff_id, secret, enrolled_at, last_step) VALUES (?, ?, ?, ?)`,
			t.StaffID, t.Secret, Millis(t.EnrolledAt), t.LastStep); err != nil {
			return err
		}
		return db.replaceRecoveryCodes(ctx, tx, t.StaffID, recoveryHashes)
	})
	if isUniqueViolation(err) {
		return account.ErrAlreadyEnrolled
	}
	return err
}

// AdvanceTOTPStep implements account.SecondFactorStore.
func (db *DB) AdvanceTOTPStep(ctx context.Context, staffID string, step int64) (bool, error) {
	res, err := db.Exec(ctx, db, `UPDATE staff_totp SET last_step = ? WHERE staff_id = ? AND last_step < ?`, step, staffID, step)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ReplaceRecoveryCodes implements account.SecondFactorStore.
func (db *DB) ReplaceRecoveryCodes(ctx context.Context, staffID string, hashes []string) error {
	return db.InTx(ctx, func(tx *sql.Tx) error { return db.replaceRecoveryCodes(ctx, tx, staffID, hashes) })
}

func (db *DB) replaceRecoveryCodes(ctx context.Context, tx *sql.Tx, staffID string, hashes []string) error {
	if _, err := db.Exec(ctx, tx, `DELETE FROM staff_recovery_codes WHERE staff_id = ?`, staffID); err != nil {
		return err
	}
	for _, h := range hashes {
		if _, err := db.Exec(ctx, tx, `INSERT INTO staff_recovery_codes (staff_id, code_hash) VALUES (?, ?)`, staffID, h); err != nil {
			return err
		}
	}
	return nil
}

// UseRecoveryCode implements account.SecondFactorStore.
func (db *DB) UseRecoveryCode(ctx context.Context, staffID, hash string, at time.Time) (bool, error) {
	res, err := db.Exec(ctx, db, `UPDATE staff_recovery_codes SET used_at = ? WHERE staff_id = ? AND code_hash = ? AND used_at = 0`,
		Millis(at), staffID, hash)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// CountRecoveryCodes implements account.SecondFactorStore.
func (db *DB) CountRecoveryCodes(ctx context.Context, staffID string) (int, error) {
	var n int
	err := db.QueryRow(ctx, db, `SELECT COUNT(*) FROM staff_recovery_codes WHERE staff_id = ? AND used_at = 0`, staffID).Scan(&n)
	return n, err
}
