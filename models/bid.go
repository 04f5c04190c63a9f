package models

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Bid statuses. Before the deadline a bid is draft, submitted or withdrawn;
// at the deadline a submitted bid becomes valid (shown so by the clock),
// and staff may disqualify it; the award makes it won or lost.
const (
	BidDraft        = "draft"
	BidSubmitted    = "submitted"
	BidWithdrawn    = "withdrawn"
	BidValid        = "valid"
	BidDisqualified = "disqualified"
	BidWon          = "won"
	BidLost         = "lost"
)

// Reasons the portal gives a disqualification itself, stored as a code
// and shown in the reader's language (bid.dq.<code>); the API carries the
// code and its stable English in disqualified_reason. Staff-typed reasons
// have no code and stay as typed.
const DisqualifyCreditListed = "credit_listed" // a credit check found the organisation listed

var disqualifyTexts = map[string]string{DisqualifyCreditListed: "credit check: listed"}

// bidLifecycle is the bid lifecycle, on the effective status (a submitted
// bid past its tender's deadline is valid, see effectiveBidStatus).
var bidLifecycle = &Lifecycle{Object: "bid", Events: map[string]map[string]string{
	"edit":       {BidDraft: BidDraft, BidWithdrawn: BidDraft},
	"submit":     {BidDraft: BidSubmitted, BidWithdrawn: BidSubmitted},
	"withdraw":   {BidSubmitted: BidWithdrawn},
	"reopen":     {BidSubmitted: BidDraft}, // the tender was amended
	"evaluate":   {BidValid: BidValid},     // scored or reviewed by the panel
	"rank":       {BidValid: BidValid},
	"disqualify": {BidValid: BidDisqualified},
	"win":        {BidValid: BidWon},
	"lose":       {BidValid: BidLost},
}}

// Bid is one organisation's response to a tender. Price, proposal and team
// are kept only in Sealed, encrypted, and opened for others only after the
// deadline.
type Bid struct {
	ID                 int64      `json:"id" gorm:"primaryKey;autoIncrement:false"`
	TenderID           int64      `json:"tender_id"`
	OrganisationID     int64      `json:"organisation_id"`
	Status             string     `json:"status"`
	Sealed             []byte     `json:"-"`
	SubmittedAt        *time.Time `json:"submitted_at"`
	DisqualifiedReason string     `json:"disqualified_reason,omitempty"` // the staff's words, or DisqualifiedCode's stable English
	DisqualifiedCode   string     `json:"disqualified_code,omitempty"`   // a reason the portal gave (DisqualifyCreditListed)
	PriceScore         *float64   `json:"price_score,omitempty"`
	TechnicalScore     *float64   `json:"technical_score,omitempty"`
	FinalScore         *float64   `json:"final_score,omitempty"`
	Rank               *int       `json:"rank,omitempty"`
	CreatedAt          time.Time  `json:"created_at"`
	UpdatedAt          time.Time  `json:"updated_at"`
	BidContent         `gorm:"-"`
	OrganisationName   string `json:"organisation_name,omitempty" gorm:"-"`
}

// BidContent is the sealed part of a bid.
type BidContent struct {
	PriceFen int64        `json:"price_fen"`
	Proposal string       `json:"proposal"`
	Team     []TeamMember `json:"team"`
}

// TeamMember names a person of the organisation's roster on the bid's team.
type TeamMember struct {
	StaffID       int64  `json:"staff_id"`
	Role          string `json:"role"`
	Name          string `json:"name"`
	Level         string `json:"level"`
	CertificateNo string `json:"certificate_no"`
}

// BidInput is the body of PUT /tenders/{id}/bid.
type BidInput struct {
	PriceFen int64        `json:"price_fen"`
	Proposal string       `json:"proposal"`
	Team     []TeamMember `json:"team"`
}

func bidAD(b *Bid) string { return fmt.Sprintf("bid:%d:%d:%d", b.ID, b.TenderID, b.OrganisationID) }

func randomID() int64 {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return int64(binary.BigEndian.Uint64(b[:])>>12) + 1 // fits JavaScript's safe integers
}

// SealBid seals a bid's content for the bid row (id, tender,
// organisation) as the portal does when the organisation saves it: the
// dataset generator writes bids straight into the table with it.
func SealBid(sl *Sealer, id, tenderID, orgID int64, c BidContent) ([]byte, error) {
	b := Bid{ID: id, TenderID: tenderID, OrganisationID: orgID, BidContent: c}
	plain, err := json.Marshal(b.BidContent)
	if err != nil {
		return nil, err
	}
	return sl.Seal(plain, bidAD(&b)), nil
}

func (s *Store) seal(b *Bid) error {
	if s.Sealer == nil {
		return fmt.Errorf("no seal key configured")
	}
	plain, err := json.Marshal(b.BidContent)
	if err != nil {
		return err
	}
	b.Sealed = s.Sealer.Seal(plain, bidAD(b))
	return nil
}

func (s *Store) unseal(b *Bid) error {
	if s.Sealer == nil {
		return fmt.Errorf("no seal key configured")
	}
	plain, err := s.Sealer.Open(b.Sealed, bidAD(b))
	if err != nil {
		return fmt.Errorf("unseal bid %d: %w", b.ID, err)
	}
	return json.Unmarshal(plain, &b.BidContent)
}

// effectiveBidStatus applies the clock: a submitted bid is valid once the
// deadline has passed.
func effectiveBidStatus(stored string, t *Tender, now time.Time) string {
	if stored == BidSubmitted && t.PastDeadline(now) {
		return BidValid
	}
	return stored
}

// memberOrg returns the caller's organisation, or 403 when the caller is
// not an organisation's member.
func memberOrg(a *Actor) (int64, error) {
	if !a.SignedIn() {
		return 0, a.require("bid:write", RootRegion)
	}
	if a.OrganisationID == nil || !a.HasRole(RoleAgency) {
		return 0, Fail(ErrForbidden, "err.forbidden", "only an organisation's members bid")
	}
	return *a.OrganisationID, nil
}

// biddingTender loads a tender on which the caller's organisation may now
// do event ("bid" or "ask").
func (s *Store) biddingTender(tx *gorm.DB, a *Actor, tenderID, orgID int64, event string) (*Tender, error) {
	t, err := s.visibleTender(tx, a, tenderID, true)
	if err != nil {
		return nil, err
	}
	if t.Rule().Invited && !slices.Contains(t.Invited, orgID) {
		return nil, Fail(ErrNotFound, "err.not_found", "tender not found")
	}
	if !tenderLifecycle.Allows(event, t.Status) {
		return nil, Fail(ErrConflict, "err.deadline_passed", "the tender is "+t.Status+": bids are accepted only while it is published, before the deadline")
	}
	if err := s.OrganisationCanBid(tx, orgID, s.now()); err != nil {
		// An enquiry has its own words: the organisation may not ask yet.
		if e, ok := AsError(err); ok && event == "ask" && e.Key == "err.org_cannot_bid" {
			return nil, Fail(e.Kind, "err.org_cannot_ask", e.Detail)
		}
		return nil, err
	}
	// A failed final phase bars the organisation from the region's
	// tenders (supervision_grades.go).
	if err := s.failBarRefusal(tx, orgID, t.RegionCode); err != nil {
		return nil, err
	}
	return t, nil
}

// ownBid loads the organisation's bid on a tender, or nil.
func (s *Store) ownBid(db *gorm.DB, tenderID, orgID int64) (*Bid, error) {
	var b Bid
	err := db.Where("tender_id = ? AND organisation_id = ?", tenderID, orgID).First(&b).Error
	if err == gorm.ErrRecordNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &b, s.unseal(&b)
}

// checkBid validates a bid's content against the tender and the
// organisation's roster, filling the team members' names from it.
func (s *Store) checkBid(db *gorm.DB, t *Tender, orgID int64, in *BidInput, final bool) error {
	var fe []FieldError
	if in.PriceFen < 0 || (final && in.PriceFen == 0) {
		fe = append(fe, Field("price_fen", "gt", "0"))
	}
	if in.PriceFen > t.BudgetFen {
		fe = append(fe, Field("price_fen", "over_budget", fmt.Sprint(t.BudgetFen)))
	}
	in.Proposal = strings.TrimSpace(in.Proposal)
	if final && in.Proposal == "" {
		fe = append(fe, Field("proposal", "required", ""))
	}
	if len(in.Proposal) > 200_000 {
		fe = append(fe, Field("proposal", "max", "200000"))
	}
	if final && len(in.Team) == 0 {
		fe = append(fe, Field("team", "required", ""))
	}
	seen := map[int64]bool{}
	for i, m := range in.Team {
		var r RosterEntry
		if err := db.Where("id = ? AND organisation_id = ?", m.StaffID, orgID).First(&r).Error; err != nil {
			fe = append(fe, Field(fmt.Sprintf("team[%d].staff_id", i), "roster", ""))
			continue
		}
		if seen[m.StaffID] {
			fe = append(fe, Field(fmt.Sprintf("team[%d].staff_id", i), "unique", ""))
		}
		seen[m.StaffID] = true
		in.Team[i] = TeamMember{StaffID: r.ID, Role: strings.TrimSpace(m.Role), Name: r.Name, Level: r.Level, CertificateNo: r.CertificateNo}
	}
	if len(fe) > 0 {
		return Invalid(fe...)
	}
	return nil
}

// bidTx runs fn in a transaction on the caller's organisation's bid (nil
// before its first save) of a tender open for bidding. The deadline is
// exact: the last step before commit checks the server's clock, so nothing
// that would commit after it is accepted.
func (s *Store) bidTx(ctx context.Context, a *Actor, tenderID int64, fn func(tx *gorm.DB, t *Tender, orgID int64, b *Bid) error) error {
	orgID, err := memberOrg(a)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		t, err := s.biddingTender(tx, a, tenderID, orgID, "bid")
		if err != nil {
			return err
		}
		b, err := s.ownBid(tx, tenderID, orgID)
		if err != nil {
			return err
		}
		if err := fn(tx, t, orgID, b); err != nil {
			return err
		}
		if !s.now().Before(t.BidDeadline) {
			return Fail(ErrConflict, "err.deadline_passed", "the bid deadline has passed")
		}
		return nil
	})
}

// editable refuses changes to a bid that is not a draft (or withdrawn).
func editable(b *Bid) error {
	if b == nil {
		return Fail(ErrNotFound, "err.not_found", "save the bid first")
	}
	if _, err := bidLifecycle.Next("edit", b.Status); err != nil {
		return Fail(ErrConflict, "err.bid_submitted", "withdraw the submitted bid before changing it")
	}
	return nil
}

// SaveBid creates or changes the organisation's draft bid.
func (s *Store) SaveBid(ctx context.Context, a *Actor, tenderID int64, in BidInput) (*Bid, error) {
	var out *Bid
	err := s.bidTx(ctx, a, tenderID, func(tx *gorm.DB, t *Tender, orgID int64, b *Bid) error {
		if err := s.checkBid(tx, t, orgID, &in, false); err != nil {
			return err
		}
		now := s.now()
		action := "bid.update"
		if b == nil {
			b = &Bid{ID: randomID(), TenderID: tenderID, OrganisationID: orgID, Status: BidDraft, CreatedAt: now}
			action = "bid.create"
		} else if err := editable(b); err != nil {
			return err
		}
		b.Status = BidDraft
		b.BidContent = BidContent(in)
		b.UpdatedAt = now
		if err := s.seal(b); err != nil {
			return err
		}
		if err := tx.Save(b).Error; err != nil {
			return err
		}
		out = b
		return s.auditBid(tx, a, b, t, action)
	})
	return out, err
}

// auditBid records a bid's change with no sealed content, hidden from
// audit reads until the tender's deadline.
func (s *Store) auditBid(tx *gorm.DB, a *Actor, b *Bid, t *Tender, action string) error {
	ev := AuditEvent{At: s.now(), Action: action, ObjectType: "bid", ObjectID: fmt.Sprint(b.ID), RegionCode: t.RegionCode,
		After: jsonOrEmpty(map[string]any{"status": b.Status, "tender_id": t.ID, "organisation_id": b.OrganisationID}), SealedTenderID: &t.ID}
	if a != nil {
		ev.RemoteAddr = a.RemoteAddr
		if a.SignedIn() {
			id := a.UserID
			ev.ActorID, ev.ActorName = &id, a.Username
		}
	}
	return tx.Create(&ev).Error
}

// moveBid applies a lifecycle event to the organisation's own bid.
func (s *Store) moveBid(ctx context.Context, a *Actor, tenderID int64, event string) (*Bid, error) {
	var out *Bid
	err := s.bidTx(ctx, a, tenderID, func(tx *gorm.DB, t *Tender, orgID int64, b *Bid) error {
		if b == nil {
			return Fail(ErrNotFound, "err.not_found", "no bid yet")
		}
		to, err := bidLifecycle.Next(event, b.Status)
		if err != nil {
			return err
		}
		if event == "submit" {
			in := BidInput(b.BidContent)
			if err := s.checkBid(tx, t, orgID, &in, true); err != nil {
				return err
			}
		}
		now := s.now()
		updates := map[string]any{"status": to, "updated_at": now}
		b.Status = to
		if event == "submit" {
			b.SubmittedAt = &now
			updates["submitted_at"] = now
		} else {
			b.SubmittedAt = nil
			updates["submitted_at"] = nil
		}
		if err := tx.Model(&Bid{}).Where("id = ?", b.ID).Updates(updates).Error; err != nil {
			return err
		}
		out = b
		return s.auditBid(tx, a, b, t, "bid."+event)
	})
	return out, err
}

// SubmitBid submits the organisation's draft before the deadline.
func (s *Store) SubmitBid(ctx context.Context, a *Actor, tenderID int64) (*Bid, error) {
	return s.moveBid(ctx, a, tenderID, "submit")
}

// WithdrawBid withdraws the organisation's submitted bid before the deadline.
func (s *Store) WithdrawBid(ctx context.Context, a *Actor, tenderID int64) (*Bid, error) {
	return s.moveBid(ctx, a, tenderID, "withdraw")
}

// OwnBid returns the caller's organisation's bid on a tender.
func (s *Store) OwnBid(ctx context.Context, a *Actor, tenderID int64) (*Bid, error) {
	orgID, err := memberOrg(a)
	if err != nil {
		return nil, err
	}
	db := s.DB.WithContext(ctx)
	t, err := s.visibleTender(db, a, tenderID, false)
	if err != nil {
		return nil, err
	}
	b, err := s.ownBid(db, tenderID, orgID)
	if err != nil {
		return nil, err
	}
	if b == nil {
		return nil, Fail(ErrNotFound, "err.not_found", "no bid yet")
	}
	b.Status = effectiveBidStatus(b.Status, t, s.now())
	return b, nil
}

// openedBids returns a tender's bids that were submitted at the deadline,
// unsealed, ordered by submission. Callers must have checked the deadline.
func (s *Store) openedBids(db *gorm.DB, t *Tender) ([]Bid, error) {
	if !t.PastDeadline(s.now()) {
		return nil, Fail(ErrConflict, "err.sealed", "bids stay sealed until the deadline")
	}
	var bids []Bid
	if err := db.Where("tender_id = ? AND status IN ?", t.ID, []string{BidSubmitted, BidDisqualified, BidWon, BidLost}).
		Order("submitted_at, id").Find(&bids).Error; err != nil {
		return nil, err
	}
	orgIDs := make([]int64, 0, len(bids))
	for i := range bids {
		if err := s.unseal(&bids[i]); err != nil {
			return nil, err
		}
		bids[i].Status = effectiveBidStatus(bids[i].Status, t, s.now())
		orgIDs = append(orgIDs, bids[i].OrganisationID)
	}
	names, err := s.orgNames(db, orgIDs)
	if err != nil {
		return nil, err
	}
	for i := range bids {
		bids[i].OrganisationName = names[bids[i].OrganisationID]
	}
	return bids, nil
}

func (s *Store) orgNames(db *gorm.DB, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	if len(ids) == 0 {
		return out, nil
	}
	var orgs []Organisation
	if err := db.Select("id, name").Where("id IN ?", ids).Find(&orgs).Error; err != nil {
		return nil, err
	}
	for _, o := range orgs {
		out[o.ID] = o.Name
	}
	return out, nil
}

// OpenedBids lists a tender's bids for the region's procurement staff and
// the panel's experts who declared no conflict. Before the deadline it is
// 409 for everyone, so not even the number of bids shows.
func (s *Store) OpenedBids(ctx context.Context, a *Actor, tenderID int64) ([]Bid, error) {
	db := s.DB.WithContext(ctx)
	t, err := s.bidReader(db, a, tenderID)
	if err != nil {
		return nil, err
	}
	return s.openedBids(db, t)
}

// bidReader loads a tender whose bids the actor may read once they are
// open: the region's staff, or a panel expert who has declared.
func (s *Store) bidReader(db *gorm.DB, a *Actor, tenderID int64) (*Tender, error) {
	t, err := s.visibleTender(db, a, tenderID, false)
	if err != nil {
		return nil, err
	}
	if !t.canManage(a) {
		if err := s.requireDeclaredExpert(db, a, t); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// DisqualifyBid marks a valid bid invalid with a reason (procurement, after
// the deadline, before the award). When fewer valid bids are left than the
// method needs to go on, the tender ends unsuccessful, and only with
// confirmEnd (else 409 and nothing changes).
func (s *Store) DisqualifyBid(ctx context.Context, a *Actor, bidID int64, reason string, confirmEnd bool) (*Bid, error) {
	reason = strings.TrimSpace(reason)
	var out *Bid
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var b Bid
		if err := tx.First(&b, bidID).Error; err != nil {
			return notFound(err, "bid")
		}
		t, err := s.managedTender(tx, a, b.TenderID)
		if err != nil || !t.PastDeadline(s.now()) {
			// Before the deadline no bid exists for anyone but its owner.
			return Fail(ErrNotFound, "err.not_found", "bid not found")
		}
		if reason == "" {
			return Invalid(Field("reason", "required", ""))
		}
		return s.disqualify(tx, a, t, &b, "", reason, confirmEnd, func(bb *Bid) { out = bb })
	})
	return out, err
}

// disqualify marks the bid invalid with the staff's reason, or with a
// reason code of the portal's (then reason is the code's English).
func (s *Store) disqualify(tx *gorm.DB, a *Actor, t *Tender, b *Bid, code, reason string, confirmEnd bool, done func(*Bid)) error {
	if code != "" {
		reason = disqualifyTexts[code]
	}
	if _, err := tenderLifecycle.Next("evaluate", t.Status); err != nil {
		return err
	}
	from := effectiveBidStatus(b.Status, t, s.now())
	to, err := bidLifecycle.Next("disqualify", from)
	if err != nil {
		return err
	}
	if err := tx.Model(&Bid{}).Where("id = ?", b.ID).Updates(map[string]any{"status": to, "disqualified_reason": reason, "disqualified_code": code, "updated_at": s.now()}).Error; err != nil {
		return err
	}
	b.Status, b.DisqualifiedReason, b.DisqualifiedCode = to, reason, code
	if err := s.audit(tx, a, "bid.disqualify", "bid", b.ID, t.RegionCode, map[string]any{"status": from}, map[string]any{"status": to, "reason": reason, "code": code}); err != nil {
		return err
	}
	if done != nil {
		if err := s.unseal(b); err != nil {
			return err
		}
		done(b)
	}
	return s.endIfTooFewValid(tx, a, t, confirmEnd)
}
