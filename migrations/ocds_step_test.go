package migrations

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"portal/models"
)

// TestReleaseBackfillStep migrates an SQLite database to version 20, adds
// a published tender and a draft as the portal had them, and applies
// migration 21: the published tender gets its first release, the draft
// none.
func TestReleaseBackfillStep(t *testing.T) {
	db, d, err := models.OpenSQLite(filepath.Join(t.TempDir(), "portal.db"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if _, err := Version(ctx, db); err != nil {
		t.Fatal(err)
	}
	var step21 Step
	for _, st := range Steps {
		if st.Version == 21 {
			step21 = st
			break
		}
		if err := applyStep(ctx, db, d, st); err != nil {
			t.Fatalf("step %d: %v", st.Version, err)
		}
	}
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for _, q := range []string{
		`INSERT INTO users (id, username, password_hash, display_name, created_at, updated_at) VALUES (1, 'buyer', 'x', 'buyer', ?, ?)`,
		`INSERT INTO tenders (id, code, title, region_code, catalogue_year, catalogue_code, method, evaluation, status, budget_fen, price_weight,
			service_start, service_end, bid_deadline, published_at, created_by, created_at, updated_at)
			VALUES (1, '450102-2026-0001', '困境儿童关爱服务', '450102', 2026, 'C0603', 'open_tender', 'comprehensive', 'published', 12345678, 20,
			'2026-04-01', '2027-03-31', '2099-01-01 00:00:00+00:00', ?, 1, ?, ?)`,
		`INSERT INTO tenders (id, code, title, region_code, catalogue_year, catalogue_code, method, evaluation, status, budget_fen, price_weight,
			service_start, service_end, bid_deadline, created_by, created_at, updated_at)
			VALUES (2, '450102-2026-0002', '草稿', '450102', 2026, 'C0603', 'inquiry', 'lowest_price', 'draft', 100, 100,
			'2026-04-01', '2027-03-31', '2099-01-01 00:00:00+00:00', 1, ?, ?)`,
	} {
		args := []any{now, now}
		if strings.Contains(q, "published_at") {
			args = []any{now, now, now}
		}
		if err := db.Exec(q, args...).Error; err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Exec(`INSERT INTO tender_budget_lines (tender_id, source, amount_fen) VALUES (1, 'local_budget', 12345678)`).Error; err != nil {
		t.Fatal(err)
	}
	if err := applyStep(ctx, db, d, step21); err != nil {
		t.Fatalf("step 21: %v", err)
	}
	var rels []models.OCDSRelease
	if err := db.Order("id").Find(&rels).Error; err != nil {
		t.Fatal(err)
	}
	if len(rels) != 1 || rels[0].TenderID != 1 || rels[0].ReleaseKey != "migrated" || rels[0].Tags != `["tender"]` {
		t.Fatalf("releases: %+v", rels)
	}
	body := string(rels[0].JSON("portal"))
	for _, want := range []string{`"ocid":"ocds-portal-450102-2026-0001"`, `"procurementMethod":"open"`, `"amount":123456.78`, `"name":"南宁市兴宁区民政局"`} {
		if !strings.Contains(body, want) {
			t.Fatalf("release lacks %s: %s", want, body)
		}
	}
}
