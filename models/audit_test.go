package models_test

import (
	"context"
	"strconv"
	"testing"

	"portal/models"
)

// TestAuditIsAtomicWithTheChange: when the audit row cannot be written, the
// change it records is rolled back too, and the audit log refuses edits.
func TestAuditIsAtomicWithTheChange(t *testing.T) {
	s, admin := bootstrap(t)
	ctx := context.Background()
	var before int64
	s.DB.Model(&models.AuditEvent{}).Count(&before)

	// Make the next audit insert fail.
	var trigger []string
	if s.Dialect == models.Postgres {
		trigger = []string{
			`CREATE FUNCTION fail_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit down'; END; $$`,
			`CREATE TRIGGER fail_audit BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION fail_audit()`,
		}
	} else {
		trigger = []string{`CREATE TRIGGER fail_audit BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'audit down'); END;`}
	}
	for _, sql := range trigger {
		if err := s.DB.Exec(sql).Error; err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.CreateUser(ctx, admin, models.NewUser{Username: "ghost", Password: "long-enough-pw", DisplayName: "幽灵"}); err == nil {
		t.Fatal("CreateUser succeeded although its audit row failed")
	}
	var n int64
	s.DB.Model(&models.User{}).Where("username = ?", "ghost").Count(&n)
	if n != 0 {
		t.Fatal("the user was created without its audit row")
	}
	if err := s.DB.Exec("DROP TRIGGER fail_audit" + map[bool]string{true: " ON audit_events", false: ""}[s.Dialect == models.Postgres]).Error; err != nil {
		t.Fatal(err)
	}

	u, err := s.CreateUser(ctx, admin, models.NewUser{Username: "real", Password: "long-enough-pw", DisplayName: "真人"})
	if err != nil {
		t.Fatal(err)
	}
	events, err := s.AuditEvents(ctx, admin, models.AuditFilter{ObjectType: "user", ObjectID: strconv.FormatInt(u.ID, 10)}, models.Page{})
	if err != nil || events.Total != 1 || events.Items[0].Action != "user.create" || events.Items[0].ActorName != "admin" || events.Items[0].RemoteAddr != "192.0.2.1" {
		t.Fatalf("audit of user %d: %+v, %v", u.ID, events, err)
	}
	if err := s.DB.Exec("UPDATE audit_events SET action = 'x'").Error; err == nil {
		t.Fatal("audit_events accepted an UPDATE")
	}
	if err := s.DB.Exec("DELETE FROM audit_events").Error; err == nil {
		t.Fatal("audit_events accepted a DELETE")
	}
}

// TestAuditScopedToRegion: procurement staff read only their region's events.
func TestAuditScopedToRegion(t *testing.T) {
	s, admin := bootstrap(t)
	ctx := context.Background()
	for _, d := range []struct{ name, region string }{{"nnbuyer", "4501"}, {"lzbuyer", "4502"}} {
		u, err := s.CreateUser(ctx, admin, models.NewUser{Username: d.name, Password: "long-enough-pw", DisplayName: d.name})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.GrantRole(ctx, admin, u.ID, models.Grant{Role: models.RoleProcurement, Region: d.region}); err != nil {
			t.Fatal(err)
		}
	}
	nn := actorFor(t, s, "nnbuyer")
	list, err := s.AuditEvents(ctx, nn, models.AuditFilter{}, models.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if list.Total != 1 || list.Items[0].RegionCode != "4501" {
		t.Fatalf("Nanning staff see %+v, want only the 4501 grant", list.Items)
	}
	all, _ := s.AuditEvents(ctx, admin, models.AuditFilter{}, models.Page{PerPage: 200})
	if all.Total <= list.Total {
		t.Fatalf("the nationwide admin sees %d events, no more than Nanning's %d", all.Total, list.Total)
	}
}
