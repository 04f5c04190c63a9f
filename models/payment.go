package models

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Payments (拨付): the tranches of a contract's plan and the start-up funds
// (创业项目资金) granted beside it, stored in payment_tranches. A tranche is
// planned until its condition is met (signing: at once; midterm: a passing
// midterm evaluation, midtermPassed; acceptance: contractAccepted), then
// due; staff approve it and record its payment. The tranches paid never sum
// above the contract amount; start-up funds lie outside it.

// Payment kinds.
const (
	PaymentTranche     = "tranche"
	PaymentStartupFund = "startup_fund"
)

// paymentLifecycle is the payment lifecycle: planned → due → approved →
// paid, and cancelled when its contract is terminated before it is paid.
var paymentLifecycle = &Lifecycle{Object: "payment", Events: map[string]map[string]string{
	"due":     {TranchePlanned: TrancheDue},
	"approve": {TrancheDue: TrancheApproved},
	"pay":     {TrancheApproved: TranchePaid},
	"cancel":  {TranchePlanned: TrancheCancelled, TrancheDue: TrancheCancelled, TrancheApproved: TrancheCancelled},
}}

// MaxVoucherNo is the longest voucher number (凭证号) in characters.
const MaxVoucherNo = 64

// MaxPurpose is the longest purpose of a start-up fund in characters.
const MaxPurpose = 500

// earliestPaidOn: no payment of the portal's purchases precedes this
// century (signing bounds it further).
const earliestPaidOn = "2000-01-01"

// PayInput records a payment.
type PayInput struct {
	PaidOn    string `json:"paid_on" form:"paid_on"`
	VoucherNo string `json:"voucher_no" form:"voucher_no" validate:"max=64"`
}

// StartupFundInput grants a start-up fund.
type StartupFundInput struct {
	AmountFen int64  `json:"amount_fen" form:"-"`
	Purpose   string `json:"purpose" form:"purpose" validate:"max=500"`
}

// ContractPayments lists a contract's payments, tranches by their place in
// the plan and start-up funds after them, to whoever may see the contract.
func (s *Store) ContractPayments(ctx context.Context, a *Actor, contractID int64) ([]Tranche, error) {
	db := s.DB.WithContext(ctx)
	c, err := s.visibleContract(db, a, contractID, false)
	if err != nil {
		return nil, err
	}
	out := []Tranche{}
	return out, db.Where("contract_id = ?", c.ID).Order("seq").Find(&out).Error
}

// managedPayment loads a payment and locks its contract for a change by
// the contract region's staff. The contract is locked first, then the
// payment is read again, so concurrent changes of one contract's payments
// run one after the other and each sees the one before.
func (s *Store) managedPayment(tx *gorm.DB, a *Actor, id int64) (*Tranche, *Contract, error) {
	var p Tranche
	if err := tx.Select("contract_id").First(&p, id).Error; err != nil {
		return nil, nil, notFound(err, "payment")
	}
	c, err := s.managedContract(tx, a, p.ContractID, "payment:manage")
	if err != nil {
		return nil, nil, err
	}
	if err := tx.First(&p, id).Error; err != nil {
		return nil, nil, notFound(err, "payment")
	}
	return &p, c, nil
}

// setPaymentStatus applies event to the payment and stores it with extra
// columns, auditing as a (nil when another audited event caused it).
func (s *Store) setPaymentStatus(tx *gorm.DB, a *Actor, p *Tranche, region, event string, extra map[string]any) error {
	to, err := paymentLifecycle.Next(event, p.Status)
	if err != nil {
		return err
	}
	before := p.Status
	updates := map[string]any{"status": to}
	after := map[string]any{"status": to}
	for k, v := range extra {
		updates[k], after[k] = v, v
	}
	// The status it was read in is part of the condition, so no change is
	// applied twice.
	res := tx.Model(&Tranche{}).Where("id = ? AND status = ?", p.ID, before).Updates(updates)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != 1 {
		return Fail(ErrConflict, "err.transition", "the payment changed meanwhile")
	}
	p.Status = to
	return s.audit(tx, a, "payment."+event, "payment", p.ID, region, map[string]any{"status": before}, after)
}

// ApprovePayment approves a due payment (procurement of the contract's
// region).
func (s *Store) ApprovePayment(ctx context.Context, a *Actor, id int64) (*Tranche, error) {
	var p *Tranche
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var c *Contract
		var err error
		if p, c, err = s.managedPayment(tx, a, id); err != nil {
			return err
		}
		if _, err := contractLifecycle.Next("pay", c.Status); err != nil {
			return err
		}
		now := s.now()
		uid := a.UserID
		if err := s.setPaymentStatus(tx, a, p, c.RegionCode, "approve", map[string]any{"approved_at": now, "approved_by": uid}); err != nil {
			return err
		}
		p.ApprovedAt, p.ApprovedBy = &now, &uid
		return nil
	})
	return p, err
}

// checkPayInput checks what can be checked without the contract: a date,
// a voucher number.
func checkPayInput(in *PayInput) error {
	var fe []FieldError
	in.PaidOn, in.VoucherNo = strings.TrimSpace(in.PaidOn), strings.TrimSpace(in.VoucherNo)
	if in.PaidOn == "" {
		fe = append(fe, Field("paid_on", "required", ""))
	} else if _, ok := chinaDay(in.PaidOn); !ok || len(in.PaidOn) != len(time.DateOnly) {
		fe = append(fe, Field("paid_on", "date", ""))
	} else if in.PaidOn < earliestPaidOn {
		fe = append(fe, Field("paid_on", "date_range", earliestPaidOn+" – "))
	}
	if in.VoucherNo == "" {
		fe = append(fe, Field("voucher_no", "required", ""))
	} else if _, f := CheckTextValue("voucher_no", in.VoucherNo); f != nil {
		fe = append(fe, *f)
	} else if len([]rune(in.VoucherNo)) > MaxVoucherNo {
		fe = append(fe, Field("voucher_no", "max", strconv.Itoa(MaxVoucherNo)))
	}
	if len(fe) > 0 {
		return Invalid(fe...)
	}
	return nil
}

// PayPayment records the payment of an approved payment (procurement of
// the contract's region): the date it was paid (not in the future, not
// before signing) and the voucher number. Inside the transaction, with the
// contract locked, the tranches paid may not sum above the contract amount.
func (s *Store) PayPayment(ctx context.Context, a *Actor, id int64, in PayInput) (*Tranche, error) {
	if err := checkPayInput(&in); err != nil {
		return nil, err
	}
	var p *Tranche
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var c *Contract
		var err error
		if p, c, err = s.managedPayment(tx, a, id); err != nil {
			return err
		}
		if _, err := contractLifecycle.Next("pay", c.Status); err != nil {
			return err
		}
		if _, err := paymentLifecycle.Next("pay", p.Status); err != nil {
			return err
		}
		today, signed := chinaToday(s.now()), chinaToday(c.SignedAt)
		if in.PaidOn > today || in.PaidOn < signed {
			return Invalid(Field("paid_on", "date_range", signed+" – "+today))
		}
		if p.Kind == PaymentTranche {
			var paid int64
			if err := tx.Model(&Tranche{}).Where("contract_id = ? AND kind = ? AND status = ?", c.ID, PaymentTranche, TranchePaid).
				Select("COALESCE(SUM(amount_fen), 0)").Scan(&paid).Error; err != nil {
				return err
			}
			if paid+p.AmountFen > c.AmountFen {
				return Fail(ErrConflict, "err.overpaid", "the tranches paid would exceed the contract amount")
			}
		}
		uid := a.UserID
		if err := s.setPaymentStatus(tx, a, p, c.RegionCode, "pay", map[string]any{"paid_on": in.PaidOn, "voucher_no": in.VoucherNo, "paid_by": uid}); err != nil {
			return err
		}
		p.PaidOn, p.VoucherNo, p.PaidBy = &in.PaidOn, in.VoucherNo, &uid
		s.notifyOrgs(tx, []int64{c.OrganisationID}, NotifyPaymentPaid, "payment", p.ID, map[string]string{
			"number": c.Number, "amount": yuanCents(p.AmountFen), "paid_on": in.PaidOn, "contract_id": strconv.FormatInt(c.ID, 10)})
		return tx.Error
	})
	return p, err
}

// yuanCents writes fen as yuan with thousands separators and two decimals.
func yuanCents(fen int64) string { return fmt.Sprintf("%s.%02d", yuanText(fen), fen%100) }

// GrantStartupFund grants a contract a start-up fund (procurement of its
// region): a payment of its own kind, due at once, outside the contract
// amount. A contract's start-up funds together stay within MaxMoneyFen.
func (s *Store) GrantStartupFund(ctx context.Context, a *Actor, contractID int64, in StartupFundInput) (*Tranche, error) {
	var fe []FieldError
	in.Purpose = strings.TrimSpace(in.Purpose)
	if in.AmountFen <= 0 {
		fe = append(fe, Field("amount_fen", "required", ""))
	} else if f := s.moneyField("amount_fen", in.AmountFen); f != nil {
		fe = append(fe, *f)
	}
	if in.Purpose == "" {
		fe = append(fe, Field("purpose", "required", ""))
	} else if _, f := CheckTextValue("purpose", in.Purpose); f != nil {
		fe = append(fe, *f)
	} else if len([]rune(in.Purpose)) > MaxPurpose {
		fe = append(fe, Field("purpose", "max", strconv.Itoa(MaxPurpose)))
	}
	if len(fe) > 0 {
		return nil, Invalid(fe...)
	}
	var p *Tranche
	err := s.tx(ctx, func(tx *gorm.DB) error {
		c, err := s.managedContract(tx, a, contractID, "payment:manage")
		if err != nil {
			return err
		}
		if _, err := contractLifecycle.Next("fund", c.Status); err != nil {
			return err
		}
		var sum struct{ Funds, Seq int64 }
		if err := tx.Model(&Tranche{}).Where("contract_id = ?", c.ID).
			Select("COALESCE(SUM(CASE WHEN kind = ? AND status <> ? THEN amount_fen ELSE 0 END), 0) AS funds, COALESCE(MAX(seq), 0) AS seq",
				PaymentStartupFund, TrancheCancelled).Scan(&sum).Error; err != nil {
			return err
		}
		if _, ok := s.addMoney(sum.Funds, in.AmountFen); !ok {
			return Invalid(Field("amount_fen", "money_max", yuanText(s.maxMoney())))
		}
		p = &Tranche{ContractID: c.ID, Seq: int(sum.Seq) + 1, Kind: PaymentStartupFund, AmountFen: in.AmountFen, Status: TrancheDue, Purpose: in.Purpose}
		if err := tx.Create(p).Error; err != nil {
			return err
		}
		return s.audit(tx, a, "payment.grant", "payment", p.ID, c.RegionCode, nil, p)
	})
	return p, err
}

// midtermPassed makes the contract's midterm tranches due. The supervision
// work (issue 10) calls it in the transaction that records a passing
// midterm evaluation; that event is audited with its actor, and each
// tranche's payment.due event follows from it (no actor).
func (s *Store) midtermPassed(tx *gorm.DB, contractID int64) error {
	return s.tranchesDue(tx, contractID, "midterm")
}

// contractAccepted makes the contract's acceptance tranches due. The
// acceptance (issue 10) calls it in the transaction that stores the
// contract accepted, as midtermPassed.
func (s *Store) contractAccepted(tx *gorm.DB, contractID int64) error {
	return s.tranchesDue(tx, contractID, "acceptance")
}

// tranchesDue makes the contract's planned tranches of condition due.
func (s *Store) tranchesDue(tx *gorm.DB, contractID int64, condition string) error {
	c, err := s.loadContract(tx, contractID, true)
	if err != nil {
		return err
	}
	var ps []Tranche
	if err := tx.Where("contract_id = ? AND kind = ? AND condition = ? AND status = ?", c.ID, PaymentTranche, condition, TranchePlanned).
		Order("seq").Find(&ps).Error; err != nil {
		return err
	}
	for i := range ps {
		if err := s.setPaymentStatus(tx, nil, &ps[i], c.RegionCode, "due", nil); err != nil {
			return err
		}
	}
	return nil
}

// cancelPayments cancels every payment of the contract not yet paid (its
// termination).
func (s *Store) cancelPayments(tx *gorm.DB, a *Actor, c *Contract) error {
	var ps []Tranche
	if err := tx.Where("contract_id = ? AND status <> ? AND status <> ?", c.ID, TranchePaid, TrancheCancelled).Order("seq").Find(&ps).Error; err != nil {
		return err
	}
	for i := range ps {
		if err := s.setPaymentStatus(tx, a, &ps[i], c.RegionCode, "cancel", nil); err != nil {
			return err
		}
	}
	return nil
}
