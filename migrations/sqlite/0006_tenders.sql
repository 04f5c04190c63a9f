CREATE TABLE tenders (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    code              TEXT NOT NULL UNIQUE,
    title             TEXT NOT NULL,
    region_code       TEXT NOT NULL REFERENCES regions (code),
    catalogue_year    INTEGER NOT NULL,
    catalogue_code    TEXT NOT NULL,
    method            TEXT NOT NULL,
    evaluation        TEXT NOT NULL,
    status            TEXT NOT NULL,
    budget_fen        BIGINT NOT NULL,
    price_weight      INTEGER NOT NULL,
    service_start     TEXT NOT NULL,
    service_end       TEXT NOT NULL,
    bid_deadline      DATETIME NOT NULL,
    published_at      DATETIME,
    cancel_reason     TEXT NOT NULL DEFAULT '',
    awarded_at        DATETIME,
    winner_bid_id     BIGINT,
    created_by        INTEGER NOT NULL REFERENCES users (id),
    created_at        DATETIME NOT NULL,
    updated_at        DATETIME NOT NULL
);
CREATE INDEX tenders_region ON tenders (region_code);
CREATE INDEX tenders_status ON tenders (status);

CREATE TABLE tender_budget_lines (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    tender_id  INTEGER NOT NULL REFERENCES tenders (id) ON DELETE CASCADE,
    source     TEXT NOT NULL,
    amount_fen BIGINT NOT NULL
);
CREATE INDEX tender_budget_lines_tender ON tender_budget_lines (tender_id);

CREATE TABLE tender_targets (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    tender_id INTEGER NOT NULL REFERENCES tenders (id) ON DELETE CASCADE,
    indicator TEXT NOT NULL,
    value     REAL NOT NULL
);
CREATE INDEX tender_targets_tender ON tender_targets (tender_id);

CREATE TABLE tender_criteria (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    tender_id  INTEGER NOT NULL REFERENCES tenders (id) ON DELETE CASCADE,
    key        TEXT NOT NULL,
    name       TEXT NOT NULL,
    max_points INTEGER NOT NULL
);
CREATE INDEX tender_criteria_tender ON tender_criteria (tender_id);

CREATE TABLE tender_invitations (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    tender_id       INTEGER NOT NULL REFERENCES tenders (id) ON DELETE CASCADE,
    organisation_id BIGINT NOT NULL,
    UNIQUE (tender_id, organisation_id)
);

CREATE TABLE enquiries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    tender_id       INTEGER NOT NULL REFERENCES tenders (id),
    organisation_id BIGINT NOT NULL,
    question        TEXT NOT NULL,
    answer          TEXT NOT NULL DEFAULT '',
    asked_at        DATETIME NOT NULL,
    answered_at     DATETIME,
    answered_by     INTEGER REFERENCES users (id)
);
CREATE INDEX enquiries_tender ON enquiries (tender_id);

-- Bid ids are random, so that an id reveals nothing about how many bids exist.
CREATE TABLE bids (
    id                  BIGINT PRIMARY KEY,
    tender_id           INTEGER NOT NULL REFERENCES tenders (id),
    organisation_id     BIGINT NOT NULL,
    status              TEXT NOT NULL,
    sealed              BLOB NOT NULL,
    submitted_at        DATETIME,
    disqualified_reason TEXT NOT NULL DEFAULT '',
    price_score         REAL,
    technical_score     REAL,
    final_score         REAL,
    rank                INTEGER,
    created_at          DATETIME NOT NULL,
    updated_at          DATETIME NOT NULL,
    UNIQUE (tender_id, organisation_id)
);

-- Attachments are sealed like the bid: encrypted in the row, never on disk.
CREATE TABLE bid_attachments (
    id           BIGINT PRIMARY KEY,
    bid_id       BIGINT NOT NULL REFERENCES bids (id),
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sealed       BLOB NOT NULL,
    created_at   DATETIME NOT NULL
);
CREATE INDEX bid_attachments_bid ON bid_attachments (bid_id);

CREATE TABLE panel_members (
    id                       INTEGER PRIMARY KEY AUTOINCREMENT,
    tender_id                INTEGER NOT NULL REFERENCES tenders (id),
    expert_id                INTEGER NOT NULL REFERENCES users (id),
    active                   BOOLEAN NOT NULL DEFAULT TRUE,
    declared_at              DATETIME,
    conflict                 BOOLEAN NOT NULL DEFAULT FALSE,
    conflict_organisation_id BIGINT,
    UNIQUE (tender_id, expert_id)
);

CREATE TABLE scores (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    bid_id       BIGINT NOT NULL REFERENCES bids (id),
    expert_id    INTEGER NOT NULL REFERENCES users (id),
    criterion    TEXT NOT NULL,
    points       REAL NOT NULL,
    scored_at    DATETIME NOT NULL,
    UNIQUE (bid_id, expert_id, criterion)
);

CREATE TABLE credit_checks (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    tender_id       INTEGER NOT NULL REFERENCES tenders (id),
    organisation_id BIGINT NOT NULL,
    result          TEXT NOT NULL,
    checked_at      DATETIME NOT NULL,
    note            TEXT NOT NULL DEFAULT '',
    evidence        TEXT NOT NULL DEFAULT '',
    evidence_sha256 TEXT NOT NULL DEFAULT '',
    evidence_name   TEXT NOT NULL DEFAULT '',
    evidence_type   TEXT NOT NULL DEFAULT '',
    recorded_by     INTEGER NOT NULL REFERENCES users (id),
    recorded_at     DATETIME NOT NULL
);
CREATE INDEX credit_checks_tender ON credit_checks (tender_id);

CREATE TABLE challenges (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    tender_id       INTEGER NOT NULL REFERENCES tenders (id),
    organisation_id BIGINT NOT NULL,
    reason          TEXT NOT NULL,
    filed_at        DATETIME NOT NULL,
    answer          TEXT NOT NULL DEFAULT '',
    answered_at     DATETIME,
    answered_by     INTEGER REFERENCES users (id)
);
CREATE INDEX challenges_tender ON challenges (tender_id);

CREATE TABLE contracts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    number          TEXT NOT NULL UNIQUE,
    tender_id       INTEGER NOT NULL UNIQUE REFERENCES tenders (id),
    organisation_id BIGINT NOT NULL,
    region_code     TEXT NOT NULL,
    amount_fen      BIGINT NOT NULL,
    service_start   TEXT NOT NULL,
    service_end     TEXT NOT NULL,
    status          TEXT NOT NULL,
    signed_at       DATETIME NOT NULL,
    signed_by       INTEGER NOT NULL REFERENCES users (id),
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL
);
CREATE INDEX contracts_region ON contracts (region_code);
CREATE INDEX contracts_organisation ON contracts (organisation_id);

CREATE TABLE contract_targets (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    contract_id INTEGER NOT NULL REFERENCES contracts (id),
    indicator   TEXT NOT NULL,
    value       REAL NOT NULL
);

CREATE TABLE payment_tranches (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    contract_id INTEGER NOT NULL REFERENCES contracts (id),
    seq         INTEGER NOT NULL,
    percent     INTEGER NOT NULL,
    condition   TEXT NOT NULL,
    amount_fen  BIGINT NOT NULL,
    status      TEXT NOT NULL,
    UNIQUE (contract_id, seq)
);

-- Events about bids name their tender, so audit reads can hide them until
-- its deadline (the deadline may move when the tender is amended).
ALTER TABLE audit_events ADD COLUMN sealed_tender_id BIGINT;
