package models_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"portal/models"
)

// The evaluation rules of issue 7 (findings 14, 16 and 20), each held by a
// test that fails when the rule is taken out.

// moreExperts adds experts of Nanning until the world has n.
func (w *world) moreExperts(n int) {
	for i := len(w.experts); i < n; i++ {
		w.experts = append(w.experts, w.staffUser(fmt.Sprintf("expert%d", i+1), models.RoleExpert, "4501"))
	}
}

// userIDs are the experts' user ids.
func userIDs(experts []*models.Actor) []int64 {
	ids := make([]int64, len(experts))
	for i, e := range experts {
		ids[i] = e.UserID
	}
	return ids
}

// scoreAll lets each expert declare no conflict and score every bid; bid i
// gets plan points 30+i, so the last bid leads on technique.
func (w *world) scoreAll(tenderID int64, experts []*models.Actor, bids []*models.Bid) {
	w.t.Helper()
	for _, e := range experts {
		if _, err := w.s.Declare(w.ctx, e, tenderID, models.Declaration{}); err != nil {
			w.t.Fatal(err)
		}
		for i, b := range bids {
			if _, err := w.s.ScoreBid(w.ctx, e, b.ID, map[string]float64{"plan": float64(30 + i), "team": 20, "experience": 8}); err != nil {
				w.t.Fatal(err)
			}
		}
	}
}

// clearAll records a clear credit check of every organisation of the world.
func (w *world) clearAll(tenderID int64) {
	w.t.Helper()
	for _, org := range w.orgs {
		if _, err := w.s.RecordCreditCheck(w.ctx, w.buyer, tenderID, models.CreditCheckInput{OrganisationID: org, Result: "clear", CheckedAt: w.now}); err != nil &&
			!errors.Is(err, models.ErrInvalid) { // organisations that did not bid
			w.t.Fatal(err)
		}
	}
}

func expectKey(t *testing.T, err error, key, what string) {
	t.Helper()
	if e, ok := models.AsError(err); !ok || e.Key != key {
		t.Fatalf("%s: %v, want %s", what, err, key)
	}
}

func expectField(t *testing.T, err error, field, code, what string) {
	t.Helper()
	e, ok := models.AsError(err)
	if ok {
		for _, f := range e.Fields {
			if f.Field == field && f.Code == code {
				return
			}
		}
	}
	t.Fatalf("%s: %v, want %s on %s", what, err, code, field)
}

// TestPanelRuleHoldsAtAward (finding 14): five appointed to a consultation
// (at least three), one recuses, four score: the award is refused until a
// replacement declares and scores; the notice then names the five active.
func TestPanelRuleHoldsAtAward(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	w.moreExperts(6)
	tender := w.published()
	bids := []*models.Bid{w.bid(0, tender.ID, 280_000, "A"), w.bid(1, tender.ID, 250_000, "B"), w.bid(2, tender.ID, 300_000, "C")}
	w.now = tender.BidDeadline
	if _, err := s.AppointPanel(ctx, w.buyer, tender.ID, userIDs(w.experts[:5])); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Declare(ctx, w.experts[4], tender.ID, models.Declaration{Conflict: true, OrganisationID: &w.orgs[0]}); err != nil {
		t.Fatal(err)
	}
	w.scoreAll(tender.ID, w.experts[:4], bids)
	w.clearAll(tender.ID)
	_, err := s.Award(ctx, w.buyer, tender.ID)
	expectKey(t, err, "err.panel_incomplete", "awarding with four active members of five")
	if e, _ := models.AsError(err); !strings.Contains(e.Detail, "4 active members") {
		t.Errorf("the refusal does not say why: %q", e.Detail)
	}
	if got, _ := s.Tender(ctx, w.buyer, tender.ID); got.Status != models.TenderEvaluating || got.AwardedAt != nil {
		t.Fatalf("a refused award changed the tender: %+v", got)
	}
	// Staff see the sheets are not complete either.
	if sheets, err := s.Scores(ctx, w.buyer, tender.ID); err != nil || sheets.Complete {
		t.Fatalf("scores with an even panel: %+v %v", sheets, err)
	}
	// The replacement is appointed, declares and scores: the award goes through.
	if _, err := s.AppointPanel(ctx, w.buyer, tender.ID, userIDs(append(w.experts[:4:4], w.experts[5]))); err != nil {
		t.Fatal(err)
	}
	_, err = s.Award(ctx, w.buyer, tender.ID)
	expectKey(t, err, "err.scores_missing", "awarding before the replacement scores")
	w.scoreAll(tender.ID, w.experts[5:6], bids)
	if _, err := s.Award(ctx, w.buyer, tender.ID); err != nil {
		t.Fatalf("award after the replacement: %v", err)
	}
	res, err := s.TenderResult(ctx, models.Anonymous("", s.Authz), tender.ID)
	if err != nil || strings.Join(res.Panel, ",") != "expert1,expert2,expert3,expert4,expert6" {
		t.Fatalf("the notice's panel: %+v %v", res, err)
	}
}

// TestOwnRegionStaffOffPanel (finding 20): an expert who is also
// procurement staff of the purchasing region may not sit on its panel;
// staff of another county who are experts may.
func TestOwnRegionStaffOffPanel(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	own := w.staffUser("own-buyer-expert", models.RoleExpert, "4501")
	if err := s.GrantRole(ctx, w.admin, own.UserID, models.Grant{Role: models.RoleProcurement, Region: "450102"}); err != nil {
		t.Fatal(err)
	}
	other := w.staffUser("qx-buyer-expert", models.RoleExpert, "4501")
	if err := s.GrantRole(ctx, w.admin, other.UserID, models.Grant{Role: models.RoleProcurement, Region: "450103"}); err != nil {
		t.Fatal(err)
	}
	tender := w.published()
	for i := range w.agents {
		w.bid(i, tender.ID, 250_000, "方案")
	}
	w.now = tender.BidDeadline
	_, err := s.AppointPanel(ctx, w.buyer, tender.ID, []int64{w.experts[0].UserID, w.experts[1].UserID, own.UserID})
	expectField(t, err, "expert_ids[2]", "own_staff", "appointing the region's own procurement staff")
	if _, err := s.AppointPanel(ctx, w.buyer, tender.ID, []int64{w.experts[0].UserID, w.experts[1].UserID, other.UserID}); err != nil {
		t.Fatalf("another county's staff as an expert: %v", err)
	}
}

// TestPanelOddNumber (finding 20): an even panel is refused though it is
// above the minimum.
func TestPanelOddNumber(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	w.moreExperts(5)
	tender := w.published()
	for i := range w.agents {
		w.bid(i, tender.ID, 250_000, "方案")
	}
	w.now = tender.BidDeadline
	_, err := s.AppointPanel(ctx, w.buyer, tender.ID, userIDs(w.experts[:4]))
	expectField(t, err, "expert_ids", "panel_size", "a panel of four")
	if _, err := s.AppointPanel(ctx, w.buyer, tender.ID, userIDs(w.experts[:5])); err != nil {
		t.Fatalf("a panel of five: %v", err)
	}
}

// TestBigTenderPanelOfSeven (finding 20): open and invited tenders of
// 10,000,000 yuan or more need seven experts; below it, or for other
// methods, fewer do.
func TestBigTenderPanelOfSeven(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	w.moreExperts(7)
	tender := func(method string, budgetFen int64) *models.Tender {
		t.Helper()
		w.now = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		in := w.tenderInput()
		in.Method, in.Budget = method, []models.BudgetLine{{Source: "local_budget", AmountFen: budgetFen}}
		in.BidDeadline = w.now.Add(21 * 24 * time.Hour)
		if method == "invited_tender" {
			in.Invited = w.orgs
		}
		tn, err := s.CreateTender(ctx, w.buyer, in)
		if err == nil {
			tn, err = s.PublishTender(ctx, w.buyer, tn.ID)
		}
		if err != nil {
			t.Fatal(err)
		}
		for i := range w.agents {
			w.bid(i, tn.ID, 250_000, "方案")
		}
		w.now = tn.BidDeadline
		return tn
	}
	const big = 10_000_000 * 100
	for _, c := range []struct {
		method string
		budget int64
		least  int // the smallest odd panel accepted
	}{
		{"open_tender", big, 7}, {"invited_tender", big, 7}, {"open_tender", big + 1, 7},
		{"open_tender", big - 1, 5}, {"invited_tender", big - 1, 5}, {"competitive_consultation", big, 3},
	} {
		tn := tender(c.method, c.budget)
		_, err := s.AppointPanel(ctx, w.buyer, tn.ID, userIDs(w.experts[:c.least-2]))
		expectField(t, err, "expert_ids", "panel_size", fmt.Sprintf("%s of %d fen with %d experts", c.method, c.budget, c.least-2))
		if e, _ := models.AsError(err); e.Fields[len(e.Fields)-1].Param != fmt.Sprint(c.least) {
			t.Errorf("%s of %d fen: the error names %q, want %d", c.method, c.budget, e.Fields[len(e.Fields)-1].Param, c.least)
		}
		if _, err := s.AppointPanel(ctx, w.buyer, tn.ID, userIDs(w.experts[:c.least])); err != nil {
			t.Fatalf("%s of %d fen with %d experts: %v", c.method, c.budget, c.least, err)
		}
	}
}

// TestAwardNeedsWinnerWhoMayBid (finding 20): the first-ranked bidder's
// organisation must still be allowed to bid when the award is made; a bid
// disqualified before the award does not win.
func TestAwardNeedsWinnerWhoMayBid(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	w.addOrg(4)
	tender := w.published()
	var bids []*models.Bid
	for i := range w.agents {
		bids = append(bids, w.bid(i, tender.ID, 250_000, "方案"))
	}
	w.now = tender.BidDeadline
	if _, err := s.AppointPanel(ctx, w.buyer, tender.ID, userIDs(w.experts)); err != nil {
		t.Fatal(err)
	}
	w.scoreAll(tender.ID, w.experts, bids) // the fourth bid leads, then the third
	w.clearAll(tender.ID)
	leader, second := w.orgs[3], w.orgs[2]
	if _, err := s.ChangeOrganisationStatus(ctx, w.buyer, leader, models.OrgSuspend, models.OrgStatusChange{Reason: "年检未通过"}); err != nil {
		t.Fatal(err)
	}
	_, err := s.Award(ctx, w.buyer, tender.ID)
	expectKey(t, err, "err.org_cannot_bid", "awarding to a suspended organisation")
	if _, err := s.ChangeOrganisationStatus(ctx, w.buyer, leader, models.OrgBlacklist, models.OrgStatusChange{Reason: "提供虚假材料", Until: "2027-12-31"}); err != nil {
		t.Fatal(err)
	}
	_, err = s.Award(ctx, w.buyer, tender.ID)
	expectKey(t, err, "err.org_cannot_bid", "awarding to a blacklisted organisation")
	if got, _ := s.Tender(ctx, w.buyer, tender.ID); got.Status != models.TenderEvaluating {
		t.Fatalf("refused awards left the tender %s", got.Status)
	}
	// Its bid is disqualified: the second-ranked wins.
	if _, err := s.DisqualifyBid(ctx, w.buyer, bids[3].ID, "机构被列入失信名单", false); err != nil {
		t.Fatal(err)
	}
	ranking, err := s.Award(ctx, w.buyer, tender.ID)
	if err != nil || len(ranking) != 3 || ranking[0].OrganisationID != second {
		t.Fatalf("award after the disqualification: %+v %v", ranking, err)
	}
}

// TestMethodEvaluations (finding 16): the method table says which
// evaluation each method allows, and drafting and publishing hold to it.
func TestMethodEvaluations(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	allowed := map[string][]string{ // the law, written out
		"open_tender":              {models.EvalComprehensive, models.EvalLowestPrice},
		"invited_tender":           {models.EvalComprehensive, models.EvalLowestPrice},
		"competitive_consultation": {models.EvalComprehensive},
		"competitive_negotiation":  {models.EvalLowestPrice},
		"inquiry":                  {models.EvalLowestPrice},
		"single_source":            {models.EvalLowestPrice},
	}
	for method, evals := range allowed {
		for _, eval := range []string{models.EvalComprehensive, models.EvalLowestPrice, ""} {
			in := w.tenderInput()
			in.Method, in.Evaluation, in.Invited = method, eval, nil
			if method == "invited_tender" {
				in.Invited = w.orgs
			}
			lowest := eval == models.EvalLowestPrice || (eval == "" && evals[0] == models.EvalLowestPrice)
			if lowest {
				in.Criteria, in.PriceWeight = nil, 0
			}
			tn, err := s.CreateTender(ctx, w.buyer, in)
			ok := eval == "" || slices.Contains(evals, eval)
			if !ok {
				expectField(t, err, "evaluation", "method_evaluation", method+" with "+eval)
				continue
			}
			if err != nil {
				t.Fatalf("%s with %q: %v", method, eval, err)
			}
			if eval == "" && tn.Evaluation != evals[0] {
				t.Errorf("%s defaults to %s, want %s", method, tn.Evaluation, evals[0])
			}
		}
	}
	// Changing a draft to an evaluation its method does not allow is
	// refused too, and so is publishing one.
	in := w.tenderInput()
	in.Method, in.Evaluation, in.Criteria, in.PriceWeight = "competitive_negotiation", models.EvalLowestPrice, nil, 0
	tn, err := s.CreateTender(ctx, w.buyer, in)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.UpdateTender(ctx, w.buyer, tn.ID, func(in *models.TenderInput) error {
		c := w.tenderInput()
		in.Evaluation, in.Criteria, in.PriceWeight = models.EvalComprehensive, c.Criteria, c.PriceWeight
		return nil
	})
	expectField(t, err, "evaluation", "method_evaluation", "changing a negotiation to comprehensive scoring")
	s.DB.Exec("UPDATE tenders SET evaluation = ?, price_weight = 20 WHERE id = ?", models.EvalComprehensive, tn.ID)
	_, err = s.PublishTender(ctx, w.buyer, tn.ID)
	expectField(t, err, "evaluation", "method_evaluation", "publishing a negotiation with comprehensive scoring")
}

// lowestPriceTender publishes a lowest-price tender of the method with the
// world's bidders at the given prices (yuan), and opens it.
func (w *world) lowestPriceTender(method string, prices ...int64) (*models.Tender, []*models.Bid) {
	w.t.Helper()
	w.now = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	in := w.tenderInput()
	in.Method, in.Evaluation, in.Criteria, in.PriceWeight = method, models.EvalLowestPrice, nil, 0
	tn, err := w.s.CreateTender(w.ctx, w.buyer, in)
	if err == nil {
		tn, err = w.s.PublishTender(w.ctx, w.buyer, tn.ID)
	}
	if err != nil {
		w.t.Fatal(err)
	}
	var bids []*models.Bid
	for i, p := range prices {
		bids = append(bids, w.bid(i, tn.ID, p, fmt.Sprintf("方案%d", i)))
	}
	w.now = tn.BidDeadline
	return tn, bids
}

func review(pass bool, note string) models.ComplianceInput {
	return models.ComplianceInput{Pass: &pass, Note: note}
}

// TestComplianceReview (finding 16): a lowest-price tender needs its panel;
// each expert marks each valid bid pass or fail, the majority decides, and
// compliant bids rank by price.
func TestComplianceReview(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	w.addOrg(4)
	tender, bids := w.lowestPriceTender("inquiry", 260_000, 240_000, 250_000, 230_000) // A B C D
	w.clearAll(tender.ID)
	_, err := s.Award(ctx, w.buyer, tender.ID)
	expectKey(t, err, "err.panel_first", "awarding a lowest-price tender without a panel")
	if _, err := s.AppointPanel(ctx, w.buyer, tender.ID, userIDs(w.experts)); err != nil {
		t.Fatal(err)
	}
	_, err = s.ReviewCompliance(ctx, w.experts[0], bids[0].ID, review(true, ""))
	expectKey(t, err, "err.declare_first", "reviewing before declaring")
	for _, e := range w.experts {
		if _, err := s.Declare(ctx, e, tender.ID, models.Declaration{}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = s.ReviewCompliance(ctx, w.experts[0], bids[0].ID, models.ComplianceInput{})
	expectField(t, err, "pass", "required", "a review without a decision")
	_, err = s.ReviewCompliance(ctx, w.experts[0], bids[0].ID, review(false, " "))
	expectField(t, err, "note", "required", "a fail without a reason")
	_, err = s.ScoreBid(ctx, w.experts[0], bids[0].ID, map[string]float64{})
	expectKey(t, err, "err.no_scoring", "scoring a lowest-price bid")
	_, err = s.ReviewCompliance(ctx, w.buyer, bids[0].ID, review(true, ""))
	expectKind(t, err, models.ErrForbidden, "staff reviewing")

	// expert → A B C D: D fails 2:1, B passes 2:1, A and C pass.
	marks := [3][4]bool{{true, true, true, false}, {true, false, true, false}, {true, true, true, true}}
	for i, e := range w.experts {
		for j, b := range bids {
			if i == 2 && j == 3 {
				continue // the last review is missing
			}
			if _, err := s.ReviewCompliance(ctx, e, b.ID, review(marks[i][j], "资格证明文件不全")); err != nil {
				t.Fatal(err)
			}
		}
	}
	own, err := s.ComplianceReviews(ctx, w.experts[0], tender.ID)
	if err != nil || own.Complete || len(own.Reviews) != 4 || len(own.Results) != 0 {
		t.Fatalf("an expert's view before every review is in: %+v %v", own, err)
	}
	_, err = s.Award(ctx, w.buyer, tender.ID)
	expectKey(t, err, "err.reviews_missing", "awarding with a review missing")
	// The expert changes its mind on B, then the last review comes in.
	if _, err := s.ReviewCompliance(ctx, w.experts[1], bids[1].ID, review(true, "")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReviewCompliance(ctx, w.experts[1], bids[1].ID, review(false, "服务方案不满足采购需求")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReviewCompliance(ctx, w.experts[2], bids[3].ID, review(true, "")); err != nil {
		t.Fatal(err)
	}
	// An expert who has reviewed stays on the panel.
	fourth := w.staffUser("expert4", models.RoleExpert, "4501")
	_, err = s.AppointPanel(ctx, w.buyer, tender.ID, []int64{w.experts[0].UserID, w.experts[1].UserID, fourth.UserID})
	expectKey(t, err, "err.panel_scored", "replacing an expert who has reviewed")
	sheets, err := s.ComplianceReviews(ctx, w.buyer, tender.ID)
	if err != nil || !sheets.Complete || len(sheets.Reviews) != 12 || len(sheets.Results) != 4 {
		t.Fatalf("the panel's reviews: %+v %v", sheets, err)
	}
	for _, r := range sheets.Results {
		if want := r.BidID != bids[3].ID; r.Compliant != want {
			t.Errorf("bid %d: compliant %v (%d:%d), want %v", r.BidID, r.Compliant, r.Passes, r.Fails, want)
		}
	}
	ranking, err := s.Award(ctx, w.buyer, tender.ID)
	if err != nil {
		t.Fatal(err)
	}
	// D is the cheapest but not compliant: B 240,000 (100), C 250,000
	// (240/250×100 = 96), A 260,000 (240/260×100 = 92.307… → 92.31).
	want := []struct {
		org   int64
		score float64
	}{{w.orgs[1], 100}, {w.orgs[2], 96}, {w.orgs[0], 92.31}}
	if len(ranking) != len(want) {
		t.Fatalf("ranking: %+v", ranking)
	}
	for i, r := range ranking {
		if r.OrganisationID != want[i].org || r.FinalScore != want[i].score || r.TechnicalScore != 0 || r.Rank != i+1 {
			t.Errorf("rank %d: %+v, want org %d with %v", i+1, r, want[i].org, want[i].score)
		}
	}
	d, err := s.OwnBid(ctx, w.agents[3], tender.ID)
	if err != nil || d.Status != models.BidLost || d.Rank != nil {
		t.Fatalf("the non-compliant bid after the award: %+v %v", d, err)
	}
	_, err = s.ReviewCompliance(ctx, w.experts[0], bids[0].ID, review(false, "晚了"))
	expectKind(t, err, models.ErrConflict, "reviewing after the award")
}

// TestNoCompliantBid (finding 16): when the panel finds no bid compliant,
// the tender cannot be awarded.
func TestNoCompliantBid(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	tender, bids := w.lowestPriceTender("single_source", 290_000)
	w.clearAll(tender.ID)
	if _, err := s.AppointPanel(ctx, w.buyer, tender.ID, userIDs(w.experts)); err != nil {
		t.Fatal(err)
	}
	for i, e := range w.experts {
		if _, err := s.Declare(ctx, e, tender.ID, models.Declaration{}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ReviewCompliance(ctx, e, bids[0].ID, review(i == 0, "报价超出市场价格")); err != nil {
			t.Fatal(err)
		}
	}
	_, err := s.Award(ctx, w.buyer, tender.ID)
	expectKey(t, err, "err.no_compliant_bid", "awarding with no compliant bid")
	if got, _ := s.OwnBid(ctx, w.agents[0], tender.ID); got.Status != models.BidValid {
		t.Fatalf("a refused award changed the bid: %s", got.Status)
	}
	// A comprehensive tender is scored, not reviewed.
	scored := w.published()
	w.bid(0, scored.ID, 200_000, "方案")
	w.bid(1, scored.ID, 200_000, "方案")
	b := w.bid(2, scored.ID, 200_000, "方案")
	w.now = scored.BidDeadline
	if _, err := s.AppointPanel(ctx, w.buyer, scored.ID, userIDs(w.experts)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Declare(ctx, w.experts[0], scored.ID, models.Declaration{}); err != nil {
		t.Fatal(err)
	}
	_, err = s.ReviewCompliance(ctx, w.experts[0], b.ID, review(true, ""))
	expectKey(t, err, "err.no_compliance", "reviewing a comprehensive tender's bid")
}
