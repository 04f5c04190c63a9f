-- Report reminders (issue 9, item 6). One row per reminder sent: the
-- unique key (contract, period, kind, offset) is the last guard that a
-- reminder goes out once, however many portal processes run the job. The
-- row is written in the same transaction as its notifications and its mail
-- jobs. River's own tables (river_job, river_leader, ...) are created by the
-- same migration step from River's migrator (see migrations.go).
CREATE TABLE report_reminders (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    contract_id     INTEGER NOT NULL REFERENCES contracts (id),
    organisation_id BIGINT NOT NULL,
    period_start    TEXT NOT NULL,
    period_end      TEXT NOT NULL,
    due_on          TEXT NOT NULL,
    kind            TEXT NOT NULL,
    offset_days     INTEGER NOT NULL,
    sent_at         DATETIME NOT NULL,
    UNIQUE (contract_id, period_start, kind, offset_days)
);

-- A user's optional e-mail address, where reminders are mailed.
ALTER TABLE users ADD COLUMN email TEXT NOT NULL DEFAULT '';
