package main

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	_ "modernc.org/sqlite" // the SQLite driver under the portal's gorm dialector (libtnb/sqlite)
)

// database runs one query and calls each for every row with the row's
// column names and its scan function. SQL is written with ? placeholders,
// as gorm writes it for SQLite; PostgreSQL gets $1, $2 ….
type database interface {
	querier
	// readTx runs fn in a read transaction as the portal's readTx
	// (models/desk.go): repeatable read and read only on PostgreSQL; on
	// SQLite, with readOnly a deferred BEGIN as the portal's today, without
	// it BEGIN IMMEDIATE as the portal's when issue 12 was filed (the DSN's
	// _txlock, which the portal's read transactions took then).
	readTx(ctx context.Context, readOnly bool, fn func(q querier) error) error
	close()
}

type querier interface {
	query(ctx context.Context, sql string, args []any, each func(cols []string, scan func(dest ...any) error) error) error
}

type pgDB struct{ pool *pgxpool.Pool }

func openPostgres(ctx context.Context, url string, conns int32) (*pgDB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	cfg.MaxConns = conns
	cfg.MinConns = 0
	cfg.MaxConnIdleTime = 5 * time.Minute
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &pgDB{pool}, nil
}

// dollars numbers the ? placeholders of q ($1, $2 …); the queries here
// have no ? inside literals.
func dollars(q string) string {
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

type pgQuerier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

type pgTx struct{ tx pgx.Tx }

func (d *pgDB) query(ctx context.Context, q string, args []any, each func([]string, func(...any) error) error) error {
	return pgQuery(ctx, d.pool, q, args, each)
}

func (t pgTx) query(ctx context.Context, q string, args []any, each func([]string, func(...any) error) error) error {
	return pgQuery(ctx, t.tx, q, args, each)
}

func (d *pgDB) readTx(ctx context.Context, _ bool, fn func(querier) error) error {
	tx, err := d.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if err := fn(pgTx{tx}); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

func pgQuery(ctx context.Context, db pgQuerier, q string, args []any, each func([]string, func(...any) error) error) error {
	rows, err := db.Query(ctx, dollars(q), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	fields := rows.FieldDescriptions()
	cols := make([]string, len(fields))
	for i, f := range fields {
		cols[i] = f.Name
	}
	for rows.Next() {
		if err := each(cols, rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (d *pgDB) close() { d.pool.Close() }

type sqliteDB struct{ db *sql.DB }

// sqliteDSN is models.SQLiteDSN (a test compares them).
func sqliteDSN(path string) string {
	return "file:" + path + "?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)" +
		"&_txlock=immediate&_texttotime=0&_inttotime=0"
}

// openSQLite opens the portal's file with the portal's DSN (models/store.go).
func openSQLite(path string, conns int) (*sqliteDB, error) {
	db, err := sql.Open("sqlite", sqliteDSN(path))
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return &sqliteDB{db}, nil
}

type sqlQuerier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

type sqlTx struct{ tx *sql.Tx }

func (d *sqliteDB) query(ctx context.Context, q string, args []any, each func([]string, func(...any) error) error) error {
	return sqlQuery(ctx, d.db, q, args, each)
}

func (t sqlTx) query(ctx context.Context, q string, args []any, each func([]string, func(...any) error) error) error {
	return sqlQuery(ctx, t.tx, q, args, each)
}

func (d *sqliteDB) readTx(ctx context.Context, readOnly bool, fn func(querier) error) error {
	tx, err := d.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: readOnly})
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if err := fn(sqlTx{tx}); err != nil {
		return err
	}
	return tx.Commit()
}

func sqlQuery(ctx context.Context, db sqlQuerier, q string, args []any, each func([]string, func(...any) error) error) error {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer func() { _ = rows.Close() }()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	for rows.Next() {
		if err := each(cols, rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (d *sqliteDB) close() { _ = d.db.Close() }
