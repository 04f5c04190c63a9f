-- Supervision (issue 10): supervisors assigned to contracts, their declared
-- relations to organisations, visits with photos, midterm and final
-- evaluations per catalogue indicator, rectification orders (整改) with the
-- agency's response and files, and the bar a failed final phase puts on an
-- organisation's bidding. Points are kept in hundredths (two decimals,
-- summed exactly); an evaluation's points per indicator are a JSON object.
CREATE TABLE contract_supervisors (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    contract_id   BIGINT NOT NULL REFERENCES contracts (id),
    supervisor_id BIGINT NOT NULL REFERENCES users (id),
    assigned_by   BIGINT NOT NULL REFERENCES users (id),
    assigned_at   DATETIME NOT NULL,
    UNIQUE (contract_id, supervisor_id)
);
CREATE INDEX contract_supervisors_supervisor ON contract_supervisors (supervisor_id);

CREATE TABLE supervisor_declarations (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    supervisor_id   BIGINT NOT NULL REFERENCES users (id),
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    relation        TEXT NOT NULL,
    note            TEXT NOT NULL DEFAULT '',
    created_at      DATETIME NOT NULL
);
CREATE INDEX supervisor_declarations_pair ON supervisor_declarations (supervisor_id, organisation_id);

CREATE TABLE supervision_visits (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    contract_id   BIGINT NOT NULL REFERENCES contracts (id),
    supervisor_id BIGINT NOT NULL REFERENCES users (id),
    visited_on    TEXT NOT NULL,
    findings      TEXT NOT NULL,
    follow_ups    TEXT NOT NULL DEFAULT '',
    created_at    DATETIME NOT NULL
);
CREATE INDEX supervision_visits_contract ON supervision_visits (contract_id);

CREATE TABLE supervision_files (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_type   TEXT NOT NULL,
    owner_id     BIGINT NOT NULL,
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    uploaded_by  BIGINT NOT NULL REFERENCES users (id),
    created_at   DATETIME NOT NULL
);
CREATE INDEX supervision_files_owner ON supervision_files (owner_type, owner_id);

CREATE TABLE supervision_evaluations (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    contract_id   BIGINT NOT NULL REFERENCES contracts (id),
    supervisor_id BIGINT NOT NULL REFERENCES users (id),
    phase         TEXT NOT NULL,
    points        TEXT NOT NULL,
    total         BIGINT NOT NULL,
    grade         TEXT NOT NULL,
    comment       TEXT NOT NULL DEFAULT '',
    created_at    DATETIME NOT NULL,
    UNIQUE (contract_id, supervisor_id, phase)
);

CREATE TABLE rectifications (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    contract_id    BIGINT NOT NULL REFERENCES contracts (id),
    evaluation_id  BIGINT REFERENCES supervision_evaluations (id),
    visit_id       BIGINT REFERENCES supervision_visits (id),
    issue          TEXT NOT NULL,
    due_on         TEXT NOT NULL,
    status         TEXT NOT NULL,
    response       TEXT NOT NULL DEFAULT '',
    responded_at   DATETIME,
    responded_by   BIGINT REFERENCES users (id),
    verify_comment TEXT NOT NULL DEFAULT '',
    verified_at    DATETIME,
    verified_by    BIGINT REFERENCES users (id),
    opened_by      BIGINT REFERENCES users (id),
    created_at     DATETIME NOT NULL,
    updated_at     DATETIME NOT NULL
);
CREATE INDEX rectifications_contract ON rectifications (contract_id, status);

-- A complete final phase graded fail bars its organisation from bidding on
-- tenders within the contract's region until until_at.
CREATE TABLE organisation_bars (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    contract_id     BIGINT NOT NULL UNIQUE REFERENCES contracts (id),
    region_code     TEXT NOT NULL,
    barred_at       DATETIME NOT NULL,
    until_at        DATETIME NOT NULL
);
CREATE INDEX organisation_bars_org ON organisation_bars (organisation_id, until_at);
