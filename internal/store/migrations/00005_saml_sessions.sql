-- Which platform sessions belong to a BundID session, so an IdP-initiated
-- single logout can end them. The NameID is stored only as a hash.

-- +goose Up
CREATE TABLE saml_sessions (
    name_id_key TEXT NOT NULL,
    owner       TEXT NOT NULL,
    expires_at  BIGINT NOT NULL,
    PRIMARY KEY (name_id_key, owner)
);
CREATE INDEX saml_sessions_expires_at ON saml_sessions (expires_at);

-- +goose Down
DROP TABLE saml_sessions;
