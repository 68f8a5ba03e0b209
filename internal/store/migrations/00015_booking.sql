-- Online appointment booking (issue 17). Never more bookings than seats:
-- booking_seats has one row per held seat, keyed by (service, slot start
-- in UTC milliseconds, seat number), so a seat is claimed by an INSERT
-- that either wins or conflicts — no read-then-write. A pending booking's
-- seat row carries its hold's end (held_until); a confirmed one 0.
-- booking_limits rows are upserted first in the claiming transaction, so
-- two claims for one address or client wait for each other (row lock in
-- PostgreSQL; SQLite writes one transaction at a time). Tokens are stored
-- hashed, one purpose each.

-- +goose Up
CREATE TABLE booking_services (
    id             TEXT PRIMARY KEY,
    centre_id      TEXT NOT NULL,
    name           TEXT NOT NULL,
    duration_min   INTEGER NOT NULL,
    buffer_min     INTEGER NOT NULL,
    seats          INTEGER NOT NULL,
    min_notice_min INTEGER NOT NULL,
    horizon_days   INTEGER NOT NULL,
    location       INTEGER NOT NULL,
    counsellors    TEXT NOT NULL,
    active         INTEGER NOT NULL,
    position       INTEGER NOT NULL
);
CREATE INDEX booking_services_centre ON booking_services (centre_id, position);

CREATE TABLE booking_settings (
    centre_id           TEXT PRIMARY KEY,
    use_opening_hours   INTEGER NOT NULL,
    hours               TEXT NOT NULL,
    exceptions          TEXT NOT NULL,
    reminder_lead_min   INTEGER NOT NULL,
    max_pending_email   INTEGER NOT NULL,
    max_pending_client  INTEGER NOT NULL
);

CREATE TABLE bookings (
    id            TEXT PRIMARY KEY,
    centre_id     TEXT NOT NULL,
    service_id    TEXT NOT NULL,
    slot_start    BIGINT NOT NULL,
    slot_end      BIGINT NOT NULL,
    seat          INTEGER NOT NULL,
    state         TEXT NOT NULL,
    last_name     TEXT NOT NULL,
    first_name    TEXT NOT NULL,
    email         TEXT NOT NULL,
    phone         TEXT NOT NULL,
    lang          TEXT NOT NULL,
    client_key    TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    confirmed_at  BIGINT NOT NULL DEFAULT 0,
    cancelled_at  BIGINT NOT NULL DEFAULT 0,
    cancel_reason TEXT NOT NULL DEFAULT '',
    reminder_due  BIGINT NOT NULL DEFAULT 0,
    reminder_sent BIGINT NOT NULL DEFAULT 0,
    sequence      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX bookings_centre ON bookings (centre_id, slot_start);
CREATE INDEX bookings_pending ON bookings (state, expires_at);
CREATE INDEX bookings_email ON bookings (email, state);
CREATE INDEX bookings_reminder ON bookings (state, reminder_sent, reminder_due);

CREATE TABLE booking_seats (
    service_id  TEXT NOT NULL,
    slot_start  BIGINT NOT NULL,
    seat        INTEGER NOT NULL,
    booking_id  TEXT NOT NULL,
    held_until  BIGINT NOT NULL,
    PRIMARY KEY (service_id, slot_start, seat)
);
CREATE INDEX booking_seats_booking ON booking_seats (booking_id);

CREATE TABLE booking_tokens (
    hash       TEXT PRIMARY KEY,
    booking_id TEXT NOT NULL,
    purpose    TEXT NOT NULL,
    used_at    BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX booking_tokens_booking ON booking_tokens (booking_id);

CREATE TABLE booking_limits (
    key        TEXT PRIMARY KEY,
    touched_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE booking_limits;
DROP TABLE booking_tokens;
DROP TABLE booking_seats;
DROP TABLE bookings;
DROP TABLE booking_settings;
DROP TABLE booking_services;
