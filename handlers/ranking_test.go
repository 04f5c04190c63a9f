package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"portal/models"
)

// rankingTender is a comprehensive tender whose panel has scored every bid:
// price weight 30, prices 250,000 / 200,000 / 240,000 yuan, expert totals
// {60, 62, 61}, {50, 51, 51}, {58, 59, 59}.
func rankingTender(t *testing.T, w *tpWorld) (*models.Tender, []int64) {
	t.Helper()
	in := models.TenderInput{Method: "competitive_consultation", Evaluation: models.EvalComprehensive, PriceWeight: 30,
		Criteria: []models.Criterion{{Key: "plan", Name: "服务方案", MaxPoints: 40}, {Key: "team", Name: "团队配置", MaxPoints: 30}}}
	tender, bids := w.tpTender(t, in, 250_000, 200_000, 240_000)
	ctx, s := context.Background(), w.e.store
	if _, err := s.AppointPanel(ctx, w.e.actor("xn-buyer"), tender.ID, w.expertIDs); err != nil {
		t.Fatal(err)
	}
	totals := [3][3]float64{{60, 62, 61}, {50, 51, 51}, {58, 59, 59}} // bid → expert
	for i := range w.experts {
		ex := w.e.actor(fmt.Sprintf("expert%d", i+1))
		if _, err := s.Declare(ctx, ex, tender.ID, models.Declaration{}); err != nil {
			t.Fatal(err)
		}
		for j, bid := range bids {
			if _, err := s.ScoreBid(ctx, ex, bid, map[string]float64{"plan": totals[j][i] - 25, "team": 25}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return tender, bids
}

var rankingRow = regexp.MustCompile(`(?s)<tr class="ranked( first)?" data-bid="(\d+)" data-rank="(\d+)">(.*?)</tr>`)

// rankingRows reads the provisional ranking's rows: bid id, rank and the
// cells' text.
func rankingRows(page string) [][]string {
	var out [][]string
	for _, m := range rankingRow.FindAllStringSubmatch(page, -1) {
		row := []string{m[2], m[3]}
		for _, cell := range regexp.MustCompile(`(?s)<td[^>]*>(.*?)</td>`).FindAllStringSubmatch(m[4], -1) {
			row = append(row, tpText(cell[1]))
		}
		out = append(out, row)
	}
	return out
}

// TestProvisionalRankingBeforeAward: before the award the staff's page
// ranks the bids as the award will, with the award's exact scores. By hand:
// lowest price 200,000; price scores 200/250×30 = 24, 30, 200/240×30 = 25;
// technical means 61, 152/3 = 50.67, 176/3 = 58.67; finals 85, 242/3 =
// 80.67, 251/3 = 83.67: the 250,000 bid first, then 240,000, then 200,000.
// The credit-check form sits by the first-ranked bidder, chosen for it; the
// award asks first and only its answer awards, as ranked.
func TestProvisionalRankingBeforeAward(t *testing.T) {
	w := newTPWorld(t)
	tender, bids := rankingTender(t, w)
	base := fmt.Sprintf("/tenders/%d", tender.ID)
	page := w.buyer.tpPage(base + "/evaluation")
	want := [][]string{
		{fmt.Sprint(bids[0]), "1", "1", "机构agent1", "85.00", "250,000.00", "24.00", "61.00"},
		{fmt.Sprint(bids[2]), "2", "2", "机构agent3", "83.67", "240,000.00", "25.00", "58.67"},
		{fmt.Sprint(bids[1]), "3", "3", "机构agent2", "80.67", "200,000.00", "30.00", "50.67"},
	}
	if got := rankingRows(page); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("the provisional ranking:\n got %v\nwant %v\n%s", got, want, tpText(page))
	}
	// The credit form is in the first-ranked bidder's block, chosen for it.
	first := regexp.MustCompile(`(?s)<div class="first-ranked" id="first-ranked" data-organisation="(\d+)">(.*?)</form>`).FindStringSubmatch(page)
	if first == nil || first[1] != fmt.Sprint(w.orgs[0]) || !strings.Contains(first[2], `id="credit-form"`) ||
		!strings.Contains(first[2], fmt.Sprintf(`<option value="%d" selected>`, w.orgs[0])) || !strings.Contains(tpText(first[2]), "排名第一：机构agent1") ||
		!strings.Contains(first[2], `id="first-check" data-result=""`) {
		t.Fatalf("the first-ranked bidder's block: %v", first)
	}
	if n := strings.Count(page, `id="credit-form"`); n != 1 {
		t.Fatalf("%d credit forms on the page", n)
	}
	w.buyer.tpMustPost(base+"/credit-checks", url.Values{"organisation_id": {fmt.Sprint(w.orgs[0])}, "result": {"clear"},
		"checked_at": {tpLocalTime(w.now())}})
	if p := w.buyer.tpPage(base + "/evaluation"); !strings.Contains(p, `id="first-check" data-result="clear"`) || !strings.Contains(tpText(p), "北京时间") {
		t.Fatalf("the first-ranked bidder's check: %s", tpText(p))
	}

	// The award asks first; asking changes nothing.
	status, _, body := w.buyer.tpPost(base+"/award", url.Values{})
	if status != http.StatusOK || !strings.Contains(body, `id="confirm-form"`) || !strings.Contains(body, `action="`+base+`/award"`) ||
		!strings.Contains(body, `name="confirm" value="yes"`) || !strings.Contains(body, `href="`+base+`/evaluation"`) {
		t.Fatalf("the award's first post: %d %s", status, tpText(body))
	}
	if got, _ := w.e.store.Tender(context.Background(), nil, tender.ID); got.Status != models.TenderEvaluating || got.AwardedAt != nil {
		t.Fatalf("asking awarded: %s", got.Status)
	}
	if got := rankingRows(w.buyer.tpPage(base + "/evaluation")); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("the ranking after asking: %v", got)
	}
	w.buyer.tpMustPost(base+"/award", url.Values{"confirm": {"yes"}})
	res, err := w.e.store.TenderResult(context.Background(), w.e.actor("xn-buyer"), tender.ID)
	if err != nil {
		t.Fatal(err)
	}
	// The award made the ranking the page showed.
	for i, r := range res.Ranking {
		got := []string{fmt.Sprint(r.BidID), fmt.Sprint(r.Rank), fmt.Sprintf("%.2f", r.FinalScore), fmt.Sprintf("%.2f", r.PriceScore), fmt.Sprintf("%.2f", r.TechnicalScore)}
		exp := []string{want[i][0], want[i][1], want[i][4], want[i][6], want[i][7]}
		if fmt.Sprint(got) != fmt.Sprint(exp) {
			t.Errorf("awarded line %d: %v, the page showed %v", i, got, exp)
		}
	}
	if p := w.buyer.tpPage(base + "/evaluation"); strings.Contains(p, `id="provisional-ranking"`) || !strings.Contains(p, `id="ranking"`) {
		t.Errorf("after the award the page still shows a provisional ranking: %s", tpText(p))
	}

	// Signing asks first too, carrying the plan; only the answer signs.
	w.advance(11 * time.Minute) // past the challenge window
	plan := url.Values{"payment_plan[0].percent": {"30"}, "payment_plan[0].condition": {"signing"}, "payment_plan[1].percent": {"70"},
		"payment_plan[1].condition": {"acceptance"}}
	status, _, body = w.buyer.tpPost(base+"/contract", plan)
	if status != http.StatusOK || !strings.Contains(body, `id="confirm-form"`) || !strings.Contains(body, `action="`+base+`/contract"`) ||
		!strings.Contains(body, `name="payment_plan[1].percent" value="70"`) || !strings.Contains(tpText(body), "确认签订") {
		t.Fatalf("signing's first post: %d %s", status, tpText(body))
	}
	if got, _ := w.e.store.Tender(context.Background(), nil, tender.ID); got.Status != models.TenderAwarded {
		t.Fatalf("asking signed: %s", got.Status)
	}
	if _, err := w.e.store.TenderContract(context.Background(), w.e.actor("xn-buyer"), tender.ID); err == nil {
		t.Fatal("asking made a contract")
	}
	plan.Set("confirm", "yes")
	loc := w.buyer.tpMustPost(base+"/contract", plan)
	if !strings.HasPrefix(loc, "/contracts/") {
		t.Fatalf("signing went to %s", loc)
	}
	if p := tpText(w.buyer.tpPage(loc)); !regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d 北京时间`).MatchString(p) {
		t.Errorf("the contract's signing time is not labelled Beijing time: %s", p)
	}
}

// TestAwardAsksOnlyItsStaff: another region's staff get no confirmation
// page, and an award the model refuses still says why once confirmed.
func TestAwardAsksOnlyItsStaff(t *testing.T) {
	w := newTPWorld(t)
	tender, _ := rankingTender(t, w)
	base := fmt.Sprintf("/tenders/%d", tender.ID)
	other := w.e.staff("other-buyer", models.RoleProcurement, "450103")
	if s, _, body := other.tpPost(base+"/award", url.Values{}); s != http.StatusForbidden || strings.Contains(body, `id="confirm-form"`) {
		t.Fatalf("another region's staff: %d", s)
	}
	if s, _, body := w.buyer.tpPost(base+"/award", url.Values{"confirm": {"yes"}}); s != http.StatusConflict || !strings.Contains(tpText(body), "请先记录排名第一机构的信用查询") {
		t.Fatalf("a confirmed award without a credit check: %d %s", s, tpText(body))
	}
}

// TestDeclarationHasNoPresetAnswer: the declaration offers no answer in
// advance, and one sent without an answer is refused next to it.
func TestDeclarationHasNoPresetAnswer(t *testing.T) {
	w := newTPWorld(t)
	tender, _ := w.tpTender(t, models.TenderInput{Method: "inquiry", Evaluation: models.EvalLowestPrice}, 260_000, 240_000, 250_000)
	if _, err := w.e.store.AppointPanel(context.Background(), w.e.actor("xn-buyer"), tender.ID, w.expertIDs); err != nil {
		t.Fatal(err)
	}
	base := fmt.Sprintf("/tenders/%d", tender.ID)
	radio := regexp.MustCompile(`<input[^>]*name="conflict"[^>]*>`)
	page := w.experts[0].tpPage(base + "/review")
	if rs := radio.FindAllString(page, -1); len(rs) != 2 || strings.Contains(strings.Join(rs, ""), "checked") {
		t.Fatalf("the declaration's answers: %v", rs)
	}
	status, _, body := w.experts[0].tpPost(base+"/declaration", url.Values{})
	if status != 422 || !strings.Contains(body, `<p class="field-error" id="e-conflict">必填</p>`) || strings.Contains(strings.Join(radio.FindAllString(body, -1), ""), "checked") {
		t.Fatalf("a declaration without an answer: %d %s", status, tpText(body))
	}
	if _, m, err := w.e.store.Membership(context.Background(), w.e.actor("expert1"), tender.ID); err != nil || m.DeclaredAt != nil {
		t.Fatalf("a declaration without an answer was recorded: %v %v", m, err)
	}
	w.experts[0].tpMustPost(base+"/declaration", url.Values{"conflict": {"no"}})
}
