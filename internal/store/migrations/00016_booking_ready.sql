-- Centres whose booking passes the Konfig-Check (issue 17): only these are
-- shown with online booking (Fall 1). Recomputed periodically and after a
-- change; a change of the set bumps centres_version, so finder pages and
-- the index follow.

-- +goose Up
CREATE TABLE booking_ready (
    centre_id  TEXT PRIMARY KEY
);

-- +goose Down
DROP TABLE booking_ready;
