package handlers_test

import (
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"portal/models"
)

// signedContractAPI runs the standard consultation through the API to a
// contract C (agents[2]) signs with a 30/40/30 plan, before its service
// starts on 1 April 2026. It returns the contract's id.
func (w *tenderWorld) signedContractAPI(t *testing.T) int64 {
	t.Helper()
	tender := w.publish(t)
	path := func(f string) string { return fmt.Sprintf("/api/v1/tenders/%d%s", tender, f) }
	bids := []int64{w.bid(t, 0, tender, 280_000, "方案A"), w.bid(t, 1, tender, 250_000, "方案B"), w.bid(t, 2, tender, 300_000, "方案C")}
	w.now = w.now.Add(12 * 24 * time.Hour)
	s, b := w.buyer.do("PUT", path("/panel"), map[string]any{"expert_ids": w.ids})
	must(t, 200, s, b, "appoint panel")
	for _, ex := range w.experts {
		s, b = ex.do("POST", path("/declaration"), map[string]any{"conflict": false})
		must(t, 201, s, b, "declare")
		for j, bid := range bids {
			s, b = ex.do("PUT", fmt.Sprintf("/api/v1/bids/%d/score", bid), map[string]any{"points": map[string]float64{"plan": 30 + float64(j)*4, "team": 25, "experience": 7}})
			must(t, 200, s, b, "score")
		}
	}
	s, b = w.buyer.do("POST", path("/credit-checks"), map[string]any{"organisation_id": w.orgs[2], "result": "clear", "checked_at": w.now.Format(time.RFC3339)})
	must(t, 201, s, b, "credit check")
	s, b = w.buyer.do("POST", path("/award"), nil)
	must(t, 200, s, b, "award")
	w.now = w.now.Add(12 * 24 * time.Hour)
	plan := map[string]any{"payment_plan": []map[string]any{{"percent": 30, "condition": "signing"}, {"percent": 40, "condition": "midterm"}, {"percent": 30, "condition": "acceptance"}}}
	s, b = w.buyer.do("POST", path("/contract"), plan)
	return decode[idOnly](t, must(t, 201, s, b, "sign contract")).ID
}

type paymentJSON struct {
	ID         int64   `json:"id"`
	Seq        int     `json:"seq"`
	Kind       string  `json:"kind"`
	Percent    int     `json:"percent"`
	Condition  string  `json:"condition"`
	AmountFen  int64   `json:"amount_fen"`
	Status     string  `json:"status"`
	ApprovedAt *string `json:"approved_at"`
	PaidOn     *string `json:"paid_on"`
	VoucherNo  string  `json:"voucher_no"`
}

func (w *tenderWorld) paymentsAPI(t *testing.T, c *client, contract int64) []paymentJSON {
	t.Helper()
	s, b := c.do("GET", fmt.Sprintf("/api/v1/contracts/%d/payments", contract), nil)
	return decode[struct{ Items []paymentJSON }](t, must(t, 200, s, b, "payments")).Items
}

func TestPaymentsThroughTheAPI(t *testing.T) {
	w := newTenderWorld(t)
	contract := w.signedContractAPI(t)
	ps := w.paymentsAPI(t, w.agents[2], contract)
	if len(ps) != 3 || ps[0].Status != "due" || ps[1].Status != "planned" || ps[0].Kind != "tranche" || ps[0].Percent != 30 || ps[0].Condition != "signing" {
		t.Fatalf("payments: %+v", ps)
	}
	s, b := w.agents[2].do("GET", fmt.Sprintf("/api/v1/contracts/%d/payments", contract), nil)
	must(t, 200, s, b, "payments")
	for _, field := range []string{`"id"`, `"seq"`, `"kind"`, `"percent"`, `"condition"`, `"amount_fen"`, `"status"`, `"approved_at"`, `"paid_on"`, `"voucher_no"`} {
		if !strings.Contains(string(b), field) {
			t.Fatalf("payments lack %s: %s", field, b)
		}
	}
	other := w.e.staff("lz-buyer", models.RoleProcurement, "4502")
	first := fmt.Sprintf("/api/v1/payments/%d", ps[0].ID)
	body := map[string]string{"paid_on": "2026-03-26", "voucher_no": "记-0001"}
	// Reach: another region's staff and another organisation see nothing;
	// the agency may not move its own payments.
	for _, r := range []struct {
		c      *client
		method string
		path   string
		body   any
		want   int
	}{
		{other, "GET", fmt.Sprintf("/api/v1/contracts/%d/payments", contract), nil, 404},
		{w.agents[0], "GET", fmt.Sprintf("/api/v1/contracts/%d/payments", contract), nil, 404},
		{other, "POST", first + "/approve", nil, 404},
		{other, "POST", fmt.Sprintf("/api/v1/contracts/%d/startup-funds", contract), map[string]any{"amount_fen": 100, "purpose": "x"}, 404},
		{other, "POST", fmt.Sprintf("/api/v1/contracts/%d/terminate", contract), map[string]any{"reason": "x"}, 404},
		{w.agents[2], "POST", first + "/approve", nil, 403},
		{w.agents[2], "POST", first + "/pay", body, 403},
		{w.agents[0], "POST", first + "/approve", nil, 403},
		{w.e.anon(), "POST", first + "/approve", nil, 401},
		{w.buyer, "POST", first + "/pay", body, 409}, // not approved yet
		{w.buyer, "POST", "/api/v1/payments/999999/approve", nil, 404},
		{w.buyer, "POST", fmt.Sprintf("/api/v1/payments/%d/approve", ps[1].ID), nil, 409},
	} {
		s, b := r.c.do(r.method, r.path, r.body)
		must(t, r.want, s, b, r.method+" "+r.path)
	}
	s, b = w.buyer.do("POST", first+"/approve", nil)
	if got := decode[paymentJSON](t, must(t, 200, s, b, "approve")); got.Status != "approved" || got.ApprovedAt == nil {
		t.Fatalf("approved: %s", b)
	}
	// Bad input: 422 naming the field, never 500.
	for _, bad := range []map[string]any{{"paid_on": "2026-03-28", "voucher_no": "1"}, {"paid_on": "2026-03-01", "voucher_no": "1"},
		{"paid_on": "2026-13-01", "voucher_no": "1"}, {"paid_on": "2026-03-26", "voucher_no": "a\x00b"},
		{"paid_on": "2026-03-26", "voucher_no": strings.Repeat("号", 100_000)}, {"paid_on": "2026-03-26"}} {
		s, b := w.buyer.do("POST", first+"/pay", bad)
		must(t, 422, s, b, fmt.Sprintf("pay %.60v", bad))
	}
	s, b = w.buyer.do("POST", first+"/pay", map[string]any{"paid_on": 20260327})
	must(t, 400, s, b, "a number for a date")

	// Ten parallel payments of the tranche: exactly one is recorded.
	var wg sync.WaitGroup
	var mu sync.Mutex
	count := map[int]int{}
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, _ := w.buyer.do("POST", first+"/pay", body)
			mu.Lock()
			count[s]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if count[200] != 1 || count[409] != 9 {
		t.Fatalf("10 parallel payments: %v", count)
	}
	if ps = w.paymentsAPI(t, w.buyer, contract); ps[0].Status != "paid" || *ps[0].PaidOn != "2026-03-26" || ps[0].VoucherNo != "记-0001" {
		t.Fatalf("paid: %+v", ps[0])
	}
	s, b = w.agents[2].do("GET", "/api/v1/notifications", nil)
	if must(t, 200, s, b, "notifications"); !strings.Contains(string(b), `"payment.paid"`) || !strings.Contains(string(b), fmt.Sprintf("/contracts/%d", contract)) {
		t.Fatalf("the organisation's notification: %s", b)
	}

	// Start-up funds: 201, due, outside the contract amount.
	fund := fmt.Sprintf("/api/v1/contracts/%d/startup-funds", contract)
	for _, bad := range []map[string]any{{"amount_fen": 0, "purpose": "x"}, {"amount_fen": 1_000_000_000_001, "purpose": "x"}, {"amount_fen": 100}} {
		s, b := w.buyer.do("POST", fund, bad)
		must(t, 422, s, b, fmt.Sprintf("start-up fund %v", bad))
	}
	s, b = w.buyer.do("POST", fund, map[string]any{"amount_fen": 1e30, "purpose": "x"})
	must(t, 400, s, b, "a huge amount")
	s, b = w.agents[2].do("POST", fund, map[string]any{"amount_fen": 100, "purpose": "x"})
	must(t, 403, s, b, "the agency granting itself a fund")
	s, b = w.buyer.do("POST", fund, map[string]any{"amount_fen": 50_000_00, "purpose": "购置办公设备"})
	if got := decode[paymentJSON](t, must(t, 201, s, b, "start-up fund")); got.Kind != "startup_fund" || got.Status != "due" || got.Seq != 4 {
		t.Fatalf("start-up fund: %s", b)
	}

	// The contract's status follows the clock, in the list's filter too.
	list := func(status string) string {
		s, b := w.buyer.do("GET", "/api/v1/contracts?status="+status, nil)
		return string(must(t, 200, s, b, "contracts "+status))
	}
	id := fmt.Sprintf(`"id":%d,`, contract)
	if !strings.Contains(list("signed"), id) || strings.Contains(list("in_service"), id) {
		t.Fatal("before the service starts")
	}
	w.now = time.Date(2026, 3, 31, 16, 0, 0, 0, time.UTC) // 1 April, Beijing
	if strings.Contains(list("signed"), id) || !strings.Contains(list("in_service"), id) {
		t.Fatal("once the service starts")
	}
	s, b = w.buyer.do("GET", "/api/v1/contracts?status=running", nil)
	must(t, 422, s, b, "an unknown status")

	// Termination: with a reason; what is unpaid is cancelled.
	term := fmt.Sprintf("/api/v1/contracts/%d/terminate", contract)
	s, b = w.buyer.do("POST", term, map[string]any{"reason": ""})
	must(t, 422, s, b, "terminate without a reason")
	s, b = w.agents[2].do("POST", term, map[string]any{"reason": "x"})
	must(t, 403, s, b, "the agency terminating")
	s, b = w.buyer.do("POST", term, map[string]any{"reason": "机构严重违约"})
	if got := decode[idOnly](t, must(t, 200, s, b, "terminate")); got.Status != "terminated" {
		t.Fatalf("terminated: %s", b)
	}
	s, b = w.buyer.do("POST", term, map[string]any{"reason": "again"})
	must(t, 409, s, b, "terminate twice")
	ps = w.paymentsAPI(t, w.buyer, contract)
	if ps[0].Status != "paid" || ps[1].Status != "cancelled" || ps[2].Status != "cancelled" || ps[3].Status != "cancelled" {
		t.Fatalf("after termination: %+v", ps)
	}
	s, b = w.e.signIn("admin").do("GET", "/api/v1/audit?object_type=payment&per_page=200", nil)
	for _, action := range []string{"payment.approve", "payment.pay", "payment.grant", "payment.cancel"} {
		if !strings.Contains(string(must(t, 200, s, b, "audit")), `"`+action+`"`) {
			t.Errorf("no audit event %s", action)
		}
	}
}

// TestPaymentPages walks the contract page's forms: approve and pay with
// their questions, a refused payment coming back with its errors and what
// was typed, a start-up fund, termination; and the desks.
func TestPaymentPages(t *testing.T) {
	w := newTenderWorld(t)
	contract := w.signedContractAPI(t)
	ps := w.paymentsAPI(t, w.buyer, contract)
	base := fmt.Sprintf("/contracts/%d", contract)
	page := w.buyer.tpPage(base)
	for _, want := range []string{`id="payments"`, `id="approve-` + fmt.Sprint(ps[0].ID) + `"`, `id="startup-form"`, `id="terminate-form"`, "兴宁区"} {
		if !strings.Contains(page, want) {
			t.Fatalf("the staff's contract page lacks %s", want)
		}
	}
	// The organisation sees its payments and no staff form.
	own := w.agents[2].tpPage(base)
	if !strings.Contains(own, `id="payment-`+fmt.Sprint(ps[0].ID)+`"`) || strings.Contains(own, "approve-") || strings.Contains(own, "startup-form") || strings.Contains(own, "terminate-form") {
		t.Fatal("the organisation's contract page")
	}
	// Procurement desk: one due awaiting approval.
	desk := w.buyer.tpPage("/desk")
	if !strings.Contains(desk, `id="task-payments_due" data-count="1"`) || !strings.Contains(desk, base+"#payment-") {
		t.Fatalf("procurement desk: %s", tpText(desk))
	}

	approve := fmt.Sprintf("%s/payments/%d/approve", base, ps[0].ID)
	s, _, html := w.buyer.tpPost(approve, url.Values{})
	if s != 200 || !strings.Contains(html, `name="confirm"`) {
		t.Fatalf("approve asks first: %d %q", s, html[:min(len(html), 800)])
	}
	if got := w.paymentsAPI(t, w.buyer, contract); got[0].Status != "due" {
		t.Fatal("the question changed the payment")
	}
	loc := w.buyer.tpMustPost(approve, url.Values{"confirm": {"yes"}})
	if !strings.HasPrefix(loc, base+"?done=payment.approved") {
		t.Fatalf("after approving: %s", loc)
	}
	pay := fmt.Sprintf("%s/payments/%d/pay", base, ps[0].ID)
	s, _, html = w.buyer.tpPost(pay, url.Values{"paid_on": {"2026-04-30"}, "voucher_no": {"记-0002"}})
	if s != 422 || !tpInvalid(html, "paid_on") || !strings.Contains(html, `value="记-0002"`) || !strings.Contains(html, `value="2026-04-30"`) {
		t.Fatalf("a future date: %d %s", s, tpText(html))
	}
	s, _, html = w.buyer.tpPost(pay, url.Values{"paid_on": {"2026-03-26"}, "voucher_no": {"记-0002"}})
	if s != 200 || !strings.Contains(html, `name="confirm"`) {
		t.Fatalf("pay asks first: %d", s)
	}
	w.buyer.tpMustPost(pay, url.Values{"paid_on": {"2026-03-26"}, "voucher_no": {"记-0002"}, "confirm": {"yes"}})
	if got := w.paymentsAPI(t, w.buyer, contract); got[0].Status != "paid" || got[0].VoucherNo != "记-0002" {
		t.Fatalf("paid from the page: %+v", got[0])
	}
	// Paying again: the page says why, above the payments.
	s, _, html = w.buyer.tpPost(pay, url.Values{"paid_on": {"2026-03-26"}, "voucher_no": {"记-0002"}, "confirm": {"yes"}})
	if s != 409 || !strings.Contains(html, `id="payments-error"`) {
		t.Fatalf("paying twice: %d %s", s, tpText(html))
	}
	// The agency desk: its contract with the paid tranche.
	ad := w.agents[2].tpPage("/desk")
	if !strings.Contains(ad, `id="task-contracts"`) || !strings.Contains(ad, base) || !strings.Contains(ad, "90,000.00") {
		t.Fatalf("agency desk: %s", tpText(ad))
	}

	// A start-up fund: money as typed; errors keep the input.
	fund := base + "/startup-funds"
	s, _, html = w.buyer.tpPost(fund, url.Values{"amount": {"12.345"}, "purpose": {"设备"}})
	if s != 422 || !tpInvalid(html, "amount") || !strings.Contains(html, `value="12.345"`) || !strings.Contains(html, ">设备</textarea>") {
		t.Fatalf("a bad amount: %d %s", s, tpText(html))
	}
	s, _, html = w.buyer.tpPost(fund, url.Values{"amount": {"5,000"}, "purpose": {"a\x00"}})
	if s != 422 || !tpInvalid(html, "purpose") {
		t.Fatalf("a bad purpose: %d", s)
	}
	w.buyer.tpMustPost(fund, url.Values{"amount": {"5,000"}, "purpose": {"购置办公设备"}, "confirm": {"yes"}})
	if got := w.paymentsAPI(t, w.buyer, contract); len(got) != 4 || got[3].AmountFen != 500_000 || got[3].Kind != "startup_fund" {
		t.Fatalf("fund from the page: %+v", got)
	}

	// Termination asks first, then ends the contract.
	s, _, html = w.buyer.tpPost(base+"/terminate", url.Values{"reason": {""}})
	if s != 422 || !tpInvalid(html, "reason") {
		t.Fatalf("terminate without a reason: %d", s)
	}
	s, _, html = w.buyer.tpPost(base+"/terminate", url.Values{"reason": {"机构严重违约"}})
	if s != 200 || !strings.Contains(html, `name="confirm"`) || !strings.Contains(html, "机构严重违约") {
		t.Fatalf("terminate asks first: %d", s)
	}
	w.buyer.tpMustPost(base+"/terminate", url.Values{"reason": {"机构严重违约"}, "confirm": {"yes"}})
	page = w.buyer.tpPage(base)
	if !strings.Contains(page, `data-status="terminated"`) || !strings.Contains(page, "机构严重违约") || strings.Contains(page, `id="terminate-form"`) {
		t.Fatal("the terminated contract's page")
	}
	// English page: the words are there.
	if s, _ := w.agents[2].do("GET", "/lang/en?next="+base, nil); s != 303 {
		t.Fatalf("switching to English: %d", s)
	}
	if page := w.agents[2].tpPage(base); !strings.Contains(page, "Payments") || !strings.Contains(page, "Cancelled") {
		t.Fatalf("the English page: %s", tpText(page))
	}
}
