-- The copy for the person's BundID Postkorb (both PDFs), sent after the
-- office's delivery: its resumable progress and the mailbox service's
-- reference.

-- +goose Up
ALTER TABLE deliveries ADD COLUMN postkorb_state TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN postkorb_reference TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE deliveries DROP COLUMN postkorb_reference;
ALTER TABLE deliveries DROP COLUMN postkorb_state;
