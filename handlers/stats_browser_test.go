package handlers_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"portal/models"

	"github.com/chromedp/chromedp"
)

// statsFixture fills a year of a few cities straight into the tables:
// per city two tenders (one contracted with a year of approved monthly
// reports and a graded midterm), so every chart has bars.
func statsFixture(t testing.TB, store *models.Store) {
	t.Helper()
	exec := func(sql string, args ...any) {
		t.Helper()
		if err := store.DB.Exec(sql, args...).Error; err != nil {
			t.Fatal(err)
		}
	}
	id := func(sql string, args ...any) int64 {
		t.Helper()
		var v int64
		if err := store.DB.Raw(sql, args...).Scan(&v).Error; err != nil {
			t.Fatal(err)
		}
		return v
	}
	now := time.Now().UTC()
	admin := id(`SELECT id FROM users WHERE username = 'admin'`)
	sources := []string{"central_lottery", "provincial_lottery", "local_budget", "central_assistance"}
	for i, county := range []string{"450102", "450202", "450303", "450405", "450521"} {
		credit := fmt.Sprintf("52%sMJ00000%02dX", county, i)
		exec(`INSERT INTO organisations (name, credit_code, registration_type, region_code, status, legal_rep, founded_on, phone, created_at, updated_at)
			VALUES (?, ?, 'private_non_enterprise', ?, 'verified', '王五', '2015-01-01', '0771-1234567', ?, ?)`, fmt.Sprintf("第%d社会工作服务中心", i+1), credit, county, now, now)
		org := id(`SELECT id FROM organisations WHERE credit_code = ?`, credit)
		for k := 0; k < 3+i; k++ {
			exec(`INSERT INTO organisation_staff (organisation_id, name, level, certificate_no, created_at) VALUES (?, '社工', 'assistant', ?, ?)`, org, fmt.Sprintf("C%d-%d", i, k), now)
		}
		for j := 0; j < 2; j++ {
			code := fmt.Sprintf("GX2026-%d%d", i, j)
			published := time.Date(2026, time.Month(2+j*3), 10, 2, 0, 0, 0, time.UTC)
			status := []string{"contracted", "published"}[j]
			budget := int64(200_000_00 + i*50_000_00)
			exec(`INSERT INTO tenders (code, title, region_code, catalogue_year, catalogue_code, method, evaluation, status, budget_fen, price_weight,
				service_start, service_end, bid_deadline, published_at, created_by, created_at, updated_at)
				VALUES (?, ?, ?, 2026, ?, 'competitive_consultation', 'comprehensive', ?, ?, 20, '2026-03-01', '2027-02-28', ?, ?, ?, ?, ?)`,
				code, "农村留守儿童关爱服务项目"+code, county, []string{"C0603", "C0601"}[j], status, budget, published, published, admin, now, now)
			tender := id(`SELECT id FROM tenders WHERE code = ?`, code)
			exec(`INSERT INTO tender_budget_lines (tender_id, source, amount_fen) VALUES (?, ?, ?), (?, 'local_budget', ?)`, tender, sources[i%len(sources)], budget/2, tender, budget-budget/2)
			if j > 0 {
				continue
			}
			exec(`INSERT INTO contracts (number, tender_id, organisation_id, region_code, amount_fen, service_start, service_end, status, signed_at, signed_by, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, '2026-03-01', '2027-02-28', 'signed', ?, ?, ?, ?)`, "HT-"+code, tender, org, county, budget*9/10, published, admin, now, now)
			contract := id(`SELECT id FROM contracts WHERE tender_id = ?`, tender)
			exec(`INSERT INTO payment_tranches (contract_id, seq, percent, condition, amount_fen, status, kind, paid_on) VALUES (?, 1, 30, 'signing', ?, 'paid', 'tranche', '2026-03-15')`,
				contract, budget*9/10*3/10)
			for m := 3; m <= 11; m++ {
				end := time.Date(2026, time.Month(m+1), 0, 0, 0, 0, 0, time.UTC).Format("2006-01-02")
				exec(`INSERT INTO service_reports (contract_id, organisation_id, period_start, period_end, status, version, service_hours, volunteer_person_times,
					volunteer_hours, children_served_person_times, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, 'approved', 1, ?, ?, ?, ?, ?, ?, ?)`,
					contract, org, fmt.Sprintf("2026-%02d-01", m), end, int64(100_00+m*10_00+i*5_00), 20+m+i, int64(60_00+m*100), 300+m*20+i*30, admin, now, now)
			}
			exec(`INSERT INTO contract_supervisors (contract_id, supervisor_id, assigned_by, assigned_at) VALUES (?, ?, ?, ?)`, contract, admin, admin, now)
			exec(`INSERT INTO supervision_evaluations (contract_id, supervisor_id, phase, points, total, grade, created_at) VALUES (?, ?, 'midterm', '{}', ?, 'good', ?)`,
				contract, admin, int64(58_00+i*9_00), time.Date(2026, 9, 1, 2, 0, 0, 0, time.UTC))
		}
	}
	// The reports went in past the approving transaction, as a bulk load's.
	if err := models.RebuildServiceStats(store.DB); err != nil {
		t.Fatal(err)
	}
}

// TestBrowserStatsDashboard: the public dashboard at desktop and phone
// width shows the seed's row of figures, the charts beside their tables,
// nothing wider than the phone; a city's row leads to the city's
// dashboard; the English switch gives it in English.
func TestBrowserStatsDashboard(t *testing.T) {
	e := newEnv(t)
	statsFixture(t, e.store)
	ctx := newBrowser(t)
	year := "from=2026-01-01&to=2026-12-31"
	do(t, ctx, chromedp.EmulateViewport(1366, 900), chromedp.Navigate(e.srv.URL+"/stats?"+year), chromedp.WaitVisible(css("#stats-headline")))
	if got := text(t, ctx, "#big-regions"); !strings.Contains(got, "5") || !strings.Contains(got, "个市") {
		t.Errorf("cities and counties buying: %q", got)
	}
	if got := text(t, ctx, "#big-projects"); !strings.Contains(got, "10") {
		t.Errorf("projects published: %q", got)
	}
	for _, sel := range []string{"#chart-regions", "#regions-table", "#chart-sources", "#sources-table", "#chart-hours", "#chart-volunteers", "#chart-children", "#trend-table", "#chart-grades", "#grades-table", "#items-table"} {
		do(t, ctx, chromedp.WaitVisible(css(sel)))
	}
	if bars, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#chart-regions rect").length`)); err != nil || bars != 14 {
		t.Errorf("region bars: %d (%v)", bars, err)
	}
	shotsOf(t, ctx, "stats-province")
	const tooWide = `document.documentElement.scrollWidth > window.innerWidth`
	do(t, ctx, chromedp.EmulateViewport(390, 844))
	if wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool](tooWide)); err != nil || wide {
		t.Errorf("the dashboard is wider than the phone (%v)", err)
	}

	// Down to 南宁市, then to 兴宁区.
	do(t, ctx, chromedp.Click(css(`#regions-table tr[data-region="4501"] a`)), chromedp.WaitVisible(css(`#stats-path [aria-current="page"]`)))
	if got := text(t, ctx, `#stats-path`); !strings.Contains(got, "南宁市") {
		t.Errorf("the path: %q", got)
	}
	do(t, ctx, chromedp.Click(css(`#regions-table tr[data-region="450102"] a`)), chromedp.WaitVisible(css(`#stats-path [aria-current="page"]`)))
	if got := text(t, ctx, "#f-in-service"); got != "1" {
		t.Errorf("兴宁区 in service: %q", got)
	}
	if wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool](tooWide)); err != nil || wide {
		t.Errorf("the county's dashboard is wider than the phone (%v)", err)
	}

	do(t, ctx, chromedp.Navigate(e.srv.URL+"/lang/en?next=/stats%3F"+strings.ReplaceAll(year, "&", "%26")), chromedp.WaitVisible(css("#stats-headline")))
	if got := text(t, ctx, "#big-children"); !strings.Contains(got, "Children served") {
		t.Errorf("English: %q", got)
	}
	if wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool](tooWide)); err != nil || wide {
		t.Errorf("the English dashboard is wider than the phone (%v)", err)
	}
	shotsOf(t, ctx, "stats-province-en")
}
