package models

import (
	"context"
	"sort"
	"strconv"
	"strings"

	"gorm.io/gorm"
)

// Read models of the tender workspaces: the experts a buyer may appoint, an
// expert's panels, an organisation's bids, and the parts of a tender only
// its buyer sees. Each checks the caller as the changes do.

// Experts lists the enabled users who may score bids of region's tenders
// and are not its own procurement staff: the candidates for a panel. Only
// the region's procurement staff may list them.
func (s *Store) Experts(ctx context.Context, a *Actor, region string) ([]User, error) {
	if err := a.require("tender:manage", region); err != nil {
		return nil, err
	}
	users, err := s.permittedUsers(s.DB.WithContext(ctx), "bid:score", region)
	if err != nil {
		return nil, err
	}
	out := []User{}
	for _, u := range users {
		if !u.actor.Can("tender:manage", region) {
			out = append(out, u.User)
		}
	}
	return out, nil
}

// permittedUser is a user with its grants bound to the authorizer.
type permittedUser struct {
	User
	actor *Actor
}

// permittedUsers lists the enabled users who may do perm in region, by
// display name.
func (s *Store) permittedUsers(db *gorm.DB, perm, region string) ([]permittedUser, error) {
	// The roles that hold perm, then the users granted one of them
	// anywhere; the exact reach over region is decided by the authorizer.
	var roles []string
	if err := db.Table("casbin_rule").Where("ptype = ? AND v1 = ?", "p", perm).Pluck("v0", &roles).Error; err != nil {
		return nil, err
	}
	out := []permittedUser{}
	if len(roles) == 0 {
		return out, nil
	}
	var subjects []string
	if err := db.Table("casbin_rule").Where("ptype = ? AND v1 IN ?", "g", roles).Distinct("v0").Pluck("v0", &subjects).Error; err != nil {
		return nil, err
	}
	var ids []int64
	for _, sub := range subjects {
		if id, err := strconv.ParseInt(strings.TrimPrefix(sub, "u:"), 10, 64); err == nil && strings.HasPrefix(sub, "u:") {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return out, nil
	}
	var users []User
	if err := db.Where("id IN ? AND disabled = ?", ids, false).Order("display_name, id").Find(&users).Error; err != nil {
		return nil, err
	}
	for _, u := range users {
		grants, err := s.Authz.Grants(u.ID)
		if err != nil {
			return nil, err
		}
		if ac := (&Actor{UserID: u.ID, Grants: grants, authz: s.Authz}); ac.Can(perm, region) {
			out = append(out, permittedUser{User: u, actor: ac})
		}
	}
	return out, nil
}

// Assignment is one of an expert's panel memberships with its tender.
type Assignment struct {
	Member PanelMember
	Tender Tender
}

// Panels lists the caller's panel memberships, active or recused, newest
// tender first.
func (s *Store) Panels(ctx context.Context, a *Actor) ([]Assignment, error) {
	if !a.SignedIn() {
		return nil, a.require("bid:score", RootRegion)
	}
	db := s.DB.WithContext(ctx)
	var ms []PanelMember
	if err := db.Where("expert_id = ?", a.UserID).Order("tender_id DESC").Find(&ms).Error; err != nil {
		return nil, err
	}
	out := []Assignment{}
	if len(ms) == 0 {
		return out, nil
	}
	ids := make([]int64, len(ms))
	for i, m := range ms {
		ids[i] = m.TenderID
	}
	byID, err := s.tendersByID(db, ids)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		if t := byID[m.TenderID]; t != nil {
			out = append(out, Assignment{Member: m, Tender: *t})
		}
	}
	return out, nil
}

// Membership returns a tender and the caller's membership of its panel,
// active or recused; 403 when the caller was never appointed.
func (s *Store) Membership(ctx context.Context, a *Actor, tenderID int64) (*Tender, *PanelMember, error) {
	db := s.DB.WithContext(ctx)
	t, err := s.visibleTender(db, a, tenderID, false)
	if err != nil {
		return nil, nil, err
	}
	if !a.SignedIn() {
		return nil, nil, a.require("bid:score", t.RegionCode)
	}
	var m PanelMember
	if err := db.Where("tender_id = ? AND expert_id = ?", t.ID, a.UserID).First(&m).Error; err != nil {
		if err == gorm.ErrRecordNotFound {
			return nil, nil, Fail(ErrForbidden, "err.not_on_panel", "you are not on this tender's panel")
		}
		return nil, nil, err
	}
	return t, &m, nil
}

// ManagedTender returns a tender to its region's procurement staff: 404
// when the caller may not see it, 403 when it may see but not run it.
func (s *Store) ManagedTender(ctx context.Context, a *Actor, id int64) (*Tender, error) {
	return s.managedTender(s.DB.WithContext(ctx), a, id)
}

// TenderPanel lists a tender's panel, with each member's declaration, for
// its procurement staff.
func (s *Store) TenderPanel(ctx context.Context, a *Actor, tenderID int64) ([]PanelMember, error) {
	db := s.DB.WithContext(ctx)
	t, err := s.managedTender(db, a, tenderID)
	if err != nil {
		return nil, err
	}
	return s.panel(db, t.ID)
}

// CreditChecks lists a tender's recorded credit checks for its procurement
// staff, latest first.
func (s *Store) CreditChecks(ctx context.Context, a *Actor, tenderID int64) ([]CreditCheck, error) {
	db := s.DB.WithContext(ctx)
	t, err := s.managedTender(db, a, tenderID)
	if err != nil {
		return nil, err
	}
	out := []CreditCheck{}
	return out, db.Where("tender_id = ?", t.ID).Order("recorded_at DESC, id DESC").Find(&out).Error
}

// TenderContract returns the contract signed for a tender, to whoever may
// read it; 404 when there is none.
func (s *Store) TenderContract(ctx context.Context, a *Actor, tenderID int64) (*Contract, error) {
	var id int64
	if err := s.DB.WithContext(ctx).Model(&Contract{}).Where("tender_id = ?", tenderID).Limit(1).Pluck("id", &id).Error; err != nil {
		return nil, err
	}
	if id == 0 {
		return nil, Fail(ErrNotFound, "err.not_found", "contract not found")
	}
	return s.Contract(ctx, a, id)
}

// PanelSize is the smallest panel the tender's method and budget allow.
func (t *Tender) PanelSize() int { return panelSize(t) }

// BidSummary is one of an organisation's bids with its tender.
type BidSummary struct {
	Bid    Bid
	Tender Tender
}

// OwnBids lists the caller's organisation's bids, newest first, with their
// status at now.
func (s *Store) OwnBids(ctx context.Context, a *Actor) ([]BidSummary, error) {
	orgID, err := memberOrg(a)
	if err != nil {
		return nil, err
	}
	db := s.DB.WithContext(ctx)
	var bids []Bid
	if err := db.Where("organisation_id = ?", orgID).Find(&bids).Error; err != nil {
		return nil, err
	}
	out := []BidSummary{}
	if len(bids) == 0 {
		return out, nil
	}
	ids := make([]int64, len(bids))
	for i, b := range bids {
		ids[i] = b.TenderID
	}
	byID, err := s.tendersByID(db, ids)
	if err != nil {
		return nil, err
	}
	now := s.now()
	for _, b := range bids {
		t := byID[b.TenderID]
		if t == nil {
			continue
		}
		if err := s.unseal(&b); err != nil {
			return nil, err
		}
		b.Status = effectiveBidStatus(b.Status, t, now)
		out = append(out, BidSummary{Bid: b, Tender: *t})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Tender.ID > out[j].Tender.ID })
	return out, nil
}

// tendersByID loads tenders with their parts and clock-derived status,
// keyed by id.
func (s *Store) tendersByID(db *gorm.DB, ids []int64) (map[int64]*Tender, error) {
	var ts []*Tender
	if err := db.Where("id IN ?", ids).Find(&ts).Error; err != nil {
		return nil, err
	}
	if err := s.fillTenders(db, ts); err != nil {
		return nil, err
	}
	byID := make(map[int64]*Tender, len(ts))
	for _, t := range ts {
		byID[t.ID] = t
	}
	return byID, nil
}
