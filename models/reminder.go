package models

import (
	"context"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Report reminders (docs/report-schedule.md). A time-driven job (package
// jobs, on River) calls RunReminders; each reminder is written once, under
// the unique key (contract, period start, kind, offset), in the same
// transaction as its notifications and its mail jobs, so however many
// processes run the job at once, each organisation is reminded once.

// Reminder kinds: days before or after the due date.
const (
	ReminderBefore = "before"
	ReminderAfter  = "after"
)

// Notification kinds of reminders.
const (
	NotifyReportDue     = "report.due"     // the report is due in a few days
	NotifyReportOverdue = "report.overdue" // the report is overdue
)

// Default reminder days: three days before the due date, then one, three
// and seven days after it.
var (
	DefaultReminderDaysBefore = []int{3}
	DefaultReminderDaysAfter  = []int{1, 3, 7}
)

// Reminder is one reminder sent for one period of one contract.
type Reminder struct {
	ID             int64     `json:"id" gorm:"primaryKey"`
	ContractID     int64     `json:"contract_id"`
	OrganisationID int64     `json:"organisation_id"`
	PeriodStart    string    `json:"period_start"`
	PeriodEnd      string    `json:"period_end"`
	DueOn          string    `json:"due_on"`
	Kind           string    `json:"kind"`
	OffsetDays     int       `json:"offset_days"`
	SentAt         time.Time `json:"sent_at"`
	// ContractNumber is the contract's number, for the messages.
	ContractNumber string `json:"contract_number" gorm:"-"`
}

// TableName of Reminder.
func (Reminder) TableName() string { return "report_reminders" }

func (s *Store) reminderDays() (before, after []int) {
	before, after = s.Settings.ReminderDaysBefore, s.Settings.ReminderDaysAfter
	if before == nil {
		before = DefaultReminderDaysBefore
	}
	if after == nil {
		after = DefaultReminderDaysAfter
	}
	return before, after
}

// reminderFor picks the one reminder that period's schedule calls for on
// day: the latest reminder day that has come (N days before the due date,
// up to the day before it; N days after it), so a job that did not run
// for a while sends one reminder, not each one missed. ok is false when no
// reminder day has come yet, or on the due date itself.
func reminderFor(p ReportPeriod, day string, before, after []int) (kind string, offset int, ok bool) {
	d := daysBetween(p.Due, day) // negative before the due date
	switch {
	case d < 0:
		for _, n := range before {
			if n >= -d && (!ok || n < offset) {
				kind, offset, ok = ReminderBefore, n, true
			}
		}
	case d > 0:
		for _, n := range after {
			if n <= d && (!ok || n > offset) {
				kind, offset, ok = ReminderAfter, n, true
			}
		}
	}
	return kind, offset, ok
}

// DueReminders lists the reminders the schedule calls for on the store's
// day that have not been sent: one per unreported period at most. The
// reporting contracts are read a batch at a time (reminderBatch, by id),
// so a province's thousands of contracts and their reports are never all
// in memory at once.
func (s *Store) DueReminders(ctx context.Context) ([]Reminder, error) {
	db := s.DB.WithContext(ctx)
	day := today(s.now())
	before, after := s.reminderDays()
	batch := s.Settings.ReminderBatch
	if batch <= 0 {
		batch = DefaultReminderBatch
	}
	var out []Reminder
	for last := int64(0); ; {
		cs, open, err := s.unreported(db, db.Where("id > ?", last).Limit(batch), day)
		if err != nil || len(cs) == 0 {
			return out, err
		}
		ids := make([]int64, len(cs))
		for i, c := range cs {
			ids[i] = c.ID
		}
		last = ids[len(ids)-1]
		var sent []Reminder
		if err := db.Select("contract_id, period_start, kind, offset_days").Where("contract_id IN ?", ids).Find(&sent).Error; err != nil {
			return nil, err
		}
		done := map[string]bool{}
		for _, r := range sent {
			done[reminderKey(r)] = true
		}
		for _, c := range cs {
			for _, p := range open[c.ID] {
				kind, n, ok := reminderFor(p, day, before, after)
				if !ok {
					continue
				}
				r := Reminder{ContractID: c.ID, OrganisationID: c.OrganisationID, PeriodStart: p.Start, PeriodEnd: p.End, DueOn: p.Due,
					Kind: kind, OffsetDays: n, ContractNumber: c.Number}
				if !done[reminderKey(r)] {
					out = append(out, r)
				}
			}
		}
		if len(cs) < batch {
			return out, nil
		}
	}
}

// DefaultReminderBatch is how many contracts DueReminders reads at a time.
const DefaultReminderBatch = 500

func reminderKey(r Reminder) string {
	return strconv.FormatInt(r.ContractID, 10) + "/" + r.PeriodStart + "/" + r.Kind + "/" + strconv.Itoa(r.OffsetDays)
}

// EnqueueMail is called inside a reminder's transaction with the members
// to mail (those with an e-mail address), to enqueue their mail jobs in
// that transaction: the mail goes out after commit, and only if the
// reminder was recorded.
type EnqueueMail func(tx *gorm.DB, r *Reminder, userIDs []int64) error

// SendReminder records r and notifies the organisation's members in one
// transaction. It sends nothing (false) when the period has been reported
// meanwhile or another process has recorded the same reminder: the unique
// key refuses the second row, and with it the notifications.
func (s *Store) SendReminder(ctx context.Context, r Reminder, mail EnqueueMail) (bool, error) {
	sent := false
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Table("service_reports").Where("contract_id = ? AND period_start = ? AND period_end = ? AND status IN ?",
			r.ContractID, r.PeriodStart, r.PeriodEnd, reportedStatuses).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		r.ID, r.SentAt = 0, s.now()
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&r)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return nil
		}
		kind := NotifyReportDue
		if r.Kind == ReminderAfter {
			kind = NotifyReportOverdue
		}
		s.notifyOrgs(tx, []int64{r.OrganisationID}, kind, "contract", r.ContractID, reminderParams(&r))
		if tx.Error != nil {
			return tx.Error
		}
		if mail != nil {
			var ids []int64
			if err := tx.Model(&User{}).Where("organisation_id = ? AND disabled = ? AND email <> ''", r.OrganisationID, false).
				Order("id").Pluck("id", &ids).Error; err != nil {
				return err
			}
			if len(ids) > 0 {
				if err := mail(tx, &r, ids); err != nil {
					return err
				}
			}
		}
		sent = true
		return nil
	})
	return sent, err
}

func reminderParams(r *Reminder) map[string]string {
	return map[string]string{"number": r.ContractNumber, "period_start": r.PeriodStart, "period_end": r.PeriodEnd, "due_on": r.DueOn,
		"days": strconv.Itoa(r.OffsetDays), "contract_id": strconv.FormatInt(r.ContractID, 10)}
}

// RunReminders sends every reminder due on the store's day and returns how
// many it sent.
func (s *Store) RunReminders(ctx context.Context, mail EnqueueMail) (int, error) {
	due, err := s.DueReminders(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range due {
		ok, err := s.SendReminder(ctx, r, mail)
		if err != nil {
			return n, err
		}
		if ok {
			n++
		}
	}
	return n, nil
}

// ReminderMail is what a reminder's mail to one member says.
type ReminderMail struct {
	Reminder Reminder
	To       string // the member's address
	Name     string // the member's display name
}

// ReminderMailTo reads a recorded reminder and the member to mail; ok is
// false when there is nothing to send any more: the member has no address
// (removed since), is disabled or has left the organisation.
func (s *Store) ReminderMailTo(ctx context.Context, reminderID, userID int64) (*ReminderMail, bool, error) {
	db := s.DB.WithContext(ctx)
	var m ReminderMail
	if err := db.First(&m.Reminder, reminderID).Error; err != nil {
		return nil, false, notFound(err, "reminder")
	}
	if err := db.Raw("SELECT number FROM contracts WHERE id = ?", m.Reminder.ContractID).Scan(&m.Reminder.ContractNumber).Error; err != nil {
		return nil, false, err
	}
	var u User
	if err := db.First(&u, userID).Error; err != nil {
		return nil, false, notFound(err, "user")
	}
	if u.Email == "" || u.Disabled || u.OrganisationID == nil || *u.OrganisationID != m.Reminder.OrganisationID {
		return nil, false, nil
	}
	m.To, m.Name = u.Email, u.DisplayName
	return &m, true, nil
}
