-- A claim counts the pending bookings of the client address (issue 17):
-- without an index that count grew with every booking ever held.

-- +goose Up
CREATE INDEX bookings_client ON bookings (client_key, state);

-- +goose Down
DROP INDEX bookings_client;
