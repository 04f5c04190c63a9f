package models_test

import (
	"context"
	"os"
	"testing"
	"time"

	"portal/models"
	"portal/models/testdb"
	"portal/policy"
)

// TestGrantsReachOtherProcesses: a second portal process on the same
// database (its own enforcer) sees a grant made by the first after its
// next refresh, as behind a load balancer.
func TestGrantsReachOtherProcesses(t *testing.T) {
	s, admin := bootstrap(t)
	ctx := context.Background()
	other, err := policy.New(s.DB)
	if err != nil {
		t.Fatal(err)
	}
	u, err := s.CreateUser(ctx, admin, models.NewUser{Username: "lan", Password: "long-enough-pw", DisplayName: "蓝"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.GrantRole(ctx, admin, u.ID, models.Grant{Role: models.RoleProcurement, Region: "4501"}); err != nil {
		t.Fatal(err)
	}
	if ok, _ := other.Enforce(models.Subject(u.ID), "450102", "audit:read"); ok {
		t.Fatal("the other process knew the grant before refreshing: the test proves nothing")
	}
	if err := other.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if ok, err := other.Enforce(models.Subject(u.ID), "450102", "audit:read"); !ok || err != nil {
		t.Fatalf("the other process does not see the grant after refreshing: %v", err)
	}
	grants, _ := other.Grants(u.ID)
	if len(grants) != 1 || grants[0].Region != "4501" {
		t.Fatalf("grants seen by the other process: %+v", grants)
	}
}

// TestRevocationsReachOtherProcesses: a revocation in one process holds in
// another after its next refresh, and takes only the revoked grant there,
// as here.
func TestRevocationsReachOtherProcesses(t *testing.T) {
	s, admin := bootstrap(t)
	ctx := context.Background()
	u, err := s.CreateUser(ctx, admin, models.NewUser{Username: "lan", Password: "long-enough-pw", DisplayName: "蓝"})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range []models.Grant{{Role: models.RoleProcurement, Region: "4501"}, {Role: models.RoleProcurement, Region: "450102"}} {
		if err := s.GrantRole(ctx, admin, u.ID, g); err != nil {
			t.Fatal(err)
		}
	}
	other, err := policy.New(s.DB)
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := other.Enforce(models.Subject(u.ID), "450103", "audit:read"); !ok {
		t.Fatal("the other process lacks the grant before the revocation")
	}
	if err := s.RevokeRole(ctx, admin, u.ID, models.Grant{Role: models.RoleProcurement, Region: "4501"}); err != nil {
		t.Fatal(err)
	}
	for name, en := range map[string]models.Authorizer{"this": s.Authz, "other": other} {
		if name == "other" {
			if ok, _ := other.Enforce(models.Subject(u.ID), "450103", "audit:read"); !ok {
				t.Fatal("the other process lost the grant before refreshing: the test proves nothing")
			}
			if err := other.Refresh(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if ok, _ := en.Enforce(models.Subject(u.ID), "450103", "audit:read"); ok {
			t.Errorf("%s process: the revoked grant still reaches 450103", name)
		}
		if ok, _ := en.Enforce(models.Subject(u.ID), "450102", "audit:read"); !ok {
			t.Errorf("%s process: the grant in 450102 went with the revoked one of 4501", name)
		}
		if grants, _ := en.Grants(u.ID); len(grants) != 1 || grants[0].Region != "450102" {
			t.Errorf("%s process: grants %+v", name, grants)
		}
	}
}

// TestPolicyChangesReachOtherProcessesWithinASecond: a grant made by a
// second process (its own pool and enforcer on the same database) holds
// in the first one's requests within about a second, with no refresh
// called by hand: by the once-a-second version check on either database,
// and on PostgreSQL by the notification alone.
func TestPolicyChangesReachOtherProcessesWithinASecond(t *testing.T) {
	grantElsewhere := func(t *testing.T, s *models.Store, name string) int64 {
		t.Helper()
		s2 := testdb.SecondStore(t, s)
		admin2 := actorFor(t, s2, "admin")
		u, err := s2.CreateUser(context.Background(), admin2, models.NewUser{Username: name, Password: "long-enough-pw", DisplayName: "蓝"})
		if err != nil {
			t.Fatal(err)
		}
		if err := s2.GrantRole(context.Background(), admin2, u.ID, models.Grant{Role: models.RoleProcurement, Region: "4501"}); err != nil {
			t.Fatal(err)
		}
		return u.ID
	}
	// seen polls as requests do (Fresh, then Enforce) until the grant
	// holds or the deadline passes.
	seen := func(t *testing.T, en *policy.Enforcer, userID int64, within time.Duration) time.Duration {
		t.Helper()
		start := time.Now()
		for time.Since(start) < within {
			if err := en.Fresh(context.Background()); err != nil {
				t.Fatal(err)
			}
			if ok, err := en.Enforce(models.Subject(userID), "450102", "audit:read"); err != nil {
				t.Fatal(err)
			} else if ok {
				return time.Since(start)
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatalf("the grant made by the other process was not seen within %s", within)
		return 0
	}
	t.Run("version check", func(t *testing.T) {
		s, _ := bootstrap(t)
		en := s.Authz.(*policy.Enforcer)
		id := grantElsewhere(t, s, "lan")
		seen(t, en, id, 3*time.Second)
	})
	t.Run("notification", func(t *testing.T) {
		if os.Getenv("PORTAL_TEST_DATABASE_URL") == "" {
			t.Skip("SQLite is one process: no notifications")
		}
		s, _ := bootstrap(t)
		en := s.Authz.(*policy.Enforcer)
		// No version check for an hour: only the notification can tell.
		en.SetCheckEvery(time.Hour)
		ctx, stop := context.WithCancel(context.Background())
		done := make(chan struct{})
		l := models.NewListener(s.DB)
		l.On(policy.Channel, en.Notified)
		go func() { defer close(done); l.Run(ctx, nil) }()
		defer func() { stop(); <-done }()
		for start := time.Now(); !l.Listening(); time.Sleep(10 * time.Millisecond) {
			if time.Since(start) > 5*time.Second {
				t.Fatal("the listener did not connect")
			}
		}
		if err := en.Fresh(context.Background()); err != nil { // the check made on connecting
			t.Fatal(err)
		}
		id := grantElsewhere(t, s, "lan")
		seen(t, en, id, 3*time.Second)

		// The listener's connection dies: it connects again and goes on.
		listener := func() (pid int64) {
			t.Helper()
			if err := s.DB.Raw("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query = ?",
				"LISTEN "+policy.Channel).Scan(&pid).Error; err != nil {
				t.Fatal(err)
			}
			return pid
		}
		first := listener()
		if first == 0 {
			t.Fatal("no listening connection")
		}
		if err := s.DB.Exec("SELECT pg_terminate_backend(?)", first).Error; err != nil {
			t.Fatal(err)
		}
		for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
			if pid := listener(); pid != 0 && pid != first && l.Listening() {
				break
			}
			if time.Since(start) > 5*time.Second {
				t.Fatal("the listener did not reconnect")
			}
		}
		if err := en.Fresh(context.Background()); err != nil { // the check made on reconnecting
			t.Fatal(err)
		}
		seen(t, en, grantElsewhere(t, s, "huang"), 3*time.Second)
		stop()
		<-done
		if l.Listening() {
			t.Fatal("the listener outlived its context")
		}
	})
}
