package handlers_test

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"
)

// TestRequestsDoNotAskThePolicyVersionEachTime: every request loads its
// actor through the enforcer, which asks the database for the policy
// version at most once a second, not once a request.
func TestRequestsDoNotAskThePolicyVersionEachTime(t *testing.T) {
	e := newEnv(t)
	var asked atomic.Int64
	count := func(db *gorm.DB) {
		if strings.Contains(db.Statement.SQL.String(), "policy_versions") {
			asked.Add(1)
		}
	}
	cb := e.store.DB.Callback()
	if err := cb.Raw().After("gorm:raw").Register("test:policy_versions_raw", count); err != nil {
		t.Fatal(err)
	}
	if err := cb.Row().After("gorm:row").Register("test:policy_versions_row", count); err != nil {
		t.Fatal(err)
	}
	if err := cb.Query().After("gorm:query").Register("test:policy_versions_query", count); err != nil {
		t.Fatal(err)
	}
	// The counter counts: a forced check is seen.
	if err := e.authz.Refresh(t.Context()); err != nil || asked.Load() != 1 {
		t.Fatalf("the counter missed the version query: %d, %v", asked.Load(), err)
	}
	asked.Store(0)
	c := e.anon()
	start := time.Now()
	for range 50 {
		if status, body := c.do("GET", "/api/v1/tenders?per_page=5", nil); status != 200 {
			t.Fatalf("list: %d %s", status, body)
		}
	}
	// At most one check a second of the run, and one more for the second
	// it started in.
	limit := 1 + int64(time.Since(start)/time.Second) + 1
	if n := asked.Load(); n > limit {
		t.Fatalf("50 requests asked the policy version %d times (at most %d)", n, limit)
	}
}
