package models_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"portal/models"
)

// snapshot is what an invalid transition must leave unchanged.
func snapshot(t *testing.T, s *models.Store, tenderID int64) string {
	t.Helper()
	var row map[string]any
	s.DB.Raw("SELECT status, bid_deadline, awarded_at, winner_bid_id, cancel_reason FROM tenders WHERE id = ?", tenderID).Scan(&row)
	var bids []map[string]any
	s.DB.Raw("SELECT id, status, submitted_at FROM bids WHERE tender_id = ? ORDER BY id", tenderID).Scan(&bids)
	var events int64
	s.DB.Model(&models.AuditEvent{}).Count(&events)
	return fmt.Sprint(row, bids, events)
}

// TestInvalidTransitionsChangeNothing tries each action in each state
// where the lifecycle forbids it: 409, and the tender, its bids and the
// audit log are as they were.
func TestInvalidTransitionsChangeNothing(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	actions := map[string]func(id int64) error{
		"publish": func(id int64) error { _, err := s.PublishTender(ctx, w.buyer, id); return err },
		"amend": func(id int64) error {
			_, err := s.UpdateTender(ctx, w.buyer, id, func(in *models.TenderInput) error { in.Title = "x"; return nil })
			return err
		},
		"cancel":  func(id int64) error { _, err := s.CancelTender(ctx, w.buyer, id, "理由"); return err },
		"appoint": func(id int64) error { _, err := s.AppointPanel(ctx, w.buyer, id, nil); return err },
		"award":   func(id int64) error { _, err := s.Award(ctx, w.buyer, id); return err },
		"contract": func(id int64) error {
			_, err := s.SignContract(ctx, w.buyer, id, []models.PlanLine{{Percent: 100, Condition: "signing"}})
			return err
		},
		"bid": func(id int64) error {
			_, err := s.SaveBid(ctx, w.agents[2], id, models.BidInput{PriceFen: 1, Proposal: "p"})
			return err
		},
	}
	// state → actions the lifecycle refuses there.
	refused := map[string][]string{
		models.TenderDraft:     {"appoint", "award", "contract"},
		models.TenderPublished: {"publish", "appoint", "award", "contract"},
		models.TenderOpened:    {"publish", "amend", "contract", "bid"},
		models.TenderCancelled: {"publish", "amend", "cancel", "appoint", "award", "contract"},
	}
	inState := func(state string) int64 {
		w.now = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		tender, err := s.CreateTender(ctx, w.buyer, w.tenderInput())
		if err != nil {
			t.Fatal(err)
		}
		if state == models.TenderDraft {
			return tender.ID
		}
		if state == models.TenderCancelled {
			if _, err := s.CancelTender(ctx, w.buyer, tender.ID, "预算取消"); err != nil {
				t.Fatal(err)
			}
			return tender.ID
		}
		if _, err := s.PublishTender(ctx, w.buyer, tender.ID); err != nil {
			t.Fatal(err)
		}
		if state == models.TenderOpened {
			for i := range w.agents[:2] {
				w.bid(i, tender.ID, 100_000, "方案")
			}
			w.bid(2, tender.ID, 100_000, "方案")
			w.now = tender.BidDeadline.Add(time.Hour)
		}
		return tender.ID
	}
	for state, names := range refused {
		id := inState(state)
		if got, _ := s.Tender(ctx, w.buyer, id); got.Status != state {
			t.Fatalf("fixture for %s is %s", state, got.Status)
		}
		for _, name := range names {
			before := snapshot(t, s, id)
			err := actions[name](id)
			if !errors.Is(err, models.ErrConflict) {
				t.Errorf("%s on a %s tender: %v, want 409", name, state, err)
			}
			if after := snapshot(t, s, id); after != before {
				t.Errorf("%s on a %s tender changed\n%s\nto\n%s", name, state, before, after)
			}
		}
	}
}

// TestLowestPriceTender: the lowest valid price wins, with no panel; a
// listed bidder is disqualified, and too few valid bids make the tender
// unsuccessful.
func TestLowestPriceTender(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	run := func(listed int) *models.Tender {
		w.now = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		in := w.tenderInput()
		in.Evaluation, in.Criteria, in.PriceWeight = models.EvalLowestPrice, nil, 0
		tender, err := s.CreateTender(ctx, w.buyer, in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.PublishTender(ctx, w.buyer, tender.ID); err != nil {
			t.Fatal(err)
		}
		w.bid(0, tender.ID, 260_000, "A")
		w.bid(1, tender.ID, 240_000, "B")
		w.bid(2, tender.ID, 250_000, "C")
		w.now = tender.BidDeadline
		result := "clear"
		if listed >= 0 {
			result = "listed"
		} else {
			listed = 1
		}
		if _, err := s.RecordCreditCheck(ctx, w.buyer, tender.ID, models.CreditCheckInput{OrganisationID: w.orgs[listed], Result: result, CheckedAt: w.now}); err != nil {
			t.Fatal(err)
		}
		got, _ := s.Tender(ctx, w.buyer, tender.ID)
		return got
	}
	tender := run(-1)
	ranking, err := s.Award(ctx, w.buyer, tender.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ranking[0].OrganisationID != w.orgs[1] || ranking[1].OrganisationID != w.orgs[2] || ranking[0].TechnicalScore != 0 {
		t.Fatalf("lowest price ranking: %+v", ranking)
	}
	if got := run(1); got.Status != models.TenderOpened {
		t.Fatalf("with the cheapest bidder listed, two valid bids of a consultation go on: %s %s %v", got.Status, got.FailureReason, got.FailureParams)
	}
}
