-- Attachments of outbox mails (an appointment's iCalendar file): a JSON
-- array of {"name", "content_type", "data" (base64)}, NULL for a mail
-- without any. At most 3 of 256 KiB each (mail.CheckAttachments). They
-- are part of the row: retention deletes them with it.

-- +goose Up
ALTER TABLE mail_outbox ADD COLUMN attachments TEXT;

-- +goose Down
ALTER TABLE mail_outbox DROP COLUMN attachments;
