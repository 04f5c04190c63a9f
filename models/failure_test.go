package models_test

import (
	"fmt"
	"testing"
	"time"

	"portal/models"
)

// TestConsultationGoesOnWithTwoValidBids: marking the third of three
// bidders of a consultation for purchased services 'listed' leaves two
// valid bids, enough to go on and award (财库〔2015〕124号); the next
// disqualification would end the tender, and does so only when confirmed,
// with the reason stored as a code.
func TestConsultationGoesOnWithTwoValidBids(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	tender := w.published()
	bids := []*models.Bid{w.bid(0, tender.ID, 280_000, "A"), w.bid(1, tender.ID, 250_000, "B"), w.bid(2, tender.ID, 300_000, "C")}
	w.now = tender.BidDeadline
	if _, err := s.RecordCreditCheck(ctx, w.buyer, tender.ID, models.CreditCheckInput{OrganisationID: w.orgs[2], Result: "listed", CheckedAt: w.now}); err != nil {
		t.Fatalf("listing the third of three: %v", err)
	}
	if got, _ := s.Tender(ctx, nil, tender.ID); got.Status != models.TenderOpened || got.FailureReason != "" {
		t.Fatalf("with two valid bids the consultation is %s %s", got.Status, got.FailureReason)
	}

	// Disqualifying one more leaves one: 409 naming the numbers, nothing changes.
	_, err := s.DisqualifyBid(ctx, w.buyer, bids[1].ID, "报价文件未盖章", false)
	ce, ok := models.AsConfirmEnd(err)
	if !ok || ce.Valid != 1 || ce.Required != 2 {
		t.Fatalf("disqualifying the second of two without confirmation: %v", err)
	}
	expectKind(t, err, models.ErrConflict, "an unconfirmed end")
	var n int64
	if err := s.DB.Model(&models.AuditEvent{}).Where("action = ? AND object_id = ?", "bid.disqualify", fmt.Sprint(bids[1].ID)).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Tender(ctx, nil, tender.ID); got.Status != models.TenderOpened || n != 0 {
		t.Fatalf("an unconfirmed end changed the tender (%s) or audited %d disqualifications", got.Status, n)
	}

	// The panel scores the two valid bids and the award goes through.
	ids := []int64{w.experts[0].UserID, w.experts[1].UserID, w.experts[2].UserID}
	if _, err := s.AppointPanel(ctx, w.buyer, tender.ID, ids); err != nil {
		t.Fatal(err)
	}
	for _, e := range w.experts {
		if _, err := s.Declare(ctx, e, tender.ID, models.Declaration{}); err != nil {
			t.Fatal(err)
		}
		for _, b := range bids[:2] {
			if _, err := s.ScoreBid(ctx, e, b.ID, map[string]float64{"plan": 30, "team": 20, "experience": 5}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := s.RecordCreditCheck(ctx, w.buyer, tender.ID, models.CreditCheckInput{OrganisationID: w.orgs[1], Result: "clear", CheckedAt: w.now}); err != nil {
		t.Fatal(err)
	}
	ranking, err := s.Award(ctx, w.buyer, tender.ID)
	if err != nil || len(ranking) != 2 || ranking[0].OrganisationID != w.orgs[1] {
		t.Fatalf("award with two valid bids: %+v %v", ranking, err)
	}
}

// TestEndingNeedsConfirmationAndKeepsItsReason: an open tender goes on with
// three valid bids, so listing one of three asks first; confirmed, the
// tender is unsuccessful with reason too_few_valid and its parameters, on
// a public failure notice.
func TestEndingNeedsConfirmationAndKeepsItsReason(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	in := w.tenderInput()
	in.Method, in.BidDeadline = "open_tender", w.now.Add(21*24*time.Hour)
	tender, err := s.CreateTender(ctx, w.buyer, in)
	if err != nil {
		t.Fatal(err)
	}
	if tender, err = s.PublishTender(ctx, w.buyer, tender.ID); err != nil {
		t.Fatal(err)
	}
	for i := range w.agents {
		w.bid(i, tender.ID, 250_000+int64(i), "方案")
	}
	w.now = tender.BidDeadline
	check := models.CreditCheckInput{OrganisationID: w.orgs[0], Result: "listed", CheckedAt: w.now, Note: "列入失信名单"}
	_, err = s.RecordCreditCheck(ctx, w.buyer, tender.ID, check)
	if ce, ok := models.AsConfirmEnd(err); !ok || ce.Valid != 2 || ce.Required != 3 {
		t.Fatalf("listing one of three of an open tender unconfirmed: %v", err)
	}
	if checks, _ := s.CreditChecks(ctx, w.buyer, tender.ID); len(checks) != 0 {
		t.Fatalf("an unconfirmed listing stored %d credit checks", len(checks))
	}
	if f := mustTender(t, s, tender.ID); f.Status != models.TenderOpened || f.Failure() != nil {
		t.Fatalf("an unconfirmed listing ended the tender: %s", f.Status)
	}
	check.ConfirmEnd = true
	if _, err := s.RecordCreditCheck(ctx, w.buyer, tender.ID, check); err != nil {
		t.Fatal(err)
	}
	got := mustTender(t, s, tender.ID)
	n := got.Failure()
	if got.Status != models.TenderUnsuccessful || n == nil || n.Reason != models.FailTooFewValid ||
		n.Params["valid"] != "2" || n.Params["required"] != "3" || !n.EndedAt.Equal(w.now) {
		t.Fatalf("confirmed end: %s %+v", got.Status, n)
	}
	if pub, err := s.TenderFailure(ctx, models.Anonymous("", s.Authz), tender.ID); err != nil || pub.Reason != models.FailTooFewValid {
		t.Fatalf("public failure notice: %+v %v", pub, err)
	}
}

// TestFailureReasonsOfTheClockAndOfCancelling: too few bids at the deadline
// and a cancellation by staff each give their reason.
func TestFailureReasonsOfTheClockAndOfCancelling(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	anon := models.Anonymous("", s.Authz)
	few := w.published()
	w.bid(0, few.ID, 250_000, "A")
	w.bid(1, few.ID, 260_000, "B")
	_, err := s.TenderFailure(ctx, anon, few.ID)
	expectKind(t, err, models.ErrConflict, "the failure notice of an open tender")
	cancelled := w.published()
	w.now = few.BidDeadline
	n, err := s.TenderFailure(ctx, anon, few.ID)
	if err != nil || n.Reason != models.FailTooFewBids || n.Params["submitted"] != "2" || n.Params["required"] != "3" || !n.EndedAt.Equal(few.BidDeadline) {
		t.Fatalf("too few bids at the deadline: %+v %v", n, err)
	}
	if _, err := s.CancelTender(ctx, w.buyer, cancelled.ID, "预算调整，项目取消"); err != nil {
		t.Fatal(err)
	}
	n, err = s.TenderFailure(ctx, anon, cancelled.ID)
	if err != nil || n.Reason != models.FailCancelled || n.Params["reason"] != "预算调整，项目取消" || !n.EndedAt.Equal(w.now) {
		t.Fatalf("cancelled: %+v %v", n, err)
	}
}

func mustTender(t *testing.T, s *models.Store, id int64) *models.Tender {
	t.Helper()
	got, err := s.Tender(t.Context(), nil, id)
	if err != nil {
		t.Fatal(err)
	}
	return got
}
