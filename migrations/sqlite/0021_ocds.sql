-- Open data (issue 11, item 4): every published change of a tender, its
-- award and its contract is kept as the OCDS release compiled in the same
-- transaction as the change. The rows are append-only; the ocid's prefix is
-- a publication setting, so a row keeps the tender's code and its release
-- key, and the feed puts ocid and id in front of the stored body.
-- tender_id has no foreign key: on PostgreSQL the writers take a lock that
-- orders the releases' ids as their commits (see models/ocds_feed.go), and a
-- foreign key's row lock on the tender taken while holding it could deadlock
-- with a transaction that has the tender locked and waits for that lock.
CREATE TABLE ocds_releases (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    tender_id   INTEGER NOT NULL,
    tender_code TEXT NOT NULL,
    release_key TEXT NOT NULL,
    date        DATETIME NOT NULL,
    tags        TEXT NOT NULL,
    body        TEXT NOT NULL
);
CREATE UNIQUE INDEX ocds_releases_key ON ocds_releases (tender_id, release_key);
CREATE INDEX ocds_releases_date ON ocds_releases (date, id);
CREATE TRIGGER ocds_releases_no_update BEFORE UPDATE ON ocds_releases
BEGIN SELECT RAISE(ABORT, 'ocds_releases is append-only'); END;
CREATE TRIGGER ocds_releases_no_delete BEFORE DELETE ON ocds_releases
BEGIN SELECT RAISE(ABORT, 'ocds_releases is append-only'); END;
