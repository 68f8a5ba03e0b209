package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/delivery"
)

// ClaimDelivery implements delivery.Store: the record is created on first
// use; the lease is taken only if no other worker holds it.
func (db *DB) ClaimDelivery(ctx context.Context, id string, now, leaseUntil time.Time) (*delivery.Record, error) {
	if _, err := db.Exec(ctx, db, `INSERT INTO deliveries (submission_id, transport, destination, state, status, reference, hashes,
		attempts, last_error, lease_until, updated_at, confirmed_at) VALUES (?, '', '', '', ?, '', '{}', 0, '', 0, ?, 0)
		ON CONFLICT (submission_id) DO NOTHING`, id, delivery.StatusPending, Millis(now)); err != nil {
		return nil, err
	}
	res, err := db.Exec(ctx, db, `UPDATE deliveries SET lease_until = ? WHERE submission_id = ? AND lease_until <= ?`,
		Millis(leaseUntil), id, Millis(now))
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, delivery.ErrBusy
	}
	return db.findDelivery(ctx, id)
}

// FindDelivery returns the delivery record of an application.
func (db *DB) FindDelivery(ctx context.Context, id string) (*delivery.Record, error) {
	r, err := db.findDelivery(ctx, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, delivery.ErrNotFound
	}
	return r, err
}

func (db *DB) findDelivery(ctx context.Context, id string) (*delivery.Record, error) {
	var r delivery.Record
	var state, hashes, pkState string
	var updated, confirmed int64
	err := db.QueryRow(ctx, db, `SELECT submission_id, transport, destination, state, status, reference, hashes, attempts, last_error,
		updated_at, confirmed_at, postkorb_state, postkorb_reference FROM deliveries WHERE submission_id = ?`, id).
		Scan(&r.SubmissionID, &r.Transport, &r.Destination, &state, &r.Status, &r.Reference, &hashes, &r.Attempts, &r.LastError,
			&updated, &confirmed, &pkState, &r.PostkorbReference)
	if err != nil {
		return nil, err
	}
	if state != "" {
		r.State = []byte(state)
	}
	if pkState != "" {
		r.PostkorbState = []byte(pkState)
	}
	if err := json.Unmarshal([]byte(hashes), &r.Hashes); err != nil {
		return nil, err
	}
	r.UpdatedAt = FromMillis(updated)
	if confirmed > 0 {
		r.ConfirmedAt = FromMillis(confirmed)
	}
	return &r, nil
}

// SaveDelivery implements delivery.Store.
func (db *DB) SaveDelivery(ctx context.Context, r *delivery.Record) error {
	hashes, err := json.Marshal(r.Hashes)
	if err != nil {
		return err
	}
	if r.Hashes == nil {
		hashes = []byte("{}")
	}
	_, err = db.Exec(ctx, db, `UPDATE deliveries SET transport = ?, destination = ?, state = ?, status = ?, reference = ?, hashes = ?,
		attempts = ?, last_error = ?, updated_at = ?, postkorb_state = ?, postkorb_reference = ? WHERE submission_id = ?`,
		r.Transport, r.Destination, string(r.State), r.Status, r.Reference, string(hashes), r.Attempts, r.LastError,
		Millis(r.UpdatedAt), string(r.PostkorbState), r.PostkorbReference, r.SubmissionID)
	return err
}

// ReleaseDelivery ends the lease of the current attempt.
func (db *DB) ReleaseDelivery(ctx context.Context, id string) error {
	_, err := db.Exec(ctx, db, `UPDATE deliveries SET lease_until = 0 WHERE submission_id = ?`, id)
	return err
}

// ConfirmDelivery implements delivery.Store: confirmed. The outbox row stays
// only for the receipt's hour (its PDFs are made from it) and is then
// deleted by the retention rule submissions_delivered; the BundID mailbox
// reference goes at once.
func (db *DB) ConfirmDelivery(ctx context.Context, r *delivery.Record, at time.Time) error {
	hashes, err := json.Marshal(r.Hashes)
	if err != nil {
		return err
	}
	return db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := db.Exec(ctx, tx, `UPDATE deliveries SET status = ?, reference = ?, hashes = ?, state = '', last_error = '',
			updated_at = ?, confirmed_at = ?, postkorb_state = '', postkorb_reference = ? WHERE submission_id = ?`,
			delivery.StatusConfirmed, r.Reference, string(hashes), Millis(at), Millis(at), r.PostkorbReference, r.SubmissionID); err != nil {
			return err
		}
		if _, err := db.Exec(ctx, tx, `UPDATE submissions SET postkorb_handle = '', status = ? WHERE id = ?`,
			"delivered", r.SubmissionID); err != nil {
			return err
		}
		_, err := db.Exec(ctx, tx, `UPDATE application_status SET status = ?, updated_at = ? WHERE id = ?`, "delivered", Millis(at), r.SubmissionID)
		return err
	})
}

// PendingDeliveries implements delivery.Store: sent applications whose
// delivery is not confirmed, oldest first.
func (db *DB) PendingDeliveries(ctx context.Context, limit int) ([]string, error) {
	rows, err := db.Query(ctx, db, `SELECT s.id FROM submissions s LEFT JOIN deliveries d ON d.submission_id = s.id
		WHERE s.status = 'submitted' AND (d.status IS NULL OR d.status <> ?) ORDER BY s.submitted_at LIMIT ?`, delivery.StatusConfirmed, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// OpenDeliveries implements delivery.OverviewStore: sent applications not
// confirmed yet, oldest first, with their delivery record if one exists.
func (db *DB) OpenDeliveries(ctx context.Context, limit int) ([]delivery.Open, error) {
	rows, err := db.Query(ctx, db, `SELECT s.id, s.leika, s.office_id, s.submitted_at, COALESCE(d.transport, ''), COALESCE(d.destination, ''),
		COALESCE(d.status, ?), COALESCE(d.attempts, 0), COALESCE(d.last_error, ''), COALESCE(d.updated_at, 0)
		FROM submissions s LEFT JOIN deliveries d ON d.submission_id = s.id
		WHERE s.status = 'submitted' AND (d.status IS NULL OR d.status <> ?) ORDER BY s.submitted_at, s.id LIMIT ?`,
		delivery.StatusPending, delivery.StatusConfirmed, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []delivery.Open
	for rows.Next() {
		var o delivery.Open
		var submitted, updated int64
		if err := rows.Scan(&o.SubmissionID, &o.LeiKa, &o.OfficeID, &submitted, &o.Transport, &o.Destination, &o.Status,
			&o.Attempts, &o.LastError, &updated); err != nil {
			return nil, err
		}
		o.SubmittedAt = FromMillis(submitted)
		if updated > 0 && o.Attempts > 0 {
			o.UpdatedAt = FromMillis(updated)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// CountConfirmedSince implements delivery.OverviewStore.
func (db *DB) CountConfirmedSince(ctx context.Context, since time.Time) (int, error) {
	var n int
	err := db.QueryRow(ctx, db, `SELECT COUNT(*) FROM deliveries WHERE status = ? AND confirmed_at >= ?`,
		delivery.StatusConfirmed, Millis(since)).Scan(&n)
	return n, err
}
