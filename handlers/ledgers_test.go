package handlers_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"portal/models"
	"portal/models/sheet"
)

// TestLedgers: the registers of reports, payments and allocations list
// what the caller may see with the page's filters, from the page, the API
// and the xlsx export alike; bad filters are 422 naming the field; another
// region's staff and another organisation see none of it.
func TestLedgers(t *testing.T) {
	w := newReportEnv(t)
	// A report filed and submitted by the member.
	in := map[string]any{"period_start": "2026-04-01", "period_end": "2026-04-30", "service_hours": 12.5, "volunteer_person_times": 3,
		"volunteer_hours": 6, "children_served_person_times": 20, "children_served_distinct": 8, "activities": 1, "cases_opened": 0, "cases_closed": 0,
		"indicators": []any{}, "narrative": "四月"}
	s, b := w.member.do("POST", fmt.Sprintf("/api/v1/contracts/%d/reports", w.contract), in)
	r := decode[models.ServiceReport](t, must(t, 201, s, b, "file a report"))

	// A draft is the organisation's own.
	s, b = w.buyer.do("GET", "/api/v1/reports", nil)
	if l := decode[models.List[models.ReportRow]](t, must(t, 200, s, b, "buyer's register")); l.Total != 0 {
		t.Fatalf("the buyer sees a draft: %s", b)
	}
	s, b = w.member.do("GET", "/api/v1/reports", nil)
	if l := decode[models.List[models.ReportRow]](t, must(t, 200, s, b, "member's register")); l.Total != 1 || l.Items[0].ID != r.ID {
		t.Fatalf("the member's register: %s", b)
	}
	s, b = w.member.do("POST", fmt.Sprintf("/api/v1/reports/%d/submit", r.ID), nil)
	must(t, 200, s, b, "submit")

	s, b = w.buyer.do("GET", "/api/v1/reports?status=submitted&region=4501&from=2026-04-01&to=2026-04-30", nil)
	if l := decode[models.List[models.ReportRow]](t, must(t, 200, s, b, "filtered")); l.Total != 1 || l.Items[0].ServiceHours != 1250 || l.Items[0].ContractNumber == "" {
		t.Fatalf("the filtered register: %s", b)
	}
	for _, q := range []string{"status=approved", "region=4502", "from=2026-05-01", "to=2026-04-29"} {
		s, b = w.buyer.do("GET", "/api/v1/reports?"+q, nil)
		if l := decode[models.List[models.ReportRow]](t, must(t, 200, s, b, q)); l.Total != 0 {
			t.Fatalf("%s still lists: %s", q, b)
		}
	}
	for q, field := range map[string]string{"status=nope": "status", "region=45%25": "region", "from=2026-02-30": "from", "from=2026-05-01&to=2026-04-01": "to", "kind=x": "kind"} {
		s, b = w.buyer.do("GET", "/api/v1/payments?"+q, nil)
		if s != http.StatusUnprocessableEntity || strings.Join(fieldsOf(t, b), " ") != field {
			t.Errorf("%s: %d %s", q, s, b)
		}
	}
	for name, c := range map[string]*client{"other buyer": w.otherBuyer, "other org": w.otherOrg} {
		for _, path := range []string{"/api/v1/reports", "/api/v1/payments"} {
			s, b = c.do("GET", path, nil)
			if l := decode[models.List[map[string]any]](t, must(t, 200, s, b, name)); l.Total != 0 {
				t.Errorf("%s sees %s: %s", name, path, b)
			}
		}
	}

	// Payments: a start-up fund granted is due.
	s, b = w.buyer.do("POST", fmt.Sprintf("/api/v1/contracts/%d/startup-funds", w.contract), map[string]any{"amount_fen": 5_000_00, "purpose": "场地布置"})
	must(t, 201, s, b, "grant a start-up fund")
	s, b = w.buyer.do("GET", "/api/v1/payments?status=due&kind=startup_fund", nil)
	if pays := decode[models.List[models.PaymentRow]](t, must(t, 200, s, b, "payments")); pays.Total != 1 || pays.Items[0].AmountFen != 5_000_00 {
		t.Fatalf("the due start-up fund: %s", b)
	}
	// The agency's desk shows the contract's supports with it.
	s, b = w.member.do("GET", "/api/v1/desk", nil)
	desk := decode[models.Desk](t, must(t, 200, s, b, "the agency's desk"))
	var sp *models.DeskSupports
	for _, sec := range desk.Sections {
		for _, task := range sec.Tasks {
			if task.Key == models.DeskContracts && len(task.Items) == 1 {
				sp = task.Items[0].Supports
			}
		}
	}
	if sp == nil || sp.StartupFen != 5_000_00 || sp.Rooms != 0 || sp.Sessions != 0 {
		t.Fatalf("the contract's supports on the desk: %+v\n%s", sp, b)
	}
	if page := w.member.tpPage("/desk"); !strings.Contains(page, "创业项目资金 5,000.00 元") {
		t.Fatalf("the desk page: %s", tpText(page))
	}
	s, b = w.member.do("GET", "/api/v1/payments", nil)
	if pays := decode[models.List[models.PaymentRow]](t, must(t, 200, s, b, "member's payments")); pays.Total != 1 {
		t.Fatalf("the member's payments: %s", b)
	}

	// The page, with the filter kept, and the export of the same filter.
	page := w.buyer.tpPage("/reports?status=submitted")
	if !strings.Contains(page, `id="ledger"`) || !strings.Contains(page, `href="/reports/`+itoa(r.ID)+`"`) || !strings.Contains(page, `href="/reports.xlsx?status=submitted"`) {
		t.Fatalf("the register page: %s", tpText(page))
	}
	if page := w.buyer.tpPage("/payments?kind=startup_fund&status=due"); !strings.Contains(page, "应付") || !strings.Contains(page, "场地布置") || !strings.Contains(page, "5,000.00") {
		t.Fatalf("the payment register page: %s", tpText(page))
	}
	s, body := w.buyer.do("GET", "/reports?status=nope", nil)
	if s != http.StatusUnprocessableEntity || !strings.Contains(string(body), `id="e-status"`) {
		t.Fatalf("a bad filter on the page: %d %s", s, tpText(string(body)))
	}
	s, body = w.buyer.do("GET", "/reports.xlsx?status=submitted", nil)
	if s != 200 {
		t.Fatalf("export: %d %s", s, body)
	}
	header, rows, err := sheet.Read(body, sheet.Limits{MaxRows: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(header) == 0 || header[0] != "状态" || len(rows) != 1 || rows[0][0] != "待审核" || rows[0][4] != "2026-04-01" || rows[0][7] != "12.5" {
		t.Fatalf("the export: %q %q", header, rows)
	}
	s, body = w.otherBuyer.do("GET", "/reports.xlsx", nil)
	if _, rows, err := sheet.Read(body, sheet.Limits{}); s != 200 || err != nil || len(rows) != 0 {
		t.Fatalf("another region's export: %d %v %q", s, err, rows)
	}
}

// TestAllocationLedger: the office space register lists the allocations
// of the bases in the caller's reach, or the caller's organisation's, with
// the days filter keeping those holding any of the days; the export has
// the same rows.
func TestAllocationLedger(t *testing.T) {
	w := newOfficeWorld(t)
	_, room := w.base(t)
	s, b := w.buyer.do("POST", fmt.Sprintf("/api/v1/rooms/%d/allocations", room),
		map[string]any{"organisation_id": w.orgs[0], "contract_id": w.contract, "from": "2026-06-01", "to": "2026-12-31"})
	must(t, 201, s, b, "allocate")

	count := func(c *client, q string) int64 {
		t.Helper()
		s, b := c.do("GET", "/api/v1/allocations"+q, nil)
		return decode[models.List[models.AllocationRow]](t, must(t, 200, s, b, q)).Total
	}
	for q, want := range map[string]int64{"": 1, "?from=2026-12-31": 1, "?to=2026-06-01": 1, "?from=2027-01-01": 0, "?to=2026-05-31": 0,
		"?status=ended": 0, "?region=450103": 0} {
		if got := count(w.buyer, q); got != want {
			t.Errorf("buyer %q: %d, want %d", q, got, want)
		}
	}
	if count(w.agent, "") != 1 || count(w.stranger, "") != 0 || count(w.other, "") != 0 {
		t.Error("the agency sees its own allocation only; another county's staff none")
	}
	if page := w.buyer.tpPage("/allocations"); !strings.Contains(page, "201 室") || !strings.Contains(page, "35.5") {
		t.Fatalf("the page: %s", tpText(page))
	}
	s, body := w.buyer.do("GET", "/allocations.xlsx?from=2026-06-01", nil)
	_, rows, err := sheet.Read(body, sheet.Limits{MaxRows: 10})
	if s != 200 || err != nil || len(rows) != 1 || rows[0][0] != "有效" || rows[0][2] != "201 室" || rows[0][7] != "2026-06-01" {
		t.Fatalf("the export: %d %v %q", s, err, rows)
	}
}
