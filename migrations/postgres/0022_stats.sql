-- Statistics (issue 11): the approved service reports summed per region,
-- catalogue item and period end, written in the transaction that approves
-- each report (an approved report never changes again), so the statistics
-- read a few thousand rows instead of a million reports. A period's
-- figures are exact for any dates, since the key holds the day.
CREATE TABLE stats_service (
    region_code                  TEXT NOT NULL,
    catalogue_code               TEXT NOT NULL,
    period_end                   TEXT NOT NULL,
    reports                      BIGINT NOT NULL,
    service_hours                BIGINT NOT NULL,
    volunteer_person_times       BIGINT NOT NULL,
    volunteer_hours              BIGINT NOT NULL,
    children_served_person_times BIGINT NOT NULL,
    PRIMARY KEY (period_end, region_code, catalogue_code)
);
