package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/sozialplattform/sozialplattform/internal/retention"
)

// retentionSQL maps each retention target to the statement that deletes its
// records older than the cutoff (the one argument).
var retentionSQL = map[retention.Target]string{
	retention.ExpiredSessions: `DELETE FROM sessions WHERE expires_at <= ?`,
	retention.SentMail:        `DELETE FROM mail_outbox WHERE status = 'sent' AND sent_at <= ?`,
	retention.FailedMail:      `DELETE FROM mail_outbox WHERE status = 'failed' AND created_at <= ?`,
	retention.CaughtMail:      `DELETE FROM caught_mail WHERE received_at <= ?`,
	retention.FinishedJobs:    `DELETE FROM jobs WHERE state IN ('done', 'failed') AND finished_at <= ?`,
	retention.Feedback:        `DELETE FROM feedback WHERE created_at <= ?`,
	retention.BarrierReports:  `DELETE FROM barrier_reports WHERE created_at <= ?`,
	retention.RetentionRuns:   `DELETE FROM retention_runs WHERE ran_at <= ?`,
	retention.SAMLRequests:    `DELETE FROM saml_requests WHERE expires_at <= ?`,
	retention.SAMLAssertions:  `DELETE FROM saml_assertions WHERE expires_at <= ?`,
	retention.Drafts:          `DELETE FROM drafts WHERE expires_at <= ?`,
	retention.SAMLSessions:    `DELETE FROM saml_sessions WHERE expires_at <= ?`,
	retention.AppStatus:       `DELETE FROM application_status WHERE sent_at <= ?`,
	// A delivered application is kept only for its receipt's downloads.
	retention.DeliveredSubmissions: `DELETE FROM submissions WHERE status = 'delivered' AND submitted_at <= ?`,
	retention.ConfirmedDeliveries:  `DELETE FROM deliveries WHERE status = 'confirmed' AND confirmed_at <= ?`,
	retention.UnconfirmedRequests:  `DELETE FROM access_requests WHERE status = 'unconfirmed' AND token_expires <= ?`,
	retention.DecidedRequests:      `DELETE FROM access_requests WHERE status IN ('approved', 'rejected') AND decided_at <= ?`,
	retention.StaffTokens:          `DELETE FROM staff_tokens WHERE used_at > 0 OR expires_at <= ?`,
}

// DeleteOlderThan implements retention.Store.
func (db *DB) DeleteOlderThan(ctx context.Context, t retention.Target, cutoff time.Time) (int64, error) {
	switch t {
	case retention.ExpiredBookings:
		return db.deleteBookings(ctx, `state IN ('PENDING', 'EXPIRED') AND expires_at <= ?`, cutoff)
	case retention.PastBookings:
		return db.deleteBookings(ctx, `slot_start <= ?`, cutoff)
	}
	if t == retention.Uploads {
		// Rows and blobs: the rows go now, their blobs into the trash
		// (upload.Service.SweepExpired deletes them).
		return db.ExpireUploads(ctx, cutoff)
	}
	q, ok := retentionSQL[t]
	if !ok {
		return 0, fmt.Errorf("no retention statement for target %q", t)
	}
	res, err := db.Exec(ctx, db, q, Millis(cutoff))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// RecordRetentionRun implements retention.Store.
func (db *DB) RecordRetentionRun(ctx context.Context, rule string, deleted int64, at time.Time) error {
	_, err := db.Exec(ctx, db, `INSERT INTO retention_runs (id, rule, deleted, ran_at) VALUES (?, ?, ?, ?)`,
		uuid.NewString(), rule, deleted, Millis(at))
	return err
}

// LastRetentionRuns implements retention.Store.
func (db *DB) LastRetentionRuns(ctx context.Context) (map[string]retention.Run, error) {
	rows, err := db.Query(ctx, db, `SELECT r.rule, r.deleted, r.ran_at FROM retention_runs r
		WHERE r.ran_at = (SELECT MAX(ran_at) FROM retention_runs x WHERE x.rule = r.rule)`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]retention.Run{}
	for rows.Next() {
		var rule string
		var n, at int64
		if err := rows.Scan(&rule, &n, &at); err != nil {
			return nil, err
		}
		out[rule] = retention.Run{Deleted: n, At: FromMillis(at)}
	}
	return out, rows.Err()
}

// deleteBookings deletes bookings with their seats and tokens, in one
// transaction (a seat row without its booking would hold a slot).
func (db *DB) deleteBookings(ctx context.Context, where string, cutoff time.Time) (int64, error) {
	var n int64
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		sub := `SELECT id FROM bookings WHERE ` + where
		for _, q := range []string{
			`DELETE FROM booking_seats WHERE booking_id IN (` + sub + `)`,
			`DELETE FROM booking_tokens WHERE booking_id IN (` + sub + `)`,
		} {
			if _, err := db.Exec(ctx, tx, q, Millis(cutoff)); err != nil {
				return err
			}
		}
		res, err := db.Exec(ctx, tx, `DELETE FROM bookings WHERE `+where, Millis(cutoff))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}
