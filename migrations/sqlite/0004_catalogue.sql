-- The purchase catalogue: one version per province and year, a tree of items
-- (a child's code starts with its parent's) and each item's indicators.
CREATE TABLE catalogue_versions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    region_code  TEXT NOT NULL REFERENCES regions (code),
    year         INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    status       TEXT NOT NULL CHECK (status IN ('draft', 'published')),
    copied_from  INTEGER,
    created_at   DATETIME NOT NULL,
    updated_at   DATETIME NOT NULL,
    published_at DATETIME,
    UNIQUE (region_code, year)
);

CREATE TABLE catalogue_items (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    version_id       INTEGER NOT NULL REFERENCES catalogue_versions (id) ON DELETE CASCADE,
    code             TEXT NOT NULL,
    parent_code      TEXT NOT NULL DEFAULT '',
    name             TEXT NOT NULL,
    name_en          TEXT NOT NULL DEFAULT '',
    description      TEXT NOT NULL DEFAULT '',
    service_standard TEXT NOT NULL DEFAULT '',
    unit             TEXT NOT NULL DEFAULT '',
    guide_price_fen  BIGINT NOT NULL DEFAULT 0 CHECK (guide_price_fen >= 0),
    created_at       DATETIME NOT NULL,
    updated_at       DATETIME NOT NULL,
    UNIQUE (version_id, code)
);
CREATE INDEX catalogue_items_parent ON catalogue_items (version_id, parent_code);

CREATE TABLE catalogue_indicators (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id    INTEGER NOT NULL REFERENCES catalogue_items (id) ON DELETE CASCADE,
    sort_order INTEGER NOT NULL,
    key        TEXT NOT NULL,
    name       TEXT NOT NULL,
    name_en    TEXT NOT NULL DEFAULT '',
    unit       TEXT NOT NULL DEFAULT '',
    kind       TEXT NOT NULL CHECK (kind IN ('output-quantity', 'output-quality', 'timeliness', 'cost', 'effect', 'satisfaction')),
    weight     INTEGER NOT NULL CHECK (weight BETWEEN 1 AND 100),
    UNIQUE (item_id, key)
);

-- A published version is read-only, down to its items and indicators; the
-- model refuses first (409), the database is the backstop.
CREATE TRIGGER catalogue_versions_frozen_update BEFORE UPDATE ON catalogue_versions
WHEN OLD.status = 'published'
BEGIN SELECT RAISE(ABORT, 'catalogue version is published and read-only'); END;
CREATE TRIGGER catalogue_versions_frozen_delete BEFORE DELETE ON catalogue_versions
WHEN OLD.status = 'published'
BEGIN SELECT RAISE(ABORT, 'catalogue version is published and read-only'); END;
CREATE TRIGGER catalogue_items_frozen_insert BEFORE INSERT ON catalogue_items
WHEN (SELECT status FROM catalogue_versions WHERE id = NEW.version_id) = 'published'
BEGIN SELECT RAISE(ABORT, 'catalogue version is published and read-only'); END;
CREATE TRIGGER catalogue_items_frozen_update BEFORE UPDATE ON catalogue_items
WHEN (SELECT status FROM catalogue_versions WHERE id = OLD.version_id) = 'published'
  OR (SELECT status FROM catalogue_versions WHERE id = NEW.version_id) = 'published'
BEGIN SELECT RAISE(ABORT, 'catalogue version is published and read-only'); END;
CREATE TRIGGER catalogue_items_frozen_delete BEFORE DELETE ON catalogue_items
WHEN (SELECT status FROM catalogue_versions WHERE id = OLD.version_id) = 'published'
BEGIN SELECT RAISE(ABORT, 'catalogue version is published and read-only'); END;
CREATE TRIGGER catalogue_indicators_frozen_insert BEFORE INSERT ON catalogue_indicators
WHEN (SELECT v.status FROM catalogue_items i JOIN catalogue_versions v ON v.id = i.version_id WHERE i.id = NEW.item_id) = 'published'
BEGIN SELECT RAISE(ABORT, 'catalogue version is published and read-only'); END;
CREATE TRIGGER catalogue_indicators_frozen_update BEFORE UPDATE ON catalogue_indicators
WHEN (SELECT v.status FROM catalogue_items i JOIN catalogue_versions v ON v.id = i.version_id WHERE i.id = OLD.item_id) = 'published'
  OR (SELECT v.status FROM catalogue_items i JOIN catalogue_versions v ON v.id = i.version_id WHERE i.id = NEW.item_id) = 'published'
BEGIN SELECT RAISE(ABORT, 'catalogue version is published and read-only'); END;
CREATE TRIGGER catalogue_indicators_frozen_delete BEFORE DELETE ON catalogue_indicators
WHEN (SELECT v.status FROM catalogue_items i JOIN catalogue_versions v ON v.id = i.version_id WHERE i.id = OLD.item_id) = 'published'
BEGIN SELECT RAISE(ABORT, 'catalogue version is published and read-only'); END;
