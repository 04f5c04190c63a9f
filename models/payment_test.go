package models_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"portal/models"
)

// paymentPlan is the standard plan: 30% on signing, 40% after the midterm,
// 30% at acceptance.
var paymentPlan = []models.PlanLine{{Percent: 30, Condition: "signing"}, {Percent: 40, Condition: "midterm"}, {Percent: 30, Condition: "acceptance"}}

// signedContract runs the standard tender to a contract signed on 24 March
// 2026 (Beijing), before its service starts on 1 April; C (agents[2]) holds
// it. It returns the contract and its payments by seq.
func (w *world) signedContract() (*models.Contract, []models.Tranche) {
	w.t.Helper()
	tender := w.awarded()
	w.now = time.Date(2026, 3, 24, 2, 0, 0, 0, time.UTC)
	c, err := w.s.SignContract(w.ctx, w.buyer, tender.ID, paymentPlan)
	if err != nil {
		w.t.Fatal(err)
	}
	return c, w.payments(c.ID)
}

func (w *world) payments(contractID int64) []models.Tranche {
	w.t.Helper()
	ps, err := w.s.ContractPayments(w.ctx, w.buyer, contractID)
	if err != nil {
		w.t.Fatal(err)
	}
	return ps
}

func statuses(ps []models.Tranche) string {
	out := ""
	for _, p := range ps {
		out += p.Status + " "
	}
	return out
}

var pay = models.PayInput{PaidOn: "2026-03-24", VoucherNo: "记-2026-0001"}

func TestPaymentLifecycle(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	c, ps := w.signedContract()
	if got := statuses(ps); got != "due planned planned " || ps[0].Kind != models.PaymentTranche || ps[0].AmountFen+ps[1].AmountFen+ps[2].AmountFen != c.AmountFen {
		t.Fatalf("payments at signing: %s %+v", got, ps)
	}
	// Wrong states answer 409 and change nothing.
	_, err := s.PayPayment(ctx, w.buyer, ps[0].ID, pay)
	expectKind(t, err, models.ErrConflict, "paying a due (unapproved) tranche")
	_, err = s.ApprovePayment(ctx, w.buyer, ps[1].ID)
	expectKind(t, err, models.ErrConflict, "approving a planned tranche")
	if got := statuses(w.payments(c.ID)); got != "due planned planned " {
		t.Fatalf("after refusals: %s", got)
	}
	p, err := s.ApprovePayment(ctx, w.buyer, ps[0].ID)
	if err != nil || p.Status != models.TrancheApproved || p.ApprovedAt == nil {
		t.Fatalf("approve: %+v %v", p, err)
	}
	_, err = s.ApprovePayment(ctx, w.buyer, ps[0].ID)
	expectKind(t, err, models.ErrConflict, "approving twice")
	// The date: a date, not in the future, not before signing; a voucher.
	for _, bad := range []models.PayInput{{PaidOn: "2026-03-25", VoucherNo: "1"}, {PaidOn: "2026-03-23", VoucherNo: "1"},
		{PaidOn: "2026-02-30", VoucherNo: "1"}, {PaidOn: "2026-3-24", VoucherNo: "1"}, {PaidOn: "2026-03-24", VoucherNo: "a\x00b"},
		{PaidOn: "2026-03-24", VoucherNo: string(make([]byte, 65))}, {PaidOn: "2026-03-24"}} {
		_, err := s.PayPayment(ctx, w.buyer, ps[0].ID, bad)
		expectKind(t, err, models.ErrInvalid, "pay with "+bad.PaidOn+" "+bad.VoucherNo)
	}
	p, err = s.PayPayment(ctx, w.buyer, ps[0].ID, pay)
	if err != nil || p.Status != models.TranchePaid || *p.PaidOn != "2026-03-24" || p.VoucherNo != pay.VoucherNo {
		t.Fatalf("pay: %+v %v", p, err)
	}
	_, err = s.PayPayment(ctx, w.buyer, ps[0].ID, pay)
	expectKind(t, err, models.ErrConflict, "paying twice")
	// The organisation's member learns of it.
	notes, err := s.Notifications(ctx, w.agents[2], models.NotificationFilter{}, models.Page{})
	if err != nil || notes.Total == 0 || notes.Items[0].Kind != models.NotifyPaymentPaid || notes.Items[0].Params["number"] != c.Number {
		t.Fatalf("notification of the payment: %+v %v", notes, err)
	}
	if other, _ := s.Notifications(ctx, w.agents[0], models.NotificationFilter{}, models.Page{}); other.Items[0].Kind == models.NotifyPaymentPaid {
		t.Fatalf("another organisation notified: %+v", other)
	}
	// The hooks of supervision and acceptance make the other tranches due.
	if err := s.MidtermPassedForTest(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if got := statuses(w.payments(c.ID)); got != "paid due planned " {
		t.Fatalf("after the midterm: %s", got)
	}
	if err := s.ContractAcceptedForTest(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.MidtermPassedForTest(ctx, c.ID); err != nil { // once is enough; again changes nothing
		t.Fatal(err)
	}
	if got := statuses(w.payments(c.ID)); got != "paid due due " {
		t.Fatalf("after acceptance: %s", got)
	}
	// Every change is audited.
	for _, action := range []string{"payment.approve", "payment.pay", "payment.due"} {
		var n int64
		if err := s.DB.Model(&models.AuditEvent{}).Where("action = ? AND object_type = 'payment'", action).Count(&n).Error; err != nil || n == 0 {
			t.Fatalf("audit of %s: %d %v", action, n, err)
		}
	}
}

func TestPaymentReach(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	c, ps := w.signedContract()
	other := w.staffUser("lz-buyer", models.RoleProcurement, "4502")
	for _, a := range []*models.Actor{other, w.agents[0]} {
		_, err := s.ContractPayments(ctx, a, c.ID)
		expectKind(t, err, models.ErrNotFound, "another's payments list")
		_, err = s.ApprovePayment(ctx, a, ps[0].ID)
		expectKind(t, err, models.ErrNotFound, "another's approval")
		_, err = s.PayPayment(ctx, a, ps[0].ID, pay)
		expectKind(t, err, models.ErrNotFound, "another's payment")
		_, err = s.GrantStartupFund(ctx, a, c.ID, models.StartupFundInput{AmountFen: 100, Purpose: "x"})
		expectKind(t, err, models.ErrNotFound, "another's start-up fund")
		_, err = s.TerminateContract(ctx, a, c.ID, "x")
		expectKind(t, err, models.ErrNotFound, "another's termination")
	}
	// The contracted organisation sees its payments but may not move them.
	if got, err := s.ContractPayments(ctx, w.agents[2], c.ID); err != nil || len(got) != 3 {
		t.Fatalf("own payments: %v %v", got, err)
	}
	_, err := s.ApprovePayment(ctx, w.agents[2], ps[0].ID)
	expectKind(t, err, models.ErrForbidden, "the agency approving its own payment")
	_, err = s.ApprovePayment(ctx, w.buyer, 999999)
	expectKind(t, err, models.ErrNotFound, "no such payment")
	if got := statuses(w.payments(c.ID)); got != "due planned planned " {
		t.Fatalf("after refusals: %s", got)
	}
}

// TestPaymentPayRace: ten parallel payments of one tranche: one is paid,
// nine are refused with 409.
func TestPaymentPayRace(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	c, ps := w.signedContract()
	if _, err := s.ApprovePayment(ctx, w.buyer, ps[0].ID); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, conflict := 0, 0
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.PayPayment(ctx, w.buyer, ps[0].ID, pay)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, models.ErrConflict):
				conflict++
			default:
				t.Errorf("pay: %v", err)
			}
		}()
	}
	wg.Wait()
	if ok != 1 || conflict != 9 {
		t.Fatalf("10 parallel payments: %d paid, %d refused", ok, conflict)
	}
	var events int64
	s.DB.Model(&models.AuditEvent{}).Where("action = 'payment.pay'").Count(&events)
	if got := statuses(w.payments(c.ID)); got != "paid planned planned " || events != 1 {
		t.Fatalf("after the race: %s, %d events", got, events)
	}
}

// TestPaymentNeverAboveContract: with the plan's amounts made to sum above
// the contract amount, the tranche that would pass it is refused.
func TestPaymentNeverAboveContract(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	c, ps := w.signedContract()
	// Crafted rows: the first tranche is the whole amount, the second is due.
	if err := s.DB.Model(&models.Tranche{}).Where("id = ?", ps[0].ID).Update("amount_fen", c.AmountFen).Error; err != nil {
		t.Fatal(err)
	}
	if err := s.MidtermPassedForTest(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	for _, p := range ps[:2] {
		if _, err := s.ApprovePayment(ctx, w.buyer, p.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.PayPayment(ctx, w.buyer, ps[0].ID, pay); err != nil {
		t.Fatal(err)
	}
	_, err := s.PayPayment(ctx, w.buyer, ps[1].ID, pay)
	if e := wantKind(t, err, models.ErrConflict); e.Key != "err.overpaid" {
		t.Fatalf("paying above the contract amount: %v", err)
	}
	if got := statuses(w.payments(c.ID)); got != "paid approved planned " {
		t.Fatalf("after the refusal: %s", got)
	}
	// A start-up fund lies outside the contract amount: it is paid.
	f, err := s.GrantStartupFund(ctx, w.buyer, c.ID, models.StartupFundInput{AmountFen: 5_000_00, Purpose: "购置办公设备"})
	if err != nil || f.Kind != models.PaymentStartupFund || f.Status != models.TrancheDue || f.Seq != 4 {
		t.Fatalf("start-up fund: %+v %v", f, err)
	}
	if _, err := s.ApprovePayment(ctx, w.buyer, f.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PayPayment(ctx, w.buyer, f.ID, pay); err != nil {
		t.Fatalf("paying a start-up fund beside a fully paid contract: %v", err)
	}
}

func TestStartupFundInput(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	c, _ := w.signedContract()
	for _, bad := range []models.StartupFundInput{{AmountFen: 0, Purpose: "x"}, {AmountFen: -1, Purpose: "x"},
		{AmountFen: s.Settings.MaxMoneyFen + 1, Purpose: "x"}, {AmountFen: 100}, {AmountFen: 100, Purpose: "\xff"},
		{AmountFen: 100, Purpose: string(make([]rune, 501))}} {
		_, err := s.GrantStartupFund(ctx, w.buyer, c.ID, bad)
		expectKind(t, err, models.ErrInvalid, "start-up fund input")
	}
	if _, err := s.GrantStartupFund(ctx, w.buyer, c.ID, models.StartupFundInput{AmountFen: s.Settings.MaxMoneyFen, Purpose: "x"}); err != nil {
		t.Fatal(err)
	}
	_, err := s.GrantStartupFund(ctx, w.buyer, c.ID, models.StartupFundInput{AmountFen: 1, Purpose: "x"})
	expectKind(t, err, models.ErrInvalid, "funds together above the money bound")
}

func TestContractStatusByTheClock(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	c, _ := w.signedContract()
	list := func(status string) int64 {
		t.Helper()
		l, err := s.Contracts(ctx, w.buyer, models.ContractFilter{Status: status}, models.Page{})
		if err != nil {
			t.Fatal(err)
		}
		return l.Total
	}
	read := func() string {
		t.Helper()
		got, err := s.Contract(ctx, w.agents[2], c.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.Status
	}
	// 31 March 23:59:59 Beijing: signed; 1 April 00:00: in service.
	w.now = time.Date(2026, 3, 31, 15, 59, 59, 0, time.UTC)
	if read() != models.ContractSigned || list("signed") != 1 || list("in_service") != 0 {
		t.Fatalf("before the service starts: %s", read())
	}
	w.now = w.now.Add(time.Second)
	if read() != models.ContractInService || list("signed") != 0 || list("in_service") != 1 {
		t.Fatalf("when the service starts: %s", read())
	}
	_, err := s.Contracts(ctx, w.buyer, models.ContractFilter{Status: "running"}, models.Page{})
	expectKind(t, err, models.ErrInvalid, "an unknown status")
	// The first approved report stores it earlier.
	w.now = time.Date(2026, 3, 25, 2, 0, 0, 0, time.UTC)
	if read() != models.ContractSigned {
		t.Fatal("the clock went back")
	}
	if err := s.ContractInServiceForTest(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if read() != models.ContractInService || list("in_service") != 1 {
		t.Fatalf("after the first approved report: %s", read())
	}
	if err := s.ContractInServiceForTest(ctx, c.ID); err != nil {
		t.Fatalf("a second approved report: %v", err)
	}
}

func TestContractTermination(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	c, ps := w.signedContract()
	if _, err := s.ApprovePayment(ctx, w.buyer, ps[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PayPayment(ctx, w.buyer, ps[0].ID, pay); err != nil {
		t.Fatal(err)
	}
	f, err := s.GrantStartupFund(ctx, w.buyer, c.ID, models.StartupFundInput{AmountFen: 100_00, Purpose: "启动"})
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"", "  ", "a\x00"} {
		_, err := s.TerminateContract(ctx, w.buyer, c.ID, bad)
		expectKind(t, err, models.ErrInvalid, "terminate without a reason")
	}
	_, err = s.TerminateContract(ctx, w.agents[2], c.ID, "不履约")
	expectKind(t, err, models.ErrForbidden, "the agency terminating")
	got, err := s.TerminateContract(ctx, w.buyer, c.ID, "机构严重违约")
	if err != nil || got.Status != models.ContractTerminated || got.TerminationReason != "机构严重违约" || got.TerminatedAt == nil {
		t.Fatalf("terminate: %+v %v", got, err)
	}
	if st := statuses(w.payments(c.ID)); st != "paid cancelled cancelled cancelled " {
		t.Fatalf("payments of a terminated contract: %s", st)
	}
	// Nothing moves after it, and the clock does not bring it back.
	w.now = time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	_, err = s.TerminateContract(ctx, w.buyer, c.ID, "again")
	expectKind(t, err, models.ErrConflict, "terminating twice")
	_, err = s.ApprovePayment(ctx, w.buyer, f.ID)
	expectKind(t, err, models.ErrConflict, "approving after termination")
	_, err = s.GrantStartupFund(ctx, w.buyer, c.ID, models.StartupFundInput{AmountFen: 100, Purpose: "x"})
	expectKind(t, err, models.ErrConflict, "a fund after termination")
	if l, _ := s.Contracts(ctx, w.buyer, models.ContractFilter{Status: "terminated"}, models.Page{}); l.Total != 1 {
		t.Fatalf("terminated list: %+v", l)
	}
	var n int64
	s.DB.Model(&models.AuditEvent{}).Where("action IN ('contract.terminate', 'payment.cancel')").Count(&n)
	if n != 4 {
		t.Fatalf("audit of the termination: %d events", n)
	}
}
