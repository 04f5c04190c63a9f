-- Service reports (issue 9, item 5). PLACEHOLDER of the agreed schema so the
-- reminders branch runs: the reports branch's full migration 18 replaces
-- this file at merge.
ALTER TABLE contracts ADD COLUMN report_interval TEXT NOT NULL DEFAULT 'monthly';
CREATE TABLE service_reports (
    id              BIGSERIAL PRIMARY KEY,
    contract_id     BIGINT NOT NULL REFERENCES contracts (id),
    organisation_id BIGINT NOT NULL,
    period_start    TEXT NOT NULL,
    period_end      TEXT NOT NULL,
    status          TEXT NOT NULL,
    version         INTEGER NOT NULL,
    submitted_at    TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
