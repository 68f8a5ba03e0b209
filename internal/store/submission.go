package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/sozialplattform/sozialplattform/internal/application"
)

// Hand implements application.Delivery as the outbox: the submission and,
// for a signed-in person, the status line of the personal area are written
// in one transaction. Handing the same application twice keeps the first.
func (db *DB) Hand(ctx context.Context, s *application.Submission) error {
	answers, err := json.Marshal(s.Answers)
	if err != nil {
		return err
	}
	uploads, err := json.Marshal(s.Uploads)
	if err != nil {
		return err
	}
	consent := 0
	if s.PostkorbConsent {
		consent = 1
	}
	return db.InTx(ctx, func(tx *sql.Tx) error {
		res, err := db.Exec(ctx, tx, `INSERT INTO submissions (id, leika, service, version, office_id, ars, owner, lang, answers, uploads,
			postkorb_consent, postkorb_handle, level, status, submitted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO NOTHING`,
			s.ID, s.LeiKa, s.Service, s.Version, s.OfficeID, s.ARS, s.Owner, s.Lang, string(answers), string(uploads),
			consent, s.PostkorbHandle, s.Level, s.Status, Millis(s.SubmittedAt))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 || s.Owner == "" {
			return nil
		}
		_, err = db.Exec(ctx, tx, `INSERT INTO application_status (id, owner, service, reference, status, sent_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
			s.ID, s.Owner, s.Service, s.ID, s.Status, Millis(s.SubmittedAt), Millis(s.SubmittedAt))
		return err
	})
}

// FindSubmission returns a recorded submission.
func (db *DB) FindSubmission(ctx context.Context, id string) (*application.Submission, error) {
	var s application.Submission
	var answers, uploads string
	var consent int
	var at int64
	err := db.QueryRow(ctx, db, `SELECT id, leika, service, version, office_id, ars, owner, lang, answers, uploads,
		postkorb_consent, postkorb_handle, level, status, submitted_at FROM submissions WHERE id = ?`, id).
		Scan(&s.ID, &s.LeiKa, &s.Service, &s.Version, &s.OfficeID, &s.ARS, &s.Owner, &s.Lang, &answers, &uploads,
			&consent, &s.PostkorbHandle, &s.Level, &s.Status, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, application.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(answers), &s.Answers); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(uploads), &s.Uploads); err != nil {
		return nil, err
	}
	s.PostkorbConsent, s.SubmittedAt = consent == 1, FromMillis(at)
	return &s, nil
}
