package jobs_test

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"portal/handlers"
	"portal/jobs"
	"portal/models"
	"portal/models/testdb"
	"portal/policy"
	"portal/templates"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// mailbox is an in-process SMTP server that keeps what it receives and
// takes PLAIN authentication of one user.
type mailbox struct {
	mu         sync.Mutex
	user, pass string
	msgs       []received
	addr       string
}

type received struct {
	from string
	to   []string
	data string
}

func startMailbox(t *testing.T, user, pass string) *mailbox {
	t.Helper()
	mb := &mailbox{user: user, pass: pass}
	srv := smtp.NewServer(mb)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true // loopback only
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mb.addr = ln.Addr().String()
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return mb
}

func (mb *mailbox) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{mb: mb}, nil }

func (mb *mailbox) received() []received {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	return append([]received(nil), mb.msgs...)
}

type session struct {
	mb     *mailbox
	authed bool
	cur    received
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != s.mb.user || pass != s.mb.pass {
			return errors.New("bad credentials")
		}
		s.authed = true
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if !s.authed {
		return smtp.ErrAuthRequired
	}
	s.cur = received{from: from}
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.cur.to = append(s.cur.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.data = string(b)
	s.mb.mu.Lock()
	s.mb.msgs = append(s.mb.msgs, s.cur)
	s.mb.mu.Unlock()
	return nil
}

func (s *session) Reset()        { s.cur = received{} }
func (s *session) Logout() error { return nil }

// waitFor polls cond until it holds; the bound only keeps a broken test
// from hanging.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(60 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func count(t *testing.T, s *models.Store, sql string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := s.DB.Raw(sql, args...).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// startRunner starts a River client of the portal's jobs on s.
func startRunner(t *testing.T, s *models.Store, mailer *jobs.Mailer) *jobs.Runner {
	t.Helper()
	cat, err := handlers.LoadCatalogue(templates.FS)
	if err != nil {
		t.Fatal(err)
	}
	r, err := jobs.New(s, jobs.Config{PollInterval: 20 * time.Millisecond, Mailer: mailer, T: cat.T, TestOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := r.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return r
}

const openJobs = "SELECT COUNT(*) FROM river_job WHERE state NOT IN ('completed', 'cancelled', 'discarded')"

// TestRemindersOnceByTwoProcesses: two portal processes (River clients on
// their own connection pools to one database) run the jobs at once on the
// day three days before January's report is due. The organisation's two
// members are notified once each, and the one with an e-mail address gets
// one mail, through a real SMTP conversation with authentication. Running
// the reminders job again in both sends nothing more.
func TestRemindersOnceByTwoProcesses(t *testing.T) {
	s, _ := testdb.Store(t)
	now := time.Date(2026, 2, 7, 10, 0, 0, 0, models.ChinaZone)
	s.Now = func() time.Time { return now }
	f := testdb.Contract(t, s, 1, "450102", "2026-01-01", "2026-03-31", models.ReportMonthly, "member-a@example.org")
	s2 := testdb.SecondStore(t, s)
	mb := startMailbox(t, "portal", "s3cret")
	mailer, err := jobs.NewMailer("smtp://portal:s3cret@"+mb.addr, "noreply@portal.example.org")
	if err != nil {
		t.Fatal(err)
	}
	runners := []*jobs.Runner{startRunner(t, s, mailer), startRunner(t, s2, mailer)}

	notes := func() int64 {
		return count(t, s, "SELECT COUNT(*) FROM notifications WHERE kind = ? AND object_id = ?", models.NotifyReportDue, f.ContractID)
	}
	waitFor(t, "the reminder, its notifications and its mail", func() bool {
		return notes() == 2 && len(mb.received()) == 1 && count(t, s, openJobs) == 0
	})
	// Both processes run the job once more.
	for _, r := range runners {
		if _, err := r.Client().Insert(context.Background(), jobs.ReminderArgs{}, nil); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the reminders job to run again", func() bool { return count(t, s, openJobs) == 0 })
	}
	if n := count(t, s, "SELECT COUNT(*) FROM river_job WHERE kind = 'report_reminders' AND state = 'completed'"); n < 3 {
		t.Fatalf("%d reminders jobs completed, want at least 3", n)
	}
	if n := count(t, s, "SELECT COUNT(*) FROM river_job WHERE state <> 'completed'"); n != 0 {
		t.Fatalf("%d jobs not completed", n)
	}
	if got := notes(); got != 2 {
		t.Fatalf("%d notifications, want 2", got)
	}
	if n := count(t, s, "SELECT COUNT(*) FROM report_reminders"); n != 1 {
		t.Fatalf("%d reminders recorded", n)
	}
	msgs := mb.received()
	if len(msgs) != 1 {
		t.Fatalf("%d mails, want 1", len(msgs))
	}
	m := msgs[0]
	if m.from != "noreply@portal.example.org" || len(m.to) != 1 || m.to[0] != "member-a@example.org" {
		t.Fatalf("mail from %q to %v", m.from, m.to)
	}
	for _, want := range []string{"To: <member-a@example.org>", "Content-Type: text/plain; charset=UTF-8"} {
		if !strings.Contains(m.data, want) {
			t.Errorf("mail lacks %q:\n%s", want, m.data)
		}
	}
	body := decodedMail(t, m.data)
	for _, want := range []string{"成员1a", "HT-T1", "2026-01-01 至 2026-01-31", "2026-02-10", "还有 3 天", "服务报告提醒"} {
		if !strings.Contains(body, want) {
			t.Errorf("mail lacks %q:\n%s", want, body)
		}
	}
}

// decodedMail is a received message's decoded subject and body.
func decodedMail(t *testing.T, raw string) string {
	t.Helper()
	msg, err := mail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	var body io.Reader = msg.Body
	switch strings.ToLower(msg.Header.Get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	return subject + "\n" + string(b)
}

// TestJobsRunAsRuntimeRole: River's tables, created by the owner's
// migration, work for the runtime role with the README's grants: the
// reminders job is enqueued, elected, run and recorded (PostgreSQL).
func TestJobsRunAsRuntimeRole(t *testing.T) {
	ownerDB, d := testdb.Open(t)
	rtDB := testdb.RuntimeRole(t, ownerDB)
	now := time.Date(2026, 2, 11, 10, 0, 0, 0, models.ChinaZone)
	owner := models.NewStore(ownerDB, d, nil)
	en, err := policy.New(ownerDB)
	if err != nil {
		t.Fatal(err)
	}
	owner.Authz = en
	f := testdb.Contract(t, owner, 1, "450102", "2026-01-01", "2026-03-31", models.ReportMonthly)
	rt := models.NewStore(rtDB, d, en)
	rt.Now = func() time.Time { return now }
	startRunner(t, rt, nil)
	waitFor(t, "the overdue reminder as the runtime role", func() bool {
		return count(t, owner, "SELECT COUNT(*) FROM notifications WHERE kind = ? AND object_id = ?", models.NotifyReportOverdue, f.ContractID) == 2
	})
}
