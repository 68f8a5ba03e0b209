-- Staff sign-in throttling (issue 16, item 4) and the access-request limit
-- (item 7). login_throttle: one row per key (a hash of the account's
-- address, of the client address, or of both), counted up atomically with
-- INSERT … ON CONFLICT … RETURNING so that every instance sees the same
-- counts. access_request_limits: one row per address, upserted first in
-- the transaction that counts and inserts a request, so two requests for
-- the same address wait for each other (row lock in PostgreSQL; SQLite
-- writes one transaction at a time).

-- +goose Up
CREATE TABLE login_throttle (
    key           TEXT PRIMARY KEY,
    failures      INTEGER NOT NULL,
    blocked_until BIGINT NOT NULL DEFAULT 0,
    updated_at    BIGINT NOT NULL
);

CREATE TABLE access_request_limits (
    email      TEXT PRIMARY KEY,
    touched_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE access_request_limits;
DROP TABLE login_throttle;
