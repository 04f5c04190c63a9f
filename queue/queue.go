// Package queue connects the portal's database to River, the job queue that
// runs the portal's time-driven work (report reminders, their mail) once
// across any number of portal processes. It only picks River's driver for
// the dialect and creates River's tables; the jobs themselves live in
// package jobs.
package queue

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"

	"portal/models"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"gorm.io/gorm"
)

// RiverSchemaVersion is River's own migration version the portal's schema
// step 19 creates. Upgrading River to a release with newer migrations needs
// a new portal migration step that migrates River to that version, so the
// tables stay owned by the migration role and granted to the runtime role.
const RiverSchemaVersion = 8

// Driver is River's driver for the dialect over the database/sql pool gorm
// uses: riverdatabasesql for PostgreSQL (gorm talks to it through pgx's
// database/sql adapter), riversqlite for the embedded SQLite file. Both take
// *sql.Tx, so a job is enqueued in the transaction of the change that
// causes it. pool may be nil when only transactions are used.
func Driver(pool *sql.DB, d models.Dialect) riverdriver.Driver[*sql.Tx] {
	if d == models.Postgres {
		return riverdatabasesql.New(pool)
	}
	return riversqlite.New(pool)
}

// SQLTx is the database/sql transaction under a gorm transaction (also
// where gorm keeps statements prepared, as it does on SQLite).
func SQLTx(tx *gorm.DB) (*sql.Tx, error) {
	pool := tx.Statement.ConnPool
	if p, ok := pool.(*gorm.PreparedStmtTX); ok {
		pool = p.Tx
	}
	t, ok := pool.(*sql.Tx)
	if !ok {
		return nil, fmt.Errorf("queue: not in a database/sql transaction (%T)", tx.Statement.ConnPool)
	}
	return t, nil
}

// Migrate creates River's tables up to RiverSchemaVersion. On SQLite it
// runs inside tx, the portal's migration step's own transaction. PostgreSQL
// refuses a new enum value in the transaction that adds it, which River's
// migration 6 does and uses, so there River migrates in its own
// transactions on another connection of the pool, while tx holds the lock
// that keeps other portal processes from migrating at the same time; River
// records its versions, so a step retried after a failure does only what
// is left.
func Migrate(ctx context.Context, tx *gorm.DB, d models.Dialect) error {
	quiet := &rivermigrate.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	opts := &rivermigrate.MigrateOpts{TargetVersion: RiverSchemaVersion}
	if d == models.Postgres {
		pool, ok := tx.Config.ConnPool.(*sql.DB)
		if !ok {
			return fmt.Errorf("queue: no database/sql pool (%T)", tx.Config.ConnPool)
		}
		m, err := rivermigrate.New(Driver(pool, d), quiet)
		if err != nil {
			return err
		}
		_, err = m.Migrate(ctx, rivermigrate.DirectionUp, opts)
		return err
	}
	sqlTx, err := SQLTx(tx)
	if err != nil {
		return err
	}
	m, err := rivermigrate.New(Driver(nil, d), quiet)
	if err != nil {
		return err
	}
	// Deprecated for PostgreSQL's sake (see above); SQLite takes every
	// River migration in one transaction, and only inside the step's
	// transaction, which holds SQLite's one write lock, can it run at all.
	//lint:ignore SA1019 SQLite runs River's migrations in one transaction
	_, err = m.MigrateTx(ctx, sqlTx, rivermigrate.DirectionUp, opts)
	return err
}
