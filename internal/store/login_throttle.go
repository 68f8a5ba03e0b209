package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// ThrottleState implements account.Store.
func (db *DB) ThrottleState(ctx context.Context, key string) (failures int, blockedUntil time.Time, err error) {
	var until int64
	err = db.QueryRow(ctx, db, `SELECT failures, blocked_until FROM login_throttle WHERE key = ?`, key).Scan(&failures, &until)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, time.Time{}, nil
	}
	if until > 0 {
		blockedUntil = FromMillis(until)
	}
	return failures, blockedUntil, err
}

// RecordThrottleFailure implements account.Store: one statement, so
// parallel failures on several instances are all counted. A count last
// touched before forgetBefore starts again at 1.
func (db *DB) RecordThrottleFailure(ctx context.Context, key string, now, forgetBefore time.Time) (int, error) {
	var n int
	err := db.QueryRow(ctx, db, `INSERT INTO login_throttle (key, failures, blocked_until, updated_at) VALUES (?, 1, 0, ?)
		ON CONFLICT (key) DO UPDATE SET
			failures = CASE WHEN login_throttle.updated_at < ? THEN 1 ELSE login_throttle.failures + 1 END,
			blocked_until = CASE WHEN login_throttle.updated_at < ? THEN 0 ELSE login_throttle.blocked_until END,
			updated_at = excluded.updated_at
		RETURNING failures`, key, Millis(now), Millis(forgetBefore), Millis(forgetBefore)).Scan(&n)
	return n, err
}

// BlockThrottle implements account.Store; a block is only ever extended.
func (db *DB) BlockThrottle(ctx context.Context, key string, until time.Time) error {
	_, err := db.Exec(ctx, db, `UPDATE login_throttle SET blocked_until = ? WHERE key = ? AND blocked_until < ?`, Millis(until), key, Millis(until))
	return err
}

// ClearThrottle implements account.Store.
func (db *DB) ClearThrottle(ctx context.Context, key string) error {
	_, err := db.Exec(ctx, db, `DELETE FROM login_throttle WHERE key = ?`, key)
	return err
}
