package handlers_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"portal/handlers"
	"portal/models"
	"portal/models/testdb"
	"portal/policy"
)

func parseBeijingDay(s string) (time.Time, error) {
	return time.ParseInLocation("2006-01-02", s, models.ChinaZone)
}

func nextMonthOf(m string) string {
	t, _ := time.Parse("2006-01", m)
	return t.AddDate(0, 1, 0).Format("2006-01")
}

// childCodes lists a region's children, in code order.
func childCodes(t testing.TB, db *sql.DB, dialect models.Dialect, region string) []string {
	t.Helper()
	q := "SELECT code FROM regions WHERE parent_code = ? ORDER BY code"
	if dialect == models.Postgres {
		q = "SELECT code FROM regions WHERE parent_code = $1 ORDER BY code"
	}
	rows, err := db.Query(q, region)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

// figures is an answer without what only the portal adds (names, the
// page's path): the figures both sides must agree on.
func figures(t testing.TB, st *models.Stats) string {
	t.Helper()
	type child struct {
		Code   string
		Totals models.StatsTotals
	}
	type item struct {
		Code                           string
		Projects, Contracted, Children int64
	}
	out := struct {
		Totals   models.StatsTotals
		Children []child
		Sources  []models.SourceStats
		Items    []item
		Months   []models.MonthStats
	}{Totals: st.Totals, Sources: st.BySource, Months: st.ByMonth}
	for _, c := range st.Children {
		out.Children = append(out.Children, child{c.Region.Code, c.Totals})
	}
	for _, it := range st.ByItem {
		out.Items = append(out.Items, item{it.CatalogueCode, it.Projects, it.ContractedFen, it.ChildrenServedPersonTimes})
	}
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestHandWrittenStatsAgree: the benchmark's yardstick computes exactly
// the portal's figures, for the province, a city and a county.
func TestHandWrittenStatsAgree(t *testing.T) {
	e := newEnv(t)
	statsFixture(t, e.store)
	sqlDB, err := e.store.DB.DB()
	if err != nil {
		t.Fatal(err)
	}
	anon := e.anon()
	for _, region := range []string{"45", "4501", "450102"} {
		s, b := anon.do("GET", "/api/v1/stats?region="+region+"&from=2026-01-01&to=2026-12-31", nil)
		portal := decode[models.Stats](t, must(t, 200, s, b, region))
		hand, err := handWrittenStats(context.Background(), sqlDB, e.store.Dialect, region, childCodes(t, sqlDB, e.store.Dialect, region), "2026-01-01", "2026-12-31")
		if err != nil {
			t.Fatal(err)
		}
		if got, want := figures(t, hand), figures(t, &portal); got != want {
			t.Errorf("%s:\nhand   %s\nportal %s", region, got, want)
		}
		if region == "45" && portal.Totals.ProjectsPublished == 0 {
			t.Fatal("the fixture published nothing")
		}
	}
}

// BenchmarkStatsEndpointVsHandSQL times GET /api/v1/stats for region 45
// over a year against handWrittenStats on the same database, interleaved
// (each iteration runs both), and reports their ratio as portal/sql (the
// target: at most 1.2). It runs on the fixture of TestHandWrittenStatsAgree
// unless pointed at a generated database:
//
//	go run ./cmd/portal generate --scale guangxi            # SQLite in ./data
//	PORTAL_BENCH_DATA_DIR=./data PORTAL_BENCH_YEAR=2025 go test -run X -bench StatsEndpoint -benchtime 20x ./handlers/
//	PORTAL_DATABASE_URL=postgres://… go run ./cmd/portal generate --scale guangxi
//	PORTAL_BENCH_DATABASE_URL=postgres://… PORTAL_BENCH_YEAR=2025 go test -run X -bench StatsEndpoint -benchtime 20x ./handlers/
func BenchmarkStatsEndpointVsHandSQL(b *testing.B) {
	year := os.Getenv("PORTAL_BENCH_YEAR")
	if year == "" {
		year = "2026"
	}
	from, to := year+"-01-01", year+"-12-31"
	ctx := context.Background()
	var srvURL string
	var sqlDB *sql.DB
	var dialect models.Dialect
	url, dir := os.Getenv("PORTAL_BENCH_DATABASE_URL"), os.Getenv("PORTAL_BENCH_DATA_DIR")
	{
		var store *models.Store
		var authz *policy.Enforcer
		if url != "" || dir != "" {
			db, d, err := models.OpenDB(url, dir)
			if err != nil {
				b.Fatal(err)
			}
			if authz, err = policy.New(db); err != nil {
				b.Fatal(err)
			}
			store = models.NewStore(db, d, authz)
		} else {
			store, authz = testdb.Store(b)
			if _, err := store.EnsureAdmin(ctx, testPassword); err != nil {
				b.Fatal(err)
			}
			statsFixture(b, store)
		}
		h, err := handlers.New(store, authz, slog.New(slog.NewTextHandler(io.Discard, nil)), handlers.Config{})
		if err != nil {
			b.Fatal(err)
		}
		srv := httptest.NewServer(h)
		b.Cleanup(srv.Close)
		srvURL, dialect = srv.URL, store.Dialect
		if sqlDB, err = store.DB.DB(); err != nil {
			b.Fatal(err)
		}
	}
	kids := childCodes(b, sqlDB, dialect, "45")
	get := func() int {
		resp, err := http.Get(srvURL + "/api/v1/stats?region=45&from=" + from + "&to=" + to)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("stats: %d", resp.StatusCode)
		}
		return int(n)
	}
	get() // warm both: the pool, the page cache
	if _, err := handWrittenStats(ctx, sqlDB, dialect, "45", kids, from, to); err != nil {
		b.Fatal(err)
	}
	var portal, hand time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		get()
		t1 := time.Now()
		if _, err := handWrittenStats(ctx, sqlDB, dialect, "45", kids, from, to); err != nil {
			b.Fatal(err)
		}
		portal, hand = portal+t1.Sub(t0), hand+time.Since(t1)
	}
	b.StopTimer()
	b.ReportMetric(float64(portal.Microseconds())/float64(b.N)/1000, "portal-ms/op")
	b.ReportMetric(float64(hand.Microseconds())/float64(b.N)/1000, "sql-ms/op")
	b.ReportMetric(float64(portal)/float64(hand), "portal/sql")
}
