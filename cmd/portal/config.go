package main

import (
	"fmt"
	"os"
	"strings"
	"time"
)

// config is read from the environment first, then flags override it, and
// it is validated before anything starts.
type config struct {
	Addr            string
	DatabaseURL     string
	DataDir         string
	AdminPassword   string
	MinBidPeriod    *time.Duration
	ChallengePeriod *time.Duration
	FailBar         *time.Duration // how long a failed final evaluation bars bidding
	TrustedProxies  []string
	Demo            bool
}

func configFromEnv(getenv func(string) string) (config, error) {
	c := config{
		Addr:          getenv("PORTAL_ADDR"),
		DatabaseURL:   getenv("PORTAL_DATABASE_URL"),
		DataDir:       getenv("PORTAL_DATA_DIR"),
		AdminPassword: getenv("PORTAL_ADMIN_PASSWORD"),
	}
	if c.Addr == "" {
		c.Addr = ":8080"
	}
	if c.DataDir == "" {
		c.DataDir = "./data"
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		return c, fmt.Errorf("PORTAL_DATABASE_URL must be a postgres:// URL (or empty for SQLite)")
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
	return c, nil
}

func usage() {
	fmt.Fprint(os.Stderr, `usage: portal [serve|migrate] [--demo] [--addr :8080]

  serve    (default) migrate the database, then serve the portal
  migrate  apply pending migrations and exit

Settings come from the environment: PORTAL_ADDR, PORTAL_DATABASE_URL,
PORTAL_DATA_DIR, PORTAL_ADMIN_PASSWORD, PORTAL_MIN_BID_PERIOD,
PORTAL_CHALLENGE_PERIOD, PORTAL_FAIL_BAR, PORTAL_TRUSTED_PROXIES (see README.md).
`)
}
