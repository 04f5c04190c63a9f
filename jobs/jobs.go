// Package jobs runs the portal's time-driven work as jobs in the database,
// on River (docs/report-schedule.md): a periodic report_reminders job that
// sends the reminders due, and a reminder_mail job per member to mail,
// enqueued in the reminder's transaction and sent after commit, with
// retries; and a periodic ocds_deadlines job that releases, in the open data
// feed, each tender the clock has taken past its bid deadline
// (docs/api-ocds.md). Every portal process starts a Runner; River's leader election
// has one of them enqueue the periodic job, a unique job keeps two from
// running at once, and the reminders' unique key is the last guard.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"time"

	"portal/models"
	"portal/queue"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"gorm.io/gorm"
)

// Config tunes a Runner.
type Config struct {
	// ReminderEvery is how often the reminders job runs (0: hourly); it
	// also runs when a process becomes River's leader.
	ReminderEvery time.Duration
	// DeadlineEvery is how often the open data feed's deadline releases
	// are written (0: every 5 minutes).
	DeadlineEvery time.Duration
	// PollInterval is how often a process looks for jobs (0: 1 s; tests
	// set it short).
	PollInterval time.Duration
	// Mailer sends reminders by mail; nil sends none (notifications only).
	Mailer *Mailer
	// T renders a message of the catalogue (handlers.Catalogue.T).
	T      func(lang, key string, args ...any) string
	Logger *slog.Logger
	// TestOnly skips River's start-up jitter (tests only).
	TestOnly bool
}

// Runner is one process's River client with the portal's workers.
type Runner struct {
	client *river.Client[*sql.Tx]
	store  *models.Store
	cfg    Config
}

// ReminderArgs is the periodic job that sends the reminders due.
type ReminderArgs struct{}

// Kind of the job.
func (ReminderArgs) Kind() string { return "report_reminders" }

// InsertOpts: at most one waiting or running at a time; another may follow
// once it has completed.
func (ReminderArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByState: []rivertype.JobState{rivertype.JobStateAvailable,
		rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateRetryable, rivertype.JobStateScheduled}}}
}

// DeadlineReleaseArgs is the periodic job that publishes the open data
// release of each tender whose bid deadline has passed (see
// models.ReleaseDeadlines).
type DeadlineReleaseArgs struct{}

// Kind of the job.
func (DeadlineReleaseArgs) Kind() string { return "ocds_deadlines" }

// InsertOpts: at most one waiting or running at a time.
func (DeadlineReleaseArgs) InsertOpts() river.InsertOpts { return ReminderArgs{}.InsertOpts() }

// MailArgs mails one reminder to one member.
type MailArgs struct {
	ReminderID int64 `json:"reminder_id"`
	UserID     int64 `json:"user_id"`
}

// Kind of the job.
func (MailArgs) Kind() string { return "reminder_mail" }

// InsertOpts: one mail job per reminder and member, ever.
func (MailArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 10, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// New builds a Runner on the store's database; Start starts it.
func New(store *models.Store, cfg Config) (*Runner, error) {
	if cfg.ReminderEvery <= 0 {
		cfg.ReminderEvery = time.Hour
	}
	if cfg.DeadlineEvery <= 0 {
		cfg.DeadlineEvery = 5 * time.Minute
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Mailer != nil && cfg.T == nil {
		return nil, errors.New("jobs: a mailer needs the message catalogue")
	}
	pool, err := store.DB.DB()
	if err != nil {
		return nil, err
	}
	r := &Runner{store: store, cfg: cfg}
	workers := river.NewWorkers()
	river.AddWorker(workers, river.WorkFunc(r.workReminders))
	river.AddWorker(workers, river.WorkFunc(r.workMail))
	river.AddWorker(workers, river.WorkFunc(r.workDeadlines))
	reminders := river.NewPeriodicJob(river.PeriodicInterval(cfg.ReminderEvery),
		func() (river.JobArgs, *river.InsertOpts) { return ReminderArgs{}, nil },
		&river.PeriodicJobOpts{ID: "report_reminders", RunOnStart: true})
	deadlines := river.NewPeriodicJob(river.PeriodicInterval(cfg.DeadlineEvery),
		func() (river.JobArgs, *river.InsertOpts) { return DeadlineReleaseArgs{}, nil },
		&river.PeriodicJobOpts{ID: "ocds_deadlines", RunOnStart: true})
	r.client, err = river.NewClient(queue.Driver(pool, store.Dialect), &river.Config{
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 4}},
		Workers:           workers,
		PeriodicJobs:      []*river.PeriodicJob{reminders, deadlines},
		PollOnly:          true, // neither driver over database/sql listens
		FetchPollInterval: cfg.PollInterval,
		FetchCooldown:     min(cfg.PollInterval, 100*time.Millisecond),
		// The runtime role does not own the tables, so it may not reindex
		// them: that is the migration owner's maintenance.
		ReindexerSchedule: river.NeverSchedule(),
		Logger:            cfg.Logger,
		TestOnly:          cfg.TestOnly,
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// Start starts working jobs until Stop (or ctx's end).
func (r *Runner) Start(ctx context.Context) error { return r.client.Start(ctx) }

// Stop stops fetching and waits for running jobs to finish, or ctx's end.
func (r *Runner) Stop(ctx context.Context) error { return r.client.Stop(ctx) }

// Client is the River client, for tests and for enqueueing from outside.
func (r *Runner) Client() *river.Client[*sql.Tx] { return r.client }

func (r *Runner) workDeadlines(ctx context.Context, _ *river.Job[DeadlineReleaseArgs]) error {
	n, err := r.store.ReleaseDeadlines(ctx)
	if n > 0 {
		r.cfg.Logger.Info("open data deadline releases", "count", n)
	}
	return err
}

func (r *Runner) workReminders(ctx context.Context, _ *river.Job[ReminderArgs]) error {
	var mail models.EnqueueMail
	if r.cfg.Mailer != nil {
		mail = r.enqueueMail
	}
	n, err := r.store.RunReminders(ctx, mail)
	if n > 0 {
		r.cfg.Logger.Info("report reminders sent", "count", n)
	}
	return err
}

// enqueueMail enqueues a reminder's mail jobs in its transaction.
func (r *Runner) enqueueMail(tx *gorm.DB, rem *models.Reminder, userIDs []int64) error {
	sqlTx, err := queue.SQLTx(tx)
	if err != nil {
		return err
	}
	params := make([]river.InsertManyParams, len(userIDs))
	for i, id := range userIDs {
		params[i] = river.InsertManyParams{Args: MailArgs{ReminderID: rem.ID, UserID: id}}
	}
	_, err = r.client.InsertManyTx(tx.Statement.Context, sqlTx, params)
	return err
}

func (r *Runner) workMail(ctx context.Context, job *river.Job[MailArgs]) error {
	if r.cfg.Mailer == nil {
		return nil // mail was switched off after the job was enqueued
	}
	m, ok, err := r.store.ReminderMailTo(ctx, job.Args.ReminderID, job.Args.UserID)
	if err != nil || !ok {
		return err
	}
	subject, body := reminderText(r.cfg.T, m)
	return r.cfg.Mailer.Send(ctx, m.To, subject, body)
}

// mailLang is the language of reminder mails: users store no language, so
// Chinese, the portal's default.
const mailLang = "zh"

// reminderText renders a reminder mail's subject and body.
func reminderText(t func(string, string, ...any) string, m *models.ReminderMail) (string, string) {
	rem := m.Reminder
	key := "mail.report.due"
	if rem.Kind == models.ReminderAfter {
		key = "mail.report.overdue"
	}
	args := []any{rem.ContractNumber, rem.PeriodStart, rem.PeriodEnd, rem.DueOn, rem.OffsetDays, m.Name}
	return t(mailLang, key+".subject", args...), t(mailLang, key+".body", args...)
}
