package models_test

import (
	"errors"
	"fmt"
	"strings"
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

// TestInvalidTransitionsChangeNothing tries every action in each of the
// eight tender states where the lifecycle forbids it: 409 (404 where the
// tender or its bids are not yet visible to the caller), and the tender,
// its bids and the audit log are as they were. Each action is sent as it
// would succeed where allowed (a full panel, a clear check, a valid plan),
// so a state wrongly let through shows as a change.
func TestInvalidTransitionsChangeNothing(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	window := time.Hour // the challenge window, short, so a contract can be signed
	s.Settings.ChallengePeriod = &window
	panel := userIDs(w.experts)
	var bids []*models.Bid // of the tender in the state under test
	actions := map[string]func(id int64) error{
		"publish": func(id int64) error { _, err := s.PublishTender(ctx, w.buyer, id); return err },
		"amend": func(id int64) error { // edit on a draft, amend once published
			_, err := s.UpdateTender(ctx, w.buyer, id, func(in *models.TenderInput) error { in.Title = "x"; return nil })
			return err
		},
		"cancel":  func(id int64) error { _, err := s.CancelTender(ctx, w.buyer, id, "理由"); return err },
		"appoint": func(id int64) error { _, err := s.AppointPanel(ctx, w.buyer, id, panel); return err },
		"evaluate": func(id int64) error {
			_, err := s.RecordCreditCheck(ctx, w.buyer, id, models.CreditCheckInput{OrganisationID: w.orgs[0], Result: "clear", CheckedAt: w.now})
			return err
		},
		"disqualify": func(id int64) error {
			_, err := s.DisqualifyBid(ctx, w.buyer, bids[0].ID, "缺少资质", true)
			return err
		},
		"score": func(id int64) error {
			_, err := s.ScoreBid(ctx, w.experts[0], bids[0].ID, map[string]float64{"plan": 30, "team": 20, "experience": 8})
			return err
		},
		"award":     func(id int64) error { _, err := s.Award(ctx, w.buyer, id); return err },
		"challenge": func(id int64) error { _, err := s.FileChallenge(ctx, w.agents[0], id, "评审有误"); return err },
		"contract": func(id int64) error {
			_, err := s.SignContract(ctx, w.buyer, id, []models.PlanLine{{Percent: 100, Condition: "signing"}})
			return err
		},
		"bid": func(id int64) error {
			_, err := s.SaveBid(ctx, w.agents[2], id, models.BidInput{PriceFen: 1, Proposal: "p"})
			return err
		},
		"ask": func(id int64) error { _, err := s.Ask(ctx, w.agents[0], id, "问题"); return err },
	}
	// state → the actions the lifecycle refuses there ("!" marks a 404),
	// and the ones it allows (not tried here; the journeys do them) or that
	// cannot be tried (no bid or no panel exists yet): together every action.
	refused := map[string][]string{
		models.TenderDraft:        {"appoint", "evaluate", "award", "challenge!", "contract", "bid!", "ask!"},
		models.TenderPublished:    {"publish", "appoint", "evaluate", "disqualify!", "score!", "award", "challenge", "contract"},
		models.TenderOpened:       {"publish", "amend", "award", "challenge", "contract", "bid", "ask"},
		models.TenderEvaluating:   {"publish", "amend", "challenge", "contract", "bid", "ask"},
		models.TenderAwarded:      {"publish", "amend", "appoint", "evaluate", "disqualify", "score", "award", "bid", "ask"},
		models.TenderContracted:   {"publish", "amend", "cancel", "appoint", "evaluate", "disqualify", "score", "award", "challenge", "contract", "bid", "ask"},
		models.TenderCancelled:    {"publish", "amend", "cancel", "appoint", "evaluate", "disqualify", "score", "award", "challenge", "contract", "bid", "ask"},
		models.TenderUnsuccessful: {"publish", "amend", "cancel", "appoint", "evaluate", "disqualify", "award", "challenge", "contract", "bid", "ask"},
	}
	others := map[string][]string{
		models.TenderDraft:        {"publish", "amend", "cancel", "disqualify", "score"},
		models.TenderPublished:    {"amend", "cancel", "bid", "ask"},
		models.TenderOpened:       {"cancel", "appoint", "evaluate", "disqualify", "score"},
		models.TenderEvaluating:   {"cancel", "appoint", "evaluate", "disqualify", "score", "award"},
		models.TenderAwarded:      {"cancel", "challenge", "contract"},
		models.TenderUnsuccessful: {"score"},
	}
	inState := func(state string) int64 {
		w.now = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		bids = nil
		tender, err := s.CreateTender(ctx, w.buyer, w.tenderInput())
		if err != nil {
			t.Fatal(err)
		}
		if state == models.TenderDraft {
			return tender.ID
		}
		if _, err := s.PublishTender(ctx, w.buyer, tender.ID); err != nil {
			t.Fatal(err)
		}
		n := 3
		if state == models.TenderUnsuccessful {
			n = 2 // of three needed
		}
		for i := range n {
			bids = append(bids, w.bid(i, tender.ID, 100_000, "方案"))
		}
		if state == models.TenderPublished {
			return tender.ID
		}
		w.now = tender.BidDeadline.Add(time.Hour)
		if state == models.TenderOpened || state == models.TenderUnsuccessful {
			return tender.ID
		}
		if _, err := s.AppointPanel(ctx, w.buyer, tender.ID, panel); err != nil {
			t.Fatal(err)
		}
		switch state {
		case models.TenderEvaluating:
			return tender.ID
		case models.TenderCancelled:
			for _, e := range w.experts {
				if _, err := s.Declare(ctx, e, tender.ID, models.Declaration{}); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := s.CancelTender(ctx, w.buyer, tender.ID, "预算取消"); err != nil {
				t.Fatal(err)
			}
			return tender.ID
		}
		w.scoreAll(tender.ID, w.experts, bids)
		w.clearAll(tender.ID)
		if _, err := s.Award(ctx, w.buyer, tender.ID); err != nil {
			t.Fatal(err)
		}
		if state == models.TenderContracted {
			w.now = w.now.Add(2 * window)
			if _, err := s.SignContract(ctx, w.buyer, tender.ID, []models.PlanLine{{Percent: 100, Condition: "signing"}}); err != nil {
				t.Fatal(err)
			}
		}
		return tender.ID
	}
	states := []string{models.TenderDraft, models.TenderPublished, models.TenderOpened, models.TenderEvaluating,
		models.TenderAwarded, models.TenderContracted, models.TenderCancelled, models.TenderUnsuccessful}
	for _, state := range states {
		covered := map[string]bool{}
		for _, name := range append(refused[state], others[state]...) {
			covered[strings.TrimSuffix(name, "!")] = true
		}
		for name := range actions {
			if !covered[name] {
				t.Errorf("%s: the action %s is neither refused nor allowed", state, name)
			}
		}
		id := inState(state)
		if got, _ := s.Tender(ctx, w.buyer, id); got.Status != state {
			t.Fatalf("fixture for %s is %s", state, got.Status)
		}
		for _, name := range refused[state] {
			want := models.ErrConflict
			if n, ok := strings.CutSuffix(name, "!"); ok {
				name, want = n, models.ErrNotFound
			}
			before := snapshot(t, s, id)
			err := actions[name](id)
			if !errors.Is(err, want) {
				t.Errorf("%s on a %s tender: %v, want %v", name, state, err, want)
			}
			if after := snapshot(t, s, id); after != before {
				t.Errorf("%s on a %s tender changed\n%s\nto\n%s", name, state, before, after)
			}
		}
	}
}

// TestLowestPriceTender: the lowest compliant price wins, after the panel
// reviews every bid; a listed bidder is disqualified, and too few valid
// bids make the tender unsuccessful.
func TestLowestPriceTender(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	run := func(listed int) (*models.Tender, []*models.Bid) {
		tender, bids := w.lowestPriceTender("competitive_negotiation", 260_000, 240_000, 250_000)
		result := "clear"
		if listed >= 0 {
			result = "listed"
		} else {
			listed = 1
		}
		if _, err := s.RecordCreditCheck(ctx, w.buyer, tender.ID, models.CreditCheckInput{OrganisationID: w.orgs[listed], Result: result, CheckedAt: w.now, ConfirmEnd: result == "listed"}); err != nil {
			t.Fatal(err)
		}
		got, _ := s.Tender(ctx, w.buyer, tender.ID)
		return got, bids
	}
	tender, bids := run(-1)
	if _, err := s.AppointPanel(ctx, w.buyer, tender.ID, userIDs(w.experts)); err != nil {
		t.Fatal(err)
	}
	for _, e := range w.experts {
		if _, err := s.Declare(ctx, e, tender.ID, models.Declaration{}); err != nil {
			t.Fatal(err)
		}
		for _, b := range bids {
			if _, err := s.ReviewCompliance(ctx, e, b.ID, review(true, "")); err != nil {
				t.Fatal(err)
			}
		}
	}
	ranking, err := s.Award(ctx, w.buyer, tender.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ranking[0].OrganisationID != w.orgs[1] || ranking[1].OrganisationID != w.orgs[2] || ranking[0].TechnicalScore != 0 {
		t.Fatalf("lowest price ranking: %+v", ranking)
	}
	if got, _ := run(1); got.Status != models.TenderUnsuccessful {
		t.Fatalf("with the cheapest bidder listed, two valid bids are left of three needed: %s", got.Status)
	}
}
