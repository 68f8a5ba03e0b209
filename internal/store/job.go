package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/job"
)

// InsertJob implements job.Store.
func (db *DB) InsertJob(ctx context.Context, j job.Job, now time.Time) error {
	return db.insertJob(ctx, db, j, now)
}

func (db *DB) insertJob(ctx context.Context, q Querier, j job.Job, now time.Time) error {
	var unique any
	if j.UniqueKey != "" {
		unique = j.UniqueKey
	}
	_, err := db.Exec(ctx, q, `INSERT INTO jobs (id, kind, unique_key, args, state, max_attempts, run_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (unique_key) DO NOTHING`,
		j.ID, j.Kind, unique, string(j.Args), job.Available, j.MaxAttempts, Millis(j.RunAt), Millis(now))
	return err
}

// ClaimJob implements job.Store. PostgreSQL skips rows other workers have
// locked; SQLite serialises writers, so the sub-select needs no lock clause.
func (db *DB) ClaimJob(ctx context.Context, worker string, now, leaseUntil time.Time) (*job.Job, error) {
	lock := ""
	if db.Dialect == Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var j job.Job
	var args string
	var runAt int64
	err := db.QueryRow(ctx, db, `UPDATE jobs SET state = 'running', locked_by = ?, locked_until = ?, attempts = attempts + 1
		WHERE id = (SELECT id FROM jobs
			WHERE (state = 'available' AND run_at <= ?) OR (state = 'running' AND locked_until < ?)
			ORDER BY run_at LIMIT 1`+lock+`)
		RETURNING id, kind, COALESCE(unique_key, ''), args, attempts, max_attempts, run_at, last_error`,
		worker, Millis(leaseUntil), Millis(now), Millis(now)).
		Scan(&j.ID, &j.Kind, &j.UniqueKey, &args, &j.Attempts, &j.MaxAttempts, &runAt, &j.LastError)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, job.ErrNoJob
	}
	if err != nil {
		return nil, err
	}
	j.Args = []byte(args)
	j.State = job.Running
	j.RunAt = FromMillis(runAt)
	return &j, nil
}

// CompleteJob implements job.Store.
func (db *DB) CompleteJob(ctx context.Context, id string, now time.Time) error {
	_, err := db.Exec(ctx, db, `UPDATE jobs SET state = 'done', finished_at = ?, locked_by = NULL, locked_until = 0 WHERE id = ?`,
		Millis(now), id)
	return err
}

// RetryJob implements job.Store.
func (db *DB) RetryJob(ctx context.Context, id string, runAt time.Time, lastErr string) error {
	_, err := db.Exec(ctx, db, `UPDATE jobs SET state = 'available', run_at = ?, last_error = ?, locked_by = NULL, locked_until = 0 WHERE id = ?`,
		Millis(runAt), lastErr, id)
	return err
}

// FailJob implements job.Store.
func (db *DB) FailJob(ctx context.Context, id string, now time.Time, lastErr string) error {
	_, err := db.Exec(ctx, db, `UPDATE jobs SET state = 'failed', finished_at = ?, last_error = ?, locked_by = NULL, locked_until = 0 WHERE id = ?`,
		Millis(now), lastErr, id)
	return err
}

// FindJob returns a job by ID (for tests and the operator view).
func (db *DB) FindJob(ctx context.Context, id string) (*job.Job, error) {
	var j job.Job
	var args string
	var runAt int64
	err := db.QueryRow(ctx, db, `SELECT id, kind, COALESCE(unique_key, ''), args, state, attempts, max_attempts, run_at, last_error
		FROM jobs WHERE id = ?`, id).Scan(&j.ID, &j.Kind, &j.UniqueKey, &args, &j.State, &j.Attempts, &j.MaxAttempts, &runAt, &j.LastError)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	j.Args, j.RunAt = []byte(args), FromMillis(runAt)
	return &j, nil
}

// CountJobs counts jobs by kind and state (for tests and metrics).
func (db *DB) CountJobs(ctx context.Context, kind, state string) (int, error) {
	var n int
	err := db.QueryRow(ctx, db, `SELECT COUNT(*) FROM jobs WHERE kind = ? AND state = ?`, kind, state).Scan(&n)
	return n, err
}
