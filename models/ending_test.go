package models_test

import (
	"fmt"
	"testing"

	"portal/models"
)

// Issue 7, finding 19: every step that ends a tender asks first, and each
// failure reason has its producer.

// countAudit counts the audit events of action on the object.
func (w *world) countAudit(action string, id int64) int64 {
	w.t.Helper()
	var n int64
	if err := w.s.DB.Model(&models.AuditEvent{}).Where("action = ? AND object_id = ?", action, fmt.Sprint(id)).Count(&n).Error; err != nil {
		w.t.Fatal(err)
	}
	return n
}

// TestCancellingAsksFirst: the pages' cancellation checks everything, then
// answers 409 naming the notice it would publish and changes nothing,
// until confirmed; the API's explicit call is its own confirmation.
func TestCancellingAsksFirst(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	tender := w.published()
	_, err := s.CancelTenderConfirmed(ctx, w.buyer, tender.ID, " ", false)
	expectField(t, err, "reason", "required", "an unconfirmed cancellation without a reason")
	_, err = s.CancelTenderConfirmed(ctx, w.buyer, tender.ID, "预算调整", false)
	ce, ok := models.AsConfirmEnd(err)
	if !ok || ce.Reason != models.FailCancelled || ce.Params["reason"] != "预算调整" {
		t.Fatalf("an unconfirmed cancellation: %v", err)
	}
	expectKey(t, err, "err.confirm_cancel", "an unconfirmed cancellation")
	if got := mustTender(t, s, tender.ID); got.Status != models.TenderPublished || got.Failure() != nil || w.countAudit("tender.cancel", tender.ID) != 0 {
		t.Fatalf("an unconfirmed cancellation changed the tender: %s", got.Status)
	}
	if _, err := s.CancelTenderConfirmed(ctx, w.buyer, tender.ID, "预算调整", true); err != nil {
		t.Fatal(err)
	}
	if n := mustTender(t, s, tender.ID).Failure(); n == nil || n.Reason != models.FailCancelled || n.Params["reason"] != "预算调整" {
		t.Fatalf("a confirmed cancellation: %+v", n)
	}
	// The API's call with its reason cancels at once.
	other := w.published()
	if got, err := s.CancelTender(ctx, w.buyer, other.ID, "需求变更"); err != nil || got.Status != models.TenderCancelled {
		t.Fatalf("the API's cancellation: %v", err)
	}
}

// TestNoCompliantBidEndsNoAcceptable: a lowest-price tender whose panel
// finds no bid compliant cannot be awarded; staff end it unsuccessful with
// reason no_acceptable and their words, once confirmed.
func TestNoCompliantBidEndsNoAcceptable(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	tender, bids := w.lowestPriceTender("single_source", 290_000)
	_, err := s.FailTender(ctx, w.buyer, tender.ID, "无合格投标", true)
	expectKey(t, err, "err.panel_first", "ending a tender the panel has not evaluated")
	if _, err := s.AppointPanel(ctx, w.buyer, tender.ID, userIDs(w.experts)); err != nil {
		t.Fatal(err)
	}
	// The panel rule holds when the tender ends too: a recused expert is
	// replaced first.
	if _, err := s.Declare(ctx, w.experts[2], tender.ID, models.Declaration{Conflict: true, OrganisationID: &w.orgs[0]}); err != nil {
		t.Fatal(err)
	}
	_, err = s.FailTender(ctx, w.buyer, tender.ID, "无合格投标", true)
	expectKey(t, err, "err.panel_incomplete", "ending with two active experts")
	w.moreExperts(4)
	if _, err := s.AppointPanel(ctx, w.buyer, tender.ID, userIDs([]*models.Actor{w.experts[0], w.experts[1], w.experts[3]})); err != nil {
		t.Fatal(err)
	}
	w.experts = append(w.experts[:2], w.experts[3])
	for i, e := range w.experts {
		if _, err := s.Declare(ctx, e, tender.ID, models.Declaration{}); err != nil {
			t.Fatal(err)
		}
		if i == 2 {
			_, err = s.FailTender(ctx, w.buyer, tender.ID, "无合格投标", true)
			expectKey(t, err, "err.reviews_missing", "ending before every review is in")
		}
		if _, err := s.ReviewCompliance(ctx, e, bids[0].ID, review(i == 0, "报价超出市场价格")); err != nil {
			t.Fatal(err)
		}
	}
	_, err = s.Award(ctx, w.buyer, tender.ID)
	expectKey(t, err, "err.no_compliant_bid", "awarding with no compliant bid")
	_, err = s.FailTender(ctx, w.buyer, tender.ID, "", true)
	expectField(t, err, "reason", "required", "ending without a reason")
	_, err = s.FailTender(ctx, w.buyer, tender.ID, "评审小组认定唯一投标不符合采购需求", false)
	ce, ok := models.AsConfirmEnd(err)
	if !ok || ce.Reason != models.FailNoAcceptable || ce.Params["reason"] != "评审小组认定唯一投标不符合采购需求" {
		t.Fatalf("ending unconfirmed: %v", err)
	}
	if got := mustTender(t, s, tender.ID); got.Status != models.TenderEvaluating || w.countAudit("tender.fail", tender.ID) != 0 {
		t.Fatalf("an unconfirmed end changed the tender: %s", got.Status)
	}
	got, err := s.FailTender(ctx, w.buyer, tender.ID, "评审小组认定唯一投标不符合采购需求", true)
	if err != nil || got.Status != models.TenderUnsuccessful {
		t.Fatalf("ending confirmed: %v", err)
	}
	n, err := s.TenderFailure(ctx, models.Anonymous("", s.Authz), tender.ID)
	if err != nil || n.Reason != models.FailNoAcceptable || n.Params["reason"] != "评审小组认定唯一投标不符合采购需求" || !n.EndedAt.Equal(w.now) {
		t.Fatalf("the public failure notice: %+v %v", n, err)
	}
	if w.countAudit("tender.fail", tender.ID) != 1 {
		t.Fatal("the end is not audited")
	}
	_, err = s.FailTender(ctx, w.buyer, tender.ID, "再次", true)
	expectKind(t, err, models.ErrConflict, "ending an unsuccessful tender")
}

// TestFailNeedsNoAwardableBid: a lowest-price tender with enough compliant
// bids is awarded, not ended; with some, but fewer than the method needs to
// go on, it ends too_few_valid.
func TestFailNeedsNoAwardableBid(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	tender, bids := w.lowestPriceTender("inquiry", 260_000, 240_000, 250_000)
	if _, err := s.AppointPanel(ctx, w.buyer, tender.ID, userIDs(w.experts)); err != nil {
		t.Fatal(err)
	}
	reviewAll := func(pass func(bid int) bool) {
		for _, e := range w.experts {
			for j, b := range bids {
				if _, err := s.ReviewCompliance(ctx, e, b.ID, review(pass(j), "不满足采购需求")); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	for _, e := range w.experts {
		if _, err := s.Declare(ctx, e, tender.ID, models.Declaration{}); err != nil {
			t.Fatal(err)
		}
	}
	reviewAll(func(int) bool { return true })
	_, err := s.FailTender(ctx, w.buyer, tender.ID, "无合格投标", true)
	expectKey(t, err, "err.award_instead", "ending a tender with three compliant bids")
	reviewAll(func(j int) bool { return j == 1 })
	_, err = s.FailTender(ctx, w.buyer, tender.ID, "合格投标不足三家", false)
	if ce, ok := models.AsConfirmEnd(err); !ok || ce.Reason != models.FailTooFewValid || ce.Params["valid"] != "1" || ce.Params["required"] != "3" {
		t.Fatalf("ending with one compliant bid of three needed, unconfirmed: %v", err)
	}
	if _, err := s.FailTender(ctx, w.buyer, tender.ID, "合格投标不足三家", true); err != nil {
		t.Fatal(err)
	}
	if n := mustTender(t, s, tender.ID).Failure(); n == nil || n.Reason != models.FailTooFewValid || n.Params["valid"] != "1" {
		t.Fatalf("failure notice: %+v", n)
	}
}

// TestNoAcceptableScoredBid: staff judge that no bid of a scored
// comprehensive tender is acceptable, once every sheet is in.
func TestNoAcceptableScoredBid(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	tender := w.published()
	bids := []*models.Bid{w.bid(0, tender.ID, 280_000, "A"), w.bid(1, tender.ID, 250_000, "B"), w.bid(2, tender.ID, 300_000, "C")}
	w.now = tender.BidDeadline
	if _, err := s.AppointPanel(ctx, w.buyer, tender.ID, userIDs(w.experts)); err != nil {
		t.Fatal(err)
	}
	_, err := s.FailTender(ctx, w.buyer, tender.ID, "各投标服务方案均不可接受", true)
	expectKey(t, err, "err.scores_missing", "ending before the panel has scored")
	w.scoreAll(tender.ID, w.experts, bids)
	_, err = s.FailTender(ctx, w.buyer, tender.ID, "各投标服务方案均不可接受", false)
	if ce, ok := models.AsConfirmEnd(err); !ok || ce.Reason != models.FailNoAcceptable {
		t.Fatalf("ending unconfirmed: %v", err)
	}
	if got := mustTender(t, s, tender.ID); got.Status != models.TenderEvaluating {
		t.Fatalf("an unconfirmed end left the tender %s", got.Status)
	}
	if _, err := s.FailTender(ctx, w.buyer, tender.ID, "各投标服务方案均不可接受", true); err != nil {
		t.Fatal(err)
	}
	n := mustTender(t, s, tender.ID).Failure()
	if n == nil || n.Status != models.TenderUnsuccessful || n.Reason != models.FailNoAcceptable || n.Params["reason"] != "各投标服务方案均不可接受" {
		t.Fatalf("failure notice: %+v", n)
	}
	_, err = s.Award(ctx, w.buyer, tender.ID)
	expectKind(t, err, models.ErrConflict, "awarding an unsuccessful tender")
}

// TestListedCheckStoresAReasonCode: a listed credit check disqualifies with
// the portal's code (and its stable English for the API); a staff-typed
// reason has no code and stays as typed.
func TestListedCheckStoresAReasonCode(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	tender := w.published()
	for i := range w.agents {
		w.bid(i, tender.ID, 250_000+int64(i), "方案")
	}
	w.now = tender.BidDeadline
	if _, err := s.RecordCreditCheck(ctx, w.buyer, tender.ID, models.CreditCheckInput{OrganisationID: w.orgs[2], Result: "listed", CheckedAt: w.now}); err != nil {
		t.Fatal(err)
	}
	b, err := s.OwnBid(ctx, w.agents[2], tender.ID)
	if err != nil || b.Status != models.BidDisqualified || b.DisqualifiedCode != models.DisqualifyCreditListed || b.DisqualifiedReason != "credit check: listed" {
		t.Fatalf("the listed organisation's bid: %+v %v", b, err)
	}
	var code string
	if err := s.DB.Raw("SELECT disqualified_code FROM bids WHERE id = ?", b.ID).Scan(&code).Error; err != nil || code != models.DisqualifyCreditListed {
		t.Fatalf("stored code %q: %v", code, err)
	}
	mine, _ := s.OwnBid(ctx, w.agents[1], tender.ID)
	typed, err := s.DisqualifyBid(ctx, w.buyer, mine.ID, "报价文件未盖章", true)
	if err != nil || typed.DisqualifiedCode != "" || typed.DisqualifiedReason != "报价文件未盖章" {
		t.Fatalf("a staff-typed reason: %+v %v", typed, err)
	}
}
