package main

import (
	"context"
	"errors"

	"portal/models"
)

// demoPassword is every demo account's password (README lists the accounts).
const demoPassword = "demo-pass-2026"

// demoUsers: one user per staff role at region (45 Guangxi), city (4501
// Nanning) and county (450102 Xingning district) level.
var demoUsers = []struct {
	username, name, role, region string
}{
	{"gx-admin", "自治区管理员", models.RoleAdmin, "45"},
	{"gx-buyer", "自治区民政厅采购员", models.RoleProcurement, "45"},
	{"nn-buyer", "南宁市民政局采购员", models.RoleProcurement, "4501"},
	{"xn-buyer", "兴宁区民政局采购员", models.RoleProcurement, "450102"},
	{"gx-expert", "自治区评审专家", models.RoleExpert, "45"},
	{"nn-expert", "南宁市评审专家", models.RoleExpert, "4501"},
	{"xn-expert", "兴宁区评审专家", models.RoleExpert, "450102"},
	{"gx-supervisor", "自治区督导员", models.RoleSupervisor, "45"},
	{"nn-supervisor", "南宁市督导员", models.RoleSupervisor, "4501"},
	{"xn-supervisor", "兴宁区督导员", models.RoleSupervisor, "450102"},
}

// seedDemo fills the database with the demo accounts; it skips accounts
// that exist, so a second --demo start changes nothing.
func seedDemo(ctx context.Context, s *models.Store) error {
	actor, err := demoActor(ctx, s, "admin")
	if err != nil {
		return err
	}
	for _, d := range demoUsers {
		u, err := s.CreateUser(ctx, actor, models.NewUser{Username: d.username, Password: demoPassword, DisplayName: d.name})
		if errors.Is(err, models.ErrConflict) {
			continue
		}
		if err != nil {
			return err
		}
		if err := s.GrantRole(ctx, actor, u.ID, models.Grant{Role: d.role, Region: d.region}); err != nil {
			return err
		}
	}
	if err := seedDemoOrganisations(ctx, s); err != nil {
		return err
	}
	if err := seedDemoTenders(ctx, s); err != nil {
		return err
	}
	return seedDemoOffice(ctx, s)
}
