-- China's official working-day calendar: the notices (sources) and the days
-- they set. A day is a holiday (off, even on a weekday) or a workday (a
-- weekend day worked, 调休上班); every other day is off on Saturday and
-- Sunday and worked Monday to Friday.
CREATE TABLE calendar_sources (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    year       INTEGER NOT NULL,
    title      TEXT NOT NULL,
    number     TEXT NOT NULL DEFAULT '',
    issued_on  TEXT NOT NULL,
    url        TEXT NOT NULL,
    created_at DATETIME NOT NULL,
    created_by INTEGER REFERENCES users (id),
    UNIQUE (year, title)
);

CREATE TABLE calendar_days (
    day       TEXT PRIMARY KEY,
    kind      TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')),
    name      TEXT NOT NULL,
    source_id INTEGER NOT NULL REFERENCES calendar_sources (id)
);
CREATE INDEX calendar_days_source ON calendar_days (source_id);
