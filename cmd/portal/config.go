package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"portal/jobs"
	"portal/models"
	"portal/models/blob"
)

// config is read from the environment first, then flags override it, and
// it is validated before anything starts.
type config struct {
	Addr            string
	DatabaseURL     string
	DataDir         string
	S3URL           string // PORTAL_S3_URL: uploaded files in an object store, not under DataDir
	AdminPassword   string
	MinBidPeriod    *time.Duration
	ChallengePeriod *time.Duration
	FailBar         *time.Duration // how long a failed final evaluation bars bidding
	TrustedProxies  []string
	Demo            bool
	// Report schedule and reminders (docs/report-schedule.md).
	ReportDueDays      int
	ReminderDaysBefore []int
	ReminderDaysAfter  []int
	SMTPURL            string
	SMTPFrom           string
	OCDSPrefix         string // the ocid prefix of the open data feed
	DBMaxConns         int    // the database pool's size (0: the database's default)
	ReadDatabaseURL    string // PORTAL_READ_DATABASE_URL: a replica for the reads that may lag
	// MemoryLimitMiB is the Go runtime's soft memory limit (0: none; -1:
	// the database's default, memoryLimit); GOMEMLIMIT, when set, is the
	// runtime's own and wins.
	MemoryLimitMiB int64
}

// The default soft memory limits keep a portal under load within about
// 150 MiB of resident memory: the collector runs sooner as the heap nears
// the limit, instead of letting it grow to twice what is live (serving
// needs about 40 MiB live). On SQLite the database's own memory (its page
// caches and statements, outside the Go heap) is in the process too, so
// the heap gets less; a tighter limit costs collections (on PostgreSQL, 80
// MiB served a tender 14% slower than no limit).
const (
	DefaultMemoryLimitSQLiteMiB   = 80
	DefaultMemoryLimitPostgresMiB = 112
)

// memoryLimit is the soft limit in MiB for the database (0: none).
func (c config) memoryLimit(d models.Dialect) int64 {
	switch {
	case c.MemoryLimitMiB >= 0:
		return c.MemoryLimitMiB
	case d == models.Postgres:
		return DefaultMemoryLimitPostgresMiB
	default:
		return DefaultMemoryLimitSQLiteMiB
	}
}

func configFromEnv(getenv func(string) string) (config, error) {
	c := config{
		Addr:          getenv("PORTAL_ADDR"),
		DatabaseURL:   getenv("PORTAL_DATABASE_URL"),
		DataDir:       getenv("PORTAL_DATA_DIR"),
		AdminPassword: getenv("PORTAL_ADMIN_PASSWORD"),
		S3URL:         strings.TrimSpace(getenv("PORTAL_S3_URL")),
	}
	if c.Addr == "" {
		c.Addr = ":8080"
	}
	if c.DataDir == "" {
		c.DataDir = "./data"
	}
	c.OCDSPrefix = models.DefaultOCDSPrefix
	if v := strings.TrimSpace(getenv("PORTAL_OCDS_PREFIX")); v != "" {
		if !models.ValidOCDSPrefix(v) {
			return c, fmt.Errorf("PORTAL_OCDS_PREFIX: %q is not 1 to 20 lower-case letters and digits (the prefix registered with the OCDS helpdesk)", v)
		}
		c.OCDSPrefix = v
	}
	if v := strings.TrimSpace(getenv("PORTAL_DB_MAX_CONNS")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return c, fmt.Errorf("PORTAL_DB_MAX_CONNS: %q is not a number of connections from 1 to 1000", v)
		}
		c.DBMaxConns = n
	}
	c.MemoryLimitMiB = -1
	if v := strings.TrimSpace(getenv("PORTAL_MEMORY_LIMIT")); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 || n > 1<<20 {
			return c, fmt.Errorf("PORTAL_MEMORY_LIMIT: %q is not a number of MiB from 0 (no limit) to 1048576", v)
		}
		c.MemoryLimitMiB = n
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		return c, fmt.Errorf("PORTAL_DATABASE_URL must be a postgres:// URL (or empty for SQLite)")
	}
	if c.ReadDatabaseURL = strings.TrimSpace(getenv("PORTAL_READ_DATABASE_URL")); c.ReadDatabaseURL != "" {
		if c.DatabaseURL == "" || !strings.HasPrefix(c.ReadDatabaseURL, "postgres://") && !strings.HasPrefix(c.ReadDatabaseURL, "postgresql://") {
			return c, fmt.Errorf("PORTAL_READ_DATABASE_URL must be a postgres:// URL of a replica of PORTAL_DATABASE_URL")
		}
	}
	if c.S3URL != "" {
		if _, err := blob.ParseS3URL(c.S3URL); err != nil {
			return c, err
		}
	}
	for _, d := range []struct {
		name string
		dst  **time.Duration
	}{{"PORTAL_MIN_BID_PERIOD", &c.MinBidPeriod}, {"PORTAL_CHALLENGE_PERIOD", &c.ChallengePeriod}, {"PORTAL_FAIL_BAR", &c.FailBar}} {
		if v := getenv(d.name); v != "" {
			dur, err := time.ParseDuration(v)
			if err != nil || dur < 0 {
				return c, fmt.Errorf("%s: %q is not a non-negative Go duration such as 0s or 72h", d.name, v)
			}
			*d.dst = &dur
		}
	}
	if v := getenv("PORTAL_TRUSTED_PROXIES"); v != "" {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				c.TrustedProxies = append(c.TrustedProxies, p)
			}
		}
	}
	if v := getenv("PORTAL_REPORT_DUE_DAYS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 90 {
			return c, fmt.Errorf("PORTAL_REPORT_DUE_DAYS: %q is not a number of days from 1 to 90", v)
		}
		c.ReportDueDays = n
	}
	for _, d := range []struct {
		name string
		dst  *[]int
	}{{"PORTAL_REMINDER_DAYS_BEFORE", &c.ReminderDaysBefore}, {"PORTAL_REMINDER_DAYS_AFTER", &c.ReminderDaysAfter}} {
		v, ok := lookup(getenv, d.name)
		if !ok {
			continue
		}
		days, err := dayList(v)
		if err != nil {
			return c, fmt.Errorf("%s: %w", d.name, err)
		}
		*d.dst = days
	}
	c.SMTPURL, c.SMTPFrom = getenv("PORTAL_SMTP_URL"), getenv("PORTAL_SMTP_FROM")
	if c.SMTPURL != "" {
		if _, err := jobs.NewMailer(c.SMTPURL, c.SMTPFrom); err != nil {
			return c, err
		}
	}
	return c, nil
}

// lookup tells an unset variable from one set empty: an empty reminder
// list switches those reminders off, an unset one keeps the defaults. The
// environment's getenv cannot tell them apart, so "none" also means empty.
func lookup(getenv func(string) string, name string) (string, bool) {
	v := strings.TrimSpace(getenv(name))
	if v == "" {
		return "", false
	}
	if v == "none" {
		return "", true
	}
	return v, true
}

// dayList parses "1,3,7": distinct whole days from 1 to 90.
func dayList(v string) ([]int, error) {
	days := []int{}
	if v == "" {
		return days, nil
	}
	seen := map[int]bool{}
	for _, p := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 1 || n > 90 || seen[n] {
			return nil, fmt.Errorf("%q is not a list of distinct days from 1 to 90 such as 1,3,7 (or none)", v)
		}
		seen[n] = true
		days = append(days, n)
	}
	return days, nil
}

func usage() {
	fmt.Fprint(os.Stderr, `usage: portal [serve|migrate] [--demo] [--addr :8080]
       portal generate --scale seed|guangxi [--seed N] [--year 2019] [--reports N] [--tenders N] [--organisations N]
       portal copy-files

  serve    (default) migrate the database, then serve the portal
  migrate  apply pending migrations and exit
  generate fill an empty database with a generated province (README.md)
  copy-files copy <data dir>/files into the object store of PORTAL_S3_URL

Settings come from the environment: PORTAL_ADDR, PORTAL_DATABASE_URL,
PORTAL_DATA_DIR, PORTAL_ADMIN_PASSWORD, PORTAL_MIN_BID_PERIOD,
PORTAL_CHALLENGE_PERIOD, PORTAL_FAIL_BAR, PORTAL_TRUSTED_PROXIES, PORTAL_REPORT_DUE_DAYS,
PORTAL_REMINDER_DAYS_BEFORE, PORTAL_REMINDER_DAYS_AFTER, PORTAL_SMTP_URL,
PORTAL_SMTP_FROM, PORTAL_OCDS_PREFIX, PORTAL_S3_URL, PORTAL_DB_MAX_CONNS, PORTAL_READ_DATABASE_URL,
PORTAL_MEMORY_LIMIT (see README.md).
`)
}
