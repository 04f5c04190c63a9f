-- Lowest-price evaluation: each panel expert marks each valid bid pass or
-- fail; the majority decides (issue 7, finding 16).
CREATE TABLE compliance_reviews (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    bid_id       BIGINT NOT NULL REFERENCES bids (id),
    expert_id    INTEGER NOT NULL REFERENCES users (id),
    pass         BOOLEAN NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    reviewed_at  DATETIME NOT NULL,
    UNIQUE (bid_id, expert_id)
);
