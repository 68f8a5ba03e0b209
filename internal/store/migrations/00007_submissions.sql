-- Sent applications waiting for delivery (the outbox of the application
-- assistant). A row is written once when the person presses "Absenden";
-- delivery empties it. answers is the form engine's answers as JSON; the
-- row is deleted after delivery except what the receipt needs (retention).

-- +goose Up
CREATE TABLE submissions (
    id               TEXT PRIMARY KEY,
    leika            TEXT NOT NULL,
    service          TEXT NOT NULL,
    version          INTEGER NOT NULL,
    office_id        TEXT NOT NULL,
    ars              TEXT NOT NULL,
    owner            TEXT NOT NULL,
    lang             TEXT NOT NULL,
    answers          TEXT NOT NULL,
    uploads          TEXT NOT NULL,
    postkorb_consent INTEGER NOT NULL,
    postkorb_handle  TEXT NOT NULL,
    level            TEXT NOT NULL,
    status           TEXT NOT NULL,
    submitted_at     BIGINT NOT NULL
);
CREATE INDEX submissions_status ON submissions (status, submitted_at);

-- +goose Down
DROP TABLE submissions;
