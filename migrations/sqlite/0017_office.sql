-- Office space and support sessions (issue 9, items 3 and 4).
--
-- Incubation bases (孵化基地) with rooms, and allocations of a room to an
-- organisation for inclusive days from_on..to_on (YYYY-MM-DD, which sort as
-- dates). Ending an allocation keeps its row: held_to, the last day the
-- organisation actually holds the room, becomes the day before it was
-- ended (NULL when it was ended before its first day). One room is never
-- held twice on one day: SQLite has no exclusion constraint, so the model
-- checks the held ranges inside the allocating transaction, which is
-- BEGIN IMMEDIATE (the store's _txlock) and so runs alone.
CREATE TABLE office_bases (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL,
    region_code TEXT NOT NULL REFERENCES regions (code),
    address     TEXT NOT NULL,
    created_by  INTEGER NOT NULL REFERENCES users (id),
    created_at  DATETIME NOT NULL
);
CREATE INDEX office_bases_region ON office_bases (region_code);

-- area_centi is the area in hundredths of a square metre, exact.
CREATE TABLE office_rooms (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    base_id     INTEGER NOT NULL REFERENCES office_bases (id),
    name        TEXT NOT NULL,
    area_centi  BIGINT NOT NULL CHECK (area_centi > 0),
    created_at  DATETIME NOT NULL,
    UNIQUE (base_id, name)
);

CREATE TABLE office_allocations (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    room_id         INTEGER NOT NULL REFERENCES office_rooms (id),
    organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    contract_id     INTEGER REFERENCES contracts (id),
    from_on         TEXT NOT NULL,
    to_on           TEXT NOT NULL,
    held_to         TEXT,
    status          TEXT NOT NULL,
    created_by      INTEGER NOT NULL REFERENCES users (id),
    created_at      DATETIME NOT NULL,
    ended_by        INTEGER REFERENCES users (id),
    ended_at        DATETIME,
    CHECK (to_on >= from_on),
    CHECK (held_to IS NULL OR (held_to >= from_on AND held_to <= to_on))
);
CREATE INDEX office_allocations_room ON office_allocations (room_id, from_on);
CREATE INDEX office_allocations_organisation ON office_allocations (organisation_id);
CREATE INDEX office_allocations_contract ON office_allocations (contract_id);

-- Start-up planning (创业规划) and supervision (服务督导) sessions of a
-- contract; hours_centi is hundredths of an hour, attendees a head count.
CREATE TABLE support_sessions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    contract_id INTEGER NOT NULL REFERENCES contracts (id),
    kind        TEXT NOT NULL CHECK (kind IN ('planning', 'supervision')),
    held_on     TEXT NOT NULL,
    hours_centi BIGINT NOT NULL CHECK (hours_centi > 0 AND hours_centi <= 2400),
    provider    TEXT NOT NULL,
    topics      TEXT NOT NULL,
    attendees   INTEGER NOT NULL CHECK (attendees > 0),
    recorded_by INTEGER NOT NULL REFERENCES users (id),
    recorded_at DATETIME NOT NULL
);
CREATE INDEX support_sessions_contract ON support_sessions (contract_id, held_on);

