package policy_test

import (
	"context"
	"testing"

	"gorm.io/gorm"

	"portal/models"
	"portal/models/testdb"
	"portal/policy"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// TestGrantsFollowTheirChanges: a user's grants, kept in memory between
// requests, change with every grant and revocation of this process, and
// with another process's once the policy is reloaded.
func TestGrantsFollowTheirChanges(t *testing.T) {
	store, en := testdb.Store(t)
	ctx := context.Background()
	other, err := policy.New(store.DB)
	if err != nil {
		t.Fatal(err)
	}
	const user = 990001
	g := models.Grant{Role: models.RoleExpert, Region: "4501"}
	count := func(e *policy.Enforcer) int {
		t.Helper()
		gs, err := e.Grants(user)
		if err != nil {
			t.Fatal(err)
		}
		return len(gs)
	}
	change := func(fn func(tx *gorm.DB) (func(), error)) {
		t.Helper()
		var after func()
		if err := store.DB.Transaction(func(tx *gorm.DB) error {
			var err error
			after, err = fn(tx)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		after()
	}
	if count(en) != 0 || count(other) != 0 {
		t.Fatal("grants before any")
	}
	change(func(tx *gorm.DB) (func(), error) { return en.AddGrant(tx, user, g) })
	if n := count(en); n != 1 {
		t.Fatalf("after the grant: %d grants", n)
	}
	if n := count(other); n != 0 {
		t.Fatalf("another process before it reloads: %d grants", n)
	}
	if err := other.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if n := count(other); n != 1 {
		t.Fatalf("another process after it reloads: %d grants", n)
	}
	change(func(tx *gorm.DB) (func(), error) { return en.RemoveGrant(tx, user, g) })
	if n := count(en); n != 0 {
		t.Fatalf("after the revocation: %d grants", n)
	}
}
