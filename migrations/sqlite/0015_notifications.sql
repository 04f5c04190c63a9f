-- Notifications in the portal (issue 8, item 3): one row per reader and
-- event, written in the event's transaction. The bell counts a reader's
-- unread rows on every page, so (user_id, read_at) is indexed.
CREATE TABLE notifications (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    kind         TEXT NOT NULL,
    object_type  TEXT NOT NULL,
    object_id    BIGINT NOT NULL,
    params       TEXT NOT NULL DEFAULT '{}',
    created_at   DATETIME NOT NULL,
    read_at      DATETIME
);
CREATE INDEX notifications_user_read ON notifications (user_id, read_at);
