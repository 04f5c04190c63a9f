package handlers_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"portal/models"
	"portal/models/testdb"
)

// signInFixture signs in a user of a testdb fixture.
func (e *env) signInFixture(username string) *client {
	e.t.Helper()
	c := e.anon()
	if status, body := c.do("POST", "/api/v1/session", map[string]string{"username": username, "password": testdb.TestPassword}); status != 200 {
		e.t.Fatalf("sign in %s: %d %s", username, status, body)
	}
	return c
}

// TestReportScheduleAPIAndPages: on 2026-02-20 a Xingning contract
// reporting monthly from January has January's report 10 days overdue and
// February's coming due. Staff of the region and the organisation's
// members read the schedule (API and contract page) and see it on their
// desks; another organisation's member, staff of another region and the
// anonymous do not; a submitted report turns its period reported.
func TestReportScheduleAPIAndPages(t *testing.T) {
	e := newEnv(t)
	now := time.Date(2026, 2, 20, 10, 0, 0, 0, models.ChinaZone)
	e.store.Now = func() time.Time { return now }
	f := testdb.Contract(t, e.store, 1, "450102", "2026-01-01", "2026-03-31", models.ReportMonthly)
	testdb.Contract(t, e.store, 2, "450103", "2026-01-01", "2026-03-31", models.ReportQuarterly)
	buyer := e.staff("xn-buyer", "procurement", "450102")
	member := e.signInFixture("org1-a")
	path := fmt.Sprintf("/api/v1/contracts/%d/schedule", f.ContractID)

	want := "2026-01-01..2026-01-31 2026-02-10 overdue 10|2026-02-01..2026-02-28 2026-03-10 due 0|2026-03-01..2026-03-31 2026-04-10 due 0"
	for name, c := range map[string]*client{"buyer": buyer, "member": member} {
		s, b := c.do("GET", path, nil)
		if got := scheduleText(t, must(t, 200, s, b, name+" schedule")); got != want {
			t.Fatalf("%s's schedule:\n got %s\nwant %s", name, got, want)
		}
	}
	for name, c := range map[string]*client{"another organisation's member": e.signInFixture("org2-a"),
		"staff of another county": e.staff("qx-buyer", "procurement", "450103")} {
		if s, b := c.do("GET", path, nil); s != 404 {
			t.Fatalf("%s: %d %s", name, s, b)
		}
	}
	if s, _ := e.anon().do("GET", path, nil); s != 401 {
		t.Fatalf("anonymous: %d", s)
	}
	for _, bad := range []string{"abc", "99999999999999999999", "0", "-1", "%00"} {
		if s, b := buyer.do("GET", "/api/v1/contracts/"+bad+"/schedule", nil); s != 400 && s != 404 {
			t.Fatalf("contract %q: %d %s", bad, s, b)
		}
	}

	// Desks: the buyer's overdue list, the agency's overdue and next.
	s, b := buyer.do("GET", "/api/v1/desk", nil)
	items := deskTask(t, must(t, 200, s, b, "buyer desk"), "procurement", models.DeskOverdueReports)
	if len(items) != 1 || items[0].ID != f.ContractID || items[0].PeriodStart != "2026-01-01" || items[0].DaysOverdue == nil || *items[0].DaysOverdue != 10 ||
		items[0].Title != "测试社会工作服务中心1" {
		t.Fatalf("buyer's overdue reports: %+v", items)
	}
	s, b = member.do("GET", "/api/v1/desk", nil)
	body := must(t, 200, s, b, "agency desk")
	if od := deskTask(t, body, "agency", models.DeskReportsOverdue); len(od) != 1 || od[0].DueOn != "2026-02-10" {
		t.Fatalf("agency's overdue reports: %+v", od)
	}
	if next := deskTask(t, body, "agency", models.DeskReportsDue); len(next) != 1 || next[0].PeriodStart != "2026-02-01" || next[0].DaysLeft == nil || *next[0].DaysLeft != 18 {
		t.Fatalf("agency's next reports: %+v", next)
	}
	s, b = buyer.do("GET", "/desk", nil)
	page := string(must(t, 200, s, b, "desk page"))
	for _, w := range []string{`id="task-overdue_reports"`, "报告期 2026-01-01 至 2026-01-31", "已逾期 10 天", fmt.Sprintf(`href="/contracts/%d#schedule"`, f.ContractID)} {
		if !strings.Contains(page, w) {
			t.Fatalf("desk page lacks %q", w)
		}
	}
	s, b = member.do("GET", fmt.Sprintf("/contracts/%d", f.ContractID), nil)
	page = string(must(t, 200, s, b, "contract page"))
	for _, w := range []string{`id="report-schedule"`, "按月报告", "每期结束后 10 天内提交", `<tr data-status="overdue"><td>2026-01-01 – 2026-01-31</td><td>2026-02-10</td>`, "逾期 10 天"} {
		if !strings.Contains(page, w) {
			t.Fatalf("contract page lacks %q", w)
		}
	}

	// Submitted: reported, and off both desks.
	testdb.Report(t, e.store, f, "2026-01-01", "2026-01-31", models.ReportSubmitted)
	s, b = buyer.do("GET", path, nil)
	if got := scheduleText(t, must(t, 200, s, b, "schedule after submission")); !strings.HasPrefix(got, "2026-01-01..2026-01-31 2026-02-10 reported 0|") {
		t.Fatalf("after submission: %s", got)
	}
	s, b = buyer.do("GET", "/api/v1/desk", nil)
	if items := deskTask(t, must(t, 200, s, b, "buyer desk"), "procurement", models.DeskOverdueReports); len(items) != 0 {
		t.Fatalf("overdue after submission: %+v", items)
	}
}

func scheduleText(t *testing.T, body []byte) string {
	t.Helper()
	var sc models.ContractSchedule
	if err := json.Unmarshal(body, &sc); err != nil {
		t.Fatal(err)
	}
	var parts []string
	for _, p := range sc.Periods {
		parts = append(parts, fmt.Sprintf("%s..%s %s %s %d", p.Start, p.End, p.Due, p.Status, p.DaysOverdue))
	}
	return strings.Join(parts, "|")
}

// deskTask is one task's items in a desk answer.
func deskTask(t *testing.T, body []byte, role, key string) []models.DeskItem {
	t.Helper()
	var d models.Desk
	if err := json.Unmarshal(body, &d); err != nil {
		t.Fatal(err)
	}
	for _, s := range d.Sections {
		if s.Role != role {
			continue
		}
		for _, tk := range s.Tasks {
			if tk.Key == key {
				return tk.Items
			}
		}
	}
	t.Fatalf("no %s task %s in %s", role, key, body)
	return nil
}
