package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/sozialplattform/sozialplattform/internal/counselling"
)

// Counselling centres: the details as one JSON document (centreDoc), the
// columns for look-ups.

type centreDoc struct {
	Types          []string                `json:"types"`
	Traeger        string                  `json:"traeger"`
	TraegerAddress string                  `json:"traegerAddress,omitempty"`
	Locations      []counselling.Location  `json:"locations"`
	Phone          string                  `json:"phone,omitempty"`
	Email          string                  `json:"email,omitempty"`
	Website        string                  `json:"website,omitempty"`
	Hours          counselling.Week        `json:"hours"`
	Exceptions     []counselling.Exception `json:"exceptions,omitempty"`
	Languages      []string                `json:"languages,omitempty"`
	Offers         []string                `json:"offers,omitempty"`
	Topics         []string                `json:"topics,omitempty"`
	Description    string                  `json:"description,omitempty"`
	Transit        string                  `json:"transit,omitempty"`
	Car            string                  `json:"car,omitempty"`
	Accessibility  string                  `json:"accessibility,omitempty"`
	Contacts       []counselling.Contact   `json:"contacts,omitempty"`
	OwnBooking     bool                    `json:"ownBooking,omitempty"`
	BookingURL     string                  `json:"bookingUrl,omitempty"`
	OwnOnline      bool                    `json:"ownOnline,omitempty"`
	OnlineURL      string                  `json:"onlineUrl,omitempty"`
}

func docOf(c *counselling.Centre) centreDoc {
	return centreDoc{c.Types, c.Traeger, c.TraegerAddress, c.Locations, c.Phone, c.Email, c.Website, c.Hours, c.Exceptions,
		c.Languages, c.Offers, c.Topics, c.Description, c.Transit, c.Car, c.Accessibility, c.Contacts,
		c.OwnBooking, c.BookingURL, c.OwnOnline, c.OnlineURL}
}

func (d centreDoc) apply(c *counselling.Centre) {
	c.Types, c.Traeger, c.TraegerAddress, c.Locations = d.Types, d.Traeger, d.TraegerAddress, d.Locations
	c.Phone, c.Email, c.Website, c.Hours, c.Exceptions = d.Phone, d.Email, d.Website, d.Hours, d.Exceptions
	c.Languages, c.Offers, c.Topics, c.Description = d.Languages, d.Offers, d.Topics, d.Description
	c.Transit, c.Car, c.Accessibility, c.Contacts = d.Transit, d.Car, d.Accessibility, d.Contacts
	c.OwnBooking, c.BookingURL, c.OwnOnline, c.OnlineURL = d.OwnBooking, d.BookingURL, d.OwnOnline, d.OnlineURL
	for i := range c.Exceptions {
		e := &c.Exceptions[i]
		e.From, e.To = e.From.In(counselling.Berlin), e.To.In(counselling.Berlin)
	}
}

const centreColumns = `id, org_id, slug, name, demo, data, updated_at, updated_by`

func scanCentre(scan func(...any) error) (*counselling.Centre, error) {
	var c counselling.Centre
	var demo int
	var data string
	var updated int64
	if err := scan(&c.ID, &c.OrgID, &c.Slug, &c.Name, &demo, &data, &updated, &c.UpdatedBy); err != nil {
		return nil, err
	}
	var d centreDoc
	if err := json.Unmarshal([]byte(data), &d); err != nil {
		return nil, err
	}
	d.apply(&c)
	c.Demo, c.UpdatedAt = demo == 1, FromMillis(updated)
	return &c, nil
}

func (db *DB) queryCentres(ctx context.Context, q string, args ...any) ([]*counselling.Centre, error) {
	rows, err := db.Query(ctx, db, `SELECT `+centreColumns+` FROM centres `+q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*counselling.Centre
	for rows.Next() {
		c, err := scanCentre(rows.Scan)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	ready, err := db.BookingReady(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range out {
		c.BookingReady = ready[c.ID]
	}
	return out, nil
}

// CentresVersion implements counselling.DirectoryStore.
func (db *DB) CentresVersion(ctx context.Context) (int64, error) {
	var v int64
	err := db.QueryRow(ctx, db, `SELECT version FROM centres_version WHERE id = 1`).Scan(&v)
	return v, err
}

// AllCentres implements counselling.DirectoryStore.
func (db *DB) AllCentres(ctx context.Context) ([]*counselling.Centre, error) {
	return db.queryCentres(ctx, `ORDER BY name, id`)
}

// CentresOf implements counselling.EditorStore.
func (db *DB) CentresOf(ctx context.Context, orgID string) ([]*counselling.Centre, error) {
	return db.queryCentres(ctx, `WHERE org_id = ? ORDER BY name, id`, orgID)
}

// FindCentre implements counselling.EditorStore.
func (db *DB) FindCentre(ctx context.Context, id string) (*counselling.Centre, error) {
	c, err := scanCentre(db.QueryRow(ctx, db, `SELECT `+centreColumns+` FROM centres WHERE id = ?`, id).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, counselling.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	var n int
	if err := db.QueryRow(ctx, db, `SELECT COUNT(*) FROM booking_ready WHERE centre_id = ?`, id).Scan(&n); err != nil {
		return nil, err
	}
	c.BookingReady = n > 0
	return c, nil
}

// SlugTaken implements counselling.EditorStore.
func (db *DB) SlugTaken(ctx context.Context, slug, exceptID string) (bool, error) {
	var n int
	err := db.QueryRow(ctx, db, `SELECT COUNT(*) FROM centres WHERE slug = ? AND id <> ?`, slug, exceptID).Scan(&n)
	return n > 0, err
}

// SaveCentre implements counselling.EditorStore.
func (db *DB) SaveCentre(ctx context.Context, c *counselling.Centre, audit counselling.AuditEntry) error {
	return db.InTx(ctx, func(tx *sql.Tx) error {
		if err := db.saveCentre(ctx, tx, c); err != nil {
			return err
		}
		return db.bumpAndAudit(ctx, tx, audit)
	})
}

// SaveCentres stores many centres in one transaction (an import), with one
// audit entry for all of them.
func (db *DB) SaveCentres(ctx context.Context, cs []*counselling.Centre, audit counselling.AuditEntry) error {
	return db.InTx(ctx, func(tx *sql.Tx) error {
		for _, c := range cs {
			if err := db.saveCentre(ctx, tx, c); err != nil {
				return err
			}
		}
		// One version step for the whole import: every instance rebuilds
		// its index once.
		return db.bumpAndAudit(ctx, tx, audit)
	})
}

func (db *DB) saveCentre(ctx context.Context, tx *sql.Tx, c *counselling.Centre) error {
	data, err := json.Marshal(docOf(c))
	if err != nil {
		return err
	}
	demo := 0
	if c.Demo {
		demo = 1
	}
	if _, err := db.Exec(ctx, tx, `INSERT INTO centres (`+centreColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET slug = excluded.slug, name = excluded.name, demo = excluded.demo, data = excluded.data,
		updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
		c.ID, c.OrgID, c.Slug, c.Name, demo, string(data), Millis(c.UpdatedAt), c.UpdatedBy); err != nil {
		if isUniqueViolation(err) {
			return counselling.ErrSlugTaken
		}
		return err
	}
	return nil
}

// bumpAndAudit moves the directory's version on and logs the change, in
// the transaction of the write.
func (db *DB) bumpAndAudit(ctx context.Context, tx *sql.Tx, audit counselling.AuditEntry) error {
	if _, err := db.Exec(ctx, tx, `UPDATE centres_version SET version = version + 1 WHERE id = 1`); err != nil {
		return err
	}
	return db.appendAudit(ctx, tx, audit)
}

// DeleteCentre implements counselling.EditorStore.
func (db *DB) DeleteCentre(ctx context.Context, id string, audit counselling.AuditEntry) error {
	return db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := db.Exec(ctx, tx, `DELETE FROM centres WHERE id = ?`, id); err != nil {
			return err
		}
		return db.bumpAndAudit(ctx, tx, audit)
	})
}

func (db *DB) appendAudit(ctx context.Context, tx *sql.Tx, a counselling.AuditEntry) error {
	fields, err := json.Marshal(a.Fields)
	if err != nil {
		return err
	}
	_, err = db.Exec(ctx, tx, `INSERT INTO audit_log (id, at, actor_id, org_id, entity, entity_id, action, fields) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		uuid.NewString(), Millis(a.At), a.ActorID, a.OrgID, a.Entity, a.EntityID, a.Action, string(fields))
	return err
}

// AppendAudit records an entry outside a centre's save (users, requests).
func (db *DB) AppendAudit(ctx context.Context, a counselling.AuditEntry) error {
	return db.InTx(ctx, func(tx *sql.Tx) error { return db.appendAudit(ctx, tx, a) })
}

// Audit implements counselling.EditorStore: newest first; orgID "" is all.
func (db *DB) Audit(ctx context.Context, orgID string, limit int) ([]counselling.AuditEntry, error) {
	q := `SELECT at, actor_id, org_id, entity, entity_id, action, fields FROM audit_log`
	args := []any{}
	if orgID != "" {
		q += ` WHERE org_id = ?`
		args = append(args, orgID)
	}
	q += ` ORDER BY at DESC, id LIMIT ?`
	args = append(args, limit)
	rows, err := db.Query(ctx, db, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []counselling.AuditEntry
	for rows.Next() {
		var a counselling.AuditEntry
		var at int64
		var fields string
		if err := rows.Scan(&at, &a.ActorID, &a.OrgID, &a.Entity, &a.EntityID, &a.Action, &fields); err != nil {
			return nil, err
		}
		a.At = FromMillis(at)
		_ = json.Unmarshal([]byte(fields), &a.Fields)
		out = append(out, a)
	}
	return out, rows.Err()
}

// CreateOrganisation adds an organisation.
func (db *DB) CreateOrganisation(ctx context.Context, o counselling.Organisation) error {
	_, err := db.Exec(ctx, db, `INSERT INTO organisations (id, name, created_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING`,
		o.ID, strings.TrimSpace(o.Name), Millis(o.CreatedAt))
	return err
}

// FindOrganisation implements counselling.EditorStore.
func (db *DB) FindOrganisation(ctx context.Context, id string) (*counselling.Organisation, error) {
	var o counselling.Organisation
	var at int64
	err := db.QueryRow(ctx, db, `SELECT id, name, created_at FROM organisations WHERE id = ?`, id).Scan(&o.ID, &o.Name, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, counselling.ErrNotFound
	}
	o.CreatedAt = FromMillis(at)
	return &o, err
}

// Organisations implements counselling.EditorStore.
func (db *DB) Organisations(ctx context.Context) ([]counselling.Organisation, error) {
	rows, err := db.Query(ctx, db, `SELECT id, name, created_at FROM organisations ORDER BY name, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []counselling.Organisation
	for rows.Next() {
		var o counselling.Organisation
		var at int64
		if err := rows.Scan(&o.ID, &o.Name, &at); err != nil {
			return nil, err
		}
		o.CreatedAt = FromMillis(at)
		out = append(out, o)
	}
	return out, rows.Err()
}

// CountCentres is how many centres there are (demo ones too).
func (db *DB) CountCentres(ctx context.Context) (int, error) {
	var n int
	err := db.QueryRow(ctx, db, `SELECT COUNT(*) FROM centres`).Scan(&n)
	return n, err
}

// CreateAccessRequest implements counselling.RequestStore. The upsert of
// the address's row in access_request_limits comes first: it takes that
// row's lock in PostgreSQL (a second transaction for the same address waits
// until the first commits, then counts its row) and SQLite runs one
// writing transaction at a time (_txlock=immediate), so count and insert
// are one step on every instance.
func (db *DB) CreateAccessRequest(ctx context.Context, r *counselling.AccessRequest, tokenHash string, expires, since time.Time, max int) error {
	email := strings.ToLower(r.Email)
	return db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := db.Exec(ctx, tx, `INSERT INTO access_request_limits (email, touched_at) VALUES (?, ?)
			ON CONFLICT (email) DO UPDATE SET touched_at = excluded.touched_at`, email, Millis(r.CreatedAt)); err != nil {
			return err
		}
		var n int
		if err := db.QueryRow(ctx, tx, `SELECT COUNT(*) FROM access_requests WHERE LOWER(email) = ? AND created_at >= ?`, email, Millis(since)).Scan(&n); err != nil {
			return err
		}
		if n >= max {
			return counselling.ErrTooManyRequests
		}
		_, err := db.Exec(ctx, tx, `INSERT INTO access_requests (id, centre_name, traeger, contact_name, email, phone, message, token_hash,
		token_expires, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ID, r.CentreName, r.Traeger, r.ContactName, r.Email, r.Phone, r.Message, tokenHash, Millis(expires), r.Status, Millis(r.CreatedAt))
		return err
	})
}

const requestColumns = `id, centre_name, traeger, contact_name, email, phone, message, status, created_at, verified_at, decided_at, decided_by, org_id`

func scanRequest(scan func(...any) error) (*counselling.AccessRequest, error) {
	var r counselling.AccessRequest
	var created, verified, decided int64
	if err := scan(&r.ID, &r.CentreName, &r.Traeger, &r.ContactName, &r.Email, &r.Phone, &r.Message, &r.Status, &created, &verified, &decided,
		&r.DecidedBy, &r.OrgID); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, counselling.ErrNotFound
		}
		return nil, err
	}
	r.CreatedAt = FromMillis(created)
	if verified > 0 {
		r.VerifiedAt = FromMillis(verified)
	}
	if decided > 0 {
		r.DecidedAt = FromMillis(decided)
	}
	return &r, nil
}

// ConfirmAccessRequest implements counselling.RequestStore.
func (db *DB) ConfirmAccessRequest(ctx context.Context, tokenHash string, now time.Time) (*counselling.AccessRequest, error) {
	var id string
	err := db.QueryRow(ctx, db, `UPDATE access_requests SET status = ?, verified_at = ?, token_hash = ''
		WHERE token_hash = ? AND status = ? AND token_expires > ? RETURNING id`,
		counselling.RequestConfirmed, Millis(now), tokenHash, counselling.RequestUnconfirmed, Millis(now)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, counselling.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return db.FindAccessRequest(ctx, id)
}

// AccessRequests implements counselling.RequestStore: newest first.
func (db *DB) AccessRequests(ctx context.Context) ([]counselling.AccessRequest, error) {
	rows, err := db.Query(ctx, db, `SELECT `+requestColumns+` FROM access_requests ORDER BY created_at DESC, id LIMIT 500`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []counselling.AccessRequest
	for rows.Next() {
		r, err := scanRequest(rows.Scan)
		if err != nil {
			return nil, err
		}
		out = append(out, *r)
	}
	return out, rows.Err()
}

// FindAccessRequest implements counselling.RequestStore.
func (db *DB) FindAccessRequest(ctx context.Context, id string) (*counselling.AccessRequest, error) {
	return scanRequest(db.QueryRow(ctx, db, `SELECT `+requestColumns+` FROM access_requests WHERE id = ?`, id).Scan)
}

// DecideAccessRequest implements counselling.RequestStore.
func (db *DB) DecideAccessRequest(ctx context.Context, id, status, by, orgID string, at time.Time) error {
	res, err := db.Exec(ctx, db, `UPDATE access_requests SET status = ?, decided_by = ?, decided_at = ?, org_id = ? WHERE id = ? AND status = ?`,
		status, by, Millis(at), orgID, id, counselling.RequestConfirmed)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return counselling.ErrNotConfirmed
	}
	return nil
}
