package models_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"portal/models"
)

// TestDeadlineIsExactUnderConcurrency fires submissions from three
// organisations across the deadline on the real clock: every accepted
// submission committed before the deadline, and every one that started at
// or after it was refused with 409.
func TestDeadlineIsExactUnderConcurrency(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	zero := time.Duration(0)
	s.Settings.MinBidPeriod = &zero
	s.Now = time.Now
	in := w.tenderInput()
	deadline := time.Now().Add(2 * time.Second).Truncate(time.Second).Add(time.Second)
	in.BidDeadline = deadline
	tender, err := s.CreateTender(ctx, w.buyer, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.PublishTender(ctx, w.buyer, tender.ID); err != nil {
		t.Fatal(err)
	}
	for i := range w.agents {
		if _, err := s.SaveBid(ctx, w.agents[i], tender.ID, models.BidInput{PriceFen: 100_000_00, Proposal: "方案",
			Team: []models.TeamMember{{StaffID: w.staff[i]}}}); err != nil {
			t.Fatal(err)
		}
	}
	type outcome struct {
		started, done time.Time
		submittedAt   time.Time
		err           error
	}
	var mu sync.Mutex
	var outcomes []outcome
	var wg sync.WaitGroup
	stop := deadline.Add(time.Second)
	for i := range w.agents {
		wg.Add(1)
		go func(agent *models.Actor) {
			defer wg.Done()
			for time.Now().Before(stop) {
				start := time.Now()
				b, err := s.SubmitBid(ctx, agent, tender.ID)
				o := outcome{started: start, done: time.Now(), err: err}
				if err == nil {
					o.submittedAt = *b.SubmittedAt
					// Withdraw so the next round can submit again.
					if _, werr := s.WithdrawBid(ctx, agent, tender.ID); werr != nil && !errors.Is(werr, models.ErrConflict) {
						o.err = werr
					}
				}
				mu.Lock()
				outcomes = append(outcomes, o)
				mu.Unlock()
			}
		}(w.agents[i])
	}
	wg.Wait()
	var accepted, refusedAfter int
	for _, o := range outcomes {
		switch {
		case o.err == nil:
			accepted++
			if !o.submittedAt.Before(deadline) {
				t.Errorf("a submission at %v was accepted after the deadline %v", o.submittedAt, deadline)
			}
		case errors.Is(o.err, models.ErrConflict):
			if !o.started.Before(deadline) {
				refusedAfter++
			}
		default:
			t.Errorf("unexpected error: %v", o.err)
		}
		if !o.started.Before(deadline) && o.err == nil {
			t.Errorf("a submission that started at %v, after the deadline, was accepted", o.started)
		}
	}
	if accepted == 0 || refusedAfter == 0 {
		t.Fatalf("the run did not straddle the deadline: %d accepted, %d refused after", accepted, refusedAfter)
	}
	var late int64
	s.DB.Model(&models.Bid{}).Where("tender_id = ? AND status = ? AND submitted_at >= ?", tender.ID, models.BidSubmitted, deadline).Count(&late)
	if late != 0 {
		t.Fatalf("%d bids stored as submitted at or after the deadline", late)
	}
	t.Logf("%d attempts: %d accepted, %d refused after the deadline", len(outcomes), accepted, refusedAfter)
}
