package migrations

import (
	"encoding/csv"
	"fmt"
	"io"
	"time"

	"portal/models"
	"portal/policy"
	"portal/queue"

	"gorm.io/gorm"
)

// readCSV returns the rows of an embedded CSV file without its header.
func readCSV(name string) ([][]string, error) {
	f, err := files.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	rows, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(rows) == 0 {
		return nil, io.ErrUnexpectedEOF
	}
	return rows[1:], nil
}

// loadRegions loads all provinces, cities and counties, and Guangxi's
// townships, from the NBS 2023 division codes (data/regions, WTFPL).
func loadRegions(tx *gorm.DB, _ models.Dialect) error {
	var regions []models.Region
	sources := []struct {
		file   string
		level  int
		parent int // column of the parent code, -1 for none
	}{
		{"data/regions/provinces.csv", models.LevelProvince, -1},
		{"data/regions/cities.csv", models.LevelCity, 2},
		{"data/regions/areas.csv", models.LevelCounty, 2},
		{"data/regions/streets-guangxi.csv", models.LevelTownship, 2},
	}
	for _, src := range sources {
		rows, err := readCSV(src.file)
		if err != nil {
			return err
		}
		for _, row := range rows {
			r := models.Region{Code: row[0], Name: row[1], Level: src.level}
			if src.parent >= 0 {
				r.ParentCode = row[src.parent]
			}
			regions = append(regions, r)
		}
	}
	return tx.CreateInBatches(regions, 500).Error
}

// loadDefaultPolicy writes the shipped role × action rules.
func loadDefaultPolicy(tx *gorm.DB, _ models.Dialect) error {
	rules, err := policy.DefaultRules()
	if err != nil {
		return err
	}
	return addRules(tx, rules)
}

// addRules inserts casbin rows that are not there yet and bumps the policy
// version so running portals reload.
func addRules(tx *gorm.DB, rules [][]string) error {
	for _, r := range rules {
		vals := make([]string, 7)
		copy(vals, r)
		if err := tx.Exec(`INSERT INTO casbin_rule (ptype, v0, v1, v2, v3, v4, v5)
			SELECT ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (
			SELECT 1 FROM casbin_rule WHERE ptype = ? AND v0 = ? AND v1 = ? AND v2 = ? AND v3 = ? AND v4 = ? AND v5 = ?)`,
			vals[0], vals[1], vals[2], vals[3], vals[4], vals[5], vals[6],
			vals[0], vals[1], vals[2], vals[3], vals[4], vals[5], vals[6]).Error; err != nil {
			return err
		}
	}
	return tx.Exec("UPDATE policy_versions SET version = version + 1 WHERE id = 1").Error
}

// policyFile is a step that adds the rules of one policy/ file.
func policyFile(name string) func(tx *gorm.DB, d models.Dialect) error {
	return func(tx *gorm.DB, _ models.Dialect) error {
		rules, err := policy.Rules(name)
		if err != nil {
			return err
		}
		return addRules(tx, rules)
	}
}

// riverTables creates the job queue's own tables with River's migrator,
// pinned to queue.RiverSchemaVersion, in this step's transaction: they
// belong to the migration role like every other table, and the runtime role
// (which may not create tables) only uses them.
func riverTables(tx *gorm.DB, d models.Dialect) error {
	return queue.Migrate(tx.Statement.Context, tx, d)
}

// backfillReleases gives each tender published before migration 21 its
// first open data release. Unlike the other steps it runs the models'
// release compiler (a second copy of it here would drift from the feed);
// it reads only tables that exist at version 21.
func rebuildServiceStats(tx *gorm.DB, _ models.Dialect) error { return models.RebuildServiceStats(tx) }

func backfillReleases(tx *gorm.DB, d models.Dialect) error {
	return models.BackfillReleases(tx, d, time.Now())
}
