package models

import "gorm.io/gorm"

// stats_service (migration 22) holds the approved service reports summed
// per region, catalogue item and period end. It is kept in the approving
// transaction (addApprovedReport); RebuildServiceStats fills it from the
// reports themselves, for the migration and for bulk loads.

const serviceStatsSums = `SUM(r.service_hours), SUM(r.volunteer_person_times), SUM(r.volunteer_hours), SUM(r.children_served_person_times)`

const serviceStatsFrom = ` FROM service_reports r JOIN contracts c ON c.id = r.contract_id JOIN tenders t ON t.id = c.tender_id
WHERE r.status = 'approved'`

const serviceStatsInsert = `INSERT INTO stats_service (region_code, catalogue_code, period_end, reports, service_hours, volunteer_person_times,
	volunteer_hours, children_served_person_times)
SELECT c.region_code, t.catalogue_code, r.period_end, COUNT(*), ` + serviceStatsSums + serviceStatsFrom

// addApprovedReport adds report id, just approved, to stats_service.
func addApprovedReport(tx *gorm.DB, id int64) error {
	return tx.Exec(serviceStatsInsert+` AND r.id = ? GROUP BY c.region_code, t.catalogue_code, r.period_end
ON CONFLICT (period_end, region_code, catalogue_code) DO UPDATE SET reports = stats_service.reports + excluded.reports,
	service_hours = stats_service.service_hours + excluded.service_hours,
	volunteer_person_times = stats_service.volunteer_person_times + excluded.volunteer_person_times,
	volunteer_hours = stats_service.volunteer_hours + excluded.volunteer_hours,
	children_served_person_times = stats_service.children_served_person_times + excluded.children_served_person_times`, id).Error
}

// RebuildServiceStats sums every approved report into stats_service
// anew. Nothing else may approve reports meanwhile: the migration holds
// its lock, a bulk load runs before the portal serves.
func RebuildServiceStats(db *gorm.DB) error {
	if err := db.Exec(`DELETE FROM stats_service`).Error; err != nil {
		return err
	}
	return db.Exec(serviceStatsInsert + ` GROUP BY c.region_code, t.catalogue_code, r.period_end`).Error
}
