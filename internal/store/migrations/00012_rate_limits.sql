-- Counters for limits that every instance must share (the barrier report
-- form, which sends mail): one row per key and fixed window, counted up
-- atomically with INSERT … ON CONFLICT … RETURNING. Keys are hashes, not
-- addresses.

-- +goose Up
CREATE TABLE rate_limits (
    key          TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    hits         INTEGER NOT NULL,
    PRIMARY KEY (key, window_start)
);
CREATE INDEX rate_limits_window ON rate_limits (window_start);

-- +goose Down
DROP TABLE rate_limits;
