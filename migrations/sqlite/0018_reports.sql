-- Service reports (issue 9, item 5). PLACEHOLDER of the agreed schema so the
-- reminders branch runs: the reports branch's full migration 18 replaces
-- this file at merge.
ALTER TABLE contracts ADD COLUMN report_interval TEXT NOT NULL DEFAULT 'monthly';
CREATE TABLE service_reports (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    contract_id     BIGINT NOT NULL REFERENCES contracts (id),
    organisation_id BIGINT NOT NULL,
    period_start    TEXT NOT NULL,
    period_end      TEXT NOT NULL,
    status          TEXT NOT NULL,
    version         INTEGER NOT NULL,
    submitted_at    DATETIME,
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL
);
