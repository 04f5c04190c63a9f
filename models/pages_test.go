package models_test

import (
	"testing"
	"time"

	"portal/models"
)

// Each page is read at one instant: its read model takes the clock once,
// however many records it gathers.
func TestPageReadsTakeTheClockOnce(t *testing.T) {
	w := newWorld(t)
	tender := w.awarded()
	reads := 0
	w.s.Now = func() time.Time { reads++; return w.now }
	for _, c := range []struct {
		what string
		read func() error
	}{
		{"evaluation", func() error { _, err := w.s.EvaluationPage(w.ctx, w.buyer, tender.ID); return err }},
		{"tender (staff)", func() error { _, err := w.s.TenderPage(w.ctx, w.buyer, tender.ID); return err }},
		{"tender (agency)", func() error { _, err := w.s.TenderPage(w.ctx, w.agents[0], tender.ID); return err }},
		{"notice", func() error { _, err := w.s.NoticePage(w.ctx, w.agents[1], tender.ID); return err }},
		{"bid", func() error { _, err := w.s.BidPage(w.ctx, w.agents[0], tender.ID); return err }},
		{"review", func() error { _, err := w.s.ReviewPage(w.ctx, w.experts[0], tender.ID); return err }},
	} {
		reads = 0
		if err := c.read(); err != nil {
			t.Fatalf("%s page: %v", c.what, err)
		}
		if reads != 1 {
			t.Errorf("the %s page read the clock %d times", c.what, reads)
		}
	}
	w.now = tender.AwardedAt.Add(20 * 24 * time.Hour) // past the challenge window
	ct, err := w.s.SignContract(w.ctx, w.buyer, tender.ID, []models.PlanLine{{Percent: 100, Condition: "signing"}})
	if err != nil {
		t.Fatal(err)
	}
	reads = 0
	if v, err := w.s.ContractPage(w.ctx, w.agents[2], ct.ID); err != nil || v.Tender == nil {
		t.Fatalf("contract page: %+v, %v", v, err)
	}
	if reads != 1 {
		t.Errorf("the contract page read the clock %d times", reads)
	}
}

// A page shown again after the edge refused a request's input (too large
// a body, say) still reads: a read model writes nothing, so the refusal
// that stops every write does not stop it.
func TestPageReadsRunAfterARefusedInput(t *testing.T) {
	w := newWorld(t)
	tender := w.published()
	ctx := models.WithRefusedInput(w.ctx, models.Fail(models.ErrTooLarge, "err.too_large", "body too large"))
	if _, err := w.s.EvaluationPage(ctx, w.buyer, tender.ID); err != nil {
		t.Fatalf("evaluation page after a refused input: %v", err)
	}
	if _, err := w.s.BidPage(ctx, w.agents[0], tender.ID); err != nil {
		t.Fatalf("bid page after a refused input: %v", err)
	}
}

// A clock that passes the deadline while the evaluation page is read does
// not show a sealed tender with opened bids: the page is all on one side.
func TestEvaluationPageIsOnOneSideOfTheDeadline(t *testing.T) {
	w := newWorld(t)
	tender := w.published()
	for i := range w.agents {
		w.bid(i, tender.ID, 250_000+int64(i)*10_000, "方案")
	}
	reads := 0
	w.s.Now = func() time.Time {
		reads++
		if reads == 1 {
			return tender.BidDeadline.Add(-time.Microsecond)
		}
		return tender.BidDeadline.Add(time.Hour)
	}
	v, err := w.s.EvaluationPage(w.ctx, w.buyer, tender.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !v.Sealed || v.Open || len(v.Bids) != 0 || v.Tender.Status != models.TenderPublished {
		t.Fatalf("sealed %v, open %v, %d bids, status %s: the page mixes both sides of the deadline", v.Sealed, v.Open, len(v.Bids), v.Tender.Status)
	}
}
