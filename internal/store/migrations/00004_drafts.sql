-- Drafts of applications of signed-in citizens (kept 24 hours after the
-- last change) and the status of sent applications shown in the personal
-- area (30 days). owner is the hashed BundID subject (session.CitizenOwner).

-- +goose Up
CREATE TABLE drafts (
    id         TEXT PRIMARY KEY,
    owner      TEXT NOT NULL,
    service    TEXT NOT NULL,
    data       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX drafts_owner ON drafts (owner, updated_at);
CREATE INDEX drafts_expires_at ON drafts (expires_at);

CREATE TABLE application_status (
    id         TEXT PRIMARY KEY,
    owner      TEXT NOT NULL,
    service    TEXT NOT NULL,
    reference  TEXT NOT NULL,
    status     TEXT NOT NULL,
    sent_at    BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX application_status_owner ON application_status (owner, sent_at);

-- +goose Down
DROP TABLE application_status;
DROP TABLE drafts;
