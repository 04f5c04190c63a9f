package handlers_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"portal/models"
)

// tpTender drafts and publishes a tender of Xingning through the store,
// due in a minute, with the three agencies' bids at the given prices (yuan),
// and moves the clock past its deadline.
func (w *tpWorld) tpTender(t *testing.T, in models.TenderInput, prices ...int64) (*models.Tender, []int64) {
	t.Helper()
	ctx, s := context.Background(), w.e.store
	in.Title, in.Region, in.CatalogueCode = "兴宁区评审规则项目", "450102", "C0603"
	in.Budget = []models.BudgetLine{{Source: "local_budget", AmountFen: 300_000_00}}
	in.ServiceStart, in.ServiceEnd = "2027-01-01", "2027-12-31"
	in.BidDeadline = w.now().Add(time.Minute)
	buyer := w.e.actor("xn-buyer")
	tender, err := s.CreateTender(ctx, buyer, in)
	if err == nil {
		tender, err = s.PublishTender(ctx, buyer, tender.ID)
	}
	if err != nil {
		t.Fatal(err)
	}
	var bids []int64
	for i, p := range prices {
		agent := w.e.actor(fmt.Sprintf("agent%d", i+1))
		b, err := s.SaveBid(ctx, agent, tender.ID, models.BidInput{PriceFen: p * 100, Proposal: fmt.Sprintf("方案%d", i+1),
			Team: []models.TeamMember{{StaffID: w.staff[i], Role: "项目主管"}}})
		if err == nil {
			_, err = s.SubmitBid(ctx, agent, tender.ID)
		}
		if err != nil {
			t.Fatal(err)
		}
		bids = append(bids, b.ID)
		w.advance(time.Second) // submissions in order
	}
	w.advance(2 * time.Minute)
	return tender, bids
}

// TestComplianceReviewThroughPagesAndAPI: a lowest-price tender's panel
// reviews each bid pass or fail on the expert's page and through the API;
// the buyer sees the majority's decisions and the award goes to the
// cheapest compliant bid.
func TestComplianceReviewThroughPagesAndAPI(t *testing.T) {
	w := newTPWorld(t)
	tender, bids := w.tpTender(t, models.TenderInput{Method: "inquiry", Evaluation: models.EvalLowestPrice}, 260_000, 240_000, 250_000)
	api := fmt.Sprintf("/api/v1/tenders/%d", tender.ID)
	base := fmt.Sprintf("/tenders/%d", tender.ID)
	status, b := w.buyer.do("PUT", api+"/panel", map[string]any{"expert_ids": w.expertIDs})
	must(t, 200, status, b, "appoint the panel")
	for _, ex := range w.experts {
		status, b = ex.do("POST", api+"/declaration", map[string]any{"conflict": false})
		must(t, 201, status, b, "declare")
	}
	review := w.experts[0].tpPage(base + "/review")
	if n := strings.Count(review, `class="form compliance-form"`); n != 3 || !strings.Contains(tpText(review), "符合性审查") {
		t.Fatalf("the expert's page has %d review forms: %s", n, tpText(review))
	}
	// A fail without a note: the form comes back with the error by the note.
	status, _, body := w.experts[0].tpPost(fmt.Sprintf("%s/bids/%d/compliance", base, bids[1]), url.Values{"pass": {"no"}, "note": {""}})
	if status != 422 || !tpInvalid(body, "note") || !strings.Contains(body, `id="f-`+fmt.Sprint(bids[1])+`-pass-no" name="pass" value="no" class="w-auto" checked`) {
		t.Fatalf("a fail without a note: %d %s", status, tpText(body))
	}
	for _, bid := range bids {
		w.experts[0].tpMustPost(fmt.Sprintf("%s/bids/%d/compliance", base, bid), url.Values{"pass": {"yes"}})
	}
	if p := tpText(w.experts[0].tpPage(base + "/review")); strings.Count(p, "✓ 已审查") != 3 || !strings.Contains(p, "评审小组全部专家完成审查后显示结果") {
		t.Fatalf("the expert's page after reviewing: %s", p)
	}
	// The other two find the 240,000 yuan bid not compliant, through the API.
	for _, ex := range w.experts[1:] {
		for i, bid := range bids {
			body := map[string]any{"pass": i != 1}
			if i == 1 {
				body["note"] = "服务方案不满足采购需求"
			}
			status, b = ex.do("PUT", fmt.Sprintf("/api/v1/bids/%d/compliance", bid), body)
			must(t, 200, status, b, "review through the API")
		}
	}
	status, b = w.agents[0].do("PUT", fmt.Sprintf("/api/v1/bids/%d/compliance", bids[0]), map[string]any{"pass": true})
	must(t, 403, status, b, "an agency reviewing")
	status, b = w.buyer.do("GET", api+"/compliance", nil)
	sheets := decode[models.ComplianceSheets](t, must(t, 200, status, b, "the panel's reviews"))
	if !sheets.Complete || len(sheets.Reviews) != 9 || len(sheets.Results) != 3 {
		t.Fatalf("the panel's reviews: %s", b)
	}
	for _, r := range sheets.Results {
		if r.Compliant != (r.BidID != bids[1]) {
			t.Errorf("bid %d: %+v", r.BidID, r)
		}
	}
	html := w.buyer.tpPage(base + "/evaluation")
	page := tpText(html)
	if !strings.Contains(page, "符合性审查结果") || !strings.Contains(page, "通过 1 · 不通过 2 不符合") {
		t.Fatalf("the buyer's evaluation page: %s", page)
	}
	// Before the award the compliant bids stand in price order; the
	// non-compliant one is not ranked.
	want := [][]string{{fmt.Sprint(bids[2]), "1", "1", "机构agent3", "250,000.00", "符合"}, {fmt.Sprint(bids[0]), "2", "2", "机构agent1", "260,000.00", "符合"}}
	if got := rankingRows(html); fmt.Sprint(got) != fmt.Sprint(want) || !strings.Contains(html, fmt.Sprintf(`<tr class="unranked" data-bid="%d">`, bids[1])) ||
		!strings.Contains(html, fmt.Sprintf(`data-organisation="%d"`, w.orgs[2])) {
		t.Fatalf("the provisional price order: %v\n%s", got, page)
	}
	if _, err := w.e.store.RecordCreditCheck(context.Background(), w.e.actor("xn-buyer"), tender.ID,
		models.CreditCheckInput{OrganisationID: w.orgs[2], Result: "clear", CheckedAt: w.now()}); err != nil {
		t.Fatal(err)
	}
	// 询价 needs three valid bids: two compliant ones are too few.
	status, b = w.buyer.do("POST", api+"/award", nil)
	must(t, 409, status, b, "awarding with two compliant bids of three needed")
	// One expert reconsiders: 2 to 1 for compliance, and the cheapest wins.
	status, b = w.experts[1].do("PUT", fmt.Sprintf("/api/v1/bids/%d/compliance", bids[1]), map[string]any{"pass": true, "note": "经复核符合"})
	must(t, 200, status, b, "a changed review")
	if _, err := w.e.store.RecordCreditCheck(context.Background(), w.e.actor("xn-buyer"), tender.ID,
		models.CreditCheckInput{OrganisationID: w.orgs[1], Result: "clear", CheckedAt: w.now()}); err != nil {
		t.Fatal(err)
	}
	status, b = w.buyer.do("POST", api+"/award", nil)
	res := decode[models.Result](t, must(t, 200, status, b, "award"))
	// 240,000 scores 100; 250,000 240/250×100 = 96; 260,000 92.31.
	if res.Winner.OrganisationID != w.orgs[1] || res.Winner.PriceFen != 240_000_00 || res.Winner.Score != 100 || len(res.Ranking) != 3 ||
		res.Ranking[1].FinalScore != 96 || res.Ranking[2].FinalScore != 92.31 {
		t.Fatalf("the cheapest compliant bid wins: %s", b)
	}
}

// TestTiedScoresShowOneValue: issue 7's tie through the API and the pages.
// Price weight 10; 200,000 yuan with expert totals 50, 51, 51 and 240,000
// yuan with 52, 52, 53 both score exactly 182/3, shown 60.67 everywhere
// (API, ranking page, notice, the bidder's page); the cheaper ranks first
// though it was submitted later.
func TestTiedScoresShowOneValue(t *testing.T) {
	w := newTPWorld(t)
	in := models.TenderInput{Method: "competitive_consultation", Evaluation: models.EvalComprehensive, PriceWeight: 10,
		Criteria: []models.Criterion{{Key: "plan", Name: "服务方案", MaxPoints: 60}, {Key: "team", Name: "团队配置", MaxPoints: 30}}}
	// The dearer bid is submitted first, so only the price can break the tie.
	tender, bids := w.tpTender(t, in, 240_000, 200_000, 280_000)
	ctx, s := context.Background(), w.e.store
	if _, err := s.AppointPanel(ctx, w.e.actor("xn-buyer"), tender.ID, w.expertIDs); err != nil {
		t.Fatal(err)
	}
	totals := [3][3]float64{{52, 52, 53}, {50, 51, 51}, {40, 40, 40}} // bid → expert
	for i := range w.experts {
		ex := w.e.actor(fmt.Sprintf("expert%d", i+1))
		if _, err := s.Declare(ctx, ex, tender.ID, models.Declaration{}); err != nil {
			t.Fatal(err)
		}
		for j, bid := range bids {
			if _, err := s.ScoreBid(ctx, ex, bid, map[string]float64{"plan": totals[j][i] - 20, "team": 20}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := s.RecordCreditCheck(ctx, w.e.actor("xn-buyer"), tender.ID, models.CreditCheckInput{OrganisationID: w.orgs[1], Result: "clear", CheckedAt: w.now()}); err != nil {
		t.Fatal(err)
	}
	api := fmt.Sprintf("/api/v1/tenders/%d", tender.ID)
	status, b := w.buyer.do("POST", api+"/award", nil)
	res := decode[models.Result](t, must(t, 200, status, b, "award"))
	if res.Winner.OrganisationID != w.orgs[1] || res.Winner.Score != 60.67 || res.Ranking[1].OrganisationID != w.orgs[0] || res.Ranking[1].FinalScore != 60.67 {
		t.Fatalf("the tie: %s", b)
	}
	status, b = w.agents[0].do("GET", api+"/result", nil)
	if own := decode[models.Result](t, must(t, 200, status, b, "the dearer bidder's result")).Own; own == nil || own.Score != 60.67 || own.Rank != 2 {
		t.Fatalf("the dearer bidder's own result: %s", b)
	}
	if p := tpText(w.buyer.tpPage(fmt.Sprintf("/tenders/%d/evaluation", tender.ID))); strings.Count(p, "60.67") < 2 || strings.Contains(p, "60.66") {
		t.Fatalf("the buyer's ranking: %s", p)
	}
	if p := tpText(w.e.anon().tpPage(fmt.Sprintf("/tenders/%d", tender.ID))); !strings.Contains(p, "60.67") {
		t.Fatalf("the award notice: %s", p)
	}
	if p := tpText(w.agents[0].tpPage(fmt.Sprintf("/tenders/%d/bid", tender.ID))); !strings.Contains(p, "60.67") {
		t.Fatalf("the bidder's own score: %s", p)
	}
}

// TestTenderFormEvaluationOfMethod: the tender form lists each method's
// evaluations and refuses one the method does not allow, next to the field.
func TestTenderFormEvaluationOfMethod(t *testing.T) {
	w := newTPWorld(t)
	form := w.buyer.tpPage("/tenders/new")
	if !strings.Contains(tpText(form), "竞争性谈判: 最低评标价法") {
		t.Fatalf("the form does not say which evaluation each method allows: %s", tpText(form))
	}
	v := tpFormValues("兴宁区谈判项目", w.now().Add(time.Hour))
	v.Set("method", "competitive_negotiation")
	status, _, body := w.buyer.tpPost("/tenders", v)
	if status != 422 || !tpInvalid(body, "evaluation") || !strings.Contains(tpText(body), "该采购方式不能采用此评审方法") {
		t.Fatalf("a negotiation with comprehensive scoring: %d %s", status, tpText(body))
	}
}
