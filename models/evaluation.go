package models

import (
	"context"
	"fmt"
	"math"
	"math/big"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"
)

// PanelMember is an expert appointed to evaluate a tender. A member who
// declares a conflict recuses (inactive) and staff appoint a replacement.
type PanelMember struct {
	ID                     int64      `json:"id" gorm:"primaryKey"`
	TenderID               int64      `json:"tender_id"`
	ExpertID               int64      `json:"expert_id"`
	Active                 bool       `json:"active"`
	DeclaredAt             *time.Time `json:"declared_at"`
	Conflict               bool       `json:"conflict"`
	ConflictOrganisationID *int64     `json:"conflict_organisation_id,omitempty"`
	Name                   string     `json:"name" gorm:"-"`
}

// Score is one expert's points for one bid on one criterion.
type Score struct {
	ID        int64     `json:"-" gorm:"primaryKey"`
	BidID     int64     `json:"bid_id"`
	ExpertID  int64     `json:"expert_id"`
	Criterion string    `json:"criterion"`
	Points    float64   `json:"points"`
	ScoredAt  time.Time `json:"scored_at"`
}

// CreditCheck records a bidder's credit check (信用中国 and the
// procurement-violation list).
type CreditCheck struct {
	ID             int64     `json:"id" gorm:"primaryKey"`
	TenderID       int64     `json:"tender_id"`
	OrganisationID int64     `json:"organisation_id"`
	Result         string    `json:"result"`
	CheckedAt      time.Time `json:"checked_at"`
	Note           string    `json:"note"`
	Evidence       string    `json:"evidence"`
	EvidenceSHA256 string    `json:"evidence_sha256,omitempty" gorm:"column:evidence_sha256"`
	EvidenceName   string    `json:"evidence_name,omitempty"`
	EvidenceType   string    `json:"evidence_type,omitempty"`
	RecordedBy     int64     `json:"recorded_by"`
	RecordedAt     time.Time `json:"recorded_at"`
}

// panelSize is the smallest panel the method and budget allow.
func panelSize(t *Tender) int {
	r := t.Rule()
	if r.Tender && t.BudgetFen >= bigBudgetFen {
		return r.PanelMinBig
	}
	return r.PanelMin
}

// panelSizeOK is the method's panel rule for n members: an odd number, at
// least panelSize. It holds at appointment and, for the active members,
// at the award.
func panelSizeOK(t *Tender, n int) bool { return n >= panelSize(t) && n%2 == 1 }

func (s *Store) panel(db *gorm.DB, tenderID int64) ([]PanelMember, error) {
	var ms []PanelMember
	if err := db.Where("tender_id = ?", tenderID).Order("id").Find(&ms).Error; err != nil {
		return nil, err
	}
	ids := make([]int64, len(ms))
	for i, m := range ms {
		ids[i] = m.ExpertID
	}
	var users []User
	if len(ids) > 0 {
		if err := db.Select("id, display_name").Where("id IN ?", ids).Find(&users).Error; err != nil {
			return nil, err
		}
	}
	names := map[int64]string{}
	for _, u := range users {
		names[u.ID] = u.DisplayName
	}
	for i := range ms {
		ms[i].Name = names[ms[i].ExpertID]
	}
	return ms, nil
}

// AppointPanel sets the tender's active panel (procurement, after the
// deadline). Experts must hold the expert role over the tender's region and
// must not be procurement staff there; a member who has scored stays.
func (s *Store) AppointPanel(ctx context.Context, a *Actor, tenderID int64, expertIDs []int64) ([]PanelMember, error) {
	var out []PanelMember
	err := s.tx(ctx, func(tx *gorm.DB) error {
		t, err := s.managedTender(tx, a, tenderID)
		if err != nil {
			return err
		}
		if _, err := transition(tenderEvents, "tender", "appoint", t.Status); err != nil {
			return err
		}
		size := panelSize(t)
		uniq := map[int64]bool{}
		var fe []FieldError
		for i, id := range expertIDs {
			field := fmt.Sprintf("expert_ids[%d]", i)
			if uniq[id] {
				fe = append(fe, Field(field, "unique", ""))
				continue
			}
			uniq[id] = true
			grants, err := s.Authz.Grants(id)
			if err != nil {
				return err
			}
			expert := &Actor{UserID: id, Grants: grants, authz: s.Authz}
			var u User
			if err := tx.First(&u, id).Error; err != nil || u.Disabled || !expert.Can("bid:score", t.RegionCode) {
				fe = append(fe, Field(field, "expert", ""))
				continue
			}
			if expert.Can("tender:manage", t.RegionCode) {
				fe = append(fe, Field(field, "own_staff", ""))
			}
		}
		if !panelSizeOK(t, len(expertIDs)) {
			fe = append(fe, Field("expert_ids", "panel_size", fmt.Sprint(size)))
		}
		current, err := s.panel(tx, t.ID)
		if err != nil {
			return err
		}
		for _, m := range current {
			if m.Conflict && uniq[m.ExpertID] {
				fe = append(fe, Field("expert_ids", "recused", fmt.Sprint(m.ExpertID)))
			}
		}
		if len(fe) > 0 {
			return Invalid(fe...)
		}
		for _, m := range current {
			if !m.Active || uniq[m.ExpertID] {
				continue
			}
			var n, reviewed int64
			if err := tx.Model(&Score{}).Where("expert_id = ? AND bid_id IN (SELECT id FROM bids WHERE tender_id = ?)", m.ExpertID, t.ID).Count(&n).Error; err != nil {
				return err
			}
			if err := tx.Model(&ComplianceReview{}).Where("expert_id = ? AND bid_id IN (SELECT id FROM bids WHERE tender_id = ?)", m.ExpertID, t.ID).Count(&reviewed).Error; err != nil {
				return err
			}
			if n+reviewed > 0 {
				return Fail(ErrConflict, "err.panel_scored", "an expert who has scored or reviewed bids cannot leave the panel")
			}
			if err := tx.Model(&PanelMember{}).Where("id = ?", m.ID).Update("active", false).Error; err != nil {
				return err
			}
		}
		for _, id := range expertIDs { // in the order given, so the notice lists the panel so
			existing := false
			for _, m := range current {
				if m.ExpertID == id {
					existing = true
					if !m.Active {
						if err := tx.Model(&PanelMember{}).Where("id = ?", m.ID).Update("active", true).Error; err != nil {
							return err
						}
					}
				}
			}
			if !existing {
				if err := tx.Create(&PanelMember{TenderID: t.ID, ExpertID: id, Active: true}).Error; err != nil {
					return err
				}
			}
		}
		if err := s.setStatus(tx, a, t, "appoint", map[string]any{}); err != nil {
			return err
		}
		if out, err = s.panel(tx, t.ID); err != nil {
			return err
		}
		s.notifyPanel(tx, t, current, out)
		return s.audit(tx, a, "tender.panel", "tender", t.ID, t.RegionCode, current, out)
	})
	return out, err
}

// panelMember returns the caller's active membership of the tender's panel.
func (s *Store) panelMember(db *gorm.DB, a *Actor, t *Tender) (*PanelMember, error) {
	var m PanelMember
	if !a.SignedIn() {
		return nil, a.require("bid:score", t.RegionCode)
	}
	if err := db.Where("tender_id = ? AND expert_id = ? AND active = ?", t.ID, a.UserID, true).First(&m).Error; err != nil {
		if err == gorm.ErrRecordNotFound {
			return nil, Fail(ErrForbidden, "err.not_on_panel", "you are not on this tender's panel")
		}
		return nil, err
	}
	return &m, nil
}

// requireDeclaredExpert lets only panel members who declared no conflict
// see bids.
func (s *Store) requireDeclaredExpert(db *gorm.DB, a *Actor, t *Tender) error {
	if !a.Can("bid:score", t.RegionCode) {
		return a.require("bid:read", t.RegionCode)
	}
	m, err := s.panelMember(db, a, t)
	if err != nil {
		return err
	}
	if m.DeclaredAt == nil {
		return Fail(ErrConflict, "err.declare_first", "declare conflicts of interest before seeing any bid")
	}
	return nil
}

// Bidder is what an expert sees before declaring: who bid, nothing more.
type Bidder struct {
	OrganisationID int64  `json:"organisation_id"`
	Name           string `json:"name"`
}

// Bidders lists the organisations whose bids were opened, for the panel's
// declarations and the region's staff.
func (s *Store) Bidders(ctx context.Context, a *Actor, tenderID int64) ([]Bidder, error) {
	db := s.DB.WithContext(ctx)
	t, err := s.visibleTender(db, a, tenderID, false)
	if err != nil {
		return nil, err
	}
	if !t.canManage(a) {
		if _, err := s.panelMember(db, a, t); err != nil {
			return nil, err
		}
	}
	if !t.PastDeadline(s.now()) {
		return nil, Fail(ErrConflict, "err.sealed", "bids stay sealed until the deadline")
	}
	var ids []int64
	if err := db.Model(&Bid{}).Where("tender_id = ? AND status IN ?", t.ID, []string{BidSubmitted, BidDisqualified, BidWon, BidLost}).
		Order("organisation_id").Pluck("organisation_id", &ids).Error; err != nil {
		return nil, err
	}
	names, err := s.orgNames(db, ids)
	if err != nil {
		return nil, err
	}
	out := make([]Bidder, 0, len(ids))
	for _, id := range ids {
		out = append(out, Bidder{OrganisationID: id, Name: names[id]})
	}
	return out, nil
}

// Declaration is an expert's conflict-of-interest statement.
type Declaration struct {
	Conflict       bool   `json:"conflict"`
	OrganisationID *int64 `json:"organisation_id"`
}

// Declare records the caller's declaration; a conflict recuses the expert.
func (s *Store) Declare(ctx context.Context, a *Actor, tenderID int64, d Declaration) (*PanelMember, error) {
	var out *PanelMember
	err := s.tx(ctx, func(tx *gorm.DB) error {
		t, err := s.visibleTender(tx, a, tenderID, true)
		if err != nil {
			return err
		}
		m, err := s.panelMember(tx, a, t)
		if err != nil {
			return err
		}
		if _, err := transition(tenderEvents, "tender", "evaluate", t.Status); err != nil {
			return err
		}
		if m.DeclaredAt != nil {
			return Fail(ErrConflict, "err.declared", "you have declared already")
		}
		if d.Conflict {
			if d.OrganisationID == nil {
				return Invalid(Field("organisation_id", "required", ""))
			}
			var n int64
			if err := tx.Model(&Bid{}).Where("tender_id = ? AND organisation_id = ? AND status <> ? AND status <> ?", t.ID, *d.OrganisationID, BidDraft, BidWithdrawn).Count(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				return Invalid(Field("organisation_id", "bidder", ""))
			}
		}
		now := s.now()
		m.DeclaredAt, m.Conflict = &now, d.Conflict
		if d.Conflict {
			m.ConflictOrganisationID, m.Active = d.OrganisationID, false
		}
		if err := tx.Model(&PanelMember{}).Where("id = ?", m.ID).Updates(map[string]any{"declared_at": now, "conflict": m.Conflict,
			"conflict_organisation_id": m.ConflictOrganisationID, "active": m.Active}).Error; err != nil {
			return err
		}
		out = m
		return s.audit(tx, a, "tender.declare", "tender", t.ID, t.RegionCode, nil, d)
	})
	return out, err
}

// ScoreBid records the caller's points for a valid bid on every criterion.
func (s *Store) ScoreBid(ctx context.Context, a *Actor, bidID int64, points map[string]float64) ([]Score, error) {
	var out []Score
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var b Bid
		if err := tx.First(&b, bidID).Error; err != nil {
			return notFound(err, "bid")
		}
		t, err := s.visibleTender(tx, a, b.TenderID, true)
		if err != nil {
			return err
		}
		if !t.PastDeadline(s.now()) {
			return Fail(ErrNotFound, "err.not_found", "bid not found")
		}
		if err := s.requireDeclaredExpert(tx, a, t); err != nil {
			return err
		}
		if t.Evaluation != EvalComprehensive {
			return Fail(ErrConflict, "err.no_scoring", "a lowest-price tender has no technical scoring")
		}
		if t.Status != TenderEvaluating {
			return Fail(ErrConflict, "err.transition", "the tender is "+t.Status+", not evaluating")
		}
		if effectiveBidStatus(b.Status, t, s.now()) != BidValid {
			return Fail(ErrConflict, "err.bid_not_valid", "only valid bids are scored")
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
		now := s.now()
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

// CreditCheckInput is the body of POST /tenders/{id}/credit-checks.
type CreditCheckInput struct {
	OrganisationID int64     `json:"organisation_id"`
	Result         string    `json:"result"`
	CheckedAt      time.Time `json:"checked_at"`
	Note           string    `json:"note"`
	Evidence       string    `json:"evidence"`
	// EvidenceFile, when set, reads an uploaded evidence file (a screenshot
	// or PDF of the 信用中国 result), stored by content hash.
	EvidenceFile func() (OrgUpload, error) `json:"-"`
	// ConfirmEnd confirms a listed result that leaves too few valid bids
	// and so ends the tender.
	ConfirmEnd bool `json:"confirm_end"`
}

// RecordCreditCheck records a bidder's credit check after the deadline. A
// listed organisation's bid is disqualified.
func (s *Store) RecordCreditCheck(ctx context.Context, a *Actor, tenderID int64, in CreditCheckInput) (*CreditCheck, error) {
	var out *CreditCheck
	// An evidence file is read and stored before the transaction, once the
	// caller is known to run the tender, so a slow upload holds no lock.
	var evSum, evType, evName string
	if in.EvidenceFile != nil {
		if _, err := s.managedTender(s.DB.WithContext(ctx), a, tenderID); err != nil {
			return nil, err
		}
		up, err := in.EvidenceFile()
		if err != nil {
			return nil, err
		}
		sum, _, ctype, err := s.storeOrgFile(up.Body)
		up.Body.Close()
		if err != nil {
			return nil, err
		}
		evSum, evType, evName = sum, ctype, orgCleanName(up.Name, orgDocumentTypes[ctype])
	}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		t, err := s.managedTender(tx, a, tenderID)
		if err != nil {
			return err
		}
		if !t.PastDeadline(s.now()) {
			return Fail(ErrConflict, "err.sealed", "credit checks are recorded after the deadline")
		}
		if _, err := transition(tenderEvents, "tender", "evaluate", t.Status); err != nil {
			return err
		}
		var fe []FieldError
		if in.Result != "clear" && in.Result != "listed" {
			fe = append(fe, Field("result", "oneof", "clear listed"))
		}
		if in.CheckedAt.IsZero() {
			fe = append(fe, Field("checked_at", "required", ""))
		} else if in.CheckedAt.After(s.now().Add(time.Minute)) {
			fe = append(fe, Field("checked_at", "future", ""))
		}
		var b Bid
		err = tx.Where("tender_id = ? AND organisation_id = ? AND status IN ?", t.ID, in.OrganisationID, []string{BidSubmitted, BidDisqualified}).First(&b).Error
		if err != nil {
			fe = append(fe, Field("organisation_id", "bidder", ""))
		}
		if len(fe) > 0 {
			return Invalid(fe...)
		}
		now := s.now()
		out = &CreditCheck{TenderID: t.ID, OrganisationID: in.OrganisationID, Result: in.Result, CheckedAt: in.CheckedAt.UTC(),
			Note: strings.TrimSpace(in.Note), Evidence: strings.TrimSpace(in.Evidence), RecordedBy: a.UserID, RecordedAt: now}
		if evSum != "" {
			out.EvidenceSHA256, out.EvidenceType, out.EvidenceName = evSum, evType, evName
		}
		if err := tx.Create(out).Error; err != nil {
			return err
		}
		if err := s.audit(tx, a, "tender.credit_check", "tender", t.ID, t.RegionCode, nil, out); err != nil {
			return err
		}
		if in.Result == "listed" && b.Status == BidSubmitted {
			return s.disqualify(tx, a, t, &b, DisqualifyCreditListed, "", in.ConfirmEnd, nil)
		}
		return nil
	})
	return out, err
}

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
		if b.Status == BidValid {
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
		if t.Status == TenderOpened {
			return Fail(ErrConflict, "err.panel_first", "appoint the panel and let it evaluate first")
		}
		if _, err := transition(tenderEvents, "tender", "award", t.Status); err != nil {
			return err
		}
		bids, err := s.openedBids(tx, t)
		if err != nil {
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
		var scores []Score
		var rejected []Bid // valid bids the panel found non-compliant
		if t.Evaluation == EvalComprehensive {
			done, sc, err := s.scoringComplete(tx, t)
			if err != nil {
				return err
			}
			if !done {
				return Fail(ErrConflict, "err.scores_missing", "every panel member must score every valid bid first")
			}
			scores = sc
		} else {
			done, _, results, err := s.complianceComplete(tx, t)
			if err != nil {
				return err
			}
			if !done {
				return Fail(ErrConflict, "err.reviews_missing", "every panel member must review every valid bid's compliance first")
			}
			compliant := map[int64]bool{}
			for _, r := range results {
				compliant[r.BidID] = r.Compliant
			}
			kept := bids[:0:0]
			for _, b := range bids {
				if b.Status == BidValid && !compliant[b.ID] {
					rejected = append(rejected, b)
					continue
				}
				kept = append(kept, b)
			}
			bids = kept
		}
		ranked := rank(t, bids, scores)
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
			to, err := transition(bidEvents, "bid", event, b.Status)
			if err != nil {
				return err
			}
			if err := tx.Model(&Bid{}).Where("id = ?", b.ID).Updates(map[string]any{"status": to, "price_score": *b.PriceScore,
				"technical_score": *b.TechnicalScore, "final_score": *b.FinalScore, "rank": *b.Rank, "updated_at": s.now()}).Error; err != nil {
				return err
			}
			out = append(out, Ranked{BidID: b.ID, OrganisationID: b.OrganisationID, Name: b.OrganisationName, PriceFen: b.PriceFen,
				PriceScore: *b.PriceScore, TechnicalScore: *b.TechnicalScore, FinalScore: *b.FinalScore, Rank: *b.Rank})
		}
		for _, b := range rejected { // lost, unranked: the panel found them non-compliant
			to, err := transition(bidEvents, "bid", "lose", b.Status)
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
			r.Ranking = append(r.Ranking, Ranked{BidID: b.ID, OrganisationID: b.OrganisationID, Name: b.OrganisationName, PriceFen: b.PriceFen,
				PriceScore: *b.PriceScore, TechnicalScore: *b.TechnicalScore, FinalScore: *b.FinalScore, Rank: *b.Rank})
		}
	}
	sort.Slice(r.Ranking, func(i, j int) bool { return r.Ranking[i].Rank < r.Ranking[j].Rank })
	return r, nil
}

// OpenCreditEvidence returns a credit check's evidence file to the
// tender's staff.
func (s *Store) OpenCreditEvidence(ctx context.Context, a *Actor, checkID int64) (*CreditCheck, *os.File, error) {
	db := s.DB.WithContext(ctx)
	var cc CreditCheck
	if err := db.First(&cc, checkID).Error; err != nil {
		return nil, nil, notFound(err, "credit check")
	}
	t, err := s.visibleTender(db, a, cc.TenderID, false)
	if err != nil || !t.canManage(a) || cc.EvidenceSHA256 == "" {
		return nil, nil, Fail(ErrNotFound, "err.not_found", "evidence not found")
	}
	dir, err := s.orgFilesDir()
	if err != nil {
		return nil, nil, err
	}
	f, err := os.Open(orgFilePath(dir, cc.EvidenceSHA256))
	if err != nil {
		return nil, nil, err
	}
	return &cc, f, nil
}
