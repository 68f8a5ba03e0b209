-- Deliveries of sent applications to the offices: which transport and
-- destination, the transport's resumable progress (state, JSON), the lease
-- that lets one worker at a time work on an application, and the hashes of
-- every part for the processing report. No personal data: answers stay in
-- submissions until the delivery is confirmed, then they are removed there.

-- +goose Up
CREATE TABLE deliveries (
    submission_id TEXT PRIMARY KEY,
    transport     TEXT NOT NULL,
    destination   TEXT NOT NULL,
    state         TEXT NOT NULL,
    status        TEXT NOT NULL,
    reference     TEXT NOT NULL,
    hashes        TEXT NOT NULL,
    attempts      INTEGER NOT NULL,
    last_error    TEXT NOT NULL,
    lease_until   BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    confirmed_at  BIGINT NOT NULL
);
CREATE INDEX deliveries_status ON deliveries (status);

-- +goose Down
DROP TABLE deliveries;
