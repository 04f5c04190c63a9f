package models

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Tender statuses. "opened" and "unsuccessful" may also follow from the
// clock: a published tender past its deadline is opened (or unsuccessful
// when too few bids were submitted) the moment anyone looks.
const (
	TenderDraft        = "draft"
	TenderPublished    = "published"
	TenderOpened       = "opened"
	TenderEvaluating   = "evaluating"
	TenderAwarded      = "awarded"
	TenderContracted   = "contracted"
	TenderCancelled    = "cancelled"
	TenderUnsuccessful = "unsuccessful"
)

// Evaluation methods.
const (
	EvalComprehensive = "comprehensive" // 综合评分法
	EvalLowestPrice   = "lowest_price"  // 最低评标价法
)

// MethodRule is one procurement method's settings: the law's numbers live
// here, not in branches.
type MethodRule struct {
	Name         string
	NameEn       string
	MinBidPeriod Period // publish → deadline
	AmendNotice  Period // an amendment → the deadline at the earliest (更正公告)
	MinValidBids int    // submitted bids to open
	GoOnBids     int    // valid bids to go on evaluating after disqualifications
	PanelMin     int    // odd, at least
	PanelMinBig  int    // at 10,000,000 yuan and above
	Tender       bool   // 招标: the law's stricter panel rule
	Enquiries    bool
	Invited      bool // only invited organisations may bid
	// Evaluations are the evaluation methods the method allows, the
	// default first.
	Evaluations []string
}

// Period is a legal period in calendar days or in working days.
type Period struct {
	N       int
	Working bool
}

func days(n int) Period        { return Period{N: n} }
func workingDays(n int) Period { return Period{N: n, Working: true} }

const day = 24 * time.Hour

// bigBudgetFen is 10,000,000 yuan, from which a tender's panel needs 7.
const bigBudgetFen = 10_000_000 * 100

// Methods are the procurement methods by API value. Amendment notices:
// 87号令 Art 27 (tenders), 财库〔2014〕214号 (consultation), 74号令
// (negotiation, inquiry); a consultation for purchased services goes on
// with 2 valid bids (财库〔2015〕124号). Single source has its price
// negotiated: the panel reviews the one bid's compliance, as for lowest price.
var Methods = map[string]MethodRule{
	"open_tender":              {Name: "公开招标", NameEn: "Open tender", MinBidPeriod: days(20), MinValidBids: 3, PanelMin: 5, PanelMinBig: 7, Tender: true, Enquiries: true, AmendNotice: days(15), GoOnBids: 3, Evaluations: []string{EvalComprehensive, EvalLowestPrice}},
	"invited_tender":           {Name: "邀请招标", NameEn: "Invited tender", MinBidPeriod: days(20), MinValidBids: 3, PanelMin: 5, PanelMinBig: 7, Tender: true, Enquiries: true, Invited: true, AmendNotice: days(15), GoOnBids: 3, Evaluations: []string{EvalComprehensive, EvalLowestPrice}},
	"competitive_consultation": {Name: "竞争性磋商", NameEn: "Competitive consultation", MinBidPeriod: days(10), MinValidBids: 3, PanelMin: 3, PanelMinBig: 3, Enquiries: true, AmendNotice: days(5), GoOnBids: 2, Evaluations: []string{EvalComprehensive}},
	"competitive_negotiation":  {Name: "竞争性谈判", NameEn: "Competitive negotiation", MinBidPeriod: workingDays(3), MinValidBids: 3, PanelMin: 3, PanelMinBig: 3, Enquiries: true, AmendNotice: workingDays(3), GoOnBids: 3, Evaluations: []string{EvalLowestPrice}},
	"single_source":            {Name: "单一来源", NameEn: "Single source", MinBidPeriod: days(0), MinValidBids: 1, PanelMin: 3, PanelMinBig: 3, AmendNotice: days(0), GoOnBids: 1, Evaluations: []string{EvalLowestPrice}},
	"inquiry":                  {Name: "询价", NameEn: "Request for quotation", MinBidPeriod: workingDays(3), MinValidBids: 3, PanelMin: 3, PanelMinBig: 3, Enquiries: true, AmendNotice: workingDays(3), GoOnBids: 3, Evaluations: []string{EvalLowestPrice}},
}

// MethodKeys lists the methods in a stable order.
var MethodKeys = []string{"open_tender", "invited_tender", "competitive_consultation", "competitive_negotiation", "single_source", "inquiry"}

// FundingSources by API value.
var FundingSources = map[string]string{
	"central_assistance": "中央困难群众救助补助资金",
	"central_lottery":    "中央彩票公益金",
	"provincial_lottery": "自治区/省级彩票公益金",
	"local_budget":       "本级财政预算",
	"other":              "其他资金",
}

// FundingSourceKeys lists the sources in a stable order.
var FundingSourceKeys = []string{"central_assistance", "central_lottery", "provincial_lottery", "local_budget", "other"}

// tenderLifecycle is the tender lifecycle. Opened is derived from the
// deadline (a published tender past it is opened), never stored by an
// event.
var tenderLifecycle = &Lifecycle{Object: "tender", Events: map[string]map[string]string{
	"publish": {TenderDraft: TenderPublished},
	"amend":   {TenderPublished: TenderPublished},
	"edit":    {TenderDraft: TenderDraft},
	"cancel":  {TenderDraft: TenderCancelled, TenderPublished: TenderCancelled, TenderOpened: TenderCancelled, TenderEvaluating: TenderCancelled, TenderAwarded: TenderCancelled},
	// An agency saves, submits or withdraws its bid and adds its files,
	// and asks, before the deadline; staff answer until the tender is
	// cancelled.
	"bid": {TenderPublished: TenderPublished},
	"ask": {TenderPublished: TenderPublished},
	"answer": {TenderDraft: TenderDraft, TenderPublished: TenderPublished, TenderOpened: TenderOpened, TenderEvaluating: TenderEvaluating,
		TenderAwarded: TenderAwarded, TenderContracted: TenderContracted, TenderUnsuccessful: TenderUnsuccessful},
	"appoint":   {TenderOpened: TenderEvaluating, TenderEvaluating: TenderEvaluating},
	"evaluate":  {TenderOpened: TenderOpened, TenderEvaluating: TenderEvaluating}, // disqualify, credit checks, declarations
	"score":     {TenderEvaluating: TenderEvaluating},                             // an expert's scores, once the panel is appointed
	"review":    {TenderEvaluating: TenderEvaluating},                             // an expert's compliance review, likewise
	"award":     {TenderEvaluating: TenderAwarded},
	"fail":      {TenderOpened: TenderUnsuccessful, TenderEvaluating: TenderUnsuccessful},
	"challenge": {TenderAwarded: TenderAwarded},
	"contract":  {TenderAwarded: TenderContracted},
}}

// awaitsPanel reports whether the tender's evaluation waits for its panel:
// the panel may be appointed but the tender not yet awarded, which says
// more than the bare refusal to award or fail it.
func awaitsPanel(t *Tender) bool {
	return tenderLifecycle.Allows("appoint", t.Status) && !tenderLifecycle.Allows("award", t.Status)
}

// Tender is a purchase project (采购项目).
type Tender struct {
	ID            int64             `json:"id" gorm:"primaryKey"`
	Code          string            `json:"code"`
	Title         string            `json:"title"`
	RegionCode    string            `json:"region"`
	CatalogueYear int               `json:"catalogue_year"`
	CatalogueCode string            `json:"catalogue_code"`
	Method        string            `json:"method"`
	Evaluation    string            `json:"evaluation"`
	Status        string            `json:"status"`
	BudgetFen     int64             `json:"budget_fen"`
	PriceWeight   int               `json:"price_weight"`
	ServiceStart  string            `json:"service_start"`
	ServiceEnd    string            `json:"service_end"`
	BidDeadline   time.Time         `json:"bid_deadline"`
	PublishedAt   *time.Time        `json:"published_at"`
	CancelReason  string            `json:"cancel_reason,omitempty"`
	FailureReason string            `json:"failure_reason,omitempty"` // a Fail* code once unsuccessful or cancelled
	FailureParams map[string]string `json:"failure_params,omitempty" gorm:"serializer:json;not null"`
	EndedAt       *time.Time        `json:"ended_at,omitempty"`
	AwardedAt     *time.Time        `json:"awarded_at,omitempty"`
	WinnerBidID   *int64            `json:"-"`
	CreatedBy     int64             `json:"-"`
	CreatedAt     time.Time         `json:"created_at"`
	UpdatedAt     time.Time         `json:"updated_at"`
	Budget        []BudgetLine      `json:"budget" gorm:"-"`
	Targets       []Target          `json:"targets" gorm:"-"`
	Criteria      []Criterion       `json:"criteria" gorm:"-"`
	Invited       []int64           `json:"invited,omitempty" gorm:"-"`
}

// BudgetLine is the part of the budget from one funding source.
type BudgetLine struct {
	ID        int64  `json:"-" gorm:"primaryKey"`
	TenderID  int64  `json:"-"`
	Source    string `json:"source" validate:"required"`
	AmountFen int64  `json:"amount_fen"`
}

// TableName of BudgetLine.
func (BudgetLine) TableName() string { return "tender_budget_lines" }

// Target is the value a tender requires of one of its item's indicators.
type Target struct {
	ID        int64   `json:"-" gorm:"primaryKey"`
	TenderID  int64   `json:"-"`
	Indicator string  `json:"indicator"`
	Value     float64 `json:"value"`
}

// TableName of Target.
func (Target) TableName() string { return "tender_targets" }

// Criterion is a technical scoring criterion with its maximum points.
type Criterion struct {
	ID        int64  `json:"-" gorm:"primaryKey"`
	TenderID  int64  `json:"-"`
	Key       string `json:"key"`
	Name      string `json:"name" validate:"max=100"`
	MaxPoints int    `json:"max_points"`
}

// maxCriterionName is the longest criterion name, in characters.
const maxCriterionName = 100

// TableName of Criterion.
func (Criterion) TableName() string { return "tender_criteria" }

// Invitation names an organisation invited to an invited tender.
type Invitation struct {
	ID             int64 `gorm:"primaryKey"`
	TenderID       int64
	OrganisationID int64
}

// TableName of Invitation.
func (Invitation) TableName() string { return "tender_invitations" }

// Rule returns the tender's method settings.
func (t *Tender) Rule() MethodRule { return Methods[t.Method] }

// PastDeadline reports whether the bids are open at now.
func (t *Tender) PastDeadline(now time.Time) bool { return !now.Before(t.BidDeadline) }

// Public reports whether anyone may read the tender: it has been published.
func (t *Tender) Public() bool { return t.PublishedAt != nil }

// TenderInput is the body of a new tender or of a change to one.
type TenderInput struct {
	Title         string       `json:"title" validate:"max=200"`
	Region        string       `json:"region"`
	CatalogueCode string       `json:"catalogue_code"`
	CatalogueYear int          `json:"catalogue_year"`
	Method        string       `json:"method"`
	Evaluation    string       `json:"evaluation"`
	Budget        []BudgetLine `json:"budget"`
	ServiceStart  string       `json:"service_start"`
	ServiceEnd    string       `json:"service_end"`
	Targets       []Target     `json:"targets"`
	PriceWeight   int          `json:"price_weight"`
	Criteria      []Criterion  `json:"criteria"`
	BidDeadline   time.Time    `json:"bid_deadline"`
	Invited       []int64      `json:"invited"`
	Notice        string       `json:"notice,omitempty"` // an amendment's notice text (更正公告)
}

// Input returns the tender as an input, to apply a partial change over.
func (t *Tender) Input() TenderInput {
	return TenderInput{Title: t.Title, Region: t.RegionCode, CatalogueCode: t.CatalogueCode, CatalogueYear: t.CatalogueYear,
		Method: t.Method, Evaluation: t.Evaluation, Budget: t.Budget, ServiceStart: t.ServiceStart, ServiceEnd: t.ServiceEnd,
		Targets: t.Targets, PriceWeight: t.PriceWeight, Criteria: t.Criteria, BidDeadline: t.BidDeadline, Invited: t.Invited}
}

// CreateTender drafts a tender in a region the caller buys for.
func (s *Store) CreateTender(ctx context.Context, a *Actor, in TenderInput) (*Tender, error) {
	if !a.CanAnywhere("tender:manage") {
		return nil, a.require("tender:manage", RootRegion)
	}
	fe, _, err := s.checkTender(ctx, &in)
	if err != nil {
		return nil, err
	}
	if len(fe) > 0 {
		return nil, Invalid(fe...)
	}
	if err := a.require("tender:manage", in.Region); err != nil {
		return nil, err
	}
	now := s.now()
	t := &Tender{Title: in.Title, RegionCode: in.Region, CatalogueYear: in.CatalogueYear, CatalogueCode: in.CatalogueCode,
		Method: in.Method, Evaluation: in.Evaluation, Status: TenderDraft, PriceWeight: in.PriceWeight,
		ServiceStart: in.ServiceStart, ServiceEnd: in.ServiceEnd, BidDeadline: in.BidDeadline.UTC(),
		CreatedBy: a.UserID, CreatedAt: now, UpdatedAt: now}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		code, err := nextTenderCode(tx, in.Region, now)
		if err != nil {
			return err
		}
		t.Code = code
		if err := tx.Omit(clause.Associations).Create(t).Error; err != nil {
			return err
		}
		if err := s.saveTenderParts(tx, t, in); err != nil {
			return err
		}
		return s.audit(tx, a, "tender.create", "tender", t.ID, t.RegionCode, nil, t)
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// nextTenderCode numbers a region's tenders per year of creation (Beijing
// time): 450102-2027-0001, 0002, ... The counter row is raised in the
// creating transaction, which holds it until commit, so parallel creations
// get distinct, consecutive numbers on both databases.
func nextTenderCode(tx *gorm.DB, region string, now time.Time) (string, error) {
	year := now.In(ChinaZone).Year()
	var last int
	err := tx.Raw(`INSERT INTO tender_code_counters (region_code, year, last_seq) VALUES (?, ?, 1)
ON CONFLICT (region_code, year) DO UPDATE SET last_seq = tender_code_counters.last_seq + 1 RETURNING last_seq`, region, year).Scan(&last).Error
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s-%d-%04d", region, year, last), nil
}

// saveTenderParts replaces a tender's budget, targets, criteria and
// invitations.
func (s *Store) saveTenderParts(tx *gorm.DB, t *Tender, in TenderInput) error {
	for _, m := range []any{&BudgetLine{}, &Target{}, &Criterion{}, &Invitation{}} {
		if err := tx.Where("tender_id = ?", t.ID).Delete(m).Error; err != nil {
			return err
		}
	}
	t.Budget, t.Targets, t.Criteria, t.Invited = nil, nil, nil, nil
	t.BudgetFen = 0
	for _, b := range in.Budget {
		b.ID, b.TenderID = 0, t.ID
		t.Budget = append(t.Budget, b)
		t.BudgetFen += b.AmountFen
	}
	for _, x := range in.Targets {
		x.ID, x.TenderID = 0, t.ID
		t.Targets = append(t.Targets, x)
	}
	for _, c := range in.Criteria {
		c.ID, c.TenderID = 0, t.ID
		t.Criteria = append(t.Criteria, c)
	}
	if len(t.Budget) > 0 {
		if err := tx.Create(&t.Budget).Error; err != nil {
			return err
		}
	}
	if len(t.Targets) > 0 {
		if err := tx.Create(&t.Targets).Error; err != nil {
			return err
		}
	}
	if len(t.Criteria) > 0 {
		if err := tx.Create(&t.Criteria).Error; err != nil {
			return err
		}
	}
	for _, id := range in.Invited {
		if slices.Contains(t.Invited, id) {
			continue
		}
		t.Invited = append(t.Invited, id)
		if err := tx.Create(&Invitation{TenderID: t.ID, OrganisationID: id}).Error; err != nil {
			return err
		}
	}
	return tx.Model(t).Update("budget_fen", t.BudgetFen).Error
}

// loadTender reads a tender with its parts and its status at now. With
// lock, the row is locked for the rest of tx (PostgreSQL; SQLite
// serialises writers anyway).
func (s *Store) loadTender(tx *gorm.DB, id int64, lock bool) (*Tender, error) {
	q := tx.Model(&Tender{}).Where("id = ?", id).Limit(1)
	if lock && s.Dialect == Postgres && !s.snapshot {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	// Scanned straight into the fields, as the list's rows are (every
	// tender page and change reads it).
	rows, err := scanTenders(q)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, notFound(gorm.ErrRecordNotFound, "tender")
	}
	if err := s.fillTenders(tx, rows); err != nil {
		return nil, err
	}
	return rows[0], nil
}

// canManage reports whether the actor runs tenders in the tender's region.
func (t *Tender) canManage(a *Actor) bool { return a.Can("tender:manage", t.RegionCode) }

// visibleTender loads a tender the actor may see: published ones for
// everyone, drafts only for the region's procurement staff.
func (s *Store) visibleTender(db *gorm.DB, a *Actor, id int64, lock bool) (*Tender, error) {
	t, err := s.loadTender(db, id, lock)
	if err != nil {
		return nil, err
	}
	if !t.Public() && !t.canManage(a) {
		return nil, Fail(ErrNotFound, "err.not_found", "tender not found")
	}
	return t, nil
}

// managedTender loads a tender for a change by the region's staff.
func (s *Store) managedTender(tx *gorm.DB, a *Actor, id int64) (*Tender, error) {
	t, err := s.visibleTender(tx, a, id, true)
	if err != nil {
		return nil, err
	}
	if err := a.require("tender:manage", t.RegionCode); err != nil {
		return nil, err
	}
	return t, nil
}

// setStatus applies event to the tender's status at now and stores it.
func (s *Store) setStatus(tx *gorm.DB, a *Actor, t *Tender, event string, extra map[string]any) error {
	to, err := tenderLifecycle.Next(event, t.Status)
	if err != nil {
		return err
	}
	before := t.Status
	updates := map[string]any{"status": to, "updated_at": s.now()}
	for k, v := range extra {
		updates[k] = v
	}
	if err := tx.Model(&Tender{}).Where("id = ?", t.ID).Updates(updates).Error; err != nil {
		return err
	}
	t.Status = to
	after := map[string]any{"status": to}
	for k, v := range extra {
		after[k] = v
	}
	return s.audit(tx, a, "tender."+event, "tender", t.ID, t.RegionCode, map[string]any{"status": before}, after)
}

// Tender returns one tender the actor may see.
func (s *Store) Tender(ctx context.Context, a *Actor, id int64) (*Tender, error) {
	return s.visibleTender(s.DB.WithContext(ctx), a, id, false)
}

// UpdateTender changes a draft, or amends a published tender before its
// deadline: the amendment is published as a correction notice, submitted
// bids go back to draft for their organisations to confirm again, and the
// deadline keeps the method's minimum period from publication and its
// amendment notice period from now.
func (s *Store) UpdateTender(ctx context.Context, a *Actor, id int64, apply func(*TenderInput) error) (*Tender, error) {
	var t *Tender
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var err error
		if t, err = s.managedTender(tx, a, id); err != nil {
			return err
		}
		event := "amend"
		if tenderLifecycle.Allows("edit", t.Status) {
			event = "edit"
		}
		if _, err := tenderLifecycle.Next(event, t.Status); err != nil {
			return err
		}
		in := t.Input()
		if err := apply(&in); err != nil {
			return err
		}
		if in.Region != t.RegionCode {
			return Invalid(Field("region", "immutable", ""))
		}
		if event == "amend" && in.Method != t.Method {
			return Invalid(Field("method", "immutable", ""))
		}
		fe, _, err := s.checkTender(ctx, &in)
		if err != nil {
			return err
		}
		if len(fe) > 0 {
			return Invalid(fe...)
		}
		before := *t
		now := s.now()
		deadline := in.BidDeadline.UTC()
		notice, err := checkNotice(in.Notice)
		if err != nil {
			return err
		}
		if event == "amend" {
			if deadline, err = s.amendDeadline(tx, t, deadline, now); err != nil {
				return err
			}
		}
		updates := map[string]any{"title": in.Title, "catalogue_year": in.CatalogueYear, "catalogue_code": in.CatalogueCode,
			"method": in.Method, "evaluation": in.Evaluation, "price_weight": in.PriceWeight, "service_start": in.ServiceStart,
			"service_end": in.ServiceEnd, "bid_deadline": deadline, "updated_at": now}
		if err := tx.Model(&Tender{}).Where("id = ?", t.ID).Updates(updates).Error; err != nil {
			return err
		}
		if err := s.saveTenderParts(tx, t, in); err != nil {
			return err
		}
		fresh, err := s.loadTender(tx, t.ID, false)
		if err != nil {
			return err
		}
		t = fresh
		if event == "amend" {
			changes := tenderChanges(&before, t)
			if len(changes) == 0 {
				return errNothingAmended // nothing to publish: roll back, keep the bids
			}
			if err := s.reopenBids(tx, a, t, now); err != nil {
				return err
			}
			if _, err := s.recordAmendment(tx, a, t, changes, notice, now); err != nil {
				return err
			}
		}
		s.notifyAmendment(tx, event, t)
		return s.audit(tx, a, "tender."+event, "tender", t.ID, t.RegionCode, before, t)
	})
	if errors.Is(err, errNothingAmended) {
		return s.Tender(ctx, a, id)
	}
	return t, err
}

// errNothingAmended rolls back an amendment that changes nothing.
var errNothingAmended = errors.New("nothing amended")

// publishRefusal is what publishing the draft at now refuses: its fields
// as checked on save and a deadline that leaves the method's minimum
// bidding period. The edit page reads it too, to mark those fields.
func (s *Store) publishRefusal(ctx context.Context, db *gorm.DB, t *Tender, now time.Time) ([]FieldError, error) {
	in := t.Input()
	fe, _, err := s.checkTender(ctx, &in)
	if err != nil {
		return nil, err
	}
	earliest, err := s.minBidEnd(db, t.Rule(), now)
	if err != nil {
		return nil, err
	}
	if t.BidDeadline.Before(earliest) || !t.BidDeadline.After(now) {
		fe = append(fe, periodField("min_period", t.Rule().MinBidPeriod, s.Settings.MinBidPeriod))
	}
	return fe, nil
}

// PublishTender makes a draft's notice public. The deadline must leave the
// method's minimum bidding period.
func (s *Store) PublishTender(ctx context.Context, a *Actor, id int64) (*Tender, error) {
	var t *Tender
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var err error
		if t, err = s.managedTender(tx, a, id); err != nil {
			return err
		}
		if _, err := tenderLifecycle.Next("publish", t.Status); err != nil {
			return err
		}
		now := s.now()
		fe, err := s.publishRefusal(ctx, tx, t, now)
		if err != nil {
			return err
		}
		if len(fe) > 0 {
			return Invalid(fe...)
		}
		t.PublishedAt = &now
		return s.setStatus(tx, a, t, "publish", map[string]any{"published_at": now})
	})
	return t, err
}

// CancelTender stops a tender, with a reason, at any point before the
// contract. The API's explicit cancel call with its reason is the staff's
// confirmation; the pages ask first (CancelTenderConfirmed).
func (s *Store) CancelTender(ctx context.Context, a *Actor, id int64, reason string) (*Tender, error) {
	return s.CancelTenderConfirmed(ctx, a, id, reason, true)
}

// CancelTenderConfirmed cancels only when confirmed; otherwise, once every
// check passes, it answers 409 (ConfirmEnd, with the failure notice the
// cancellation would publish) and changes nothing.
func (s *Store) CancelTenderConfirmed(ctx context.Context, a *Actor, id int64, reason string, confirmed bool) (*Tender, error) {
	reason = strings.TrimSpace(reason)
	var t *Tender
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var err error
		if t, err = s.managedTender(tx, a, id); err != nil {
			return err
		}
		if _, err := tenderLifecycle.Next("cancel", t.Status); err != nil {
			return err
		}
		if reason == "" {
			return Invalid(Field("reason", "required", ""))
		}
		if !confirmed {
			return confirmFailure("err.confirm_cancel", FailCancelled, map[string]string{"reason": reason}, "this cancels the tender and publishes its failure notice")
		}
		now := s.now()
		t.CancelReason, t.EndedAt = reason, &now
		if err := s.setStatus(tx, a, t, "cancel", map[string]any{"cancel_reason": reason, "ended_at": now}); err != nil {
			return err
		}
		t.deriveFailure(0)
		return nil
	})
	return t, err
}
