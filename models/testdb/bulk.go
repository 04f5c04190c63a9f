package testdb

import (
	"testing"
	"time"

	"portal/models"
)

// Tenders writes n published tenders of region, open for bids for a
// month, in one statement (a list's tests need more than ten thousand
// rows fast), coded <prefix>1 to <prefix>n, created by user createdBy.
func Tenders(t testing.TB, s *models.Store, n int, region, prefix string, createdBy int64) {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Microsecond)
	err := s.DB.Exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
INSERT INTO tenders (code, title, region_code, catalogue_year, catalogue_code, method, evaluation, status, budget_fen,
    price_weight, service_start, service_end, bid_deadline, published_at, created_by, created_at, updated_at)
SELECT CAST(? AS TEXT) || CAST(i AS TEXT), '批量测试项目', ?, 2026, 'A01', 'open_tender', 'comprehensive', 'published', 10000000,
    30, '2026-03-01', '2026-12-31', ?, ?, ?, ?, ? FROM n`,
		n, prefix, region, now.AddDate(0, 1, 0), now, createdBy, now, now).Error
	if err != nil {
		t.Fatal(err)
	}
}
