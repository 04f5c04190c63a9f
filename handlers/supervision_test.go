package handlers_test

import (
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"portal/models"
)

// supEnv is reportEnv's contract (C0603, in service) with two supervisors
// assigned over the API and a supervisor of the region not assigned.
type supEnv struct {
	*reportEnv
	sup1, sup2, outsider *client
}

func newSupEnv(t *testing.T) *supEnv {
	t.Helper()
	w := &supEnv{reportEnv: newReportEnv(t)}
	w.sup1 = w.e.staff("sup-a", models.RoleSupervisor, "4501")
	w.sup2 = w.e.staff("sup-b", models.RoleSupervisor, "450102")
	w.outsider = w.e.staff("sup-c", models.RoleSupervisor, "450102")
	ids := []int64{w.e.actor("sup-a").UserID, w.e.actor("sup-b").UserID}
	if s, b := w.buyer.do("PUT", "/api/v1/contracts/"+itoa(w.contract)+"/supervisors", map[string]any{"supervisor_ids": ids}); s != 200 ||
		!strings.Contains(string(b), `"supervisors":[{"id":`) {
		t.Fatalf("assign: %d %s", s, b)
	}
	return w
}

// c0603Scores scores every C0603 indicator at its weight minus loss on
// benefits_linked (weight 20).
func c0603Scores(loss float64) map[string]any {
	sc := map[string]any{"children_served": 15, "home_visits": 15, "service_hours": 10, "case_closure_rate": 15,
		"benefits_linked": 20 - loss, "budget_execution_rate": 10, "satisfaction_rate": 15}
	return sc
}

func TestSupervisionAPI(t *testing.T) {
	w := newSupEnv(t)
	cp := "/api/v1/contracts/" + itoa(w.contract)
	// The unassigned supervisor sees nothing of the contract.
	for _, p := range []string{cp, cp + "/evaluations", cp + "/rectifications", cp + "/visits"} {
		if s, b := w.outsider.do("GET", p, nil); s != 404 {
			t.Fatalf("unassigned GET %s: %d %s", p, s, b)
		}
	}
	if s, b := w.outsider.do("POST", cp+"/evaluations", map[string]any{"phase": "midterm", "scores": c0603Scores(0)}); s != 404 {
		t.Fatalf("unassigned evaluation: %d %s", s, b)
	}
	org := w.e.actor("rep-agent").OrganisationID
	// The outsider declares a relation on the organisation's page: it
	// cannot be assigned.
	if s, b := w.outsider.do("GET", "/organisations/"+itoa(*org), nil); s != 200 || !strings.Contains(string(b), `id="sv-declare-form"`) {
		t.Fatalf("declaration form: %d", s)
	}
	// A refused declaration comes back on the organisation's page, next
	// to its field, with what was typed.
	if s, b := w.outsider.form("/organisations/"+itoa(*org)+"/declarations", url.Values{"relation": {"cousin"}, "note": {"表亲关系"}}); s != 422 ||
		!strings.Contains(string(b), `id="e-relation"`) || !strings.Contains(string(b), "表亲关系") || !strings.Contains(string(b), `id="sv-declare" open`) {
		t.Fatalf("a refused declaration: %d\n%s", s, tpText(string(b)))
	}
	if s, _ := w.outsider.form("/organisations/"+itoa(*org)+"/declarations", url.Values{"relation": {"employed"}, "note": {"兼职"}}); s != 303 {
		t.Fatalf("declaration: %d", s)
	}
	if s, b := w.buyer.do("PUT", cp+"/supervisors", map[string]any{"supervisor_ids": []int64{w.e.actor("sup-c").UserID}}); s != 422 ||
		!strings.Contains(string(b), "supervisor_ids[0]") {
		t.Fatalf("assigning a declared supervisor: %d %s", s, b)
	}
	if s, b := w.sup1.do("GET", cp, nil); s != 200 {
		t.Fatalf("assigned supervisor reads the contract: %d %s", s, b)
	}
	// Bad input: each a clear error and nothing stored.
	for _, tc := range []struct {
		name   string
		body   any
		status int
		field  string
	}{
		{"above weight", map[string]any{"phase": "midterm", "scores": c0603Scores(-0.5)}, 422, "scores.benefits_linked"},
		{"missing", map[string]any{"phase": "midterm", "scores": map[string]any{"children_served": 15}}, 422, "scores.home_visits"},
		{"huge", map[string]any{"phase": "midterm", "scores": map[string]any{"children_served": 1e300}}, 422, "scores.children_served"},
		{"not a number", `{"phase":"midterm","scores":{"children_served":"x"}}`, 400, ""},
		{"NUL comment", map[string]any{"phase": "midterm", "scores": c0603Scores(0), "comment": "a\x00b"}, 422, "comment"},
		{"long comment", map[string]any{"phase": "midterm", "scores": c0603Scores(0), "comment": strings.Repeat("长", 100_000)}, 422, "comment"},
		{"NUL key", map[string]any{"phase": "midterm", "scores": map[string]any{"\x00": 1}}, 422, ""},
	} {
		var s int
		var b []byte
		if str, ok := tc.body.(string); ok {
			s, b = w.sup1.raw("POST", cp+"/evaluations", "application/json", []byte(str))
		} else {
			s, b = w.sup1.do("POST", cp+"/evaluations", tc.body)
		}
		if s != tc.status || tc.field != "" && !strings.Contains(strings.Join(fieldsOf(t, b), ","), tc.field) {
			t.Fatalf("%s: %d %s", tc.name, s, b)
		}
	}
	if s, b := w.buyer.do("GET", cp+"/evaluations", nil); s != 200 || !strings.Contains(string(b), `"items":[]`) {
		t.Fatalf("refused evaluations stored: %d %s", s, b)
	}
	// Two parallel final evaluations by one supervisor: exactly one 201.
	var wg sync.WaitGroup
	codes := make([]int, 4)
	for i := range codes {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			codes[i], _ = w.sup1.do("POST", cp+"/evaluations", map[string]any{"phase": "final", "scores": c0603Scores(0)})
		}(i)
	}
	wg.Wait()
	created := 0
	for _, c := range codes {
		switch c {
		case 201:
			created++
		case 409:
		default:
			t.Fatalf("parallel finals: %v", codes)
		}
	}
	if created != 1 {
		t.Fatalf("parallel finals: %v", codes)
	}
	// The agency may not verify; a rectification by the second
	// supervisor, answered, verified by it.
	s, b := w.sup2.do("POST", cp+"/rectifications", map[string]any{"issue": "补齐签到表", "due_on": "2027-01-15"})
	if s != 201 || !strings.Contains(string(b), `"status":"open"`) {
		t.Fatalf("rectification: %d %s", s, b)
	}
	r := decode[struct{ ID int64 }](t, b)
	rp := "/api/v1/rectifications/" + itoa(r.ID)
	if s, b := w.member.do("POST", rp+"/verify", map[string]any{"passed": true}); s != 403 {
		t.Fatalf("agency verifies: %d %s", s, b)
	}
	if s, b := w.otherOrg.do("POST", rp+"/respond", map[string]any{"response": "x"}); s != 404 {
		t.Fatalf("another organisation responds: %d %s", s, b)
	}
	if s, b := w.member.do("POST", rp+"/respond", map[string]any{"response": "已补齐"}); s != 200 || !strings.Contains(string(b), `"status":"responded"`) {
		t.Fatalf("respond: %d %s", s, b)
	}
	if s, b := w.member.orgUpload(rp+"/attachments", "", "签到表.png", pngBytes); s != 201 {
		t.Fatalf("rectification file: %d %s", s, b)
	}
	if s, b := w.member.orgUpload(rp+"/attachments", "", "x.txt", []byte("plain text")); s != 422 && s != 415 {
		t.Fatalf("a text file: %d %s", s, b)
	}
	if s, b := w.sup1.do("POST", rp+"/verify", map[string]any{}); s != 422 {
		t.Fatalf("verify without passed: %d %s", s, b)
	}
	if s, b := w.sup1.do("POST", rp+"/verify", map[string]any{"passed": true, "comment": "已核实"}); s != 200 || !strings.Contains(string(b), `"status":"closed"`) {
		t.Fatalf("verify: %d %s", s, b)
	}
	// Acceptance before the second final: 409 naming it; after: accepted.
	if s, b := w.buyer.do("POST", cp+"/accept", nil); s != 409 || !strings.Contains(string(b), "1 of 2") {
		t.Fatalf("accept with an incomplete final: %d %s", s, b)
	}
	if s, b := w.sup2.do("POST", cp+"/evaluations", map[string]any{"phase": "final", "scores": c0603Scores(5)}); s != 201 || !strings.Contains(string(b), `"total":95`) ||
		!strings.Contains(string(b), `"grade":"excellent"`) || !strings.Contains(string(b), `"indicators":[{"indicator":"children_served","name"`) {
		t.Fatalf("second final: %d %s", s, b)
	}
	if s, b := w.buyer.do("GET", cp+"/evaluations", nil); s != 200 || !strings.Contains(string(b), `{"phase":"final","complete":true,"evaluations":2,"supervisors":2,"mean":97.5,"grade":"excellent"}`) {
		t.Fatalf("phases: %d %s", s, b)
	}
	if s, b := w.member.do("POST", cp+"/accept", nil); s != 403 {
		t.Fatalf("the agency accepts: %d %s", s, b)
	}
	if s, b := w.sup2.do("POST", cp+"/accept", nil); s != 200 || !strings.Contains(string(b), `"status":"accepted"`) {
		t.Fatalf("accept: %d %s", s, b)
	}
	// Grades: staff and the organisation, not others.
	gp := "/api/v1/organisations/" + itoa(*org) + "/grades"
	if s, b := w.buyer.do("GET", gp, nil); s != 200 || !strings.Contains(string(b), `"phase":"final"`) {
		t.Fatalf("grades: %d %s", s, b)
	}
	if s, b := w.otherOrg.do("GET", gp, nil); s != 404 {
		t.Fatalf("another organisation's grades: %d %s", s, b)
	}
	if s, b := w.buyer.do("GET", "/organisations/"+itoa(*org), nil); s != 200 || !strings.Contains(string(b), `data-grades="2"`) {
		t.Fatalf("grades on the organisation page: %d", s)
	}
	// The contract list: the assigned supervisor sees it, the other not.
	if _, b := w.sup1.do("GET", "/api/v1/contracts", nil); !strings.Contains(string(b), `"total":1`) {
		t.Fatalf("assigned supervisor's list: %s", b)
	}
	if _, b := w.outsider.do("GET", "/api/v1/contracts", nil); !strings.Contains(string(b), `"total":0`) {
		t.Fatalf("unassigned supervisor's list: %s", b)
	}
}

func TestSupervisionPages(t *testing.T) {
	w := newSupEnv(t)
	page := "/contracts/" + itoa(w.contract)
	if s, b := w.sup1.do("GET", page, nil); s != 200 || !strings.Contains(string(b), `id="sv-eval-form"`) || !strings.Contains(string(b), `name="scores.benefits_linked"`) {
		t.Fatalf("supervisor's contract page: %d %s", s, b)
	}
	// A visit with a finding typed, and a date in the future: the form
	// again with the error and the text kept.
	s, b := w.sup1.form(page+"/visits", url.Values{"visited_on": {"2099-01-01"}, "findings": {"签到表缺失"}})
	if s != 422 || !strings.Contains(string(b), `id="e-visit-visited_on"`) || !strings.Contains(string(b), "签到表缺失") {
		t.Fatalf("bad visit form: %d", s)
	}
	if s, _ := w.sup1.form(page+"/visits", url.Values{"visited_on": {"2026-11-30"}, "findings": {"签到表缺失"}}); s != 303 {
		t.Fatalf("visit form: %d", s)
	}
	// Scores the model refuses come back on the form before any question.
	if s, b := w.sup1.form(page+"/evaluations", url.Values{"phase": {"midterm"}, "scores.children_served": {"99"}}); s != 422 ||
		strings.Contains(string(b), `id="confirm-form"`) || !strings.Contains(string(b), `id="e-evaluation-scores.children_served"`) {
		t.Fatalf("a refused evaluation asks first: %d", s)
	}
	// A failing midterm from the form (after asking first).
	v := url.Values{"phase": {"midterm"}, "confirm": {"yes"}}
	for k, p := range map[string]string{"children_served": "5", "home_visits": "5", "service_hours": "5", "case_closure_rate": "5",
		"benefits_linked": "5", "budget_execution_rate": "5", "satisfaction_rate": "abc"} {
		v.Set("scores."+k, p)
	}
	if s, b := w.sup1.form(page+"/evaluations", v); s != 422 || !strings.Contains(string(b), `id="e-evaluation-scores.satisfaction_rate"`) {
		t.Fatalf("bad score form: %d", s)
	}
	v.Set("scores.satisfaction_rate", "5")
	if s, _ := w.sup1.form(page+"/evaluations", v); s != 303 {
		t.Fatalf("evaluation form: %d", s)
	}
	// The agency sees the rectification it opened by itself.
	if s, b := w.member.do("GET", page, nil); s != 200 || !strings.Contains(string(b), `data-status="open"`) || !strings.Contains(string(b), `id="sv-respond-form-`) {
		t.Fatalf("agency's page: %d", s)
	}
	if _, n := w.member.do("GET", "/api/v1/notifications", nil); !strings.Contains(string(n), `"kind":"rectification.open"`) || !strings.Contains(string(n), `"kind":"evaluation.record"`) {
		t.Fatalf("agency's notifications: %s", n)
	}
	if _, n := w.sup1.do("GET", "/api/v1/notifications", nil); !strings.Contains(string(n), `"kind":"supervision.assign"`) {
		t.Fatalf("supervisor's notifications: %s", n)
	}
	_, d := w.member.do("GET", "/api/v1/desk", nil)
	if !strings.Contains(string(d), `"rectifications_to_answer","count":1`) {
		t.Fatalf("agency desk: %s", d)
	}
	_, d = w.sup1.do("GET", "/api/v1/desk", nil)
	if !strings.Contains(string(d), `"key":"supervised","count":1`) || !strings.Contains(string(d), `"reason":"final_due"`) {
		t.Fatalf("supervisor desk: %s", d)
	}
	_, d = w.sup2.do("GET", "/api/v1/desk", nil)
	if !strings.Contains(string(d), `"reason":"midterm_due"`) {
		t.Fatalf("second supervisor desk: %s", d)
	}
}

// TestPanelSeesGradesBesideBids: the expert scoring a bid sees its
// organisation's past evaluations beside it.
func TestPanelSeesGradesBesideBids(t *testing.T) {
	w := newTPWorld(t)
	tender, bids := rankingTender(t, w)
	now := time.Now().UTC()
	buyer := w.e.actor("xn-buyer").UserID
	c := &models.Contract{Number: "HT-OLD", TenderID: tender.ID, OrganisationID: w.orgs[0], RegionCode: "450102", AmountFen: 100,
		ServiceStart: "2025-01-01", ServiceEnd: "2025-12-31", Status: models.ContractAccepted, ReportInterval: models.ReportMonthly,
		SignedAt: now, SignedBy: buyer, CreatedAt: now, UpdatedAt: now}
	if err := w.e.store.DB.Create(c).Error; err != nil {
		t.Fatal(err)
	}
	if err := w.e.store.DB.Create(&models.Evaluation{ContractID: c.ID, SupervisorID: buyer, Phase: models.PhaseFinal, Points: map[string]int64{},
		Total: 5550, Grade: models.GradeFail, CreatedAt: now}).Error; err != nil {
		t.Fatal(err)
	}
	page := w.experts[0].tpPage(fmt.Sprintf("/tenders/%d/review", tender.ID))
	card := func(bid int64) string {
		i := strings.Index(page, fmt.Sprintf(`id="score-%d"`, bid))
		if i < 0 {
			t.Fatalf("no score card of bid %d", bid)
		}
		end := strings.Index(page[i:], "</section>")
		return page[i : i+end]
	}
	if c0 := card(bids[0]); !strings.Contains(c0, `data-grades="1"`) || !strings.Contains(c0, "55.5") || !strings.Contains(c0, "不合格") {
		t.Fatalf("the first bid's card: %s", tpText(c0))
	}
	if c1 := card(bids[1]); !strings.Contains(c1, `data-grades="0"`) {
		t.Fatalf("the second bid's card: %s", tpText(c1))
	}
}
