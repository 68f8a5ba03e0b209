package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/sozialplattform/sozialplattform/internal/job"
	"github.com/sozialplattform/sozialplattform/internal/mail"
)

// EnqueueMail implements mail.Outbox: the entry and its send job are written in
// one transaction.
func (db *DB) EnqueueMail(ctx context.Context, m mail.Message, j job.Job) (string, error) {
	var id string
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		id, err = db.enqueueMailTx(ctx, tx, m, j)
		return err
	})
	return id, err
}

// enqueueMailTx writes a mail and its send job within tx, so a caller can
// make sending part of its own change (a reminder marked sent and its
// mail queued: both or neither).
func (db *DB) enqueueMailTx(ctx context.Context, tx *sql.Tx, m mail.Message, j job.Job) (string, error) {
	id := uuid.NewString()
	args, err := json.Marshal(mail.JobArgs{OutboxID: id})
	if err != nil {
		return "", err
	}
	j.Args = args
	atts, err := encodeAttachments(m.Attachments)
	if err != nil {
		return "", err
	}
	now := db.Now()
	if _, err := db.Exec(ctx, tx, `INSERT INTO mail_outbox (id, recipient, subject, text_body, html_body, attachments, status, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id, m.To, m.Subject, m.Text, m.HTML, atts, mail.Pending, Millis(now)); err != nil {
		return "", err
	}
	return id, db.insertJob(ctx, tx, j, now)
}

// FindMail implements mail.Outbox.
func (db *DB) FindMail(ctx context.Context, id string) (*mail.Entry, error) {
	var e mail.Entry
	var atts sql.NullString
	err := db.QueryRow(ctx, db, `SELECT id, recipient, subject, text_body, html_body, attachments, status, attempts FROM mail_outbox WHERE id = ?`, id).
		Scan(&e.ID, &e.Message.To, &e.Message.Subject, &e.Message.Text, &e.Message.HTML, &atts, &e.Status, &e.Attempts)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, mail.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if e.Message.Attachments, err = decodeAttachments(atts); err != nil {
		return nil, fmt.Errorf("mail %s: %w", id, err)
	}
	return &e, nil
}

// storedAttachment is one attachment in mail_outbox.attachments (JSON;
// Data is base64 there).
type storedAttachment struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Data        []byte `json:"data"`
}

// encodeAttachments checks the attachments (mail.CheckAttachments) and
// returns their JSON, or NULL for none.
func encodeAttachments(atts []mail.Attachment) (sql.NullString, error) {
	atts, err := mail.CheckAttachments(atts)
	if err != nil || len(atts) == 0 {
		return sql.NullString{}, err
	}
	stored := make([]storedAttachment, len(atts))
	for i, a := range atts {
		stored[i] = storedAttachment(a)
	}
	b, err := json.Marshal(stored)
	if err != nil {
		return sql.NullString{}, err
	}
	return sql.NullString{String: string(b), Valid: true}, nil
}

func decodeAttachments(s sql.NullString) ([]mail.Attachment, error) {
	if !s.Valid || s.String == "" {
		return nil, nil
	}
	var stored []storedAttachment
	if err := json.Unmarshal([]byte(s.String), &stored); err != nil {
		return nil, fmt.Errorf("attachments: %w", err)
	}
	out := make([]mail.Attachment, len(stored))
	for i, a := range stored {
		out[i] = mail.Attachment(a)
	}
	return out, nil
}

// MarkMailSent implements mail.Outbox.
func (db *DB) MarkMailSent(ctx context.Context, id string, at time.Time) error {
	_, err := db.Exec(ctx, db, `UPDATE mail_outbox SET status = ?, sent_at = ?, attempts = attempts + 1, last_error = '' WHERE id = ?`,
		mail.Sent, Millis(at), id)
	return err
}

// MarkMailAttempt implements mail.Outbox.
func (db *DB) MarkMailAttempt(ctx context.Context, id, status, lastErr string) error {
	if len(lastErr) > 500 {
		lastErr = lastErr[:500]
	}
	_, err := db.Exec(ctx, db, `UPDATE mail_outbox SET status = ?, attempts = attempts + 1, last_error = ? WHERE id = ?`,
		status, lastErr, id)
	return err
}

// SaveCaughtMail implements mail.CatchStore.
func (db *DB) SaveCaughtMail(ctx context.Context, c mail.Caught) error {
	_, err := db.Exec(ctx, db, `INSERT INTO caught_mail (id, mail_from, recipients, subject, raw, received_at) VALUES (?, ?, ?, ?, ?, ?)`,
		uuid.NewString(), c.From, c.Recipients, c.Subject, c.Raw, Millis(c.ReceivedAt))
	return err
}

// ListCaughtMail returns the newest caught mails.
func (db *DB) ListCaughtMail(ctx context.Context, limit int) ([]mail.Caught, error) {
	rows, err := db.Query(ctx, db, `SELECT id, mail_from, recipients, subject, raw, received_at FROM caught_mail ORDER BY received_at DESC LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []mail.Caught
	for rows.Next() {
		var c mail.Caught
		var at int64
		if err := rows.Scan(&c.ID, &c.From, &c.Recipients, &c.Subject, &c.Raw, &at); err != nil {
			return nil, err
		}
		c.ReceivedAt = FromMillis(at)
		c.Attachments = mail.ParseAttachments(c.Raw)
		out = append(out, c)
	}
	return out, rows.Err()
}

// FindCaughtMail returns one caught mail.
func (db *DB) FindCaughtMail(ctx context.Context, id string) (*mail.Caught, error) {
	var c mail.Caught
	var at int64
	err := db.QueryRow(ctx, db, `SELECT id, mail_from, recipients, subject, raw, received_at FROM caught_mail WHERE id = ?`, id).
		Scan(&c.ID, &c.From, &c.Recipients, &c.Subject, &c.Raw, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	c.ReceivedAt = FromMillis(at)
	c.Attachments = mail.ParseAttachments(c.Raw)
	return &c, nil
}
