package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"portal/models"
)

// reportEnv is a portal with a signed contract of Xingning's first
// organisation (targets: 2,000 service hours, 500 children served), its
// member, the county's buyer, and others who must not see its reports.
type reportEnv struct {
	e          *env
	contract   int64
	member     *client
	colleague  *client // a second member of the organisation
	buyer      *client
	otherOrg   *client
	otherBuyer *client
}

func newReportEnv(t *testing.T) *reportEnv {
	t.Helper()
	e := newEnv(t)
	ctx := context.Background()
	w := &reportEnv{e: e, buyer: e.staff("xn-buyer", models.RoleProcurement, "450102"),
		otherBuyer: e.staff("qx-buyer", models.RoleProcurement, "450103")}
	org := e.registerOrg("rep-agent", "450102")
	e.verifyOrg(org)
	other := e.registerOrg("rep-other", "450102")
	e.verifyOrg(other)
	if _, err := e.store.AddColleague(ctx, e.actor("rep-agent"), org, models.NewUser{Username: "rep-colleague", Password: testPassword, DisplayName: "同事"}); err != nil {
		t.Fatal(err)
	}
	w.member, w.colleague, w.otherOrg = e.signIn("rep-agent"), e.signIn("rep-colleague"), e.signIn("rep-other")
	buyer := e.actor("xn-buyer")
	tender, err := e.store.CreateTender(ctx, buyer, models.TenderInput{
		Title: "兴宁区困境儿童关爱服务项目", Region: "450102", CatalogueCode: "C0603", Method: "competitive_consultation",
		Budget: []models.BudgetLine{{Source: "local_budget", AmountFen: 300_000_00}}, ServiceStart: "2026-04-01", ServiceEnd: "2027-03-31",
		Targets:     []models.Target{{Indicator: "service_hours", Value: 2000}, {Indicator: "children_served", Value: 500}},
		PriceWeight: 20, Criteria: []models.Criterion{{Key: "plan", Name: "服务方案", MaxPoints: 80}},
		BidDeadline: time.Now().Add(10 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	// Signed directly: these tests are about reports, not about signing.
	now := time.Now().UTC()
	c := &models.Contract{Number: "HT-" + tender.Code, TenderID: tender.ID, OrganisationID: org, RegionCode: "450102", AmountFen: 250_000_00,
		ServiceStart: "2026-04-01", ServiceEnd: "2027-03-31", Status: models.ContractSigned, ReportInterval: models.ReportMonthly,
		SignedAt: now, SignedBy: buyer.UserID, CreatedAt: now, UpdatedAt: now}
	if err := e.store.DB.Create(c).Error; err != nil {
		t.Fatal(err)
	}
	for _, tg := range []models.ContractTarget{{ContractID: c.ID, Indicator: "service_hours", Value: 2000}, {ContractID: c.ID, Indicator: "children_served", Value: 500}} {
		if err := e.store.DB.Create(&tg).Error; err != nil {
			t.Fatal(err)
		}
	}
	w.contract = c.ID
	return w
}

func aprilBody() map[string]any {
	return map[string]any{"period_start": "2026-04-01", "period_end": "2026-04-30", "service_hours": 160.5, "volunteer_person_times": 30,
		"volunteer_hours": 90.25, "children_served_person_times": 120, "children_served_distinct": 45, "activities": 6,
		"cases_opened": 3, "cases_closed": 1, "narrative": "四月开展入户探访。",
		"indicators": []map[string]any{{"indicator": "service_hours", "value": 160.5}, {"indicator": "children_served", "value": 45}}}
}

type reportDoc struct {
	ID       int64   `json:"id"`
	Status   string  `json:"status"`
	Version  int     `json:"version"`
	Hours    float64 `json:"service_hours"`
	Comments []struct {
		Comment string `json:"comment"`
	} `json:"comments"`
	Flags []struct {
		Code, Message string
	} `json:"flags"`
}

func (w *reportEnv) paths() (reports string) {
	return fmt.Sprintf("/api/v1/contracts/%d/reports", w.contract)
}

func TestReportAPIJourney(t *testing.T) {
	w := newReportEnv(t)
	s, b := w.member.do("POST", w.paths(), aprilBody())
	r := decode[reportDoc](t, must(t, 201, s, b, "create"))
	if r.Status != "draft" || r.Version != 1 || r.Hours != 160.5 || len(r.Flags) != 0 || !strings.Contains(string(b), `"flags":[]`) {
		t.Fatalf("created: %s", b)
	}
	rp := fmt.Sprintf("/api/v1/reports/%d", r.ID)
	resp, _ := w.member.orgGet(rp)
	if resp.Header.Get("ETag") != `"1"` {
		t.Fatalf("ETag %q", resp.Header.Get("ETag"))
	}
	// A PATCH without a version, or with a stale one, changes nothing.
	s, b = w.member.do("PATCH", rp, map[string]any{"service_hours": 170})
	if must(t, 422, s, b, "PATCH without a version"); !strings.Contains(string(b), `"version"`) {
		t.Fatalf("422 names no version: %s", b)
	}
	s, b = w.member.do("PATCH", rp, map[string]any{"version": 7, "service_hours": 170})
	must(t, 409, s, b, "PATCH on a stale version")
	s, b = w.member.do("PATCH", rp, map[string]any{"version": 1, "service_hours": 170, "volunteer_person_times": 2})
	if r = decode[reportDoc](t, must(t, 200, s, b, "PATCH")); r.Version != 2 || r.Hours != 170 || len(r.Flags) != 1 || r.Flags[0].Code != "volunteer_hours_per_day" {
		t.Fatalf("patched: %s", b)
	}
	// 422 names each field.
	bad := aprilBody()
	bad["version"], bad["service_hours"], bad["cases_opened"], bad["period_end"] = 2, 1.234, -1, "2026-03-01"
	bad["indicators"] = []map[string]any{{"indicator": "home_visits", "value": 1}}
	s, b = w.member.do("PATCH", rp, bad)
	if got := strings.Join(fieldsOf(t, must(t, 422, s, b, "invalid PATCH")), " "); got != "period_end service_hours cases_opened indicators[0].indicator" {
		t.Fatalf("fields: %s", got)
	}
	for _, raw := range []string{`{"version":2,"service_hours":1e400}`, `{"version":2,"activities":99999999999999999999}`, `{"version":"2"}`, `[1]`} {
		if s, b = w.member.raw("PATCH", rp, "application/json", []byte(raw)); s != 400 {
			t.Errorf("%s: %d %s", raw, s, b)
		}
	}
	s, b = w.member.do("POST", rp+"/submit", nil)
	must(t, 200, s, b, "submit")
	s, b = w.member.do("PATCH", rp, map[string]any{"version": 2, "service_hours": 1})
	must(t, 409, s, b, "PATCH a submitted report")
	s, b = w.member.do("POST", rp+"/approve", nil)
	must(t, 403, s, b, "the agency approving")
	s, b = w.buyer.do("POST", rp+"/return", map[string]any{})
	if must(t, 422, s, b, "return without a comment"); !strings.Contains(string(b), `"comment"`) {
		t.Fatalf("422: %s", b)
	}
	s, b = w.buyer.do("POST", rp+"/return", map[string]string{"comment": "志愿者时长与人次不符"})
	must(t, 200, s, b, "return")
	req, _ := http.NewRequest("PATCH", w.e.srv.URL+rp, strings.NewReader(`{"volunteer_person_times": 30}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("If-Match", `"2"`)
	s, b = w.member.send(req)
	if r = decode[reportDoc](t, must(t, 200, s, b, "fix with If-Match")); r.Version != 3 || r.Status != "returned" || len(r.Flags) != 0 || len(r.Comments) != 1 {
		t.Fatalf("fixed: %s", b)
	}
	s, b = w.member.do("POST", rp+"/submit", nil)
	must(t, 200, s, b, "resubmit")
	s, b = w.buyer.do("POST", rp+"/approve", nil)
	if r = decode[reportDoc](t, must(t, 200, s, b, "approve")); r.Status != "approved" {
		t.Fatalf("approved: %s", b)
	}
	s, b = w.buyer.do("POST", rp+"/approve", nil)
	must(t, 409, s, b, "approve twice")
	s, b = w.buyer.do("GET", rp+"/versions", nil)
	if vs := decode[struct {
		Items []struct {
			Version int     `json:"version"`
			Hours   float64 `json:"service_hours"`
		} `json:"items"`
	}](t, must(t, 200, s, b, "versions")); len(vs.Items) != 3 || vs.Items[0].Hours != 160.5 || vs.Items[2].Hours != 170 {
		t.Fatalf("versions: %s", b)
	}
	s, b = w.buyer.do("GET", fmt.Sprintf("/api/v1/contracts/%d", w.contract), nil)
	if !strings.Contains(string(must(t, 200, s, b, "contract")), `"status":"in_service"`) {
		t.Fatalf("the contract is not in service: %s", b)
	}
	s, b = w.buyer.do("GET", w.paths(), nil)
	if l := decode[struct{ Total int }](t, must(t, 200, s, b, "list")); l.Total != 1 {
		t.Fatalf("list: %s", b)
	}
}

// TestReportsHiddenFromOthers: another organisation's member and another
// county's buyer get 404 for everything, as for a report that does not exist.
func TestReportsHiddenFromOthers(t *testing.T) {
	w := newReportEnv(t)
	s, b := w.member.do("POST", w.paths(), aprilBody())
	r := decode[reportDoc](t, must(t, 201, s, b, "create"))
	rp := fmt.Sprintf("/api/v1/reports/%d", r.ID)
	s, b = w.buyer.do("GET", rp, nil)
	must(t, 404, s, b, "staff reading a draft")
	w.member.must200("POST", rp+"/submit")
	for name, c := range map[string]*client{"another organisation": w.otherOrg, "another county's buyer": w.otherBuyer} {
		for _, call := range []struct {
			method, path string
			body         any
		}{
			{"GET", rp, nil}, {"GET", rp + "/versions", nil}, {"GET", rp + "/attachments", nil}, {"GET", w.paths(), nil},
			{"POST", w.paths(), aprilBody()}, {"PATCH", rp, map[string]any{"version": 1}}, {"POST", rp + "/submit", nil},
			{"POST", rp + "/return", map[string]string{"comment": "x"}}, {"GET", "/reports/" + itoa(r.ID), nil},
			{"GET", fmt.Sprintf("/api/v1/reports/%d", r.ID+1000), nil},
		} {
			s, b := c.do(call.method, call.path, call.body)
			if s != 404 && s != 403 {
				t.Errorf("%s: %s %s → %d %s", name, call.method, call.path, s, b)
			}
			if s == 403 && (call.method == "GET" || name == "another organisation" && call.method != "POST") {
				t.Errorf("%s: %s %s → 403, want 404", name, call.method, call.path)
			}
		}
	}
	if s, _ := w.e.anon().do("GET", rp, nil); s != 401 {
		t.Fatalf("anonymous: %d", s)
	}
}

// must200 sends a request without a body that must answer 200.
func (c *client) must200(method, path string) {
	c.e.t.Helper()
	if s, b := c.do(method, path, nil); s != 200 {
		c.e.t.Fatalf("%s %s: %d %s", method, path, s, b)
	}
}

// TestReportParallelSavesOneWins: ten members' saves based on version 1 at
// once: exactly one 200, nine 409, and one new version.
func TestReportParallelSavesOneWins(t *testing.T) {
	w := newReportEnv(t)
	s, b := w.member.do("POST", w.paths(), aprilBody())
	r := decode[reportDoc](t, must(t, 201, s, b, "create"))
	rp := fmt.Sprintf("/api/v1/reports/%d", r.ID)
	const n = 10
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c := w.member
			if i%2 == 1 {
				c = w.colleague
			}
			body, _ := json.Marshal(map[string]any{"version": 1, "activities": i})
			req, _ := http.NewRequest("PATCH", w.e.srv.URL+rp, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			resp, err := c.http.Do(req)
			if err == nil {
				codes[i] = resp.StatusCode
				resp.Body.Close()
			}
		}(i)
	}
	wg.Wait()
	count := map[int]int{}
	for _, c := range codes {
		count[c]++
	}
	if count[200] != 1 || count[409] != n-1 {
		t.Fatalf("answers: %v", count)
	}
	s, b = w.member.do("GET", rp+"/versions", nil)
	if l := decode[struct{ Total int }](t, must(t, 200, s, b, "versions")); l.Total != 2 {
		t.Fatalf("versions after the race: %s", b)
	}
}

var pngBytes = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{0}, 64)...)

func TestReportAttachmentsByContent(t *testing.T) {
	w := newReportEnv(t)
	s, b := w.member.do("POST", w.paths(), aprilBody())
	r := decode[reportDoc](t, must(t, 201, s, b, "create"))
	ap := fmt.Sprintf("/api/v1/reports/%d/attachments", r.ID)
	s, b = w.member.orgUpload(ap, "", "签到表.png", pngBytes)
	at := decode[struct {
		ID          int64  `json:"id"`
		Filename    string `json:"filename"`
		ContentType string `json:"content_type"`
	}](t, must(t, 201, s, b, "upload a PNG"))
	if at.ContentType != "image/png" || at.Filename != "签到表.png" {
		t.Fatalf("attachment: %s", b)
	}
	s, b = w.member.orgUpload(ap, "", "photo.jpg", []byte("<html>not a photo</html>"))
	must(t, 422, s, b, "an HTML file named .jpg")
	s, b = w.member.orgUpload(ap, "", "big.pdf", append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("x"), models.MaxOrgDocumentBytes)...))
	must(t, 413, s, b, "over 10 MiB")
	s, b = w.otherOrg.orgUpload(ap, "", "x.png", pngBytes)
	must(t, 404, s, b, "another organisation uploading")
	dl := fmt.Sprintf("%s/%d", ap, at.ID)
	if s, b = w.member.do("GET", dl, nil); s != 200 || !bytes.Equal(b, pngBytes) {
		t.Fatalf("member download: %d", s)
	}
	if s, _ = w.buyer.do("GET", dl, nil); s != 404 {
		t.Fatalf("staff download of a draft's file: %d", s)
	}
	w.member.must200("POST", fmt.Sprintf("/api/v1/reports/%d/submit", r.ID))
	if s, b = w.buyer.do("GET", dl, nil); s != 200 || !bytes.Equal(b, pngBytes) {
		t.Fatalf("staff download once submitted: %d", s)
	}
	for name, c := range map[string]*client{"other org": w.otherOrg, "other buyer": w.otherBuyer} {
		if s, _ = c.do("GET", dl, nil); s != 404 {
			t.Errorf("%s downloads: %d", name, s)
		}
	}
	s, b = w.member.orgUpload(ap, "", "late.png", pngBytes)
	must(t, 409, s, b, "attaching to a submitted report")
	if s, _ = w.member.do("GET", fmt.Sprintf("/reports/%d/attachments/%d", r.ID+1, at.ID), nil); s != 404 {
		t.Fatalf("a file under another report's id: %d", s)
	}
}

// TestReportPagesFlow: the agency files a report on the pages (the form,
// its errors, autosave and a stale tab), the buyer returns it from the desk
// with a comment, the agency fixes and resubmits, the buyer sees the
// changes and approves after confirming.
func TestReportPagesFlow(t *testing.T) {
	w := newReportEnv(t)
	contractPage := w.member.tpPage(fmt.Sprintf("/contracts/%d", w.contract))
	if !strings.Contains(contractPage, `id="contract-reports"`) || !strings.Contains(contractPage, `id="report-new"`) {
		t.Fatalf("contract page: %s", tpText(contractPage))
	}
	form := w.member.tpPage(fmt.Sprintf("/contracts/%d/reports/new", w.contract))
	if !strings.Contains(form, `value="2026-04-01"`) || !strings.Contains(form, `value="2026-04-30"`) || !strings.Contains(form, `src="/static/report_autosave.js"`) {
		t.Fatalf("new form suggests no period: %s", tpText(form))
	}
	values := url.Values{"period_start": {"2026-04-01"}, "period_end": {"2026-04-30"}, "service_hours": {"160.555"}, "volunteer_person_times": {"30"},
		"volunteer_hours": {"90"}, "children_served_person_times": {"abc"}, "children_served_distinct": {"45"}, "activities": {"6"},
		"cases_opened": {""}, "cases_closed": {""}, "indicator.service_hours": {"160"}, "indicator.children_served": {"-3"}, "narrative": {"四月工作"}}
	status, _, body := w.member.tpPost(fmt.Sprintf("/contracts/%d/reports", w.contract), values)
	if status != 422 || !tpInvalid(body, "service_hours") || !tpInvalid(body, "children_served_person_times") || !tpInvalid(body, "indicator.children_served") ||
		tpInvalid(body, "activities") || !strings.Contains(body, `value="160.555"`) || !strings.Contains(body, "四月工作") {
		t.Fatalf("invalid form: %d %s", status, tpText(body))
	}
	values.Set("service_hours", "160.5")
	values.Set("children_served_person_times", "120")
	values.Set("indicator.children_served", "45")
	loc := w.member.tpMustPost(fmt.Sprintf("/contracts/%d/reports", w.contract), values)
	id := tpID(t, loc, "/reports/")
	edit := w.member.tpPage(fmt.Sprintf("/reports/%d/edit", id))
	if !strings.Contains(edit, `name="version" value="1"`) || !strings.Contains(edit, `value="160.5"`) {
		t.Fatalf("edit form: %s", tpText(edit))
	}
	// Autosave: the form's fields with the version, answered in JSON.
	autosave := func(c *client, v url.Values) (int, string) {
		req, _ := http.NewRequest("POST", fmt.Sprintf("%s/reports/%d", w.e.srv.URL, id), strings.NewReader(v.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Autosave", "1")
		s, b := c.send(req)
		return s, string(b)
	}
	values.Set("version", "1")
	values.Set("narrative", "四月工作：入户探访 20 户。")
	if s, b := autosave(w.member, values); s != 200 || !strings.Contains(b, `"version":2`) {
		t.Fatalf("autosave: %d %s", s, b)
	}
	// A stale tab (still at version 1) is told, and overwrites nothing.
	values.Set("narrative", "旧标签页的内容")
	if s, b := autosave(w.colleague, values); s != 409 || !strings.Contains(b, "其他人已先保存") {
		t.Fatalf("stale autosave: %d %s", s, b)
	}
	status, _, body = w.colleague.tpPost(fmt.Sprintf("/reports/%d", id), values)
	if status != 409 || !strings.Contains(body, "其他人已先保存") || !strings.Contains(body, "旧标签页的内容") {
		t.Fatalf("stale save by the button: %d %s", status, tpText(body))
	}
	w.member.tpMustPost(fmt.Sprintf("/reports/%d/submit", id), nil)

	// The buyer finds it on the desk and returns it.
	desk := w.buyer.tpPage("/desk")
	if !strings.Contains(desk, `id="task-reports_to_review" data-count="1"`) || !strings.Contains(desk, fmt.Sprintf(`href="/reports/%d"`, id)) {
		t.Fatalf("desk: %s", tpText(desk))
	}
	review := w.buyer.tpPage(fmt.Sprintf("/reports/%d", id))
	if !strings.Contains(review, `id="report-approve-form"`) || !strings.Contains(review, `id="report-return-form"`) || !strings.Contains(review, "四月工作：入户探访 20 户。") {
		t.Fatalf("review page: %s", tpText(review))
	}
	status, _, body = w.buyer.tpPost(fmt.Sprintf("/reports/%d/return", id), url.Values{"comment": {""}})
	if status != 422 || !tpInvalid(body, "comment") {
		t.Fatalf("return without a comment: %d %s", status, tpText(body))
	}
	w.buyer.tpMustPost(fmt.Sprintf("/reports/%d/return", id), url.Values{"comment": {"请补充签到表，志愿者人次需核实。"}})
	fix := w.member.tpPage(fmt.Sprintf("/reports/%d/edit", id))
	if !strings.Contains(fix, `id="returned-comment"`) || !strings.Contains(fix, "请补充签到表，志愿者人次需核实。") || !strings.Contains(fix, `name="version" value="2"`) {
		t.Fatalf("fix form: %s", tpText(fix))
	}
	values.Set("version", "2")
	values.Set("volunteer_person_times", "25")
	values.Set("narrative", "四月工作：入户探访 20 户。")
	w.member.tpMustPost(fmt.Sprintf("/reports/%d", id), values)
	w.member.tpMustPost(fmt.Sprintf("/reports/%d/submit", id), nil)

	// The buyer sees what changed since the version returned, and approves
	// after confirming.
	review = w.buyer.tpPage(fmt.Sprintf("/reports/%d", id))
	if !strings.Contains(review, `id="report-changes"`) || !strings.Contains(review, `data-change="volunteer_person_times"`) || strings.Contains(review, `data-change="narrative"`) {
		t.Fatalf("changes: %s", tpText(review))
	}
	status, _, body = w.buyer.tpPost(fmt.Sprintf("/reports/%d/approve", id), url.Values{"comment": {""}})
	if status != 200 || !strings.Contains(body, `id="confirm-form"`) {
		t.Fatalf("approve asks first: %d %s", status, tpText(body))
	}
	w.buyer.tpMustPost(fmt.Sprintf("/reports/%d/approve", id), url.Values{"comment": {""}, "confirm": {"yes"}})
	contractPage = w.member.tpPage(fmt.Sprintf("/contracts/%d", w.contract))
	if !strings.Contains(contractPage, `data-status="approved"`) {
		t.Fatalf("contract page after approval: %s", tpText(contractPage))
	}
	notes := w.member.tpPage("/notifications")
	if !strings.Contains(notes, "已审核通过") || !strings.Contains(notes, "被退回") {
		t.Fatalf("notifications: %s", tpText(notes))
	}
	// English words.
	w.buyer.do("GET", "/lang/en?next=/", nil)
	if page := w.buyer.tpPage(fmt.Sprintf("/reports/%d", id)); !strings.Contains(page, "Approved") || !strings.Contains(page, "Volunteer person-times") {
		t.Fatalf("English page: %s", tpText(page))
	}
}
