// Package models owns the portal's data, its lifecycles and its rules. Every
// state change goes through a Store method that checks the caller (an Actor)
// against its role, region and ownership, and records an audit event in the
// same transaction.
package models

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"portal/models/blob"

	"github.com/go-playground/validator/v10"
	"github.com/libtnb/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/logger"
)

// Dialect names the database behind a Store.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Pool sizes: the most connections a process holds open, all of them kept
// idle between requests (idle = open), so that under load no connection is
// opened or closed per request and the memory they hold stays bounded.
// SQLite has one writer at a time and its readers run in the process, on
// its cores: connections past about twice the cores add memory (each its
// page cache and prepared statements) and no throughput (2 cores, 200,000
// tenders: 4 or 8 serve the same requests/s, peak RSS 146 or 187 MiB).
const (
	DefaultPostgresConns = 16
	DefaultSQLiteConns   = 4
)

// OpenDB opens PostgreSQL when url is a postgres:// URL, else the embedded
// SQLite file portal.db under dataDir, with the default pool size.
func OpenDB(url, dataDir string) (*gorm.DB, Dialect, error) {
	return OpenDBPool(url, dataDir, 0)
}

// OpenDBPool is OpenDB with at most maxConns connections (0: the default
// of the database, DefaultPostgresConns or DefaultSQLiteConns).
func OpenDBPool(url, dataDir string, maxConns int) (*gorm.DB, Dialect, error) {
	cfg := gormConfig()
	if strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://") {
		db, err := gorm.Open(postgres.Open(url), cfg)
		if err != nil {
			return nil, "", fmt.Errorf("open postgres: %w", err)
		}
		db.ClauseBuilders["LIMIT"] = literalLimit
		if err := boundPool(db, maxConns, DefaultPostgresConns); err != nil {
			return nil, "", err
		}
		return db, Postgres, nil
	}
	if url != "" {
		return nil, "", fmt.Errorf("PORTAL_DATABASE_URL must start with postgres://")
	}
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return nil, "", fmt.Errorf("create data dir: %w", err)
	}
	return openSQLite(filepath.Join(dataDir, "portal.db"), maxConns)
}

// literalLimit writes LIMIT and OFFSET as numbers, as gorm's SQLite
// dialect does, where its PostgreSQL dialect binds them. pgx keeps each
// statement prepared, and after five runs PostgreSQL may plan it once for
// any parameters: with the limit a parameter that plan cannot know a count
// stops at 10,001 rows or a page at 50 (a region's capped count became a
// sequential scan, 6.7 ms instead of 0.9). They are integers the code
// computes, never text from a request.
func literalLimit(c clause.Clause, builder clause.Builder) {
	limit, ok := c.Expression.(clause.Limit)
	if !ok {
		c.Build(builder)
		return
	}
	if limit.Limit != nil && *limit.Limit >= 0 {
		_, _ = builder.WriteString("LIMIT " + strconv.Itoa(*limit.Limit))
	}
	if limit.Offset > 0 {
		if limit.Limit != nil && *limit.Limit >= 0 {
			_ = builder.WriteByte(' ')
		}
		_, _ = builder.WriteString("OFFSET " + strconv.Itoa(limit.Offset))
	}
}

// boundPool keeps at most n connections (0: byDefault), all of them idle between
// requests (database/sql keeps only 2 idle by default, so a busy portal
// would open a connection for most requests); one idle for 5 minutes is
// closed, so a quiet portal gives them back.
func boundPool(db *gorm.DB, n, byDefault int) error {
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	if n <= 0 {
		n = byDefault
	}
	sqlDB.SetMaxOpenConns(n)
	sqlDB.SetMaxIdleConns(n)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	return nil
}

// gormConfig is the same on both databases: quiet, typed errors, and
// timestamps gorm fills itself in UTC to the microsecond, as both store them.
func gormConfig() *gorm.Config {
	return &gorm.Config{Logger: logger.Discard, TranslateError: true,
		NowFunc: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// sqlitePreparedStatements bounds the statements kept prepared on SQLite
// (the least recently used go first): the hot reads are a few dozen, and
// each kept statement holds memory on every connection.
const sqlitePreparedStatements = 100

// OpenSQLite opens (creating) an SQLite file with WAL, foreign keys and a
// busy timeout, so concurrent writers wait instead of failing, and a pool
// of DefaultSQLiteConns connections.
func OpenSQLite(path string) (*gorm.DB, Dialect, error) { return openSQLite(path, 0) }

// SQLiteDSN is the data source of the SQLite file at path: foreign keys,
// WAL, a 10 s busy timeout, write transactions that take the lock when they
// begin; and text and integers given back as they are stored unless the
// column is declared a time (the driver's default since it became
// modernc.org/sqlite would try every text without a declared type, union
// columns too, as a time).
func SQLiteDSN(path string) string {
	return "file:" + path + "?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)" +
		"&_txlock=immediate&_texttotime=0&_inttotime=0"
}

func openSQLite(path string, maxConns int) (*gorm.DB, Dialect, error) {
	cfg := gormConfig()
	// SQLite parses every statement it is given afresh (half of a tender's
	// page went to the parser): the most used ones stay prepared, on each
	// connection that ran them. PostgreSQL's driver (pgx) already keeps
	// its statements prepared per connection.
	cfg.PrepareStmt, cfg.PrepareStmtMaxSize, cfg.PrepareStmtTTL = true, sqlitePreparedStatements, 10*time.Minute
	db, err := gorm.Open(sqlite.Open(SQLiteDSN(path)), cfg)
	if err != nil {
		return nil, "", fmt.Errorf("open sqlite: %w", err)
	}
	if err := boundPool(db, maxConns, DefaultSQLiteConns); err != nil {
		return nil, "", err
	}
	return db, SQLite, nil
}

// Settings are the rules' tunable numbers.
type Settings struct {
	SessionIdle       time.Duration
	SessionAbsolute   time.Duration
	ThrottleWindow    time.Duration
	MaxFailuresUser   int
	MaxFailuresAddr   int
	MinBidPeriod      *time.Duration // nil: each method's legal minimum
	ChallengePeriod   *time.Duration // nil: 7 working days
	SessionTouchEvery time.Duration
	// SessionCacheTTL is how long a session read is answered from memory
	// while the Listener is connected (session_cache.go).
	SessionCacheTTL time.Duration
	// MaxMoneyFen bounds every amount in fen and every sum of amounts (a
	// tender's budget, a bid's price, a guide price), far above any real
	// project, so no sum overflows and no typing error passes.
	MaxMoneyFen int64
	// MaxRegistrationsAddr bounds registrations per address and window, so
	// that "username taken" answers cannot list the users.
	MaxRegistrationsAddr int
	// ReportDueDays: a service report is due this many calendar days after
	// its period ends (0: DefaultReportDueDays).
	ReportDueDays int
	// ReminderDaysBefore and ReminderDaysAfter: days before and after a
	// report's due date on which its organisation is reminded, while the
	// report is not submitted (nil: the defaults, see reminder.go).
	ReminderDaysBefore []int
	ReminderDaysAfter  []int
	// ReminderBatch: contracts read at a time by the reminders' run (0:
	// DefaultReminderBatch).
	ReminderBatch int
	// RectificationDays is how long a rectification a failing evaluation
	// opens by itself gives the organisation (0: 30 days).
	RectificationDays int
	// FailBar is how long a failed final phase bars the organisation from
	// bidding in the contract's region (0: one year).
	FailBar time.Duration
	// OCDSPrefix is the publisher's prefix in every ocid of the open data
	// feed (ocds-<prefix>-<tender code>), registered with the OCDS helpdesk.
	OCDSPrefix string
}

// DefaultOCDSPrefix stands in for a registered prefix.
const DefaultOCDSPrefix = "portal"

// ValidOCDSPrefix reports whether p can be an ocid prefix: 1 to 20 lower
// case letters and digits (registered prefixes are 6).
func ValidOCDSPrefix(p string) bool {
	if p == "" || len(p) > 20 {
		return false
	}
	for _, r := range p {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// DefaultMaxMoneyFen is 10 billion yuan (100亿元).
const DefaultMaxMoneyFen = 1_000_000_000_000

// DefaultSettings are the production values.
func DefaultSettings() Settings {
	return Settings{
		SessionIdle:          2 * time.Hour,
		SessionAbsolute:      12 * time.Hour,
		ThrottleWindow:       15 * time.Minute,
		MaxFailuresUser:      5,
		MaxFailuresAddr:      20,
		SessionTouchEvery:    time.Minute,
		SessionCacheTTL:      DefaultSessionCacheTTL,
		MaxMoneyFen:          DefaultMaxMoneyFen,
		MaxRegistrationsAddr: 10,
		OCDSPrefix:           DefaultOCDSPrefix,
	}
}

// Store carries every dependency of the model layer; nothing is global.
type Store struct {
	DB       *gorm.DB
	Dialect  Dialect
	Authz    Authorizer
	Validate *validator.Validate
	Now      func() time.Time
	Settings Settings
	Files    blob.Store // uploaded files by their SHA-256; set by the caller
	Sealer   *Sealer    // encrypts sealed bids; set by the caller
	// ReadDB, when set, answers the reads that may lag the primary (the
	// public statistics and the open-data feed): a read replica
	// (PORTAL_READ_DATABASE_URL). Nil: DB answers them.
	ReadDB *gorm.DB
	// snapshot marks a page's read view (see read): its queries run in a
	// read-only snapshot and lock no row.
	snapshot bool
	// regions caches the regions, which never change once migrated
	// (region_cache.go); itemCache the published catalogue items, which never
	// change once published (catalogue_cache.go). Shared by the store's
	// copies (its read views); nil: every read asks the database.
	regions   *regionCache
	itemCache *itemCache
	// capped remembers the lists whose count passed CountCap
	// (count_cache.go); nil: every list counts.
	capped *cappedCounts
	// statsSlots bounds the statistics worked out at once (Stats); nil:
	// no bound.
	statsSlots chan struct{}
	// sessions remembers the sessions just read (session_cache.go).
	sessions *sessionCache
}

// NewStore builds a Store with the real clock and default settings.
func NewStore(db *gorm.DB, dialect Dialect, authz Authorizer) *Store {
	return &Store{DB: db, Dialect: dialect, Authz: authz, Validate: NewValidator(), Now: time.Now, Settings: DefaultSettings(),
		regions: &regionCache{}, itemCache: &itemCache{}, capped: &cappedCounts{}, statsSlots: make(chan struct{}, runtime.GOMAXPROCS(0)),
		sessions: &sessionCache{}}
}

func (s *Store) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// tx runs fn in one transaction bound to ctx. Every write of client input
// goes through it, so a request whose input the edge refused writes nothing.
// The open data releases fn's audit events noted are written at its end,
// in the same transaction (ocds_feed.go).
func (s *Store) tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	if err := refusedInput(ctx); err != nil {
		return err
	}
	ctx, pending := withReleases(ctx)
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := fn(tx); err != nil {
			return err
		}
		return s.flushReleases(tx, pending)
	})
}

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.DB.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// notFound turns gorm's record-not-found into the portal's 404.
func notFound(err error, what string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Fail(ErrNotFound, "err.not_found", what+" not found")
	}
	return err
}

// isDuplicate reports a unique-constraint violation on either database.
func isDuplicate(err error) bool {
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "UNIQUE constraint failed") || strings.Contains(msg, "duplicate key value")
}
