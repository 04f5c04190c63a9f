package models_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"portal/models"
)

// supWorld is reportWorld's contract (C0603, in service by the clock) with
// a plan of signing 30 / midterm 40 / acceptance 30 and two supervisors of
// Nanning assigned.
type supWorld struct {
	*reportWorld
	sups []*models.Actor
}

func newSupWorld(t *testing.T) *supWorld {
	t.Helper()
	w := &supWorld{reportWorld: newReportWorld(t)}
	for i, p := range []struct {
		pct  int
		cond string
	}{{30, "signing"}, {40, "midterm"}, {30, "acceptance"}} {
		st := models.TranchePlanned
		if p.cond == "signing" {
			st = models.TrancheDue
		}
		tr := models.Tranche{ContractID: w.contract.ID, Seq: i + 1, Kind: models.PaymentTranche, Percent: p.pct, Condition: p.cond,
			AmountFen: w.contract.AmountFen * int64(p.pct) / 100, Status: st}
		if err := w.s.DB.Create(&tr).Error; err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 2; i++ {
		w.sups = append(w.sups, w.staffUser(fmt.Sprintf("sup%d", i+1), models.RoleSupervisor, "4501"))
	}
	w.assign(w.sups...)
	return w
}

func (w *supWorld) assign(sups ...*models.Actor) {
	w.t.Helper()
	ids := []int64{}
	for _, s := range sups {
		ids = append(ids, s.UserID)
	}
	if _, err := w.s.SetSupervisors(w.ctx, w.buyer, w.contract.ID, models.SupervisorsInput{SupervisorIDs: ids}); err != nil {
		w.t.Fatal(err)
	}
}

// share scores every C0603 indicator at the same fraction of its weight
// (the catalogue's weights: children_served 15, home_visits 15,
// service_hours 10, case_closure_rate 15, benefits_linked 20,
// budget_execution_rate 10, satisfaction_rate 15).
func share(f float64) map[string]float64 {
	weights := map[string]float64{"children_served": 15, "home_visits": 15, "service_hours": 10, "case_closure_rate": 15,
		"benefits_linked": 20, "budget_execution_rate": 10, "satisfaction_rate": 15}
	out := map[string]float64{}
	for k, wt := range weights {
		out[k] = float64(int64(wt*f*100+0.5)) / 100
	}
	return out
}

func (w *supWorld) evaluate(sup *models.Actor, phase string, scores map[string]float64) *models.Evaluation {
	w.t.Helper()
	e, err := w.s.RecordEvaluation(w.ctx, sup, w.contract.ID, models.EvaluationInput{Phase: phase, Scores: scores})
	if err != nil {
		w.t.Fatal(err)
	}
	return e
}

func (w *supWorld) tranche(cond string) string {
	w.t.Helper()
	var tr models.Tranche
	if err := w.s.DB.Where("contract_id = ? AND condition = ?", w.contract.ID, cond).First(&tr).Error; err != nil {
		w.t.Fatal(err)
	}
	return tr.Status
}

func (w *supWorld) phases() []models.PhaseResult {
	w.t.Helper()
	ev, err := w.s.ContractEvaluationsOf(w.ctx, w.buyer, w.contract.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	return ev.Phases
}

func (w *supWorld) count(table string) int64 {
	var n int64
	w.s.DB.Table(table).Count(&n)
	return n
}

func TestEvaluationGradesByHandForEachCatalogueItem(t *testing.T) {
	w := newSupWorld(t)
	// Every item of the 2026 catalogue: its indicators' weights sum to 100,
	// and an evaluation scoring each at its weight minus a known loss
	// totals 100 minus the losses.
	var items []models.CatalogueItem
	w.s.DB.Where("code LIKE ?", "C06%").Order("code").Find(&items)
	if len(items) < 7 {
		t.Fatalf("%d items of C06", len(items))
	}
	for n, it := range items {
		var inds []models.CatalogueIndicator
		w.s.DB.Where("item_id = ?", it.ID).Order("sort_order").Find(&inds)
		if len(inds) == 0 {
			continue
		}
		in := w.tenderInput()
		in.CatalogueCode = it.Code
		in.Targets = []models.Target{{Indicator: inds[0].Key, Value: 120}}
		tender, err := w.s.CreateTender(w.ctx, w.buyer, in)
		if err != nil {
			t.Fatalf("%s: %v", it.Code, err)
		}
		c := &models.Contract{Number: fmt.Sprintf("HT-X-%d", n), TenderID: tender.ID, OrganisationID: w.orgs[1], RegionCode: "450102",
			AmountFen: 100_000_00, ServiceStart: "2026-04-01", ServiceEnd: "2027-03-31", Status: models.ContractSigned,
			ReportInterval: models.ReportMonthly, SignedAt: w.now, SignedBy: w.buyer.UserID, CreatedAt: w.now, UpdatedAt: w.now}
		if err := w.s.DB.Create(c).Error; err != nil {
			t.Fatal(err)
		}
		w.s.DB.Create(&models.ContractTarget{ContractID: c.ID, Indicator: inds[0].Key, Value: 120})
		if _, err := w.s.SetSupervisors(w.ctx, w.buyer, c.ID, models.SupervisorsInput{SupervisorIDs: []int64{w.sups[0].UserID}}); err != nil {
			t.Fatal(err)
		}
		// Losses: 0.25 on the first indicator, 1.5 on the second, the
		// third scored 0; the rest full.
		scores, sum, want := map[string]float64{}, 0, 100.0
		for i, ind := range inds {
			sum += ind.Weight
			v := float64(ind.Weight)
			switch i {
			case 0:
				v -= 0.25
			case 1:
				v -= 1.5
			case 2:
				v = 0
			}
			want -= float64(ind.Weight) - v
			scores[ind.Key] = v
		}
		if sum != 100 {
			t.Fatalf("%s: weights sum to %d", it.Code, sum)
		}
		e, err := w.s.RecordEvaluation(w.ctx, w.sups[0], c.ID, models.EvaluationInput{Phase: models.PhaseMidterm, Scores: scores})
		if err != nil {
			t.Fatalf("%s: %v", it.Code, err)
		}
		wantGrade := map[bool]string{true: models.GradeGood, false: models.GradePass}[want >= 80]
		if want >= 90 {
			wantGrade = models.GradeExcellent
		}
		if fmt.Sprint(e.Total) != fmt.Sprintf("%g", want) || e.Grade != wantGrade || len(e.Indicators) != len(inds) {
			t.Fatalf("%s: total %v grade %s (%d rows), want %g %s", it.Code, e.Total, e.Grade, len(e.Indicators), want, wantGrade)
		}
		row := e.Indicators[0]
		if row.Indicator != inds[0].Key || row.Weight != inds[0].Weight || row.Target == nil || *row.Target != 120 ||
			fmt.Sprint(row.Points) != fmt.Sprintf("%g", float64(inds[0].Weight)-0.25) {
			t.Fatalf("%s: first row %+v", it.Code, row)
		}
		// The answer's shape is the API's.
		b, _ := json.Marshal(e)
		for _, k := range []string{`"id"`, `"phase":"midterm"`, `"total":`, `"grade":`, `"indicators":[{"indicator":`, `"weight":`, `"target":120`, `"actual":0`, `"points":`} {
			if !strings.Contains(string(b), k) {
				t.Fatalf("%s: %s lacks %s", it.Code, b, k)
			}
		}
	}
}

func TestGradeBoundaries(t *testing.T) {
	w := newSupWorld(t)
	w.assign(w.sups[0])
	// 89.99 is good, 90 excellent; 60 pass, 59.99 fail: single evaluations.
	for _, tc := range []struct {
		phase string
		loss  float64
		grade string
	}{{models.PhaseMidterm, 10.01, models.GradeGood}, {models.PhaseFinal, 10, models.GradeExcellent}} {
		sc := share(1)
		sc["benefits_linked"] -= tc.loss
		if e := w.evaluate(w.sups[0], tc.phase, sc); e.Grade != tc.grade {
			t.Fatalf("loss %v: %s %v", tc.loss, e.Grade, e.Total)
		}
	}
}

func TestPhaseMeanIsExact(t *testing.T) {
	w := newSupWorld(t)
	third := w.staffUser("sup3", models.RoleSupervisor, "450102")
	w.assign(w.sups[0], w.sups[1], third)
	// 89.99 + 90 + 90 = 269.99, / 3 = 89.99666… → 90.00: excellent, though
	// one supervisor graded it good.
	a := share(1)
	a["benefits_linked"] = 9.99
	b := share(1)
	b["benefits_linked"] = 10
	w.evaluate(w.sups[0], models.PhaseMidterm, a)
	w.evaluate(w.sups[1], models.PhaseMidterm, b)
	// Two of three: (89.99 + 90) / 2 = 89.995 → 90.00 (half up), not
	// complete.
	if p := w.phases()[0]; p.Complete || p.Mean == nil || fmt.Sprint(*p.Mean) != "90" {
		t.Fatalf("two of three: %+v", p)
	}
	if w.tranche("midterm") != models.TranchePlanned {
		t.Fatal("the midterm tranche is due before the phase is complete")
	}
	w.evaluate(third, models.PhaseMidterm, b)
	p := w.phases()[0]
	if !p.Complete || fmt.Sprint(*p.Mean) != "90" || p.Grade != models.GradeExcellent {
		t.Fatalf("complete midterm: %+v", p)
	}
	if w.tranche("midterm") != models.TrancheDue {
		t.Fatal("a passing complete midterm leaves the midterm tranche planned")
	}
	// Half-down: 59.99 and 59.98 → 59.985 → 59.99, a fail by the mean.
	w2 := newSupWorld(t)
	x, y := share(1), share(1)
	x["benefits_linked"], y["benefits_linked"] = 0, 0
	x["budget_execution_rate"], y["budget_execution_rate"] = 0, 0
	x["service_hours"], y["service_hours"] = 0, 0
	x["satisfaction_rate"], y["satisfaction_rate"] = 14.99, 14.98 // 59.99, 59.98
	w2.evaluate(w2.sups[0], models.PhaseMidterm, x)
	w2.evaluate(w2.sups[1], models.PhaseMidterm, y)
	if p := w2.phases()[0]; !p.Complete || fmt.Sprint(*p.Mean) != "59.99" || p.Grade != models.GradeFail {
		t.Fatalf("failing mean: %+v", p)
	}
	if w2.tranche("midterm") != models.TranchePlanned {
		t.Fatal("a failing midterm made the midterm tranche due")
	}
}

func TestEvaluationRefusals(t *testing.T) {
	w := newSupWorld(t)
	s, ctx := w.s, w.ctx
	before := w.count("supervision_evaluations")
	bad := func(name string, a *models.Actor, in models.EvaluationInput, kind error, field string) {
		t.Helper()
		_, err := s.RecordEvaluation(ctx, a, w.contract.ID, in)
		expectKind(t, err, kind, name)
		if field != "" {
			var e *models.Error
			if !errors.As(err, &e) || len(e.Fields) == 0 || e.Fields[0].Field != field {
				t.Fatalf("%s: %v, want field %s", name, err, field)
			}
		}
		if n := w.count("supervision_evaluations"); n != before {
			t.Fatalf("%s: %d evaluations stored", name, n-before)
		}
	}
	over := share(1)
	over["benefits_linked"] = 20.01
	bad("above the weight", w.sups[0], models.EvaluationInput{Phase: "midterm", Scores: over}, models.ErrInvalid, "scores.benefits_linked")
	neg := share(1)
	neg["home_visits"] = -1
	bad("below zero", w.sups[0], models.EvaluationInput{Phase: "midterm", Scores: neg}, models.ErrInvalid, "scores.home_visits")
	fine := share(1)
	fine["home_visits"] = 10.123
	bad("three decimals", w.sups[0], models.EvaluationInput{Phase: "midterm", Scores: fine}, models.ErrInvalid, "scores.home_visits")
	missing := share(1)
	delete(missing, "satisfaction_rate")
	bad("a missing indicator", w.sups[0], models.EvaluationInput{Phase: "midterm", Scores: missing}, models.ErrInvalid, "scores.satisfaction_rate")
	extra := share(1)
	extra["charm"] = 1
	bad("an unknown indicator", w.sups[0], models.EvaluationInput{Phase: "midterm", Scores: extra}, models.ErrInvalid, "scores.charm")
	bad("a bad phase", w.sups[0], models.EvaluationInput{Phase: "early", Scores: share(1)}, models.ErrInvalid, "phase")
	outsider := w.staffUser("sup-out", models.RoleSupervisor, "450102")
	bad("a supervisor not assigned", outsider, models.EvaluationInput{Phase: "midterm", Scores: share(1)}, models.ErrNotFound, "")
	bad("the buyer", w.buyer, models.EvaluationInput{Phase: "midterm", Scores: share(1)}, models.ErrForbidden, "")
	bad("the agency", w.member, models.EvaluationInput{Phase: "midterm", Scores: share(1)}, models.ErrForbidden, "")
	w.evaluate(w.sups[0], models.PhaseFinal, share(0.95))
	before = w.count("supervision_evaluations")
	bad("a second final by the same supervisor", w.sups[0], models.EvaluationInput{Phase: "final", Scores: share(0.9)}, models.ErrConflict, "")
	// The supervisor not assigned does not see the contract at all.
	_, err := s.Contract(ctx, outsider, w.contract.ID)
	expectKind(t, err, models.ErrNotFound, "an unassigned supervisor reading the contract")
	if c, err := s.Contract(ctx, w.sups[1], w.contract.ID); err != nil || len(c.Supervisors) != 2 || c.Status != models.ContractUnderAcceptance {
		t.Fatalf("an assigned supervisor reads the contract: %+v %v", c, err)
	}
}

func TestAssignmentRules(t *testing.T) {
	w := newSupWorld(t)
	s, ctx := w.s, w.ctx
	far := w.staffUser("sup-far", models.RoleSupervisor, "4502") // Liuzhou
	declared := w.staffUser("sup-rel", models.RoleSupervisor, "4501")
	if _, err := s.DeclareRelation(ctx, declared, models.DeclarationInput{OrganisationID: w.orgs[0], Relation: "director", Note: "曾任理事"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		id   int64
		code string
	}{{"a supervisor of another region", far.UserID, "sv_supervisor"}, {"an expert", w.experts[0].UserID, "sv_supervisor"},
		{"a declared director", declared.UserID, "sv_declared"}, {"a member of the organisation", w.member.UserID, "sv_supervisor"}} {
		_, err := s.SetSupervisors(ctx, w.buyer, w.contract.ID, models.SupervisorsInput{SupervisorIDs: []int64{w.sups[0].UserID, tc.id}})
		var e *models.Error
		if !errors.As(err, &e) || e.Kind != models.ErrInvalid || len(e.Fields) != 1 || e.Fields[0].Field != "supervisor_ids[1]" || e.Fields[0].Code != tc.code {
			t.Fatalf("%s: %v", tc.name, err)
		}
	}
	if c, _ := s.Contract(ctx, w.buyer, w.contract.ID); len(c.Supervisors) != 2 {
		t.Fatalf("a refused assignment changed the supervisors: %+v", c.Supervisors)
	}
	_, err := s.SetSupervisors(ctx, w.sups[0], w.contract.ID, models.SupervisorsInput{SupervisorIDs: []int64{w.sups[0].UserID}})
	expectKind(t, err, models.ErrForbidden, "a supervisor assigning")
	_, err = s.SetSupervisors(ctx, w.member, w.contract.ID, models.SupervisorsInput{SupervisorIDs: nil})
	expectKind(t, err, models.ErrForbidden, "the agency assigning")
	// Replacing the set: the second supervisor no longer sees it.
	w.assign(w.sups[0])
	_, err = s.Contract(ctx, w.sups[1], w.contract.ID)
	expectKind(t, err, models.ErrNotFound, "an unassigned supervisor")
}

func TestRectificationAndAcceptance(t *testing.T) {
	w := newSupWorld(t)
	s, ctx := w.s, w.ctx
	// A failing midterm by one supervisor opens a rectification by itself.
	w.evaluate(w.sups[0], models.PhaseMidterm, share(0.5))
	rs, err := s.ContractRectifications(ctx, w.member, w.contract.ID)
	if err != nil || len(rs) != 1 || rs[0].Status != models.RectOpen || rs[0].EvaluationID == nil || rs[0].DueOn != "2026-06-02" {
		t.Fatalf("the failing evaluation's rectification: %+v %v", rs, err)
	}
	auto := rs[0]
	// A visit's finding opens another.
	v, err := s.RecordVisit(ctx, w.sups[1], w.contract.ID, models.VisitInput{VisitedOn: "2026-05-02", Findings: "签到表缺失", FollowUps: "补齐签到表"})
	if err != nil {
		t.Fatal(err)
	}
	r2, err := s.OpenRectification(ctx, w.sups[1], w.contract.ID, models.RectificationInput{Issue: "补齐四月签到表", DueOn: "2026-05-20", VisitID: &v.ID})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.OpenRectification(ctx, w.sups[1], w.contract.ID, models.RectificationInput{Issue: "x", DueOn: "2026-05-01"})
	expectKind(t, err, models.ErrInvalid, "a due date in the past")
	// The final phase passes: the contract is under acceptance, but two
	// rectifications are open.
	w.evaluate(w.sups[0], models.PhaseFinal, share(0.9))
	w.evaluate(w.sups[1], models.PhaseFinal, share(0.85))
	_, err = s.AcceptContract(ctx, w.buyer, w.contract.ID)
	expectKind(t, err, models.ErrConflict, "acceptance with open rectifications")
	if e, _ := models.AsError(err); !strings.Contains(e.Detail, fmt.Sprintf("#%d", auto.ID)) || !strings.Contains(e.Detail, fmt.Sprintf("#%d", r2.ID)) {
		t.Fatalf("the refusal does not name them: %v", err)
	}
	// Verification before a response, and by the agency, are refused.
	passed, failed := true, false
	_, err = s.VerifyRectification(ctx, w.sups[0], auto.ID, models.VerifyInput{Passed: &passed})
	expectKind(t, err, models.ErrConflict, "verifying an open rectification")
	for _, r := range []int64{auto.ID, r2.ID} {
		if _, err := s.RespondRectification(ctx, w.member, r, models.RespondInput{Response: "已整改，附签到表。"}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = s.RespondRectification(ctx, w.member, auto.ID, models.RespondInput{Response: "x"})
	expectKind(t, err, models.ErrConflict, "responding twice")
	_, err = s.RespondRectification(ctx, w.sups[0], auto.ID, models.RespondInput{Response: "x"})
	expectKind(t, err, models.ErrForbidden, "a supervisor responding")
	_, err = s.VerifyRectification(ctx, w.member, auto.ID, models.VerifyInput{Passed: &passed})
	expectKind(t, err, models.ErrForbidden, "the agency verifying")
	outsider := w.staffUser("sup-out", models.RoleSupervisor, "450102")
	_, err = s.VerifyRectification(ctx, outsider, auto.ID, models.VerifyInput{Passed: &passed})
	expectKind(t, err, models.ErrNotFound, "an unassigned supervisor verifying")
	if r, _ := s.ContractRectifications(ctx, w.buyer, w.contract.ID); r[1].Status != models.RectResponded {
		t.Fatalf("a refused verification changed it: %+v", r[1])
	}
	// Not passed: open again; passed: closed.
	if r, err := s.VerifyRectification(ctx, w.sups[1], r2.ID, models.VerifyInput{Passed: &failed, Comment: "签到表仍不全"}); err != nil || r.Status != models.RectOpen {
		t.Fatalf("not passed: %+v %v", r, err)
	}
	if _, err := s.VerifyRectification(ctx, w.sups[0], auto.ID, models.VerifyInput{Passed: &passed}); err != nil {
		t.Fatal(err)
	}
	_, err = s.AcceptContract(ctx, w.sups[0], w.contract.ID)
	if e, _ := models.AsError(err); e == nil || e.Kind != models.ErrConflict || !strings.Contains(e.Detail, fmt.Sprintf("#%d", r2.ID)) || strings.Contains(e.Detail, fmt.Sprintf("#%d ", auto.ID)) {
		t.Fatalf("one open: %v", err)
	}
	// Overdue once its date has passed.
	w.now = time.Date(2026, 5, 21, 9, 0, 0, 0, time.UTC)
	if r, _ := s.ContractRectifications(ctx, w.buyer, w.contract.ID); !r[0].Overdue || r[1].Overdue {
		t.Fatalf("overdue: %+v", r)
	}
	s.RespondRectification(ctx, w.member, r2.ID, models.RespondInput{Response: "已补齐。"})
	if _, err := s.VerifyRectification(ctx, w.sups[1], r2.ID, models.VerifyInput{Passed: &passed}); err != nil {
		t.Fatal(err)
	}
	if w.tranche("acceptance") != models.TranchePlanned {
		t.Fatal("the acceptance tranche is due before acceptance")
	}
	_, err = s.AcceptContract(ctx, w.member, w.contract.ID)
	expectKind(t, err, models.ErrForbidden, "the agency accepting")
	c, err := s.AcceptContract(ctx, w.sups[1], w.contract.ID)
	if err != nil || c.Status != models.ContractAccepted {
		t.Fatalf("acceptance: %+v %v", c, err)
	}
	if w.tranche("acceptance") != models.TrancheDue {
		t.Fatal("acceptance leaves the acceptance tranche planned")
	}
	_, err = s.AcceptContract(ctx, w.buyer, w.contract.ID)
	expectKind(t, err, models.ErrConflict, "accepting twice")
}

func TestAcceptanceNeedsCompletePassingFinal(t *testing.T) {
	w := newSupWorld(t)
	s, ctx := w.s, w.ctx
	_, err := s.AcceptContract(ctx, w.buyer, w.contract.ID)
	expectKind(t, err, models.ErrConflict, "acceptance in service")
	w.evaluate(w.sups[0], models.PhaseFinal, share(0.9))
	_, err = s.AcceptContract(ctx, w.buyer, w.contract.ID)
	if e, _ := models.AsError(err); e == nil || e.Key != "err.final_incomplete" {
		t.Fatalf("one of two finals: %v", err)
	}
}

func TestFailBarRefusesBidsAndLifts(t *testing.T) {
	w := newSupWorld(t)
	s, ctx := w.s, w.ctx
	w.evaluate(w.sups[0], models.PhaseFinal, share(0.5))
	// One of two: no bar yet.
	var n int64
	s.DB.Model(&models.OrganisationBar{}).Count(&n)
	if n != 0 {
		t.Fatal("a bar before the phase is complete")
	}
	w.evaluate(w.sups[1], models.PhaseFinal, share(0.6)) // mean 55: fail
	barredAt := w.now
	tender := w.published()
	_, err := s.SaveBid(ctx, w.agents[0], tender.ID, models.BidInput{PriceFen: 200_000_00, Proposal: "方案",
		Team: []models.TeamMember{{StaffID: w.staff[0], Role: "项目主管"}}})
	if e, _ := models.AsError(err); e == nil || e.Kind != models.ErrConflict || e.Key != "err.org_fail_bar" {
		t.Fatalf("a barred organisation's bid: %v", err)
	}
	// Another organisation bids as before.
	if _, err := s.SaveBid(ctx, w.agents[1], tender.ID, models.BidInput{PriceFen: 200_000_00, Proposal: "方案",
		Team: []models.TeamMember{{StaffID: w.staff[1], Role: "项目主管"}}}); err != nil {
		t.Fatal(err)
	}
	grades, err := s.OrganisationGrades(ctx, w.buyer, w.orgs[0])
	if err != nil || len(grades) != 2 || grades[0].Phase != models.PhaseFinal || grades[0].TenderCode == "" || fmt.Sprint(grades[0].Total) != "60" {
		t.Fatalf("grades: %+v %v", grades, err)
	}
	_, err = s.OrganisationGrades(ctx, w.agents[1], w.orgs[0])
	expectKind(t, err, models.ErrNotFound, "another organisation's grades")
	// A year later the bar has lifted.
	w.now = barredAt.Add(365*24*time.Hour + time.Minute)
	t2 := w.published()
	if _, err := s.SaveBid(ctx, w.agents[0], t2.ID, models.BidInput{PriceFen: 200_000_00, Proposal: "方案",
		Team: []models.TeamMember{{StaffID: w.staff[0], Role: "项目主管"}}}); err != nil {
		t.Fatalf("after the bar: %v", err)
	}
}

func TestLastMidtermsInParallelMakeTheTrancheDue(t *testing.T) {
	w := newSupWorld(t)
	// Both supervisors record a passing midterm at once: each transaction
	// locks the contract, so the later one sees the phase complete.
	errs := make(chan error, 2)
	for _, sup := range w.sups {
		go func(a *models.Actor) {
			_, err := w.s.RecordEvaluation(w.ctx, a, w.contract.ID, models.EvaluationInput{Phase: models.PhaseMidterm, Scores: share(0.8)})
			errs <- err
		}(sup)
	}
	for range w.sups {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if p := w.phases()[0]; !p.Complete || p.Grade != models.GradeGood {
		t.Fatalf("midterm: %+v", p)
	}
	if w.tranche("midterm") != models.TrancheDue {
		t.Fatal("the midterm tranche stayed planned")
	}
}
