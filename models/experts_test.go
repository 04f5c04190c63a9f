package models_test

import (
	"testing"
	"time"

	"portal/models"
)

func TestExpertsPanelsAndOwnBids(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	// The candidates: the three experts, not the buyer nor an expert of
	// another city, nor a disabled one.
	w.staffUser("lz-expert", models.RoleExpert, "4502")
	gone := w.staffUser("gone-expert", models.RoleExpert, "45")
	if _, err := s.SetUserDisabled(ctx, w.admin, gone.UserID, true); err != nil {
		t.Fatal(err)
	}
	both := w.staffUser("buyer-expert", models.RoleExpert, "4501")
	if err := s.GrantRole(ctx, w.admin, both.UserID, models.Grant{Role: models.RoleProcurement, Region: "450102"}); err != nil {
		t.Fatal(err)
	}
	experts, err := s.Experts(ctx, w.buyer, "450102")
	if err != nil || len(experts) != 3 {
		t.Fatalf("experts: %v %v", experts, err)
	}
	for i, u := range experts {
		if u.Username != []string{"expert1", "expert2", "expert3"}[i] {
			t.Fatalf("expert %d is %s", i, u.Username)
		}
	}
	other := w.staffUser("qx-buyer", models.RoleProcurement, "450103")
	_, err = s.Experts(ctx, other, "450102")
	expectKind(t, err, models.ErrForbidden, "another county's buyer listing experts")
	_, err = s.Experts(ctx, w.agents[0], "450102")
	expectKind(t, err, models.ErrForbidden, "an agency listing experts")

	tender := w.published()
	w.bid(0, tender.ID, 280_000, "方案A")
	w.bid(1, tender.ID, 250_000, "方案B")
	w.bid(2, tender.ID, 300_000, "方案C")
	own, err := s.OwnBids(ctx, w.agents[1])
	if err != nil || len(own) != 1 || own[0].Bid.Proposal != "方案B" || own[0].Bid.Status != models.BidSubmitted || own[0].Tender.ID != tender.ID {
		t.Fatalf("own bids: %+v %v", own, err)
	}
	_, err = s.OwnBids(ctx, w.buyer)
	expectKind(t, err, models.ErrForbidden, "staff listing own bids")

	w.now = tender.BidDeadline.Add(time.Second)
	if own, _ = s.OwnBids(ctx, w.agents[1]); own[0].Bid.Status != models.BidValid || own[0].Tender.Status != models.TenderOpened {
		t.Fatalf("own bid after the deadline: %+v", own[0])
	}
	ids := []int64{w.experts[0].UserID, w.experts[1].UserID, w.experts[2].UserID}
	if _, err := s.AppointPanel(ctx, w.buyer, tender.ID, ids); err != nil {
		t.Fatal(err)
	}
	panels, err := s.Panels(ctx, w.experts[0])
	if err != nil || len(panels) != 1 || panels[0].Tender.ID != tender.ID || !panels[0].Member.Active {
		t.Fatalf("panels: %+v %v", panels, err)
	}
	if panels, _ = s.Panels(ctx, w.buyer); len(panels) != 0 {
		t.Fatalf("the buyer sits on %d panels", len(panels))
	}
	_, _, err = s.Membership(ctx, w.buyer, tender.ID)
	expectKind(t, err, models.ErrForbidden, "the buyer's membership")
	members, err := s.TenderPanel(ctx, w.buyer, tender.ID)
	if err != nil || len(members) != 3 {
		t.Fatalf("panel: %v %v", members, err)
	}
	_, err = s.TenderPanel(ctx, other, tender.ID)
	expectKind(t, err, models.ErrForbidden, "another county's buyer reading the panel")

	// After the award the sheets stay readable.
	for _, e := range w.experts {
		if _, err := s.Declare(ctx, e, tender.ID, models.Declaration{}); err != nil {
			t.Fatal(err)
		}
		for _, b := range []int{0, 1, 2} {
			bid, err := s.OwnBid(ctx, w.agents[b], tender.ID)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.ScoreBid(ctx, e, bid.ID, map[string]float64{"plan": 30, "team": 20, "experience": float64(b + 5)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := s.RecordCreditCheck(ctx, w.buyer, tender.ID, models.CreditCheckInput{OrganisationID: w.orgs[1], Result: "clear", CheckedAt: w.now}); err != nil {
		t.Fatal(err)
	}
	checks, err := s.CreditChecks(ctx, w.buyer, tender.ID)
	if err != nil || len(checks) != 1 {
		t.Fatalf("credit checks: %v %v", checks, err)
	}
	if _, err := s.Award(ctx, w.buyer, tender.ID); err != nil {
		t.Fatal(err)
	}
	for _, who := range []*models.Actor{w.buyer, w.experts[2]} {
		sheets, err := s.Scores(ctx, who, tender.ID)
		if err != nil || !sheets.Complete || len(sheets.Scores) != 27 {
			t.Fatalf("sheets after the award: %+v %v", sheets, err)
		}
	}
	_, err = s.Scores(ctx, w.agents[0], tender.ID)
	expectKind(t, err, models.ErrForbidden, "an agency reading the sheets")
}
