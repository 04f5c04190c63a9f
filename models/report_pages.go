package models

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
)

// The read models of the report pages: the contract page's section, the
// report form and the report's page (the reviewer's and the member's).

// ContractReportsView is the reports section of a contract's page.
type ContractReportsView struct {
	Reports   []ServiceReport
	Interval  string
	CanCreate bool // a member may file a new report
}

// contractReportsView reads the section for ContractPage's read: nil for
// a reader of the contract who has no access to its reports.
func (s *Store) contractReportsView(ctx context.Context, a *Actor, contractID int64) (*ContractReportsView, error) {
	db := s.DB.WithContext(ctx)
	c, acc, err := s.reportContract(db, a, contractID)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	v := &ContractReportsView{Interval: intervalOf(c), CanCreate: acc.writer(a) == nil && reportsOpen(c) == nil}
	v.Reports, err = s.contractReports(db, c, acc)
	return v, err
}

// ReportFormView is the form of a new report.
type ReportFormView struct {
	Contract *Contract
	Item     *CatalogueItem // the indicators' names; nil shows their keys
	Interval string
	// The period the form suggests: the day after the latest report's
	// period (or the service start), to the end of its month or quarter.
	PeriodStart, PeriodEnd string
}

// NewReportPage reads the new-report form of a contract for its members.
func (s *Store) NewReportPage(ctx context.Context, a *Actor, contractID int64) (*ReportFormView, error) {
	v := &ReportFormView{}
	err := s.read(ctx, func(r *Store) error {
		db := r.DB.WithContext(ctx)
		c, err := r.writableContract(db, a, contractID)
		if err != nil {
			return err
		}
		v.Contract, v.Interval, v.Item = c, intervalOf(c), r.contractItem(ctx, a, c)
		var last ServiceReport
		start := c.ServiceStart
		if err := db.Where("contract_id = ?", c.ID).Order("period_end DESC").Limit(1).Find(&last).Error; err != nil {
			return err
		}
		if last.ID != 0 {
			if t, ok := parseDate(last.PeriodEnd); ok {
				start = t.AddDate(0, 0, 1).Format(time.DateOnly)
			}
		}
		v.PeriodStart, v.PeriodEnd = suggestedPeriod(start, v.Interval)
		return nil
	})
	return v, err
}

// suggestedPeriod runs from start to the end of its month or quarter.
func suggestedPeriod(start, interval string) (string, string) {
	t, ok := parseDate(start)
	if !ok {
		return "", ""
	}
	months := 1
	if interval == ReportQuarterly {
		months = 3 - (int(t.Month())-1)%3
	}
	first := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, ChinaZone)
	return start, first.AddDate(0, months, -1).Format(time.DateOnly)
}

// contractItem is the catalogue item of the contract's tender, for the
// indicators' names (nil when not found).
func (s *Store) contractItem(ctx context.Context, a *Actor, c *Contract) *CatalogueItem {
	var t Tender
	if err := s.DB.WithContext(ctx).Select("id, region_code, catalogue_year, catalogue_code").First(&t, c.TenderID).Error; err != nil {
		return nil
	}
	item, _ := s.CatalogueItem(ctx, t.RegionCode, t.CatalogueYear, t.CatalogueCode)
	return item
}

// ReportView is a report's page.
type ReportView struct {
	Report   *ServiceReport
	Contract *Contract
	Item     *CatalogueItem
	Versions []ReportVersion
	// Base is the version the changes are shown against (the one last
	// returned, else the previous); nil for a first version.
	Base      *ReportVersion
	Changes   []FieldChange
	Member    bool
	CanEdit   bool // a member may save a new version
	CanSubmit bool
	CanReview bool // the staff may approve or return it
	Now       time.Time
}

// ReportPage reads a report's page: its values, flags, comments, files,
// versions and what changed since the version last returned.
func (s *Store) ReportPage(ctx context.Context, a *Actor, id int64) (*ReportView, error) {
	v := &ReportView{}
	err := s.read(ctx, func(r *Store) error {
		rep, err := r.Report(ctx, a, id)
		if err != nil {
			return err
		}
		db := r.DB.WithContext(ctx)
		c, acc, err := r.reportContract(db, a, rep.ContractID)
		if err != nil {
			return err
		}
		v.Report, v.Contract, v.Item, v.Now = rep, c, r.contractItem(ctx, a, c), r.now()
		names, err := r.orgNames(db, []int64{c.OrganisationID})
		if err != nil {
			return err
		}
		c.OrganisationName = names[c.OrganisationID]
		if v.Versions, err = r.reportVersions(db, id); err != nil {
			return err
		}
		if v.Base = reviewBase(rep, rep.Comments, v.Versions); v.Base != nil {
			v.Changes = ReportDiff(v.Base.ReportContent, rep.ReportContent)
		}
		writer := acc.writer(a) == nil
		v.Member = acc.member
		v.CanEdit = writer && reportLifecycle.Allows("edit", rep.Status)
		v.CanSubmit = writer && reportLifecycle.Allows("submit", rep.Status) && reportsOpen(c) == nil
		v.CanReview = acc.reviewer && reportLifecycle.Allows("approve", rep.Status)
		return nil
	})
	return v, err
}

// The desk's report tasks.
const (
	DeskReportsToReview = "reports_to_review" // procurement: submitted service reports
	DeskReportsToFix    = "reports_to_fix"    // agency: service reports returned for changes
)

// reportsToFix is the agency desk's task of the organisation's reports
// returned for changes, the longest waiting first.
func (s *Store) reportsToFix(db *gorm.DB, orgID int64) (DeskTask, error) {
	type row struct {
		ServiceReport
		Number, RegionCode string
	}
	var rows []row
	if err := db.Table("service_reports").Select("service_reports.*, contracts.number, contracts.region_code").
		Joins("JOIN contracts ON contracts.id = service_reports.contract_id").
		Where("service_reports.organisation_id = ? AND service_reports.status = ?", orgID, ReportReturned).
		Order("service_reports.reviewed_at, service_reports.id").Scan(&rows).Error; err != nil {
		return DeskTask{}, err
	}
	var items []DeskItem
	for _, r := range rows {
		items = append(items, DeskItem{ID: r.ID, OrganisationID: r.OrganisationID, Code: r.Number, Title: r.Number,
			Region: r.RegionCode, Text: r.PeriodStart + " – " + r.PeriodEnd, Status: r.Status, At: r.ReviewedAt})
	}
	return task(DeskReportsToFix, items), nil
}

// reportsToReview is the procurement desk's task of submitted reports
// awaiting review in the caller's regions, the longest waiting first.
func (s *Store) reportsToReview(db *gorm.DB, a *Actor) (DeskTask, error) {
	type row struct {
		ServiceReport
		Number, RegionCode string
	}
	var rows []row
	q := regionScope(db.Table("service_reports").Select("service_reports.*, contracts.number, contracts.region_code").
		Joins("JOIN contracts ON contracts.id = service_reports.contract_id"), "contracts.region_code", a.Regions("report:review")).
		Where("service_reports.status = ?", ReportSubmitted)
	if err := q.Order("service_reports.submitted_at, service_reports.id").Scan(&rows).Error; err != nil {
		return DeskTask{}, err
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.OrganisationID
	}
	names, err := s.orgNames(db, ids)
	if err != nil {
		return DeskTask{}, err
	}
	var items []DeskItem
	for _, r := range rows {
		items = append(items, DeskItem{ID: r.ID, OrganisationID: r.OrganisationID, Code: r.Number, Title: names[r.OrganisationID],
			Region: r.RegionCode, Text: r.PeriodStart + " – " + r.PeriodEnd, Status: r.Status, At: r.SubmittedAt})
	}
	return task(DeskReportsToReview, items), nil
}
