package handlers_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"portal/models"
)

// tpWorld is a county buying services through the pages: its buyer, three
// verified agencies of Xingning with one social worker each, three experts
// of Nanning and a clock the test moves (the server reads the same store).
type tpWorld struct {
	e         *env
	offset    atomic.Int64
	buyer     *client
	agents    []*client
	orgs      []int64
	staff     []int64
	experts   []*client
	expertIDs []int64
}

func newTPWorld(t *testing.T) *tpWorld {
	t.Helper()
	e := newEnv(t)
	w := &tpWorld{e: e}
	e.store.Now = func() time.Time { return time.Now().Add(time.Duration(w.offset.Load())) }
	// Near deadlines and a short challenge window, so that time moves by
	// minutes, well inside a session's idle limit.
	zero, window := time.Duration(0), 10*time.Minute
	e.store.Settings.MinBidPeriod = &zero
	e.store.Settings.ChallengePeriod = &window
	ctx := context.Background()
	w.buyer = e.staff("xn-buyer", models.RoleProcurement, "450102")
	for i := 0; i < 3; i++ {
		name := fmt.Sprintf("agent%d", i+1)
		org := e.registerOrg(name, "450102")
		e.verifyOrg(org)
		r, err := e.store.AddRosterEntry(ctx, e.actor(name), org, models.NewRosterEntry{Name: fmt.Sprintf("社工%d", i+1),
			Level: models.LevelIntermediate, CertificateNo: fmt.Sprintf("GX2019%04d", i)})
		if err != nil {
			t.Fatal(err)
		}
		w.agents, w.orgs, w.staff = append(w.agents, e.signIn(name)), append(w.orgs, org), append(w.staff, r.ID)
	}
	for i := 0; i < 3; i++ {
		name := fmt.Sprintf("expert%d", i+1)
		w.experts = append(w.experts, e.staff(name, models.RoleExpert, "4501"))
		w.expertIDs = append(w.expertIDs, e.actor(name).UserID)
	}
	return w
}

func (w *tpWorld) advance(d time.Duration) { w.offset.Add(int64(d)) }

func (w *tpWorld) now() time.Time { return w.e.store.Now() }

// tpLocalTime is a time as a datetime-local value in China time.
func tpLocalTime(t time.Time) string { return t.In(models.ChinaZone).Format("2006-01-02T15:04") }

// tpFormValues is the tender form filled in: 300,000 yuan from two
// sources, two targets, price 20 + criteria 40/30/10.
func tpFormValues(title string, deadline time.Time) url.Values {
	return url.Values{
		"title": {title}, "region": {"450102"}, "catalogue_code": {"C0603"}, "method": {"competitive_consultation"},
		"evaluation": {"comprehensive"}, "catalogue_year": {""},
		"budget[0].source": {"central_lottery"}, "budget[0].amount": {"200,000"},
		"budget[1].source": {"local_budget"}, "budget[1].amount": {"100000.00"},
		"budget[2].source": {""}, "budget[2].amount": {""},
		"service_start": {"2026-04-01"}, "service_end": {"2027-03-31"},
		"targets[0].indicator": {"service_hours"}, "targets[0].value": {"2000"},
		"targets[1].indicator": {"children_served"}, "targets[1].value": {"500"},
		"price_weight":    {"20"},
		"criteria[0].key": {"plan"}, "criteria[0].name": {"服务方案"}, "criteria[0].max_points": {"40"},
		"criteria[1].key": {"team"}, "criteria[1].name": {"团队配置"}, "criteria[1].max_points": {"30"},
		"criteria[2].key": {"experience"}, "criteria[2].name": {"服务经验"}, "criteria[2].max_points": {"10"},
		"bid_deadline": {tpLocalTime(deadline)},
		"invited":      {""},
	}
}

// post sends a page form and returns the status, the redirect's target
// and the body.
func (c *client) tpPost(path string, values url.Values) (int, string, string) {
	c.e.t.Helper()
	req, err := http.NewRequest("POST", c.e.srv.URL+path, strings.NewReader(values.Encode()))
	if err != nil {
		c.e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.http.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

// mustPost posts a form that must redirect, and returns where to.
func (c *client) tpMustPost(path string, values url.Values) string {
	c.e.t.Helper()
	status, loc, body := c.tpPost(path, values)
	if status != http.StatusSeeOther {
		c.e.t.Fatalf("POST %s: %d, want 303\n%s", path, status, tpText(body))
	}
	return loc
}

// page GETs a page that must answer 200.
func (c *client) tpPage(path string) string {
	c.e.t.Helper()
	status, b := c.do("GET", path, nil)
	if status != http.StatusOK {
		c.e.t.Fatalf("GET %s: %d\n%s", path, status, tpText(string(b)))
	}
	return string(b)
}

var tpTags = regexp.MustCompile(`(?s)<style.*?</style>|<[^>]+>`)

// tpText is a page's text without markup, for failure messages and checks.
func tpText(html string) string {
	return strings.Join(strings.Fields(tpTags.ReplaceAllString(html, " ")), " ")
}

// tpInvalid reports whether the page marks the input named name invalid.
func tpInvalid(html, name string) bool {
	re := regexp.MustCompile(`<(input|select|textarea)[^>]*name="` + regexp.QuoteMeta(name) + `"[^>]*>`)
	for _, m := range re.FindAllString(html, -1) {
		if strings.Contains(m, `aria-invalid="true"`) {
			return true
		}
	}
	return false
}

// tpID reads the number after prefix in a redirect target.
func tpID(t *testing.T, loc, prefix string) int64 {
	t.Helper()
	rest, ok := strings.CutPrefix(loc, prefix)
	if !ok {
		t.Fatalf("redirect %q does not start with %q", loc, prefix)
	}
	var id int64
	if _, err := fmt.Sscanf(rest, "%d", &id); err != nil {
		t.Fatalf("redirect %q: %v", loc, err)
	}
	return id
}

func TestTenderFormKeepsInputAndShowsFieldErrors(t *testing.T) {
	w := newTPWorld(t)
	form := tpFormValues("兴宁区困境儿童关爱服务项目", w.now().Add(time.Hour))
	form.Set("budget[1].source", "central_lottery") // the same source twice
	form.Set("budget[2].source", "other")
	form.Set("budget[2].amount", "12.345") // three decimals: not money
	form.Set("targets[1].indicator", "volunteer_person_times")
	form.Set("price_weight", "35")
	form.Set("service_end", "2026-03-01")
	form.Set("bid_deadline", "next week")
	// Row 0 of the criteria is left blank: the errors must follow the rows.
	form.Set("criteria[0].key", "")
	form.Set("criteria[0].name", "")
	form.Set("criteria[0].max_points", "")
	form.Set("criteria[3].name", "服务方案")
	form.Set("criteria[3].max_points", "40")
	status, _, body := w.buyer.tpPost("/tenders", form)
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d\n%s", status, tpText(body))
	}
	for _, name := range []string{"budget[1].source", "budget[2].amount", "targets[1].indicator", "price_weight", "service_end", "bid_deadline"} {
		if !tpInvalid(body, name) {
			t.Errorf("%s is not marked invalid", name)
		}
	}
	for _, name := range []string{"budget[0].source", "budget[0].amount", "criteria[0].key", "criteria[1].key", "title"} {
		if tpInvalid(body, name) {
			t.Errorf("%s is marked invalid", name)
		}
	}
	text := tpText(body)
	for _, want := range []string{"不能重复", "最多 2 位小数", "不是目录事项 C0603 的绩效指标", "取值范围 10–30", "须晚于开始日期", "请输入有效的日期和时间",
		"合计须为 100，当前为 115", "请更正标出的字段"} {
		if !strings.Contains(text, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	for _, want := range []string{`value="兴宁区困境儿童关爱服务项目"`, `value="12.345"`, `value="next week"`, `value="200,000"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lost %s", want)
		}
	}
	if n := w.e.orgCount("tenders"); n != 0 {
		t.Fatalf("%d tenders stored after a failed form", n)
	}
	// The English switch names the same errors in English.
	w.buyer.do("GET", "/lang/en?next=/", nil)
	_, _, body = w.buyer.tpPost("/tenders", form)
	if text := tpText(body); !strings.Contains(text, "Must not repeat") || !strings.Contains(text, "Must be in the range 10–30") {
		t.Errorf("English errors: %.400s", text)
	}
	w.buyer.do("GET", "/lang/zh?next=/", nil)

	// Corrected, it is saved as a draft in fen and shown in yuan.
	loc := w.buyer.tpMustPost("/tenders", tpFormValues("兴宁区困境儿童关爱服务项目", w.now().Add(time.Hour)))
	id := tpID(t, loc, "/tenders/")
	tender, err := w.e.store.Tender(context.Background(), w.e.actor("xn-buyer"), id)
	if err != nil || tender.BudgetFen != 300_000_00 || tender.Status != models.TenderDraft || len(tender.Criteria) != 3 || len(tender.Targets) != 2 {
		t.Fatalf("stored tender: %+v %v", tender, err)
	}
	page := tpText(w.buyer.tpPage(loc))
	for _, want := range []string{"300,000.00 元", "中央彩票公益金", "200,000.00", "竞争性磋商", "服务时长", "草稿", "已保存"} {
		if !strings.Contains(page, want) {
			t.Errorf("the tender page lacks %q", want)
		}
	}
	// A draft is the buyer's: the public and agencies do not find it.
	if s, _ := w.e.anon().do("GET", loc, nil); s != http.StatusNotFound {
		t.Errorf("anonymous reading a draft: %d", s)
	}
	// Editing keeps the rows and shows yuan.
	edit := w.buyer.tpPage(fmt.Sprintf("/tenders/%d/edit", id))
	for _, want := range []string{`value="200000.00"`, `value="plan"`, `value="2000"`} {
		if !strings.Contains(edit, want) {
			t.Errorf("the edit form lacks %s", want)
		}
	}
	bad := tpFormValues("", w.now().Add(time.Hour))
	if status, _, body := w.buyer.tpPost(fmt.Sprintf("/tenders/%d", id), bad); status != 422 || !tpInvalid(body, "title") || !strings.Contains(body, `value="C0603"`) {
		t.Errorf("a failed edit: %d", status)
	}
	// Publishing with a deadline already passed is refused above the form.
	w.advance(90 * time.Minute)
	status, _, body = w.buyer.tpPost(fmt.Sprintf("/tenders/%d/publish", id), nil)
	if status != 422 || !strings.Contains(tpText(body), "距截止时间须不少于") {
		t.Fatalf("publishing too late: %d %s", status, tpText(body))
	}
}

// tpPoints are the three experts' points for the bids of agents 1, 2, 3:
// hand-computed, agent 3 wins with 73 + 250/300×20.
var tpPoints = [3][3][3]string{
	{{"35", "28", "7"}, {"30", "24", "6"}, {"38", "29", "8"}},
	{{"36", "28", "8"}, {"29", "23", "6"}, {"36", "27", "8"}},
	{{"34", "27", "7"}, {"31", "25", "6"}, {"37", "28", "8"}},
}

var tpPrices = [3]string{"280000", "250000", "300,000.00"}

func TestTenderPagesJourney(t *testing.T) {
	w := newTPWorld(t)
	ctx := context.Background()
	buyer := w.buyer
	loc := buyer.tpMustPost("/tenders", tpFormValues("兴宁区困境儿童关爱服务项目", w.now().Add(30*time.Minute)))
	id := tpID(t, loc, "/tenders/")
	base := fmt.Sprintf("/tenders/%d", id)
	if loc := buyer.tpMustPost(base+"/publish", tpConfirmed); !strings.Contains(loc, "done=tender.published") {
		t.Fatalf("publish redirect %s", loc)
	}
	// The agencies find it among their city's open tenders.
	if list := w.agents[0].tpPage("/tenders"); !strings.Contains(list, "兴宁区困境儿童关爱服务项目") {
		t.Fatal("the agency's tender list lacks the open tender")
	}

	// Enquiry: an empty question stays on the page; asked, answered, public
	// without the asker.
	if status, _, body := w.agents[0].tpPost(base+"/enquiries", url.Values{"question": {"  "}}); status != 422 || !tpInvalid(body, "question") {
		t.Fatalf("an empty question: %d", status)
	}
	w.agents[0].tpMustPost(base+"/enquiries", url.Values{"question": {"服务对象是否包括事实无人抚养儿童？"}})
	enquiries, err := w.e.store.Enquiries(ctx, models.Anonymous("", w.e.authz), id)
	if err != nil || len(enquiries) != 1 {
		t.Fatalf("enquiries: %v %v", enquiries, err)
	}
	buyer.tpMustPost(fmt.Sprintf("%s/enquiries/%d/answer", base, enquiries[0].ID), url.Values{"answer": {"包括。"}})
	public := tpText(w.e.anon().tpPage(base))
	if !strings.Contains(public, "服务对象是否包括事实无人抚养儿童？") || !strings.Contains(public, "包括。") || strings.Contains(public, "机构agent1") {
		t.Fatalf("public enquiries: %s", public)
	}

	// Three bids through the page: a bad price stays typed, then saved and
	// submitted.
	secret := "绝密服务方案-" + fmt.Sprint(time.Now().UnixNano())
	staff := fmt.Sprint(w.staff[0])
	status, _, body := w.agents[0].tpPost(base+"/bid", url.Values{"price": {"28万"}, "proposal": {secret}, "team": {staff}, "role:" + staff: {"项目主管"}})
	if status != 422 || !tpInvalid(body, "price") || !strings.Contains(body, secret) || !strings.Contains(body, `value="项目主管"`) {
		t.Fatalf("a bad price: %d %s", status, tpText(body))
	}
	for i, a := range w.agents {
		staff := fmt.Sprint(w.staff[i])
		proposal := fmt.Sprintf("方案%d", i+1)
		if i == 0 {
			proposal = secret
		}
		a.tpMustPost(base+"/bid", url.Values{"price": {tpPrices[i]}, "proposal": {proposal}, "team": {staff}, "role:" + staff: {"项目主管"}})
		if i == 0 {
			// A file goes with the bid; a text file is refused next to the input.
			if s, b := a.orgUpload(base+"/bid/attachments", "", "x.pdf", []byte("plain text")); s != 422 || !tpInvalid(string(b), "file") {
				t.Fatalf("a text file: %d", s)
			}
			if s, _ := a.orgUpload(base+"/bid/attachments", "", "响应函.pdf", testPDF); s != http.StatusSeeOther {
				t.Fatalf("upload: %d", s)
			}
			if p := a.tpPage(base + "/bid"); !strings.Contains(p, "响应函.pdf") {
				t.Fatal("the bid page does not list the file")
			}
		}
		if loc := a.tpMustPost(base+"/bid/submit", tpConfirmed); !strings.Contains(loc, "done=bid.submitted") {
			t.Fatalf("submit redirect %s", loc)
		}
		w.advance(time.Minute)
	}
	if own := tpText(w.agents[0].tpPage(base + "/bid")); !strings.Contains(own, "已提交") || !strings.Contains(own, secret) || !strings.Contains(own, "280,000.00") {
		t.Fatalf("the agency's own bid: %s", own)
	}
	// Sealed: before the deadline the buyer's pages show no count and no content.
	for _, path := range []string{base, base + "/evaluation", "/tenders?mine=1"} {
		p := buyer.tpPage(path)
		for _, leak := range []string{secret, "280,000", "方案2", "机构agent2", "bid-", "响应函"} {
			if strings.Contains(p, leak) {
				t.Errorf("before the deadline %s shows %q", path, leak)
			}
		}
	}
	if p := tpText(buyer.tpPage(base + "/evaluation")); !strings.Contains(p, "投标截止前投标文件保持密封") {
		t.Errorf("the evaluation page does not say the bids are sealed: %s", p)
	}
	if s, _, _ := buyer.tpPost(base+"/credit-checks", url.Values{"organisation_id": {fmt.Sprint(w.orgs[2])}, "result": {"clear"}}); s != http.StatusConflict {
		t.Errorf("a credit check before the deadline: %d", s)
	}

	// The deadline passes.
	w.advance(30 * time.Minute)
	if s, _, _ := w.agents[0].tpPost(base+"/bid/withdraw", nil); s != http.StatusConflict {
		t.Errorf("withdrawing after the deadline: %d", s)
	}
	opened := buyer.tpPage(base + "/evaluation")
	if !strings.Contains(opened, secret) || !strings.Contains(tpText(opened), "280,000.00") || !strings.Contains(opened, "响应函.pdf") {
		t.Fatal("after the deadline the buyer does not see the bids and their files")
	}
	// A panel of two is refused next to the checkboxes; three are appointed.
	status, _, body = buyer.tpPost(base+"/panel", url.Values{"expert_ids": {fmt.Sprint(w.expertIDs[0]), fmt.Sprint(w.expertIDs[1])}})
	if status != 422 || !strings.Contains(tpText(body), "不少于 3 人") || !strings.Contains(body, fmt.Sprintf(`id="f-expert-%d" name="expert_ids" value="%d" checked`, w.expertIDs[1], w.expertIDs[1])) {
		t.Fatalf("a panel of two: %d %s", status, tpText(body))
	}
	var ids []string
	for _, x := range w.expertIDs {
		ids = append(ids, fmt.Sprint(x))
	}
	buyer.tpMustPost(base+"/panel", url.Values{"expert_ids": ids})

	bids, err := w.e.store.OpenedBids(ctx, w.e.actor("xn-buyer"), id)
	if err != nil || len(bids) != 3 {
		t.Fatalf("opened bids: %v %v", bids, err)
	}
	byOrg := map[int64]models.Bid{}
	for _, b := range bids {
		byOrg[b.OrganisationID] = b
	}
	// A disqualification needs a reason; a conflict names the bidder.
	status, _, body = buyer.tpPost(fmt.Sprintf("%s/bids/%d/disqualify", base, byOrg[w.orgs[1]].ID), url.Values{"reason": {" "}})
	if status != 422 || !strings.Contains(body, fmt.Sprintf(`id="e-dq-%d"`, byOrg[w.orgs[1]].ID)) {
		t.Fatalf("a disqualification without a reason: %d %s", status, tpText(body))
	}
	status, _, body = w.experts[0].tpPost(base+"/declaration", url.Values{"conflict": {"yes"}})
	if status != 422 || !tpInvalid(body, "organisation_id") || !strings.Contains(body, `id="f-conflict-yes" name="conflict" value="yes" checked`) {
		t.Fatalf("a conflict with nobody: %d %s", status, tpText(body))
	}
	keys := []string{"plan", "team", "experience"}
	for i, ex := range w.experts {
		if p := ex.tpPage(base + "/review"); strings.Contains(p, secret) || !strings.Contains(p, "机构agent1") {
			t.Fatalf("before declaring the expert sees bids or no bidders: %s", tpText(p))
		}
		ex.tpMustPost(base+"/declaration", url.Values{"conflict": {"no"}})
		if p := ex.tpPage(base + "/review"); !strings.Contains(p, secret) {
			t.Fatal("after declaring the expert does not see the bids")
		}
		if i == 0 {
			path := fmt.Sprintf("%s/bids/%d/score", base, byOrg[w.orgs[0]].ID)
			status, _, body := ex.tpPost(path, url.Values{"points.plan": {"41"}, "points.team": {"28"}, "points.experience": {""}})
			if status != 422 || !strings.Contains(tpText(body), "取值范围 0–40") || !strings.Contains(body, `value="41"`) {
				t.Fatalf("points above the maximum: %d %s", status, tpText(body))
			}
		}
		for j, org := range w.orgs {
			v := url.Values{}
			for k, key := range keys {
				v.Set("points."+key, tpPoints[i][j][k])
			}
			ex.tpMustPost(fmt.Sprintf("%s/bids/%d/score", base, byOrg[org].ID), v)
		}
	}
	if p := tpText(w.experts[0].tpPage(base + "/review")); !strings.Contains(p, "评审专家 3") || !strings.Contains(p, "（本人）") {
		t.Errorf("once all are in the expert sees the panel's sheets: %s", p)
	}
	// Award needs a clear credit check of the first-ranked: 409 on the page.
	status, _, body = buyer.tpPost(base+"/award", url.Values{"confirm": {"yes"}})
	if status != http.StatusConflict || !strings.Contains(tpText(body), "请先记录排名第一机构的信用查询") {
		t.Fatalf("award without a credit check: %d %s", status, tpText(body))
	}
	status, _, body = buyer.tpPost(base+"/credit-checks", url.Values{"organisation_id": {fmt.Sprint(w.orgs[2])}, "result": {"clear"},
		"checked_at": {tpLocalTime(w.now().Add(2 * time.Hour))}, "note": {"信用中国无记录"}})
	if status != 422 || !tpInvalid(body, "checked_at") || !strings.Contains(body, `value="信用中国无记录"`) {
		t.Fatalf("a check in the future: %d", status)
	}
	buyer.tpMustPost(base+"/credit-checks", url.Values{"organisation_id": {fmt.Sprint(w.orgs[2])}, "result": {"clear"},
		"checked_at": {tpLocalTime(w.now())}, "note": {"信用中国无记录"}})
	buyer.tpMustPost(base+"/award", url.Values{"confirm": {"yes"}})
	evaluation := buyer.tpPage(base + "/evaluation")
	ranking := tpText(evaluation)
	if !strings.Contains(ranking, "89.67") || !strings.Contains(ranking, "评审排名") {
		t.Fatalf("ranking: %s", ranking)
	}
	// Every expert's sheet stays visible after the award.
	if n := strings.Count(evaluation, `class="sheet"`); n != 3 || !strings.Contains(ranking, "expert2 投标机构 服务方案 (40) 团队配置 (30) 服务经验 (10) 合计 机构agent1 36 28 8 72") {
		t.Errorf("after the award the buyer sees %d sheets: %s", n, ranking)
	}
	notice := tpText(w.e.anon().tpPage(base))
	if !strings.Contains(notice, "中标（成交）结果公告") || !strings.Contains(notice, "机构agent3") || !strings.Contains(notice, "300,000.00") ||
		!strings.Contains(notice, "89.67") || !regexp.MustCompile(`评审专家 expert\d、expert\d、expert\d`).MatchString(notice) {
		t.Fatalf("award notice: %s", notice)
	}
	if p := w.e.anon().tpPage(base + "/notice"); !strings.Contains(p, "data-print") || !strings.Contains(p, `src="/static/print.js"`) || !strings.Contains(tpText(p), "机构agent3") {
		t.Errorf("printable notice: %s", tpText(p))
	}
	// A losing bidder sees its own score and rank, and challenges.
	own := tpText(w.agents[0].tpPage(base + "/bid"))
	if !strings.Contains(own, "未中标") || !strings.Contains(own, "排名 2") {
		t.Fatalf("the second bidder's result: %s", own)
	}
	if s, _, body := w.agents[0].tpPost(base+"/challenges", url.Values{"reason": {""}}); s != 422 || !tpInvalid(body, "reason") {
		t.Fatalf("an empty challenge: %d", s)
	}
	w.agents[0].tpMustPost(base+"/challenges", url.Values{"reason": {"价格分计算有误"}})
	plan := url.Values{"payment_plan[0].percent": {"30"}, "payment_plan[0].condition": {"signing"}, "payment_plan[1].percent": {"40"},
		"payment_plan[1].condition": {"midterm"}, "payment_plan[2].percent": {"30"}, "payment_plan[2].condition": {"acceptance"}, "confirm": {"yes"}}
	status, _, body = buyer.tpPost(base+"/contract", plan)
	if status != http.StatusConflict || !strings.Contains(tpText(body), "质疑期尚未结束") {
		t.Fatalf("signing inside the window: %d %s", status, tpText(body))
	}
	challenges, err := w.e.store.Challenges(ctx, w.e.actor("xn-buyer"), id)
	if err != nil || len(challenges) != 1 {
		t.Fatalf("challenges: %v %v", challenges, err)
	}
	// The staff see when the answer is due (the window's override sets it
	// here), and the challenge as overdue once that has passed unanswered.
	due := challenges[0].AnswerDue.In(models.ChinaZone).Format("2006-01-02 15:04")
	if p := tpText(buyer.tpPage(base + "/evaluation")); !strings.Contains(p, "答复期限："+due) || strings.Contains(p, "已逾期未答复") {
		t.Fatalf("the staff page before the answer is due: %s", p)
	}
	w.advance(11 * time.Minute)
	if p := tpText(buyer.tpPage(base + "/evaluation")); !strings.Contains(p, "已逾期未答复") {
		t.Fatalf("the staff page past the due date: %s", p)
	}
	if p := tpText(w.agents[0].tpPage(base + "/bid")); !strings.Contains(p, "答复期限："+due) || !strings.Contains(p, "已逾期未答复") {
		t.Fatalf("the challenger's page past the due date: %s", p)
	}
	buyer.tpMustPost(fmt.Sprintf("%s/challenges/%d/answer", base, challenges[0].ID), url.Values{"answer": {"经复核，计算无误。"}})
	if own := tpText(w.agents[0].tpPage(base + "/bid")); !strings.Contains(own, "经复核，计算无误。") {
		t.Errorf("the challenger does not see the answer: %s", own)
	}
	w.advance(11 * time.Minute)
	short := url.Values{"payment_plan[0].percent": {"30"}, "payment_plan[0].condition": {"signing"}, "payment_plan[2].percent": {"40"}, "payment_plan[2].condition": {"midterm"}, "confirm": {"yes"}}
	status, _, body = buyer.tpPost(base+"/contract", short)
	if status != 422 || !strings.Contains(tpText(body), "合计须为 100，当前为 70") || !strings.Contains(body, `id="f-plan-2-percent" name="payment_plan[2].percent" type="text" inputmode="numeric" value="40"`) {
		t.Fatalf("a plan of 70%%: %d %s", status, tpText(body))
	}
	loc = buyer.tpMustPost(base+"/contract", plan)
	cid := tpID(t, loc, "/contracts/")
	contract := tpText(buyer.tpPage(loc))
	for _, want := range []string{"HT-450102-", "机构agent3", "300,000.00", "合同签订后", "30%", "90,000.00", "120,000.00", "应付", "计划", "服务时长", "2026-04-01"} {
		if !strings.Contains(contract, want) {
			t.Errorf("the contract page lacks %q", want)
		}
	}
	if p := tpText(w.agents[2].tpPage("/contracts")); !strings.Contains(p, "HT-450102-") {
		t.Errorf("the winner's contract list: %s", p)
	}
	w.agents[2].tpPage(fmt.Sprintf("/contracts/%d", cid))
	if s, _ := w.agents[0].do("GET", fmt.Sprintf("/contracts/%d", cid), nil); s != http.StatusNotFound {
		t.Errorf("a losing agency reading the contract: %d", s)
	}
	if got, _ := w.e.store.Tender(ctx, nil, id); got.Status != models.TenderContracted {
		t.Errorf("tender after signing: %s", got.Status)
	}
	if p := tpText(w.agents[0].tpPage("/my/bids")); !strings.Contains(p, "兴宁区困境儿童关爱服务项目") || !strings.Contains(p, "未中标") {
		t.Errorf("my bids: %s", p)
	}
	if p := tpText(w.experts[0].tpPage("/my/evaluations")); !strings.Contains(p, "兴宁区困境儿童关爱服务项目") {
		t.Errorf("my evaluations: %s", p)
	}

	// Every page speaks both languages with no message key left showing.
	key := regexp.MustCompile(`\b(tender|bid|eval|contract|field|err|nav|cap)\.[a-z_]+`)
	pages := []struct {
		who   *client
		paths []string
	}{
		{buyer, []string{"/", "/tenders", "/tenders?mine=1", base, base + "/notice", base + "/evaluation", "/tenders/new", "/contracts", fmt.Sprintf("/contracts/%d", cid)}},
		{w.agents[0], []string{"/", base, base + "/bid", "/my/bids"}},
		{w.experts[1], []string{"/", base + "/review", "/my/evaluations"}},
	}
	for _, lang := range []string{"en", "zh"} {
		for _, p := range pages {
			p.who.do("GET", "/lang/"+lang+"?next=/", nil)
			for _, path := range p.paths {
				text := tpText(p.who.tpPage(path))
				if k := key.FindString(text); k != "" {
					t.Errorf("%s in %s shows the key %s", path, lang, k)
				}
				if lang == "en" && strings.Contains(text, "采购项目") {
					t.Errorf("%s in English still says 采购项目", path)
				}
			}
		}
	}
}

func TestTenderPagesNavAndCapabilities(t *testing.T) {
	w := newTPWorld(t)
	for _, c := range []struct {
		who  *client
		want []string
		not  []string
	}{
		{w.buyer, []string{`href="/tenders"`, `href="/contracts"`, `href="/tenders?mine=1"`}, []string{`href="/my/bids"`}},
		{w.agents[0], []string{`href="/tenders"`, `href="/my/bids"`}, []string{`href="/my/evaluations"`}},
		{w.experts[0], []string{`href="/tenders"`, `href="/my/evaluations"`}, []string{`href="/contracts"`}},
		{w.e.anon(), []string{`href="/tenders"`}, []string{`href="/my/bids"`}},
	} {
		home := c.who.tpPage("/")
		for _, want := range c.want {
			if !strings.Contains(home, want) {
				t.Errorf("home lacks %s", want)
			}
		}
		for _, not := range c.not {
			if strings.Contains(home, not) {
				t.Errorf("home shows %s", not)
			}
		}
	}
}

// tenderPageExpand fills the tender pages' placeholder of the authorisation
// matrix: {tpenquiry} an unanswered enquiry of the "agency" persona on a
// fresh open tender of 4501.
func (f *matrixFixture) tenderPageExpand(path string) string {
	if !strings.Contains(path, "{tpenquiry}") {
		return path
	}
	e, ctx := f.e, context.Background()
	in := models.TenderInput{Title: "矩阵询问项目", Region: ownRegion, CatalogueCode: "C0601", Method: "competitive_negotiation",
		Evaluation: models.EvalLowestPrice, Budget: []models.BudgetLine{{Source: "local_budget", AmountFen: 10_000_000}},
		ServiceStart: "2027-01-01", ServiceEnd: "2027-12-31",
		BidDeadline: time.Now().Add(30 * 24 * time.Hour)}
	buyer := e.actor("persona-procurement")
	t, err := e.store.CreateTender(ctx, buyer, in)
	if err == nil {
		t, err = e.store.PublishTender(ctx, buyer, t.ID)
	}
	if err != nil {
		e.t.Fatal(err)
	}
	q, err := e.store.Ask(ctx, e.actor("persona-agency"), t.ID, "服务对象包括哪些儿童？")
	if err != nil {
		e.t.Fatal(err)
	}
	return strings.ReplaceAll(path, "{tpenquiry}", fmt.Sprint(q.ID))
}
