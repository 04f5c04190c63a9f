package models_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"portal/models"
)

// bj is a time on a Beijing wall clock.
func bj(y int, m time.Month, d, h, min, sec int) time.Time {
	return time.Date(y, m, d, h, min, sec, 0, models.ChinaZone)
}

// endOf is 24:00 Beijing time of a day: 00:00 of the next.
func endOf(y int, m time.Month, d int) time.Time { return bj(y, m, d+1, 0, 0, 0) }

func TestWorkingDaysFollowTheStateCouncilCalendar(t *testing.T) {
	s, _ := bootstrap(t)
	cases := []struct {
		name string
		from time.Time
		n    int
		want time.Time
	}{
		// 2026 notice (国办发明电〔2025〕7号): National Day 1-7 October off,
		// Saturday 10 October worked. After Wednesday 30 September the 7
		// working days are 8, 9, 10 (Saturday, worked), 12, 13, 14 and
		// 15 October; Monday to Friday alone would end on 9 October.
		{"national day", bj(2026, 9, 30, 10, 0, 0), 7, endOf(2026, 10, 15)},
		// Spring Festival 15-23 February off, Saturdays 14 and 28 February
		// worked: after Friday 13 February they are 14 (Saturday), 24, 25,
		// 26, 27, 28 (Saturday) February and Monday 2 March.
		{"spring festival with make-up Saturdays", bj(2026, 2, 13, 9, 0, 0), 7, endOf(2026, 3, 2)},
		// A make-up Sunday alone: 2026-09-20 is worked, so one working day
		// after Saturday 19 September is that Sunday.
		{"make-up Sunday", bj(2026, 9, 19, 12, 0, 0), 1, endOf(2026, 9, 20)},
		// A plain week: after Friday 6 March, 9-13 and 16-17 March.
		{"ordinary weeks", bj(2026, 3, 6, 10, 0, 0), 7, endOf(2026, 3, 17)},
		// The period counts from the Beijing date: 16:30 UTC on Thursday 5
		// March is already Friday 6 March in Beijing.
		{"beijing date", time.Date(2026, 3, 5, 16, 30, 0, 0, time.UTC), 7, endOf(2026, 3, 17)},
		// 2020: the Spring Festival was extended to 2 February (国办发明电
		// 〔2020〕1号), so Saturday 1 February, first to be worked, was off:
		// after Thursday 23 January the days are Monday 3 to Tuesday 11 February.
		{"2020 extension", bj(2020, 1, 23, 9, 0, 0), 7, endOf(2020, 2, 11)},
		// A year with no notice (2030): weekends only.
		{"year without a notice", bj(2030, 9, 30, 9, 0, 0), 7, endOf(2030, 10, 9)},
	}
	for _, c := range cases {
		got, err := s.WorkingDaysEnd(t.Context(), c.from, c.n)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Equal(c.want) {
			t.Errorf("%s: %s, want %s", c.name, got.In(models.ChinaZone), c.want)
		}
	}
}

// awardedTender runs the standard tender to its award at the given time.
func (w *world) awardedTender(at time.Time) *models.Tender {
	t := w.t
	w.now = at.Add(-12 * 24 * time.Hour)
	in := w.tenderInput()
	in.ServiceStart, in.ServiceEnd = at.AddDate(0, 2, 0).In(models.ChinaZone).Format(time.DateOnly), at.AddDate(1, 1, 0).In(models.ChinaZone).Format(time.DateOnly)
	tender, err := w.s.CreateTender(w.ctx, w.buyer, in)
	if err != nil {
		t.Fatal(err)
	}
	if tender, err = w.s.PublishTender(w.ctx, w.buyer, tender.ID); err != nil {
		t.Fatal(err)
	}
	bids := []*models.Bid{w.bid(0, tender.ID, 280_000, "方案A"), w.bid(1, tender.ID, 250_000, "方案B"), w.bid(2, tender.ID, 300_000, "方案C")}
	w.now = tender.BidDeadline
	if _, err := w.s.AppointPanel(w.ctx, w.buyer, tender.ID, []int64{w.experts[0].UserID, w.experts[1].UserID, w.experts[2].UserID}); err != nil {
		t.Fatal(err)
	}
	sheets := []map[string]float64{{"plan": 38, "team": 29, "experience": 8}, {"plan": 30, "team": 24, "experience": 6}, {"plan": 30, "team": 24, "experience": 6}}
	for _, e := range w.experts {
		if _, err := w.s.Declare(w.ctx, e, tender.ID, models.Declaration{}); err != nil {
			t.Fatal(err)
		}
		for j, b := range bids {
			if _, err := w.s.ScoreBid(w.ctx, e, b.ID, sheets[j]); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := w.s.RecordCreditCheck(w.ctx, w.buyer, tender.ID, models.CreditCheckInput{OrganisationID: w.orgs[0], Result: "clear", CheckedAt: w.now, Note: "无记录"}); err != nil {
		t.Fatal(err)
	}
	w.now = at
	if _, err := w.s.Award(w.ctx, w.buyer, tender.ID); err != nil {
		t.Fatal(err)
	}
	return tender
}

func TestChallengeWindowEndsAt24BeijingOfTheSeventhWorkingDay(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	// Awarded on Wednesday 30 September 2026 at 10:00 Beijing time: National
	// Day does not count, the window closes at 24:00 on 15 October.
	tender := w.awardedTender(bj(2026, 9, 30, 10, 0, 0))
	res, err := s.TenderResult(ctx, w.agents[1], tender.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !res.ChallengeUntil.Equal(endOf(2026, 10, 15)) {
		t.Fatalf("challenge window ends %s", res.ChallengeUntil.In(models.ChinaZone))
	}
	// 9 October, where Monday-to-Friday counting ended, is inside it.
	w.now = bj(2026, 10, 9, 23, 0, 0)
	if _, err := s.FileChallenge(ctx, w.agents[1], tender.ID, "国庆假期不算工作日"); err != nil {
		t.Fatalf("a challenge on 9 October: %v", err)
	}
	w.now = bj(2026, 10, 15, 23, 59, 59)
	if _, err := s.FileChallenge(ctx, w.agents[2], tender.ID, "最后一秒"); err != nil {
		t.Fatalf("a challenge at 23:59:59 Beijing on the last day: %v", err)
	}
	w.now = bj(2026, 10, 16, 0, 0, 0)
	_, err = s.FileChallenge(ctx, w.agents[2], tender.ID, "晚了一秒")
	expectKind(t, err, models.ErrConflict, "a challenge at 00:00:00 Beijing after the last day")
	// The contract waits until the window has closed.
	w.now = bj(2026, 10, 15, 23, 59, 59)
	_, err = s.SignContract(ctx, w.buyer, tender.ID, []models.PlanLine{{Percent: 100, Condition: "signing"}})
	if e, ok := models.AsError(err); !ok || e.Key != "err.window_open" {
		t.Fatalf("signing on the window's last second: %v", err)
	}
}

func TestChallengeAnswerDueAndOverdue(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	tender := w.awardedTender(bj(2026, 9, 29, 10, 0, 0))
	// Filed on 30 September at 12:00: the staff answer within 7 working
	// days, by 24:00 on 15 October (National Day off, 10 October worked).
	w.now = bj(2026, 9, 30, 12, 0, 0)
	c, err := s.FileChallenge(ctx, w.agents[1], tender.ID, "评分有误")
	if err != nil {
		t.Fatal(err)
	}
	if !c.AnswerDue.Equal(endOf(2026, 10, 15)) || c.Overdue {
		t.Fatalf("filed: due %s overdue %v", c.AnswerDue.In(models.ChinaZone), c.Overdue)
	}
	w.now = bj(2026, 10, 15, 23, 59, 59)
	list, err := s.Challenges(ctx, w.buyer, tender.ID)
	if err != nil || len(list) != 1 || list[0].Overdue || !list[0].AnswerDue.Equal(endOf(2026, 10, 15)) {
		t.Fatalf("on the last second: %+v %v", list, err)
	}
	w.now = bj(2026, 10, 16, 0, 0, 0)
	list, err = s.Challenges(ctx, w.buyer, tender.ID)
	if err != nil || len(list) != 1 || !list[0].Overdue {
		t.Fatalf("past the due date, unanswered: %+v %v", list, err)
	}
	own, err := s.Challenges(ctx, w.agents[1], tender.ID)
	if err != nil || len(own) != 1 || !own[0].Overdue {
		t.Fatalf("the challenger's view: %+v %v", own, err)
	}
	answered, err := s.AnswerChallenge(ctx, w.buyer, c.ID, "已复核")
	if err != nil || answered.Overdue || !answered.AnswerDue.Equal(endOf(2026, 10, 15)) {
		t.Fatalf("answered: %+v %v", answered, err)
	}
}

func TestAddCalendarDaysIsAuditedAndNationwide(t *testing.T) {
	s, admin := bootstrap(t)
	ctx := t.Context()
	in := models.CalendarInput{Year: 2030,
		Source: models.CalendarSourceInput{Title: "国务院办公厅关于2030年部分节假日安排的通知", Number: "国办发明电〔2029〕1号", IssuedOn: "2029-11-01", URL: "https://www.gov.cn/zhengce/zhengceku/2030.htm"},
		Days: []models.CalendarDayInput{
			{Date: "2030-10-01", Kind: models.DayHoliday, Name: "国庆节"}, {Date: "2030-10-02", Kind: models.DayHoliday, Name: "国庆节"},
			{Date: "2030-10-03", Kind: models.DayHoliday, Name: "国庆节"}, {Date: "2030-10-04", Kind: models.DayHoliday, Name: "国庆节"},
			{Date: "2030-10-07", Kind: models.DayHoliday, Name: "国庆节"}, {Date: "2030-10-12", Kind: models.DayWorkday, Name: "国庆节"},
		}}
	// A regional admin may not change the national calendar.
	regional := (&world{t: t, s: s, ctx: ctx, admin: admin}).staffUser("gx-admin", models.RoleAdmin, "45")
	_, err := s.AddCalendarDays(ctx, regional, in)
	expectKind(t, err, models.ErrForbidden, "a regional admin adding days")
	if n := countRows(t, s, &models.CalendarDay{}, "day LIKE ?", "2030-%"); n != 0 {
		t.Fatalf("refused, yet %d days were written", n)
	}

	before := countRows(t, s, &models.AuditEvent{}, "action LIKE ?", "calendar.%")
	year, err := s.AddCalendarDays(ctx, admin, in)
	if err != nil {
		t.Fatal(err)
	}
	if !year.Known || len(year.Days) != 6 || len(year.Sources) != 1 {
		t.Fatalf("2030 after adding: %+v", year)
	}
	if got := countRows(t, s, &models.AuditEvent{}, "action = ?", "calendar.day_add") + countRows(t, s, &models.AuditEvent{}, "action = ?", "calendar.source_add") - before; got != 7 {
		t.Fatalf("%d calendar audit events, want one per day and one for the notice", got)
	}
	// The new days count: after Monday 30 September 2030, 8-11 October,
	// Saturday 12 October (worked), 14 and 15 October.
	got, err := s.WorkingDaysEnd(ctx, bj(2030, 9, 30, 9, 0, 0), 7)
	if err != nil || !got.Equal(endOf(2030, 10, 15)) {
		t.Fatalf("with the 2030 notice: %s %v", got.In(models.ChinaZone), err)
	}
	// The same source again, one more day: reused, not duplicated; a day
	// already there is refused on its field.
	more := in
	more.Days = []models.CalendarDayInput{{Date: "2030-10-05", Kind: models.DayHoliday, Name: "国庆节"}, {Date: "2030-10-01", Kind: models.DayHoliday, Name: "国庆节"}}
	_, err = s.AddCalendarDays(ctx, admin, more)
	if e, ok := models.AsError(err); !ok || !errors.Is(err, models.ErrInvalid) || len(e.Fields) != 1 || e.Fields[0].Field != "days[1].date" || e.Fields[0].Code != "taken" {
		t.Fatalf("a day already entered: %v", err)
	}
	more.Days = more.Days[:1]
	if year, err = s.AddCalendarDays(ctx, admin, more); err != nil || len(year.Sources) != 1 || len(year.Days) != 7 {
		t.Fatalf("one more day of the same notice: %+v %v", year, err)
	}
}

func TestAddCalendarDaysChecksItsInput(t *testing.T) {
	s, admin := bootstrap(t)
	_, err := s.AddCalendarDays(t.Context(), admin, models.CalendarInput{Year: 2031,
		Source: models.CalendarSourceInput{Title: "通知", IssuedOn: "2031-13-01", URL: "https://evil.example/gov.cn"},
		Days: []models.CalendarDayInput{
			{Date: "2031-10-08", Kind: models.DayWorkday, Name: "国庆节"}, // a Wednesday
			{Date: "2029-10-01", Kind: models.DayHoliday, Name: "国庆节"}, // another year
			{Date: "2031-10-01", Kind: "off", Name: ""},
		}})
	e, ok := models.AsError(err)
	if !ok {
		t.Fatalf("bad input: %v", err)
	}
	got := map[string]string{}
	for _, f := range e.Fields {
		got[f.Field] = f.Code
	}
	want := map[string]string{"source.issued_on": "date", "source.url": "gov_url", "days[0].kind": "workday_weekend",
		"days[1].date": "calendar_year", "days[2].kind": "oneof", "days[2].name": "required"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
}

func TestShippedCalendarHoldsEveryVerifiedNotice(t *testing.T) {
	s, _ := bootstrap(t)
	// 2001-2002 and 2004-2026: the years whose days two independent sources
	// agree on (see the data file's header). 2000 and 2003 are not verified,
	// 2027's notice was not published when the data was compiled.
	var want []int
	for y := 2001; y <= 2026; y++ {
		if y != 2003 {
			want = append(want, y)
		}
	}
	for _, y := range want {
		cal, err := s.Calendar(t.Context(), models.Anonymous("", s.Authz), y)
		if err != nil {
			t.Fatal(err)
		}
		if !cal.Known || len(cal.Sources) == 0 || len(cal.Days) < 15 {
			t.Errorf("%d: %d sources, %d days", y, len(cal.Sources), len(cal.Days))
			continue
		}
		first := cal.Sources[0]
		if y >= 2007 {
			if first.Title != fmt.Sprintf("国务院办公厅关于%d年部分节假日安排的通知", y) || !strings.HasPrefix(first.Number, "国办发明电〔") ||
				!strings.Contains(first.URL, "gov.cn/") || first.IssuedOn >= fmt.Sprintf("%d-01-01", y) {
				t.Errorf("%d: source %+v", y, first)
			}
		} else if !strings.HasPrefix(first.Title, fmt.Sprintf("国务院办公厅关于%d年", y)) || !strings.HasPrefix(first.URL, "https://") ||
			(first.Number != "" && !strings.HasPrefix(first.Number, "国办发明电〔")) {
			// The golden-week notices have no copy on gov.cn; number and
			// date are empty where no copy states them.
			t.Errorf("%d: source %+v", y, first)
		}
		for _, d := range cal.Days {
			at, err := time.Parse(time.DateOnly, d.Day)
			if err != nil || d.Name == "" {
				t.Errorf("%d: day %+v", y, d)
			}
			if wd := at.Weekday(); d.Kind == models.DayWorkday && wd != time.Saturday && wd != time.Sunday {
				t.Errorf("%d: make-up working day %s is a %s", y, d.Day, wd)
			}
			// A notice comes before the weekend days it sets to be worked.
			if d.Kind == models.DayWorkday && first.IssuedOn != "" && d.SourceID == first.ID && first.IssuedOn >= d.Day {
				t.Errorf("%d: make-up day %s not after the notice of %s", y, d.Day, first.IssuedOn)
			}
		}
		if fmt.Sprint(cal.Years) != fmt.Sprint(want) {
			t.Fatalf("years %v, want %v", cal.Years, want)
		}
	}
	// Not shipped: the year counts weekends only until an admin enters it.
	for _, y := range []int{2000, 2003, 2027} {
		if cal, err := s.Calendar(t.Context(), models.Anonymous("", s.Authz), y); err != nil || cal.Known || len(cal.Sources) != 0 {
			t.Fatalf("%d: %+v %v", y, cal, err)
		}
	}
}

func TestWorkingDaysFollowTheGoldenWeekCalendar(t *testing.T) {
	s, _ := bootstrap(t)
	cases := []struct {
		name string
		from time.Time
		n    int
		want time.Time
	}{
		// 2006 notice (国办发明电〔2005〕35号): 1-7 October off, Saturday
		// 30 September and Sunday 8 October worked. After Friday 29
		// September: 30 September, 8, 9, 10, 11, 12 and 13 October; weekends
		// alone would end on 10 October.
		{"2006 national day", bj(2006, 9, 29, 10, 0, 0), 7, endOf(2006, 10, 13)},
		// 2002 notice: Spring Festival 12-18 February off, Saturday 9 and
		// Sunday 10 February worked. After Friday 8 February: 9, 10, 11,
		// 19, 20, 21 and 22 February; weekends alone would end on the 19th.
		{"2002 spring festival", bj(2002, 2, 8, 10, 0, 0), 7, endOf(2002, 2, 22)},
		// 2006 notice: New Year 1-3 January off, Saturday 31 December 2005
		// worked - a make-up day in the year before the notice's year.
		{"2006 new year, worked on 31 december 2005", bj(2005, 12, 30, 10, 0, 0), 2, endOf(2006, 1, 4)},
	}
	for _, c := range cases {
		got, err := s.WorkingDaysEnd(t.Context(), c.from, c.n)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Equal(c.want) {
			t.Errorf("%s: %s, want %s", c.name, got.In(models.ChinaZone), c.want)
		}
	}
}
