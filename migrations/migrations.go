// Package migrations holds the versioned, forward-only schema and data
// changes for both databases, embedded in the binary. Each step runs in its
// own transaction and records its version; a released step is never edited.
package migrations

import (
	"context"
	"embed"
	"fmt"
	"strings"
	"time"

	"portal/models"

	"gorm.io/gorm"
)

//go:embed sqlite/*.sql postgres/*.sql data
var files embed.FS

// Step is one migration: SQL from <dialect>/<File>, or a Go function.
type Step struct {
	Version     int
	Description string
	File        string
	Run         func(tx *gorm.DB, d models.Dialect) error
}

// Steps lists every migration in order.
var Steps = []Step{
	{Version: 1, Description: "core tables: regions, users, sessions, sign-in failures, audit, casbin rules", File: "0001_core.sql"},
	{Version: 2, Description: "administrative divisions (NBS 2023 codes)", Run: loadRegions},
	{Version: 3, Description: "default access policy from policy/default.csv", Run: loadDefaultPolicy},
	{Version: 4, Description: "purchase catalogue: versions, items, indicators; Guangxi's 2026 children's-services catalogue; catalogue policy", File: "0004_catalogue.sql", Run: loadCatalogue},
	{Version: 5, Description: "organisations: registrations, profiles, staff rosters, documents; organisation policy", File: "0005_organisations.sql", Run: policyFile("0005_organisations.csv")},
	{Version: 6, Description: "tenders, enquiries, sealed bids, panels, scores, credit checks, challenges, contracts; tender policy", File: "0006_tenders.sql", Run: policyFile("0006_tenders.csv")},
	{Version: 7, Description: "a grant is unique (user, role, region); PostgreSQL refuses TRUNCATE of audit_events", File: "0007_auth.sql"},
	{Version: 8, Description: "tender code counters per region and year, amendment notices, failure reasons", File: "0008_tender_rules.sql"},
	{Version: 9, Description: "compliance reviews of bids for lowest-price evaluation", File: "0009_compliance.sql"},
	{Version: 10, Description: "China's working-day calendar from the State Council's yearly holiday notices (2001-2026 without 2003); calendar policy", File: "0010_calendar.sql", Run: loadCalendar},
	{Version: 12, Description: "a reason code of disqualifications the portal makes itself (a listed credit check)", File: "0012_disqualified_codes.sql"},
	{Version: 13, Description: "accounts: a reset password must be changed at next sign-in; password reset and grant revocation policy", File: "0013_accounts.sql", Run: policyFile("0013_accounts.csv")},
	{Version: 15, Description: "notifications in the portal, indexed for the bell's unread count", File: "0015_notifications.sql"},
	{Version: 16, Description: "payments: kinds (tranche, start-up fund), approval and payment records; contract termination; payment policy", File: "0016_payments.sql", Run: policyFile("0016_payments.csv")},
	{Version: 17, Description: "office space (incubation bases, rooms, allocations that never overlap), support sessions, contract supervisors; office policy", File: "0017_office.sql", Run: policyFile("0017_office.csv")},
	{Version: 18, Description: "service reports: a contract's reporting interval, reports with every version kept, reviewers' comments, attachments; report policy", File: "0018_reports.sql", Run: policyFile("0018_reports.csv")},
	{Version: 19, Description: "report reminders sent once, users' e-mail addresses; River's job tables", File: "0019_reminders.sql", Run: riverTables},
	{Version: 20, Description: "supervision: supervisors of contracts and their declarations, visits, evaluations, rectifications, files, bars after a failed final phase; supervision policy", File: "0020_supervision.sql", Run: policyFile("0020_supervision.csv")},
	{Version: 21, Description: "open data: OCDS releases written with each public change of a tender, its award and contract; a first release of each tender published before", File: "0021_ocds.sql", Run: backfillReleases},
	{Version: 22, Description: "statistics: approved service reports summed per region, catalogue item and period end, kept by each approval", File: "0022_stats.sql", Run: rebuildServiceStats},
	{Version: 23, Description: "notices of each kind and a region's tenders read newest first from indexes", File: "0023_list_indexes.sql"},
}

// Latest is the schema version this binary expects.
func Latest() int { return Steps[len(Steps)-1].Version }

const createTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version     INTEGER PRIMARY KEY,
    description TEXT NOT NULL,
    applied_at  TEXT NOT NULL
)`

// Version returns the highest applied version (0 on an empty database).
func Version(ctx context.Context, db *gorm.DB) (int, error) {
	// A runtime role may not create tables (even IF NOT EXISTS on
	// PostgreSQL), so look before creating.
	if !db.WithContext(ctx).Migrator().HasTable("schema_migrations") {
		if err := db.WithContext(ctx).Exec(createTable).Error; err != nil {
			return 0, err
		}
	}
	var v *int
	if err := db.WithContext(ctx).Raw("SELECT MAX(version) FROM schema_migrations").Scan(&v).Error; err != nil {
		return 0, err
	}
	if v == nil {
		return 0, nil
	}
	return *v, nil
}

// Apply runs every pending step. It refuses a database newer than the binary.
func Apply(ctx context.Context, db *gorm.DB, d models.Dialect) error {
	current, err := Version(ctx, db)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if current > Latest() {
		return fmt.Errorf("database schema version %d is newer than this portal (%d): upgrade the portal", current, Latest())
	}
	for _, st := range Steps {
		if st.Version <= current {
			continue
		}
		if err := applyStep(ctx, db, d, st); err != nil {
			return fmt.Errorf("migration %d (%s): %w", st.Version, st.Description, err)
		}
	}
	return nil
}

func applyStep(ctx context.Context, db *gorm.DB, d models.Dialect, st Step) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if d == models.Postgres {
			// Several portals starting at once: one migrates, the others wait.
			if err := tx.Exec("LOCK TABLE schema_migrations IN EXCLUSIVE MODE").Error; err != nil {
				return err
			}
		}
		var n int64
		if err := tx.Raw("SELECT COUNT(*) FROM schema_migrations WHERE version = ?", st.Version).Scan(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		if st.File != "" {
			sql, err := files.ReadFile(string(d) + "/" + st.File)
			if err != nil {
				return err
			}
			if err := execScript(tx, d, string(sql)); err != nil {
				return err
			}
		}
		if st.Run != nil {
			if err := st.Run(tx, d); err != nil {
				return err
			}
		}
		return tx.Exec("INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)",
			st.Version, st.Description, time.Now().UTC().Format(time.RFC3339)).Error
	})
}

// execScript runs a script. PostgreSQL takes it whole; the SQLite driver runs
// one statement per call, so the script is split on statement ends, keeping
// trigger bodies (BEGIN ... END;) together.
func execScript(tx *gorm.DB, d models.Dialect, script string) error {
	if d == models.Postgres {
		return tx.Exec(script).Error
	}
	for _, stmt := range splitSQLite(script) {
		if err := tx.Exec(stmt).Error; err != nil {
			return fmt.Errorf("%w in: %s", err, stmt)
		}
	}
	return nil
}

func splitSQLite(script string) []string {
	var out []string
	var cur strings.Builder
	inTrigger := false
	for _, line := range strings.Split(script, "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "--") {
			continue
		}
		upper := strings.ToUpper(trimmed)
		if strings.HasPrefix(upper, "CREATE TRIGGER") {
			inTrigger = true
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		end := strings.HasSuffix(trimmed, ";")
		if inTrigger {
			end = strings.HasSuffix(upper, "END;")
		}
		if end {
			out = append(out, cur.String())
			cur.Reset()
			inTrigger = false
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, s)
	}
	return out
}
