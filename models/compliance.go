package models

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"
)

// ComplianceReview is one panel expert's pass or fail of one valid bid of a
// lowest-price tender (符合性审查). The panel's majority decides; compliant
// bids rank by price.
type ComplianceReview struct {
	ID         int64     `json:"-" gorm:"primaryKey"`
	BidID      int64     `json:"bid_id"`
	ExpertID   int64     `json:"expert_id"`
	Pass       bool      `json:"pass"`
	Note       string    `json:"note"`
	ReviewedAt time.Time `json:"reviewed_at"`
}

// ComplianceInput is the body of PUT /bids/{id}/compliance.
type ComplianceInput struct {
	Pass *bool  `json:"pass"`
	Note string `json:"note"`
}

// maxComplianceNote bounds an expert's note on a review.
const maxComplianceNote = 2000

// ReviewCompliance records the caller's pass or fail of a valid bid of a
// lowest-price tender (an expert on the panel, after declaring no
// conflict, while the tender is evaluated). A second review replaces the
// first until the award.
func (s *Store) ReviewCompliance(ctx context.Context, a *Actor, bidID int64, in ComplianceInput) (*ComplianceReview, error) {
	note := strings.TrimSpace(in.Note)
	var out *ComplianceReview
	err := s.tx(ctx, func(tx *gorm.DB) error {
		now := s.now()
		b, t, err := s.expertBid(tx, a, bidID, EvalLowestPrice, now)
		if err != nil {
			return err
		}
		var fe []FieldError
		if in.Pass == nil {
			fe = append(fe, Field("pass", "required", ""))
		}
		if len([]rune(note)) > maxComplianceNote {
			fe = append(fe, Field("note", "max", "2000"))
		}
		if in.Pass != nil && !*in.Pass && note == "" {
			// A failed bid's organisation is owed the reason.
			fe = append(fe, Field("note", "required", ""))
		}
		if len(fe) > 0 {
			return Invalid(fe...)
		}
		if err := tx.Where("bid_id = ? AND expert_id = ?", b.ID, a.UserID).Delete(&ComplianceReview{}).Error; err != nil {
			return err
		}
		out = &ComplianceReview{BidID: b.ID, ExpertID: a.UserID, Pass: *in.Pass, Note: note, ReviewedAt: now}
		if err := tx.Create(out).Error; err != nil {
			return err
		}
		return s.audit(tx, a, "bid.compliance", "bid", b.ID, t.RegionCode, nil, map[string]any{"pass": out.Pass, "note": out.Note})
	})
	return out, err
}

// ComplianceResult is the panel's decision on one bid.
type ComplianceResult struct {
	BidID     int64 `json:"bid_id"`
	Passes    int   `json:"passes"`
	Fails     int   `json:"fails"`
	Compliant bool  `json:"compliant"`
}

// ComplianceSheets are the panel's compliance reviews of a tender, and
// the majority's decision per bid once every review is in.
type ComplianceSheets struct {
	Complete bool               `json:"complete"`
	Reviews  []ComplianceReview `json:"reviews"`
	Results  []ComplianceResult `json:"results"`
}

// complianceComplete reports whether the active panel meets the method's
// rule and every active, declared member has reviewed every valid bid; it
// returns the active members' reviews and the majority's decisions.
func (s *Store) complianceComplete(db *gorm.DB, t *Tender) (bool, []ComplianceReview, []ComplianceResult, error) {
	var members []PanelMember
	if err := db.Where("tender_id = ? AND active = ?", t.ID, true).Find(&members).Error; err != nil {
		return false, nil, nil, err
	}
	var bidIDs []int64
	// Valid bids: submitted ones before the award, won or lost after it.
	if err := db.Model(&Bid{}).Where("tender_id = ? AND status IN ?", t.ID, []string{BidSubmitted, BidWon, BidLost}).
		Order("id").Pluck("id", &bidIDs).Error; err != nil {
		return false, nil, nil, err
	}
	var reviews []ComplianceReview
	if len(bidIDs) > 0 {
		if err := db.Where("bid_id IN ?", bidIDs).Order("bid_id, expert_id").Find(&reviews).Error; err != nil {
			return false, nil, nil, err
		}
	}
	active, declared := map[int64]bool{}, true
	for _, m := range members {
		active[m.ExpertID] = true
		declared = declared && m.DeclaredAt != nil
	}
	kept := []ComplianceReview{}
	tally := map[int64]*ComplianceResult{}
	for _, id := range bidIDs {
		tally[id] = &ComplianceResult{BidID: id}
	}
	for _, r := range reviews {
		if !active[r.ExpertID] {
			continue // a recused or replaced expert's review does not count
		}
		kept = append(kept, r)
		if r.Pass {
			tally[r.BidID].Passes++
		} else {
			tally[r.BidID].Fails++
		}
	}
	done := declared && panelSizeOK(t, len(members)) && len(kept) == len(members)*len(bidIDs)
	var results []ComplianceResult
	if done {
		results = []ComplianceResult{}
		for _, id := range bidIDs {
			r := tally[id]
			r.Compliant = 2*r.Passes > len(members) // the panel is odd: no tie
			results = append(results, *r)
		}
	}
	return done, kept, results, nil
}

// ComplianceReviews returns the compliance reviews of a lowest-price
// tender: staff of the region see all; an expert on the panel sees its own
// until every review is in, then all. The decisions show once complete.
func (s *Store) ComplianceReviews(ctx context.Context, a *Actor, tenderID int64) (*ComplianceSheets, error) {
	db := s.DB.WithContext(ctx)
	t, err := s.bidReader(db, a, tenderID)
	if err != nil {
		return nil, err
	}
	if !t.PastDeadline(s.now()) {
		return nil, Fail(ErrConflict, "err.sealed", "bids stay sealed until the deadline")
	}
	done, reviews, results, err := s.complianceComplete(db, t)
	if err != nil {
		return nil, err
	}
	out := &ComplianceSheets{Complete: done, Reviews: []ComplianceReview{}, Results: []ComplianceResult{}}
	for _, r := range reviews {
		if t.canManage(a) || done || r.ExpertID == a.UserID {
			out.Reviews = append(out.Reviews, r)
		}
	}
	if done {
		out.Results = results
	}
	return out, nil
}
