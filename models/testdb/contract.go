package testdb

import (
	"fmt"
	"testing"
	"time"

	"portal/models"
	"portal/policy"

	"gorm.io/gorm"
)

// ContractFixture is a signed contract written straight into the
// database, for tests of what happens after signing (the schedule and the
// reminders) without walking a whole tender.
type ContractFixture struct {
	ContractID     int64
	Number         string
	OrganisationID int64
	Region         string
	Members        []*models.User // agency members of the organisation (password TestPassword)
}

// TestPassword is the password of fixture users.
const TestPassword = "fixture-password-1"

// Contract writes the n-th organisation of region (verified, with members
// named org<n>-a, org<n>-b holding the agency role; emails when given),
// a tender and its contract over [start, end] reporting by interval.
func Contract(t testing.TB, s *models.Store, n int, region, start, end, interval string, emails ...string) ContractFixture {
	t.Helper()
	db := s.DB
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	hash, err := models.HashPassword(TestPassword)
	if err != nil {
		t.Fatal(err)
	}
	org := map[string]any{"name": fmt.Sprintf("测试社会工作服务中心%d", n), "credit_code": fmt.Sprintf("52%s%010d", region[:6], n),
		"registration_type": "private_non_enterprise", "region_code": region, "status": "verified", "legal_rep": "张三",
		"founded_on": "2018-05-01", "phone": "0771-5551234", "created_at": now, "updated_at": now}
	if err := db.Table("organisations").Create(org).Error; err != nil {
		t.Fatal(err)
	}
	var orgID int64
	if err := db.Raw("SELECT id FROM organisations WHERE credit_code = ?", org["credit_code"]).Scan(&orgID).Error; err != nil {
		t.Fatal(err)
	}
	f := ContractFixture{OrganisationID: orgID, Region: region, Number: fmt.Sprintf("HT-T%d", n)}
	for i, suffix := range []string{"a", "b"} {
		u := &models.User{Username: fmt.Sprintf("org%d-%s", n, suffix), PasswordHash: hash, DisplayName: fmt.Sprintf("成员%d%s", n, suffix),
			OrganisationID: &orgID, CreatedAt: now, UpdatedAt: now}
		if i < len(emails) {
			u.Email = emails[i]
		}
		if err := db.Create(u).Error; err != nil {
			t.Fatal(err)
		}
		apply, err := s.Authz.AddGrant(db, u.ID, models.Grant{Role: models.RoleAgency, Region: region})
		if err != nil {
			t.Fatal(err)
		}
		apply()
		f.Members = append(f.Members, u)
	}
	tender := map[string]any{"code": fmt.Sprintf("T-%d", n), "title": "测试项目", "region_code": region, "catalogue_year": 2026,
		"catalogue_code": "A01", "method": "open_tender", "evaluation": "comprehensive", "status": "contracted", "budget_fen": 100_000_00,
		"price_weight": 30, "service_start": start, "service_end": end, "bid_deadline": now, "created_by": f.Members[0].ID,
		"created_at": now, "updated_at": now}
	if err := db.Table("tenders").Create(tender).Error; err != nil {
		t.Fatal(err)
	}
	var tenderID int64
	if err := db.Raw("SELECT id FROM tenders WHERE code = ?", tender["code"]).Scan(&tenderID).Error; err != nil {
		t.Fatal(err)
	}
	c := &models.Contract{Number: f.Number, TenderID: tenderID, OrganisationID: orgID, RegionCode: region, AmountFen: 100_000_00,
		ServiceStart: start, ServiceEnd: end, Status: models.ContractSigned, SignedAt: now, SignedBy: f.Members[0].ID, CreatedAt: now, UpdatedAt: now}
	if err := db.Create(c).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Exec("UPDATE contracts SET report_interval = ? WHERE id = ?", interval, c.ID).Error; err != nil {
		t.Fatal(err)
	}
	f.ContractID = c.ID
	return f
}

// Report writes a service report of the contract for one period in a
// status, straight into the table: the schedule's tests need reports in
// any status without walking the reports' lifecycle.
func Report(t testing.TB, s *models.Store, f ContractFixture, start, end, status string) int64 {
	t.Helper()
	now := time.Now().UTC()
	row := map[string]any{"contract_id": f.ContractID, "organisation_id": f.OrganisationID, "period_start": start, "period_end": end,
		"status": status, "version": 1, "created_by": f.Members[0].ID, "created_at": now, "updated_at": now}
	if status != "draft" {
		row["submitted_at"] = now
	}
	if err := s.DB.Table("service_reports").Create(row).Error; err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := s.DB.Raw("SELECT MAX(id) FROM service_reports WHERE contract_id = ?", f.ContractID).Scan(&id).Error; err != nil {
		t.Fatal(err)
	}
	return id
}

// SetReport changes a fixture report's status (a return, a resubmission).
func SetReport(t testing.TB, s *models.Store, id int64, status string) {
	t.Helper()
	if err := s.DB.Exec("UPDATE service_reports SET status = ? WHERE id = ?", status, id).Error; err != nil {
		t.Fatal(err)
	}
}

// SecondStore opens another connection pool to the database behind s, as
// a second portal process would, with its own enforcer and the same
// settings. It is closed when the test ends.
func SecondStore(t testing.TB, s *models.Store) *models.Store {
	t.Helper()
	var db2 *gorm.DB
	var err error
	if s.Dialect == models.SQLite {
		var rows []struct {
			Name, File string
		}
		if err := s.DB.Raw("PRAGMA database_list").Scan(&rows).Error; err != nil || len(rows) == 0 {
			t.Fatalf("sqlite file: %v", err)
		}
		db2, _, err = models.OpenSQLite(rows[0].File)
	} else {
		var name string
		if err := s.DB.Raw("SELECT current_database()").Scan(&name).Error; err != nil {
			t.Fatal(err)
		}
		db2, _, err = models.OpenDB(tpl.pgURL(name), "")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sqlDB, _ := db2.DB()
		sqlDB.Close()
	})
	en, err := policy.New(db2)
	if err != nil {
		t.Fatal(err)
	}
	s2 := models.NewStore(db2, s.Dialect, en)
	s2.Settings, s2.Now, s2.Files, s2.Sealer = s.Settings, s.Now, s.Files, s.Sealer
	return s2
}
