package handlers_test

import (
	"net/url"
	"strings"
	"testing"

	"portal/models"
)

// calendarEvents counts the calendar's audit events.
func calendarEvents(t *testing.T, e *env) int64 {
	t.Helper()
	var n int64
	if err := e.store.DB.Model(&models.AuditEvent{}).Where("action LIKE ?", "calendar.%").Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestCalendarAPIAddsAuditedDaysForTheNationwideAdminOnly(t *testing.T) {
	e := newEnv(t)
	root := e.signIn("admin")
	body := map[string]any{"year": 2030,
		"source": map[string]string{"title": "国务院办公厅关于2030年部分节假日安排的通知", "number": "国办发明电〔2029〕1号", "issued_on": "2029-11-01", "url": "https://www.gov.cn/zhengce/2030.htm"},
		"days":   []map[string]string{{"date": "2030-10-01", "kind": "holiday", "name": "国庆节"}, {"date": "2030-10-12", "kind": "workday", "name": "国庆节"}}}
	for name, c := range map[string]*client{
		"procurement":    e.staff("nn-buyer", models.RoleProcurement, "4501"),
		"regional admin": e.staff("gx-admin", models.RoleAdmin, "45"),
	} {
		if status, b := c.do("POST", "/api/v1/calendar/days", body); status != 403 {
			t.Errorf("%s: %d %s", name, status, b)
		}
	}
	if n := calendarEvents(t, e); n != 0 {
		t.Fatalf("%d calendar events after refusals", n)
	}
	status, b := root.do("POST", "/api/v1/calendar/days", body)
	if status != 201 {
		t.Fatalf("nationwide admin: %d %s", status, b)
	}
	year := decode[models.CalendarYear](t, b)
	if !year.Known || len(year.Days) != 2 || year.Days[1].Kind != models.DayWorkday || len(year.Sources) != 1 || year.Sources[0].Number != "国办发明电〔2029〕1号" {
		t.Fatalf("2030: %+v", year)
	}
	if n := calendarEvents(t, e); n != 3 {
		t.Fatalf("%d calendar events, want the notice and two days", n)
	}
	// Anyone reads it.
	status, b = e.anon().do("GET", "/api/v1/calendar?year=2030", nil)
	if got := decode[models.CalendarYear](t, b); status != 200 || len(got.Days) != 2 {
		t.Fatalf("public read: %d %s", status, b)
	}
	// Bad input is refused on its fields.
	status, b = root.do("POST", "/api/v1/calendar/days", map[string]any{"year": 2030,
		"source": map[string]string{"title": "x", "issued_on": "2029-11-01", "url": "https://example.com/"},
		"days":   []map[string]string{{"date": "2030-10-01", "kind": "holiday", "name": "国庆节"}}})
	if fields := strings.Join(fieldsOf(t, b), ","); status != 422 || fields != "source.url" {
		t.Fatalf("a source off gov.cn: %d %s", status, b)
	}
}

func TestCalendarPage(t *testing.T) {
	e := newEnv(t)
	root := e.signIn("admin")
	status, page := root.do("GET", "/admin/calendar?year=2026", nil)
	text := tpText(string(page))
	for _, want := range []string{"国务院办公厅关于2026年部分节假日安排的通知", "国办发明电〔2025〕7号", "2026-10-01", "2026-10-10", "调休上班", "2007"} {
		if status != 200 || !strings.Contains(text, want) {
			t.Fatalf("2026 page lacks %q: %d %s", want, status, text)
		}
	}
	if status, page = root.do("GET", "/admin/calendar?year=2030", nil); !strings.Contains(tpText(string(page)), "尚未录入 2030 年") {
		t.Fatalf("a year without a notice: %d %s", status, tpText(string(page)))
	}
	form := url.Values{"year": {"2030"}, "title": {"国务院办公厅关于2030年部分节假日安排的通知"}, "number": {"国办发明电〔2029〕1号"},
		"issued_on": {"2029-11-01"}, "url": {"https://www.gov.cn/zhengce/2030.htm"},
		"days": {"2030-10-01 放假 国庆节\n2030-10-08 上班 国庆节\n"}}
	status, _, body := root.tpPost("/admin/calendar", form)
	if text := tpText(body); status != 422 || !strings.Contains(text, "第 2 行：调休上班日只能是周六或周日") || !strings.Contains(body, "2030-10-08 上班 国庆节") {
		t.Fatalf("a weekday as make-up day: %d %s", status, text)
	}
	if n := calendarEvents(t, e); n != 0 {
		t.Fatalf("%d calendar events after a refused form", n)
	}
	form.Set("days", "2030-10-01 放假 国庆节\n2030-10-12 上班 国庆节")
	loc := root.tpMustPost("/admin/calendar", form)
	if loc != "/admin/calendar?year=2030&done=calendar.added" {
		t.Fatalf("redirect to %s", loc)
	}
	if n := calendarEvents(t, e); n != 3 {
		t.Fatalf("%d calendar events, want the notice and two days", n)
	}
	text = tpText(root.tpPage(loc))
	if !strings.Contains(text, "已录入。") || !strings.Contains(text, "2030-10-12") || strings.Contains(text, "尚未录入 2030 年") {
		t.Fatalf("after adding: %s", text)
	}
	// The page in English.
	root.do("GET", "/lang/en?next=/", nil)
	if text := tpText(root.tpPage("/admin/calendar?year=2026")); !strings.Contains(text, "Make-up working day") || !strings.Contains(text, "Enter a notice and its days") {
		t.Fatalf("English page: %s", text)
	}
	// A regional admin sees the page but may not change the calendar.
	regional := e.staff("gx-admin", models.RoleAdmin, "45")
	if page := regional.tpPage("/admin/calendar?year=2026"); strings.Contains(page, `id="calendar-form"`) || !strings.Contains(page, `id="calendar-nationwide-only"`) {
		t.Fatalf("a regional admin is offered the form: %s", tpText(page))
	}
	if page := root.tpPage("/admin/calendar?year=2026"); !strings.Contains(page, `id="calendar-form"`) {
		t.Fatalf("the nationwide admin has no form: %s", tpText(page))
	}
	if status, _, _ := regional.tpPost("/admin/calendar", form); status != 403 {
		t.Fatalf("a regional admin's form: %d", status)
	}
	if status, _ := e.staff("nn-buyer", models.RoleProcurement, "4501").do("GET", "/admin/calendar", nil); status != 403 {
		t.Fatalf("procurement staff on the admin page: %d", status)
	}
}
