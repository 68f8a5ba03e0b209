-- Offices (Organisationseinheiten) and who is responsible for which service
-- where (Zuständigkeiten), modelled on the Portalverbund (PVOG) data.

-- +goose Up
CREATE TABLE offices (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    street        TEXT NOT NULL DEFAULT '',
    postcode      TEXT NOT NULL DEFAULT '',
    city          TEXT NOT NULL DEFAULT '',
    phone         TEXT NOT NULL DEFAULT '',
    email         TEXT NOT NULL DEFAULT '',
    website       TEXT NOT NULL DEFAULT '',
    opening_hours TEXT NOT NULL DEFAULT '',
    demo          INTEGER NOT NULL DEFAULT 0,
    source        TEXT NOT NULL DEFAULT '',
    updated_at    BIGINT NOT NULL
);

-- One row: for service leika in area ars (12 digits; a Kreis or Land ends in
-- zeros) office_id is responsible, reachable electronically over FIT-Connect
-- (destination id) or XTA (DVDV address), or through an external online
-- service.
CREATE TABLE responsibilities (
    leika              TEXT NOT NULL,
    ars                TEXT NOT NULL,
    office_id          TEXT NOT NULL REFERENCES offices (id) ON DELETE CASCADE,
    fitconnect_dest    TEXT NOT NULL DEFAULT '',
    xta_address        TEXT NOT NULL DEFAULT '',
    online_service_url TEXT NOT NULL DEFAULT '',
    updated_at         BIGINT NOT NULL,
    PRIMARY KEY (leika, ars, office_id)
);
CREATE INDEX responsibilities_ars ON responsibilities (ars, leika);
CREATE INDEX responsibilities_office ON responsibilities (office_id);

-- Exact regional keys from the official Gemeindeverzeichnis (GV100AD), where
-- an operator imported it; they override the keys derived from the AGS.
CREATE TABLE municipality_keys (
    ags        TEXT PRIMARY KEY,
    ars        TEXT NOT NULL,
    name       TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE municipality_keys;
DROP TABLE responsibilities;
DROP TABLE offices;
