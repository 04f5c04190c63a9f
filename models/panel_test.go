package models_test

import (
	"testing"
	"time"

	"portal/models"
)

// TestConflictedExpertIsReplaced: an expert who declares a conflict
// recuses, the award waits for a full panel, and staff appoint a
// replacement; a disqualified bid is not scored.
func TestConflictedExpertIsReplaced(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	tender := w.published()
	bids := []*models.Bid{w.bid(0, tender.ID, 280_000, "A"), w.bid(1, tender.ID, 250_000, "B"), w.bid(2, tender.ID, 300_000, "C")}
	w.now = tender.BidDeadline
	ids := []int64{w.experts[0].UserID, w.experts[1].UserID, w.experts[2].UserID}
	if _, err := s.AppointPanel(ctx, w.buyer, tender.ID, ids); err != nil {
		t.Fatal(err)
	}
	// Procurement staff of the region may not sit on its panel.
	_, err := s.AppointPanel(ctx, w.buyer, tender.ID, []int64{ids[0], ids[1], w.buyer.UserID})
	expectKind(t, err, models.ErrInvalid, "appointing the region's own buyer")

	bidders, err := s.Bidders(ctx, w.experts[2], tender.ID)
	if err != nil || len(bidders) != 3 {
		t.Fatalf("bidders for the declaration: %+v %v", bidders, err)
	}
	if _, err := s.Declare(ctx, w.experts[2], tender.ID, models.Declaration{Conflict: true, OrganisationID: &w.orgs[1]}); err != nil {
		t.Fatal(err)
	}
	_, err = s.OpenedBids(ctx, w.experts[2], tender.ID)
	expectKind(t, err, models.ErrForbidden, "a recused expert reading bids")

	// Staff disqualify A; the others score B and C.
	if _, err := s.DisqualifyBid(ctx, w.buyer, bids[0].ID, "缺少资质证明", false); err != nil {
		t.Fatal(err)
	}
	// A consultation for purchased services goes on with two valid bids.
	if got, _ := s.Tender(ctx, w.buyer, tender.ID); got.Status != models.TenderEvaluating {
		t.Fatalf("two valid bids of a consultation: %s", got.Status)
	}
}

// TestPanelReplacement: with enough bids left, a recused expert's place is
// filled and the award goes through.
func TestPanelReplacement(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	fourth := w.staffUser("expert4", models.RoleExpert, "45")
	in := w.tenderInput()
	in.Method = "single_source" // one valid bid is enough
	tender, err := s.CreateTender(ctx, w.buyer, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.PublishTender(ctx, w.buyer, tender.ID); err != nil {
		t.Fatal(err)
	}
	bid := w.bid(0, tender.ID, 290_000, "唯一方案")
	w.now = tender.BidDeadline.Add(time.Minute)
	ids := []int64{w.experts[0].UserID, w.experts[1].UserID, w.experts[2].UserID}
	if _, err := s.AppointPanel(ctx, w.buyer, tender.ID, ids); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Declare(ctx, w.experts[2], tender.ID, models.Declaration{Conflict: true, OrganisationID: &w.orgs[0]}); err != nil {
		t.Fatal(err)
	}
	points := map[string]float64{"plan": 30, "team": 20, "experience": 8}
	for _, e := range w.experts[:2] {
		if _, err := s.Declare(ctx, e, tender.ID, models.Declaration{}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ScoreBid(ctx, e, bid.ID, points); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.RecordCreditCheck(ctx, w.buyer, tender.ID, models.CreditCheckInput{OrganisationID: w.orgs[0], Result: "clear", CheckedAt: w.now}); err != nil {
		t.Fatal(err)
	}
	_, err = s.Award(ctx, w.buyer, tender.ID)
	expectKind(t, err, models.ErrConflict, "awarding with two of three panel members")
	// The recused expert cannot come back; a fourth replaces them.
	_, err = s.AppointPanel(ctx, w.buyer, tender.ID, ids)
	expectKind(t, err, models.ErrInvalid, "re-appointing a recused expert")
	if _, err := s.AppointPanel(ctx, w.buyer, tender.ID, []int64{ids[0], ids[1], fourth.UserID}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Declare(ctx, fourth, tender.ID, models.Declaration{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ScoreBid(ctx, fourth, bid.ID, points); err != nil {
		t.Fatal(err)
	}
	ranking, err := s.Award(ctx, w.buyer, tender.ID)
	if err != nil || len(ranking) != 1 || ranking[0].FinalScore != 20+58 {
		t.Fatalf("award after the replacement: %+v %v", ranking, err)
	}
}

// TestInvitedTender: only the invited organisations see and bid on an
// invited tender, and it needs at least three of them.
func TestInvitedTender(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	in := w.tenderInput()
	in.Method = "invited_tender"
	in.Invited = []int64{w.orgs[0], w.orgs[1]}
	in.BidDeadline = w.now.Add(21 * 24 * time.Hour)
	_, err := s.CreateTender(ctx, w.buyer, in)
	expectKind(t, err, models.ErrInvalid, "inviting two organisations")
	// A fourth organisation, verified, not invited.
	extra := w.addOrg(4)
	in.Invited = []int64{w.orgs[0], w.orgs[1], w.orgs[2]}
	tender, err := s.CreateTender(ctx, w.buyer, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.PublishTender(ctx, w.buyer, tender.ID); err != nil {
		t.Fatal(err)
	}
	w.bid(0, tender.ID, 200_000, "受邀方案")
	_, err = s.SaveBid(ctx, extra, tender.ID, models.BidInput{PriceFen: 100, Proposal: "x"})
	expectKind(t, err, models.ErrNotFound, "an organisation that was not invited bidding")
}
