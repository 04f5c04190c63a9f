// Command portal serves the social-services procurement portal.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"syscall"
	"time"

	"portal/handlers"
	"portal/jobs"
	"portal/migrations"
	"portal/models"
	"portal/models/blob"
	"portal/policy"
	"portal/templates"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	if err := run(os.Args[1:], os.Getenv, log); err != nil {
		log.Error("portal stopped", "err", err)
		os.Exit(1)
	}
}

// newHTTPServer bounds what a slow client can hold: the headers must come
// within 5 s, an idle keep-alive connection is closed after a minute, and
// the handlers set each request's body read deadline per route (short for
// forms and JSON, longer but bounded for uploads: handlers.Config), which
// replaces the ReadTimeout and WriteTimeout set here as outer bounds.
func newHTTPServer(addr string, h http.Handler) *http.Server {
	return &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: time.Minute,
		WriteTimeout: 2 * time.Minute, IdleTimeout: time.Minute, MaxHeaderBytes: 64 << 10}
}

func run(args []string, getenv func(string) string, log *slog.Logger) error {
	cmd := "serve"
	if len(args) > 0 && (args[0] == "serve" || args[0] == "migrate") {
		cmd, args = args[0], args[1:]
	}
	cfg, err := configFromEnv(getenv)
	if err != nil {
		return err
	}
	if len(args) > 0 && args[0] == "copy-files" {
		return copyFiles(context.Background(), cfg, os.Stdout)
	}
	if len(args) > 0 && args[0] == "generate" {
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
		defer stop()
		return generate(ctx, args[1:], cfg, getenv)
	}
	fs := flag.NewFlagSet("portal", flag.ContinueOnError)
	fs.Usage = usage
	fs.BoolVar(&cfg.Demo, "demo", false, "fill an empty database with demo data")
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "listen address")
	if err := fs.Parse(args); err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	db, dialect, err := models.OpenDBPool(cfg.DatabaseURL, cfg.DataDir, cfg.DBMaxConns)
	if err != nil {
		return err
	}
	if limit := cfg.memoryLimit(dialect); getenv("GOMEMLIMIT") == "" && limit > 0 {
		debug.SetMemoryLimit(limit << 20)
	}
	if err := migrations.Apply(ctx, db, dialect); err != nil {
		return err
	}
	log.Info("database ready", "dialect", dialect, "schema_version", migrations.Latest())
	if cmd == "migrate" {
		return nil
	}

	authz, err := policy.New(db)
	if err != nil {
		return err
	}
	store := models.NewStore(db, dialect, authz)
	// Other processes' policy changes and sign-outs reach this one at once
	// on PostgreSQL (the listener stops with ctx); policy changes within a
	// second anyway, and sessions are remembered only while it listens.
	listener := models.NewListener(db)
	listener.On(policy.Channel, authz.Notified)
	store.CacheSessions(listener)
	go listener.Run(ctx, log)
	if cfg.ReadDatabaseURL != "" {
		// The public statistics and open data may lag a little: a
		// replica answers them (README: several processes).
		if store.ReadDB, _, err = models.OpenDBPool(cfg.ReadDatabaseURL, "", cfg.DBMaxConns); err != nil {
			return err
		}
	}
	store.Settings.MinBidPeriod = cfg.MinBidPeriod
	store.Settings.ChallengePeriod = cfg.ChallengePeriod
	store.Settings.ReportDueDays = cfg.ReportDueDays
	store.Settings.OCDSPrefix = cfg.OCDSPrefix
	store.Settings.ReminderDaysBefore = cfg.ReminderDaysBefore
	store.Settings.ReminderDaysAfter = cfg.ReminderDaysAfter
	if cfg.FailBar != nil {
		store.Settings.FailBar = *cfg.FailBar
	}
	if store.Files, err = openFiles(ctx, cfg); err != nil {
		return err
	}
	key, err := models.LoadSealKey(getenv("PORTAL_SEAL_KEY"), cfg.DataDir)
	if err != nil {
		return err
	}
	if store.Sealer, err = models.NewSealer(key); err != nil {
		return err
	}

	if pw, err := store.EnsureAdmin(ctx, cfg.AdminPassword); err != nil {
		return err
	} else if pw != "" && cfg.AdminPassword == "" {
		// Printed once, on the first start of an empty database.
		fmt.Fprintf(os.Stderr, "\nCreated user admin with password: %s\n\n", pw)
	}
	if cfg.Demo {
		if err := seedDemo(ctx, store); err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
		log.Info("demo data ready")
	}

	h, err := handlers.New(store, authz, log, handlers.Config{TrustedProxies: cfg.TrustedProxies})
	if err != nil {
		return err
	}
	runner, err := startJobs(ctx, store, cfg, log)
	if err != nil {
		return err
	}
	srv := newHTTPServer(cfg.Addr, h)
	// Bind before saying so: "listening" means requests are taken, and an
	// address in use fails here rather than after the log line.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		stopCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		return errors.Join(err, runner.Stop(stopCtx))
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("listening", "addr", cfg.Addr)
	select {
	case err := <-errc:
		stopCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		return errors.Join(err, runner.Stop(stopCtx))
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	// Running jobs finish (a mail being sent) before the process ends; one
	// cut short is retried by another process.
	return runner.Stop(shutdownCtx)
}

// startJobs starts this process's River client of the time-driven jobs.
func startJobs(ctx context.Context, store *models.Store, cfg config, log *slog.Logger) (*jobs.Runner, error) {
	jc := jobs.Config{Logger: log}
	if cfg.SMTPURL != "" {
		m, err := jobs.NewMailer(cfg.SMTPURL, cfg.SMTPFrom)
		if err != nil {
			return nil, err
		}
		msgs, err := handlers.LoadCatalogue(templates.FS)
		if err != nil {
			return nil, err
		}
		jc.Mailer, jc.T = m, msgs.T
	}
	runner, err := jobs.New(store, jc)
	if err != nil {
		return nil, err
	}
	// The client's own context is not ctx: the signal stops the HTTP server
	// first, then Stop lets running jobs finish.
	if err := runner.Start(context.WithoutCancel(ctx)); err != nil {
		return nil, err
	}
	log.Info("jobs started", "mail", jc.Mailer != nil)
	return runner, nil
}

// openFiles is where uploaded files live: the object store PORTAL_S3_URL
// names (its bucket checked now, so a wrong setting stops the start), else
// <data dir>/files.
func openFiles(ctx context.Context, cfg config) (blob.Store, error) {
	if cfg.S3URL == "" {
		return blob.NewDir(filepath.Join(cfg.DataDir, "files")), nil
	}
	s3, err := blob.ParseS3URL(cfg.S3URL)
	if err != nil {
		return nil, err
	}
	checkCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := s3.Check(checkCtx); err != nil {
		return nil, err
	}
	return s3, nil
}
