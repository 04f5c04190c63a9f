package handlers_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"portal/models"

	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"
)

// xlsxOf opens an export's body: the first sheet's rows as shown (header
// first) and a reader of one cell's raw value.
func xlsxOf(t *testing.T, body []byte) ([][]string, func(cell string) string) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("not a workbook: %v %.200s", err, body)
	}
	t.Cleanup(func() { f.Close() })
	name := f.GetSheetList()[0]
	rows, err := f.GetRows(name)
	if err != nil {
		t.Fatal(err)
	}
	return rows, func(cell string) string {
		v, err := f.GetCellValue(name, cell, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// exportOf fetches an export, checks it is an xlsx attachment and opens it.
func exportOf(t *testing.T, c *client, path string) ([][]string, func(string) string) {
	t.Helper()
	resp := c.e.response(c, "GET", path, nil)
	if resp.StatusCode != 200 {
		s, b := c.do("GET", path, nil)
		t.Fatalf("%s: %d %s", path, s, b)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Fatalf("%s: Content-Type %q", path, ct)
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="`) || !strings.Contains(cd, ".xlsx\"; filename*=UTF-8''") {
		t.Fatalf("%s: Content-Disposition %q", path, cd)
	}
	_, b := c.do("GET", path, nil)
	return xlsxOf(t, b)
}

// column is the cells of column i below the header.
func column(rows [][]string, i int) []string {
	out := []string{}
	for _, r := range rows[1:] {
		if i < len(r) {
			out = append(out, r[i])
		} else {
			out = append(out, "")
		}
	}
	return out
}

// TestListExports: each list page's export has exactly the rows its list
// (the API's, with the same filter) has, in the same order, in the page's
// language, with money as numbers and regions by name; another region's
// rows never appear; whoever may not see the page may not export it; a
// bad filter is a clear 4xx.
func TestListExports(t *testing.T) {
	w := newReportEnv(t)
	e, ctx := w.e, context.Background()
	// Another district's draft, invisible to the Xingning buyer.
	other, err := e.store.CreateTender(ctx, e.actor("qx-buyer"), models.TenderInput{
		Title: "青秀区社区矫正服务项目", Region: "450103", CatalogueCode: "C0603", Method: "competitive_consultation",
		Budget: []models.BudgetLine{{Source: "local_budget", AmountFen: 120_000_50}}, ServiceStart: "2026-04-01", ServiceEnd: "2027-03-31",
		Targets:     []models.Target{{Indicator: "service_hours", Value: 100}},
		PriceWeight: 20, Criteria: []models.Criterion{{Key: "plan", Name: "服务方案", MaxPoints: 80}},
		BidDeadline: time.Now().Add(10 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}

	// Tenders: the buyer's list and export agree, row by row.
	for _, q := range []string{"", "?region=4501", "?status=draft&q=" + url.QueryEscape("兴宁"), "?region=450103"} {
		s, b := w.buyer.do("GET", "/api/v1/tenders"+q, nil)
		list := decode[models.List[models.Tender]](t, must(t, 200, s, b, "tenders "+q))
		rows, raw := exportOf(t, w.buyer, "/tenders.xlsx"+q)
		if strings.Join(rows[0], "|") != "项目编号|项目名称|采购区划|状态|采购方式|预算（元）|投标截止" && !strings.HasPrefix(rows[0][0], "项目编号") {
			t.Fatalf("tender header: %q", rows[0])
		}
		codes := []string{}
		for _, it := range list.Items {
			codes = append(codes, it.Code)
		}
		if fmt.Sprint(column(rows, 0)) != fmt.Sprint(codes) {
			t.Fatalf("tenders%s: export %q, list %q", q, column(rows, 0), codes)
		}
		for i, it := range list.Items {
			if rows[i+1][3] != "草稿" || rows[i+1][2] == "" || rows[i+1][2] == it.RegionCode {
				t.Errorf("tender row %q: status or region", rows[i+1])
			}
			if got := raw(fmt.Sprintf("F%d", i+2)); got != fmt.Sprint(float64(it.BudgetFen)/100) {
				t.Errorf("tender budget %q, want %d fen", got, it.BudgetFen)
			}
			if d := rows[i+1][6]; len(d) != 16 || d[4] != '-' {
				t.Errorf("tender deadline %q", d)
			}
		}
		for _, r := range rows[1:] {
			if r[0] == other.Code {
				t.Fatalf("another district's draft in the buyer's export %s", q)
			}
		}
	}
	// The file's name: ASCII for old clients, the page's title in UTF-8.
	resp := e.response(w.buyer, "GET", "/tenders.xlsx", nil)
	if _, params, err := mime.ParseMediaType(resp.Header.Get("Content-Disposition")); err != nil || !strings.HasPrefix(params["filename"], "采购项目-") ||
		!strings.HasSuffix(params["filename"], ".xlsx") {
		t.Fatalf("the file's name: %q %v", resp.Header.Get("Content-Disposition"), err)
	}
	// The anonymous public gets what its list shows (no drafts), and the
	// other buyer sees only its own district's.
	rows, _ := exportOf(t, e.anon(), "/tenders.xlsx")
	if len(rows) != 1 {
		t.Fatalf("the public's export of drafts: %q", rows)
	}
	if rows, _ := exportOf(t, w.otherBuyer, "/tenders.xlsx"); len(rows) != 2 || rows[1][0] != other.Code {
		t.Fatalf("the other buyer's export: %q", rows)
	}

	// Contracts: the buyer's one, its money a number; none for the other.
	rows, raw := exportOf(t, w.buyer, "/contracts.xlsx")
	if len(rows) != 2 || !strings.HasPrefix(rows[1][0], "HT-") || rows[1][3] != "250,000.00" || raw("D2") != "250000" ||
		rows[1][4] != "2026-04-01" || rows[1][5] != "2027-03-31" || rows[1][1] == "" || rows[1][6] == "" || strings.Contains(rows[1][6], ".") {
		t.Fatalf("the contract export: %q", rows)
	}
	if rows, _ := exportOf(t, w.otherBuyer, "/contracts.xlsx"); len(rows) != 1 {
		t.Fatalf("another region's contracts: %q", rows)
	}
	if rows, _ := exportOf(t, w.member, "/contracts.xlsx?status=in_service"); len(rows) != 2 {
		t.Fatalf("the organisation's in-service contract: %q", rows)
	}
	if rows, _ := exportOf(t, w.member, "/contracts.xlsx?status=accepted"); len(rows) != 1 {
		t.Fatalf("the status filter: %q", rows)
	}
	if s, _ := e.anon().do("GET", "/contracts.xlsx", nil); s != http.StatusSeeOther {
		t.Fatalf("the public's contract export: %d, the page's 303", s)
	}

	// Organisations: the verified, by the list's filter.
	for _, q := range []string{"?q=rep", "?region=4501", "?q=nothing-like-it"} {
		s, b := e.anon().do("GET", "/api/v1/organisations"+q, nil)
		list := decode[models.List[models.Organisation]](t, must(t, 200, s, b, "organisations"))
		rows, _ := exportOf(t, e.anon(), "/organisations.xlsx"+q)
		names := []string{}
		for _, o := range list.Items {
			names = append(names, o.Name)
		}
		if fmt.Sprint(column(rows, 0)) != fmt.Sprint(names) {
			t.Fatalf("organisations%s: export %q, list %q", q, column(rows, 0), names)
		}
		for _, r := range rows[1:] {
			if r[4] != "已认证" || r[2] == "" {
				t.Errorf("organisation row %q", r)
			}
		}
	}

	// Users and the audit log: the admin's.
	admin := e.signIn("admin")
	s, b := admin.do("GET", "/api/v1/users?q=buyer", nil)
	users := decode[models.List[models.User]](t, must(t, 200, s, b, "users"))
	rows, _ = exportOf(t, admin, "/admin/users.xlsx?q=buyer")
	if len(users.Items) != 2 || len(rows) != 3 || rows[1][0] != users.Items[0].Username || !strings.Contains(rows[1][3], "兴宁区") {
		t.Fatalf("users: export %q, list %+v", rows, users.Items)
	}
	if s, _ := w.buyer.do("GET", "/admin/users.xlsx", nil); s != http.StatusForbidden {
		t.Fatalf("a buyer's user export: %d", s)
	}
	s, b = admin.do("GET", "/api/v1/audit?object_type=tender&per_page=200", nil)
	events := decode[models.List[models.AuditEvent]](t, must(t, 200, s, b, "audit"))
	rows, _ = exportOf(t, admin, "/admin/audit.xlsx?object_type=tender")
	if events.Total == 0 || int64(len(rows)-1) != events.Total || rows[1][4] != events.Items[0].ObjectID {
		t.Fatalf("audit: export %d rows, list %d", len(rows)-1, events.Total)
	}

	// Notices: a published tender's, the public's list and export alike.
	zero := time.Duration(0)
	e.store.Settings.MinBidPeriod = &zero
	pub, err := e.store.CreateTender(ctx, e.actor("qx-buyer"), models.TenderInput{
		Title: "青秀区长者关爱服务项目", Region: "450103", CatalogueCode: "C0603", Method: "competitive_consultation",
		Budget: []models.BudgetLine{{Source: "local_budget", AmountFen: 80_000_00}}, ServiceStart: "2026-04-01", ServiceEnd: "2027-03-31",
		Targets:     []models.Target{{Indicator: "service_hours", Value: 100}},
		PriceWeight: 20, Criteria: []models.Criterion{{Key: "plan", Name: "服务方案", MaxPoints: 80}},
		BidDeadline: time.Now().Add(10 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.PublishTender(ctx, e.actor("qx-buyer"), pub.ID); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"", "?kind=tender&region=450103", "?kind=award", "?q=" + url.QueryEscape("长者")} {
		s, b := e.anon().do("GET", "/api/v1/notices"+q, nil)
		list := decode[models.List[models.Notice]](t, must(t, 200, s, b, "notices"+q))
		rows, _ := exportOf(t, e.anon(), "/notices.xlsx"+q)
		want := []string{}
		for _, n := range list.Items {
			want = append(want, n.Code+" "+n.RegionName+" "+n.At.In(models.ChinaZone).Format("2006-01-02"))
		}
		got := []string{}
		for _, r := range rows[1:] {
			got = append(got, r[2]+" "+r[3]+" "+r[5])
			if r[0] != "采购公告" {
				t.Errorf("notice kind %q", r[0])
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("notices%s: export %q, list %q", q, got, want)
		}
	}
	if s, b := e.anon().do("GET", "/notices.xlsx?from=2026-13-01", nil); s != http.StatusUnprocessableEntity {
		t.Fatalf("a bad notice date: %d %s", s, b)
	}
	// The public tender list now shows the published one, as its export.
	if rows, _ := exportOf(t, e.anon(), "/tenders.xlsx"); len(rows) != 2 || rows[1][0] != pub.Code || rows[1][3] != "已发布" {
		t.Fatalf("the public's tender export: %q", rows)
	}

	// Past its deadline with no bid, the published tender reads
	// unsuccessful: the export derives the status at its clock reading as
	// the list does, and the failure notice appears in both.
	later := time.Now().Add(11 * 24 * time.Hour)
	e.store.Now = func() time.Time { return later }
	s, b = e.anon().do("GET", "/api/v1/tenders", nil)
	tl := decode[models.List[models.Tender]](t, must(t, 200, s, b, "tenders later"))
	rows, _ = exportOf(t, e.anon(), "/tenders.xlsx")
	if len(tl.Items) != 1 || tl.Items[0].Status != models.TenderUnsuccessful || len(rows) != 2 || rows[1][3] != testMessage(t, "zh", "tender.status.unsuccessful") {
		t.Fatalf("the tender past its deadline: list %+v, export %q", tl.Items, rows)
	}
	if rows, _ := exportOf(t, e.anon(), "/tenders.xlsx?status=unsuccessful"); len(rows) != 2 {
		t.Fatalf("the status filter at the clock: %q", rows)
	}
	s, b = e.anon().do("GET", "/api/v1/notices", nil)
	nl := decode[models.List[models.Notice]](t, must(t, 200, s, b, "notices later"))
	if rows, _ := exportOf(t, e.anon(), "/notices.xlsx"); len(nl.Items) != 2 || len(rows) != 3 || rows[1][0] != testMessage(t, "zh", "notices.kind.failure") {
		t.Fatalf("the failure notice: list %+v, export %q", nl.Items, rows)
	}
	e.store.Now = time.Now

	// The catalogue: the version the page shows, every item.
	s, b = e.anon().do("GET", "/api/v1/catalogue/items?region=45&per_page=200", nil)
	items := decode[models.List[models.CatalogueItem]](t, must(t, 200, s, b, "catalogue"))
	rows, _ = exportOf(t, e.anon(), "/catalogue.xlsx?region=45")
	if items.Total == 0 || int64(len(rows)-1) != items.Total || rows[1][0] != items.Items[0].Code {
		t.Fatalf("catalogue: export %d rows, list %d", len(rows)-1, items.Total)
	}

	// Notifications: one's own only.
	for _, c := range []*client{w.member, w.otherOrg} {
		s, b := c.do("GET", "/api/v1/notifications", nil)
		nl := decode[models.List[struct {
			Message string `json:"message"`
		}]](t, must(t, 200, s, b, "notifications"))
		rows, _ := exportOf(t, c, "/notifications.xlsx")
		want := []string{}
		for _, n := range nl.Items {
			want = append(want, n.Message)
		}
		if len(want) == 0 || fmt.Sprint(column(rows, 1)) != fmt.Sprint(want) {
			t.Fatalf("notifications: export %q, list %q", column(rows, 1), want)
		}
	}
	if s, _ := w.member.do("GET", "/notifications.xlsx?unread=perhaps", nil); s != http.StatusBadRequest {
		t.Fatalf("a bad unread: %d", s)
	}

	// In English with the switch.
	en := e.signIn("xn-buyer")
	en.do("GET", "/lang/en", nil)
	if rows, _ := exportOf(t, en, "/contracts.xlsx"); rows[0][0] == "合同编号" || rows[1][6] != "In service" {
		t.Fatalf("the English export: %q", rows)
	}

	// Bad filters: a clear 4xx, never a 500.
	for _, q := range []string{"/tenders.xlsx?q=%00", "/tenders.xlsx?q=" + strings.Repeat("长", 100_000), "/reports.xlsx?status=nope",
		"/organisations.xlsx?region=45%25", "/contracts.xlsx?status=nope", "/payments.xlsx?from=2026-02-30"} {
		if s, b := w.buyer.do("GET", q, nil); s < 400 || s >= 500 {
			t.Errorf("%.60s: %d %.200s", q, s, b)
		}
	}
	// The pages link their export with the filter kept.
	for path, link := range map[string]string{"/tenders?region=4501&status=draft": `href="/tenders.xlsx?q=&amp;region=4501&amp;status=draft"`,
		"/contracts?status=in_service": `href="/contracts.xlsx?status=in_service"`, "/organisations?q=rep": `href="/organisations.xlsx?q=rep&amp;region=&amp;status="`} {
		if page := w.buyer.tpPage(path); !strings.Contains(page, link) {
			t.Errorf("%s has no %s", path, link)
		}
	}
}

// TestExportMany: an export of 100,000 rows works, has every row in the
// list's order, and holds no database connection while the client reads.
func TestExportMany(t *testing.T) {
	e := newEnv(t)
	const n = 100_000
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	err := e.store.DB.Transaction(func(tx *gorm.DB) error {
		batch := make([]models.AuditEvent, 0, 1000)
		for i := range n {
			batch = append(batch, models.AuditEvent{At: at.Add(time.Duration(i) * time.Second), ActorName: "批量", Action: "tender.create",
				ObjectType: "bulk", ObjectID: fmt.Sprint(i), RegionCode: "450102"})
			if len(batch) == cap(batch) {
				if err := tx.Create(&batch).Error; err != nil {
					return err
				}
				batch = batch[:0]
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	admin := e.signIn("admin")
	// Headers come once the file is written and the read is over: with the
	// body not yet read, no connection is in use.
	req := mustRequest(t, "GET", e.srv.URL+"/admin/audit.xlsx?object_type=bulk", nil)
	resp, err := admin.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	sqlDB, _ := e.store.DB.DB()
	if st := sqlDB.Stats(); st.InUse != 0 || resp.StatusCode != 200 {
		t.Errorf("%d; while the client has not read the export, %d connections are in use", resp.StatusCode, st.InUse)
	}
	// A slow client: it has read a little; meanwhile others write.
	first := make([]byte, 1024)
	if _, err := io.ReadFull(resp.Body, first); err != nil {
		t.Fatal(err)
	}
	s, b := admin.do("POST", "/api/v1/users", map[string]string{"username": "while-exporting", "password": "a-long-password", "display_name": "写入"})
	must(t, 201, s, b, "a write while a client reads an export")
	var body bytes.Buffer
	body.Write(first)
	if _, err := body.ReadFrom(resp.Body); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	rows, _ := xlsxOf(t, body.Bytes())
	if len(rows) != n+1 || rows[1][4] != fmt.Sprint(n-1) || rows[n][4] != "0" || rows[1][5] == "" || rows[1][0] != "2026-03-02 11:46:39" {
		t.Fatalf("%d rows, first %q, last %q", len(rows), rows[1], rows[len(rows)-1])
	}
}

// TestBaseExport: the list of bases exports the bases in the caller's
// reach; another county's staff export none; a caller who may not see
// the page may not export it.
func TestBaseExport(t *testing.T) {
	w := newOfficeWorld(t)
	w.base(t)
	s, b := w.buyer.do("GET", "/api/v1/bases", nil)
	list := decode[models.List[models.OfficeBase]](t, must(t, 200, s, b, "bases"))
	rows, raw := exportOf(t, w.buyer, "/bases.xlsx?region=4501")
	if len(list.Items) != 1 || len(rows) != 2 || rows[1][0] != list.Items[0].Name || rows[1][1] == "450102" || raw("D2") != "1" {
		t.Fatalf("bases: export %q, list %+v", rows, list.Items)
	}
	if rows, _ := exportOf(t, w.other, "/bases.xlsx"); len(rows) != 1 {
		t.Fatalf("another county's bases: %q", rows)
	}
	ps, _ := w.agent.do("GET", "/bases", nil)
	if s, _ := w.agent.do("GET", "/bases.xlsx", nil); s != ps || s != http.StatusForbidden {
		t.Fatalf("an agency's export: %d, the page's %d", s, ps)
	}
}
