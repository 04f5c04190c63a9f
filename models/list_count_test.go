package models_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"portal/models"
	"portal/models/testdb"

	"gorm.io/gorm"
)

// TestLongListsCountAtMostTenThousand: the tender and notice lists count
// at most CountCap+1 rows; above CountCap they answer CountCap and say the
// total is capped, exactly CountCap is an exact total, and the pages past
// the cap still answer their rows.
func TestLongListsCountAtMostTenThousand(t *testing.T) {
	s, admin := bootstrap(t)
	ctx := context.Background()
	testdb.Tenders(t, s, models.CountCap, "450102", "XN-", admin.UserID)
	testdb.Tenders(t, s, 30, "450202", "CZ-", admin.UserID)
	anon := models.Anonymous("198.51.100.7", s.Authz)
	page := models.Page{Page: 1, PerPage: 50}

	all, err := s.Tenders(ctx, anon, models.TenderFilter{}, page)
	if err != nil {
		t.Fatal(err)
	}
	if all.Total != models.CountCap || !all.TotalCapped || len(all.Items) != 50 {
		t.Fatalf("%d tenders: total %d capped %v, %d items", models.CountCap+30, all.Total, all.TotalCapped, len(all.Items))
	}
	exact, err := s.Tenders(ctx, anon, models.TenderFilter{Region: "450102"}, page)
	if err != nil {
		t.Fatal(err)
	}
	if exact.Total != models.CountCap || exact.TotalCapped {
		t.Fatalf("exactly %d tenders: total %d capped %v", models.CountCap, exact.Total, exact.TotalCapped)
	}
	few, err := s.Tenders(ctx, anon, models.TenderFilter{Region: "4502"}, page)
	if err != nil {
		t.Fatal(err)
	}
	if few.Total != 30 || few.TotalCapped || len(few.Items) != 30 {
		t.Fatalf("30 tenders of 4502: total %d capped %v, %d items", few.Total, few.TotalCapped, len(few.Items))
	}
	// Past the cap: page 201 of 50 holds the 30 oldest.
	last, err := s.Tenders(ctx, anon, models.TenderFilter{}, models.Page{Page: 201, PerPage: 50})
	if err != nil {
		t.Fatal(err)
	}
	if len(last.Items) != 30 || !strings.HasPrefix(last.Items[0].Code, "XN-") {
		t.Fatalf("page 201: %d items", len(last.Items))
	}

	notices, err := s.Notices(ctx, anon, models.NoticeFilter{Kind: "tender"}, page)
	if err != nil {
		t.Fatal(err)
	}
	if notices.Total != models.CountCap || !notices.TotalCapped || len(notices.Items) != 50 {
		t.Fatalf("notices: total %d capped %v, %d items", notices.Total, notices.TotalCapped, len(notices.Items))
	}
	fewNotices, err := s.Notices(ctx, anon, models.NoticeFilter{Kind: "tender", Region: "4502"}, page)
	if err != nil {
		t.Fatal(err)
	}
	if fewNotices.Total != 30 || fewNotices.TotalCapped {
		t.Fatalf("notices of 4502: total %d capped %v", fewNotices.Total, fewNotices.TotalCapped)
	}
	latest, err := s.Latest(ctx, anon, 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range latest.Kinds {
		if g.Kind == "tender" && (!g.TotalCapped || g.Total != models.CountCap) {
			t.Fatalf("latest tender notices: %+v", g)
		}
	}
}

// TestCappedCountsAreRemembered: a list whose count passed the cap answers
// capped without counting again for CappedCountTTL, then counts again; an
// exact count is never kept.
func TestCappedCountsAreRemembered(t *testing.T) {
	s, admin := bootstrap(t)
	ctx := context.Background()
	testdb.Tenders(t, s, models.CountCap+5, "450102", "XN-", admin.UserID)
	anon := models.Anonymous("198.51.100.7", s.Authz)
	start := time.Now()
	s.Now = func() time.Time { return start }
	page := models.Page{Page: 1, PerPage: 10}
	list := func() (models.List[models.Tender], models.List[models.Notice]) {
		t.Helper()
		ts, err := s.Tenders(ctx, anon, models.TenderFilter{}, page)
		if err != nil {
			t.Fatal(err)
		}
		ns, err := s.Notices(ctx, anon, models.NoticeFilter{Kind: models.NoticeTender}, page)
		if err != nil {
			t.Fatal(err)
		}
		return ts, ns
	}
	if ts, ns := list(); !ts.TotalCapped || !ns.TotalCapped {
		t.Fatalf("%d tenders: capped %v, notices capped %v", models.CountCap+5, ts.TotalCapped, ns.TotalCapped)
	}
	// Twenty back to drafts: 9,985 public tenders and notices.
	if err := s.DB.Exec("UPDATE tenders SET published_at = NULL WHERE id IN (SELECT id FROM tenders ORDER BY id LIMIT 20)").Error; err != nil {
		t.Fatal(err)
	}
	s.Now = func() time.Time { return start.Add(models.CappedCountTTL - time.Second) }
	if ts, ns := list(); !ts.TotalCapped || ts.Total != models.CountCap || !ns.TotalCapped {
		t.Fatalf("within the TTL: tenders %d capped %v, notices capped %v", ts.Total, ts.TotalCapped, ns.TotalCapped)
	}
	s.Now = func() time.Time { return start.Add(models.CappedCountTTL) }
	ts, ns := list()
	if ts.TotalCapped || ts.Total != models.CountCap-15 || ns.TotalCapped || ns.Total != models.CountCap-15 {
		t.Fatalf("after the TTL: tenders %d capped %v, notices %d capped %v", ts.Total, ts.TotalCapped, ns.Total, ns.TotalCapped)
	}
	// An exact count is counted every time: five more back to drafts show.
	if err := s.DB.Exec("UPDATE tenders SET published_at = NULL WHERE id IN (SELECT id FROM tenders WHERE published_at IS NOT NULL ORDER BY id LIMIT 5)").Error; err != nil {
		t.Fatal(err)
	}
	if ts, _ := list(); ts.Total != models.CountCap-20 {
		t.Fatalf("an exact count kept: %d", ts.Total)
	}
}

// TestRegionPrefixes: the region filter's range test takes every code of
// the prefix and no other, next to codes that sort between (4509 and 451,
// 4510), on every list that filters by region.
func TestRegionPrefixes(t *testing.T) {
	s, admin := bootstrap(t)
	ctx := context.Background()
	for _, r := range []string{"450102", "450921", "451002", "450202"} {
		testdb.Tenders(t, s, 2, r, "R"+r+"-", admin.UserID)
	}
	anon := models.Anonymous("198.51.100.7", s.Authz)
	for prefix, want := range map[string]int64{"45": 8, "4501": 2, "4509": 2, "450921": 2, "451": 2, "4510": 2, "4599": 0, "9": 0, "99": 0} {
		l, err := s.Tenders(ctx, anon, models.TenderFilter{Region: prefix}, models.Page{})
		if err != nil {
			t.Fatal(err)
		}
		if l.Total != want {
			t.Errorf("region %s: %d tenders, want %d", prefix, l.Total, want)
		}
		for _, it := range l.Items {
			if !strings.HasPrefix(it.RegionCode, prefix) {
				t.Errorf("region %s: tender of %s", prefix, it.RegionCode)
			}
		}
	}
}

// TestRegionFilterUsesTheRegionIndex: on PostgreSQL, under the test
// database's collation (not C), the tender list's region filter is served
// by an index: a city's prefix by the prefix index in id order
// (tenders_city_id), a county's by the plain btree on region_code; the
// plans of the count and the page, with sequential scans off, are index
// scans of it, with the limits written as numbers.
func TestRegionFilterUsesTheRegionIndex(t *testing.T) {
	if os.Getenv("PORTAL_TEST_DATABASE_URL") == "" {
		t.Skip("PostgreSQL's plans")
	}
	s, admin := bootstrap(t)
	ctx := context.Background()
	testdb.Tenders(t, s, 3000, "450102", "XN-", admin.UserID)
	testdb.Tenders(t, s, 20, "450202", "CZ-", admin.UserID)
	if err := s.DB.Exec("ANALYZE tenders").Error; err != nil {
		t.Fatal(err)
	}
	var queries, raw []string
	if err := s.DB.Callback().Row().After("gorm:row").Register("test:tender_sql_row", func(db *gorm.DB) {
		if sql := db.Statement.SQL.String(); strings.Contains(sql, "FROM \"tenders\"") {
			queries = append(queries, db.Dialector.Explain(sql, db.Statement.Vars...))
			raw = append(raw, sql)
		}
	}); err != nil {
		t.Fatal(err)
	}
	sqlDB, _ := s.DB.DB()
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SET enable_seqscan = off"); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(ctx, "RESET enable_seqscan")
	anon := models.Anonymous("198.51.100.7", s.Authz)
	for _, c := range []struct{ prefix, index, cond string }{
		{"4502", "tenders_city_id", "Index Cond: ((substr(region_code, 1, 4) = '4502'"},
		{"450202", "tenders_region", "Index Cond: ((region_code >="},
	} {
		queries, raw = nil, nil
		l, err := s.Tenders(ctx, anon, models.TenderFilter{Region: c.prefix}, models.Page{})
		if err != nil || l.Total != 20 {
			t.Fatalf("list of %s: %d %v", c.prefix, l.Total, err)
		}
		if len(queries) != 2 {
			t.Fatalf("captured %d tender queries, want the count and the page: %q", len(queries), queries)
		}
		// The limits are numbers in the statement, not parameters: a plan
		// made once for any parameters (after five runs of a prepared
		// statement) would not know them, and counted by a sequential scan.
		if !strings.Contains(raw[0], "LIMIT 10001") || !strings.Contains(raw[1], "LIMIT 50") {
			t.Errorf("the limits are parameters:\n%s\n%s", raw[0], raw[1])
		}
		for _, q := range queries {
			rows, err := conn.QueryContext(ctx, "EXPLAIN "+q)
			if err != nil {
				t.Fatal(err)
			}
			var plan []string
			for rows.Next() {
				var line string
				if err := rows.Scan(&line); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, line)
			}
			rows.Close()
			text := strings.Join(plan, "\n")
			if !strings.Contains(text, c.index) || !strings.Contains(text, c.cond) {
				t.Errorf("the region filter %s is not an index scan of %s:\n%s\n%s", c.prefix, c.index, q, text)
			}
		}
	}
}
