package models_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"portal/models"
	"portal/models/testdb"
)

// reminderWorld is a store whose clock the test sets, with one contract of
// Xingning reporting monthly over the first quarter of 2026.
type reminderWorld struct {
	t   *testing.T
	s   *models.Store
	now time.Time
	f   testdb.ContractFixture
}

func newReminderWorld(t *testing.T) *reminderWorld {
	s, _ := testdb.Store(t)
	w := &reminderWorld{t: t, s: s}
	s.Now = func() time.Time { return w.now }
	w.f = testdb.Contract(t, s, 1, "450102", "2026-01-01", "2026-03-31", models.ReportMonthly)
	return w
}

// on sets the clock to 10:00 in Beijing on day.
func (w *reminderWorld) on(day string) {
	d, err := time.ParseInLocation(time.DateOnly, day, models.ChinaZone)
	if err != nil {
		w.t.Fatal(err)
	}
	w.now = d.Add(10 * time.Hour)
}

// run runs the reminders on day and returns how many were sent.
func (w *reminderWorld) run(day string) int {
	w.t.Helper()
	w.on(day)
	n, err := w.s.RunReminders(context.Background(), nil)
	if err != nil {
		w.t.Fatal(err)
	}
	return n
}

// notes counts the reminder notifications of a kind.
func (w *reminderWorld) notes(kind string) int64 {
	w.t.Helper()
	var n int64
	if err := w.s.DB.Model(&models.Notification{}).Where("kind = ? AND object_id = ?", kind, w.f.ContractID).Count(&n).Error; err != nil {
		w.t.Fatal(err)
	}
	return n
}

// TestRemindersFollowTheSchedule: January's report (due 2026-02-10) is
// reminded 3 days before (each member once, however often the job runs),
// 1 day after, not once it is submitted, again when it is returned, and
// never twice for one reminder day.
func TestRemindersFollowTheSchedule(t *testing.T) {
	w := newReminderWorld(t)
	if n := w.run("2026-02-06"); n != 0 {
		t.Fatalf("4 days before the due date: %d reminders", n)
	}
	if n := w.run("2026-02-07"); n != 1 {
		t.Fatalf("3 days before the due date: %d reminders, want 1", n)
	}
	if got := w.notes(models.NotifyReportDue); got != 2 {
		t.Fatalf("%d due notifications, want one per member (2)", got)
	}
	for _, day := range []string{"2026-02-07", "2026-02-09", "2026-02-10"} {
		if n := w.run(day); n != 0 {
			t.Fatalf("%s: %d reminders sent again", day, n)
		}
	}
	if n := w.run("2026-02-11"); n != 1 || w.notes(models.NotifyReportOverdue) != 2 {
		t.Fatalf("a day after the due date: %d reminders, %d overdue notifications", n, w.notes(models.NotifyReportOverdue))
	}
	// A draft does not stop them; a submitted report does.
	id := testdb.Report(t, w.s, w.f, "2026-01-01", "2026-01-31", "draft")
	testdb.SetReport(t, w.s, id, models.ReportSubmitted)
	if n := w.run("2026-02-13"); n != 0 {
		t.Fatalf("after submission: %d reminders", n)
	}
	// Returned: the agency must resubmit, so the schedule reminds again
	// (3 days after; the day-1 reminder was sent already).
	testdb.SetReport(t, w.s, id, "returned")
	if n := w.run("2026-02-14"); n != 1 || w.notes(models.NotifyReportOverdue) != 4 {
		t.Fatalf("after return: %d reminders, %d overdue notifications", n, w.notes(models.NotifyReportOverdue))
	}
	testdb.SetReport(t, w.s, id, models.ReportApproved)
	if n := w.run("2026-02-20"); n != 0 {
		t.Fatalf("approved: %d reminders", n)
	}
	var rows []models.Reminder
	if err := w.s.DB.Order("id").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, fmt.Sprint(r.PeriodStart, " ", r.Kind, " ", r.OffsetDays))
	}
	if len(rows) != 3 || rows[0].Kind != models.ReminderBefore || rows[0].OffsetDays != 3 || rows[1].OffsetDays != 1 || rows[2].OffsetDays != 3 {
		t.Fatalf("reminders recorded: %v", got)
	}
}

// TestRemindersInBatches: the run reads the contracts a batch at a time
// and reminds every one of them, whatever the batch's size.
func TestRemindersInBatches(t *testing.T) {
	w := newReminderWorld(t)
	for n := 2; n <= 5; n++ {
		testdb.Contract(t, w.s, n, "450102", "2026-01-01", "2026-03-31", models.ReportMonthly)
	}
	w.s.Settings.ReminderBatch = 2
	if n := w.run("2026-02-07"); n != 5 {
		t.Fatalf("5 contracts in batches of 2: %d reminders", n)
	}
	if n := w.run("2026-02-07"); n != 0 {
		t.Fatalf("again: %d reminders", n)
	}
}

// TestRemindersCatchUpWithOne: a job that did not run for weeks sends, per
// period, only the latest reminder the schedule calls for, and nothing for
// periods not yet due.
func TestRemindersCatchUpWithOne(t *testing.T) {
	w := newReminderWorld(t)
	if n := w.run("2026-02-25"); n != 1 {
		t.Fatalf("%d reminders after weeks, want 1 (January's, 7 days after)", n)
	}
	var r models.Reminder
	if err := w.s.DB.First(&r).Error; err != nil {
		t.Fatal(err)
	}
	if r.PeriodStart != "2026-01-01" || r.Kind != models.ReminderAfter || r.OffsetDays != 7 || r.DueOn != "2026-02-10" {
		t.Fatalf("reminder %+v", r)
	}
	// After the last reminder day nothing more is sent for January.
	if n := w.run("2026-03-07"); n != 1 {
		t.Fatalf("2026-03-07: %d reminders, want February's 3-day-before only", n)
	}
}

// TestRemindersUseTheSettings: other reminder days and due days apply.
func TestRemindersUseTheSettings(t *testing.T) {
	w := newReminderWorld(t)
	w.s.Settings.ReportDueDays = 5 // January due 2026-02-05
	w.s.Settings.ReminderDaysBefore = []int{1}
	w.s.Settings.ReminderDaysAfter = []int{2}
	if n := w.run("2026-02-03"); n != 0 {
		t.Fatalf("2 days before: %d", n)
	}
	if n := w.run("2026-02-04"); n != 1 {
		t.Fatalf("1 day before: %d", n)
	}
	if n := w.run("2026-02-06"); n != 0 {
		t.Fatalf("1 day after with only day 2 set: %d", n)
	}
	if n := w.run("2026-02-07"); n != 1 {
		t.Fatalf("2 days after: %d", n)
	}
}

// TestReminderSentOnceByParallelProcesses: two stores on their own
// connection pools to one database (two portal processes) run the
// reminders 8 times at once: one reminder, one notification per member.
func TestReminderSentOnceByParallelProcesses(t *testing.T) {
	w := newReminderWorld(t)
	w.on("2026-02-07")
	s2 := testdb.SecondStore(t, w.s)
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for i := range 8 {
		st := w.s
		if i%2 == 1 {
			st = s2
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := st.RunReminders(context.Background(), nil)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			total += n
			mu.Unlock()
		}()
	}
	wg.Wait()
	if total != 1 || w.notes(models.NotifyReportDue) != 2 {
		t.Fatalf("%d reminders sent, %d notifications; want 1 and 2", total, w.notes(models.NotifyReportDue))
	}
}
