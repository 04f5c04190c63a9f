package models

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Contract statuses.
const (
	ContractSigned          = "signed"
	ContractInService       = "in_service"
	ContractUnderAcceptance = "under_acceptance"
	ContractAccepted        = "accepted"
	ContractTerminated      = "terminated"
)

// Payment conditions and tranche statuses.
var PaymentConditions = []string{"signing", "midterm", "acceptance"}

const (
	TranchePlanned  = "planned"
	TrancheDue      = "due"
	TrancheApproved = "approved"
	TranchePaid     = "paid"
)

// Contract is a signed service contract (购买服务合同).
type Contract struct {
	ID               int64            `json:"id" gorm:"primaryKey"`
	Number           string           `json:"number"`
	TenderID         int64            `json:"tender_id"`
	OrganisationID   int64            `json:"organisation_id"`
	RegionCode       string           `json:"region"`
	AmountFen        int64            `json:"amount_fen"`
	ServiceStart     string           `json:"service_start"`
	ServiceEnd       string           `json:"service_end"`
	Status           string           `json:"status"`
	SignedAt         time.Time        `json:"signed_at"`
	SignedBy         int64            `json:"-"`
	CreatedAt        time.Time        `json:"created_at"`
	UpdatedAt        time.Time        `json:"updated_at"`
	Targets          []ContractTarget `json:"targets" gorm:"-"`
	PaymentPlan      []Tranche        `json:"payment_plan" gorm:"-"`
	OrganisationName string           `json:"organisation_name" gorm:"-"`
	// Supervisors are the supervisors assigned to it.
	Supervisors []ContractSupervisor `json:"supervisors" gorm:"-"`
}

// ContractTarget is an indicator target copied from the tender.
type ContractTarget struct {
	ID         int64   `json:"-" gorm:"primaryKey"`
	ContractID int64   `json:"-"`
	Indicator  string  `json:"indicator"`
	Value      float64 `json:"value"`
}

// Tranche is one payment of the plan.
type Tranche struct {
	ID         int64  `json:"id" gorm:"primaryKey"`
	ContractID int64  `json:"contract_id"`
	Seq        int    `json:"seq"`
	Percent    int    `json:"percent"`
	Condition  string `json:"condition"`
	AmountFen  int64  `json:"amount_fen"`
	Status     string `json:"status"`
}

// TableName of Tranche.
func (Tranche) TableName() string { return "payment_tranches" }

// PlanLine is one tranche in a signing request.
type PlanLine struct {
	Percent   int    `json:"percent"`
	Condition string `json:"condition"`
}

// contractDeadline: the contract is signed within 30 days of the notice.
const contractDeadline = 30 * day

// SignContract creates the contract once the challenge window has closed,
// every challenge is answered, and within 30 days of the award notice.
func (s *Store) SignContract(ctx context.Context, a *Actor, tenderID int64, plan []PlanLine) (*Contract, error) {
	var c *Contract
	err := s.tx(ctx, func(tx *gorm.DB) error {
		t, err := s.managedTender(tx, a, tenderID)
		if err != nil {
			return err
		}
		if _, err := tenderLifecycle.Next("contract", t.Status); err != nil {
			return err
		}
		now := s.now()
		ends, err := s.challengeEnds(tx, t)
		if err != nil {
			return err
		}
		if now.Before(ends) {
			return Fail(ErrConflict, "err.window_open", "the challenge window is still open")
		}
		if now.After(t.AwardedAt.Add(contractDeadline)) {
			return Fail(ErrConflict, "err.contract_late", "more than 30 days have passed since the award notice")
		}
		var open int64
		if err := tx.Model(&Challenge{}).Where("tender_id = ? AND answered_at IS NULL", t.ID).Count(&open).Error; err != nil {
			return err
		}
		if open > 0 {
			return Fail(ErrConflict, "err.challenges_open", "answer every challenge first")
		}
		var fe []FieldError
		sum := 0
		if len(plan) == 0 {
			fe = append(fe, Field("payment_plan", "required", ""))
		}
		for i, p := range plan {
			if p.Percent <= 0 || p.Percent > 100 {
				fe = append(fe, Field(fmt.Sprintf("payment_plan[%d].percent", i), "between", "1 100"))
			}
			if !slices.Contains(PaymentConditions, p.Condition) {
				fe = append(fe, Field(fmt.Sprintf("payment_plan[%d].condition", i), "oneof", strings.Join(PaymentConditions, " ")))
			}
			sum += p.Percent
		}
		if len(plan) > 0 && sum != 100 {
			fe = append(fe, Field("payment_plan", "sum_100", fmt.Sprint(sum)))
		}
		if len(fe) > 0 {
			return Invalid(fe...)
		}
		var win Bid
		if err := tx.First(&win, *t.WinnerBidID).Error; err != nil {
			return err
		}
		if err := s.unseal(&win); err != nil {
			return err
		}
		c = &Contract{Number: "HT-" + t.Code, TenderID: t.ID, OrganisationID: win.OrganisationID, RegionCode: t.RegionCode,
			AmountFen: win.PriceFen, ServiceStart: t.ServiceStart, ServiceEnd: t.ServiceEnd, Status: ContractSigned,
			SignedAt: now, SignedBy: a.UserID, CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(c).Error; err != nil {
			return err
		}
		for _, tg := range t.Targets {
			ct := ContractTarget{ContractID: c.ID, Indicator: tg.Indicator, Value: tg.Value}
			if err := tx.Create(&ct).Error; err != nil {
				return err
			}
			c.Targets = append(c.Targets, ct)
		}
		var paid int64
		for i, p := range plan {
			amount := c.AmountFen * int64(p.Percent) / 100
			if i == len(plan)-1 {
				amount = c.AmountFen - paid // the remainder, so the plan sums exactly
			}
			paid += amount
			status := TranchePlanned
			if p.Condition == "signing" {
				status = TrancheDue
			}
			tr := Tranche{ContractID: c.ID, Seq: i + 1, Percent: p.Percent, Condition: p.Condition, AmountFen: amount, Status: status}
			if err := tx.Create(&tr).Error; err != nil {
				return err
			}
			c.PaymentPlan = append(c.PaymentPlan, tr)
		}
		if err := s.setStatus(tx, a, t, "contract", nil); err != nil {
			return err
		}
		return s.audit(tx, a, "contract.sign", "contract", c.ID, c.RegionCode, nil, c)
	})
	return c, err
}

// Contract returns a contract to the region's procurement staff and to
// the contracted organisation's members.
func (s *Store) Contract(ctx context.Context, a *Actor, id int64) (*Contract, error) {
	db := s.DB.WithContext(ctx)
	c, err := s.visibleContract(db, a, id)
	if err != nil {
		return nil, err
	}
	if err := db.Where("contract_id = ?", c.ID).Order("id").Find(&c.Targets).Error; err != nil {
		return nil, err
	}
	if err := db.Where("contract_id = ?", c.ID).Order("seq").Find(&c.PaymentPlan).Error; err != nil {
		return nil, err
	}
	names, err := s.orgNames(db, []int64{c.OrganisationID})
	if err != nil {
		return nil, err
	}
	c.OrganisationName = names[c.OrganisationID]
	if c.Supervisors, err = s.contractSupervisors(db, c.ID); err != nil {
		return nil, err
	}
	return c, nil
}

// visibleContract loads a contract's row for the region's procurement
// staff, the contracted organisation's members and its assigned
// supervisors; 404 for everyone else.
func (s *Store) visibleContract(db *gorm.DB, a *Actor, id int64) (*Contract, error) {
	var c Contract
	if err := db.First(&c, id).Error; err != nil {
		return nil, notFound(err, "contract")
	}
	own := a.OrganisationID != nil && *a.OrganisationID == c.OrganisationID
	if own || a.Can("contract:read", c.RegionCode) {
		return &c, nil
	}
	ok, err := s.assigned(db, a, c.ID, c.RegionCode)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, Fail(ErrNotFound, "err.not_found", "contract not found")
	}
	return &c, nil
}

// ContractFilter narrows the contract list.
type ContractFilter struct {
	OrganisationID int64
	Region         string
	Status         string
}

// Contracts lists the contracts the caller may see.
func (s *Store) Contracts(ctx context.Context, a *Actor, f ContractFilter, p Page) (List[Contract], error) {
	p = p.Normalise()
	out := List[Contract]{Items: []Contract{}, Page: p.Page, PerPage: p.PerPage}
	db := s.DB.WithContext(ctx)
	q := db.Model(&Contract{})
	// The region's staff, the organisation's members, assigned supervisors.
	cond, args, all := regionCond("region_code", a.Regions("contract:read"))
	if !all {
		if a.OrganisationID != nil {
			cond, args = "organisation_id = ? OR "+cond, append([]any{*a.OrganisationID}, args...)
		}
		if a.SignedIn() && a.CanAnywhere("support:supervise") {
			cond, args = cond+" OR id IN (SELECT contract_id FROM contract_supervisors WHERE user_id = ?)", append(args, a.UserID)
		}
		q = q.Where("("+cond+")", args...)
	}
	if f.OrganisationID != 0 {
		q = q.Where("organisation_id = ?", f.OrganisationID)
	}
	if f.Region != "" {
		q = q.Where("region_code LIKE ?", strings.TrimRight(f.Region, "%_")+"%")
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if err := q.Count(&out.Total).Error; err != nil {
		return out, err
	}
	if err := q.Order("id DESC").Offset(p.offset()).Limit(p.PerPage).Find(&out.Items).Error; err != nil {
		return out, err
	}
	ids := make([]int64, len(out.Items))
	for i, c := range out.Items {
		ids[i] = c.OrganisationID
	}
	names, err := s.orgNames(db, ids)
	if err != nil {
		return out, err
	}
	for i := range out.Items {
		out.Items[i].OrganisationName = names[out.Items[i].OrganisationID]
	}
	return out, nil
}
