-- The second factor of administrators: the TOTP secret of their
-- authenticator app, the last time step whose code was accepted (a code is
-- good once), and recovery codes, kept only as SHA-256 hashes.

-- +goose Up
CREATE TABLE staff_totp (
    staff_id    TEXT PRIMARY KEY REFERENCES staff_users (id) ON DELETE CASCADE,
    secret      TEXT NOT NULL,
    enrolled_at BIGINT NOT NULL,
    last_step   BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE staff_recovery_codes (
    staff_id  TEXT NOT NULL REFERENCES staff_users (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (staff_id, code_hash)
);

-- +goose Down
DROP TABLE staff_recovery_codes;
DROP TABLE staff_totp;
