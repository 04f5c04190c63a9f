package handlers_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"portal/models"
)

// Amounts in fen and their sums are bounded by one setting
// (models.Settings.MaxMoneyFen, 10 billion yuan): beyond it, 422 on the
// field, never a wrapped sum.
func TestMoneyIsBounded(t *testing.T) {
	w := newTenderWorld(t)
	budget := func(amounts ...int64) map[string]any {
		body := w.tenderBody()
		var lines []map[string]any
		for i, a := range amounts {
			lines = append(lines, map[string]any{"source": models.FundingSourceKeys[i], "amount_fen": a})
		}
		body["budget"] = lines
		return body
	}
	for _, tc := range []struct {
		amounts []int64
		field   string
	}{
		{[]int64{9223372036854775807, 1}, "budget[0].amount_fen"},
		{[]int64{models.DefaultMaxMoneyFen + 1}, "budget[0].amount_fen"},
		{[]int64{models.DefaultMaxMoneyFen / 2, models.DefaultMaxMoneyFen / 2, 1}, "budget"},
		{[]int64{models.DefaultMaxMoneyFen, models.DefaultMaxMoneyFen, models.DefaultMaxMoneyFen, models.DefaultMaxMoneyFen, models.DefaultMaxMoneyFen}, "budget"},
	} {
		s, b := w.buyer.do("POST", "/api/v1/tenders", budget(tc.amounts...))
		if s != 422 || !slices.Contains(fieldsOf(t, b), tc.field) {
			t.Fatalf("budget %v: %d %s, want 422 on %s", tc.amounts, s, b, tc.field)
		}
	}
	s, b := w.buyer.do("POST", "/api/v1/tenders", budget(models.DefaultMaxMoneyFen/2, models.DefaultMaxMoneyFen/2))
	created := decode[struct {
		ID        int64 `json:"id"`
		BudgetFen int64 `json:"budget_fen"`
	}](t, must(t, 201, s, b, "a budget of exactly the bound"))
	if created.BudgetFen != models.DefaultMaxMoneyFen {
		t.Fatalf("budget_fen %d", created.BudgetFen)
	}
	// The page form names the amount.
	v := tpFormValues("超额预算", w.now.Add(11*24*time.Hour))
	v.Set("budget[0].amount", "10000000000.01")
	status, _, html := w.buyer.tpPost("/tenders", v)
	if status != 422 || !tpInvalid(html, "budget[0].amount") || !strings.Contains(html, "10,000,000,000") {
		t.Fatalf("page form over the bound: %d %s", status, tpText(html))
	}

	// One setting bounds every amount.
	w.e.store.Settings.MaxMoneyFen = 10_000_000
	s, b = w.buyer.do("POST", "/api/v1/tenders", w.tenderBody())
	if s != 422 || !slices.Contains(fieldsOf(t, b), "budget[0].amount_fen") {
		t.Fatalf("under a lower bound: %d %s", s, b)
	}
}

// Dates lie in sensible ranges (models/bounds.go): an organisation founded
// from 1949-10-01 to today; a service starting from 2000 to two years
// ahead, ending within three years of its start; a bid deadline at most a
// year ahead.
func TestDatesAreBounded(t *testing.T) {
	w := newTenderWorld(t)
	for i, tc := range []struct {
		founded string
		want    int
	}{{"0001-01-01", 422}, {"1949-09-30", 422}, {"9999-12-31", 422}, {"1949-10-01", 201}} {
		body := orgBody(fmt.Sprintf("founder%d", i), "450102", orgCreditCode("450102", 50+i))
		body["organisation"].(map[string]string)["founded_on"] = tc.founded
		s, b := w.e.anon().do("POST", "/api/v1/registrations", body)
		if s != tc.want || (s == 422 && !slices.Contains(fieldsOf(t, b), "organisation.founded_on")) {
			t.Fatalf("founded on %s: %d %s", tc.founded, s, b)
		}
	}
	s, b := w.agents[0].do("PATCH", fmt.Sprintf("/api/v1/organisations/%d", w.orgs[0]), map[string]any{"founded_on": "1900-01-01"})
	if s != 422 || !slices.Contains(fieldsOf(t, b), "founded_on") {
		t.Fatalf("profile founded in 1900: %d %s", s, b)
	}

	day := 24 * time.Hour
	for _, tc := range []struct {
		set   func(map[string]any)
		field string
	}{
		{func(m map[string]any) { m["service_start"], m["service_end"] = "0001-01-01", "0001-06-01" }, "service_start"},
		{func(m map[string]any) { m["service_start"], m["service_end"] = "1999-12-31", "2000-06-01" }, "service_start"},
		{func(m map[string]any) { m["service_start"], m["service_end"] = "2028-03-03", "2029-03-01" }, "service_start"},
		{func(m map[string]any) { m["service_start"], m["service_end"] = "2026-04-01", "9999-12-31" }, "service_end"},
		{func(m map[string]any) { m["bid_deadline"] = "9999-12-31T00:00:00Z" }, "bid_deadline"},
		{func(m map[string]any) { m["bid_deadline"] = "0001-01-01T00:00:00Z" }, "bid_deadline"},
		{func(m map[string]any) { m["bid_deadline"] = w.now.AddDate(1, 0, 0).Add(time.Hour).Format(time.RFC3339) }, "bid_deadline"},
	} {
		body := w.tenderBody()
		tc.set(body)
		s, b := w.buyer.do("POST", "/api/v1/tenders", body)
		if s != 422 || !slices.Contains(fieldsOf(t, b), tc.field) {
			t.Fatalf("%v: %d %s, want 422 on %s", body, s, b, tc.field)
		}
	}
	body := w.tenderBody()
	body["service_start"], body["service_end"] = "2028-03-01", "2031-02-28"
	body["bid_deadline"] = w.now.Add(360 * day).Format(time.RFC3339)
	s, b = w.buyer.do("POST", "/api/v1/tenders", body)
	id := decode[idOnly](t, must(t, 201, s, b, "dates at the edges of the bounds")).ID
	s, b = w.buyer.do("POST", fmt.Sprintf("/api/v1/tenders/%d/publish", id), nil)
	must(t, 200, s, b, "publish with a deadline 360 days ahead")
}
