-- A centre's own wording of its booking mails, per language and kind
-- (issue 17). Without a row the platform's text is used.

-- +goose Up
CREATE TABLE booking_templates (
    centre_id TEXT NOT NULL,
    lang      TEXT NOT NULL,
    kind      TEXT NOT NULL,
    subject   TEXT NOT NULL,
    body      TEXT NOT NULL,
    PRIMARY KEY (centre_id, lang, kind)
);

-- +goose Down
DROP TABLE booking_templates;
