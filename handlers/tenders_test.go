package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"portal/models"
)

// tenderWorld is a county (450102) buying services through the API, with
// three verified agencies, three experts and a clock the test moves.
type tenderWorld struct {
	e       *env
	now     time.Time
	buyer   *client
	agents  []*client
	orgs    []int64
	staff   []int64
	experts []*client
	ids     []int64 // experts' user ids
}

func newTenderWorld(t *testing.T) *tenderWorld {
	e := newEnv(t)
	w := &tenderWorld{e: e, now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	e.store.Now = func() time.Time { return w.now }
	// The test moves the clock by weeks; sessions must outlive that.
	e.store.Settings.SessionIdle, e.store.Settings.SessionAbsolute = 1000*time.Hour, 1000*time.Hour
	w.buyer = e.staff("xn-buyer", models.RoleProcurement, "450102")
	for i := 0; i < 3; i++ {
		name := fmt.Sprintf("agent%d", i+1)
		org := e.registerOrg(name, "450102")
		e.verifyOrg(org)
		c := e.signIn(name)
		status, body := c.do("POST", fmt.Sprintf("/api/v1/organisations/%d/staff", org), map[string]string{"name": "李社工", "level": "intermediate", "certificate_no": fmt.Sprintf("GX%d", i)})
		if status != 201 {
			t.Fatalf("roster: %d %s", status, body)
		}
		w.agents, w.orgs = append(w.agents, c), append(w.orgs, org)
		w.staff = append(w.staff, decode[struct{ ID int64 }](t, body).ID)
	}
	for i := 0; i < 3; i++ {
		name := fmt.Sprintf("expert%d", i+1)
		w.experts = append(w.experts, e.staff(name, models.RoleExpert, "4501"))
		w.ids = append(w.ids, e.actor(name).UserID)
	}
	return w
}

func (w *tenderWorld) tenderBody() map[string]any {
	return map[string]any{
		"title": "兴宁区困境儿童关爱服务项目", "region": "450102", "catalogue_code": "C0603", "method": "competitive_consultation",
		"budget":        []map[string]any{{"source": "central_lottery", "amount_fen": 20_000_000}, {"source": "local_budget", "amount_fen": 10_000_000}},
		"service_start": "2026-04-01", "service_end": "2027-03-31",
		"targets":      []map[string]any{{"indicator": "service_hours", "value": 2000}, {"indicator": "children_served", "value": 500}},
		"price_weight": 20,
		"criteria":     []map[string]any{{"key": "plan", "name": "服务方案", "max_points": 40}, {"key": "team", "name": "团队", "max_points": 30}, {"key": "experience", "name": "经验", "max_points": 10}},
		"bid_deadline": w.now.Add(11 * 24 * time.Hour).Format(time.RFC3339),
	}
}

// must checks a status and returns the body.
func must(t *testing.T, want int, status int, body []byte, what string) []byte {
	t.Helper()
	if status != want {
		t.Fatalf("%s: %d, want %d: %s", what, status, want, body)
	}
	return body
}

type idOnly struct {
	ID     int64  `json:"id"`
	Status string `json:"status"`
}

func (w *tenderWorld) publish(t *testing.T) int64 {
	s, b := w.buyer.do("POST", "/api/v1/tenders", w.tenderBody())
	id := decode[idOnly](t, must(t, 201, s, b, "create tender")).ID
	s, b = w.buyer.do("POST", fmt.Sprintf("/api/v1/tenders/%d/publish", id), nil)
	must(t, 200, s, b, "publish")
	return id
}

func (w *tenderWorld) bid(t *testing.T, i int, tender int64, priceYuan int64, proposal string) int64 {
	s, b := w.agents[i].do("PUT", fmt.Sprintf("/api/v1/tenders/%d/bid", tender), map[string]any{
		"price_fen": priceYuan * 100, "proposal": proposal, "team": []map[string]any{{"staff_id": w.staff[i], "role": "项目主管"}}})
	id := decode[idOnly](t, must(t, 200, s, b, "save bid")).ID
	w.now = w.now.Add(time.Minute)
	s, b = w.agents[i].do("POST", fmt.Sprintf("/api/v1/tenders/%d/bid/submit", tender), nil)
	if got := decode[idOnly](t, must(t, 200, s, b, "submit bid")); got.Status != "submitted" {
		t.Fatalf("submitted bid is %s", got.Status)
	}
	return id
}

func TestTenderJourneyThroughTheAPI(t *testing.T) {
	w := newTenderWorld(t)
	tender := w.publish(t)
	path := func(f string, a ...any) string {
		return fmt.Sprintf("/api/v1/tenders/%d", tender) + fmt.Sprintf(f, a...)
	}
	s, b := w.buyer.do("POST", path("/publish"), nil)
	must(t, 409, s, b, "publish twice")

	// Enquiry and answer; the public list never names the asker.
	s, b = w.agents[0].do("POST", path("/enquiries"), map[string]string{"question": "是否包括事实无人抚养儿童？"})
	q := decode[idOnly](t, must(t, 201, s, b, "ask"))
	s, b = w.buyer.do("POST", fmt.Sprintf("/api/v1/enquiries/%d/answer", q.ID), map[string]string{"answer": "包括。"})
	must(t, 200, s, b, "answer")
	s, b = w.e.anon().do("GET", path("/enquiries"), nil)
	if must(t, 200, s, b, "enquiries"); !strings.Contains(string(b), "包括。") || strings.Contains(string(b), "organisation") {
		t.Fatalf("public enquiries: %s", b)
	}

	bids := []int64{w.bid(t, 0, tender, 280_000, "方案A"), w.bid(t, 1, tender, 250_000, "方案B"), w.bid(t, 2, tender, 300_000, "方案C")}
	s, b = w.buyer.do("GET", path("/bids"), nil)
	must(t, 409, s, b, "staff reading bids before the deadline")

	w.now = w.now.Add(12 * 24 * time.Hour)
	s, b = w.e.anon().do("GET", path(""), nil)
	if got := decode[idOnly](t, must(t, 200, s, b, "tender")); got.Status != "opened" {
		t.Fatalf("after the deadline: %s", got.Status)
	}
	s, b = w.agents[0].do("POST", path("/bid/withdraw"), nil)
	must(t, 409, s, b, "withdrawing after the deadline")

	s, b = w.buyer.do("PUT", path("/panel"), map[string]any{"expert_ids": w.ids})
	must(t, 200, s, b, "appoint panel")
	s, b = w.experts[0].do("GET", path("/bids"), nil)
	must(t, 409, s, b, "expert reading bids before declaring")
	sheets := [3][3]map[string]float64{
		{{"plan": 35, "team": 28, "experience": 7}, {"plan": 30, "team": 24, "experience": 6}, {"plan": 38, "team": 29, "experience": 8}},
		{{"plan": 36, "team": 28, "experience": 8}, {"plan": 29, "team": 23, "experience": 6}, {"plan": 36, "team": 27, "experience": 8}},
		{{"plan": 34, "team": 27, "experience": 7}, {"plan": 31, "team": 25, "experience": 6}, {"plan": 37, "team": 28, "experience": 8}},
	}
	for i, ex := range w.experts {
		s, b = ex.do("POST", path("/declaration"), map[string]any{"conflict": false})
		must(t, 201, s, b, "declare")
		s, b = ex.do("GET", path("/bids"), nil)
		if must(t, 200, s, b, "expert reads bids"); !strings.Contains(string(b), "方案A") {
			t.Fatalf("expert's bids: %s", b)
		}
		for j, bid := range bids {
			s, b = ex.do("PUT", fmt.Sprintf("/api/v1/bids/%d/score", bid), map[string]any{"points": sheets[i][j]})
			must(t, 200, s, b, "score")
		}
	}
	s, b = w.experts[0].do("PUT", fmt.Sprintf("/api/v1/bids/%d/score", bids[0]), map[string]any{"points": map[string]float64{"plan": 50}})
	if must(t, 422, s, b, "score over the maximum"); !strings.Contains(string(b), "points.plan") {
		t.Fatalf("422 does not name the criterion: %s", b)
	}
	s, b = w.buyer.do("POST", path("/award"), nil)
	must(t, 409, s, b, "award before the credit check")
	s, b = w.buyer.do("POST", path("/credit-checks"), map[string]any{"organisation_id": w.orgs[2], "result": "clear", "checked_at": w.now.Format(time.RFC3339), "note": "信用中国无不良记录"})
	must(t, 201, s, b, "credit check")
	s, b = w.buyer.do("POST", path("/award"), nil)
	must(t, 200, s, b, "award")
	s, b = w.buyer.do("POST", path("/award"), nil)
	must(t, 409, s, b, "award twice")

	type result struct {
		Winner struct {
			OrganisationID int64   `json:"organisation_id"`
			PriceFen       int64   `json:"price_fen"`
			Score          float64 `json:"score"`
		} `json:"winner"`
		Panel []string `json:"panel"`
		Own   *struct {
			Score float64 `json:"score"`
			Rank  int     `json:"rank"`
		} `json:"own"`
	}
	s, b = w.e.anon().do("GET", path("/result"), nil)
	pub := decode[result](t, must(t, 200, s, b, "public result"))
	if pub.Winner.OrganisationID != w.orgs[2] || pub.Winner.PriceFen != 30_000_000 || pub.Winner.Score != 89.67 || len(pub.Panel) != 3 || pub.Own != nil {
		t.Fatalf("public result: %s", b)
	}
	s, b = w.agents[1].do("GET", path("/result"), nil)
	if own := decode[result](t, must(t, 200, s, b, "own result")); own.Own == nil || own.Own.Rank != 3 || own.Own.Score != 80 {
		t.Fatalf("the third bidder's result: %s", b)
	}

	s, b = w.agents[1].do("POST", path("/challenges"), map[string]string{"reason": "技术评分不公"})
	ch := decode[idOnly](t, must(t, 201, s, b, "challenge"))
	plan := map[string]any{"payment_plan": []map[string]any{{"percent": 30, "condition": "signing"}, {"percent": 40, "condition": "midterm"}, {"percent": 30, "condition": "acceptance"}}}
	s, b = w.buyer.do("POST", path("/contract"), plan)
	must(t, 409, s, b, "contract inside the window")
	s, b = w.buyer.do("POST", fmt.Sprintf("/api/v1/challenges/%d/answer", ch.ID), map[string]string{"answer": "经复核，评分无误。"})
	must(t, 200, s, b, "answer challenge")
	w.now = w.now.Add(12 * 24 * time.Hour)
	s, b = w.buyer.do("POST", path("/contract"), plan)
	contract := decode[struct {
		ID          int64 `json:"id"`
		AmountFen   int64 `json:"amount_fen"`
		PaymentPlan []struct {
			AmountFen int64 `json:"amount_fen"`
		} `json:"payment_plan"`
	}](t, must(t, 201, s, b, "sign contract"))
	if contract.AmountFen != 30_000_000 || len(contract.PaymentPlan) != 3 || contract.PaymentPlan[0].AmountFen != 9_000_000 {
		t.Fatalf("contract: %s", b)
	}
	s, b = w.agents[2].do("GET", fmt.Sprintf("/api/v1/contracts/%d", contract.ID), nil)
	must(t, 200, s, b, "the winner reads its contract")
	s, b = w.agents[1].do("GET", fmt.Sprintf("/api/v1/contracts/%d", contract.ID), nil)
	must(t, 404, s, b, "another agency reads the contract")
	s, b = w.buyer.do("POST", path("/cancel"), map[string]string{"reason": "x"})
	must(t, 409, s, b, "cancel after the contract")

	// Every transition is audited.
	s, b = w.e.signIn("admin").do("GET", fmt.Sprintf("/api/v1/audit?object_type=tender&object_id=%d&per_page=200", tender), nil)
	for _, action := range []string{"tender.create", "tender.publish", "tender.appoint", "tender.credit_check", "tender.award", "tender.contract"} {
		if !strings.Contains(string(must(t, 200, s, b, "audit")), `"`+action+`"`) {
			t.Errorf("no audit event %s", action)
		}
	}
}

// TestBidsAreSealed tries every route that could show a bid, as every kind
// of caller, before the deadline: none shows any part of any bid or how
// many there are.
func TestBidsAreSealed(t *testing.T) {
	w := newTenderWorld(t)
	tender := w.publish(t)
	secret := fmt.Sprintf("绝密方案%d", time.Now().UnixNano())
	bid := w.bid(t, 0, tender, 277_777, secret)
	w.bid(t, 1, tender, 266_666, secret+"B")
	e := w.e
	callers := map[string]*client{
		"anonymous": e.anon(), "buyer": w.buyer, "admin": e.signIn("admin"), "expert": w.experts[0],
		"other agency": w.agents[2], "city buyer": e.staff("nn-buyer", models.RoleProcurement, "4501"),
		"supervisor": e.staff("xn-supervisor", models.RoleSupervisor, "450102"),
	}
	p := fmt.Sprintf("/api/v1/tenders/%d", tender)
	routes := []struct{ method, path string }{
		{"GET", p}, {"GET", "/api/v1/tenders"}, {"GET", "/api/v1/tenders?status=published"}, {"GET", p + "/bids"},
		{"GET", p + "/bidders"}, {"GET", p + "/bid"}, {"GET", p + "/scores"}, {"GET", p + "/result"}, {"GET", p + "/enquiries"},
		{"GET", p + "/challenges"}, {"GET", "/api/v1/audit?per_page=200"}, {"GET", "/api/v1/audit?object_type=bid"},
		{"GET", "/api/v1/contracts"}, {"POST", fmt.Sprintf("/api/v1/bids/%d/disqualify", bid)},
		{"PUT", fmt.Sprintf("/api/v1/bids/%d/score", bid)}, {"GET", fmt.Sprintf("/tenders/%d", tender)}, {"GET", "/tenders"},
		{"GET", p + "/compliance"}, {"PUT", fmt.Sprintf("/api/v1/bids/%d/compliance", bid)},
		{"GET", "/admin/audit"},
	}
	for name, c := range callers {
		for _, r := range routes {
			var body any
			if r.method != "GET" {
				body = map[string]any{"reason": "x", "points": map[string]int{"plan": 1}, "pass": true}
			}
			status, b := c.do(r.method, r.path, body)
			text := string(b)
			for _, leak := range []string{secret, "27777700", "277777", "277,777", "26666600", `"bid_count"`, `"bids":`} {
				if strings.Contains(text, leak) {
					t.Errorf("%s %s as %s (%d) shows %q", r.method, r.path, name, status, leak)
				}
			}
			if r.method != "GET" && status < 400 {
				t.Errorf("%s %s as %s changed something before the deadline: %d", r.method, r.path, name, status)
			}
			if strings.HasSuffix(r.path, "/bids") && status == 200 {
				t.Errorf("%s lists bids before the deadline", name)
			}
		}
	}
	// The database itself holds no price or proposal in clear.
	var rows []map[string]any
	e.store.DB.Raw("SELECT * FROM bids").Scan(&rows)
	var events []map[string]any
	e.store.DB.Raw("SELECT * FROM audit_events").Scan(&events)
	dump, _ := json.Marshal([]any{rows, events})
	for _, leak := range []string{secret, "27777700"} {
		if strings.Contains(string(dump), leak) || strings.Contains(fmt.Sprintf("%s", rows), leak) {
			t.Errorf("a raw database read shows %q", leak)
		}
	}
	// The bidder itself reads its own bid.
	status, b := w.agents[0].do("GET", p+"/bid", nil)
	if must(t, 200, status, b, "own bid"); !strings.Contains(string(b), secret) {
		t.Fatalf("own bid: %s", b)
	}
}

// tenderExpand fills the matrix's tender placeholders: {tender} a tender of
// 4501 open for bids, {drafttender} a draft there.
func (f *matrixFixture) tenderExpand(path string) string {
	if !strings.Contains(path, "{tender}") && !strings.Contains(path, "{drafttender}") {
		return path
	}
	e := f.e
	buyer := e.actor("persona-procurement")
	in := models.TenderInput{Title: "矩阵测试项目", Region: ownRegion, CatalogueCode: "C0601", Method: "competitive_negotiation",
		Evaluation: models.EvalLowestPrice, Budget: []models.BudgetLine{{Source: "local_budget", AmountFen: 10_000_000}},
		ServiceStart: "2027-01-01", ServiceEnd: "2027-12-31",
		BidDeadline: time.Now().Add(30 * 24 * time.Hour)}
	draft, err := e.store.CreateTender(context.Background(), buyer, in)
	if err != nil {
		e.t.Fatal(err)
	}
	path = strings.ReplaceAll(path, "{drafttender}", fmt.Sprint(draft.ID))
	if strings.Contains(path, "{tender}") {
		open, err := e.store.CreateTender(context.Background(), buyer, in)
		if err == nil {
			_, err = e.store.PublishTender(context.Background(), buyer, open.ID)
		}
		if err != nil {
			e.t.Fatal(err)
		}
		path = strings.ReplaceAll(path, "{tender}", fmt.Sprint(open.ID))
	}
	return path
}

// tenderMatrix are the tender API's rows of the authorisation matrix, all
// before the deadline.
var tenderMatrix = []matrixRoute{
	{"GET", "/api/v1/tenders", nil, "*=200"},
	{"GET", "/api/v1/tenders/{tender}", nil, "*=200"},
	{"GET", "/api/v1/tenders/{drafttender}", nil, "procurement=200 *=404"},
	{"POST", "/api/v1/tenders", func(int) any {
		return map[string]any{"title": "新项目", "region": ownRegion, "catalogue_code": "C0601", "method": "inquiry",
			"budget": []map[string]any{{"source": "local_budget", "amount_fen": 5_000_000}}, "service_start": "2027-01-01",
			"service_end": "2027-06-30", "evaluation": "lowest_price",
			"bid_deadline": time.Now().Add(60 * 24 * time.Hour).Format(time.RFC3339)}
	}, "anon=401 procurement=201 *=403"},
	{"PATCH", "/api/v1/tenders/{drafttender}", func(int) any { return map[string]string{"title": "改名"} }, "anon=401 procurement=200 procurement-other=404 *=403"},
	{"POST", "/api/v1/tenders/{drafttender}/publish", nil, "anon=401 procurement=200 procurement-other=404 *=403"},
	{"POST", "/api/v1/tenders/{tender}/cancel", func(int) any { return map[string]string{"reason": "预算调整"} }, "anon=401 procurement=200 procurement-other=403 *=403"},
	{"GET", "/api/v1/tenders/{tender}/enquiries", nil, "*=200"},
	{"POST", "/api/v1/tenders/{tender}/enquiries", func(int) any { return map[string]string{"question": "问题"} }, "anon=401 agency=201 agency-other=201 *=403"},
	{"PUT", "/api/v1/tenders/{tender}/bid", func(int) any { return map[string]any{"price_fen": 100, "proposal": "方案"} }, "anon=401 agency=200 agency-other=200 *=403"},
	{"GET", "/api/v1/tenders/{tender}/bid", nil, "anon=401 agency=404 agency-other=404 *=403"},
	{"POST", "/api/v1/tenders/{tender}/bid/submit", nil, "anon=401 agency=404 agency-other=404 *=403"},
	{"GET", "/api/v1/tenders/{tender}/bids", nil, "anon=401 procurement=409 *=403"},
	{"GET", "/api/v1/tenders/{tender}/bidders", nil, "anon=401 procurement=409 *=403"},
	{"GET", "/api/v1/tenders/{tender}/scores", nil, "anon=401 procurement=409 *=403"},
	{"GET", "/api/v1/tenders/{tender}/compliance", nil, "anon=401 procurement=409 *=403"},
	{"PUT", "/api/v1/bids/999999/compliance", func(int) any { return map[string]any{"pass": true} }, "anon=401 expert=404 expert-other=404 *=403"},
	{"GET", "/api/v1/tenders/{tender}/result", nil, "*=409"},
	{"PUT", "/api/v1/tenders/{tender}/panel", func(int) any { return map[string]any{"expert_ids": []int{1}} }, "anon=401 procurement=409 procurement-other=403 *=403"},
	{"POST", "/api/v1/tenders/{tender}/declaration", func(int) any { return map[string]any{"conflict": false} }, "anon=401 *=403"},
	{"POST", "/api/v1/tenders/{tender}/credit-checks", func(int) any { return map[string]any{"organisation_id": 1, "result": "clear"} }, "anon=401 procurement=409 procurement-other=403 *=403"},
	{"POST", "/api/v1/tenders/{tender}/award", nil, "anon=401 procurement=409 procurement-other=403 *=403"},
	{"GET", "/api/v1/tenders/{tender}/challenges", nil, "anon=401 procurement=200 agency=200 agency-other=200 *=403"},
	{"POST", "/api/v1/tenders/{tender}/challenges", func(int) any { return map[string]string{"reason": "x"} }, "anon=401 *=403"},
	{"POST", "/api/v1/tenders/{tender}/contract", func(int) any { return map[string]any{} }, "anon=401 procurement=409 procurement-other=403 *=403"},
	{"GET", "/api/v1/contracts", nil, "anon=401 *=200"},
	{"GET", "/api/v1/contracts/999999", nil, "anon=401 *=404"},
}

// TestBidAttachmentsAreSealed: a bid's file is stored encrypted, readable
// by its organisation at once and by staff only after the deadline.
func TestBidAttachmentsAreSealed(t *testing.T) {
	w := newTenderWorld(t)
	tender := w.publish(t)
	p := fmt.Sprintf("/api/v1/tenders/%d/bid", tender)
	s, b := w.agents[0].do("PUT", p, map[string]any{"price_fen": 100_000, "proposal": "方案", "team": []map[string]any{{"staff_id": w.staff[0]}}})
	bid := decode[idOnly](t, must(t, 200, s, b, "save bid")).ID
	content := append([]byte("%PDF-1.7\n"), []byte(fmt.Sprintf("secret-letter-%d\n%%%%EOF\n", time.Now().UnixNano()))...)
	s, b = w.agents[0].orgUpload(p+"/attachments", "", "响应函.pdf", content)
	at := decode[idOnly](t, must(t, 201, s, b, "attach"))
	s, b = w.agents[0].orgUpload(p+"/attachments", "", "x.pdf", []byte("plain text, not a PDF"))
	must(t, 422, s, b, "a text file named .pdf")
	var raw []byte
	w.e.store.DB.Raw("SELECT sealed FROM bid_attachments WHERE id = ?", at.ID).Row().Scan(&raw)
	if len(raw) == 0 || strings.Contains(string(raw), "secret-letter") {
		t.Fatal("the attachment is stored in clear")
	}
	download := fmt.Sprintf("/api/v1/bid-attachments/%d", at.ID)
	if s, b = w.agents[0].do("GET", download, nil); s != 200 || string(b) != string(content) {
		t.Fatalf("own download: %d", s)
	}
	for name, c := range map[string]*client{"staff": w.buyer, "other agency": w.agents[1], "expert": w.experts[0]} {
		if s, _ := c.do("GET", download, nil); s != 404 {
			t.Errorf("%s downloads a sealed attachment: %d", name, s)
		}
		if s, _ := c.do("GET", fmt.Sprintf("/api/v1/bids/%d/attachments", bid), nil); s != 404 {
			t.Errorf("%s lists a sealed bid's attachments: %d", name, s)
		}
	}
	s, b = w.agents[0].do("POST", p+"/submit", nil)
	must(t, 200, s, b, "submit")
	s, b = w.agents[0].orgUpload(p+"/attachments", "", "late.pdf", content)
	must(t, 409, s, b, "attaching to a submitted bid")
	w.now = w.now.Add(12 * 24 * time.Hour)
	if s, b = w.buyer.do("GET", download, nil); s != 200 || string(b) != string(content) {
		t.Fatalf("staff download after the deadline: %d", s)
	}
	if s, _ = w.agents[1].do("GET", download, nil); s != 404 {
		t.Fatalf("another agency downloads after the deadline: %d", s)
	}
}

// TestCreditCheckEvidenceFile: a credit check recorded with an evidence
// file keeps it by content, for the tender's staff only.
func TestCreditCheckEvidenceFile(t *testing.T) {
	w := newTenderWorld(t)
	tender := w.publish(t)
	for i := range w.agents {
		w.bid(t, i, tender, 280_000, "方案")
	}
	w.now = w.now.Add(12 * 24 * time.Hour)
	shot := append([]byte("\x89PNG\r\n\x1a\n"), []byte("信用中国查询截图")...)
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range map[string]string{"organisation_id": fmt.Sprint(w.orgs[0]), "result": "clear", "checked_at": w.now.Format(time.RFC3339), "note": "无不良记录"} {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("evidence_file", "截图.png")
	fw.Write(shot)
	mw.Close()
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/tenders/%d/credit-checks", w.e.srv.URL, tender), &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	s, b := w.buyer.send(req)
	check := decode[struct {
		ID           int64  `json:"id"`
		EvidenceType string `json:"evidence_type"`
	}](t, must(t, 201, s, b, "credit check with evidence"))
	if check.EvidenceType != "image/png" {
		t.Fatalf("evidence: %s", b)
	}
	evidence := fmt.Sprintf("/api/v1/credit-checks/%d/evidence", check.ID)
	if s, b = w.buyer.do("GET", evidence, nil); s != 200 || !bytes.Equal(b, shot) {
		t.Fatalf("staff download: %d", s)
	}
	for name, c := range map[string]*client{"bidder": w.agents[0], "expert": w.experts[0], "other buyer": w.e.staff("qx-buyer", models.RoleProcurement, "450103")} {
		if s, _ := c.do("GET", evidence, nil); s != 403 && s != 404 {
			t.Errorf("%s downloads the evidence: %d", name, s)
		}
	}
}
