package dataset_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"portal/models"
	"portal/models/dataset"
	"portal/models/testdb"
	"portal/models/uscc"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// generated is the seed scale generated into a fresh database.
func generated(t *testing.T) (*models.Store, *dataset.Figures) {
	t.Helper()
	s, _ := testdb.Store(t)
	start := time.Now()
	f, err := dataset.Generate(context.Background(), s.DB, s.Dialect, s.Sealer, dataset.Options{Scale: dataset.ScaleSeed, Seed: 7, Password: "generated-pass-1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("seed scale on %s in %s", s.Dialect, time.Since(start).Round(time.Millisecond))
	return s, f
}

// count runs a COUNT query.
func count(t *testing.T, s *models.Store, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := s.DB.Raw(q, args...).Scan(&n).Error; err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// none fails when the query finds rows: each names what must not exist.
func none(t *testing.T, s *models.Store, what, q string) {
	t.Helper()
	if n := count(t, s, "SELECT COUNT(*) FROM ("+q+") x"); n > 0 {
		t.Errorf("%s: %d rows", what, n)
	}
}

// TestSeedScaleFigures: the article's year, exactly as its figures say,
// and the plan's figures agree with the rows written.
func TestSeedScaleFigures(t *testing.T) {
	s, f := generated(t)
	tt := f.Totals
	if f.From != "2019-01-01" || f.To != "2019-12-31" {
		t.Errorf("period %s – %s", f.From, f.To)
	}
	if tt.RegionsBuying.Cities != 10 || tt.RegionsBuying.Counties != 62 || tt.ProjectsPublished != 112 || tt.OrganisationsServing != 93 ||
		tt.SocialWorkers != 312 || tt.VolunteerPersonTimes != 27_000 || tt.ChildrenServedPersonTimes != 80_640 {
		t.Errorf("totals %+v", tt)
	}
	// The same figures counted from the rows (a few, by plain SQL).
	if n := count(t, s, "SELECT COUNT(*) FROM tenders WHERE published_at IS NOT NULL"); n != tt.ProjectsPublished {
		t.Errorf("published tenders %d, figures %d", n, tt.ProjectsPublished)
	}
	if n := count(t, s, "SELECT COUNT(*) FROM ocds_releases"); n != tt.ProjectsPublished {
		t.Errorf("open-data releases: %d, want one per published tender (%d)", n, tt.ProjectsPublished)
	}
	if n := count(t, s, "SELECT COALESCE(SUM(volunteer_person_times), 0) FROM service_reports WHERE status = 'approved'"); n != tt.VolunteerPersonTimes {
		t.Errorf("approved volunteer person-times %d, figures %d", n, tt.VolunteerPersonTimes)
	}
	if n := count(t, s, "SELECT COALESCE(SUM(children_served_person_times), 0) FROM service_reports WHERE status = 'approved'"); n != tt.ChildrenServedPersonTimes {
		t.Errorf("approved children served %d, figures %d", n, tt.ChildrenServedPersonTimes)
	}
	if n := count(t, s, "SELECT COUNT(*) FROM service_reports WHERE status <> 'approved'"); n == 0 {
		t.Error("every report is approved: the figures would not show that only approved ones count")
	}
	if n := count(t, s, `SELECT COUNT(*) FROM organisation_staff WHERE level <> '' AND organisation_id IN (SELECT organisation_id FROM contracts)`); n != tt.SocialWorkers {
		t.Errorf("certified workers of contracted organisations %d, figures %d", n, tt.SocialWorkers)
	}
	if n := count(t, s, "SELECT COALESCE(SUM(amount_fen), 0) FROM payment_tranches WHERE status = 'paid' AND paid_on BETWEEN '2019-01-01' AND '2019-12-31'"); n != tt.PaidFen {
		t.Errorf("paid %d, figures %d", n, tt.PaidFen)
	}
	if n := count(t, s, "SELECT COALESCE(SUM(budget_fen), 0) FROM tenders WHERE published_at IS NOT NULL"); n != tt.BudgetFen {
		t.Errorf("budget %d, figures %d", n, tt.BudgetFen)
	}
	var bySource, byItem int64
	for _, x := range f.BySource {
		bySource += x.ContractedFen
	}
	for _, x := range f.ByItem {
		byItem += x.ContractedFen
	}
	if bySource != tt.ContractedFen || byItem != tt.ContractedFen {
		t.Errorf("contracted %d, by source %d, by item %d", tt.ContractedFen, bySource, byItem)
	}
	var children int64
	for _, c := range f.Children {
		children += c.Totals.ProjectsPublished
	}
	if children+count(t, s, "SELECT COUNT(*) FROM tenders WHERE region_code = '45' AND published_at IS NOT NULL") != tt.ProjectsPublished {
		t.Errorf("cities' projects %d do not add up to the province's", children)
	}
	if tt.Evaluations == 0 || tt.AverageScore == nil || tt.Grades.Excellent+tt.Grades.Good+tt.Grades.Pass+tt.Grades.Fail != tt.Evaluations {
		t.Errorf("evaluations %d, grades %+v", tt.Evaluations, tt.Grades)
	}
}

// TestGeneratedRowsKeepTheRules checks the lifecycles' rules on the rows
// of the seed scale (TestEveryStatusAndMethod on a small guangxi scale).
func TestGeneratedRowsKeepTheRules(t *testing.T) {
	s, _ := generated(t)
	checkRules(t, s)
}

func checkRules(t *testing.T, s *models.Store) {
	t.Helper()
	none(t, s, "contracted tender without exactly one contract and a won bid",
		`SELECT t.id FROM tenders t WHERE t.status = 'contracted' AND ((SELECT COUNT(*) FROM contracts c WHERE c.tender_id = t.id) <> 1
		 OR NOT EXISTS (SELECT 1 FROM bids b WHERE b.id = t.winner_bid_id AND b.tender_id = t.id AND b.status = 'won'))`)
	none(t, s, "contract of a tender not contracted", `SELECT c.id FROM contracts c JOIN tenders t ON t.id = c.tender_id WHERE t.status <> 'contracted'`)
	none(t, s, "contract not with the winner at its price",
		`SELECT c.id FROM contracts c JOIN tenders t ON t.id = c.tender_id JOIN bids b ON b.id = t.winner_bid_id
		 WHERE b.organisation_id <> c.organisation_id OR c.region_code <> t.region_code OR c.service_start <> t.service_start OR c.number <> 'HT-' || t.code`)
	none(t, s, "awarded tender without one winner ranked first and a clear credit check",
		`SELECT t.id FROM tenders t WHERE t.status IN ('awarded', 'contracted') AND (t.awarded_at IS NULL
		 OR (SELECT COUNT(*) FROM bids b WHERE b.tender_id = t.id AND b.status = 'won' AND b.rank = 1) <> 1
		 OR NOT EXISTS (SELECT 1 FROM credit_checks k JOIN bids b ON b.id = t.winner_bid_id WHERE k.tender_id = t.id AND k.organisation_id = b.organisation_id AND k.result = 'clear'))`)
	none(t, s, "tranches not adding up to the contract amount",
		`SELECT c.id FROM contracts c WHERE c.amount_fen <> (SELECT SUM(amount_fen) FROM payment_tranches p WHERE p.contract_id = c.id AND p.kind = 'tranche')
		 OR 100 <> (SELECT SUM(percent) FROM payment_tranches p WHERE p.contract_id = c.id AND p.kind = 'tranche')`)
	none(t, s, "paid payment without date and voucher, or paid before signing",
		`SELECT p.id FROM payment_tranches p JOIN contracts c ON c.id = p.contract_id WHERE p.status = 'paid' AND (p.paid_on IS NULL OR p.voucher_no = '' OR p.approved_at IS NULL)`)
	none(t, s, "report outside its contract's service",
		`SELECT r.id FROM service_reports r JOIN contracts c ON c.id = r.contract_id WHERE r.period_start < c.service_start OR r.period_end > c.service_end OR r.period_end < r.period_start OR r.organisation_id <> c.organisation_id`)
	none(t, s, "approved report of a contract never in service",
		`SELECT r.id FROM service_reports r JOIN contracts c ON c.id = r.contract_id WHERE r.status = 'approved' AND c.status = 'signed'`)
	none(t, s, "report without its versions", `SELECT r.id FROM service_reports r WHERE r.version <> (SELECT COUNT(*) FROM service_report_versions v WHERE v.report_id = r.id)`)
	none(t, s, "report with implausible figures",
		`SELECT id FROM service_reports WHERE volunteer_hours > 2400 * volunteer_person_times OR children_served_distinct > children_served_person_times`)
	none(t, s, "evaluation by a supervisor not assigned, or a grade not of its total",
		`SELECT e.id FROM supervision_evaluations e WHERE NOT EXISTS (SELECT 1 FROM contract_supervisors a WHERE a.contract_id = e.contract_id AND a.supervisor_id = e.supervisor_id)
		 OR e.grade <> CASE WHEN e.total >= 9000 THEN 'excellent' WHEN e.total >= 8000 THEN 'good' WHEN e.total >= 6000 THEN 'pass' ELSE 'fail' END`)
	none(t, s, "failed evaluation without its rectification",
		`SELECT e.id FROM supervision_evaluations e WHERE e.grade = 'fail' AND NOT EXISTS (SELECT 1 FROM rectifications r WHERE r.evaluation_id = e.id)`)
	none(t, s, "accepted contract without a complete final phase",
		`SELECT c.id FROM contracts c WHERE c.status IN ('accepted', 'under_acceptance') AND NOT EXISTS (SELECT 1 FROM supervision_evaluations e WHERE e.contract_id = c.id AND e.phase = 'final')`)
	none(t, s, "supervisor without a grant reaching the contract",
		`SELECT a.id FROM contract_supervisors a JOIN contracts c ON c.id = a.contract_id WHERE NOT EXISTS (SELECT 1 FROM casbin_rule g
		 WHERE g.ptype = 'g' AND g.v0 = 'u:' || CAST(a.supervisor_id AS TEXT) AND g.v1 = 'supervisor' AND c.region_code LIKE g.v2 || '%')`)
	none(t, s, "panel not of the method's size", `SELECT t.id FROM tenders t WHERE t.status IN ('awarded', 'contracted')
		AND (SELECT COUNT(*) FROM panel_members m WHERE m.tender_id = t.id AND m.active) < CASE WHEN t.method IN ('open_tender', 'invited_tender') THEN 5 ELSE 3 END`)
	none(t, s, "price weight and criteria not of the evaluation method", `SELECT t.id FROM tenders t WHERE CASE WHEN t.evaluation = 'lowest_price'
		THEN t.price_weight <> 100 OR EXISTS (SELECT 1 FROM tender_criteria c WHERE c.tender_id = t.id)
		ELSE t.price_weight NOT BETWEEN 10 AND 30 OR t.price_weight + (SELECT SUM(max_points) FROM tender_criteria c WHERE c.tender_id = t.id) <> 100 END`)
	none(t, s, "budget not the sum of its lines", `SELECT t.id FROM tenders t WHERE t.budget_fen <> (SELECT SUM(amount_fen) FROM tender_budget_lines b WHERE b.tender_id = t.id AND b.amount_fen > 0)`)
	none(t, s, "bid after the deadline", `SELECT b.id FROM bids b JOIN tenders t ON t.id = b.tender_id WHERE b.submitted_at > t.bid_deadline`)
	none(t, s, "a room held twice on one day", `SELECT a.id FROM office_allocations a JOIN office_allocations b ON b.room_id = a.room_id AND b.id < a.id
		WHERE a.held_to IS NOT NULL AND b.held_to IS NOT NULL AND a.from_on <= b.held_to AND b.from_on <= a.held_to`)
	none(t, s, "allocation outside its contract or to another organisation", `SELECT a.id FROM office_allocations a JOIN contracts c ON c.id = a.contract_id
		WHERE a.organisation_id <> c.organisation_id OR CAST(a.from_on AS TEXT) < c.service_start OR CAST(a.to_on AS TEXT) > c.service_end`)
	none(t, s, "contract signed with a challenge unanswered", `SELECT h.id FROM challenges h JOIN contracts c ON c.tender_id = h.tender_id
		WHERE h.answered_at IS NULL OR h.answered_at > c.signed_at`)
	none(t, s, "supervision session not by an assigned supervisor", `SELECT x.id FROM support_sessions x WHERE x.kind = 'supervision'
		AND NOT EXISTS (SELECT 1 FROM contract_supervisors a WHERE a.contract_id = x.contract_id AND a.supervisor_id = x.recorded_by)`)
	none(t, s, "organisation without a certified worker", `SELECT o.id FROM organisations o WHERE NOT EXISTS (SELECT 1 FROM organisation_staff s WHERE s.organisation_id = o.id AND s.level <> '')`)
	none(t, s, "organisation without an agency member", `SELECT o.id FROM organisations o WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.organisation_id = o.id)`)
	// Credit codes: valid GB 32100 codes whose registering office holds the organisation.
	var orgs []struct{ CreditCode, RegionCode, RegistrationType string }
	if err := s.DB.Raw("SELECT credit_code, region_code, registration_type FROM organisations").Scan(&orgs).Error; err != nil {
		t.Fatal(err)
	}
	for _, o := range orgs {
		c, err := uscc.Parse(o.CreditCode)
		if err != nil || c.RegistrationType() != o.RegistrationType {
			t.Errorf("credit code %s: %v (%s)", o.CreditCode, err, o.RegistrationType)
			continue
		}
		office := strings.TrimSuffix(strings.TrimSuffix(c.Division(), "00"), "00") // 450000 → 45, 450100 → 4501
		if !strings.HasPrefix(o.RegionCode, office) {
			t.Errorf("organisation of %s registered by the office of %s", o.RegionCode, c.Division())
		}
	}
	// A bid opens with the portal's key: the content the winner bid is its contract amount.
	var w struct {
		ID, TenderID, OrganisationID, AmountFen int64
		Sealed                                  []byte
	}
	if err := s.DB.Raw(`SELECT b.id, b.tender_id, b.organisation_id, b.sealed, c.amount_fen FROM bids b JOIN contracts c ON c.tender_id = b.tender_id
		WHERE b.status = 'won' ORDER BY b.id LIMIT 1`).Scan(&w).Error; err != nil {
		t.Fatal(err)
	}
	plain, err := s.Sealer.Open(w.Sealed, fmt.Sprintf("bid:%d:%d:%d", w.ID, w.TenderID, w.OrganisationID))
	if err != nil {
		t.Fatalf("the winning bid does not open with the portal's key: %v", err)
	}
	var content models.BidContent
	if err := json.Unmarshal(plain, &content); err != nil || content.PriceFen != w.AmountFen || len(content.Team) == 0 {
		t.Errorf("winning bid %+v (%v), contract amount %d", content, err, w.AmountFen)
	}
}

// TestEveryStatusAndMethod: the guangxi scale's mix, small: every tender
// status (opened read from the clock), method, contract, report and
// payment status appears.
func TestEveryStatusAndMethod(t *testing.T) {
	s, _ := testdb.Store(t)
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, models.ChinaZone)
	f, err := dataset.Generate(context.Background(), s.DB, s.Dialect, s.Sealer, dataset.Options{Scale: dataset.ScaleGuangxi, Seed: 3,
		Password: "generated-pass-1", Now: now, Tenders: 3000, Reports: 40_000, Organisations: 200})
	if err != nil {
		t.Fatal(err)
	}
	if f.Totals.RegionsBuying.Cities != 14 || f.Totals.RegionsBuying.Counties < 100 {
		t.Errorf("regions buying %+v", f.Totals.RegionsBuying)
	}
	nowUTC := now.UTC()
	for _, st := range []string{"draft", "published", "evaluating", "awarded", "contracted", "cancelled", "unsuccessful"} {
		if count(t, s, "SELECT COUNT(*) FROM tenders WHERE status = ?", st) == 0 {
			t.Errorf("no tender %s", st)
		}
	}
	if count(t, s, "SELECT COUNT(*) FROM tenders WHERE status = 'published' AND bid_deadline <= ?", nowUTC) == 0 {
		t.Error("no tender reads opened (published, past its deadline)")
	}
	if count(t, s, "SELECT COUNT(*) FROM tenders WHERE status = 'published' AND bid_deadline > ?", nowUTC) == 0 {
		t.Error("no tender open for bids")
	}
	for _, m := range models.MethodKeys {
		if count(t, s, "SELECT COUNT(*) FROM tenders WHERE method = ? AND status = 'contracted'", m) == 0 {
			t.Errorf("no contracted tender by %s", m)
		}
	}
	for _, st := range []string{"signed", "in_service", "under_acceptance", "accepted", "terminated"} {
		if count(t, s, "SELECT COUNT(*) FROM contracts WHERE status = ?", st) == 0 {
			t.Errorf("no contract %s", st)
		}
	}
	for _, st := range []string{"draft", "submitted", "approved", "returned"} {
		if count(t, s, "SELECT COUNT(*) FROM service_reports WHERE status = ?", st) == 0 {
			t.Errorf("no report %s", st)
		}
	}
	for _, st := range []string{"planned", "due", "approved", "paid", "cancelled"} {
		if count(t, s, "SELECT COUNT(*) FROM payment_tranches WHERE status = ?", st) == 0 {
			t.Errorf("no payment %s", st)
		}
	}
	checkRules(t, s)
	for _, table := range []string{"office_allocations", "support_sessions", "challenges", "enquiries", "tender_invitations", "rectifications", "supervision_visits"} {
		if count(t, s, "SELECT COUNT(*) FROM "+table) == 0 {
			t.Errorf("no rows in %s", table)
		}
	}
	approved := count(t, s, "SELECT COUNT(*) FROM service_reports WHERE status = 'approved'")
	all := count(t, s, "SELECT COUNT(*) FROM service_reports")
	if all < 36_000 || all > 44_000 || approved*10 < all*8 {
		t.Errorf("%d reports, %d approved: not about the 40,000 aimed at, mostly approved", all, approved)
	}
	none(t, s, "something after the clock", `SELECT id FROM tenders WHERE published_at > '`+nowUTC.Format(time.RFC3339)+`' OR created_at > '`+nowUTC.Format(time.RFC3339)+`'`)
	none(t, s, "payment paid after today", `SELECT id FROM payment_tranches WHERE paid_on > '`+now.Format(time.DateOnly)+`'`)
	// Generating twice is refused.
	if _, err := dataset.Generate(context.Background(), s.DB, s.Dialect, s.Sealer, dataset.Options{Scale: dataset.ScaleSeed, Password: "x-generated-1"}); !errors.Is(err, dataset.ErrNotEmpty) {
		t.Errorf("a second generation: %v", err)
	}
}
