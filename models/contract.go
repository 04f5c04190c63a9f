package models

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Contract statuses.
const (
	ContractSigned          = "signed"
	ContractInService       = "in_service"
	ContractUnderAcceptance = "under_acceptance"
	ContractAccepted        = "accepted"
	ContractTerminated      = "terminated"
)

// ContractStatuses are the statuses a contract reads as, in order.
var ContractStatuses = []string{ContractSigned, ContractInService, ContractUnderAcceptance, ContractAccepted, ContractTerminated}

// contractLifecycle is the contract lifecycle. in_service is derived when
// read: a signed contract whose service has started (its service_start, a
// Beijing date, is today or earlier) reads in_service, in Go
// (deriveContract) and in SQL (contractStatusSQL) alike, so no job must
// run. The first approved report stores it earlier (contractInService).
// "final" is the recording of a final evaluation (issue 10) and "accept"
// the acceptance (验收) that follows it; "pay" (approving or recording a
// payment) and "fund" (granting a start-up fund) are steps that leave the
// status as it is.
var contractLifecycle = &Lifecycle{Object: "contract", Events: map[string]map[string]string{
	"serve":     {ContractSigned: ContractInService},
	"final":     {ContractSigned: ContractUnderAcceptance, ContractInService: ContractUnderAcceptance},
	"accept":    {ContractUnderAcceptance: ContractAccepted},
	"terminate": {ContractSigned: ContractTerminated, ContractInService: ContractTerminated, ContractUnderAcceptance: ContractTerminated},
	"pay": {ContractSigned: ContractSigned, ContractInService: ContractInService, ContractUnderAcceptance: ContractUnderAcceptance,
		ContractAccepted: ContractAccepted},
	"fund": {ContractSigned: ContractSigned, ContractInService: ContractInService, ContractUnderAcceptance: ContractUnderAcceptance},
}}

// Payment conditions and tranche statuses.
var PaymentConditions = []string{"signing", "midterm", "acceptance"}

const (
	TranchePlanned   = "planned"
	TrancheDue       = "due"
	TrancheApproved  = "approved"
	TranchePaid      = "paid"
	TrancheCancelled = "cancelled" // an unpaid payment of a terminated contract
)

// Contract is a signed service contract (购买服务合同).
type Contract struct {
	ID                int64            `json:"id" gorm:"primaryKey"`
	Number            string           `json:"number"`
	TenderID          int64            `json:"tender_id"`
	OrganisationID    int64            `json:"organisation_id"`
	RegionCode        string           `json:"region"`
	AmountFen         int64            `json:"amount_fen"`
	ServiceStart      string           `json:"service_start"`
	ServiceEnd        string           `json:"service_end"`
	Status            string           `json:"status"`
	ReportInterval    string           `json:"report_interval" gorm:"default:monthly"` // monthly | quarterly, chosen at signing; a row written without one takes the column default
	SignedAt          time.Time        `json:"signed_at"`
	SignedBy          int64            `json:"-"`
	TerminatedAt      *time.Time       `json:"terminated_at,omitempty"`
	TerminatedBy      *int64           `json:"-"`
	TerminationReason string           `json:"termination_reason,omitempty"`
	CreatedAt         time.Time        `json:"created_at"`
	UpdatedAt         time.Time        `json:"updated_at"`
	Targets           []ContractTarget `json:"targets" gorm:"-"`
	PaymentPlan       []Tranche        `json:"payment_plan" gorm:"-"`
	OrganisationName  string           `json:"organisation_name" gorm:"-"`
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

// Tranche is one payment of a contract (拨付): a tranche of its plan, or a
// start-up fund outside its amount (Kind). See payment.go.
type Tranche struct {
	ID         int64      `json:"id" gorm:"primaryKey"`
	ContractID int64      `json:"-"`
	Seq        int        `json:"seq"`
	Kind       string     `json:"kind"`
	Percent    int        `json:"percent"`
	Condition  string     `json:"condition"`
	AmountFen  int64      `json:"amount_fen"`
	Status     string     `json:"status"`
	ApprovedAt *time.Time `json:"approved_at"`
	PaidOn     *string    `json:"paid_on"`
	VoucherNo  string     `json:"voucher_no"`
	Purpose    string     `json:"purpose,omitempty"` // a start-up fund's
	ApprovedBy *int64     `json:"-"`
	PaidBy     *int64     `json:"-"`
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
// reportInterval, when given, is the contract's reporting interval
// (ReportIntervals; monthly when absent or empty).
func (s *Store) SignContract(ctx context.Context, a *Actor, tenderID int64, plan []PlanLine, reportInterval ...string) (*Contract, error) {
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
		interval, ferr := reportIntervalOf(reportInterval)
		if ferr != nil {
			fe = append(fe, *ferr)
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
			ReportInterval: interval, SignedAt: now, SignedBy: a.UserID, CreatedAt: now, UpdatedAt: now}
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
			tr := Tranche{ContractID: c.ID, Seq: i + 1, Kind: PaymentTranche, Percent: p.Percent, Condition: p.Condition, AmountFen: amount, Status: status}
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
// the contracted organisation's members, with its status at now.
func (s *Store) Contract(ctx context.Context, a *Actor, id int64) (*Contract, error) {
	db := s.DB.WithContext(ctx)
	c, err := s.visibleContract(db, a, id, false)
	if err != nil {
		return nil, err
	}
	if err := db.Where("contract_id = ?", c.ID).Order("id").Find(&c.Targets).Error; err != nil {
		return nil, err
	}
	if err := db.Where("contract_id = ? AND kind = ?", c.ID, PaymentTranche).Order("seq").Find(&c.PaymentPlan).Error; err != nil {
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

// chinaToday is now's Beijing date (YYYY-MM-DD), the day service dates
// and payment dates are compared with.
func chinaToday(now time.Time) string { return now.In(ChinaZone).Format(time.DateOnly) }

// contractStatusSQL is a contract's status at a Beijing date (the one
// argument), as deriveContract computes it, so the list filters and pages
// by it in the database.
var contractStatusSQL = contractStatusOf("")

// contractStatusOf is contractStatusSQL for the contracts table named by
// prefix (e.g. "c.").
func contractStatusOf(prefix string) string {
	return "(CASE WHEN " + prefix + "status = 'signed' AND " + prefix + "service_start <= ? THEN 'in_service' ELSE " + prefix + "status END)"
}

// deriveContract applies the clock to a stored status: a signed contract
// whose service has started is in service.
func (s *Store) deriveContract(c *Contract) {
	if c.Status == ContractSigned && c.ServiceStart <= chinaToday(s.now()) {
		c.Status = ContractInService
	}
}

// loadContract reads a contract with its status at now. With lock, the
// row is locked for the rest of tx (PostgreSQL; SQLite serialises writers
// anyway), so every change of the contract's payments queues behind it.
func (s *Store) loadContract(db *gorm.DB, id int64, lock bool) (*Contract, error) {
	var c Contract
	q := db
	if lock && s.Dialect == Postgres && !s.snapshot {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	if err := q.First(&c, id).Error; err != nil {
		return nil, notFound(err, "contract")
	}
	s.deriveContract(&c)
	return &c, nil
}

// ownedBy reports whether the actor is a member of the contracted
// organisation.
func (c *Contract) ownedBy(a *Actor) bool {
	return a.OrganisationID != nil && *a.OrganisationID == c.OrganisationID
}

// visibleContract loads a contract its organisation's members, the
// region's staff and its assigned supervisors may see; for anyone else it
// does not exist.
func (s *Store) visibleContract(db *gorm.DB, a *Actor, id int64, lock bool) (*Contract, error) {
	c, err := s.loadContract(db, id, lock)
	if err != nil {
		return nil, err
	}
	if !c.ownedBy(a) && !a.Can("contract:read", c.RegionCode) && !s.supervises(db, a, c.ID) {
		return nil, Fail(ErrNotFound, "err.not_found", "contract not found")
	}
	return c, nil
}

// managedContract loads and locks a contract for a change that needs
// action in its region: 404 when the caller cannot see it, 403 when it
// sees it but may not act.
func (s *Store) managedContract(tx *gorm.DB, a *Actor, id int64, action string) (*Contract, error) {
	c, err := s.visibleContract(tx, a, id, true)
	if err != nil {
		return nil, err
	}
	if err := a.require(action, c.RegionCode); err != nil {
		return nil, err
	}
	return c, nil
}

// setContractStatus applies event to the contract's status at now and
// stores it with extra columns, auditing as a (nil when the change follows
// from another audited event).
func (s *Store) setContractStatus(tx *gorm.DB, a *Actor, c *Contract, event string, extra map[string]any) error {
	to, err := contractLifecycle.Next(event, c.Status)
	if err != nil {
		return err
	}
	before := c.Status
	updates := map[string]any{"status": to, "updated_at": s.now()}
	after := map[string]any{"status": to}
	for k, v := range extra {
		updates[k], after[k] = v, v
	}
	if err := tx.Model(&Contract{}).Where("id = ?", c.ID).Updates(updates).Error; err != nil {
		return err
	}
	c.Status = to
	return s.audit(tx, a, "contract."+event, "contract", c.ID, c.RegionCode, map[string]any{"status": before}, after)
}

// contractInService stores that a contract is in service: the reports
// work (issue 9, item 5) calls it in the transaction that approves a
// contract's first report, since in_service is "from service_start, by the
// clock, or the first approved report". A contract already in service
// (stored) or further on is left as it is; one that only reads in service
// by the clock has it stored. It audits contract.serve with no actor: the
// approval that caused it is audited with its own.
func (s *Store) contractInService(tx *gorm.DB, contractID int64) error {
	var c Contract
	q := tx
	if s.Dialect == Postgres {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	// The stored status, not the one the clock derives: a contract that
	// only reads in service has it stored.
	if err := q.First(&c, contractID).Error; err != nil {
		return notFound(err, "contract")
	}
	if !contractLifecycle.Allows("serve", c.Status) {
		return nil
	}
	return s.setContractStatus(tx, nil, &c, "serve", nil)
}

// TerminateContract ends a contract early (procurement of its region, with
// a reason): every payment not yet paid is cancelled.
func (s *Store) TerminateContract(ctx context.Context, a *Actor, id int64, reason string) (*Contract, error) {
	reason = strings.TrimSpace(reason)
	if fe := requiredText("reason", reason, TextMax("reason")); fe != nil {
		return nil, Invalid(*fe)
	}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		c, err := s.managedContract(tx, a, id, "contract:terminate")
		if err != nil {
			return err
		}
		now := s.now()
		if err := s.setContractStatus(tx, a, c, "terminate", map[string]any{"terminated_at": now, "terminated_by": a.UserID, "termination_reason": reason}); err != nil {
			return err
		}
		return s.cancelPayments(tx, a, c)
	})
	if err != nil {
		return nil, err
	}
	return s.Contract(ctx, a, id)
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
	q, err := s.contractsQuery(db, a, f)
	if err != nil {
		return out, err
	}
	if out.Total, out.TotalCapped, err = s.countCapped(db, q, ""); err != nil {
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
		s.deriveContract(&out.Items[i])
	}
	return out, nil
}

// contractsQuery is the contract list's rows with f, in a's scope, the
// status filter applied at today's date.
func (s *Store) contractsQuery(db *gorm.DB, a *Actor, f ContractFilter) (*gorm.DB, error) {
	if f.Status != "" && !slices.Contains(ContractStatuses, f.Status) {
		return nil, Invalid(Field("status", "oneof", strings.Join(ContractStatuses, " ")))
	}
	q := db.Model(&Contract{})
	// The region's staff, the organisation's members and the contract's
	// assigned supervisors.
	if cond, args, all := regionCond("region_code", a.Regions("contract:read")); !all {
		ors := []string{cond}
		if a.OrganisationID != nil {
			ors, args = append(ors, "organisation_id = ?"), append(args, *a.OrganisationID)
		}
		if a.SignedIn() {
			ors, args = append(ors, "id IN (SELECT contract_id FROM contract_supervisors WHERE supervisor_id = ?)"), append(args, a.UserID)
		}
		q = q.Where("("+strings.Join(ors, " OR ")+")", args...)
	}
	if f.OrganisationID != 0 {
		q = q.Where("organisation_id = ?", f.OrganisationID)
	}
	if f.Region != "" {
		q = regionStarts(q, "region_code", f.Region)
	}
	if f.Status != "" {
		q = q.Where(contractStatusSQL+" = ?", chinaToday(s.now()), f.Status)
	}
	return q, nil
}
