-- Counselling centres and the organisations (Träger) that maintain them.
-- A centre's details are one JSON document: the finder reads all centres
-- into memory anyway, and the back office edits a centre as a whole; the
-- columns are what is looked up by. centres_version moves on with every
-- write, so every instance rebuilds its finder index at once.

-- +goose Up
CREATE TABLE organisations (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE centres (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organisations (id),
    slug       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    demo       INTEGER NOT NULL DEFAULT 0,
    data       TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX centres_org ON centres (org_id);

CREATE TABLE centres_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO centres_version (id, version) VALUES (1, 0);

-- Who changed what in the back office: field names, not values.
CREATE TABLE audit_log (
    id        TEXT PRIMARY KEY,
    at        BIGINT NOT NULL,
    actor_id  TEXT NOT NULL,
    org_id    TEXT NOT NULL,
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    action    TEXT NOT NULL,
    fields    TEXT NOT NULL
);
CREATE INDEX audit_log_org ON audit_log (org_id, at);

-- Staff belong to an organisation (system administrators to none).
ALTER TABLE staff_users ADD COLUMN org_id TEXT NOT NULL DEFAULT '';

-- A centre asks for access: its contact confirms the e-mail address, a
-- system administrator approves and the platform creates the organisation
-- and its administrator.
CREATE TABLE access_requests (
    id           TEXT PRIMARY KEY,
    centre_name  TEXT NOT NULL,
    traeger      TEXT NOT NULL,
    contact_name TEXT NOT NULL,
    email        TEXT NOT NULL,
    phone        TEXT NOT NULL,
    message      TEXT NOT NULL,
    token_hash   TEXT NOT NULL,
    token_expires BIGINT NOT NULL,
    verified_at  BIGINT NOT NULL DEFAULT 0,
    status       TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    decided_at   BIGINT NOT NULL DEFAULT 0,
    decided_by   TEXT NOT NULL DEFAULT '',
    org_id       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX access_requests_status ON access_requests (status, created_at);

-- Single-use links: setting a password (invitation) and confirming an
-- e-mail address. Only the hash of the token is kept.
CREATE TABLE staff_tokens (
    token_hash TEXT PRIMARY KEY,
    staff_id   TEXT NOT NULL,
    purpose    TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX staff_tokens_staff ON staff_tokens (staff_id);

-- +goose Down
DROP TABLE staff_tokens;
DROP TABLE access_requests;
ALTER TABLE staff_users DROP COLUMN org_id;
DROP TABLE audit_log;
DROP TABLE centres_version;
DROP TABLE centres;
DROP TABLE organisations;
