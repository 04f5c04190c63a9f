-- Organisations (承接主体), their staff rosters and documents. Dates are
-- YYYY-MM-DD text (days in China Standard Time), which sorts as dates do.
CREATE TABLE organisations (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    name              TEXT NOT NULL,
    credit_code       TEXT NOT NULL UNIQUE CHECK (length(credit_code) = 18),
    registration_type TEXT NOT NULL CHECK (registration_type IN ('social_group', 'private_non_enterprise', 'foundation')),
    region_code       TEXT NOT NULL REFERENCES regions (code),
    status            TEXT NOT NULL CHECK (status IN ('pending', 'verified', 'rejected', 'suspended', 'blacklisted')),
    status_reason     TEXT NOT NULL DEFAULT '',
    blacklisted_until TEXT NOT NULL DEFAULT '',
    legal_rep         TEXT NOT NULL,
    founded_on        TEXT NOT NULL CHECK (founded_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    address           TEXT NOT NULL DEFAULT '',
    phone             TEXT NOT NULL,
    volunteers        INTEGER NOT NULL DEFAULT 0 CHECK (volunteers >= 0),
    created_at        DATETIME NOT NULL,
    updated_at        DATETIME NOT NULL,
    CHECK ((status = 'blacklisted') = (blacklisted_until <> ''))
);
CREATE INDEX organisations_region ON organisations (region_code);
CREATE INDEX organisations_status ON organisations (status);

CREATE TABLE organisation_staff (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    organisation_id INTEGER NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    position        TEXT NOT NULL DEFAULT '',
    level           TEXT NOT NULL DEFAULT '' CHECK (level IN ('', 'assistant', 'intermediate', 'senior')),
    certificate_no  TEXT NOT NULL DEFAULT '',
    created_at      DATETIME NOT NULL,
    CHECK ((level = '') = (certificate_no = ''))
);
CREATE INDEX organisation_staff_org ON organisation_staff (organisation_id);
CREATE UNIQUE INDEX organisation_staff_certificate ON organisation_staff (organisation_id, certificate_no) WHERE certificate_no <> '';

CREATE TABLE organisation_documents (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    organisation_id INTEGER NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('registration_certificate', 'charter', 'other')),
    filename        TEXT NOT NULL,
    content_type    TEXT NOT NULL,
    size            BIGINT NOT NULL CHECK (size > 0),
    sha256          TEXT NOT NULL CHECK (length(sha256) = 64),
    uploaded_by     INTEGER NOT NULL REFERENCES users (id),
    created_at      DATETIME NOT NULL
);
CREATE INDEX organisation_documents_org ON organisation_documents (organisation_id);
-- users.organisation_id gets its foreign key on PostgreSQL only: SQLite
-- cannot add a constraint to an existing table.
CREATE INDEX users_organisation ON users (organisation_id);
