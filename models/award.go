package models

import (
	"context"
	"fmt"
	"math"
	"math/big"
	"sort"
	"time"

	"gorm.io/gorm"
)

// The ranking of valid bids, the award and the award notice (result).

// Ranked is one line of the award's ranking.
type Ranked struct {
	BidID          int64   `json:"bid_id"`
	OrganisationID int64   `json:"organisation_id"`
	Name           string  `json:"name"`
	PriceFen       int64   `json:"price_fen"`
	PriceScore     float64 `json:"price_score"`
	TechnicalScore float64 `json:"technical_score"`
	FinalScore     float64 `json:"final_score"`
	Rank           int     `json:"rank"`
}

// rank computes the scores of valid bids: price score = lowest valid price
// ÷ bid price × price weight; technical = mean of the experts' totals;
// final = price + technical. Lowest-price tenders rank by price alone.
// Every score is computed as an exact fraction and kept as the value shown
// (half-up to 0.01, see shownScore), so two bids that show the same final
// score are tied and go by lower price, then earlier submission.
func rank(t *Tender, bids []Bid, scores []Score) []Bid {
	var valid []Bid
	lowest := int64(math.MaxInt64)
	for _, b := range bids {
		if bidLifecycle.Allows("rank", b.Status) {
			valid = append(valid, b)
			lowest = min(lowest, b.PriceFen)
		}
	}
	totals := map[int64]map[int64]*big.Rat{} // bid → expert → total
	for _, sc := range scores {
		if totals[sc.BidID] == nil {
			totals[sc.BidID] = map[int64]*big.Rat{}
		}
		if totals[sc.BidID][sc.ExpertID] == nil {
			totals[sc.BidID][sc.ExpertID] = new(big.Rat)
		}
		totals[sc.BidID][sc.ExpertID].Add(totals[sc.BidID][sc.ExpertID], exactPoints(sc.Points))
	}
	for i := range valid {
		b := &valid[i]
		price := new(big.Rat).SetFrac(big.NewInt(lowest), big.NewInt(b.PriceFen))
		price.Mul(price, big.NewRat(int64(t.PriceWeight), 1))
		tech := new(big.Rat)
		if n := len(totals[b.ID]); n > 0 && t.Evaluation != EvalLowestPrice {
			for _, v := range totals[b.ID] {
				tech.Add(tech, v)
			}
			tech.Quo(tech, big.NewRat(int64(n), 1))
		}
		final := new(big.Rat).Add(price, tech)
		ps, ts, fs := shownScore(price), shownScore(tech), shownScore(final)
		b.PriceScore, b.TechnicalScore, b.FinalScore = &ps, &ts, &fs
	}
	// The shown scores are whole hundredths divided by 100, so comparing
	// them as floats compares the hundredths exactly.
	sortRanking(valid)
	for i := range valid {
		r := i + 1
		valid[i].Rank = &r
	}
	return valid
}

// Award ranks the valid bids and awards the tender to the first, whose
// organisation must have a clear credit check and may still bid.
func (s *Store) Award(ctx context.Context, a *Actor, tenderID int64) ([]Ranked, error) {
	var out []Ranked
	err := s.tx(ctx, func(tx *gorm.DB) error {
		t, err := s.managedTender(tx, a, tenderID)
		if err != nil {
			return err
		}
		// Every method has a panel, whose active members meet the
		// method's rule now, not only when it was appointed.
		if awaitsPanel(t) {
			return Fail(ErrConflict, "err.panel_first", "appoint the panel and let it evaluate first")
		}
		if _, err := tenderLifecycle.Next("award", t.Status); err != nil {
			return err
		}
		var active int64
		if err := tx.Model(&PanelMember{}).Where("tender_id = ? AND active = ?", t.ID, true).Count(&active).Error; err != nil {
			return err
		}
		if !panelSizeOK(t, int(active)) {
			return Fail(ErrConflict, "err.panel_incomplete", fmt.Sprintf(
				"the panel has %d active members; the method needs an odd number, at least %d: appoint a replacement and let it evaluate first",
				active, panelSize(t)))
		}
		ranked, rejected, err := s.standing(tx, t)
		if err != nil {
			return err
		}
		if len(ranked) == 0 && len(rejected) > 0 {
			return Fail(ErrConflict, "err.no_compliant_bid", "the panel found no bid compliant: the tender cannot be awarded")
		}
		if len(ranked) < t.Rule().GoOnBids {
			return Fail(ErrConflict, "err.too_few_bids", "fewer valid bids than the method needs")
		}
		first := ranked[0]
		var check CreditCheck
		if err := tx.Where("tender_id = ? AND organisation_id = ?", t.ID, first.OrganisationID).Order("recorded_at DESC, id DESC").First(&check).Error; err != nil || check.Result != "clear" {
			return Fail(ErrConflict, "err.credit_check", "record a clear credit check of the first-ranked bidder first")
		}
		if err := s.OrganisationCanBid(tx, first.OrganisationID, s.now()); err != nil {
			return err
		}
		for i, b := range ranked {
			event := "lose"
			if i == 0 {
				event = "win"
			}
			to, err := bidLifecycle.Next(event, b.Status)
			if err != nil {
				return err
			}
			if err := tx.Model(&Bid{}).Where("id = ?", b.ID).Updates(map[string]any{"status": to, "price_score": *b.PriceScore,
				"technical_score": *b.TechnicalScore, "final_score": *b.FinalScore, "rank": *b.Rank, "updated_at": s.now()}).Error; err != nil {
				return err
			}
			out = append(out, rankedLine(b))
		}
		for _, b := range rejected { // lost, unranked: the panel found them non-compliant
			to, err := bidLifecycle.Next("lose", b.Status)
			if err != nil {
				return err
			}
			if err := tx.Model(&Bid{}).Where("id = ?", b.ID).Updates(map[string]any{"status": to, "updated_at": s.now()}).Error; err != nil {
				return err
			}
		}
		now := s.now()
		t.AwardedAt, t.WinnerBidID = &now, &first.ID
		if err := s.setStatus(tx, a, t, "award", map[string]any{"awarded_at": now, "winner_bid_id": first.ID}); err != nil {
			return err
		}
		s.notifyAward(tx, t)
		return s.audit(tx, a, "tender.ranking", "tender", t.ID, t.RegionCode, nil, out)
	})
	return out, err
}

// standing is the ranking the award would make now, read in db: the valid
// bids ranked (rank) and, for lowest price, the valid bids the panel found
// non-compliant (rejected, unranked). While the panel has not finished it
// answers a conflict. The award and the staff's evaluation page (its
// provisional ranking) both read it, so the page shows what the award
// will do.
func (s *Store) standing(db *gorm.DB, t *Tender) (ranked, rejected []Bid, err error) {
	bids, err := s.openedBids(db, t)
	if err != nil {
		return nil, nil, err
	}
	var scores []Score
	if t.Evaluation == EvalComprehensive {
		done, sc, err := s.scoringComplete(db, t)
		if err != nil {
			return nil, nil, err
		}
		if !done {
			return nil, nil, Fail(ErrConflict, "err.scores_missing", "every panel member must score every valid bid first")
		}
		scores = sc
	} else {
		done, _, results, err := s.complianceComplete(db, t)
		if err != nil {
			return nil, nil, err
		}
		if !done {
			return nil, nil, Fail(ErrConflict, "err.reviews_missing", "every panel member must review every valid bid's compliance first")
		}
		compliant := map[int64]bool{}
		for _, r := range results {
			compliant[r.BidID] = r.Compliant
		}
		kept := bids[:0:0]
		for _, b := range bids {
			if bidLifecycle.Allows("rank", b.Status) && !compliant[b.ID] {
				rejected = append(rejected, b)
				continue
			}
			kept = append(kept, b)
		}
		bids = kept
	}
	return rank(t, bids, scores), rejected, nil
}

// rankedLine is a ranked bid as a line of the ranking.
func rankedLine(b Bid) Ranked {
	return Ranked{BidID: b.ID, OrganisationID: b.OrganisationID, Name: b.OrganisationName, PriceFen: b.PriceFen,
		PriceScore: *b.PriceScore, TechnicalScore: *b.TechnicalScore, FinalScore: *b.FinalScore, Rank: *b.Rank}
}

// Result is the public award notice, and a bidder's own score and rank.
type Result struct {
	TenderID       int64      `json:"tender_id"`
	Code           string     `json:"code"`
	Title          string     `json:"title"`
	Winner         ResultLine `json:"winner"`
	Panel          []string   `json:"panel"`
	AwardedAt      time.Time  `json:"awarded_at"`
	ChallengeUntil time.Time  `json:"challenge_until"`
	Own            *OwnResult `json:"own,omitempty"`
	Ranking        []Ranked   `json:"ranking,omitempty"` // staff only
}

// ResultLine is the winner on the notice.
type ResultLine struct {
	OrganisationID int64   `json:"organisation_id"`
	Name           string  `json:"name"`
	PriceFen       int64   `json:"price_fen"`
	Score          float64 `json:"score"`
}

// OwnResult is a bidder's own place.
type OwnResult struct {
	Score  float64 `json:"score"`
	Rank   int     `json:"rank"`
	Status string  `json:"status"`
}

// TenderResult returns the award notice of an awarded tender.
func (s *Store) TenderResult(ctx context.Context, a *Actor, tenderID int64) (*Result, error) {
	db := s.DB.WithContext(ctx)
	t, err := s.visibleTender(db, a, tenderID, false)
	if err != nil {
		return nil, err
	}
	return s.resultOf(db, a, t)
}

// resultOf is TenderResult of a tender already read.
func (s *Store) resultOf(db *gorm.DB, a *Actor, t *Tender) (*Result, error) {
	if t.AwardedAt == nil || t.WinnerBidID == nil {
		return nil, Fail(ErrConflict, "err.not_awarded", "the tender has not been awarded")
	}
	bids, err := s.openedBids(db, t)
	if err != nil {
		return nil, err
	}
	members, err := s.panel(db, t.ID)
	if err != nil {
		return nil, err
	}
	until, err := s.challengeEnds(db, t)
	if err != nil {
		return nil, err
	}
	r := &Result{TenderID: t.ID, Code: t.Code, Title: t.Title, AwardedAt: *t.AwardedAt, ChallengeUntil: until, Panel: []string{}}
	for _, m := range members {
		if m.Active {
			r.Panel = append(r.Panel, m.Name)
		}
	}
	for _, b := range bids {
		// The stored scores are the shown ones (shownScore): the notice,
		// the pages and the ranking use the same values.
		if b.ID == *t.WinnerBidID {
			r.Winner = ResultLine{OrganisationID: b.OrganisationID, Name: b.OrganisationName, PriceFen: b.PriceFen, Score: *b.FinalScore}
		}
		if a.OrganisationID != nil && *a.OrganisationID == b.OrganisationID {
			r.Own = &OwnResult{Status: b.Status}
			if b.FinalScore != nil && b.Rank != nil {
				r.Own.Score, r.Own.Rank = *b.FinalScore, *b.Rank
			}
		}
		if t.canManage(a) && b.Rank != nil {
			r.Ranking = append(r.Ranking, rankedLine(b))
		}
	}
	sort.Slice(r.Ranking, func(i, j int) bool { return r.Ranking[i].Rank < r.Ranking[j].Rank })
	return r, nil
}

// sortRanking orders scored bids: final score down, then lower price,
// then earlier submission.
func sortRanking(bids []Bid) {
	sort.SliceStable(bids, func(i, j int) bool {
		a, b := bids[i], bids[j]
		if *a.FinalScore != *b.FinalScore {
			return *a.FinalScore > *b.FinalScore
		}
		if a.PriceFen != b.PriceFen {
			return a.PriceFen < b.PriceFen
		}
		return a.SubmittedAt.Before(*b.SubmittedAt)
	})
}
