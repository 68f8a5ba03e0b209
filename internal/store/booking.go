package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/booking"
	"github.com/sozialplattform/sozialplattform/internal/counselling"
	"github.com/sozialplattform/sozialplattform/internal/job"
	"github.com/sozialplattform/sozialplattform/internal/mail"
)

// Services implements booking.Store: a centre's services in their order.
func (db *DB) Services(ctx context.Context, centreID string) ([]booking.Service, error) {
	rows, err := db.Query(ctx, db, `SELECT id, centre_id, name, duration_min, buffer_min, seats, min_notice_min, horizon_days, location,
		counsellors, active FROM booking_services WHERE centre_id = ? ORDER BY position, name`, centreID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []booking.Service
	for rows.Next() {
		var s booking.Service
		var notice, active int
		var counsellors string
		if err := rows.Scan(&s.ID, &s.CentreID, &s.Name, &s.Duration, &s.Buffer, &s.Seats, &notice, &s.HorizonDays, &s.Location,
			&counsellors, &active); err != nil {
			return nil, err
		}
		s.MinNotice, s.Active = time.Duration(notice)*time.Minute, active == 1
		if err := json.Unmarshal([]byte(counsellors), &s.Counsellors); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// SaveService implements booking.Store: insert or replace.
func (db *DB) SaveService(ctx context.Context, s booking.Service) error {
	counsellors, err := json.Marshal(s.Counsellors)
	if err != nil {
		return err
	}
	if s.Counsellors == nil {
		counsellors = []byte("[]")
	}
	active := 0
	if s.Active {
		active = 1
	}
	_, err = db.Exec(ctx, db, `INSERT INTO booking_services (id, centre_id, name, duration_min, buffer_min, seats, min_notice_min,
		horizon_days, location, counsellors, active, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
		(SELECT COUNT(*) FROM booking_services WHERE centre_id = ?))
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, duration_min = excluded.duration_min, buffer_min = excluded.buffer_min,
		seats = excluded.seats, min_notice_min = excluded.min_notice_min, horizon_days = excluded.horizon_days,
		location = excluded.location, counsellors = excluded.counsellors, active = excluded.active
		WHERE booking_services.centre_id = excluded.centre_id`,
		s.ID, s.CentreID, s.Name, s.Duration, s.Buffer, s.Seats, int(s.MinNotice/time.Minute), s.HorizonDays, s.Location,
		string(counsellors), active, s.CentreID)
	return err
}

// BookingSettings implements booking.Store (zero settings for a centre
// that has saved none).
func (db *DB) BookingSettings(ctx context.Context, centreID string) (booking.Settings, error) {
	s := booking.Settings{CentreID: centreID}
	var useOpening, lead int
	var hours, exceptions string
	err := db.QueryRow(ctx, db, `SELECT use_opening_hours, hours, exceptions, reminder_lead_min, max_pending_email, max_pending_client
		FROM booking_settings WHERE centre_id = ?`, centreID).Scan(&useOpening, &hours, &exceptions, &lead, &s.MaxPendingPerEmail, &s.MaxPendingPerClient)
	if errors.Is(err, sql.ErrNoRows) {
		return s, nil
	}
	if err != nil {
		return s, err
	}
	s.UseOpeningHours, s.ReminderLead = useOpening == 1, time.Duration(lead)*time.Minute
	if err := json.Unmarshal([]byte(hours), &s.Hours); err != nil {
		return s, err
	}
	return s, json.Unmarshal([]byte(exceptions), &s.Exceptions)
}

// SaveBookingSettings implements booking.Store.
func (db *DB) SaveBookingSettings(ctx context.Context, s booking.Settings) error {
	hours, err := json.Marshal(s.Hours)
	if err != nil {
		return err
	}
	exceptions, err := json.Marshal(s.Exceptions)
	if err != nil {
		return err
	}
	if s.Exceptions == nil {
		exceptions = []byte("[]")
	}
	useOpening := 0
	if s.UseOpeningHours {
		useOpening = 1
	}
	_, err = db.Exec(ctx, db, `INSERT INTO booking_settings (centre_id, use_opening_hours, hours, exceptions, reminder_lead_min,
		max_pending_email, max_pending_client) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (centre_id) DO UPDATE SET use_opening_hours = excluded.use_opening_hours, hours = excluded.hours,
		exceptions = excluded.exceptions, reminder_lead_min = excluded.reminder_lead_min,
		max_pending_email = excluded.max_pending_email, max_pending_client = excluded.max_pending_client`,
		s.CentreID, useOpening, string(hours), string(exceptions), int(s.ReminderLead/time.Minute), s.MaxPendingPerEmail, s.MaxPendingPerClient)
	return err
}

// Taken implements booking.Store.
func (db *DB) Taken(ctx context.Context, serviceID string, from, to, now time.Time) (map[int64]int, error) {
	rows, err := db.Query(ctx, db, `SELECT slot_start, COUNT(*) FROM booking_seats
		WHERE service_id = ? AND slot_start >= ? AND slot_start < ? AND (held_until = 0 OR held_until > ?) GROUP BY slot_start`,
		serviceID, Millis(from), Millis(to), Millis(now))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]int{}
	for rows.Next() {
		var start int64
		var n int
		if err := rows.Scan(&start, &n); err != nil {
			return nil, err
		}
		out[start] = n
	}
	return out, rows.Err()
}

// ClaimSeat implements booking.Store. In one transaction: the address's
// and the client's limit rows are touched first (two claims for one of
// them wait for each other), their pending bookings counted; holds of the
// slot that ran out are expired; then each seat number is tried with an
// INSERT that a concurrent claim of the same seat makes conflict.
func (db *DB) ClaimSeat(ctx context.Context, c booking.Claim) error {
	b := c.Booking
	now := Millis(c.Now)
	return db.InTx(ctx, func(tx *sql.Tx) error {
		for _, lim := range []struct {
			key, column string
			max         int
			value       string
		}{{"email:" + strings.ToLower(b.Email), "email", c.MaxPerEmail, strings.ToLower(b.Email)}, {"client:" + c.ClientKey, "client_key", c.MaxPerClient, c.ClientKey}} {
			if _, err := db.Exec(ctx, tx, `INSERT INTO booking_limits (key, touched_at) VALUES (?, ?)
				ON CONFLICT (key) DO UPDATE SET touched_at = excluded.touched_at`, lim.key, now); err != nil {
				return err
			}
			var n int
			if err := db.QueryRow(ctx, tx, `SELECT COUNT(*) FROM bookings WHERE `+lim.column+` = ? AND state = ? AND expires_at > ?`,
				lim.value, booking.Pending, now).Scan(&n); err != nil {
				return err
			}
			if lim.max > 0 && n >= lim.max {
				return booking.ErrTooMany
			}
		}
		if err := db.expireHolds(ctx, tx, `service_id = ? AND slot_start = ?`, now, b.ServiceID, Millis(b.Start)); err != nil {
			return err
		}
		seat := 0
		for n := 1; n <= c.Seats && seat == 0; n++ {
			res, err := db.Exec(ctx, tx, `INSERT INTO booking_seats (service_id, slot_start, seat, booking_id, held_until) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (service_id, slot_start, seat) DO NOTHING`, b.ServiceID, Millis(b.Start), n, b.ID, Millis(b.ExpiresAt))
			if err != nil {
				return err
			}
			if k, err := res.RowsAffected(); err != nil {
				return err
			} else if k == 1 {
				seat = n
			}
		}
		if seat == 0 {
			return booking.ErrSlotTaken
		}
		if _, err := db.Exec(ctx, tx, `INSERT INTO bookings (id, centre_id, service_id, slot_start, slot_end, seat, state, last_name,
			first_name, email, phone, lang, client_key, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			b.ID, b.CentreID, b.ServiceID, Millis(b.Start), Millis(b.End), seat, booking.Pending, b.LastName, b.FirstName,
			strings.ToLower(b.Email), b.Phone, b.Lang, c.ClientKey, now, Millis(b.ExpiresAt)); err != nil {
			return err
		}
		for _, t := range []struct{ hash, purpose string }{{c.ConfirmHash, booking.PurposeConfirm}, {c.CancelHash, booking.PurposeCancel}} {
			if _, err := db.Exec(ctx, tx, `INSERT INTO booking_tokens (hash, booking_id, purpose) VALUES (?, ?, ?)`, t.hash, b.ID, t.purpose); err != nil {
				return err
			}
		}
		return db.appendAudit(ctx, tx, counselling.AuditEntry{At: c.Now, Entity: "booking", EntityID: b.ID, Action: "create",
			Fields: []string{booking.Pending}, OrgID: c.OrgID, ActorID: "person"})
	})
}

// expireHolds moves pending bookings whose hold ran out to EXPIRED and
// frees their seats (where: a condition on booking_seats).
func (db *DB) expireHolds(ctx context.Context, tx *sql.Tx, where string, now int64, args ...any) error {
	ids, err := db.strings(ctx, tx, `SELECT booking_id FROM booking_seats WHERE `+where+` AND held_until > 0 AND held_until <= ?`, append(args, now)...)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if _, err := db.Exec(ctx, tx, `UPDATE bookings SET state = ?, sequence = sequence + 1 WHERE id = ? AND state = ?`,
			booking.Expired, id, booking.Pending); err != nil {
			return err
		}
		if _, err := db.Exec(ctx, tx, `DELETE FROM booking_seats WHERE booking_id = ?`, id); err != nil {
			return err
		}
	}
	return nil
}

const bookingColumns = `id, centre_id, service_id, slot_start, slot_end, seat, state, last_name, first_name, email, phone, lang,
	created_at, expires_at, confirmed_at, cancelled_at, cancel_reason, reminder_due, reminder_sent, sequence`

func scanBooking(scan func(...any) error) (*booking.Booking, error) {
	var b booking.Booking
	var start, end, created, expires, confirmed, cancelled, due, sent int64
	if err := scan(&b.ID, &b.CentreID, &b.ServiceID, &start, &end, &b.Seat, &b.State, &b.LastName, &b.FirstName, &b.Email, &b.Phone,
		&b.Lang, &created, &expires, &confirmed, &cancelled, &b.CancelReason, &due, &sent, &b.Sequence); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, booking.ErrNotFound
		}
		return nil, err
	}
	b.Start, b.End, b.CreatedAt, b.ExpiresAt = FromMillis(start), FromMillis(end), FromMillis(created), FromMillis(expires)
	opt := func(ms int64) time.Time {
		if ms == 0 {
			return time.Time{}
		}
		return FromMillis(ms)
	}
	b.ConfirmedAt, b.CancelledAt, b.ReminderDue, b.ReminderSent = opt(confirmed), opt(cancelled), opt(due), opt(sent)
	return &b, nil
}

// FindBooking implements booking.Store.
func (db *DB) FindBooking(ctx context.Context, id string) (*booking.Booking, error) {
	return scanBooking(db.QueryRow(ctx, db, `SELECT `+bookingColumns+` FROM bookings WHERE id = ?`, id).Scan)
}

// BookingByToken implements booking.Store. A used confirmation token
// still finds its booking, so its page shows the current state; the state
// guard in Transition keeps it from confirming twice.
func (db *DB) BookingByToken(ctx context.Context, hash, purpose string, _ time.Time) (*booking.Booking, error) {
	var id string
	var used int64
	err := db.QueryRow(ctx, db, `SELECT booking_id, used_at FROM booking_tokens WHERE hash = ? AND purpose = ?`, hash, purpose).Scan(&id, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, booking.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return db.FindBooking(ctx, id)
}

// Transition implements booking.Store: one guarded UPDATE from the
// expected states; the seat released for CANCELLED and EXPIRED, held for
// good on CONFIRMED; a used confirmation token marked; an audit entry
// with the states only.
func (db *DB) Transition(ctx context.Context, id string, from []string, to string, t booking.Transition) (*booking.Booking, error) {
	now := Millis(t.Now)
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		set := `state = ?, sequence = sequence + 1`
		args := []any{to}
		switch to {
		case booking.Confirmed:
			set += `, confirmed_at = ?, reminder_due = ?`
			args = append(args, now, Millis(t.ReminderDue))
		case booking.Cancelled:
			set += `, cancelled_at = ?, cancel_reason = ?`
			args = append(args, now, t.Reason)
		}
		q := `UPDATE bookings SET ` + set + ` WHERE id = ? AND state IN (?` + strings.Repeat(", ?", len(from)-1) + `)`
		args = append(args, id)
		for _, f := range from {
			args = append(args, f)
		}
		if to == booking.Confirmed {
			q += ` AND expires_at > ?` // a hold that ran out cannot be confirmed
			args = append(args, now)
		}
		res, err := db.Exec(ctx, tx, q, args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return booking.ErrWrongState
		}
		switch to {
		case booking.Confirmed:
			_, err = db.Exec(ctx, tx, `UPDATE booking_seats SET held_until = 0 WHERE booking_id = ?`, id)
		case booking.Cancelled, booking.Expired:
			_, err = db.Exec(ctx, tx, `DELETE FROM booking_seats WHERE booking_id = ?`, id)
		}
		if err != nil {
			return err
		}
		if t.UseToken != "" {
			if _, err := db.Exec(ctx, tx, `UPDATE booking_tokens SET used_at = ? WHERE hash = ? AND used_at = 0`, now, t.UseToken); err != nil {
				return err
			}
		}
		actor := t.By
		if actor == "" {
			actor = "person"
		}
		return db.appendAudit(ctx, tx, counselling.AuditEntry{At: t.Now, ActorID: actor, OrgID: t.OrgID, Entity: "booking", EntityID: id,
			Action: strings.ToLower(to), Fields: append(append([]string{}, from...), to)})
	})
	if err != nil {
		return nil, err
	}
	return db.FindBooking(ctx, id)
}

// Bookings implements booking.Store.
func (db *DB) Bookings(ctx context.Context, centreID string, from, to time.Time) ([]booking.Booking, error) {
	return db.queryBookings(ctx, `WHERE centre_id = ? AND slot_start >= ? AND slot_start < ? ORDER BY slot_start, seat`,
		centreID, Millis(from), Millis(to))
}

// queryBookings reads the bookings a condition selects.
func (db *DB) queryBookings(ctx context.Context, where string, args ...any) ([]booking.Booking, error) {
	rows, err := db.Query(ctx, db, `SELECT `+bookingColumns+` FROM bookings `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []booking.Booking
	for rows.Next() {
		b, err := scanBooking(rows.Scan)
		if err != nil {
			return nil, err
		}
		out = append(out, *b)
	}
	return out, rows.Err()
}

// BookingReady lists the centres whose booking passes the Konfig-Check.
func (db *DB) BookingReady(ctx context.Context) (map[string]bool, error) {
	ids, err := db.strings(ctx, db, `SELECT centre_id FROM booking_ready`)
	return set(ids), err
}

// SetBookingReady replaces the set of ready centres; when it changes, the
// centres' version moves on, so the finder's index and cached pages follow.
func (db *DB) SetBookingReady(ctx context.Context, ids []string) error {
	return db.InTx(ctx, func(tx *sql.Tx) error {
		ids0, err := db.strings(ctx, tx, `SELECT centre_id FROM booking_ready`)
		if err != nil {
			return err
		}
		have := set(ids0)
		want := set(ids)
		same := len(have) == len(want)
		for id := range want {
			same = same && have[id]
		}
		if same {
			return nil
		}
		if _, err := db.Exec(ctx, tx, `DELETE FROM booking_ready`); err != nil {
			return err
		}
		for id := range want {
			if _, err := db.Exec(ctx, tx, `INSERT INTO booking_ready (centre_id) VALUES (?)`, id); err != nil {
				return err
			}
		}
		_, err = db.Exec(ctx, tx, `UPDATE centres_version SET version = version + 1 WHERE id = 1`)
		return err
	})
}

// DueReminders implements booking.Store: confirmed bookings whose reminder
// is due and not sent, appointment still ahead.
func (db *DB) DueReminders(ctx context.Context, now time.Time, limit int) ([]booking.Booking, error) {
	return db.queryBookings(ctx, `WHERE state = ? AND reminder_sent = 0 AND reminder_due <= ? AND slot_start > ? ORDER BY reminder_due LIMIT ?`,
		booking.Confirmed, Millis(now), Millis(now), limit)
}

// MarkReminded implements booking.Store: in one transaction the reminder
// is marked sent (only if it was not: another instance may be at the same
// booking), a new cancel token stored and the mail queued — so each
// reminder goes out exactly once, also across instances and crashes.
func (db *DB) MarkReminded(ctx context.Context, id string, now time.Time, cancelHash string, m mail.Message, j job.Job) (bool, error) {
	sent := false
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		res, err := db.Exec(ctx, tx, `UPDATE bookings SET reminder_sent = ? WHERE id = ? AND reminder_sent = 0 AND state = ?`,
			Millis(now), id, booking.Confirmed)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return err
		}
		if _, err := db.Exec(ctx, tx, `INSERT INTO booking_tokens (hash, booking_id, purpose) VALUES (?, ?, ?)`, cancelHash, id, booking.PurposeCancel); err != nil {
			return err
		}
		// The mail goes out now by the database's clock, whatever clock
		// decided that the reminder was due.
		j.RunAt = db.Now()
		if _, err := db.enqueueMailTx(ctx, tx, m, j); err != nil {
			return err
		}
		sent = true
		return nil
	})
	return sent, err
}

// strings reads a one-column result.
func (db *DB) strings(ctx context.Context, q Querier, query string, args ...any) ([]string, error) {
	rows, err := db.Query(ctx, q, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func set(ids []string) map[string]bool {
	m := make(map[string]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}

// Templates implements booking.TemplateStore.
func (db *DB) Templates(ctx context.Context, centreID string) ([]booking.Template, error) {
	rows, err := db.Query(ctx, db, `SELECT centre_id, lang, kind, subject, body FROM booking_templates WHERE centre_id = ? ORDER BY kind, lang`, centreID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []booking.Template
	for rows.Next() {
		var t booking.Template
		if err := rows.Scan(&t.CentreID, &t.Lang, &t.Kind, &t.Subject, &t.Body); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// SaveTemplate implements booking.TemplateStore.
func (db *DB) SaveTemplate(ctx context.Context, t booking.Template) error {
	_, err := db.Exec(ctx, db, `INSERT INTO booking_templates (centre_id, lang, kind, subject, body) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (centre_id, lang, kind) DO UPDATE SET subject = excluded.subject, body = excluded.body`,
		t.CentreID, t.Lang, t.Kind, t.Subject, t.Body)
	return err
}

// DeleteTemplate implements booking.TemplateStore (back to the platform's
// text).
func (db *DB) DeleteTemplate(ctx context.Context, centreID, lang, kind string) error {
	_, err := db.Exec(ctx, db, `DELETE FROM booking_templates WHERE centre_id = ? AND lang = ? AND kind = ?`, centreID, lang, kind)
	return err
}
