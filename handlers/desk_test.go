package handlers_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"portal/models"
)

// deskTender publishes a tender of Xingning through the store, its deadline
// an hour away.
func deskTender(t *testing.T, e *env, buyer, title string) *models.Tender {
	t.Helper()
	zero := time.Duration(0)
	e.store.Settings.MinBidPeriod = &zero
	ctx := context.Background()
	in := models.TenderInput{Title: title, Region: "450102", CatalogueCode: "C0603", Method: "competitive_consultation",
		Budget:       []models.BudgetLine{{Source: "local_budget", AmountFen: 300_000_00}},
		ServiceStart: "2026-04-01", ServiceEnd: "2027-03-31", PriceWeight: 20,
		Criteria:    []models.Criterion{{Key: "plan", Name: "服务方案", MaxPoints: 80}},
		BidDeadline: time.Now().Add(time.Hour)}
	tender, err := e.store.CreateTender(ctx, e.actor(buyer), in)
	if err != nil {
		t.Fatal(err)
	}
	if tender, err = e.store.PublishTender(ctx, e.actor(buyer), tender.ID); err != nil {
		t.Fatal(err)
	}
	return tender
}

// TestDeskPagesAndAPI: the desk shows each role's work with links to where
// it is done, only within the caller's reach; the API answers the same read
// model; nobody signed out has a desk.
func TestDeskPagesAndAPI(t *testing.T) {
	e := newEnv(t)
	buyer := e.staff("xn-buyer", models.RoleProcurement, "450102")
	other := e.staff("lz-buyer", models.RoleProcurement, "4502")
	org := e.registerOrg("agent1", "450102")
	agent := e.signIn("agent1")

	status, b := buyer.do("GET", "/desk", nil)
	page := string(b)
	if status != http.StatusOK || !strings.Contains(page, `id="task-pending_orgs" data-count="1"`) ||
		!strings.Contains(page, `href="/organisations/`+itoa(org)+`"`) || !strings.Contains(page, "兴宁区") {
		t.Fatalf("the buyer's desk: %d\n%s", status, page)
	}
	if _, b := other.do("GET", "/desk", nil); !strings.Contains(string(b), `id="task-pending_orgs" data-count="0"`) {
		t.Fatalf("another region's buyer sees the organisation:\n%s", b)
	}
	status, b = buyer.do("GET", "/api/v1/desk", nil)
	d := decode[models.Desk](t, b)
	if status != http.StatusOK || len(d.Sections) != 1 || d.Sections[0].Role != models.RoleProcurement ||
		d.Sections[0].Tasks[0].Key != models.DeskPendingOrgs || d.Sections[0].Tasks[0].Count != 1 ||
		d.Sections[0].Tasks[0].Items[0].OrganisationID != org {
		t.Fatalf("the desk API: %d %s", status, b)
	}
	// The pending organisation is told why it cannot bid.
	if _, b := agent.do("GET", "/desk", nil); !strings.Contains(string(b), "机构审核通过前不能投标") ||
		!strings.Contains(string(b), `href="/my/organisation"`) {
		t.Fatalf("the pending organisation's desk:\n%s", b)
	}
	e.verifyOrg(org)
	if _, b := buyer.do("GET", "/desk", nil); !strings.Contains(string(b), `id="task-pending_orgs" data-count="0"`) {
		t.Fatalf("a verified organisation still waits:\n%s", b)
	}
	tender := deskTender(t, e, "xn-buyer", "兴宁区困境儿童关爱服务项目")
	if _, b := agent.do("GET", "/desk", nil); !strings.Contains(string(b), `href="/tenders/`+itoa(tender.ID)+`"`) {
		t.Fatalf("the open tender is not on the agency's desk:\n%s", b)
	}
	if _, b := agent.do("GET", "/", nil); !strings.Contains(string(b), `href="/desk"`) {
		t.Fatalf("the signed-in home page does not link the desk:\n%s", b)
	}

	anon := e.anon()
	if status, _ := anon.do("GET", "/api/v1/desk", nil); status != http.StatusUnauthorized {
		t.Fatalf("an anonymous desk API: %d", status)
	}
	resp := e.response(anon, "GET", "/desk", nil)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Fatalf("an anonymous desk page: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// TestNoticePages: anyone reads the latest notices on the home page and
// searches them, by region name, in both languages.
func TestNoticePages(t *testing.T) {
	e := newEnv(t)
	e.staff("xn-buyer", models.RoleProcurement, "450102")
	tender := deskTender(t, e, "xn-buyer", "兴宁区困境儿童关爱服务项目")
	if _, err := e.store.CancelTender(context.Background(), e.actor("xn-buyer"), deskTender(t, e, "xn-buyer", "兴宁区儿童督导项目").ID, "预算调整"); err != nil {
		t.Fatal(err)
	}
	anon := e.anon()
	status, b := anon.do("GET", "/", nil)
	home := string(b)
	if status != http.StatusOK || !strings.Contains(home, `id="latest-tender"`) || !strings.Contains(home, `href="/tenders/`+itoa(tender.ID)+`"`) ||
		!strings.Contains(home, "兴宁区") || !strings.Contains(home, "采购失败公告") || !strings.Contains(home, "#failure-notice") {
		t.Fatalf("the public home page: %d\n%s", status, home)
	}
	if _, b := anon.do("GET", "/notices?kind=failure", nil); !strings.Contains(string(b), "预算调整") || strings.Contains(string(b), "困境儿童") {
		t.Fatalf("the failure notices with their reason:\n%s", b)
	}
	if _, b := anon.do("GET", "/notices?q=困境&region=4501&method=competitive_consultation", nil); !strings.Contains(string(b), "困境儿童") || strings.Contains(string(b), "督导项目") {
		t.Fatalf("search by keyword:\n%s", b)
	}
	if _, b := anon.do("GET", "/notices?region=450102", nil); !strings.Contains(string(b), `<option value="450102" selected>兴宁区</option>`) {
		t.Fatalf("the county searched is the selected region:\n%s", b)
	}
	if _, b := anon.do("GET", "/notices?region=4502", nil); strings.Contains(string(b), "兴宁区") {
		t.Fatalf("another region's notices:\n%s", b)
	}
	status, b = anon.do("GET", "/notices?from=2026-02-30", nil)
	if status != http.StatusUnprocessableEntity || !strings.Contains(string(b), `id="e-from"`) {
		t.Fatalf("a bad date on the search form: %d\n%s", status, b)
	}
	anon.do("GET", "/lang/en?next=/notices", nil)
	if _, b := anon.do("GET", "/notices?kind=failure", nil); !strings.Contains(string(b), "Failure notices") || !strings.Contains(string(b), "Competitive consultation") {
		t.Fatalf("the notices in English:\n%s", b)
	}
	status, b = anon.do("GET", "/api/v1/notices?kind=tender", nil)
	l := decode[models.List[models.Notice]](t, b)
	if status != http.StatusOK || l.Total != 2 || l.Items[0].RegionName != "兴宁区" {
		t.Fatalf("the notices API: %d %s", status, b)
	}
	status, b = anon.do("GET", "/api/v1/notices?kind=failure", nil)
	l = decode[models.List[models.Notice]](t, b)
	if status != http.StatusOK || l.Total != 1 || l.Items[0].Failure == nil || !strings.Contains(l.Items[0].Failure.Message, "预算调整") {
		t.Fatalf("the failure notice in the API: %d %s", status, b)
	}
}
