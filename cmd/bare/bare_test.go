package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"portal/handlers"
	"portal/models"
	"portal/models/dataset"
	"portal/models/testdb"
	"portal/policy"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// TestConstantsAreThePortals: the bare program's copies of the portal's
// constants are the portal's.
func TestConstantsAreThePortals(t *testing.T) {
	if countCap != models.CountCap || maxPerPage != models.MaxPerPage || failTooFewBids != models.FailTooFewBids || failCancelled != models.FailCancelled {
		t.Error("a constant differs from models")
	}
	for k, m := range models.Methods {
		if invitedMethods[k] != m.Invited {
			t.Errorf("%s: invited %v, models %v", k, invitedMethods[k], m.Invited)
		}
	}
	if sqliteDSN("x/portal.db") != models.SQLiteDSN("x/portal.db") {
		t.Errorf("SQLite DSN %q, the portal's %q", sqliteDSN("x/portal.db"), models.SQLiteDSN("x/portal.db"))
	}
	if len(minValidBids) != len(models.Methods) {
		t.Errorf("%d methods, models has %d", len(minValidBids), len(models.Methods))
	}
	for k, m := range models.Methods {
		if minValidBids[k] != m.MinValidBids {
			t.Errorf("%s: min valid bids %d, models %d", k, minValidBids[k], m.MinValidBids)
		}
	}
}

// TestFailureMessagesAreThePortals: the bare program's English failure
// messages are the portal's words.
func TestFailureMessagesAreThePortals(t *testing.T) {
	b, err := os.ReadFile("../../templates/i18n/en/tenders.json")
	if err != nil {
		t.Fatal(err)
	}
	var words map[string]string
	if err := json.Unmarshal(b, &words); err != nil {
		t.Fatal(err)
	}
	for reason, m := range failureMessages {
		if words["failure."+reason] != m.format {
			t.Errorf("%s: %q, the portal says %q", reason, m.format, words["failure."+reason])
		}
	}
}

// TestSameBytesAsThePortal: on a generated dataset every route the bare
// program serves answers the portal's bytes (an anonymous caller).
func TestSameBytesAsThePortal(t *testing.T) {
	store, authz := generated(t, 2000)
	// Tenders still stored published past their deadline, whose status
	// the clock derives (opened, or unsuccessful with too few bids): the
	// generator stores the statuses it reached.
	// Tenders under evaluation back to published: opened by the clock.
	if err := store.DB.Exec("UPDATE tenders SET status = 'published' WHERE status = 'evaluating'").Error; err != nil {
		t.Fatal(err)
	}
	var published []models.Tender
	if err := store.DB.Where("status = 'published'").Order("id").Find(&published).Error; err != nil {
		t.Fatal(err)
	}
	var past []int64
	for _, x := range published {
		if x.PastDeadline(time.Now()) {
			past = append(past, x.ID)
		}
	}
	if len(past) < 2 {
		t.Fatalf("%d of %d published tenders past their deadline", len(past), len(published))
	}
	// One of them with its bids withdrawn: unsuccessful by the clock.
	if err := store.DB.Exec("UPDATE bids SET status = 'withdrawn' WHERE tender_id = ?", past[0]).Error; err != nil {
		t.Fatal(err)
	}
	h, err := handlers.New(store, authz, slog.New(slog.NewTextHandler(io.Discard, nil)), handlers.Config{})
	if err != nil {
		t.Fatal(err)
	}
	portal := httptest.NewServer(h)
	defer portal.Close()
	db := openSame(t, store)
	defer db.close()
	for _, mode := range []string{sqlNow, sqlFiled} {
		t.Run(mode, func(t *testing.T) {
			bare := httptest.NewServer(newServer(db, mode))
			defer bare.Close()
			sameBytes(t, store, portal.URL, bare.URL)
		})
	}
}

// sameBytes compares the bare program's answers at bare with the portal's
// at portal, for every public tender, several list pages and drafts.
func sameBytes(t *testing.T, store *models.Store, portal, bare string) {

	var ids []int64
	var drafts []int64
	if err := store.DB.Raw("SELECT id FROM tenders WHERE published_at IS NOT NULL ORDER BY id").Scan(&ids).Error; err != nil {
		t.Fatal(err)
	}
	if err := store.DB.Raw("SELECT id FROM tenders WHERE published_at IS NULL ORDER BY id").Scan(&drafts).Error; err != nil {
		t.Fatal(err)
	}
	if len(ids) < 50 || len(drafts) == 0 {
		t.Fatalf("%d published tenders, %d drafts: too few to compare", len(ids), len(drafts))
	}
	paths := []string{"/api/v1/tenders", "/api/v1/tenders?per_page=50", "/api/v1/tenders?region=4501",
		"/api/v1/tenders?region=45&per_page=200&page=2", "/api/v1/tenders?region=450102", "/api/v1/tenders?region=9999",
		"/api/v1/tenders?per_page=7&page=3", "/api/v1/notices", "/api/v1/notices?per_page=200", "/api/v1/notices?per_page=200&page=2",
		"/api/v1/notices?per_page=30&page=4"}
	for _, id := range ids {
		paths = append(paths, fmt.Sprintf("/api/v1/tenders/%d", id))
	}
	statuses := map[string]int{}
	for _, p := range paths {
		ps, pb := get(t, portal+p)
		bs, bb := get(t, bare+p)
		if ps != http.StatusOK || bs != ps {
			t.Errorf("%s: portal %d, bare %d", p, ps, bs)
			continue
		}
		if !bytes.Equal(pb, bb) {
			t.Errorf("%s: the answers differ\nportal %s\nbare   %s", p, pb, bb)
		}
		var st struct{ Status string }
		_ = json.Unmarshal(pb, &st)
		statuses[st.Status]++
	}
	// The dataset has tenders whose status the clock derives.
	if statuses["opened"] == 0 || statuses["unsuccessful"] == 0 || statuses["cancelled"] == 0 || statuses["awarded"]+statuses["contracted"] == 0 {
		t.Errorf("statuses compared: %v", statuses)
	}
	// Drafts and malformed ids are not found on both (the bodies differ:
	// the portal's is problem+json).
	for _, p := range []string{fmt.Sprintf("/api/v1/tenders/%d", drafts[0]), "/api/v1/tenders/0", "/api/v1/tenders/x", "/api/v1/tenders/99999999"} {
		ps, _ := get(t, portal+p)
		bs, _ := get(t, bare+p)
		if ps != http.StatusNotFound || bs != ps {
			t.Errorf("%s: portal %d, bare %d", p, ps, bs)
		}
	}
}

// generated is a fresh database with a generated province of 400 tenders
// and the given number of service reports.
func generated(t testing.TB, reports int) (*models.Store, *policy.Enforcer) {
	t.Helper()
	store, authz := testdb.Store(t)
	if _, err := store.EnsureAdmin(context.Background(), "bench-password-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := dataset.Generate(context.Background(), store.DB, store.Dialect, store.Sealer,
		dataset.Options{Scale: dataset.ScaleGuangxi, Seed: 3, Password: "bench-password-1", Tenders: 400, Organisations: 60, Reports: reports}); err != nil {
		t.Fatal(err)
	}
	return store, authz
}

// openSame opens the bare program's database handle on the store's
// database: the SQLite file, or the PostgreSQL database of the test run.
func openSame(t testing.TB, store *models.Store) database {
	t.Helper()
	if store.Dialect == models.Postgres {
		var name string
		if err := store.DB.Raw("SELECT current_database()").Scan(&name).Error; err != nil {
			t.Fatal(err)
		}
		u, err := url.Parse(os.Getenv("PORTAL_TEST_DATABASE_URL"))
		if err != nil {
			t.Fatal(err)
		}
		u.Path = "/" + name
		db, err := open(context.Background(), u.String(), "")
		if err != nil {
			t.Fatal(err)
		}
		return db
	}
	var rows []struct {
		Name string
		File string
	}
	if err := store.DB.Raw("PRAGMA database_list").Scan(&rows).Error; err != nil || len(rows) == 0 {
		t.Fatalf("database list: %v", err)
	}
	db, err := open(context.Background(), "", filepath.Dir(rows[0].File))
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func get(t *testing.T, u string) (int, []byte) {
	t.Helper()
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = res.Body.Close() }()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, b
}
