-- Proofs uploaded for an application (chapter "Unterlagen"). The bytes live
-- encrypted in blobs (internal/upload); a row holds what is shown, the
-- SHA-256 of the plaintext for the delivery report, the blob's key and the
-- salt of the file's encryption key: without the row a blob cannot be
-- decrypted. application is the form instance's id.
--
-- upload_trash lists blob keys to delete at due_at: every blob is put there
-- before it is written, inserting its row takes it out, deleting a row puts
-- it back (due at once). So a crash or a failed deletion leaves no blob
-- that nothing knows about.

-- +goose Up
CREATE TABLE uploads (
    id          TEXT PRIMARY KEY,
    application TEXT NOT NULL,
    slot        TEXT NOT NULL,
    name        TEXT NOT NULL,
    file_type   TEXT NOT NULL,
    size        BIGINT NOT NULL,
    status      TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    blob_key    TEXT NOT NULL UNIQUE,
    key_salt    TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX uploads_application ON uploads (application, created_at);
CREATE INDEX uploads_expires_at ON uploads (expires_at);
CREATE INDEX uploads_status ON uploads (status, created_at);

CREATE TABLE upload_trash (
    blob_key TEXT PRIMARY KEY,
    due_at   BIGINT NOT NULL
);
CREATE INDEX upload_trash_due_at ON upload_trash (due_at);

-- +goose Down
DROP TABLE upload_trash;
DROP TABLE uploads;
