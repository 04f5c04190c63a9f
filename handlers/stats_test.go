package handlers_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"portal/models"

	"github.com/xuri/excelize/v2"
)

// TestStatsAPIAndDashboard: GET /api/v1/stats answers API.md's shape to
// anyone; a report counts once it is approved; bad queries are 422
// naming the field, on the API and next to the field on the page; the
// dashboard shows the figures in both languages, and the contracts only
// to staff whose grants reach the region.
func TestStatsAPIAndDashboard(t *testing.T) {
	w := newReportEnv(t)
	anon := w.e.anon()
	year := "from=2026-01-01&to=2026-12-31"

	s, b := anon.do("GET", "/api/v1/stats?region=45&"+year, nil)
	must(t, 200, s, b, "public stats")
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"region", "from", "to", "totals", "children", "by_source", "by_item"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("no %q in %s", k, b)
		}
	}
	if _, ok := doc["contracts"]; ok {
		t.Errorf("the public sees contracts: %s", b)
	}
	var totals map[string]json.RawMessage
	_ = json.Unmarshal(doc["totals"], &totals)
	keys := []string{}
	for k := range totals {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	want := "average_score budget_fen children_served_person_times contracted_fen evaluations grades organisations_serving organisations_verified " +
		"paid_fen projects_awarded projects_in_service projects_published regions_buying service_hours social_workers volunteer_hours volunteer_person_times"
	if strings.Join(keys, " ") != want {
		t.Errorf("totals keys:\n got %s\nwant %s", strings.Join(keys, " "), want)
	}
	if string(totals["service_hours"]) != "0" || string(totals["organisations_verified"]) != "2" {
		t.Errorf("before any report: %s", doc["totals"])
	}

	// A report counts once approved, not when submitted.
	in := map[string]any{"period_start": "2026-04-01", "period_end": "2026-04-30", "service_hours": 12.5, "volunteer_person_times": 3,
		"volunteer_hours": 6, "children_served_person_times": 20, "children_served_distinct": 8, "activities": 1, "cases_opened": 0, "cases_closed": 0,
		"indicators": []any{}, "narrative": "四月"}
	s, b = w.member.do("POST", fmt.Sprintf("/api/v1/contracts/%d/reports", w.contract), in)
	r := decode[struct{ ID int64 }](t, must(t, 201, s, b, "file a report"))
	s, b = w.member.do("POST", fmt.Sprintf("/api/v1/reports/%d/submit", r.ID), nil)
	must(t, 200, s, b, "submit")
	hours := func() string {
		s, b := anon.do("GET", "/api/v1/stats?region=450102&"+year, nil)
		var d struct {
			Totals struct {
				ServiceHours json.RawMessage `json:"service_hours"`
			}
		}
		_ = json.Unmarshal(must(t, 200, s, b, "county stats"), &d)
		return string(d.Totals.ServiceHours)
	}
	if h := hours(); h != "0" {
		t.Errorf("a submitted report counts: %s", h)
	}
	s, b = w.buyer.do("POST", fmt.Sprintf("/api/v1/reports/%d/approve", r.ID), nil)
	must(t, 200, s, b, "approve")
	if h := hours(); h != "12.5" {
		t.Errorf("the approved report's hours: %s", h)
	}

	// Bad queries: 422 naming the field.
	for q, field := range map[string]string{"region=45%25": "region", "from=2026-02-30": "from", "from=2026-05-01&to=2026-04-01": "to",
		"region=" + strings.Repeat("4", 20): "region"} {
		s, b = anon.do("GET", "/api/v1/stats?"+q, nil)
		if s != http.StatusUnprocessableEntity || strings.Join(fieldsOf(t, b), " ") != field {
			t.Errorf("%s: %d %s", q, s, b)
		}
	}
	if s, b = anon.do("GET", "/api/v1/stats?region=99", nil); s != http.StatusNotFound {
		t.Errorf("no such region: %d %s", s, b)
	}

	// The dashboard: the figures, in Chinese and in English.
	s, b = anon.do("GET", "/stats?region=450102&"+year, nil)
	page := string(must(t, 200, s, b, "dashboard"))
	for _, frag := range []string{`id="stats-headline"`, `id="big-children"`, "服务儿童人次", `id="f-hours">12.5<`, `id="chart-hours"`, `id="trend-table"`, `data-month="2026-04"`} {
		if !strings.Contains(page, frag) {
			t.Errorf("the dashboard has no %s", frag)
		}
	}
	if strings.Contains(page, `id="stats-contracts"`) {
		t.Error("the public sees the contracts")
	}
	s, b = w.buyer.do("GET", "/stats?region=450102&"+year, nil)
	if page := string(must(t, 200, s, b, "buyer's dashboard")); !strings.Contains(page, fmt.Sprintf(`data-contract="%d"`, w.contract)) {
		t.Error("the buyer does not see its contract")
	}
	s, b = w.otherBuyer.do("GET", "/stats?region=450102&"+year, nil)
	if page := string(must(t, 200, s, b, "other buyer's dashboard")); strings.Contains(page, `id="stats-contracts"`) {
		t.Error("another county's buyer sees the contracts")
	}
	s, _ = anon.do("GET", "/lang/en?next=/stats", nil)
	if s != http.StatusSeeOther && s != http.StatusFound {
		t.Fatalf("switch language: %d", s)
	}
	s, b = anon.do("GET", "/stats?region=450102&"+year, nil)
	if page := string(must(t, 200, s, b, "English dashboard")); !strings.Contains(page, "Children served") || strings.Contains(page, "服务儿童人次") {
		t.Error("the English dashboard is not in English")
	}
	// A bad date comes back next to its field with what was typed.
	s, b = anon.do("GET", "/stats?region=45&from=2026-02-30", nil)
	if page := string(b); s != http.StatusUnprocessableEntity || !strings.Contains(page, `id="e-from"`) || !strings.Contains(page, `value="2026-02-30"`) {
		t.Errorf("a bad date on the page: %d", s)
	}
}

// TestStatsExport: the dashboard's workbook holds a sheet per table with
// the API's figures for the same query; the contracts' sheet only for
// staff whose grants reach the region.
func TestStatsExport(t *testing.T) {
	e := newEnv(t)
	statsFixture(t, e.store)
	q := "region=45&from=2026-01-01&to=2026-12-31"
	s, b := e.anon().do("GET", "/api/v1/stats?"+q, nil)
	api := decode[models.Stats](t, must(t, 200, s, b, "stats"))
	open := func(c *client, path string) *excelize.File {
		t.Helper()
		resp := c.e.response(c, "GET", path, nil)
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Disposition"), ".xlsx") {
			t.Fatalf("%s: %d %q", path, resp.StatusCode, resp.Header.Get("Content-Disposition"))
		}
		_, body := c.do("GET", path, nil)
		f, err := excelize.OpenReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	f := open(e.anon(), "/stats.xlsx?"+q)
	if got := strings.Join(f.GetSheetList(), " "); got != "按地区 资金来源 月份 目录事项" {
		t.Fatalf("sheets: %s", got)
	}
	rows, err := f.GetRows("按地区")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2+len(api.Children) || rows[1][0] != api.Region.Name || rows[2][0] != api.Children[0].Region.Name {
		t.Fatalf("region rows: %d, %v", len(rows), rows[1])
	}
	cell := func(sheet, at string) string {
		v, err := f.GetCellValue(sheet, at, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tt := api.Totals
	for at, want := range map[string]string{"D2": itoa(tt.ProjectsPublished), "P2": itoa(tt.ChildrenServedPersonTimes), "N2": itoa(tt.VolunteerPersonTimes),
		"J2": strconv.FormatFloat(float64(tt.BudgetFen)/100, 'f', -1, 64), "M2": tt.ServiceHours.String()} {
		if got := cell("按地区", at); got != want {
			t.Errorf("%s: %s, want %s", at, got, want)
		}
	}
	if months, _ := f.GetRows("月份"); len(months) != 13 {
		t.Errorf("month rows: %d", len(months))
	}
	staff := e.staff("gx-buyer", models.RoleProcurement, "45")
	if got := strings.Join(open(staff, "/stats.xlsx?"+q).GetSheetList(), " "); !strings.HasSuffix(got, " 合同") {
		t.Errorf("staff's sheets: %s", got)
	}
	if s, b := e.anon().do("GET", "/stats.xlsx?region=45&from=2026-02-30", nil); s != http.StatusUnprocessableEntity {
		t.Errorf("a bad date: %d %.100s", s, b)
	}
}
