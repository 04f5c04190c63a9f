package models_test

import (
	"strings"
	"testing"
	"time"

	"portal/models"
)

// TestConflictedExpertIsReplaced: an expert who declares a conflict
// recuses and cannot read the bids; the award waits while the panel is
// below its minimum; the recused expert cannot come back, a replacement
// is appointed, declares and scores, and the award goes through with the
// replacement on the notice.
func TestConflictedExpertIsReplaced(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	w.moreExperts(4)
	tender := w.published()
	bids := []*models.Bid{w.bid(0, tender.ID, 280_000, "A"), w.bid(1, tender.ID, 250_000, "B"), w.bid(2, tender.ID, 300_000, "C")}
	w.now = tender.BidDeadline
	ids := userIDs(w.experts[:3])
	if _, err := s.AppointPanel(ctx, w.buyer, tender.ID, ids); err != nil {
		t.Fatal(err)
	}
	bidders, err := s.Bidders(ctx, w.experts[2], tender.ID)
	if err != nil || len(bidders) != 3 {
		t.Fatalf("bidders for the declaration: %+v %v", bidders, err)
	}
	if _, err := s.Declare(ctx, w.experts[2], tender.ID, models.Declaration{Conflict: true, OrganisationID: &w.orgs[1]}); err != nil {
		t.Fatal(err)
	}
	_, err = s.OpenedBids(ctx, w.experts[2], tender.ID)
	expectKind(t, err, models.ErrForbidden, "a recused expert reading bids")
	_, err = s.ScoreBid(ctx, w.experts[2], bids[0].ID, map[string]float64{"plan": 30, "team": 20, "experience": 8})
	expectKind(t, err, models.ErrForbidden, "a recused expert scoring")
	w.scoreAll(tender.ID, w.experts[:2], bids)
	w.clearAll(tender.ID)
	_, err = s.Award(ctx, w.buyer, tender.ID)
	expectKey(t, err, "err.panel_incomplete", "awarding with two of three panel members")
	_, err = s.AppointPanel(ctx, w.buyer, tender.ID, ids)
	expectField(t, err, "expert_ids", "recused", "re-appointing a recused expert")
	if _, err := s.AppointPanel(ctx, w.buyer, tender.ID, append(ids[:2:2], w.experts[3].UserID)); err != nil {
		t.Fatal(err)
	}
	w.scoreAll(tender.ID, w.experts[3:4], bids)
	ranking, err := s.Award(ctx, w.buyer, tender.ID)
	// Each expert gives plan 30/31/32, team 20, experience 8: technical
	// A 58, B 59, C 60; price B 20, A 250/280×20 = 17.857… , C 250/300×20
	// = 16.666…: B 79, C 76.67, A 75.86.
	if err != nil || len(ranking) != 3 || ranking[0].OrganisationID != w.orgs[1] || ranking[0].FinalScore != 79 ||
		ranking[1].FinalScore != 76.67 || ranking[2].FinalScore != 75.86 {
		t.Fatalf("award after the replacement: %+v %v", ranking, err)
	}
	res, err := s.TenderResult(ctx, w.agents[0], tender.ID)
	if err != nil || strings.Join(res.Panel, ",") != "expert1,expert2,expert4" || res.Own == nil || res.Own.Rank != 3 || res.Own.Score != 75.86 {
		t.Fatalf("the notice after the replacement: %+v %v", res, err)
	}
}

// TestPanelReplacement: a single-source tender has a panel too, which
// reviews the one bid's compliance; a recused expert's place is filled and
// the award goes through.
func TestPanelReplacement(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	w.moreExperts(4)
	tender, bids := w.lowestPriceTender("single_source", 290_000)
	ids := userIDs(w.experts[:3])
	if _, err := s.AppointPanel(ctx, w.buyer, tender.ID, ids); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Declare(ctx, w.experts[2], tender.ID, models.Declaration{Conflict: true, OrganisationID: &w.orgs[0]}); err != nil {
		t.Fatal(err)
	}
	for _, e := range w.experts[:2] {
		if _, err := s.Declare(ctx, e, tender.ID, models.Declaration{}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ReviewCompliance(ctx, e, bids[0].ID, review(true, "")); err != nil {
			t.Fatal(err)
		}
	}
	w.clearAll(tender.ID)
	_, err := s.Award(ctx, w.buyer, tender.ID)
	expectKind(t, err, models.ErrConflict, "awarding with two of three panel members")
	// The recused expert cannot come back; a fourth replaces them.
	_, err = s.AppointPanel(ctx, w.buyer, tender.ID, ids)
	expectKind(t, err, models.ErrInvalid, "re-appointing a recused expert")
	if _, err := s.AppointPanel(ctx, w.buyer, tender.ID, append(ids[:2:2], w.experts[3].UserID)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Declare(ctx, w.experts[3], tender.ID, models.Declaration{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReviewCompliance(ctx, w.experts[3], bids[0].ID, review(true, "")); err != nil {
		t.Fatal(err)
	}
	ranking, err := s.Award(ctx, w.buyer, tender.ID)
	if err != nil || len(ranking) != 1 || ranking[0].FinalScore != 100 {
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
