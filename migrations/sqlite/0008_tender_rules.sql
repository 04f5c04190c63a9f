-- Tender codes: one counter per region and year, raised in the transaction
-- that creates the tender, so parallel creations never share a number.
CREATE TABLE tender_code_counters (
    region_code TEXT NOT NULL REFERENCES regions (code),
    year        INTEGER NOT NULL,
    last_seq INTEGER NOT NULL,
    PRIMARY KEY (region_code, year)
);
-- Existing codes are <region>-<year>-<number>: carry on from the highest.
INSERT INTO tender_code_counters (region_code, year, last_seq)
SELECT region_code, CAST(substr(code, length(region_code) + 2, 4) AS INTEGER),
       MAX(CAST(substr(code, length(region_code) + 7) AS INTEGER))
FROM tenders GROUP BY region_code, CAST(substr(code, length(region_code) + 2, 4) AS INTEGER);

-- Amendments (更正公告): the public history of a published tender's changes.
CREATE TABLE tender_amendments (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    tender_id  INTEGER NOT NULL REFERENCES tenders (id),
    seq        INTEGER NOT NULL,
    changes    TEXT NOT NULL,
    notice     TEXT NOT NULL DEFAULT '',
    amended_by INTEGER NOT NULL REFERENCES users (id),
    amended_at DATETIME NOT NULL,
    UNIQUE (tender_id, seq)
);

-- Why a tender ended unsuccessful: a reason code and its parameters (JSON),
-- rendered in the reader's language; ended_at dates the failure notice.
ALTER TABLE tenders ADD COLUMN failure_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE tenders ADD COLUMN failure_params TEXT NOT NULL DEFAULT '{}';
ALTER TABLE tenders ADD COLUMN ended_at DATETIME;
