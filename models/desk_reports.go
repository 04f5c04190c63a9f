package models

import (
	"sort"

	"gorm.io/gorm"
)

// The desk's report schedule block (issue 9, item 6): overdue service
// reports for staff, coming and overdue ones for the agency, read from the
// contracts and reports when the desk opens.

// Desk task keys of the report schedule.
const (
	DeskOverdueReports = "overdue_reports" // procurement: periods past due in its regions, not submitted
	DeskReportsDue     = "reports_due"     // agency: its next reports to submit, not yet due
	DeskReportsOverdue = "reports_overdue" // agency: its reports past due, not submitted
)

// reportItem is a desk item of one contract's period.
func reportItem(c scheduledContract, names map[int64]string, p ReportPeriod, day string) DeskItem {
	it := DeskItem{ID: c.ID, ContractID: c.ID, OrganisationID: c.OrganisationID, Code: c.Number, Title: names[c.OrganisationID], Region: c.RegionCode,
		PeriodStart: p.Start, PeriodEnd: p.End, DueOn: p.Due, Overdue: p.Status == PeriodOverdue}
	if it.Overdue {
		it.DaysOverdue = ptr(p.DaysOverdue)
	} else {
		it.DaysLeft = ptr(daysBetween(day, p.Due))
	}
	return it
}

// reportDeskItems reads the unreported periods of the contracts q selects:
// the overdue ones, most overdue first, and each contract's next one not
// yet due.
func (s *Store) reportDeskItems(db *gorm.DB, q *gorm.DB) (overdue, next []DeskItem, err error) {
	day := today(s.now())
	cs, open, err := s.unreported(db, q, day)
	if err != nil {
		return nil, nil, err
	}
	ids := make([]int64, len(cs))
	for i, c := range cs {
		ids[i] = c.OrganisationID
	}
	names, err := s.orgNames(db, ids)
	if err != nil {
		return nil, nil, err
	}
	for _, c := range cs {
		for _, p := range open[c.ID] {
			if p.Status == PeriodOverdue {
				overdue = append(overdue, reportItem(c, names, p, day))
			} else if p.Start <= day {
				// The period under way or ended, not yet due: the next to file.
				next = append(next, reportItem(c, names, p, day))
				break
			}
		}
	}
	sort.SliceStable(overdue, func(i, j int) bool { return *overdue[i].DaysOverdue > *overdue[j].DaysOverdue })
	sort.SliceStable(next, func(i, j int) bool { return next[i].DueOn < next[j].DueOn })
	return overdue, next, nil
}

// procurementReportTasks: the overdue reports of contracts in the buyer's
// regions.
func (s *Store) procurementReportTasks(db *gorm.DB, a *Actor) ([]DeskTask, error) {
	overdue, _, err := s.reportDeskItems(db, regionScope(db, "region_code", a.Regions("contract:read")))
	if err != nil {
		return nil, err
	}
	return []DeskTask{task(DeskOverdueReports, overdue)}, nil
}

// agencyReportTasks: the organisation's own next and overdue reports.
func (s *Store) agencyReportTasks(db *gorm.DB, orgID int64) ([]DeskTask, error) {
	overdue, next, err := s.reportDeskItems(db, db.Where("organisation_id = ?", orgID))
	if err != nil {
		return nil, err
	}
	return []DeskTask{task(DeskReportsOverdue, overdue), task(DeskReportsDue, next)}, nil
}
