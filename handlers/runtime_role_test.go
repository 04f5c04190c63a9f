package handlers_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"portal/handlers"
	"portal/migrations"
	"portal/models"
	"portal/models/blob"
	"portal/models/testdb"
	"portal/policy"
)

// TestPortalRunsAsRuntimeRole migrates as the owner and runs the portal as
// a role that may only read and append to audit_events (PostgreSQL).
func TestPortalRunsAsRuntimeRole(t *testing.T) {
	owner, _ := testdb.Open(t)
	rt := testdb.RuntimeRole(t, owner)
	ctx := t.Context()

	// Start-up as serve does it: the schema check, the policy, the first
	// administrator.
	if err := migrations.Apply(ctx, rt, models.Postgres); err != nil {
		t.Fatalf("start-up schema check as the runtime role: %v", err)
	}
	authz, err := policy.New(rt)
	if err != nil {
		t.Fatal(err)
	}
	store := models.NewStore(rt, models.Postgres, authz)
	store.Files, store.Sealer = blob.NewDir(t.TempDir()), models.RandomSealer()
	if _, err := store.EnsureAdmin(ctx, testPassword); err != nil {
		t.Fatalf("first administrator as the runtime role: %v", err)
	}
	h, err := handlers.New(store, authz, slog.New(slog.NewTextHandler(io.Discard, nil)), handlers.Config{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	e := &env{t: t, store: store, authz: authz, srv: srv}
	e.root = e.actor("admin")

	// Normal work: sessions and the sign-in throttle, users and grants,
	// a registration, a published tender and an enquiry, the audit log.
	w := &tenderWorld{e: e, now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	store.Now = func() time.Time { return w.now }
	if s, _ := e.anon().do("POST", "/api/v1/session", map[string]string{"username": "admin", "password": "wrong"}); s != 401 {
		t.Fatalf("wrong password: %d", s)
	}
	admin := e.signIn("admin")
	s, b := admin.do("POST", "/api/v1/users", map[string]string{"username": "xn-buyer", "password": testPassword, "display_name": "采购"})
	buyer := decode[idOnly](t, must(t, 201, s, b, "create user")).ID
	s, b = admin.do("POST", fmt.Sprintf("/api/v1/users/%d/roles", buyer), map[string]string{"role": "procurement", "region": "450102"})
	must(t, 201, s, b, "grant")
	s, b = admin.do("POST", fmt.Sprintf("/api/v1/users/%d/roles", buyer), map[string]string{"role": "procurement", "region": "450102"})
	must(t, 409, s, b, "grant twice")
	w.buyer = e.signIn("xn-buyer")
	org := e.registerOrg("agent1", "450102")
	e.verifyOrg(org)
	tender := w.publish(t)
	s, b = e.signIn("agent1").do("POST", fmt.Sprintf("/api/v1/tenders/%d/enquiries", tender), map[string]string{"question": "是否包括事实无人抚养儿童？"})
	must(t, 201, s, b, "ask")
	s, b = admin.do("POST", fmt.Sprintf("/api/v1/users/%d/disable", buyer), nil)
	must(t, 200, s, b, "disable")
	s, b = admin.do("GET", "/api/v1/audit", nil)
	if must(t, 200, s, b, "audit log"); !strings.Contains(string(b), "enquiry.ask") {
		t.Fatalf("audit log: %s", b)
	}

	var before int64
	rt.Table("audit_events").Count(&before)
	for _, stmt := range []string{
		"UPDATE audit_events SET action = 'forged'",
		"DELETE FROM audit_events",
		"TRUNCATE audit_events",
	} {
		if err := rt.Exec(stmt).Error; err == nil || !strings.Contains(err.Error(), "permission denied") {
			t.Errorf("%s as the runtime role: %v, want permission denied", stmt, err)
		}
	}
	// The owner is refused too, by the triggers.
	for _, stmt := range []string{
		"UPDATE audit_events SET action = 'forged'",
		"DELETE FROM audit_events",
		"TRUNCATE audit_events",
		"TRUNCATE audit_events, users CASCADE",
	} {
		if err := owner.Exec(stmt).Error; err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s as the owner: %v, want append-only", stmt, err)
		}
	}
	var after int64
	owner.Table("audit_events").Count(&after)
	if after != before || before == 0 {
		t.Fatalf("audit events %d before, %d after", before, after)
	}
}
