package models_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"portal/models"
)

// The dates below keep clear of China's public holidays (March 2026), so
// that working days are Monday to Friday under the official calendar too.

// TestAmendmentKeepsTheMethodsPeriods: a consultation published with ten
// days cannot be amended to four; an amendment two days before the
// deadline moves it to five days after the change.
func TestAmendmentKeepsTheMethodsPeriods(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	tender := w.published() // Monday 2 March 09:00 UTC, deadline 12 March 10:00
	published := *tender.PublishedAt

	w.now = published.Add(2 * 24 * time.Hour)
	_, err := s.UpdateTender(ctx, w.buyer, tender.ID, func(in *models.TenderInput) error {
		in.BidDeadline = published.Add(4 * 24 * time.Hour)
		return nil
	})
	e := wantKind(t, err, models.ErrInvalid)
	if len(e.Fields) != 1 || e.Fields[0] != models.Field("bid_deadline", "amend_min_period", "10") {
		t.Fatalf("a deadline 4 days after publication: %+v", e.Fields)
	}
	// Exactly the minimum from publication is allowed (and more than 5
	// days after the change).
	amended, err := s.UpdateTender(ctx, w.buyer, tender.ID, func(in *models.TenderInput) error {
		in.BidDeadline = published.Add(10 * 24 * time.Hour)
		return nil
	})
	if err != nil || !amended.BidDeadline.Equal(published.Add(10*24*time.Hour)) {
		t.Fatalf("a deadline 10 days after publication: %v %v", amended.BidDeadline, err)
	}

	// Two days before the deadline a change moves it to five days after.
	w.now = amended.BidDeadline.Add(-2 * 24 * time.Hour)
	amended, err = s.UpdateTender(ctx, w.buyer, tender.ID, func(in *models.TenderInput) error {
		in.Title = "兴宁区困境儿童关爱服务项目（更正）"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := w.now.Add(5 * 24 * time.Hour).Truncate(time.Second); !amended.BidDeadline.Equal(want) {
		t.Fatalf("deadline after a late amendment = %v, want %v", amended.BidDeadline, want)
	}
	// A deadline further than the notice period stays as asked.
	later := amended.BidDeadline.Add(3 * 24 * time.Hour)
	amended, err = s.UpdateTender(ctx, w.buyer, tender.ID, func(in *models.TenderInput) error {
		in.BidDeadline = later
		return nil
	})
	if err != nil || !amended.BidDeadline.Equal(later) {
		t.Fatalf("a later deadline: %v %v", amended.BidDeadline, err)
	}
}

// TestAmendmentPeriodsOfEachMethod: open tenders keep 15 days' notice;
// negotiations count 3 working days, from publication and from the change;
// a single source has no notice period.
func TestAmendmentPeriodsOfEachMethod(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	create := func(method string, deadline time.Time) *models.Tender {
		t.Helper()
		in := w.tenderInput()
		in.Method, in.BidDeadline = method, deadline
		if method != "open_tender" {
			in.Evaluation, in.Criteria, in.PriceWeight = models.EvalLowestPrice, nil, 0
		}
		tender, err := s.CreateTender(ctx, w.buyer, in)
		if err != nil {
			t.Fatal(err)
		}
		return tender
	}
	retitle := func(tender *models.Tender, title string) *models.Tender {
		t.Helper()
		got, err := s.UpdateTender(ctx, w.buyer, tender.ID, func(in *models.TenderInput) error { in.Title = title; return nil })
		if err != nil {
			t.Fatal(err)
		}
		return got
	}

	// Open tender: published Monday 2 March with 20 days; amended on 20 March.
	open := create("open_tender", w.now.Add(20*24*time.Hour+time.Hour))
	if _, err := s.PublishTender(ctx, w.buyer, open.ID); err != nil {
		t.Fatal(err)
	}
	start := w.now
	w.now = start.Add(18 * 24 * time.Hour)
	if got := retitle(open, "公开招标（更正）"); !got.BidDeadline.Equal(w.now.Add(15 * 24 * time.Hour)) {
		t.Fatalf("open tender amended 3 days before its deadline: %v", got.BidDeadline)
	}

	// Negotiation, published Monday 2 March 17:00 Beijing time: 3 working
	// days end at 24:00 on Thursday 5 March (16:00 UTC).
	w.now = start
	endThursday := time.Date(2026, 3, 5, 16, 0, 0, 0, time.UTC)
	neg := create("competitive_negotiation", endThursday.Add(-time.Second))
	_, err := s.PublishTender(ctx, w.buyer, neg.ID)
	if e := wantKind(t, err, models.ErrInvalid); len(e.Fields) != 1 || e.Fields[0] != models.Field("bid_deadline", "min_period_working", "3") {
		t.Fatalf("a negotiation with less than 3 working days: %+v", e.Fields)
	}
	if _, err := s.UpdateTender(ctx, w.buyer, neg.ID, func(in *models.TenderInput) error { in.BidDeadline = endThursday; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PublishTender(ctx, w.buyer, neg.ID); err != nil {
		t.Fatalf("a negotiation with 3 working days: %v", err)
	}
	// Amended on Thursday 5 March 10:00 Beijing time: not closer than the
	// minimum from publication ...
	w.now = time.Date(2026, 3, 5, 2, 0, 0, 0, time.UTC)
	_, err = s.UpdateTender(ctx, w.buyer, neg.ID, func(in *models.TenderInput) error { in.BidDeadline = endThursday.Add(-time.Hour); return nil })
	if e := wantKind(t, err, models.ErrInvalid); len(e.Fields) != 1 || e.Fields[0] != models.Field("bid_deadline", "amend_min_period_working", "3") {
		t.Fatalf("an amended negotiation closer than 3 working days from publication: %+v", e.Fields)
	}
	// ... and moved to 3 working days after the change, over the weekend:
	// Friday, Monday, Tuesday 10 March, ending at 24:00 Beijing time.
	if got := retitle(neg, "竞争性谈判（更正）"); !got.BidDeadline.Equal(time.Date(2026, 3, 10, 16, 0, 0, 0, time.UTC)) {
		t.Fatalf("negotiation amended on a Thursday: deadline %v", got.BidDeadline)
	}

	// Single source: no notice period, the deadline stays.
	w.now = start
	single := create("single_source", start.Add(2*24*time.Hour))
	if _, err := s.PublishTender(ctx, w.buyer, single.ID); err != nil {
		t.Fatal(err)
	}
	w.now = start.Add(24 * time.Hour)
	if got := retitle(single, "单一来源（更正）"); !got.BidDeadline.Equal(single.BidDeadline) {
		t.Fatalf("single source amended: deadline %v, was %v", got.BidDeadline, single.BidDeadline)
	}
}

// TestAmendmentNoticeAndBidsBackToDraft: each amendment is a public
// correction notice with what changed; submitted bids go back to draft one
// by one through the lifecycle, each with its audit event, revealing no
// sealed content; an amendment that changes nothing is no amendment.
func TestAmendmentNoticeAndBidsBackToDraft(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	tender := w.published()
	secret := "密封方案-" + tender.Code
	b0 := w.bid(0, tender.ID, 280_000, secret)
	b1 := w.bid(1, tender.ID, 250_000, secret)
	oldDeadline := tender.BidDeadline

	w.now = w.now.Add(24 * time.Hour)
	newDeadline := oldDeadline.Add(48 * time.Hour)
	amended, err := s.UpdateTender(ctx, w.buyer, tender.ID, func(in *models.TenderInput) error {
		in.Title, in.BidDeadline, in.Notice = "更正后的项目", newDeadline, "  延长投标截止时间，更正项目名称。  "
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	anon := models.Anonymous("", s.Authz)
	list, err := s.Amendments(ctx, anon, tender.ID)
	if err != nil || len(list) != 1 {
		t.Fatalf("public amendments: %+v %v", list, err)
	}
	am := list[0]
	changes := map[string]models.Change{}
	for _, c := range am.Changes {
		changes[c.Field] = c
	}
	if am.Seq != 1 || am.Notice != "延长投标截止时间，更正项目名称。" || !am.AmendedAt.Equal(w.now) || len(am.Changes) != 2 ||
		changes["title"] != (models.Change{Field: "title", Before: "兴宁区困境儿童关爱服务项目", After: "更正后的项目"}) ||
		changes["bid_deadline"] != (models.Change{Field: "bid_deadline", Before: oldDeadline.UTC().Format(time.RFC3339), After: newDeadline.UTC().Format(time.RFC3339)}) {
		t.Fatalf("amendment: %+v", am)
	}
	if amended.Title != "更正后的项目" || !amended.BidDeadline.Equal(newDeadline) {
		t.Fatalf("amended tender: %+v", amended)
	}

	// Both bids are drafts again, each moved by its own audit event.
	for i, b := range []*models.Bid{b0, b1} {
		own, err := s.OwnBid(ctx, w.agents[i], tender.ID)
		if err != nil || own.Status != models.BidDraft || own.SubmittedAt != nil {
			t.Fatalf("bid %d after the amendment: %+v %v", i, own, err)
		}
		var events []models.AuditEvent
		if err := s.DB.Where("action = ? AND object_id = ?", "bid.reopen", fmt.Sprint(b.ID)).Find(&events).Error; err != nil {
			t.Fatal(err)
		}
		if len(events) != 1 || events[0].SealedTenderID == nil || *events[0].SealedTenderID != tender.ID ||
			events[0].ActorID == nil || *events[0].ActorID != w.buyer.UserID {
			t.Fatalf("bid %d reopen events: %+v", i, events)
		}
		if ev := events[0].Before + events[0].After; strings.Contains(ev, secret) || strings.Contains(ev, "price") || !strings.Contains(ev, `"status":"draft"`) {
			t.Fatalf("the reopen event shows %s", ev)
		}
	}
	// Hidden, like every bid event, until the deadline.
	if audit, _ := s.AuditEvents(ctx, w.admin, models.AuditFilter{ObjectType: "bid"}, models.Page{}); audit.Total != 0 {
		t.Fatalf("%d bid events visible before the deadline", audit.Total)
	}

	// Resubmitted; an amendment that changes nothing leaves it alone.
	if _, err := s.SubmitBid(ctx, w.agents[0], tender.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateTender(ctx, w.buyer, tender.ID, func(in *models.TenderInput) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if own, _ := s.OwnBid(ctx, w.agents[0], tender.ID); own.Status != models.BidSubmitted {
		t.Fatalf("an empty amendment sent the bid back to %s", own.Status)
	}
	if list, _ := s.Amendments(ctx, anon, tender.ID); len(list) != 1 {
		t.Fatalf("an empty amendment was recorded: %+v", list)
	}
	// A second amendment is number 2.
	if _, err := s.UpdateTender(ctx, w.buyer, tender.ID, func(in *models.TenderInput) error {
		in.PriceWeight = 30
		in.Criteria[2].MaxPoints = 0
		in.Criteria = in.Criteria[:2]
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if list, _ := s.Amendments(ctx, anon, tender.ID); len(list) != 2 || list[1].Seq != 2 || len(list[1].Changes) != 2 {
		t.Fatalf("second amendment: %+v", list)
	}
	// Drafts have no public amendments.
	draft, err := s.CreateTender(ctx, w.buyer, w.tenderInput())
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Amendments(ctx, anon, draft.ID)
	expectKind(t, err, models.ErrNotFound, "amendments of a draft")
}
