package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// The evaluation panel: appointment, the experts' declarations of
// conflicts of interest and the method's panel rule; the checks an expert's
// work on a bid shares. Scoring is in scoring.go, compliance reviews in
// compliance.go, credit checks in credit.go, the award in award.go.

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
		if _, err := tenderLifecycle.Next("appoint", t.Status); err != nil {
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

// expertBid loads a bid for the caller to evaluate by method (scored when
// comprehensive, reviewed pass or fail when lowest price), with the checks
// ScoreBid and ReviewCompliance share: the bid's tender visible and
// locked, past its deadline, the caller a declared expert on its panel,
// the tender evaluated by that method and under evaluation, the bid valid.
func (s *Store) expertBid(tx *gorm.DB, a *Actor, bidID int64, method string, now time.Time) (*Bid, *Tender, error) {
	var b Bid
	if err := tx.First(&b, bidID).Error; err != nil {
		return nil, nil, notFound(err, "bid")
	}
	t, err := s.visibleTender(tx, a, b.TenderID, true)
	if err != nil {
		return nil, nil, err
	}
	if !t.PastDeadline(now) {
		return nil, nil, Fail(ErrNotFound, "err.not_found", "bid not found")
	}
	if err := s.requireDeclaredExpert(tx, a, t); err != nil {
		return nil, nil, err
	}
	event, work := "score", "scored"
	switch {
	case method == EvalComprehensive && t.Evaluation != method:
		return nil, nil, Fail(ErrConflict, "err.no_scoring", "a lowest-price tender has no technical scoring")
	case method == EvalLowestPrice && t.Evaluation != method:
		return nil, nil, Fail(ErrConflict, "err.no_compliance", "a comprehensive-scoring tender is scored, not reviewed pass or fail")
	case method == EvalLowestPrice:
		event, work = "review", "reviewed"
	}
	if _, err := tenderLifecycle.Next(event, t.Status); err != nil {
		return nil, nil, err
	}
	if !bidLifecycle.Allows("evaluate", effectiveBidStatus(b.Status, t, now)) {
		return nil, nil, Fail(ErrConflict, "err.bid_not_valid", "only valid bids are "+work)
	}
	return &b, t, nil
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
		if _, err := tenderLifecycle.Next("evaluate", t.Status); err != nil {
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
