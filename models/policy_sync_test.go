package models_test

import (
	"context"
	"testing"

	"portal/models"
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
