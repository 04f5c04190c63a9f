// Package testdb gives each test its own freshly migrated database: SQLite
// by default, or PostgreSQL when PORTAL_TEST_DATABASE_URL is set (a new
// database is created for the test run and dropped at its end).
package testdb

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"portal/migrations"
	"portal/models"
	"portal/models/blob"
	"portal/policy"

	"gorm.io/gorm"
)

// Main runs a package's tests and drops the migrated template database
// afterwards. Call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	tpl.cleanup()
	os.Exit(code)
}

// template holds the once-migrated database that each test copies. It is
// per test binary, built on first use.
type template struct {
	once    sync.Once
	err     error
	sqlite  string // path of the migrated SQLite file
	dir     string
	pgBase  *url.URL
	pgName  string
	dropAll []string
	mu      sync.Mutex
}

var tpl = &template{}

func (t *template) build() {
	t.once.Do(func() {
		raw := os.Getenv("PORTAL_TEST_DATABASE_URL")
		ctx := context.Background()
		if raw == "" {
			t.dir, t.err = os.MkdirTemp("", "portal-test-")
			if t.err != nil {
				return
			}
			t.sqlite = filepath.Join(t.dir, "template.db")
			db, d, err := models.OpenSQLite(t.sqlite)
			if err != nil {
				t.err = err
				return
			}
			t.err = migrations.Apply(ctx, db, d)
			if t.err == nil {
				t.err = db.Exec("PRAGMA wal_checkpoint(TRUNCATE)").Error
			}
			sqlDB, _ := db.DB()
			sqlDB.Close()
			return
		}
		t.pgBase, t.err = url.Parse(raw)
		if t.err != nil {
			return
		}
		t.pgName = fmt.Sprintf("portal_tpl_%d_%d", os.Getpid(), time.Now().UnixNano()%1e6)
		if t.err = t.adminExec("CREATE DATABASE " + t.pgName); t.err != nil {
			return
		}
		t.dropAll = append(t.dropAll, t.pgName)
		db, d, err := models.OpenDB(t.pgURL(t.pgName), "")
		if err != nil {
			t.err = err
			return
		}
		t.err = migrations.Apply(ctx, db, d)
		sqlDB, _ := db.DB()
		sqlDB.Close()
	})
}

func (t *template) pgURL(name string) string {
	u := *t.pgBase
	u.Path = "/" + name
	return u.String()
}

// adminExec runs a statement on the server's maintenance connection.
func (t *template) adminExec(sql string) error {
	db, _, err := models.OpenDB(t.pgURL(strings.TrimPrefix(t.pgBase.Path, "/")), "")
	if err != nil {
		return err
	}
	defer func() {
		sqlDB, _ := db.DB()
		sqlDB.Close()
	}()
	return db.Exec(sql).Error
}

func (t *template) cleanup() {
	if t.dir != "" {
		os.RemoveAll(t.dir)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := len(t.dropAll) - 1; i >= 0; i-- {
		_ = t.adminExec("DROP DATABASE IF EXISTS " + t.dropAll[i] + " WITH (FORCE)")
	}
}

var counter struct {
	sync.Mutex
	n int
}

// Open returns a fresh, migrated database for one test.
func Open(t testing.TB) (*gorm.DB, models.Dialect) {
	t.Helper()
	tpl.build()
	if tpl.err != nil {
		t.Fatalf("test database template: %v", tpl.err)
	}
	counter.Lock()
	counter.n++
	n := counter.n
	counter.Unlock()
	var db *gorm.DB
	var d models.Dialect
	var err error
	if tpl.sqlite != "" {
		path := filepath.Join(t.TempDir(), "portal.db")
		if err := copyFile(tpl.sqlite, path); err != nil {
			t.Fatal(err)
		}
		db, d, err = models.OpenSQLite(path)
	} else {
		name := fmt.Sprintf("%s_%d", tpl.pgName, n)
		if err := tpl.adminExec("CREATE DATABASE " + name + " TEMPLATE " + tpl.pgName); err != nil {
			t.Fatalf("create test database: %v", err)
		}
		tpl.mu.Lock()
		tpl.dropAll = append(tpl.dropAll, name)
		tpl.mu.Unlock()
		db, d, err = models.OpenDB(tpl.pgURL(name), "")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sqlDB, _ := db.DB()
		sqlDB.Close()
	})
	return db, d
}

// Store returns a Store on a fresh database with its casbin enforcer.
func Store(t testing.TB) (*models.Store, *policy.Enforcer) {
	t.Helper()
	db, d := Open(t)
	en, err := policy.New(db)
	if err != nil {
		t.Fatal(err)
	}
	s := models.NewStore(db, d, en)
	s.Files = blob.NewDir(filepath.Join(t.TempDir(), "files"))
	s.Sealer = models.RandomSealer()
	return s, en
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// RuntimeGrants are the privileges of the portal's runtime role on a
// database migrated by its owner, as the README's deployment notes give
// them: DML on every table except audit_events, which it may only read and
// append to.
func RuntimeGrants(role, database string) []string {
	return []string{
		"GRANT CONNECT ON DATABASE " + database + " TO " + role,
		"GRANT USAGE ON SCHEMA public TO " + role,
		"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO " + role,
		"REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM " + role,
		"REVOKE UPDATE, DELETE, TRUNCATE ON ocds_releases FROM " + role,
		"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO " + role,
	}
}

// RuntimeRole creates a PostgreSQL login role with RuntimeGrants on the
// database of owner (a connection from Open) and returns a connection of
// that role to it. The role has a name of its own and is dropped when the
// test ends. On SQLite, which has no roles, the test is skipped.
func RuntimeRole(t testing.TB, owner *gorm.DB) *gorm.DB {
	t.Helper()
	if owner.Dialector.Name() != "postgres" {
		t.Skip("database roles exist on PostgreSQL only")
	}
	var database string
	if err := owner.Raw("SELECT current_database()").Scan(&database).Error; err != nil {
		t.Fatal(err)
	}
	counter.Lock()
	counter.n++
	role := fmt.Sprintf("portal_rt_%d_%d", os.Getpid(), counter.n)
	counter.Unlock()
	password := models.RandomToken(16)
	if err := owner.Exec("CREATE ROLE " + role + " LOGIN PASSWORD '" + password + "'").Error; err != nil {
		t.Fatalf("create runtime role: %v", err)
	}
	t.Cleanup(func() {
		// Its privileges first (they are objects of this database), then
		// the role, which belongs to the whole server.
		if err := owner.Exec("DROP OWNED BY " + role).Error; err != nil {
			t.Errorf("drop runtime role's privileges: %v", err)
		}
		if err := owner.Exec("DROP ROLE " + role).Error; err != nil {
			t.Errorf("drop runtime role: %v", err)
		}
	})
	for _, stmt := range RuntimeGrants(role, database) {
		if err := owner.Exec(stmt).Error; err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	u := *tpl.pgBase
	u.User = url.UserPassword(role, password)
	u.Path = "/" + database
	db, _, err := models.OpenDB(u.String(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sqlDB, _ := db.DB()
		sqlDB.Close()
	})
	return db
}
