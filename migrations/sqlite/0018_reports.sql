-- Service reports (issue 9, item 5). A contract reports monthly or
-- quarterly, as set at signing. A report's current content lives in
-- service_reports; every version of it, the first included, is kept whole
-- in service_report_versions, so the reviewer sees what changed. Hours are
-- kept in hundredths (two decimals, summed exactly); indicators are a JSON
-- list of {indicator, value}.
ALTER TABLE contracts ADD COLUMN report_interval TEXT NOT NULL DEFAULT 'monthly';

CREATE TABLE service_reports (
    id                           INTEGER PRIMARY KEY AUTOINCREMENT,
    contract_id                  BIGINT NOT NULL REFERENCES contracts (id),
    organisation_id              BIGINT NOT NULL,
    period_start                 TEXT NOT NULL,
    period_end                   TEXT NOT NULL,
    status                       TEXT NOT NULL,
    version                      INTEGER NOT NULL,
    service_hours                BIGINT NOT NULL DEFAULT 0,
    volunteer_person_times       BIGINT NOT NULL DEFAULT 0,
    volunteer_hours              BIGINT NOT NULL DEFAULT 0,
    children_served_person_times BIGINT NOT NULL DEFAULT 0,
    children_served_distinct     BIGINT NOT NULL DEFAULT 0,
    activities                   BIGINT NOT NULL DEFAULT 0,
    cases_opened                 BIGINT NOT NULL DEFAULT 0,
    cases_closed                 BIGINT NOT NULL DEFAULT 0,
    indicators                   TEXT NOT NULL DEFAULT '[]',
    narrative                    TEXT NOT NULL DEFAULT '',
    created_by                   BIGINT NOT NULL REFERENCES users (id),
    submitted_at                 DATETIME,
    reviewed_at                  DATETIME,
    reviewed_by                  BIGINT REFERENCES users (id),
    created_at                   DATETIME NOT NULL,
    updated_at                   DATETIME NOT NULL
);
CREATE INDEX service_reports_contract ON service_reports (contract_id, period_start);
CREATE INDEX service_reports_status ON service_reports (status);

CREATE TABLE service_report_versions (
    id                           INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id                    BIGINT NOT NULL REFERENCES service_reports (id),
    version                      INTEGER NOT NULL,
    period_start                 TEXT NOT NULL,
    period_end                   TEXT NOT NULL,
    service_hours                BIGINT NOT NULL,
    volunteer_person_times       BIGINT NOT NULL,
    volunteer_hours              BIGINT NOT NULL,
    children_served_person_times BIGINT NOT NULL,
    children_served_distinct     BIGINT NOT NULL,
    activities                   BIGINT NOT NULL,
    cases_opened                 BIGINT NOT NULL,
    cases_closed                 BIGINT NOT NULL,
    indicators                   TEXT NOT NULL,
    narrative                    TEXT NOT NULL,
    created_by                   BIGINT NOT NULL REFERENCES users (id),
    created_at                   DATETIME NOT NULL,
    UNIQUE (report_id, version)
);

-- The reviewer's comments: a return's reason, or an approval's note.
CREATE TABLE service_report_comments (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id   BIGINT NOT NULL REFERENCES service_reports (id),
    version     INTEGER NOT NULL,
    event       TEXT NOT NULL,
    comment     TEXT NOT NULL,
    author_id   BIGINT NOT NULL REFERENCES users (id),
    created_at  DATETIME NOT NULL
);
CREATE INDEX service_report_comments_report ON service_report_comments (report_id);

-- Sign-in sheets and photos: stored as organisation documents are, by the
-- SHA-256 of their content under the data directory.
CREATE TABLE service_report_attachments (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id    BIGINT NOT NULL REFERENCES service_reports (id),
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    uploaded_by  BIGINT NOT NULL REFERENCES users (id),
    created_at   DATETIME NOT NULL
);
CREATE INDEX service_report_attachments_report ON service_report_attachments (report_id);
