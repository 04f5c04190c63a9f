package handlers_test

import (
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
