package models_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"portal/models"
)

// reportWorld is the county of world with a signed contract of its first
// organisation (service 2026-04-01 – 2027-03-31, targets: 2,000 service
// hours and 500 children served), signed directly in the database: these
// tests are about reports, not about signing.
type reportWorld struct {
	*world
	contract *models.Contract
	member   *models.Actor // of the contracted organisation
}

func newReportWorld(t *testing.T) *reportWorld {
	t.Helper()
	w := newWorld(t)
	tender, err := w.s.CreateTender(w.ctx, w.buyer, w.tenderInput())
	if err != nil {
		t.Fatal(err)
	}
	c := &models.Contract{Number: "HT-" + tender.Code, TenderID: tender.ID, OrganisationID: w.orgs[0], RegionCode: "450102",
		AmountFen: 250_000_00, ServiceStart: "2026-04-01", ServiceEnd: "2027-03-31", Status: models.ContractSigned,
		ReportInterval: models.ReportMonthly, SignedAt: w.now, SignedBy: w.buyer.UserID, CreatedAt: w.now, UpdatedAt: w.now}
	if err := w.s.DB.Create(c).Error; err != nil {
		t.Fatal(err)
	}
	for _, tg := range []models.ContractTarget{{ContractID: c.ID, Indicator: "service_hours", Value: 2000}, {ContractID: c.ID, Indicator: "children_served", Value: 500}} {
		if err := w.s.DB.Create(&tg).Error; err != nil {
			t.Fatal(err)
		}
	}
	w.now = time.Date(2026, 5, 3, 9, 0, 0, 0, time.UTC)
	return &reportWorld{world: w, contract: c, member: w.agents[0]}
}

// april is a plausible report for April 2026.
func april() models.ReportInput {
	return models.ReportInput{PeriodStart: "2026-04-01", PeriodEnd: "2026-04-30", ServiceHours: 160.5, VolunteerPersonTimes: 30,
		VolunteerHours: 90.25, ChildrenServedPersonTimes: 120, ChildrenServedDistinct: 45, Activities: 6, CasesOpened: 3, CasesClosed: 1,
		Indicators: []models.IndicatorValue{{Indicator: "service_hours", Value: 160.5}, {Indicator: "children_served", Value: 45}},
		Narrative:  "四月开展入户探访与课业辅导。"}
}

func (w *reportWorld) create(in models.ReportInput) *models.ServiceReport {
	w.t.Helper()
	r, err := w.s.CreateReport(w.ctx, w.member, w.contract.ID, in)
	if err != nil {
		w.t.Fatal(err)
	}
	return r
}

func (w *reportWorld) reload(id int64) *models.ServiceReport {
	w.t.Helper()
	r, err := w.s.Report(w.ctx, w.member, id)
	if err != nil {
		w.t.Fatal(err)
	}
	return r
}

func setHours(h float64) func(*models.ReportInput) error {
	return func(in *models.ReportInput) error { in.ServiceHours = h; return nil }
}

func TestReportLifecycle(t *testing.T) {
	w := newReportWorld(t)
	s, ctx := w.s, w.ctx
	r := w.create(april())
	if r.Status != models.ReportDraft || r.Version != 1 || r.ServiceHours != 16050 || r.VolunteerHours.String() != "90.25" {
		t.Fatalf("new report: %+v", r)
	}
	// A draft is the organisation's own: staff do not see it yet.
	if _, err := s.Report(ctx, w.buyer, r.ID); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("staff reading a draft: %v", err)
	}
	if _, err := s.ApproveReport(ctx, w.buyer, r.ID, ""); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("approving a draft: %v", err)
	}
	if _, err := s.SubmitReport(ctx, w.member, r.ID); err != nil {
		t.Fatal(err)
	}
	// Submitted: no edit, no second submit; nothing changes.
	_, err := s.UpdateReport(ctx, w.member, r.ID, 1, setHours(10))
	if e := wantKind(t, err, models.ErrConflict); e.Key != "err.report_state" {
		t.Fatalf("editing a submitted report: %v", err)
	}
	if _, err := s.SubmitReport(ctx, w.member, r.ID); !errors.Is(err, models.ErrConflict) {
		t.Fatalf("submitting twice: %v", err)
	}
	if got := w.reload(r.ID); got.Version != 1 || got.ServiceHours != 16050 || got.Status != models.ReportSubmitted {
		t.Fatalf("after refused changes: %+v", got)
	}
	// The member cannot review its own report.
	if _, err := s.ApproveReport(ctx, w.member, r.ID, ""); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("member approving: %v", err)
	}
	// Returning needs a comment.
	if _, err := s.ReturnReport(ctx, w.buyer, r.ID, "  "); !errors.Is(err, models.ErrInvalid) {
		t.Fatalf("return without a comment: %v", err)
	}
	if _, err := s.ReturnReport(ctx, w.buyer, r.ID, "志愿服务时长与签到表不符，请核对。"); err != nil {
		t.Fatal(err)
	}
	w.wantRecipients(models.NotifyReportReturned, r.ID, []int64{w.member.UserID})
	got := w.reload(r.ID)
	if got.Status != models.ReportReturned || len(got.Comments) != 1 || got.Comments[0].Version != 1 || got.Comments[0].Event != "return" {
		t.Fatalf("returned: %+v", got)
	}
	if _, err := s.ApproveReport(ctx, w.buyer, r.ID, ""); !errors.Is(err, models.ErrConflict) {
		t.Fatalf("approving a returned report: %v", err)
	}
	// The fix is a new version, then it is submitted again.
	if _, err := s.UpdateReport(ctx, w.member, r.ID, 1, func(in *models.ReportInput) error { in.VolunteerHours = 60; return nil }); err != nil {
		t.Fatal(err)
	}
	if got = w.reload(r.ID); got.Status != models.ReportReturned || got.Version != 2 {
		t.Fatalf("fixed: %+v", got)
	}
	if _, err := s.SubmitReport(ctx, w.member, r.ID); err != nil {
		t.Fatal(err)
	}
	if ct, _ := s.Contract(ctx, w.buyer, w.contract.ID); ct.Status != models.ContractSigned {
		t.Fatalf("contract before any approval: %s", ct.Status)
	}
	if _, err := s.ApproveReport(ctx, w.buyer, r.ID, "材料齐全"); err != nil {
		t.Fatal(err)
	}
	w.wantRecipients(models.NotifyReportApproved, r.ID, []int64{w.member.UserID})
	if got = w.reload(r.ID); got.Status != models.ReportApproved || got.ReviewedAt == nil || len(got.Comments) != 2 {
		t.Fatalf("approved: %+v", got)
	}
	// The first approved report puts the contract in service.
	if ct, _ := s.Contract(ctx, w.buyer, w.contract.ID); ct.Status != models.ContractInService {
		t.Fatalf("contract after the first approval: %s", ct.Status)
	}
	for _, step := range []func() error{
		func() error { _, err := s.ApproveReport(ctx, w.buyer, r.ID, ""); return err },
		func() error { _, err := s.ReturnReport(ctx, w.buyer, r.ID, "再看看"); return err },
		func() error { _, err := s.UpdateReport(ctx, w.member, r.ID, 2, setHours(1)); return err },
		func() error { _, err := s.SubmitReport(ctx, w.member, r.ID); return err },
	} {
		if err := step(); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("a step on an approved report: %v", err)
		}
	}
	for action, want := range map[string]int64{"report.create": 1, "report.update": 1, "report.submit": 2, "report.return": 1, "report.approve": 1} {
		if n := w.countAudit(action, r.ID); n != want {
			t.Errorf("%s audited %d times, want %d", action, n, want)
		}
	}
}

func TestReportVersionsAndDiff(t *testing.T) {
	w := newReportWorld(t)
	s, ctx := w.s, w.ctx
	r := w.create(april())
	if _, err := s.UpdateReport(ctx, w.member, r.ID, 1, setHours(170)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SubmitReport(ctx, w.member, r.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReturnReport(ctx, w.buyer, r.ID, "请补充个案情况"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateReport(ctx, w.member, r.ID, 2, func(in *models.ReportInput) error {
		in.CasesOpened, in.Narrative = 5, "补充：新开个案5个。"
		in.Indicators[1].Value = 50
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	vs, err := s.ReportVersions(ctx, w.buyer, r.ID) // returned: staff read it
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 3 || vs[0].ServiceHours != 16050 || vs[1].ServiceHours != 17000 || vs[2].CasesOpened != 5 || vs[0].Narrative != april().Narrative ||
		len(vs[0].Indicators) != 2 || vs[2].Author != "机构1" {
		t.Fatalf("versions: %+v", vs)
	}
	if _, err := s.SubmitReport(ctx, w.member, r.ID); err != nil {
		t.Fatal(err)
	}
	v, err := s.ReportPage(ctx, w.buyer, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	// The changes since the version the reviewer returned (2), not since 1.
	var fields []string
	for _, c := range v.Changes {
		fields = append(fields, c.Field)
	}
	if v.Base == nil || v.Base.Version != 2 || !slices.Equal(fields, []string{"cases_opened", "indicators.children_served", "narrative"}) ||
		v.Changes[0].Before != "3" || v.Changes[0].After != "5" || !v.CanReview || v.CanEdit {
		t.Fatalf("review page: base %+v changes %+v", v.Base, v.Changes)
	}
}

// TestReportStaleVersionRefused: ten saves from the same base version at
// once: exactly one is stored, the others are 409 and change nothing.
func TestReportStaleVersionRefused(t *testing.T) {
	w := newReportWorld(t)
	r := w.create(april())
	const n = 10
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, errs[i] = w.s.UpdateReport(w.ctx, w.member, r.ID, 1, setHours(float64(100+i)))
		}(i)
	}
	wg.Wait()
	ok, stale := 0, 0
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil:
			ok, winner = ok+1, i
		case errors.Is(err, models.ErrConflict):
			stale++
		default:
			t.Fatalf("save %d: %v", i, err)
		}
	}
	if ok != 1 || stale != n-1 {
		t.Fatalf("%d saves stored, %d refused", ok, stale)
	}
	got := w.reload(r.ID)
	vs, _ := w.s.ReportVersions(w.ctx, w.member, r.ID)
	if got.Version != 2 || got.ServiceHours != models.Hours((100+winner)*100) || len(vs) != 2 {
		t.Fatalf("after the race: version %d hours %s, %d versions", got.Version, got.ServiceHours, len(vs))
	}
	// A save based on the old version now is refused too, with the
	// current version named.
	_, err := w.s.UpdateReport(w.ctx, w.member, r.ID, 1, setHours(1))
	if e := wantKind(t, err, models.ErrConflict); e.Key != "err.report_stale" || !strings.Contains(e.Detail, "version 2") {
		t.Fatalf("stale save: %v", err)
	}
	if _, err := w.s.UpdateReport(w.ctx, w.member, r.ID, 0, setHours(1)); !errors.Is(err, models.ErrInvalid) {
		t.Fatalf("a save without a version: %v", err)
	}
}

func flagCodes(r *models.ServiceReport) []string {
	var out []string
	for _, f := range r.Flags {
		out = append(out, f.Code)
	}
	return out
}

// TestReportFlags: each flag on its own, on a report that is otherwise
// plausible, and none on the plausible one.
func TestReportFlags(t *testing.T) {
	w := newReportWorld(t)
	plain := w.create(april())
	if len(plain.Flags) != 0 {
		t.Fatalf("a plausible report is flagged: %+v", plain.Flags)
	}
	cases := []struct {
		flag string
		edit func(*models.ReportInput)
	}{
		// 30 volunteer person-times hold at most 720 hours.
		{models.FlagVolunteerHoursPerDay, func(in *models.ReportInput) { in.VolunteerHours = 720.01 }},
		{models.FlagDistinctAbovePersonTimes, func(in *models.ReportInput) { in.ChildrenServedDistinct = 121 }},
		{models.FlagOutsideContractPeriod, func(in *models.ReportInput) { in.PeriodStart, in.PeriodEnd = "2026-03-15", "2026-03-31" }},
		// May does not overlap April; 2026-04-30 – 05-29 does.
		{models.FlagOverlappingPeriod, func(in *models.ReportInput) { in.PeriodStart, in.PeriodEnd = "2026-04-30", "2026-05-29" }},
		// 30 of 365 days of 500 children: 41.1 pro-rated; more than 3× is 123.3.
		{models.FlagFarAboveTarget, func(in *models.ReportInput) {
			in.PeriodStart, in.PeriodEnd = "2026-06-01", "2026-06-30"
			in.Indicators[1].Value = 123.5
		}},
	}
	for _, c := range cases {
		in := april()
		in.PeriodStart, in.PeriodEnd = "2026-05-01", "2026-05-30" // no overlap with the plain report
		c.edit(&in)
		r := w.create(in)
		if codes := flagCodes(r); !slices.Equal(codes, []string{c.flag}) {
			t.Errorf("%s: flags %v", c.flag, codes)
		}
		if err := w.s.DB.Exec("DELETE FROM service_report_versions WHERE report_id = ?", r.ID).Error; err != nil {
			t.Fatal(err)
		}
		if err := w.s.DB.Exec("DELETE FROM service_reports WHERE id = ?", r.ID).Error; err != nil {
			t.Fatal(err)
		}
	}
	// Just below each threshold, nothing.
	in := april()
	in.PeriodStart, in.PeriodEnd = "2026-06-01", "2026-06-30"
	in.VolunteerHours, in.ChildrenServedDistinct, in.Indicators[1].Value = 720, 120, 123
	if r := w.create(in); len(r.Flags) != 0 {
		t.Fatalf("at the thresholds: %+v", r.Flags)
	}
	// The plain report now overlaps none, the reviewer sees flags in the list.
	list, err := w.s.ContractReports(w.ctx, w.member, w.contract.ID)
	if err != nil || len(list) != 2 {
		t.Fatalf("list: %v %+v", err, list)
	}
}

func TestReportsOnlyForTheirOrganisationAndReviewers(t *testing.T) {
	w := newReportWorld(t)
	s, ctx := w.s, w.ctx
	r := w.create(april())
	if _, err := s.SubmitReport(ctx, w.member, r.ID); err != nil {
		t.Fatal(err)
	}
	other := w.agents[1]
	nanning := w.staffUser("qx-buyer", models.RoleProcurement, "450103")
	city := w.staffUser("nn-buyer", models.RoleProcurement, "4501")
	for name, a := range map[string]*models.Actor{"another organisation": other, "a neighbouring county's staff": nanning, "an expert": w.experts[0], "the public": models.Anonymous("198.51.100.1", s.Authz)} {
		if _, err := s.Report(ctx, a, r.ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("%s reads the report: %v", name, err)
		}
		if _, err := s.ContractReports(ctx, a, w.contract.ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("%s lists the reports: %v", name, err)
		}
		if _, err := s.CreateReport(ctx, a, w.contract.ID, april()); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("%s files a report: %v", name, err)
		}
		if _, err := s.ReturnReport(ctx, a, r.ID, "x"); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("%s returns the report: %v", name, err)
		}
	}
	// Staff review but do not file; the city above reviews too.
	if _, err := s.CreateReport(ctx, w.buyer, w.contract.ID, april()); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("staff filing a report: %v", err)
	}
	if _, err := s.ReturnReport(ctx, city, r.ID, "请补充签到表"); err != nil {
		t.Fatalf("the city's staff return it: %v", err)
	}
	if _, err := s.Report(ctx, w.buyer, 999999); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("no such report: %v", err)
	}
}

func TestReportFieldsValidated(t *testing.T) {
	w := newReportWorld(t)
	cases := []struct {
		field string
		edit  func(*models.ReportInput)
	}{
		{"period_start", func(in *models.ReportInput) { in.PeriodStart = "2026-02-30" }},
		{"period_end", func(in *models.ReportInput) { in.PeriodEnd = "" }},
		{"period_end", func(in *models.ReportInput) { in.PeriodEnd = "2026-03-31" }},
		{"period_end", func(in *models.ReportInput) { in.PeriodEnd = "2026-05-02" }}, // 32 days: longer than a month
		{"period_start", func(in *models.ReportInput) { in.PeriodStart = "1999-12-31" }},
		{"service_hours", func(in *models.ReportInput) { in.ServiceHours = 1.005 }},
		{"service_hours", func(in *models.ReportInput) { in.ServiceHours = -1 }},
		{"volunteer_hours", func(in *models.ReportInput) { in.VolunteerHours = 30*24*1000 + 0.01 }},
		{"service_hours", func(in *models.ReportInput) { in.ServiceHours = 1e300 }},
		{"volunteer_person_times", func(in *models.ReportInput) { in.VolunteerPersonTimes = -1 }},
		{"children_served_person_times", func(in *models.ReportInput) { in.ChildrenServedPersonTimes = 1_000_001 }},
		{"children_served_distinct", func(in *models.ReportInput) { in.ChildrenServedDistinct = 1 << 62 }},
		{"activities", func(in *models.ReportInput) { in.Activities = -5 }},
		{"cases_opened", func(in *models.ReportInput) { in.CasesOpened = 2_000_000 }},
		{"cases_closed", func(in *models.ReportInput) { in.CasesClosed = -1 }},
		{"indicators[0].indicator", func(in *models.ReportInput) { in.Indicators[0].Indicator = "home_visits" }},
		{"indicators[1].indicator", func(in *models.ReportInput) { in.Indicators[1].Indicator = "service_hours" }},
		{"indicators[1].value", func(in *models.ReportInput) { in.Indicators[1].Value = -1 }},
		{"indicators[1].value", func(in *models.ReportInput) { in.Indicators[1].Value = 0.333 }},
		{"narrative", func(in *models.ReportInput) { in.Narrative = strings.Repeat("字", 8001) }},
		{"narrative", func(in *models.ReportInput) { in.Narrative = "a\x00b" }},
	}
	for _, c := range cases {
		in := april()
		c.edit(&in)
		_, err := w.s.CreateReport(w.ctx, w.member, w.contract.ID, in)
		e := wantKind(t, err, models.ErrInvalid)
		if len(e.Fields) != 1 || e.Fields[0].Field != c.field {
			t.Errorf("%s: fields %+v", c.field, e.Fields)
		}
	}
	var n int64
	w.s.DB.Model(&models.ServiceReport{}).Count(&n)
	if n != 0 {
		t.Fatalf("%d reports stored from invalid input", n)
	}
	// The boundaries are accepted: a 31-day month, a month of hours.
	in := april()
	in.PeriodStart, in.PeriodEnd, in.ServiceHours = "2026-05-01", "2026-05-31", 31*24*1000
	w.create(in)
}

func TestApprovedTotalsCountOnlyApprovedReports(t *testing.T) {
	w := newReportWorld(t)
	s, ctx := w.s, w.ctx
	months := []string{"04", "05", "06", "07"}
	ends := []string{"30", "31", "30", "31"}
	var ids []int64
	for i, m := range months {
		in := april()
		in.PeriodStart, in.PeriodEnd = "2026-"+m+"-01", "2026-"+m+"-"+ends[i]
		in.ServiceHours, in.Indicators[1].Value = 100.25+float64(i), 10.1
		r := w.create(in)
		ids = append(ids, r.ID)
		if i < 3 {
			if _, err := s.SubmitReport(ctx, w.member, r.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, id := range ids[:2] {
		if _, err := s.ApproveReport(ctx, w.buyer, id, ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.ReturnReport(ctx, w.buyer, ids[2], "请核对"); err != nil {
		t.Fatal(err)
	}
	tot, err := models.ApprovedTotals(s, s.DB, w.contract.ID)
	if err != nil {
		t.Fatal(err)
	}
	if tot.Reports != 2 || tot.ServiceHours.String() != "201.5" || tot.VolunteerPersonTimes != 60 || tot.VolunteerHours.String() != "180.5" ||
		tot.ChildrenServedPersonTimes != 240 || tot.Activities != 12 || tot.CasesOpened != 6 || tot.CasesClosed != 2 ||
		tot.Indicators["children_served"] != 20.2 || tot.Indicators["service_hours"] != 321 {
		t.Fatalf("totals: %+v", tot)
	}
	if tot, _ := models.ApprovedTotals(s, s.DB, 999999); tot.Reports != 0 || len(tot.Indicators) != 0 {
		t.Fatalf("no reports: %+v", tot)
	}
}

// TestSignContractReportInterval: the contract's interval is chosen at
// signing, monthly by default; a quarterly contract takes 92-day reports.
func TestSignContractReportInterval(t *testing.T) {
	w := newWorld(t)
	tender := w.awarded()
	plan := []models.PlanLine{{Percent: 30, Condition: "signing"}, {Percent: 70, Condition: "acceptance"}}
	w.now = tender.AwardedAt.Add(20 * 24 * time.Hour)
	_, err := w.s.SignContract(w.ctx, w.buyer, tender.ID, plan, "weekly")
	if e := wantKind(t, err, models.ErrInvalid); len(e.Fields) != 1 || e.Fields[0].Field != "report_interval" {
		t.Fatalf("a weekly interval: %v", err)
	}
	c, err := w.s.SignContract(w.ctx, w.buyer, tender.ID, plan, models.ReportQuarterly)
	if err != nil || c.ReportInterval != models.ReportQuarterly {
		t.Fatalf("quarterly contract: %+v %v", c, err)
	}
	in := april()
	in.PeriodStart, in.PeriodEnd, in.Indicators = "2026-04-01", "2026-06-30", nil
	if _, err := w.s.CreateReport(w.ctx, w.agents[2], c.ID, in); err != nil {
		t.Fatalf("a quarter's report: %v", err)
	}
	in.PeriodEnd = "2026-07-02"
	if _, err := w.s.CreateReport(w.ctx, w.agents[2], c.ID, in); !errors.Is(err, models.ErrInvalid) {
		t.Fatalf("93 days: %v", err)
	}
	if got := fmt.Sprint(c.ReportInterval); got != "quarterly" {
		t.Fatal(got)
	}
}
