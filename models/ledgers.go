package models

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// The ledgers (台账): every service report, payment and room allocation
// the caller may see, across contracts, filtered as the list pages and
// their xlsx exports ask. Staff see those of the regions their grants
// reach; an organisation's members see their own organisation's.

var (
	regionFilter = regexp.MustCompile(`^[0-9]{2,12}$`)
	// Statuses a ledger may be filtered by.
	reportStatuses     = []string{ReportDraft, ReportSubmitted, ReportApproved, ReportReturned}
	paymentStatuses    = []string{TranchePlanned, TrancheDue, TrancheApproved, TranchePaid, TrancheCancelled}
	paymentKinds       = []string{PaymentTranche, PaymentStartupFund}
	allocationStatuses = []string{AllocationActive, AllocationEnded}
)

// LedgerFilter narrows a ledger: a region (and those below it), a
// status, a kind (payments), and dates from..to, inclusive: a report's
// period end, a payment's paid_on, an allocation's days.
type LedgerFilter struct {
	Region string `json:"region"`
	Status string `json:"status"`
	Kind   string `json:"kind"`
	From   string `json:"from"`
	To     string `json:"to"`
}

// check refuses values no ledger has, naming the query field.
func (f *LedgerFilter) check(statuses, kinds []string) error {
	var fe []FieldError
	if f.Region != "" && !regionFilter.MatchString(f.Region) {
		fe = append(fe, Field("region", "region", ""))
	}
	if f.Status != "" && !slices.Contains(statuses, f.Status) {
		fe = append(fe, Field("status", "oneof", strings.Join(statuses, " ")))
	}
	if f.Kind != "" && !slices.Contains(kinds, f.Kind) {
		fe = append(fe, Field("kind", "oneof", strings.Join(kinds, " ")))
	}
	for _, d := range []struct{ name, v string }{{"from", f.From}, {"to", f.To}} {
		if _, ok := parseDate(d.v); d.v != "" && !ok {
			fe = append(fe, Field(d.name, "date", ""))
		}
	}
	if len(fe) == 0 && f.From != "" && f.To != "" && f.To < f.From {
		fe = append(fe, Field("to", "after", f.From))
	}
	if len(fe) > 0 {
		return Invalid(fe...)
	}
	return nil
}

// ledgerScope limits q (joined with contracts as c) to what a can see:
// the regions its grants reach for perm, or its own organisation's.
func ledgerScope(q *gorm.DB, a *Actor, perm, orgColumn string) *gorm.DB {
	cond, args, all := regionCond("c.region_code", a.Regions(perm))
	if all {
		return q
	}
	if a.OrganisationID != nil {
		cond, args = "("+cond+" OR "+orgColumn+" = ?)", append(args, *a.OrganisationID)
	}
	return q.Where(cond, args...)
}

// ReportRow is one report in the ledger.
type ReportRow struct {
	ID                        int64      `json:"id"`
	ContractID                int64      `json:"contract_id"`
	ContractNumber            string     `json:"contract_number"`
	OrganisationName          string     `json:"organisation_name"`
	RegionCode                string     `json:"region"`
	PeriodStart               string     `json:"period_start"`
	PeriodEnd                 string     `json:"period_end"`
	Status                    string     `json:"status"`
	Version                   int        `json:"version"`
	ServiceHours              Hours      `json:"service_hours"`
	VolunteerPersonTimes      int64      `json:"volunteer_person_times"`
	VolunteerHours            Hours      `json:"volunteer_hours"`
	ChildrenServedPersonTimes int64      `json:"children_served_person_times"`
	ChildrenServedDistinct    int64      `json:"children_served_distinct"`
	SubmittedAt               *time.Time `json:"submitted_at"`
}

// ReportLedger lists the reports the caller may see: staff of a region
// its report:review grants reach see the submitted and later (a draft is
// the organisation's own), members their organisation's.
func (s *Store) ReportLedger(ctx context.Context, a *Actor, f LedgerFilter, p Page) (List[ReportRow], error) {
	out := List[ReportRow]{Items: []ReportRow{}}
	q, err := reportLedgerQuery(s.DB.WithContext(ctx), a, f)
	if err != nil {
		return out, err
	}
	return pageRows(q, p, out, reportLedgerOrder, reportLedgerColumns)
}

// ExportReportLedger reads the report ledger's rows with f for an export,
// in the list's order, one at a time (see exportRows).
func (s *Store) ExportReportLedger(ctx context.Context, a *Actor, f LedgerFilter, fn func(ExportRow[ReportRow]) error) error {
	return s.read(ctx, func(r *Store) error {
		q, err := reportLedgerQuery(r.DB.WithContext(ctx), a, f)
		if err != nil {
			return err
		}
		return exportRows(ctx, r, q, exportQuery{Region: "c.region_code", Order: reportLedgerOrder, Columns: reportLedgerColumns, Narrow: ledgerNarrow}, fn)
	})
}

const (
	reportLedgerOrder   = "r.period_end DESC, r.id DESC"
	reportLedgerColumns = "r.id, r.contract_id, c.number AS contract_number, o.name AS organisation_name, c.region_code, r.period_start, r.period_end, r.status, r.version, " +
		"r.service_hours, r.volunteer_person_times, r.volunteer_hours, r.children_served_person_times, r.children_served_distinct, r.submitted_at"
)

// ledgerNarrow are the filter's fields an export too large names.
var ledgerNarrow = []string{"region", "from", "to"}

// reportLedgerQuery is the report ledger's rows with f, in a's scope.
func reportLedgerQuery(db *gorm.DB, a *Actor, f LedgerFilter) (*gorm.DB, error) {
	if err := f.check(reportStatuses, nil); err != nil {
		return nil, err
	}
	q := db.Table("service_reports r").Joins("JOIN contracts c ON c.id = r.contract_id").
		Joins("JOIN organisations o ON o.id = r.organisation_id")
	own := "1 = 0"
	if a.OrganisationID != nil {
		own = "r.organisation_id = ?"
	}
	cond, args, all := regionCond("c.region_code", a.Regions("report:review"))
	staff := "(" + cond + " AND r.status <> 'draft')"
	if all {
		staff, args = "r.status <> 'draft'", nil
	}
	if a.OrganisationID != nil {
		args = append(args, *a.OrganisationID)
	}
	q = q.Where("("+staff+" OR "+own+")", args...)
	return ledgerFilters(q, f, "r.status", "r.period_end", "r.period_end"), nil
}

// PaymentRow is one payment in the ledger.
type PaymentRow struct {
	ID               int64      `json:"id"`
	ContractID       int64      `json:"contract_id"`
	ContractNumber   string     `json:"contract_number"`
	OrganisationName string     `json:"organisation_name"`
	RegionCode       string     `json:"region"`
	Kind             string     `json:"kind"`
	Seq              int        `json:"seq"`
	Condition        string     `json:"condition"`
	Percent          int        `json:"percent"`
	AmountFen        int64      `json:"amount_fen"`
	Status           string     `json:"status"`
	ApprovedAt       *time.Time `json:"approved_at"`
	PaidOn           *string    `json:"paid_on"`
	VoucherNo        string     `json:"voucher_no"`
	Purpose          string     `json:"purpose,omitempty"`
}

// PaymentLedger lists the payments the caller may see: staff of the
// regions its contract:read grants reach, members their organisation's.
func (s *Store) PaymentLedger(ctx context.Context, a *Actor, f LedgerFilter, p Page) (List[PaymentRow], error) {
	out := List[PaymentRow]{Items: []PaymentRow{}}
	q, err := paymentLedgerQuery(s.DB.WithContext(ctx), a, f)
	if err != nil {
		return out, err
	}
	return pageRows(q, p, out, paymentLedgerOrder, paymentLedgerColumns)
}

// ExportPaymentLedger reads the payment ledger's rows with f for an
// export, in the list's order, one at a time (see exportRows).
func (s *Store) ExportPaymentLedger(ctx context.Context, a *Actor, f LedgerFilter, fn func(ExportRow[PaymentRow]) error) error {
	return s.read(ctx, func(r *Store) error {
		q, err := paymentLedgerQuery(r.DB.WithContext(ctx), a, f)
		if err != nil {
			return err
		}
		return exportRows(ctx, r, q, exportQuery{Region: "c.region_code", Order: paymentLedgerOrder, Columns: paymentLedgerColumns, Narrow: ledgerNarrow}, fn)
	})
}

const (
	paymentLedgerOrder   = "c.id DESC, t.kind, t.seq, t.id"
	paymentLedgerColumns = "t.id, t.contract_id, c.number AS contract_number, o.name AS organisation_name, c.region_code, t.kind, t.seq, t.condition, t.percent, " +
		"t.amount_fen, t.status, t.approved_at, t.paid_on, t.voucher_no, t.purpose"
)

// paymentLedgerQuery is the payment ledger's rows with f, in a's scope.
func paymentLedgerQuery(db *gorm.DB, a *Actor, f LedgerFilter) (*gorm.DB, error) {
	if err := f.check(paymentStatuses, paymentKinds); err != nil {
		return nil, err
	}
	q := db.Table("payment_tranches t").Joins("JOIN contracts c ON c.id = t.contract_id").
		Joins("JOIN organisations o ON o.id = c.organisation_id")
	q = ledgerScope(q, a, "contract:read", "c.organisation_id")
	if f.Kind != "" {
		q = q.Where("t.kind = ?", f.Kind)
	}
	return ledgerFilters(q, f, "t.status", "t.paid_on", "t.paid_on"), nil
}

// AllocationRow is one room allocation in the ledger.
type AllocationRow struct {
	ID               int64      `json:"id"`
	BaseID           int64      `json:"base_id"`
	BaseName         string     `json:"base_name"`
	RoomName         string     `json:"room_name"`
	AreaCenti        Hundredths `json:"area_m2"`
	RegionCode       string     `json:"region"`
	OrganisationName string     `json:"organisation_name"`
	ContractID       *int64     `json:"contract_id"`
	ContractNumber   *string    `json:"contract_number"`
	From             string     `json:"from"`
	To               string     `json:"to"`
	HeldTo           *string    `json:"held_to"`
	Status           string     `json:"status"`
}

// AllocationLedger lists the allocations the caller may see: staff of
// the regions its office:manage grants reach (the base's region), members
// their organisation's. From..to keeps the allocations holding any of
// those days. The days are DATE columns on PostgreSQL, read as text
// (YYYY-MM-DD) like SQLite's.
func (s *Store) AllocationLedger(ctx context.Context, a *Actor, f LedgerFilter, p Page) (List[AllocationRow], error) {
	out := List[AllocationRow]{Items: []AllocationRow{}}
	q, err := allocationLedgerQuery(s.DB.WithContext(ctx), a, f)
	if err != nil {
		return out, err
	}
	return pageRows(q, p, out, allocationLedgerOrder, allocationLedgerColumns)
}

// ExportAllocationLedger reads the allocation ledger's rows with f for an
// export, in the list's order, one at a time (see exportRows).
func (s *Store) ExportAllocationLedger(ctx context.Context, a *Actor, f LedgerFilter, fn func(ExportRow[AllocationRow]) error) error {
	return s.read(ctx, func(r *Store) error {
		q, err := allocationLedgerQuery(r.DB.WithContext(ctx), a, f)
		if err != nil {
			return err
		}
		return exportRows(ctx, r, q, exportQuery{Region: "c.region_code", Order: allocationLedgerOrder, Columns: allocationLedgerColumns, Narrow: ledgerNarrow}, fn)
	})
}

const (
	allocationLedgerOrder   = "c.name, rm.name, al.from_on, al.id"
	allocationLedgerColumns = "al.id, c.id AS base_id, c.name AS base_name, rm.name AS room_name, rm.area_centi, c.region_code, o.name AS organisation_name, " +
		"al.contract_id, k.number AS contract_number, CAST(al.from_on AS TEXT) AS \"from\", CAST(al.to_on AS TEXT) AS \"to\", " +
		"CAST(al.held_to AS TEXT) AS held_to, al.status"
)

// allocationLedgerQuery is the allocation ledger's rows with f, in a's
// scope.
func allocationLedgerQuery(db *gorm.DB, a *Actor, f LedgerFilter) (*gorm.DB, error) {
	if err := f.check(allocationStatuses, nil); err != nil {
		return nil, err
	}
	q := db.Table("office_allocations al").Joins("JOIN office_rooms rm ON rm.id = al.room_id").
		Joins("JOIN office_bases c ON c.id = rm.base_id").Joins("JOIN organisations o ON o.id = al.organisation_id").
		Joins("LEFT JOIN contracts k ON k.id = al.contract_id")
	q = ledgerScope(q, a, "office:manage", "al.organisation_id")
	return ledgerFilters(q, f, "al.status", "al.to_on", "al.from_on"), nil
}

// ledgerFilters applies the region, status and dates: a row counts in
// from..to when fromColumn >= from and toColumn <= to (both the same
// column for a single date).
func ledgerFilters(q *gorm.DB, f LedgerFilter, statusColumn, fromColumn, toColumn string) *gorm.DB {
	if f.Region != "" {
		q = regionStarts(q, "c.region_code", f.Region)
	}
	if f.Status != "" {
		q = q.Where(statusColumn+" = ?", f.Status)
	}
	if f.From != "" {
		q = q.Where(fromColumn+" >= ?", f.From)
	}
	if f.To != "" {
		q = q.Where(toColumn+" <= ?", f.To)
	}
	return q
}

// pageRows counts and reads one page of a ledger.
func pageRows[T any](q *gorm.DB, p Page, out List[T], order, columns string) (List[T], error) {
	if err := q.Count(&out.Total).Error; err != nil {
		return out, err
	}
	p = p.Normalise()
	out.Page, out.PerPage = p.Page, p.PerPage
	return out, q.Select(columns).Order(order).Offset(p.offset()).Limit(p.PerPage).Scan(&out.Items).Error
}
