package models_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"portal/models"
	"portal/models/testdb"
)

// statsWorld is a small province worked out by hand (docs/stats.md), with
// rows written straight into the tables at chosen dates: these tests are
// about counting, not about the lifecycles that write the rows.
//
// Tenders (2026 is the period):
//
//	T1 450102 published 2026-03-01, budget 60,000 central_lottery + 40,000 local_budget, contract C1 90,000.01 (O1)
//	T2 450103 published 2026-06-10, budget 50,000 provincial_lottery, still published
//	T3 4501   published 2026-12-31 23:30 Beijing, budget 30,000 other, awarded
//	T4 450202 published 2025-11-01, 3 × 10,000 (assistance, lottery, local), contract C4 40,000 (O4), service 2025-12-01..2026-11-30
//	T5 450102 published 2027-01-01 00:10 Beijing (outside), T6 4601 (Hainan, outside), T7 450102 a draft
type statsWorld struct {
	*world
	c1, c4 int64
}

func (w *statsWorld) exec(sql string, args ...any) {
	w.t.Helper()
	if err := w.s.DB.Exec(sql, args...).Error; err != nil {
		w.t.Fatal(err)
	}
}

func (w *statsWorld) id(sql string, args ...any) int64 {
	w.t.Helper()
	var id int64
	if err := w.s.DB.Raw(sql, args...).Scan(&id).Error; err != nil {
		w.t.Fatal(err)
	}
	return id
}

// at is a Beijing wall-clock time in UTC, as the portal stores it.
func at(y int, m time.Month, d, h, min int) time.Time { return bj(y, m, d, h, min, 0).UTC() }

func (w *statsWorld) tender(code, region, item, status string, published *time.Time, lines map[string]int64) int64 {
	var budget int64
	for _, v := range lines {
		budget += v
	}
	w.exec(`INSERT INTO tenders (code, title, region_code, catalogue_year, catalogue_code, method, evaluation, status, budget_fen, price_weight,
		service_start, service_end, bid_deadline, published_at, created_by, created_at, updated_at)
		VALUES (?, ?, ?, 2026, ?, 'competitive_consultation', 'comprehensive', ?, ?, 20, '2026-04-01', '2027-03-31', ?, ?, ?, ?, ?)`,
		code, "项目"+code, region, item, status, budget, at(2026, 1, 1, 0, 0), published, w.buyer.UserID, w.now, w.now)
	id := w.id(`SELECT id FROM tenders WHERE code = ?`, code)
	for _, src := range models.FundingSourceKeys { // a stable order: the largest line's ties go to the first
		if v, ok := lines[src]; ok {
			w.exec(`INSERT INTO tender_budget_lines (tender_id, source, amount_fen) VALUES (?, ?, ?)`, id, src, v)
		}
	}
	return id
}

func (w *statsWorld) contract(tenderID, orgID int64, region string, amount int64, start, end string, signed time.Time) int64 {
	w.exec(`INSERT INTO contracts (number, tender_id, organisation_id, region_code, amount_fen, service_start, service_end, status, signed_at, signed_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, 'signed', ?, ?, ?, ?)`, "HT-"+region+start, tenderID, orgID, region, amount, start, end, signed, w.buyer.UserID, w.now, w.now)
	return w.id(`SELECT id FROM contracts WHERE tender_id = ?`, tenderID)
}

func (w *statsWorld) payment(contractID int64, seq int, amount int64, status string, paidOn any) {
	w.exec(`INSERT INTO payment_tranches (contract_id, seq, percent, condition, amount_fen, status, kind, paid_on) VALUES (?, ?, 30, 'signing', ?, ?, 'tranche', ?)`,
		contractID, seq, amount, status, paidOn)
}

func (w *statsWorld) report(contractID, orgID int64, start, end, status string, hoursCenti, vpt, vhCenti, children int64) {
	w.exec(`INSERT INTO service_reports (contract_id, organisation_id, period_start, period_end, status, version, service_hours, volunteer_person_times,
		volunteer_hours, children_served_person_times, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?)`,
		contractID, orgID, start, end, status, hoursCenti, vpt, vhCenti, children, w.buyer.UserID, w.now, w.now)
}

func (w *statsWorld) evaluation(contractID int64, sup *models.Actor, phase string, total int64, at time.Time) {
	w.exec(`INSERT INTO supervision_evaluations (contract_id, supervisor_id, phase, points, total, grade, created_at) VALUES (?, ?, ?, '{}', ?, 'good', ?)`,
		contractID, sup.UserID, phase, total, at)
}

func (w *statsWorld) assign(contractID int64, sups ...*models.Actor) {
	for _, s := range sups {
		w.exec(`INSERT INTO contract_supervisors (contract_id, supervisor_id, assigned_by, assigned_at) VALUES (?, ?, ?, ?)`, contractID, s.UserID, w.buyer.UserID, w.now)
	}
}

func (w *statsWorld) organisation(code, region, status string, created time.Time, certified int) int64 {
	w.exec(`INSERT INTO organisations (name, credit_code, registration_type, region_code, status, legal_rep, founded_on, phone, created_at, updated_at)
		VALUES (?, ?, 'private_non_enterprise', ?, ?, '王五', '2015-01-01', '0772-1234567', ?, ?)`, "机构"+code, code, region, status, created, created)
	id := w.id(`SELECT id FROM organisations WHERE credit_code = ?`, code)
	w.staff(id, certified, 0)
	return id
}

func (w *statsWorld) staff(orgID int64, certified, plain int) {
	for i := 0; i < certified+plain; i++ {
		level, cert := "", ""
		if i < certified {
			level, cert = models.LevelAssistant, fmt.Sprintf("ZS%d-%d", orgID, i)
		}
		w.exec(`INSERT INTO organisation_staff (organisation_id, name, level, certificate_no, created_at) VALUES (?, '社工', ?, ?, ?)`, orgID, level, cert, w.now)
	}
}

func newStatsWorld(t *testing.T) *statsWorld {
	// newWorld's three organisations are verified in 450102 with one
	// certified worker each; O1 (orgs[0]) gets two more and one without
	// a certificate.
	w := &statsWorld{world: newWorld(t)}
	w.now = time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	o1 := w.orgs[0]
	w.staff(o1, 2, 1)
	o4 := w.organisation("52450202MJ0000001X", "450202", "verified", at(2025, 6, 1, 9, 0), 2)
	w.organisation("52450103MJ0000002X", "450103", "pending", at(2025, 6, 1, 9, 0), 4)
	w.organisation("52450103MJ0000003X", "450103", "verified", at(2027, 2, 1, 9, 0), 4)

	p := func(t time.Time) *time.Time { return &t }
	t1 := w.tender("T1", "450102", "C0603", "contracted", p(at(2026, 3, 1, 10, 0)), map[string]int64{"central_lottery": 60_000_00, "local_budget": 40_000_00})
	w.tender("T2", "450103", "C0601", "published", p(at(2026, 6, 10, 10, 0)), map[string]int64{"provincial_lottery": 50_000_00})
	w.tender("T3", "4501", "C0603", "awarded", p(at(2026, 12, 31, 23, 30)), map[string]int64{"other": 30_000_00})
	t4 := w.tender("T4", "450202", "C0602", "contracted", p(at(2025, 11, 1, 10, 0)),
		map[string]int64{"central_assistance": 10_000_00, "central_lottery": 10_000_00, "local_budget": 10_000_00})
	w.tender("T5", "450102", "C0603", "published", p(at(2027, 1, 1, 0, 10)), map[string]int64{"other": 1_00})
	w.tender("T6", "4601", "C0603", "published", p(at(2026, 5, 1, 10, 0)), map[string]int64{"other": 7_00})
	w.tender("T7", "450102", "C0603", "draft", nil, map[string]int64{"other": 9_00})

	w.c1 = w.contract(t1, o1, "450102", 90_000_01, "2026-04-01", "2027-03-31", at(2026, 3, 25, 10, 0))
	w.c4 = w.contract(t4, o4, "450202", 40_000_00, "2025-12-01", "2026-11-30", at(2025, 11, 25, 10, 0))

	w.payment(w.c1, 1, 27_000_00, models.TranchePaid, "2026-05-01")
	w.payment(w.c1, 2, 36_000_00, models.TrancheApproved, nil)
	w.payment(w.c4, 1, 5_000_00, models.TranchePaid, "2025-12-20")
	w.payment(w.c4, 2, 10_000_00, models.TranchePaid, "2026-01-15")

	w.report(w.c1, o1, "2026-04-01", "2026-04-30", models.ReportApproved, 100_50, 10, 20_25, 30)
	w.report(w.c1, o1, "2026-12-01", "2026-12-31", models.ReportApproved, 50_00, 4, 6_00, 12)
	w.report(w.c1, o1, "2026-05-01", "2026-05-31", models.ReportSubmitted, 999_00, 99, 99_00, 99)
	w.report(w.c1, o1, "2027-01-01", "2027-01-31", models.ReportApproved, 999_00, 99, 99_00, 99)
	w.report(w.c4, o4, "2026-01-01", "2026-01-31", models.ReportApproved, 10_00, 5, 7_50, 8)
	w.report(w.c4, o4, "2025-12-01", "2025-12-31", models.ReportApproved, 999_00, 99, 99_00, 99)

	s1, s2 := w.staffUser("sup1", models.RoleSupervisor, "4501"), w.staffUser("sup2", models.RoleSupervisor, "4501")
	s3 := w.staffUser("sup3", models.RoleSupervisor, "4502")
	w.assign(w.c1, s1, s2)
	w.assign(w.c4, s3)
	// C1's midterm: 85.00 and 90.01, mean 87.505 → 87.51 (good).
	w.evaluation(w.c1, s1, models.PhaseMidterm, 85_00, at(2026, 10, 9, 10, 0))
	w.evaluation(w.c1, s2, models.PhaseMidterm, 90_01, at(2026, 10, 10, 10, 0))
	// C1's final: one of two supervisors so far, so not complete.
	w.evaluation(w.c1, s1, models.PhaseFinal, 99_00, at(2026, 11, 20, 10, 0))
	// C4's final: 55.00 (fail).
	w.evaluation(w.c4, s3, models.PhaseFinal, 55_00, at(2026, 11, 30, 10, 0))
	// The reports went in past the approving transaction, as a bulk load's.
	if err := models.RebuildServiceStats(w.s.DB); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *statsWorld) stats(a *models.Actor, region string) *models.Stats {
	w.t.Helper()
	st, err := w.s.Stats(w.ctx, a, models.StatsQuery{Region: region, From: "2026-01-01", To: "2026-12-31"})
	if err != nil {
		w.t.Fatal(err)
	}
	return st
}

func asJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestStatsByHand(t *testing.T) {
	w := newStatsWorld(t)
	public := models.Anonymous("203.0.113.1", w.s.Authz)
	st := w.stats(public, "45")
	avg := models.Hundredths(71_26) // (87.51 + 55.00) / 2 = 71.255 → 71.26
	want := models.StatsTotals{
		RegionsBuying:     models.RegionsBuying{Cities: 1, Counties: 2},
		ProjectsPublished: 3, ProjectsAwarded: 2, ProjectsInService: 2,
		OrganisationsVerified: 4, OrganisationsServing: 2, SocialWorkers: 5,
		BudgetFen: 180_000_00, ContractedFen: 90_000_01, PaidFen: 37_000_00,
		ServiceHours: 160_50, VolunteerPersonTimes: 19, VolunteerHours: 33_75, ChildrenServedPersonTimes: 50,
		Evaluations: 2, AverageScore: &avg, Grades: models.GradeCounts{Good: 1, Fail: 1},
	}
	if got := asJSON(t, st.Totals); got != asJSON(t, want) {
		t.Errorf("totals of 45:\n got %s\nwant %s", got, asJSON(t, want))
	}
	if st.Region.Code != "45" || st.Region.Name == "" || st.From != "2026-01-01" || st.To != "2026-12-31" {
		t.Errorf("region and period: %+v %s %s", st.Region, st.From, st.To)
	}
	if st.Contracts != nil {
		t.Errorf("the public sees no contracts: %+v", st.Contracts)
	}

	// Children: every city of Guangxi, in code order; 南宁 and 柳州 hold it all.
	if len(st.Children) != 14 || st.Children[0].Region.Code != "4501" || st.Children[1].Region.Code != "4502" {
		t.Fatalf("children: %d, first %+v", len(st.Children), st.Children[0].Region)
	}
	nn, lz := st.Children[0].Totals, st.Children[1].Totals
	avgNN, avgLZ := models.Hundredths(87_51), models.Hundredths(55_00)
	wantNN := models.StatsTotals{RegionsBuying: models.RegionsBuying{Cities: 1, Counties: 2}, ProjectsPublished: 3, ProjectsAwarded: 2,
		ProjectsInService: 1, OrganisationsVerified: 3, OrganisationsServing: 1, SocialWorkers: 3, BudgetFen: 180_000_00, ContractedFen: 90_000_01,
		PaidFen: 27_000_00, ServiceHours: 150_50, VolunteerPersonTimes: 14, VolunteerHours: 26_25, ChildrenServedPersonTimes: 42,
		Evaluations: 1, AverageScore: &avgNN, Grades: models.GradeCounts{Good: 1}}
	wantLZ := models.StatsTotals{ProjectsInService: 1, OrganisationsVerified: 1, OrganisationsServing: 1, SocialWorkers: 2, PaidFen: 10_000_00,
		ServiceHours: 10_00, VolunteerPersonTimes: 5, VolunteerHours: 7_50, ChildrenServedPersonTimes: 8,
		Evaluations: 1, AverageScore: &avgLZ, Grades: models.GradeCounts{Fail: 1}}
	if asJSON(t, nn) != asJSON(t, wantNN) {
		t.Errorf("南宁:\n got %s\nwant %s", asJSON(t, nn), asJSON(t, wantNN))
	}
	if asJSON(t, lz) != asJSON(t, wantLZ) {
		t.Errorf("柳州:\n got %s\nwant %s", asJSON(t, lz), asJSON(t, wantLZ))
	}
	for _, c := range st.Children[2:] {
		if c.Totals.ProjectsPublished != 0 || c.Totals.AverageScore != nil {
			t.Errorf("%s has figures: %+v", c.Region.Code, c.Totals)
		}
	}

	// By source: budgets as lined; C1's 90,000.01 split 60:40 with the
	// fen left to the larger line; what was paid split the same way, C4's
	// 10,000 in three equal parts with the fen left to the first.
	wantSources := []models.SourceStats{
		{Source: "central_assistance", PaidFen: 3_333_34},
		{Source: "central_lottery", BudgetFen: 60_000_00, ContractedFen: 54_000_01, PaidFen: 16_200_00 + 3_333_33},
		{Source: "provincial_lottery", BudgetFen: 50_000_00},
		{Source: "local_budget", BudgetFen: 40_000_00, ContractedFen: 36_000_00, PaidFen: 10_800_00 + 3_333_33},
		{Source: "other", BudgetFen: 30_000_00},
	}
	if asJSON(t, st.BySource) != asJSON(t, wantSources) {
		t.Errorf("by source:\n got %s\nwant %s", asJSON(t, st.BySource), asJSON(t, wantSources))
	}
	var sum [3]int64
	for _, s := range st.BySource {
		sum[0], sum[1], sum[2] = sum[0]+s.BudgetFen, sum[1]+s.ContractedFen, sum[2]+s.PaidFen
	}
	if sum != [3]int64{want.BudgetFen, want.ContractedFen, want.PaidFen} {
		t.Errorf("sources do not add up to the totals: %v", sum)
	}

	// By item: C0603 holds T1 and T3; C0601 T2; C0602 only C4's report.
	items := map[string]models.ItemStats{}
	for _, it := range st.ByItem {
		items[it.CatalogueCode] = it
		if it.Name == "" {
			t.Errorf("item %s has no name", it.CatalogueCode)
		}
	}
	if len(items) != 3 || items["C0603"].Projects != 2 || items["C0603"].ContractedFen != 90_000_01 || items["C0603"].ChildrenServedPersonTimes != 42 ||
		items["C0601"].Projects != 1 || items["C0601"].ContractedFen != 0 || items["C0602"].Projects != 0 || items["C0602"].ChildrenServedPersonTimes != 8 {
		t.Errorf("by item: %+v", st.ByItem)
	}

	// By month: every month of the year, the reports in their period's end.
	if len(st.ByMonth) != 12 || st.ByMonth[0].Month != "2026-01" || st.ByMonth[0].ServiceHours != 10_00 || st.ByMonth[3].ServiceHours != 100_50 ||
		st.ByMonth[4].ServiceHours != 0 || st.ByMonth[11].ChildrenServedPersonTimes != 12 {
		t.Errorf("by month: %+v", st.ByMonth)
	}
}

func TestStatsRollUpAndDrillDown(t *testing.T) {
	w := newStatsWorld(t)
	public := models.Anonymous("203.0.113.1", w.s.Authz)

	// A county: its own tenders only, no children.
	xn := w.stats(public, "450102")
	if xn.Totals.ProjectsPublished != 1 || xn.Totals.RegionsBuying != (models.RegionsBuying{Cities: 1, Counties: 1}) || xn.Totals.PaidFen != 27_000_00 ||
		len(xn.Children) != 0 && xn.Children[0].Totals.ProjectsPublished != 0 {
		t.Errorf("兴宁区: %+v", xn.Totals)
	}
	// A city adds up its counties and its own tenders.
	nn := w.stats(public, "4501")
	if nn.Totals.ProjectsPublished != 3 || nn.Totals.BudgetFen != 180_000_00 {
		t.Errorf("南宁市: %+v", nn.Totals)
	}
	var counties int64
	for _, c := range nn.Children {
		counties += c.Totals.ProjectsPublished
	}
	if counties != 2 { // T3 is the city's own
		t.Errorf("南宁市's counties published %d", counties)
	}

	// The county's buyer drills down to its contracts; another county's
	// staff and the public do not.
	mine := w.stats(w.buyer, "450102")
	if !mine.Drill || len(mine.Contracts) != 1 || mine.Contracts[0].ID != w.c1 || mine.Contracts[0].PaidFen != 27_000_00 ||
		mine.Contracts[0].ServiceHours != 150_50 || mine.Contracts[0].ChildrenServedPersonTimes != 42 || mine.Contracts[0].Status != models.ContractInService {
		t.Errorf("drill-down for the buyer: %+v", mine.Contracts)
	}
	other := w.staffUser("lz-buyer", models.RoleProcurement, "4502")
	if st := w.stats(other, "450102"); st.Drill || st.Contracts != nil {
		t.Errorf("柳州's buyer drills into 兴宁区: %+v", st.Contracts)
	}
	if st := w.stats(other, "450202"); len(st.Contracts) != 1 || st.Contracts[0].ID != w.c4 {
		t.Errorf("柳州's buyer in its own county: %+v", st.Contracts)
	}
}

// TestStatsWaitForASlot: while as many statistics as there are slots are
// being worked out, another waits, and gives up when its request ends;
// once a slot is free it is answered.
func TestStatsWaitForASlot(t *testing.T) {
	w := newStatsWorld(t)
	public := models.Anonymous("203.0.113.1", w.s.Authz)
	q := models.StatsQuery{Region: "45", From: "2026-01-01", To: "2026-12-31"}
	release := w.s.HoldStatsSlots()
	ctx, cancel := context.WithTimeout(w.ctx, 200*time.Millisecond)
	defer cancel()
	if _, err := w.s.Stats(ctx, public, q); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("with every slot taken: %v, want the request's end", err)
	}
	release()
	if _, err := w.s.Stats(w.ctx, public, q); err != nil {
		t.Fatal(err)
	}
}

func TestStatsPeriodEdges(t *testing.T) {
	w := newStatsWorld(t)
	public := models.Anonymous("203.0.113.1", w.s.Authz)
	get := func(from, to string) models.StatsTotals {
		st, err := w.s.Stats(w.ctx, public, models.StatsQuery{Region: "45", From: from, To: to})
		if err != nil {
			t.Fatal(err)
		}
		return st.Totals
	}
	// The last day of the year in Beijing holds T3 (23:30); the first day
	// of the next holds T5 (00:10), although both are 31 December in UTC.
	if got := get("2026-12-31", "2026-12-31"); got.ProjectsPublished != 1 || got.BudgetFen != 30_000_00 {
		t.Errorf("31 December: %+v", got)
	}
	if got := get("2027-01-01", "2027-01-01"); got.ProjectsPublished != 1 || got.BudgetFen != 1_00 {
		t.Errorf("1 January: %+v", got)
	}
	// A payment counts on its paid_on, a report on its period's end.
	if got := get("2025-12-01", "2025-12-31"); got.PaidFen != 5_000_00 || got.ServiceHours != 999_00 || got.ProjectsInService != 1 {
		t.Errorf("December 2025: %+v", got)
	}
	// C4's service ended on 30 November 2026: December has only C1.
	if got := get("2026-12-01", "2026-12-31"); got.ProjectsInService != 1 || got.OrganisationsServing != 1 || got.SocialWorkers != 3 {
		t.Errorf("December 2026: %+v", got)
	}
}

func TestStatsQueryChecked(t *testing.T) {
	w := newWorld(t)
	public := models.Anonymous("203.0.113.1", w.s.Authz)
	for _, q := range []models.StatsQuery{
		{Region: "45", From: "2026-13-01"},
		{Region: "45", From: "2026-02-01", To: "2026-01-01"},
		{Region: "45", From: "2000-01-01", To: "2026-01-01"},
		{Region: "45", From: "9999-01-01", To: "9999-12-31"},
		{Region: "45", From: "1999-12-31", To: "2000-01-31"},
		{Region: "45x"},
		{Region: "45'; DROP TABLE tenders; --"},
	} {
		_, err := w.s.Stats(w.ctx, public, q)
		var fe *models.Error
		if !errors.As(err, &fe) || !errors.Is(err, models.ErrInvalid) {
			t.Errorf("%+v: %v, want 422", q, err)
		}
	}
	if _, err := w.s.Stats(w.ctx, public, models.StatsQuery{Region: "99"}); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("no such region: %v", err)
	}
	// Without dates: the current calendar year in Beijing.
	st, err := w.s.Stats(w.ctx, public, models.StatsQuery{Region: "45"})
	if err != nil || st.From != "2026-01-01" || st.To != "2026-12-31" {
		t.Errorf("default period: %v %+v", err, st)
	}
}

// TestStatsReadOnTheReadHandle: with a read handle (a replica), the
// statistics are read there, not on the primary: here the handle is an
// empty database, so the figures are the empty one's.
func TestStatsReadOnTheReadHandle(t *testing.T) {
	w := newStatsWorld(t)
	public := models.Anonymous("203.0.113.1", w.s.Authz)
	if st := w.stats(public, "45"); st.Totals.ProjectsPublished != 3 {
		t.Fatalf("on the primary: %+v", st.Totals)
	}
	replica, _ := testdb.Open(t)
	w.s.ReadDB = replica
	if st := w.stats(public, "45"); st.Totals.ProjectsPublished != 0 || st.Totals.BudgetFen != 0 {
		t.Errorf("the statistics were not read on the read handle: %+v", st.Totals)
	}
}
