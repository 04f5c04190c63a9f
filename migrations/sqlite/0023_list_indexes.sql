-- Notices and lists at province scale (issue 12): each kind of notice is
-- read newest first from an index on its time, so a page of notices reads
-- the rows it shows (and as many before it) instead of sorting them all.
-- The award and failure indexes hold just their notices' tenders. The
-- published time also serves the statistics' tenders by publication.
CREATE INDEX tenders_published_at ON tenders (published_at, id);
CREATE INDEX tenders_award_notices ON tenders (awarded_at, id)
    WHERE published_at IS NOT NULL AND awarded_at IS NOT NULL AND status IN ('awarded', 'contracted');
CREATE INDEX tenders_failure_notices ON tenders (ended_at, id)
    WHERE published_at IS NOT NULL AND status IN ('unsuccessful', 'cancelled') AND ended_at IS NOT NULL;
CREATE INDEX tenders_status_deadline ON tenders (status, bid_deadline, id);
-- A province's and a city's tenders newest first (the list's region
-- filter, tenderRegion), with the publication for the count.
CREATE INDEX tenders_province_id ON tenders (substr(region_code, 1, 2), id, published_at);
CREATE INDEX tenders_city_id ON tenders (substr(region_code, 1, 4), id, published_at);
-- The bids submitted per tender (the clock's failures, a page's statuses)
-- counted from the index, without reading the sealed bids.
CREATE INDEX bids_tender_status ON bids (tender_id, status);
CREATE INDEX tender_amendments_amended_at ON tender_amendments (amended_at, tender_id, seq);
CREATE INDEX contracts_signed_at ON contracts (signed_at, tender_id, id);
-- The planner weighs the new indexes against the old ones by the tables'
-- statistics (without them SQLite takes the status index and sorts).
ANALYZE tenders;
ANALYZE tender_amendments;
ANALYZE contracts;
ANALYZE bids;
