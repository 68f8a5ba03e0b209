-- Sign-in with BundID: pending AuthnRequests (any instance may receive the
-- answer) and the IDs of assertions already used (replay protection). Both
-- hold no personal data and are swept when they expire.

-- +goose Up
CREATE TABLE saml_requests (
    id         TEXT PRIMARY KEY,
    level      INTEGER NOT NULL,
    return_to  TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX saml_requests_expires_at ON saml_requests (expires_at);

CREATE TABLE saml_assertions (
    id         TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE INDEX saml_assertions_expires_at ON saml_assertions (expires_at);

-- +goose Down
DROP TABLE saml_assertions;
DROP TABLE saml_requests;
