package models_test

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"portal/models"
)

// TestPoolsAreBoundedAndKeptIdle: on either database the pool holds at
// most its size and keeps every connection idle between requests, so a
// burst of parallel queries opens the pool once and never again.
func TestPoolsAreBoundedAndKeptIdle(t *testing.T) {
	url := os.Getenv("PORTAL_TEST_DATABASE_URL")
	want := models.DefaultSQLiteConns
	if url != "" {
		want = models.DefaultPostgresConns
	}
	db, _, err := models.OpenDB(url, filepath.Join(t.TempDir(), "data"))
	if err != nil {
		t.Fatal(err)
	}
	sqlDB, _ := db.DB()
	defer sqlDB.Close()
	burst := func() {
		var wg sync.WaitGroup
		for range 4 * want {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var n int
				if err := db.Raw("SELECT 1").Scan(&n).Error; err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
	}
	burst()
	st := sqlDB.Stats()
	if st.MaxOpenConnections != want || st.OpenConnections > want {
		t.Fatalf("pool: max %d open %d, want at most %d", st.MaxOpenConnections, st.OpenConnections, want)
	}
	if st.Idle != st.OpenConnections {
		t.Fatalf("only %d of %d connections kept idle", st.Idle, st.OpenConnections)
	}
	closed := st.MaxIdleClosed
	burst()
	if st := sqlDB.Stats(); st.MaxIdleClosed != closed {
		t.Fatalf("%d connections closed for want of idle room under load", st.MaxIdleClosed-closed)
	}
	small, _, err := models.OpenDBPool(url, filepath.Join(t.TempDir(), "data"), 3)
	if err != nil {
		t.Fatal(err)
	}
	smallDB, _ := small.DB()
	defer smallDB.Close()
	if n := smallDB.Stats().MaxOpenConnections; n != 3 {
		t.Fatalf("PORTAL_DB_MAX_CONNS: pool of %d, want 3", n)
	}
}
