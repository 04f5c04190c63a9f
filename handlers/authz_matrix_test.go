package handlers_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"portal/models"
)

// The authorisation matrix: every route × every persona, with the expected
// status. Personas are the anonymous public and each role granted in the
// objects' own region (Nanning, 4501) or in another region (Liuzhou, 4502).
// Later features add their routes to matrixRoutes.
var personas = []string{
	"anon",
	"admin", "admin-other",
	"procurement", "procurement-other",
	"expert", "expert-other",
	"supervisor", "supervisor-other",
	"agency", "agency-other",
}

const (
	ownRegion   = "4501"
	otherRegion = "4502"
)

// matrixRoute is one route. path and body may use placeholders that the
// fixture fills for each request: {user} a fresh user with a role in
// 450102, {n} a unique number.
type matrixRoute struct {
	method, path string
	body         func(n int) any
	want         string // "persona=status ..." with "*" for every other persona
}

var matrixRoutes = []matrixRoute{
	{"GET", "/healthz", nil, "*=200"},
	{"GET", "/readyz", nil, "*=200"},
	{"GET", "/api/v1/regions?parent=45", nil, "*=200"},
	{"GET", "/api/v1/regions/450102", nil, "*=200"},
	{"GET", "/api/v1/regions/999999", nil, "*=404"},
	{"GET", "/api/v1/me", nil, "anon=401 *=200"},
	{"DELETE", "/api/v1/session", nil, "*=204"},
	{"GET", "/api/v1/users", nil, "anon=401 admin=200 admin-other=200 *=403"},
	{"POST", "/api/v1/users", func(n int) any {
		return map[string]string{"username": fmt.Sprintf("new%d", n), "password": "a-long-password", "display_name": "新用户"}
	}, "anon=401 admin=201 admin-other=201 *=403"},
	{"GET", "/api/v1/users/{user}", nil, "anon=401 admin=200 admin-other=404 *=404"},
	{"POST", "/api/v1/users/{user}/roles", func(int) any { return map[string]string{"role": "expert", "region": "450103"} },
		"anon=401 admin=201 admin-other=404 *=403"},
	{"POST", "/api/v1/users/{user}/disable", nil, "anon=401 admin=200 admin-other=404 *=403"},
	{"POST", "/api/v1/users/{user}/enable", nil, "anon=401 admin=409 admin-other=404 *=403"},
	{"GET", "/api/v1/audit", nil, "anon=401 admin=200 admin-other=200 procurement=200 procurement-other=200 *=403"},
	// Accounts: one's own password (an invalid body, so that no persona's
	// password changes or attempt counts); an admin's reset and revocation
	// take the reach of reading {user} (a supervisor of 450102).
	{"POST", "/api/v1/me/password", func(int) any { return map[string]string{"current_password": "x", "new_password": "short"} }, "anon=401 *=422"},
	{"POST", "/api/v1/users/{user}/password", func(int) any { return map[string]string{"temporary_password": "temporary-pw-9"} },
		"anon=401 admin=200 admin-other=404 *=403"},
	{"DELETE", "/api/v1/users/{user}/roles", func(int) any { return map[string]string{"role": "supervisor", "region": "450102"} },
		"anon=401 admin=204 admin-other=404 *=403"},
	{"GET", "/account/password", nil, "anon=303 *=200"},
	{"POST", "/account/password", nil, "anon=401 *=422"},
	{"GET", "/admin/users/{user}/password", nil, "anon=303 admin=200 admin-other=404 *=403"},
	{"POST", "/admin/users/{user}/password", nil, "anon=401 admin=422 admin-other=404 *=403"},
	{"GET", "/admin/users/{user}/revoke?role=supervisor&region=450102", nil, "anon=303 admin=200 admin-other=404 *=403"},
	{"POST", "/admin/users/{user}/revoke", nil, "anon=401 admin=422 admin-other=404 *=403"},
	{"GET", "/", nil, "*=200"},
	{"GET", "/login", nil, "anon=200 *=303"},
	{"GET", "/regions?parent=4501", nil, "*=200"},
	{"GET", "/admin/users", nil, "anon=303 admin=200 admin-other=200 *=403"},
	{"GET", "/admin/users/new", nil, "anon=303 admin=200 admin-other=200 *=403"},
	{"GET", "/admin/users/{user}", nil, "anon=303 admin=200 admin-other=404 *=403"},
	{"GET", "/admin/audit", nil, "anon=303 admin=200 admin-other=200 procurement=200 procurement-other=200 *=403"},
	// The working-day calendar: anyone reads it; only a nationwide admin
	// changes it, so the regional admins are refused in the model.
	{"GET", "/api/v1/calendar?year=2026", nil, "*=200"},
	{"GET", "/api/v1/calendar?year=20x6", nil, "*=422"},
	{"POST", "/api/v1/calendar/days", func(n int) any {
		return map[string]any{"year": 2030, "source": map[string]string{"title": "国务院办公厅关于2030年部分节假日安排的通知", "issued_on": "2029-11-01", "url": "https://www.gov.cn/2030.htm"},
			"days": []map[string]string{{"date": fmt.Sprintf("2030-%02d-%02d", 1+n%12, 1+n%28), "kind": "holiday", "name": "测试"}}}
	}, "anon=401 *=403"},
	{"GET", "/admin/calendar", nil, "anon=303 admin=200 admin-other=200 *=403"},
	{"GET", "/admin/calendar?year=2030", nil, "anon=303 admin=200 admin-other=200 *=403"},
	{"POST", "/admin/calendar", nil, "anon=401 *=403"},
	{"GET", "/no/such/page", nil, "*=404"},
	// Notifications: each reader its own; {note} is the "agency" persona's.
	{"GET", "/api/v1/notifications", nil, "anon=401 *=200"},
	{"GET", "/api/v1/notifications?unread=true", nil, "anon=401 *=200"},
	{"GET", "/api/v1/notifications?unread=maybe", nil, "anon=401 *=400"},
	{"POST", "/api/v1/notifications/{note}/read", nil, "anon=401 agency=200 *=404"},
	{"POST", "/api/v1/notifications/read-all", nil, "anon=401 *=204"},
	{"GET", "/notifications", nil, "anon=303 *=200"},
	{"GET", "/notifications.xlsx", nil, "anon=303 *=200"},
	{"POST", "/notifications/{note}/read", nil, "anon=401 agency=303 *=404"},
	{"POST", "/notifications/read-all", nil, "anon=401 *=303"},
	// Catalogue: anyone reads published versions; only procurement staff of
	// a province change it, so every persona here (city level) is refused;
	// {draft} is a draft version of 45 that none of them may see.
	{"GET", "/api/v1/catalogue/items", nil, "*=200"},
	{"GET", "/api/v1/catalogue/items?year=2026&region=450102", nil, "*=200"},
	{"GET", "/api/v1/catalogue/items?year={draft}", nil, "*=404"},
	{"GET", "/api/v1/catalogue/items/C0601", nil, "*=200"},
	{"GET", "/api/v1/catalogue/items/C0699", nil, "*=404"},
	{"GET", "/api/v1/catalogue/items/C0601?year={draft}", nil, "*=404"},
	{"POST", "/api/v1/catalogue/items", func(n int) any {
		return map[string]any{"year": catalogueDraftYear, "code": fmt.Sprintf("C06%02d", 10+n%80), "parent": "C06", "name": "新事项", "name_en": "New item"}
	}, "anon=401 *=403"},
	{"PATCH", "/api/v1/catalogue/items/C0601?year={draft}", func(int) any { return map[string]string{"name": "改名"} }, "anon=401 *=403"},
	{"GET", "/api/v1/catalogue/versions", nil, "*=200"},
	{"GET", "/api/v1/catalogue/versions/2026", nil, "*=200"},
	{"GET", "/api/v1/catalogue/versions/{draft}", nil, "*=404"},
	{"POST", "/api/v1/catalogue/versions", func(n int) any { return map[string]int{"from_year": 2026, "year": 2030 + n%60} }, "anon=401 *=403"},
	{"POST", "/api/v1/catalogue/versions/{draft}/publish", nil, "anon=401 *=403"},
	{"GET", "/catalogue", nil, "*=200"},
	{"GET", "/catalogue?year={draft}", nil, "*=404"},
	{"GET", "/catalogue/items/C0601", nil, "*=200"},
	{"GET", "/catalogue/items/C0699", nil, "*=404"},
	{"GET", "/catalogue/manage", nil, "anon=303 *=403"},
	{"GET", "/catalogue/manage/items/new?year={draft}", nil, "anon=303 *=403"},
	{"GET", "/catalogue/manage/items/C0601/edit?year={draft}", nil, "anon=303 *=403"},
	{"POST", "/catalogue/manage/versions", nil, "anon=401 *=403"},
	{"POST", "/catalogue/manage/versions/{draft}/publish", nil, "anon=401 *=403"},
	{"POST", "/catalogue/manage/items", nil, "anon=401 *=403"},
	{"POST", "/catalogue/manage/items/C0601", nil, "anon=401 *=403"},
	// Organisations: {org} a verified and {pending} a pending organisation
	// of 4501 ({fresh-…} new ones for rows that change them); {myorg} the
	// "agency" persona's own (verified) organisation.
	{"POST", "/api/v1/registrations", func(n int) any {
		return orgBody(fmt.Sprintf("reg%d", n), "450105", orgCreditCode("450105", n))
	}, "*=201"},
	{"GET", "/api/v1/organisations", nil, "*=200"},
	{"GET", "/api/v1/organisations?status=pending", nil, "*=200"},
	{"GET", "/api/v1/organisations/{org}", nil, "*=200"},
	{"GET", "/api/v1/organisations/{pending}", nil, "procurement=200 supervisor=200 *=404"},
	{"GET", "/api/v1/organisations/{myorg}", nil, "*=200"},
	{"PATCH", "/api/v1/organisations/{myorg}", func(n int) any { return map[string]int{"volunteers": n} }, "anon=401 agency=200 *=403"},
	{"PATCH", "/api/v1/organisations/{pending}", func(n int) any { return map[string]int{"volunteers": n} }, "anon=401 agency=404 agency-other=404 *=403"},
	{"POST", "/api/v1/organisations/{fresh-pending}/verify", func(int) any { return map[string]string{} }, "anon=401 procurement=200 procurement-other=404 *=403"},
	{"POST", "/api/v1/organisations/{fresh-pending}/reject", func(int) any { return map[string]string{"reason": "材料不全"} }, "anon=401 procurement=200 procurement-other=404 *=403"},
	{"POST", "/api/v1/organisations/{pending}/suspend", func(int) any { return map[string]string{"reason": "x"} }, "anon=401 procurement=409 procurement-other=404 *=403"},
	{"POST", "/api/v1/organisations/{fresh-org}/suspend", func(int) any { return map[string]string{"reason": "投诉"} }, "anon=401 procurement=200 procurement-other=403 *=403"},
	{"POST", "/api/v1/organisations/{fresh-org}/blacklist", func(int) any {
		return map[string]string{"reason": "虚假材料", "until": time.Now().AddDate(1, 0, 0).Format("2006-01-02")}
	}, "anon=401 procurement=200 procurement-other=403 *=403"},
	{"POST", "/api/v1/organisations/{myorg}/staff", func(n int) any {
		return map[string]string{"name": "社工", "level": "assistant", "certificate_no": fmt.Sprintf("C%d", n)}
	}, "anon=401 agency=201 *=403"},
	{"DELETE", "/api/v1/organisations/{myorg}/staff/{staff}", nil, "anon=401 agency=204 *=403"},
	{"POST", "/api/v1/organisations/{myorg}/members", func(n int) any {
		return map[string]string{"username": fmt.Sprintf("colleague%d", n), "password": testPassword, "display_name": "同事"}
	}, "anon=401 agency=201 *=403"},
	{"GET", "/api/v1/organisations/{myorg}/documents", nil, "anon=401 procurement=200 supervisor=200 agency=200 *=404"},
	{"POST", "/api/v1/organisations/{myorg}/documents", func(int) any { return map[string]string{"kind": "other"} }, "anon=401 agency=400 *=403"},
	{"GET", "/api/v1/organisations/{myorg}/documents/{doc}", nil, "anon=401 procurement=200 supervisor=200 agency=200 *=404"},
	{"GET", "/register", nil, "*=200"},
	{"POST", "/register", nil, "*=422"},
	{"GET", "/organisations", nil, "*=200"},
	{"GET", "/organisations?status=pending", nil, "*=200"},
	{"GET", "/organisations/{org}", nil, "*=200"},
	{"GET", "/organisations/{pending}", nil, "procurement=200 supervisor=200 *=404"},
	{"GET", "/organisations/{myorg}", nil, "*=200"},
	{"GET", "/my/organisation", nil, "anon=303 agency=303 agency-other=303 *=403"},
	{"POST", "/organisations/{myorg}/profile", nil, "anon=401 agency=422 *=403"},
	{"POST", "/organisations/{myorg}/staff", nil, "anon=401 agency=422 *=403"},
	// Irreversible page steps ask first (the answer, confirm=yes, is walked
	// in confirm_test.go): here the question, after the reach check.
	{"POST", "/organisations/{myorg}/staff/{staff}/delete", nil, "anon=401 agency=200 *=403"},
	{"POST", "/organisations/{myorg}/members", nil, "anon=401 agency=422 *=403"},
	{"POST", "/organisations/{myorg}/documents", nil, "anon=401 agency=400 *=403"},
	{"GET", "/organisations/{myorg}/documents/{doc}", nil, "anon=303 procurement=200 supervisor=200 agency=200 *=404"},
	{"POST", "/organisations/{fresh-pending}/verify", nil, "anon=401 procurement=200 procurement-other=404 *=403"},
	// Without a reason the form comes back before any question.
	{"POST", "/organisations/{pending}/reject", nil, "anon=401 procurement=422 procurement-other=404 *=403"},
	{"POST", "/organisations/{org}/suspend", nil, "anon=401 procurement=422 procurement-other=403 *=403"},
	{"POST", "/organisations/{org}/blacklist", nil, "anon=401 procurement=422 procurement-other=403 *=403"},
	// Tender pages: {tender} a tender of 4501 open for bids, {drafttender}
	// a draft there, {tpenquiry} an unanswered enquiry on another of its
	// tenders; bid 1 and challenge 1 exist nowhere (bid ids are random).
	{"GET", "/tenders", nil, "*=200"},
	{"GET", "/tenders?mine=1&status=draft", nil, "*=200"},
	{"GET", "/tenders/{tender}", nil, "*=200"},
	{"GET", "/tenders/{drafttender}", nil, "procurement=200 *=404"},
	{"GET", "/tenders/{tender}/notice", nil, "*=200"},
	{"GET", "/tenders/new", nil, "anon=303 procurement=200 procurement-other=200 *=403"},
	{"GET", "/tenders/{drafttender}/edit", nil, "anon=303 procurement=200 procurement-other=404 *=403"},
	{"GET", "/tenders/{tender}/edit", nil, "anon=303 procurement=200 procurement-other=403 *=403"},
	{"GET", "/tenders/{tender}/evaluation", nil, "anon=303 procurement=200 procurement-other=403 *=403"},
	{"GET", "/tenders/{tender}/bid", nil, "anon=303 agency=200 agency-other=200 *=403"},
	{"GET", "/tenders/{tender}/review", nil, "anon=303 *=403"},
	{"GET", "/my/bids", nil, "anon=303 agency=200 agency-other=200 *=403"},
	{"GET", "/my/evaluations", nil, "anon=303 expert=200 expert-other=200 *=403"},
	{"GET", "/contracts", nil, "anon=303 *=200"},
	{"GET", "/contracts/999999", nil, "anon=303 *=404"},
	{"POST", "/tenders", nil, "anon=401 procurement=422 procurement-other=422 *=403"},
	{"POST", "/tenders/{drafttender}", nil, "anon=401 procurement=422 procurement-other=404 *=403"},
	{"POST", "/tenders/{drafttender}/publish", nil, "anon=401 procurement=200 procurement-other=404 *=403"},
	{"POST", "/tenders/{tender}/cancel", nil, "anon=401 procurement=422 procurement-other=403 *=403"},
	{"POST", "/tenders/{tender}/enquiries", nil, "anon=401 agency=422 agency-other=422 *=403"},
	{"POST", "/tenders/{tender}/enquiries/{tpenquiry}/answer", nil, "anon=401 procurement=422 procurement-other=404 *=403"},
	{"POST", "/tenders/{tender}/bid", nil, "anon=401 agency=303 agency-other=303 *=403"},
	{"POST", "/tenders/{tender}/bid/submit", nil, "anon=401 agency=404 agency-other=404 *=403"},
	{"POST", "/tenders/{tender}/bid/withdraw", nil, "anon=401 agency=404 agency-other=404 *=403"},
	{"POST", "/tenders/{tender}/bid/attachments", nil, "anon=401 agency=404 agency-other=404 *=403"},
	{"POST", "/tenders/{tender}/bid/attachments/1/delete", nil, "anon=401 agency=404 agency-other=404 *=403"},
	{"POST", "/tenders/{tender}/challenges", nil, "anon=401 *=403"},
	{"POST", "/tenders/{tender}/bids/1/disqualify", nil, "anon=401 procurement=404 procurement-other=404 *=403"},
	{"POST", "/tenders/{tender}/panel", nil, "anon=401 procurement=409 procurement-other=403 *=403"},
	{"POST", "/tenders/{tender}/credit-checks", nil, "anon=401 procurement=409 procurement-other=403 *=403"},
	{"POST", "/tenders/{tender}/award", nil, "anon=401 procurement=200 procurement-other=403 *=403"}, // the tender's staff are asked first
	{"POST", "/tenders/{tender}/fail", nil, "anon=401 procurement=409 procurement-other=403 *=403"},
	{"POST", "/api/v1/tenders/{tender}/fail", func(int) any { return map[string]any{"reason": "无可接受的投标", "confirm_end": true} },
		"anon=401 procurement=409 procurement-other=403 *=403"},
	{"POST", "/tenders/{tender}/challenges/1/answer", nil, "anon=401 procurement=404 procurement-other=404 *=403"},
	{"POST", "/tenders/{tender}/contract", nil, "anon=401 procurement=200 procurement-other=403 *=403"}, // the tender's staff are asked first
	{"POST", "/tenders/{tender}/declaration", nil, "anon=401 *=403"},
	{"POST", "/tenders/{tender}/bids/1/score", nil, "anon=401 expert=404 expert-other=404 *=403"},
	{"POST", "/tenders/{tender}/bids/1/compliance", nil, "anon=401 expert=404 expert-other=404 *=403"},
	// The desk is every signed-in person's own; the notices are public.
	{"GET", "/desk", nil, "anon=303 *=200"},
	{"GET", "/api/v1/desk", nil, "anon=401 *=200"},
	{"GET", "/notices", nil, "*=200"},
	{"GET", "/notices?kind=award&region=4501&method=open_tender&q=x&from=2026-01-01&to=2026-12-31", nil, "*=200"},
	{"GET", "/notices?kind=rumour", nil, "*=422"},
	{"GET", "/api/v1/notices", nil, "*=200"},
	{"GET", "/api/v1/notices?from=2026-13-01", nil, "*=422"},
	{"GET", "/api/v1/notices/contracts/1", nil, "*=404"},
	{"GET", "/notices/contracts/1", nil, "*=404"},
	// The list exports (issue 11): each answers its caller as its page does.
	{"GET", "/tenders.xlsx", nil, "*=200"},
	{"GET", "/notices.xlsx", nil, "*=200"},
	{"GET", "/notices.xlsx?kind=rumour", nil, "*=422"},
	{"GET", "/organisations.xlsx", nil, "*=200"},
	{"GET", "/catalogue.xlsx", nil, "*=200"},
	{"GET", "/catalogue.xlsx?year={draft}", nil, "*=404"},
	{"GET", "/contracts", nil, "anon=303 *=200"},
	{"GET", "/contracts.xlsx", nil, "anon=303 *=200"},
	{"GET", "/admin/users.xlsx", nil, "anon=303 admin=200 admin-other=200 *=403"},
	{"GET", "/admin/audit.xlsx", nil, "anon=303 admin=200 admin-other=200 procurement=200 procurement-other=200 *=403"},
	{"GET", "/reports", nil, "anon=303 *=200"},
	{"GET", "/reports.xlsx", nil, "anon=303 *=200"},
	{"GET", "/payments.xlsx?kind=x", nil, "anon=303 *=422"},
	{"GET", "/bases", nil, "anon=303 procurement=200 procurement-other=200 *=403"},
	{"GET", "/bases.xlsx", nil, "anon=303 procurement=200 procurement-other=200 *=403"},
	// Payments (issue 9) of a contract nobody sees; payments_test.go walks
	// a real contract's reach.
	{"GET", "/api/v1/contracts/999999/payments", nil, "anon=401 *=404"},
	{"POST", "/api/v1/payments/999999/approve", nil, "anon=401 procurement=404 procurement-other=404 *=403"},
	{"POST", "/api/v1/payments/999999/pay", func(int) any {
		return map[string]string{"paid_on": time.Now().In(models.ChinaZone).Format(time.DateOnly), "voucher_no": "1"}
	}, "anon=401 procurement=404 procurement-other=404 *=403"},
	{"POST", "/api/v1/contracts/999999/startup-funds", func(int) any { return map[string]any{"amount_fen": 100, "purpose": "x"} },
		"anon=401 procurement=404 procurement-other=404 *=403"},
	{"POST", "/api/v1/contracts/999999/terminate", func(int) any { return map[string]string{"reason": "x"} },
		"anon=401 procurement=404 procurement-other=404 *=403"},
	{"POST", "/contracts/999999/payments/999999/approve", nil, "anon=401 procurement=404 procurement-other=404 *=403"},
	{"POST", "/contracts/999999/terminate", nil, "anon=401 procurement=404 procurement-other=404 *=403"},
	// Report schedule and one's own e-mail address (report_schedule.go, account_email.go).
	{"GET", "/api/v1/contracts/999999/schedule", nil, "anon=401 *=404"},
	{"PUT", "/api/v1/me/email", func(n int) any { return map[string]string{"email": fmt.Sprintf("u%d@example.org", n)} }, "anon=401 *=200"},
	{"PUT", "/api/v1/me/email", func(int) any { return map[string]string{"email": "no address"} }, "anon=401 *=422"},
	{"GET", "/account", nil, "anon=303 *=200"},
	{"POST", "/account", nil, "anon=401 *=303"},
}

func parseWant(t *testing.T, spec string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, part := range strings.Fields(spec) {
		k, v, ok := strings.Cut(part, "=")
		n, err := strconv.Atoi(v)
		if !ok || err != nil {
			t.Fatalf("bad want %q", spec)
		}
		out[k] = n
	}
	for _, p := range personas {
		if _, ok := out[p]; !ok {
			def, ok := out["*"]
			if !ok {
				t.Fatalf("want %q names no status for %s", spec, p)
			}
			out[p] = def
		}
	}
	return out
}

// matrixFixture holds the personas' clients.
type matrixFixture struct {
	e       *env
	clients map[string]*client
	n       int
}

func newMatrixFixture(t *testing.T) *matrixFixture {
	e := newEnv(t)
	f := &matrixFixture{e: e, clients: map[string]*client{"anon": e.anon()}}
	for _, p := range personas[1:] {
		role, other := strings.CutSuffix(p, "-other")
		region := ownRegion
		if other {
			region = otherRegion
		}
		username := "persona-" + p
		if role == models.RoleAgency {
			f.clients[p] = f.agency(username, region)
			continue
		}
		f.clients[p] = e.staff(username, role, region)
	}
	return f
}

// agency makes a member of a verified organisation registered in region.
func (f *matrixFixture) agency(username, region string) *client {
	f.e.t.Helper()
	f.e.verifyOrg(f.e.registerOrg(username, region))
	return f.e.signIn(username)
}

func (f *matrixFixture) expand(path string) string {
	f.n++
	path = strings.ReplaceAll(path, "{n}", strconv.Itoa(f.n))
	if strings.Contains(path, "{user}") {
		u, err := f.e.store.CreateUser(context.Background(), f.e.root, models.NewUser{Username: fmt.Sprintf("target%d", f.n), Password: testPassword, DisplayName: "target"})
		if err != nil {
			f.e.t.Fatal(err)
		}
		if err := f.e.store.GrantRole(context.Background(), f.e.root, u.ID, models.Grant{Role: models.RoleSupervisor, Region: "450102"}); err != nil {
			f.e.t.Fatal(err)
		}
		path = strings.ReplaceAll(path, "{user}", strconv.FormatInt(u.ID, 10))
	}
	if strings.Contains(path, "{draft}") {
		path = strings.ReplaceAll(path, "{draft}", f.catalogueDraft())
	}
	path = f.orgExpand(path)
	path = f.tenderExpand(path)
	path = f.tenderPageExpand(path)
	path = f.notificationExpand(path)
	path = f.officeExpand(path)
	return path
}

func TestAuthorisationMatrix(t *testing.T) {
	f := newMatrixFixture(t)
	for _, r := range append(append(matrixRoutes, tenderMatrix...), officeMatrix...) {
		want := parseWant(t, r.want)
		for _, p := range personas {
			c := f.clients[p]
			if r.method == "DELETE" && r.path == "/api/v1/session" {
				c = f.e.anon() // signing out must not end the persona's session
				if p != "anon" {
					c = f.e.signIn("persona-" + p)
				}
			}
			path := f.expand(r.path)
			var body any
			if r.body != nil {
				body = r.body(f.n)
			}
			got, b := c.do(r.method, path, body)
			if got != want[p] {
				t.Errorf("%s %s as %s: %d, want %d (%.200s)", r.method, r.path, p, got, want[p], b)
			}
		}
	}
}
