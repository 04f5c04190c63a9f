package models_test

import (
	"testing"
	"time"

	"portal/models"

	"gorm.io/gorm"
)

// awarded runs the standard consultation to its award: three bids, a
// panel of three that scores C highest, C's clear credit check.
func (w *world) awarded() *models.Tender {
	t, s, ctx := w.t, w.s, w.ctx
	tender := w.published()
	var bids []*models.Bid
	for i := range w.agents {
		bids = append(bids, w.bid(i, tender.ID, 250_000+int64(i)*10_000, "方案"))
	}
	w.now = tender.BidDeadline
	ids := []int64{w.experts[0].UserID, w.experts[1].UserID, w.experts[2].UserID}
	if _, err := s.AppointPanel(ctx, w.buyer, tender.ID, ids); err != nil {
		t.Fatal(err)
	}
	for _, e := range w.experts {
		if _, err := s.Declare(ctx, e, tender.ID, models.Declaration{}); err != nil {
			t.Fatal(err)
		}
		for i, b := range bids {
			if _, err := s.ScoreBid(ctx, e, b.ID, map[string]float64{"plan": 30 + float64(i)*5, "team": 20, "experience": 5}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := s.RecordCreditCheck(ctx, w.buyer, tender.ID, models.CreditCheckInput{OrganisationID: w.orgs[2], Result: "clear", CheckedAt: w.now}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Award(ctx, w.buyer, tender.ID); err != nil {
		t.Fatal(err)
	}
	got, err := s.Tender(ctx, w.buyer, tender.ID)
	if err != nil || got.AwardedAt == nil {
		t.Fatalf("awarded tender: %+v %v", got, err)
	}
	return got
}

// TestContractWithin30DaysOfTheNotice: a second after 30 days from the
// award notice the contract can no longer be signed; at 30 days it can.
func TestContractWithin30DaysOfTheNotice(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	tender := w.awarded()
	plan := []models.PlanLine{{Percent: 30, Condition: "signing"}, {Percent: 70, Condition: "acceptance"}}
	w.now = tender.AwardedAt.Add(30*24*time.Hour + time.Second)
	_, err := s.SignContract(ctx, w.buyer, tender.ID, plan)
	if e := wantKind(t, err, models.ErrConflict); e.Key != "err.contract_late" {
		t.Fatalf("signing 30 days and a second after the notice: %v", err)
	}
	w.now = tender.AwardedAt.Add(30 * 24 * time.Hour)
	if _, err := s.SignContract(ctx, w.buyer, tender.ID, plan); err != nil {
		t.Fatalf("signing 30 days after the notice: %v", err)
	}
}

// TestEnquiriesFollowTheMethod: a single-source tender takes no enquiries;
// an open tender does.
func TestEnquiriesFollowTheMethod(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	for _, c := range []struct {
		method string
		days   int
		asks   bool
	}{{"single_source", 3, false}, {"open_tender", 21, true}} {
		in := w.tenderInput()
		in.Method, in.BidDeadline = c.method, w.now.Add(time.Duration(c.days)*24*time.Hour)
		if c.method == "single_source" {
			in.Evaluation, in.Criteria, in.PriceWeight = models.EvalLowestPrice, nil, 0
		}
		tender, err := s.CreateTender(ctx, w.buyer, in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.PublishTender(ctx, w.buyer, tender.ID); err != nil {
			t.Fatal(err)
		}
		_, err = s.Ask(ctx, w.agents[0], tender.ID, "服务对象范围？")
		if c.asks && err != nil {
			t.Fatalf("%s: %v", c.method, err)
		}
		if !c.asks {
			if e := wantKind(t, err, models.ErrConflict); e.Key != "err.no_enquiries" {
				t.Fatalf("%s: %v", c.method, err)
			}
		}
		if list, _ := s.Enquiries(ctx, nil, tender.ID); (len(list) == 1) != c.asks {
			t.Fatalf("%s: %d enquiries stored", c.method, len(list))
		}
	}
}

// TestDeadlineCheckedLastBeforeCommit: the clock passes the deadline while
// a submission's transaction runs (after the tender was found open and the
// bid was written): the submission is refused and rolled back.
func TestDeadlineCheckedLastBeforeCommit(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	tender := w.published()
	if _, err := s.SaveBid(ctx, w.agents[0], tender.ID, models.BidInput{PriceFen: 250_000_00, Proposal: "方案",
		Team: []models.TeamMember{{StaffID: w.staff[0]}}}); err != nil {
		t.Fatal(err)
	}
	w.now = tender.BidDeadline.Add(-time.Millisecond)
	armed := true
	if err := s.DB.Callback().Update().After("gorm:update").Register("test:deadline_passes", func(db *gorm.DB) {
		if armed && db.Statement.Table == "bids" {
			w.now = tender.BidDeadline // the deadline passes while the transaction runs
		}
	}); err != nil {
		t.Fatal(err)
	}
	_, err := s.SubmitBid(ctx, w.agents[0], tender.ID)
	armed = false
	if e := wantKind(t, err, models.ErrConflict); e.Key != "err.deadline_passed" {
		t.Fatalf("a submission that would commit at the deadline: %v", err)
	}
	var b models.Bid
	if err := s.DB.Where("tender_id = ?", tender.ID).First(&b).Error; err != nil || b.Status != models.BidDraft || b.SubmittedAt != nil {
		t.Fatalf("the refused submission left the bid %s (%v)", b.Status, err)
	}
}
