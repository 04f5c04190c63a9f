package main

import (
	"bytes"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"portal/models"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestConfigIsValidatedAtStart(t *testing.T) {
	for _, bad := range []map[string]string{
		{"PORTAL_MIN_BID_PERIOD": "ten days"},
		{"PORTAL_CHALLENGE_PERIOD": "-1h"},
		{"PORTAL_DATABASE_URL": "mysql://x"},
		{"PORTAL_REPORT_DUE_DAYS": "0"},
		{"PORTAL_REPORT_DUE_DAYS": "ten"},
		{"PORTAL_REMINDER_DAYS_BEFORE": "3,3"},
		{"PORTAL_REMINDER_DAYS_AFTER": "1,-3"},
		{"PORTAL_REMINDER_DAYS_AFTER": "1,,3"},
		{"PORTAL_SMTP_URL": "http://mail.example.org"},
		{"PORTAL_SMTP_URL": "smtp://mail.example.org:99999"},
		{"PORTAL_SMTP_URL": "smtp://mail.example.org", "PORTAL_SMTP_FROM": "not an address"},
		{"PORTAL_OCDS_PREFIX": "GX-01"},
		{"PORTAL_OCDS_PREFIX": "abcdefghijklmnopqrstu"},
		{"PORTAL_S3_URL": "https://s3.example.org/bucket"},
		{"PORTAL_S3_URL": "s3://s3.example.org/bucket"},
		{"PORTAL_S3_URL": "s3://key:secret@s3.example.org"},
		{"PORTAL_S3_URL": "s3://key:secret@s3.example.org/bucket?tls=sometimes"},
		{"PORTAL_DB_MAX_CONNS": "0"},
		{"PORTAL_DB_MAX_CONNS": "many"},
		{"PORTAL_MEMORY_LIMIT": "80MiB"},
		{"PORTAL_MEMORY_LIMIT": "-1"},
		{"PORTAL_READ_DATABASE_URL": "postgres://replica/portal"}, // without a primary
		{"PORTAL_DATABASE_URL": "postgres://primary/portal", "PORTAL_READ_DATABASE_URL": "mysql://replica/portal"},
	} {
		if _, err := configFromEnv(env(bad)); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
	c, err := configFromEnv(env(map[string]string{"PORTAL_MIN_BID_PERIOD": "0s", "PORTAL_TRUSTED_PROXIES": "10.0.0.1, 10.0.0.2"}))
	if err != nil || c.Addr != ":8080" || c.DataDir != "./data" || *c.MinBidPeriod != 0 || len(c.TrustedProxies) != 2 {
		t.Fatalf("config %+v %v", c, err)
	}
	c, err = configFromEnv(env(map[string]string{"PORTAL_REPORT_DUE_DAYS": "15", "PORTAL_REMINDER_DAYS_BEFORE": "7, 3",
		"PORTAL_REMINDER_DAYS_AFTER": "none", "PORTAL_SMTP_URL": "smtps://u:p@mail.example.org"}))
	if err != nil || c.ReportDueDays != 15 || len(c.ReminderDaysBefore) != 2 || c.ReminderDaysAfter == nil || len(c.ReminderDaysAfter) != 0 {
		t.Fatalf("reminder config %+v %v", c, err)
	}
	if c, _ := configFromEnv(env(nil)); c.ReminderDaysBefore != nil || c.ReminderDaysAfter != nil || c.OCDSPrefix != "portal" {
		t.Fatalf("unset reminder days or ocid prefix are not the defaults: %+v", c)
	}
	if c, err := configFromEnv(env(map[string]string{"PORTAL_OCDS_PREFIX": "a1b2c3"})); err != nil || c.OCDSPrefix != "a1b2c3" {
		t.Fatalf("ocid prefix: %+v %v", c, err)
	}
	if c, err := configFromEnv(env(map[string]string{"PORTAL_S3_URL": "s3://key:se%2Fcret@oss.example.org:9000/portal?region=cn-south-1"})); err != nil || c.S3URL == "" {
		t.Fatalf("object store: %+v %v", c, err)
	}
	if c, err := configFromEnv(env(map[string]string{"PORTAL_DB_MAX_CONNS": "32"})); err != nil || c.DBMaxConns != 32 {
		t.Fatalf("pool size: %+v %v", c, err)
	}
	if c, err := configFromEnv(env(nil)); err != nil || c.memoryLimit(models.SQLite) != DefaultMemoryLimitSQLiteMiB ||
		c.memoryLimit(models.Postgres) != DefaultMemoryLimitPostgresMiB {
		t.Fatalf("memory limits by default: %+v %v", c, err)
	}
	if c, err := configFromEnv(env(map[string]string{"PORTAL_MEMORY_LIMIT": "0"})); err != nil || c.memoryLimit(models.SQLite) != 0 || c.memoryLimit(models.Postgres) != 0 {
		t.Fatalf("no memory limit: %+v %v", c, err)
	}
	if c, err := configFromEnv(env(map[string]string{"PORTAL_MEMORY_LIMIT": "200"})); err != nil || c.memoryLimit(models.Postgres) != 200 {
		t.Fatalf("a memory limit: %+v %v", c, err)
	}
}

// syncBuffer collects the portal's log lines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startPortal runs the command until it logs that it listens.
func startPortal(t *testing.T, args []string, vars func(string) string) (*syncBuffer, chan error) {
	t.Helper()
	logs := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(args, vars, slog.New(slog.NewJSONHandler(logs, nil))) }()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(logs.String(), `"msg":"listening"`) {
		if time.Now().After(deadline) {
			t.Fatalf("the portal did not start: %s", logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return logs, done
}

// stopPortal sends SIGTERM, which the running command catches, and waits.
func stopPortal(t *testing.T, done chan error) {
	t.Helper()
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the portal did not stop on SIGTERM")
	}
}

// TestDemoServeAndGracefulStop starts the real command on SQLite with demo
// data, signs in a demo account, and stops it with SIGTERM.
func TestDemoServeAndGracefulStop(t *testing.T) {
	dir := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	vars := env(map[string]string{"PORTAL_DATA_DIR": dir, "PORTAL_ADDR": addr, "PORTAL_ADMIN_PASSWORD": "first-admin-pw"})
	if err := run([]string{"migrate"}, vars, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	logs, done := startPortal(t, []string{"serve", "--demo"}, vars)
	resp, err := http.Post("http://"+addr+"/api/v1/session", "application/json", strings.NewReader(`{"username":"gx-buyer","password":"`+demoPassword+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("demo sign-in: %d", resp.StatusCode)
	}
	resp, err = http.Get("http://" + addr + "/api/v1/tenders?region=450102")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"total":1`) || !strings.Contains(string(body), "困境儿童关爱服务项目") {
		t.Fatalf("the demo's published tender: %s", body)
	}
	stopPortal(t, done)
	out := logs.String()
	if !strings.Contains(out, "shutting down") || !strings.Contains(out, `"path":"/api/v1/session"`) {
		t.Fatalf("no request line or graceful shutdown in the log: %s", out)
	}
	if strings.Contains(out, demoPassword) || strings.Contains(out, "portal_session") {
		t.Fatal("a password or a session cookie reached the log")
	}
	// A second demo start changes nothing and fails nothing.
	_, done = startPortal(t, []string{"--demo", "--addr", addr}, vars)
	stopPortal(t, done)
}

// The server bounds what a slow client can hold before any handler runs:
// headers, their size and idle connections; the handlers bound each body.
func TestHTTPServerTimeouts(t *testing.T) {
	srv := newHTTPServer(":0", http.NotFoundHandler())
	if srv.ReadHeaderTimeout <= 0 || srv.ReadHeaderTimeout > 10*time.Second || srv.IdleTimeout <= 0 || srv.IdleTimeout > 2*time.Minute ||
		srv.MaxHeaderBytes <= 0 || srv.MaxHeaderBytes > 1<<20 || srv.ReadTimeout <= 0 || srv.WriteTimeout <= 0 {
		t.Fatalf("timeouts: header %v idle %v read %v write %v, header bytes %d", srv.ReadHeaderTimeout, srv.IdleTimeout, srv.ReadTimeout,
			srv.WriteTimeout, srv.MaxHeaderBytes)
	}
}

// TestGenerateFillsAnEmptyDatabaseOnce: portal generate writes the seed
// scale into a fresh data directory, and refuses a second time.
func TestGenerateFillsAnEmptyDatabaseOnce(t *testing.T) {
	dir := t.TempDir()
	getenv := env(map[string]string{"PORTAL_DATA_DIR": dir, "PORTAL_ADMIN_PASSWORD": "generated-pass-1"})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := run([]string{"generate", "--scale", "seed", "--seed", "5"}, getenv, log); err != nil {
		t.Fatal(err)
	}
	err := run([]string{"generate", "--scale", "seed"}, getenv, log)
	if err == nil || !strings.Contains(err.Error(), "already holds") {
		t.Fatalf("a second generation: %v", err)
	}
	if err := run([]string{"generate", "--scale", "county"}, env(map[string]string{"PORTAL_DATA_DIR": t.TempDir(), "PORTAL_ADMIN_PASSWORD": "generated-pass-1"}), log); err == nil {
		t.Fatal("an unknown scale was accepted")
	}
}
