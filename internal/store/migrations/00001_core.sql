-- Core tables of the platform. Portable SQL: it must run unchanged on SQLite and
-- PostgreSQL. Times are BIGINT Unix milliseconds; identifiers are UUID strings.

-- +goose Up
CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Server-side sessions. Only a SHA-256 hash of the cookie token is stored, so a
-- copy of the database cannot be used to take over a session.
CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    staff_id     TEXT,
    data         TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX sessions_expires_at ON sessions (expires_at);
CREATE INDEX sessions_staff_id ON sessions (staff_id);

CREATE TABLE staff_users (
    id              TEXT PRIMARY KEY,
    email           TEXT NOT NULL UNIQUE,
    display_name    TEXT NOT NULL,
    role            TEXT NOT NULL,
    password_hash   TEXT NOT NULL,
    failed_logins   INTEGER NOT NULL DEFAULT 0,
    locked_until    BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    last_login_at   BIGINT NOT NULL DEFAULT 0
);

-- The durable job queue. Arguments never carry personal data, only references.
CREATE TABLE jobs (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    unique_key   TEXT UNIQUE,
    args         TEXT NOT NULL,
    state        TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    run_at       BIGINT NOT NULL,
    locked_by    TEXT,
    locked_until BIGINT NOT NULL DEFAULT 0,
    last_error   TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    finished_at  BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX jobs_ready ON jobs (state, run_at);

CREATE TABLE mail_outbox (
    id         TEXT PRIMARY KEY,
    recipient  TEXT NOT NULL,
    subject    TEXT NOT NULL,
    text_body  TEXT NOT NULL,
    html_body  TEXT NOT NULL,
    status     TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    sent_at    BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX mail_outbox_status ON mail_outbox (status, created_at);

-- Development mail catcher: what the in-process SMTP server received.
CREATE TABLE caught_mail (
    id          TEXT PRIMARY KEY,
    mail_from   TEXT NOT NULL,
    recipients  TEXT NOT NULL,
    subject     TEXT NOT NULL,
    raw         TEXT NOT NULL,
    received_at BIGINT NOT NULL
);

-- Page feedback (the national feedback component's shape: rating 1-5 and an
-- optional comment). No personal data is asked for.
CREATE TABLE feedback (
    id         TEXT PRIMARY KEY,
    page       TEXT NOT NULL,
    lang       TEXT NOT NULL,
    rating     INTEGER NOT NULL,
    comment    TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX feedback_created_at ON feedback (created_at);

-- Barrier reports from the accessibility statement's feedback mechanism (BITV 2.0).
CREATE TABLE barrier_reports (
    id            TEXT PRIMARY KEY,
    page          TEXT NOT NULL,
    lang          TEXT NOT NULL,
    description   TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX barrier_reports_created_at ON barrier_reports (created_at);

-- What the retention sweeper did, per rule and run (counts only).
CREATE TABLE retention_runs (
    id       TEXT PRIMARY KEY,
    rule     TEXT NOT NULL,
    deleted  INTEGER NOT NULL,
    ran_at   BIGINT NOT NULL
);
CREATE INDEX retention_runs_ran_at ON retention_runs (ran_at);

-- +goose Down
DROP TABLE retention_runs;
DROP TABLE barrier_reports;
DROP TABLE feedback;
DROP TABLE caught_mail;
DROP TABLE mail_outbox;
DROP TABLE jobs;
DROP TABLE staff_users;
DROP TABLE sessions;
DROP TABLE settings;
