package dataset

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"portal/models"
)

// tableOrder is the order tables are written in: every table after the
// tables its rows refer to, so each batch's foreign keys hold.
var tableOrder = []string{
	"organisations", "users", "casbin_rule", "organisation_staff", "office_bases", "office_rooms",
	"tenders", "tender_code_counters", "tender_budget_lines", "tender_targets", "tender_criteria", "tender_invitations",
	"enquiries", "bids", "challenges", "panel_members", "scores", "compliance_reviews", "credit_checks",
	"contracts", "contract_targets", "payment_tranches", "office_allocations", "support_sessions",
	"contract_supervisors", "supervision_visits", "supervision_evaluations", "rectifications",
	"service_reports", "service_report_versions", "service_report_comments",
}

// A batch (one transaction) is written when a table has maxBatchRows rows
// waiting. Its statements have at most statementParams parameters:
// PostgreSQL takes 65,535; the SQLite driver binds each parameter by a
// search through all of them, so its statements stay short.
const maxBatchRows = 4000

var statementParams = map[models.Dialect]int{models.Postgres: 30000, models.SQLite: 900}

type buffer struct {
	table string
	cols  []string
	rows  [][]any
}

// writer buffers rows per table and writes them with multi-row INSERTs,
// each round of batches in one transaction, tables in tableOrder.
type writer struct {
	ctx       context.Context
	db        *sql.DB
	dialect   models.Dialect
	out       io.Writer
	start     time.Time
	lastPrint time.Time
	bufs      map[string]*buffer
	counts    map[string]int64
	// analyzed is each table's row count at its last ANALYZE (PostgreSQL).
	analyzed map[string]int64
	pending  int
}

func newWriter(ctx context.Context, db *sql.DB, d models.Dialect, out io.Writer) *writer {
	return &writer{ctx: ctx, db: db, dialect: d, out: out, start: time.Now(), lastPrint: time.Now(),
		bufs: map[string]*buffer{}, counts: map[string]int64{}, analyzed: map[string]int64{}}
}

// add queues one row of table; cols must be the same for every row of a table.
func (w *writer) add(table string, cols []string, vals ...any) error {
	if len(cols) != len(vals) {
		return fmt.Errorf("dataset: %s: %d columns, %d values", table, len(cols), len(vals))
	}
	b := w.bufs[table]
	if b == nil {
		b = &buffer{table: table, cols: cols}
		w.bufs[table] = b
	}
	b.rows = append(b.rows, vals)
	w.pending++
	if len(b.rows) >= maxBatchRows {
		return w.flush()
	}
	return nil
}

// flush writes every buffered row: one transaction, one or more multi-row
// INSERTs per table, parents first.
func (w *writer) flush() error {
	if w.pending == 0 {
		return nil
	}
	tx, err := w.db.BeginTx(w.ctx, nil)
	if err != nil {
		return err
	}
	for _, name := range tableOrder {
		b := w.bufs[name]
		if b == nil || len(b.rows) == 0 {
			continue
		}
		per := max(1, min(maxBatchRows, statementParams[w.dialect]/len(b.cols)))
		for i := 0; i < len(b.rows); i += per {
			rows := b.rows[i:min(i+per, len(b.rows))]
			if err := w.insert(tx, b, rows); err != nil {
				_ = tx.Rollback()
				return fmt.Errorf("dataset: insert into %s: %w", b.table, err)
			}
		}
		w.counts[name] += int64(len(b.rows))
		b.rows = b.rows[:0]
	}
	for name := range w.bufs {
		if !contains(tableOrder, name) {
			_ = tx.Rollback()
			return fmt.Errorf("dataset: table %s has no place in tableOrder", name)
		}
	}
	w.pending = 0
	if err := tx.Commit(); err != nil {
		return err
	}
	if err := w.analyze(); err != nil {
		return err
	}
	if time.Since(w.lastPrint) > 3*time.Second {
		w.lastPrint = time.Now()
		w.progress(false)
	}
	return nil
}

// analyze has PostgreSQL count each table again whenever it has doubled.
// Its foreign-key checks keep the plan made when the parent table was
// empty, a sequential scan per row, until ANALYZE invalidates it: without
// this, a 20,000-tender dataset took hours.
func (w *writer) analyze() error {
	if w.dialect != models.Postgres {
		return nil
	}
	for _, name := range tableOrder {
		if n := w.counts[name]; n >= 2*max(w.analyzed[name], 500) {
			if _, err := w.db.ExecContext(w.ctx, "ANALYZE "+name); err != nil {
				return fmt.Errorf("dataset: analyze %s: %w", name, err)
			}
			w.analyzed[name] = n
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (w *writer) insert(tx *sql.Tx, b *buffer, rows [][]any) error {
	var q strings.Builder
	q.WriteString("INSERT INTO ")
	q.WriteString(b.table)
	q.WriteString(" (")
	q.WriteString(strings.Join(b.cols, ", "))
	q.WriteString(") VALUES ")
	args := make([]any, 0, len(rows)*len(b.cols))
	n := 0
	for i, r := range rows {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteByte('(')
		for j := range r {
			if j > 0 {
				q.WriteString(", ")
			}
			n++
			if w.dialect == models.Postgres {
				q.WriteByte('$')
				q.WriteString(strconv.Itoa(n))
			} else {
				q.WriteByte('?')
			}
		}
		q.WriteByte(')')
		args = append(args, r...)
	}
	_, err := tx.ExecContext(w.ctx, q.String(), args...)
	return err
}

// progress prints the rows written so far per table and the time taken.
func (w *writer) progress(final bool) {
	if w.out == nil {
		return
	}
	names := make([]string, 0, len(w.counts))
	var total int64
	for n, c := range w.counts {
		names = append(names, n)
		total += c
	}
	sort.Slice(names, func(i, j int) bool { return indexOf(names[i]) < indexOf(names[j]) })
	elapsed := time.Since(w.start).Round(100 * time.Millisecond)
	if !final {
		fmt.Fprintf(w.out, "  %s: %d rows (reports %d)\n", elapsed, total, w.counts["service_reports"])
		return
	}
	fmt.Fprintf(w.out, "rows written in %s:\n", elapsed)
	for _, n := range names {
		fmt.Fprintf(w.out, "  %-26s %10d\n", n, w.counts[n])
	}
	fmt.Fprintf(w.out, "  %-26s %10d\n", "total", total)
}

func indexOf(name string) int {
	for i, n := range tableOrder {
		if n == name {
			return i
		}
	}
	return len(tableOrder)
}

// identityTables have ids the generator assigns; PostgreSQL's sequences
// are moved past them afterwards.
var identityTables = []string{
	"organisations", "users", "casbin_rule", "organisation_staff", "office_bases", "office_rooms", "office_allocations",
	"support_sessions", "challenges", "tenders", "tender_budget_lines", "tender_targets",
	"tender_criteria", "tender_invitations", "enquiries", "panel_members", "scores", "compliance_reviews", "credit_checks",
	"contracts", "contract_targets", "payment_tranches", "contract_supervisors", "supervision_visits",
	"supervision_evaluations", "rectifications", "service_reports", "service_report_versions", "service_report_comments",
}

// resetSequences moves each PostgreSQL identity past the ids written
// (SQLite's AUTOINCREMENT follows explicit ids by itself).
func (w *writer) resetSequences() error {
	if w.dialect != models.Postgres {
		return nil
	}
	for _, t := range identityTables {
		q := fmt.Sprintf("SELECT setval(pg_get_serial_sequence('%s', 'id'), GREATEST((SELECT MAX(id) FROM %s), 1))", t, t)
		if _, err := w.db.ExecContext(w.ctx, q); err != nil {
			return fmt.Errorf("dataset: sequence of %s: %w", t, err)
		}
	}
	return nil
}

// ids hands out the next id of each table, after what the table holds.
type ids struct{ next map[string]int64 }

func loadIDs(ctx context.Context, db *sql.DB) (*ids, error) {
	out := &ids{next: map[string]int64{}}
	for _, t := range identityTables {
		var m sql.NullInt64
		if err := db.QueryRowContext(ctx, "SELECT MAX(id) FROM "+t).Scan(&m); err != nil {
			return nil, err
		}
		out.next[t] = m.Int64 + 1
	}
	return out, nil
}

func (i *ids) of(table string) int64 {
	id := i.next[table]
	i.next[table] = id + 1
	return id
}
