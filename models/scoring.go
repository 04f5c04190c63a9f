package models

import (
	"context"
	"fmt"
	"math"
	"math/big"
	"slices"
	"sort"
	"strconv"
	"time"

	"gorm.io/gorm"
)

// exactPoints reads an expert's points as the decimal the expert typed:
// the shortest decimal that round-trips the stored float (35.3 is 353/10,
// not the binary neighbour of 35.3).
func exactPoints(p float64) *big.Rat {
	r, ok := new(big.Rat).SetString(strconv.FormatFloat(p, 'f', -1, 64))
	if !ok { // NaN and infinities are refused when scoring
		return new(big.Rat)
	}
	return r
}

// scoreHundredths rounds an exact non-negative score half-up to whole
// hundredths: 2/3 → 67, 1.005 → 101, 0.004999 → 0. This is the rounding rule
// of every score the portal shows, and ranking compares these values.
func scoreHundredths(x *big.Rat) int64 {
	// floor(x × 100 + 1/2) = floor((200·num + den) / (2·den))
	num := new(big.Int).Mul(x.Num(), big.NewInt(200))
	num.Add(num, x.Denom())
	den := new(big.Int).Mul(x.Denom(), big.NewInt(2))
	return new(big.Int).Div(num, den).Int64() // Euclidean: floor for a positive den
}

// shownScore is the score as shown, with two decimals: whole hundredths
// over 100, so equal shown scores are equal floats.
func shownScore(x *big.Rat) float64 { return float64(scoreHundredths(x)) / 100 }

// The experts' score sheets.

// Score is one expert's points for one bid on one criterion.
type Score struct {
	ID        int64     `json:"-" gorm:"primaryKey"`
	BidID     int64     `json:"bid_id"`
	ExpertID  int64     `json:"expert_id"`
	Criterion string    `json:"criterion"`
	Points    float64   `json:"points"`
	ScoredAt  time.Time `json:"scored_at"`
}

// ScoreBid records the caller's points for a valid bid on every criterion.
func (s *Store) ScoreBid(ctx context.Context, a *Actor, bidID int64, points map[string]float64) ([]Score, error) {
	var out []Score
	err := s.tx(ctx, func(tx *gorm.DB) error {
		now := s.now()
		b, t, err := s.expertBid(tx, a, bidID, EvalComprehensive, now)
		if err != nil {
			return err
		}
		var fe []FieldError
		for _, c := range t.Criteria {
			p, ok := points[c.Key]
			switch {
			case !ok:
				fe = append(fe, Field("points."+c.Key, "required", ""))
			case p < 0 || p > float64(c.MaxPoints) || math.IsNaN(p):
				fe = append(fe, Field("points."+c.Key, "between", fmt.Sprintf("0 %d", c.MaxPoints)))
			}
		}
		for k := range points {
			if !slices.ContainsFunc(t.Criteria, func(c Criterion) bool { return c.Key == k }) {
				fe = append(fe, Field("points."+k, "criterion", ""))
			}
		}
		if len(fe) > 0 {
			sort.Slice(fe, func(i, j int) bool { return fe[i].Field < fe[j].Field })
			return Invalid(fe...)
		}
		if err := tx.Where("bid_id = ? AND expert_id = ?", b.ID, a.UserID).Delete(&Score{}).Error; err != nil {
			return err
		}
		for _, c := range t.Criteria {
			out = append(out, Score{BidID: b.ID, ExpertID: a.UserID, Criterion: c.Key, Points: points[c.Key], ScoredAt: now})
		}
		if err := tx.Create(&out).Error; err != nil {
			return err
		}
		return s.audit(tx, a, "bid.score", "bid", b.ID, t.RegionCode, nil, points)
	})
	return out, err
}

// ScoreSheets are the panel's scores of a tender.
type ScoreSheets struct {
	Complete bool    `json:"complete"`
	Scores   []Score `json:"scores"`
}

// scoringComplete reports whether every active, declared member has scored every
// valid bid on every criterion.
func (s *Store) scoringComplete(db *gorm.DB, t *Tender) (bool, []Score, error) {
	var members []PanelMember
	if err := db.Where("tender_id = ? AND active = ?", t.ID, true).Find(&members).Error; err != nil {
		return false, nil, err
	}
	var bidIDs []int64
	// Valid bids: submitted ones before the award, won or lost after it.
	if err := db.Model(&Bid{}).Where("tender_id = ? AND status IN ?", t.ID, []string{BidSubmitted, BidWon, BidLost}).Pluck("id", &bidIDs).Error; err != nil {
		return false, nil, err
	}
	var scores []Score
	if len(bidIDs) > 0 {
		if err := db.Where("bid_id IN ?", bidIDs).Order("bid_id, expert_id, criterion").Find(&scores).Error; err != nil {
			return false, nil, err
		}
	}
	active := map[int64]bool{}
	for _, m := range members {
		if m.DeclaredAt == nil {
			return false, scores, nil
		}
		active[m.ExpertID] = true
	}
	var kept []Score
	for _, sc := range scores {
		if active[sc.ExpertID] {
			kept = append(kept, sc)
		}
	}
	want := len(members) * len(bidIDs) * len(t.Criteria)
	return panelSizeOK(t, len(members)) && len(kept) == want, kept, nil
}

// Scores returns score sheets: staff of the region see all; an expert on
// the panel sees its own until every sheet is in, then all.
func (s *Store) Scores(ctx context.Context, a *Actor, tenderID int64) (*ScoreSheets, error) {
	db := s.DB.WithContext(ctx)
	t, err := s.bidReader(db, a, tenderID)
	if err != nil {
		return nil, err
	}
	if !t.PastDeadline(s.now()) {
		return nil, Fail(ErrConflict, "err.sealed", "bids stay sealed until the deadline")
	}
	done, scores, err := s.scoringComplete(db, t)
	if err != nil {
		return nil, err
	}
	out := &ScoreSheets{Complete: done, Scores: []Score{}}
	for _, sc := range scores {
		if t.canManage(a) || done || sc.ExpertID == a.UserID {
			out.Scores = append(out.Scores, sc)
		}
	}
	return out, nil
}
