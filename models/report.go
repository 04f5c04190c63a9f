package models

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Service reports (服务报告): per contract and period, the organisation's
// figures, each indicator's actual value and a narrative. A member files a
// draft, edits it (every save is a new version, kept whole), submits it;
// the contract's procurement staff approve it or return it with a comment,
// and a returned report is fixed and submitted again. Only approved reports
// count anywhere (approvedTotals).

// Report statuses.
const (
	ReportDraft     = "draft"
	ReportSubmitted = "submitted"
	ReportApproved  = "approved"
	ReportReturned  = "returned"
)

// Reporting intervals of a contract, chosen at signing.
const (
	ReportMonthly   = "monthly"
	ReportQuarterly = "quarterly"
)

// ReportIntervals lists the intervals; the first is the default.
var ReportIntervals = []string{ReportMonthly, ReportQuarterly}

// reportLifecycle: edit keeps a draft a draft and a returned report
// returned (the fix), submit files either, the staff approve or return a
// submitted one. Files may be attached while the report may be edited.
var reportLifecycle = &Lifecycle{Object: "report", Key: "err.report_state", Events: map[string]map[string]string{
	"edit":    {ReportDraft: ReportDraft, ReportReturned: ReportReturned},
	"attach":  {ReportDraft: ReportDraft, ReportReturned: ReportReturned},
	"submit":  {ReportDraft: ReportSubmitted, ReportReturned: ReportSubmitted},
	"approve": {ReportSubmitted: ReportApproved},
	"return":  {ReportSubmitted: ReportReturned},
}}

// ReportAllows reports whether event may happen to a report in status.
func ReportAllows(event, status string) bool { return reportLifecycle.Allows(event, status) }

// Hours are kept as hundredths of an hour, like every two-place decimal
// of the portal (values.go), so that they are summed exactly.
type Hours = Hundredths

// IndicatorValue is the actual value of one of the contract's indicators.
type IndicatorValue struct {
	Indicator string  `json:"indicator"`
	Value     float64 `json:"value"`
}

// ReportContent is what a member writes; every version keeps all of it.
type ReportContent struct {
	PeriodStart               string           `json:"period_start"`
	PeriodEnd                 string           `json:"period_end"`
	ServiceHours              Hours            `json:"service_hours"`
	VolunteerPersonTimes      int64            `json:"volunteer_person_times"`
	VolunteerHours            Hours            `json:"volunteer_hours"`
	ChildrenServedPersonTimes int64            `json:"children_served_person_times"`
	ChildrenServedDistinct    int64            `json:"children_served_distinct"`
	Activities                int64            `json:"activities"`
	CasesOpened               int64            `json:"cases_opened"`
	CasesClosed               int64            `json:"cases_closed"`
	Indicators                []IndicatorValue `json:"indicators" gorm:"serializer:json"`
	Narrative                 string           `json:"narrative"`
}

// ServiceReport is one report of a contract for one period.
type ServiceReport struct {
	ID             int64 `json:"id" gorm:"primaryKey"`
	ContractID     int64 `json:"contract_id"`
	OrganisationID int64 `json:"organisation_id"`
	ReportContent  `gorm:"embedded"`
	Status         string             `json:"status"`
	Version        int                `json:"version"`
	CreatedBy      int64              `json:"-"`
	SubmittedAt    *time.Time         `json:"submitted_at"`
	ReviewedAt     *time.Time         `json:"reviewed_at"`
	ReviewedBy     *int64             `json:"-"`
	CreatedAt      time.Time          `json:"created_at"`
	UpdatedAt      time.Time          `json:"updated_at"`
	Comments       []ReportComment    `json:"comments" gorm:"-"`
	Flags          []ReportFlag       `json:"flags" gorm:"-"`
	Attachments    []ReportAttachment `json:"attachments" gorm:"-"`
}

// ReportComment is a reviewer's word on one version: why it was returned,
// or a note with the approval.
type ReportComment struct {
	ID        int64     `json:"-" gorm:"primaryKey"`
	ReportID  int64     `json:"-"`
	Version   int       `json:"version"`
	Event     string    `json:"event"` // return | approve
	Comment   string    `json:"comment"`
	AuthorID  int64     `json:"-"`
	Author    string    `json:"author" gorm:"-"`
	CreatedAt time.Time `json:"created_at"`
}

// TableName of ReportComment.
func (ReportComment) TableName() string { return "service_report_comments" }

// ReportInput is a report as a client sends it. Hours are numbers with at
// most two decimals; the model turns them into Hours.
type ReportInput struct {
	PeriodStart               string           `json:"period_start"`
	PeriodEnd                 string           `json:"period_end"`
	ServiceHours              float64          `json:"service_hours"`
	VolunteerPersonTimes      int64            `json:"volunteer_person_times"`
	VolunteerHours            float64          `json:"volunteer_hours"`
	ChildrenServedPersonTimes int64            `json:"children_served_person_times"`
	ChildrenServedDistinct    int64            `json:"children_served_distinct"`
	Activities                int64            `json:"activities"`
	CasesOpened               int64            `json:"cases_opened"`
	CasesClosed               int64            `json:"cases_closed"`
	Indicators                []IndicatorValue `json:"indicators"`
	Narrative                 string           `json:"narrative" validate:"max=8000"`
}

// InputOf is a report's content as an input, for a PATCH to apply its
// body over.
func (c ReportContent) InputOf() ReportInput {
	return ReportInput{PeriodStart: c.PeriodStart, PeriodEnd: c.PeriodEnd, ServiceHours: float64(c.ServiceHours) / 100,
		VolunteerPersonTimes: c.VolunteerPersonTimes, VolunteerHours: float64(c.VolunteerHours) / 100,
		ChildrenServedPersonTimes: c.ChildrenServedPersonTimes, ChildrenServedDistinct: c.ChildrenServedDistinct,
		Activities: c.Activities, CasesOpened: c.CasesOpened, CasesClosed: c.CasesClosed,
		Indicators: append([]IndicatorValue{}, c.Indicators...), Narrative: c.Narrative}
}

// reportAccess is how the caller stands to a contract's reports.
type reportAccess struct {
	member   bool // of the contracted organisation: reads all, writes with report:write
	reviewer bool // procurement whose region reaches the contract
}

// reportContract loads a contract with its targets and the caller's access
// to its reports; anyone with neither access gets 404.
func (s *Store) reportContract(db *gorm.DB, a *Actor, contractID int64) (*Contract, reportAccess, error) {
	var c Contract
	if err := db.First(&c, contractID).Error; err != nil {
		return nil, reportAccess{}, notFound(err, "contract")
	}
	acc := reportAccess{
		member:   a.SignedIn() && a.OrganisationID != nil && *a.OrganisationID == c.OrganisationID,
		reviewer: a.Can("report:review", c.RegionCode),
	}
	if !acc.member && !acc.reviewer {
		return nil, acc, Fail(ErrNotFound, "err.not_found", "contract not found")
	}
	if err := db.Where("contract_id = ?", c.ID).Order("id").Find(&c.Targets).Error; err != nil {
		return nil, acc, err
	}
	return &c, acc, nil
}

// writer is the caller's right to file the contract's reports.
func (acc reportAccess) writer(a *Actor) error {
	if !acc.member {
		return Fail(ErrNotFound, "err.not_found", "report not found")
	}
	if !a.CanAnywhere("report:write") {
		return Fail(ErrForbidden, "err.forbidden", "only the organisation's agency members file reports")
	}
	return nil
}

// reportReadable: members read their organisation's reports in any status;
// reviewers once a report has been submitted (a draft is the
// organisation's own until then).
func (acc reportAccess) readable(r *ServiceReport) bool {
	return acc.member || (acc.reviewer && r.Status != ReportDraft)
}

// loadReport reads a report and its contract for a caller who may read it
// (404 otherwise). With lock the report's row is locked for the rest of tx.
func (s *Store) loadReport(db *gorm.DB, a *Actor, id int64, lock bool) (*ServiceReport, *Contract, reportAccess, error) {
	var r ServiceReport
	q := db
	if lock && s.Dialect == Postgres && !s.snapshot {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	if err := q.First(&r, id).Error; err != nil {
		return nil, nil, reportAccess{}, notFound(err, "report")
	}
	c, acc, err := s.reportContract(db, a, r.ContractID)
	if err != nil || !acc.readable(&r) {
		return nil, nil, acc, Fail(ErrNotFound, "err.not_found", "report not found")
	}
	return &r, c, acc, nil
}

// reportsOpen: an accepted or terminated contract takes no new reports.
func reportsOpen(c *Contract) error {
	if c.Status == ContractAccepted || c.Status == ContractTerminated {
		return Fail(ErrConflict, "err.report_contract_closed", "the contract takes no more reports")
	}
	return nil
}

// writableContract loads a contract the caller may file reports for, one
// that still takes them.
func (s *Store) writableContract(db *gorm.DB, a *Actor, contractID int64) (*Contract, error) {
	c, acc, err := s.reportContract(db, a, contractID)
	if err != nil {
		return nil, err
	}
	if err := acc.writer(a); err != nil {
		return nil, err
	}
	return c, reportsOpen(c)
}

// writableReport loads a report the caller may file, in a status that
// allows event (edit, attach); with lock, its row is locked.
func (s *Store) writableReport(db *gorm.DB, a *Actor, id int64, event string, lock bool) (*ServiceReport, *Contract, error) {
	r, c, acc, err := s.loadReport(db, a, id, lock)
	if err != nil {
		return nil, nil, err
	}
	if err := acc.writer(a); err != nil {
		return nil, nil, err
	}
	if _, err := reportLifecycle.Next(event, r.Status); err != nil {
		return nil, nil, err
	}
	return r, c, nil
}

// CreateReport files a draft (version 1) for the member's contract.
func (s *Store) CreateReport(ctx context.Context, a *Actor, contractID int64, in ReportInput) (*ServiceReport, error) {
	c, err := s.writableContract(s.DB.WithContext(ctx), a, contractID)
	if err != nil {
		return nil, err
	}
	content, err := s.checkReport(c, &in)
	if err != nil {
		return nil, err
	}
	var r *ServiceReport
	err = s.tx(ctx, func(tx *gorm.DB) error {
		c, err := s.writableContract(tx, a, contractID)
		if err != nil {
			return err
		}
		r, err = s.insertReport(tx, a, c, content)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.Report(ctx, a, r.ID)
}

// insertReport stores a new draft with its first version, in tx.
func (s *Store) insertReport(tx *gorm.DB, a *Actor, c *Contract, content ReportContent) (*ServiceReport, error) {
	now := s.now()
	r := &ServiceReport{ContractID: c.ID, OrganisationID: c.OrganisationID, ReportContent: content, Status: ReportDraft,
		Version: 1, CreatedBy: a.UserID, CreatedAt: now, UpdatedAt: now}
	if err := tx.Create(r).Error; err != nil {
		return nil, err
	}
	if err := s.keepVersion(tx, a, r); err != nil {
		return nil, err
	}
	return r, s.audit(tx, a, "report.create", "report", r.ID, c.RegionCode, nil, r)
}

// UpdateReport saves a new version of a draft or returned report. base is
// the version the caller's edit started from: when another save came first
// the edit is refused (409) rather than overwriting it. apply writes the
// caller's changes over the current content (a PATCH body; a form's whole
// content).
func (s *Store) UpdateReport(ctx context.Context, a *Actor, id int64, base int, apply func(*ReportInput) error) (*ServiceReport, error) {
	r, c, err := s.writableReport(s.DB.WithContext(ctx), a, id, "edit", false)
	if err != nil {
		return nil, err
	}
	if base <= 0 {
		return nil, Invalid(Field("version", "required", ""))
	}
	if base != r.Version {
		return nil, staleReport(r.Version)
	}
	in := r.InputOf()
	if err := apply(&in); err != nil {
		return nil, err
	}
	content, err := s.checkReport(c, &in)
	if err != nil {
		return nil, err
	}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		cur, c, err := s.writableReport(tx, a, id, "edit", true)
		if err != nil {
			return err
		}
		return s.saveVersion(tx, a, cur, c, base, content)
	})
	if err != nil {
		return nil, err
	}
	return s.Report(ctx, a, id)
}

// saveVersion stores content as the next version of cur (locked, editable)
// when cur is still at base, in tx.
func (s *Store) saveVersion(tx *gorm.DB, a *Actor, cur *ServiceReport, c *Contract, base int, content ReportContent) error {
	id := cur.ID
	if cur.Version != base {
		return staleReport(cur.Version)
	}
	before := *cur
	now := s.now()
	// The version in the WHERE makes two saves from one base exclusive
	// even where the row was not locked (SQLite serialises writers).
	res := tx.Model(&ServiceReport{}).Where("id = ? AND version = ?", id, base).Updates(map[string]any{
		"period_start": content.PeriodStart, "period_end": content.PeriodEnd, "service_hours": content.ServiceHours,
		"volunteer_person_times": content.VolunteerPersonTimes, "volunteer_hours": content.VolunteerHours,
		"children_served_person_times": content.ChildrenServedPersonTimes, "children_served_distinct": content.ChildrenServedDistinct,
		"activities": content.Activities, "cases_opened": content.CasesOpened, "cases_closed": content.CasesClosed,
		"indicators": jsonOrEmpty(nonNilIndicators(content.Indicators)), "narrative": content.Narrative,
		"version": base + 1, "updated_at": now})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != 1 {
		return staleReport(base + 1)
	}
	cur.ReportContent, cur.Version, cur.UpdatedAt = content, base+1, now
	if err := s.keepVersion(tx, a, cur); err != nil {
		return err
	}
	return s.audit(tx, a, "report.update", "report", cur.ID, c.RegionCode, before, cur)
}

func staleReport(current int) error {
	return Fail(ErrConflict, "err.report_stale", fmt.Sprintf("the report was saved by someone else meanwhile (now version %d): reload it and apply your changes again", current))
}

func nonNilIndicators(v []IndicatorValue) []IndicatorValue {
	if v == nil {
		return []IndicatorValue{}
	}
	return v
}

// SubmitReport files a draft, or a fixed returned report, for review.
func (s *Store) SubmitReport(ctx context.Context, a *Actor, id int64) (*ServiceReport, error) {
	err := s.tx(ctx, func(tx *gorm.DB) error {
		r, c, acc, err := s.loadReport(tx, a, id, true)
		if err != nil {
			return err
		}
		if err := acc.writer(a); err != nil {
			return err
		}
		to, err := reportLifecycle.Next("submit", r.Status)
		if err != nil {
			return err
		}
		if err := reportsOpen(c); err != nil {
			return err
		}
		before, now := *r, s.now()
		r.Status, r.SubmittedAt, r.UpdatedAt = to, &now, now
		if err := tx.Model(&ServiceReport{}).Where("id = ?", r.ID).Updates(map[string]any{"status": to, "submitted_at": now, "updated_at": now}).Error; err != nil {
			return err
		}
		return s.audit(tx, a, "report.submit", "report", r.ID, c.RegionCode, before, r)
	})
	if err != nil {
		return nil, err
	}
	return s.Report(ctx, a, id)
}

// ApproveReport approves a submitted report (the contract's procurement
// staff); the first approved report puts a signed contract in service.
func (s *Store) ApproveReport(ctx context.Context, a *Actor, id int64, comment string) (*ServiceReport, error) {
	return s.reviewReport(ctx, a, id, "approve", comment)
}

// ReturnReport returns a submitted report to its organisation with the
// staff's comment, which is required.
func (s *Store) ReturnReport(ctx context.Context, a *Actor, id int64, comment string) (*ServiceReport, error) {
	return s.reviewReport(ctx, a, id, "return", comment)
}

// MaxReportComment is the longest reviewer's comment, in characters.
const MaxReportComment = 2000

func (s *Store) reviewReport(ctx context.Context, a *Actor, id int64, event, comment string) (*ServiceReport, error) {
	comment, fe := CheckTextValue("comment", strings.TrimSpace(comment))
	if fe == nil && len([]rune(comment)) > MaxReportComment {
		f := Field("comment", "max", strconv.Itoa(MaxReportComment))
		fe = &f
	}
	if fe == nil && event == "return" && comment == "" {
		f := Field("comment", "required", "")
		fe = &f
	}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		r, c, acc, err := s.loadReport(tx, a, id, true)
		if err != nil {
			return err
		}
		if !acc.reviewer {
			return Fail(ErrNotFound, "err.not_found", "report not found")
		}
		to, err := reportLifecycle.Next(event, r.Status)
		if err != nil {
			return err
		}
		if fe != nil {
			return Invalid(*fe)
		}
		before, now := *r, s.now()
		r.Status, r.ReviewedAt, r.ReviewedBy, r.UpdatedAt = to, &now, &a.UserID, now
		if err := tx.Model(&ServiceReport{}).Where("id = ?", r.ID).Updates(map[string]any{"status": to, "reviewed_at": now,
			"reviewed_by": a.UserID, "updated_at": now}).Error; err != nil {
			return err
		}
		if comment != "" {
			if err := tx.Create(&ReportComment{ReportID: r.ID, Version: r.Version, Event: event, Comment: comment, AuthorID: a.UserID, CreatedAt: now}).Error; err != nil {
				return err
			}
		}
		params := map[string]string{"number": c.Number, "period": r.PeriodStart + " – " + r.PeriodEnd, "report_id": strconv.FormatInt(r.ID, 10),
			"contract_id": strconv.FormatInt(c.ID, 10)}
		after := struct {
			*ServiceReport
			Comment string `json:"comment,omitempty"`
		}{r, comment}
		if event == "approve" {
			// The first approved report puts a signed contract in service.
			if err := s.contractInService(tx, c.ID); err != nil {
				return err
			}
			// The statistics' sums grow in the same transaction.
			if err := addApprovedReport(tx, r.ID); err != nil {
				return err
			}
			s.notifyOrgs(tx, []int64{c.OrganisationID}, NotifyReportApproved, "report", r.ID, params)
			return s.audit(tx, a, "report.approve", "report", r.ID, c.RegionCode, before, after)
		}
		s.notifyOrgs(tx, []int64{c.OrganisationID}, NotifyReportReturned, "report", r.ID, params)
		return s.audit(tx, a, "report.return", "report", r.ID, c.RegionCode, before, after)
	})
	if err != nil {
		return nil, err
	}
	return s.Report(ctx, a, id)
}

// Report reads one report with its comments, flags and files.
func (s *Store) Report(ctx context.Context, a *Actor, id int64) (*ServiceReport, error) {
	db := s.DB.WithContext(ctx)
	r, c, _, err := s.loadReport(db, a, id, false)
	if err != nil {
		return nil, err
	}
	if err := s.fillReports(db, c, []*ServiceReport{r}); err != nil {
		return nil, err
	}
	if r.Comments, err = s.reportComments(db, r.ID); err != nil {
		return nil, err
	}
	if r.Attachments, err = s.reportAttachments(db, r.ID); err != nil {
		return nil, err
	}
	return r, nil
}

// ContractReports lists a contract's reports by period, with their flags:
// all of them for its organisation, the submitted ones and later for staff.
func (s *Store) ContractReports(ctx context.Context, a *Actor, contractID int64) ([]ServiceReport, error) {
	db := s.DB.WithContext(ctx)
	c, acc, err := s.reportContract(db, a, contractID)
	if err != nil {
		return nil, err
	}
	return s.contractReports(db, c, acc)
}

func (s *Store) contractReports(db *gorm.DB, c *Contract, acc reportAccess) ([]ServiceReport, error) {
	var all []ServiceReport
	if err := db.Where("contract_id = ?", c.ID).Order("period_start, id").Find(&all).Error; err != nil {
		return nil, err
	}
	out := []ServiceReport{}
	for _, r := range all {
		if acc.readable(&r) {
			out = append(out, r)
		}
	}
	ptrs := make([]*ServiceReport, len(out))
	for i := range out {
		ptrs[i] = &out[i]
	}
	return out, s.fillReports(db, c, ptrs)
}

// fillReports computes each report's flags against the contract and the
// contract's other reports.
func (s *Store) fillReports(db *gorm.DB, c *Contract, rs []*ServiceReport) error {
	var others []ServiceReport
	if err := db.Select("id, period_start, period_end, status").Where("contract_id = ?", c.ID).Find(&others).Error; err != nil {
		return err
	}
	for _, r := range rs {
		r.Indicators = nonNilIndicators(r.Indicators)
		r.Flags = reportFlags(c, r, others)
		r.Comments, r.Attachments = []ReportComment{}, []ReportAttachment{}
	}
	return nil
}

func (s *Store) reportComments(db *gorm.DB, reportID int64) ([]ReportComment, error) {
	out := []ReportComment{}
	if err := db.Where("report_id = ?", reportID).Order("id").Find(&out).Error; err != nil {
		return nil, err
	}
	ids := make([]int64, len(out))
	for i, c := range out {
		ids[i] = c.AuthorID
	}
	names, err := s.userNames(db, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Author = names[out[i].AuthorID]
	}
	return out, nil
}

// userNames maps user ids to their display names.
func (s *Store) userNames(db *gorm.DB, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	if len(ids) == 0 {
		return out, nil
	}
	var us []User
	if err := db.Select("id, display_name").Where("id IN ?", ids).Find(&us).Error; err != nil {
		return nil, err
	}
	for _, u := range us {
		out[u.ID] = u.DisplayName
	}
	return out, nil
}
