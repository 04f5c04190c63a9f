package handlers_test

import (
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"portal/models"
)

// TestParallelTenderCodesAreDistinctAndConsecutive creates 20 tenders at
// once in one region: every creation succeeds and the codes are the
// region's numbers 1..20 of the year, which restart the next year (Beijing
// time).
func TestParallelTenderCodesAreDistinctAndConsecutive(t *testing.T) {
	w := newTenderWorld(t)
	const n = 20
	var wg sync.WaitGroup
	var mu sync.Mutex
	var codes []string
	var failures []string
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, b := w.buyer.do("POST", "/api/v1/tenders", w.tenderBody())
			mu.Lock()
			defer mu.Unlock()
			if s != 201 {
				failures = append(failures, fmt.Sprintf("%d %s", s, b))
				return
			}
			codes = append(codes, decode[struct{ Code string }](t, b).Code)
		}()
	}
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d of %d parallel creations failed: %v", len(failures), n, failures)
	}
	sort.Strings(codes)
	for i, c := range codes {
		if want := fmt.Sprintf("450102-2026-%04d", i+1); c != want {
			t.Fatalf("codes = %v, want 450102-2026-0001 … %04d", codes, n)
		}
	}
	// 2027-01-01 00:30 in Beijing is still 2026 in UTC: the new year's
	// first tender is number 1 of 2027.
	w.now = time.Date(2026, 12, 31, 16, 30, 0, 0, time.UTC)
	w.buyer = w.e.signIn("xn-buyer") // the session has expired by then
	body := w.tenderBody()
	body["service_start"], body["service_end"] = "2027-02-01", "2028-01-31"
	s, b := w.buyer.do("POST", "/api/v1/tenders", body)
	if got := decode[struct{ Code string }](t, must(t, 201, s, b, "create in the new year")).Code; got != "450102-2027-0001" {
		t.Fatalf("first code of 2027 = %s", got)
	}
}

// TestCityAndRegionCreditCodesRegister: codes registered by Nanning's
// (450100) and by the region's (450000) civil-affairs offices are accepted
// for organisations within their areas, and refused for one outside.
func TestCityAndRegionCreditCodesRegister(t *testing.T) {
	e := newEnv(t)
	anon := e.anon()
	for i, c := range []struct{ code, region string }{{"52450100MJ0000009Q", "450102"}, {"52450000MJ0000008G", "4502"}} {
		s, b := anon.do("POST", "/api/v1/registrations", orgBody(fmt.Sprintf("office%d", i), c.region, c.code))
		must(t, 201, s, b, "register "+c.code)
	}
	s, b := anon.do("POST", "/api/v1/registrations", orgBody("outside", "4502", orgCreditCode("450100", 3)))
	if p := decode[problemDoc](t, b); s != 422 || len(p.Errors) != 1 || p.Errors[0].Field != "organisation.region" ||
		!strings.Contains(p.Errors[0].Message, "(450100)") {
		t.Fatalf("a Nanning code for a Liuzhou organisation: %d %s", s, b)
	}
}

// TestEndingATenderAsksFirst: through the API, a disqualification that
// leaves fewer valid bids than the method needs to go on is 409 until the
// request carries confirm_end; the failure notice then gives the reason as
// a code and in words, in the caller's language.
func TestEndingATenderAsksFirst(t *testing.T) {
	w := newTenderWorld(t)
	tender := w.publish(t)
	var bids []int64
	for i := range w.agents {
		bids = append(bids, w.bid(t, i, tender, 250_000+int64(i), "方案"))
	}
	w.now = w.now.Add(12 * 24 * time.Hour)
	path := fmt.Sprintf("/api/v1/tenders/%d", tender)
	s, b := w.e.anon().do("GET", path+"/failure", nil)
	must(t, 409, s, b, "the failure notice of an opened tender")
	// A consultation goes on with two valid bids.
	s, b = w.buyer.do("POST", fmt.Sprintf("/api/v1/bids/%d/disqualify", bids[2]), map[string]any{"reason": "资质不符"})
	must(t, 200, s, b, "disqualify the third")
	s, b = w.buyer.do("POST", fmt.Sprintf("/api/v1/bids/%d/disqualify", bids[1]), map[string]any{"reason": "报价无效"})
	if p := decode[problemDoc](t, must(t, 409, s, b, "disqualify the second unconfirmed")); !strings.Contains(p.Detail, `"confirm_end": true`) ||
		!strings.Contains(p.Detail, "leaves 1 valid bids, fewer than the 2") {
		t.Fatalf("detail: %s", p.Detail)
	}
	s, b = w.buyer.do("GET", path, nil)
	if got := decode[idOnly](t, must(t, 200, s, b, "tender")); got.Status != "opened" {
		t.Fatalf("an unconfirmed end left the tender %s", got.Status)
	}
	s, b = w.buyer.do("POST", fmt.Sprintf("/api/v1/bids/%d/disqualify", bids[1]), map[string]any{"reason": "报价无效", "confirm_end": true})
	must(t, 200, s, b, "disqualify the second, confirmed")
	type notice struct {
		Status, Reason, Message string
		Params                  map[string]string
	}
	s, b = w.e.anon().do("GET", path+"/failure", nil)
	n := decode[notice](t, must(t, 200, s, b, "failure notice"))
	if n.Status != "unsuccessful" || n.Reason != "too_few_valid" || n.Params["valid"] != "1" || n.Params["required"] != "2" ||
		n.Message != "评审中部分投标被认定无效，有效投标只剩 1 家，不足该采购方式继续评审所需的 2 家。" {
		t.Fatalf("failure notice: %s", b)
	}
	en := w.e.anon()
	en.do("GET", "/lang/en", nil)
	s, b = en.do("GET", path+"/failure", nil)
	if n := decode[notice](t, must(t, 200, s, b, "failure notice in English")); n.Message != "Valid bids left after review: 1, fewer than the 2 the method needs to go on evaluating." {
		t.Fatalf("English failure notice: %s", b)
	}
	s, b = w.e.anon().do("GET", path, nil)
	if tb := string(must(t, 200, s, b, "tender")); !strings.Contains(tb, `"failure_reason":"too_few_valid"`) {
		t.Fatalf("tender: %s", tb)
	}
}

// TestConfirmationStepOnThePage: the evaluation page answers a listing
// that would end the tender with a confirmation form (no script needed)
// saying why; submitting it ends the tender, and the tender page shows the
// failure notice in Chinese.
func TestConfirmationStepOnThePage(t *testing.T) {
	w := newTenderWorld(t)
	body := w.tenderBody()
	body["method"], body["bid_deadline"] = "open_tender", w.now.Add(21*24*time.Hour).Format(time.RFC3339)
	s, b := w.buyer.do("POST", "/api/v1/tenders", body)
	tender := decode[idOnly](t, must(t, 201, s, b, "create")).ID
	s, b = w.buyer.do("POST", fmt.Sprintf("/api/v1/tenders/%d/publish", tender), nil)
	must(t, 200, s, b, "publish")
	for i := range w.agents {
		w.bid(t, i, tender, 250_000+int64(i), "方案")
	}
	w.now = w.now.Add(22 * 24 * time.Hour)
	form := url.Values{"organisation_id": {itoa(w.orgs[0])}, "result": {"listed"}, "checked_at": {tpLocalTime(w.now.Add(-time.Hour))}, "note": {"严重违法失信"}}
	status, _, page := w.buyer.tpPost(fmt.Sprintf("/tenders/%d/credit-checks", tender), form)
	if status != 409 {
		t.Fatalf("listing one of three of an open tender: %d\n%s", status, tpText(page))
	}
	confirm := regexp.MustCompile(`(?s)<form[^>]*id="confirm-end-form".*?</form>`).FindString(page)
	for _, want := range []string{`action="/tenders/` + itoa(tender) + `/credit-checks"`, `name="confirm_end" value="true"`, `type="hidden" name="result" value="listed"`,
		`type="hidden" name="organisation_id" value="` + itoa(w.orgs[0]) + `"`, `name="note" value="严重违法失信"`} {
		if !strings.Contains(confirm, want) {
			t.Fatalf("the confirmation form lacks %s:\n%s", want, confirm)
		}
	}
	if why := tpText(page); !strings.Contains(why, "有效投标只剩 2 家，少于该采购方式继续评审所需的 3 家：项目将以采购失败结束") {
		t.Fatalf("the page does not say why:\n%s", why)
	}
	var n int64
	w.e.store.DB.Model(&models.CreditCheck{}).Where("tender_id = ?", tender).Count(&n)
	if n != 0 {
		t.Fatal("the unconfirmed listing was stored")
	}
	// The confirmation posts the same values with confirm_end.
	form.Set("confirm_end", "true")
	w.buyer.tpMustPost(fmt.Sprintf("/tenders/%d/credit-checks", tender), form)
	s, b = w.buyer.do("GET", fmt.Sprintf("/tenders/%d", tender), nil)
	shown := tpText(string(must(t, 200, s, b, "tender page")))
	if !strings.Contains(shown, "采购失败公告") || !strings.Contains(shown, "有效投标只剩 2 家，不足该采购方式继续评审所需的 3 家") {
		t.Fatalf("the tender page shows no failure notice:\n%s", shown)
	}
	s, b = w.e.anon().do("GET", fmt.Sprintf("/tenders/%d/notice", tender), nil)
	if shown := tpText(string(must(t, 200, s, b, "printable notice"))); !strings.Contains(shown, "采购失败公告") || !strings.Contains(shown, "有效投标只剩 2 家") {
		t.Fatalf("the printable notice shows no failure:\n%s", shown)
	}
}

// TestAmendmentsArePublic: an amendment through the API is refused when it
// brings the deadline closer than the method's minimum from publication;
// otherwise it is a public correction notice, in the API and on the
// tender page, and the submitted bid is a draft again.
func TestAmendmentsArePublic(t *testing.T) {
	w := newTenderWorld(t)
	tender := w.publish(t)
	w.bid(t, 0, tender, 250_000, "方案")
	path := fmt.Sprintf("/api/v1/tenders/%d", tender)
	w.now = w.now.Add(24 * time.Hour)
	s, b := w.buyer.do("PATCH", path, map[string]any{"bid_deadline": w.now.Add(3 * 24 * time.Hour).Format(time.RFC3339)})
	if p := decode[problemDoc](t, must(t, 422, s, b, "amend to 4 days after publication")); len(p.Errors) != 1 || p.Errors[0].Field != "bid_deadline" ||
		p.Errors[0].Message != "An amended deadline must stay at least 10 days after publication" {
		t.Fatalf("errors: %s", b)
	}
	s, b = w.buyer.do("PATCH", path, map[string]any{"title": "兴宁区困境儿童关爱服务项目（更正）", "notice": "更正项目名称。"})
	must(t, 200, s, b, "amend the title")
	s, b = w.e.anon().do("GET", path+"/amendments", nil)
	list := decode[struct {
		Items []models.Amendment `json:"items"`
	}](t, must(t, 200, s, b, "public amendments"))
	if len(list.Items) != 1 || list.Items[0].Notice != "更正项目名称。" || len(list.Items[0].Changes) != 1 ||
		list.Items[0].Changes[0] != (models.Change{Field: "title", Before: "兴宁区困境儿童关爱服务项目", After: "兴宁区困境儿童关爱服务项目（更正）"}) {
		t.Fatalf("amendments: %s", b)
	}
	s, b = w.agents[0].do("GET", path+"/bid", nil)
	if got := decode[idOnly](t, must(t, 200, s, b, "own bid")); got.Status != "draft" {
		t.Fatalf("after the amendment the bid is %s", got.Status)
	}
	s, b = w.e.anon().do("GET", fmt.Sprintf("/tenders/%d", tender), nil)
	shown := tpText(string(must(t, 200, s, b, "tender page")))
	for _, want := range []string{"更正公告", "第 1 次更正", "更正项目名称。", "项目名称 兴宁区困境儿童关爱服务项目 兴宁区困境儿童关爱服务项目（更正）"} {
		if !strings.Contains(shown, want) {
			t.Fatalf("the tender page lacks %q:\n%s", want, shown)
		}
	}
}

// TestAmendmentThroughTheForm: the amend form takes the public notice text;
// a deadline closer than the minimum is shown next to the field.
func TestAmendmentThroughTheForm(t *testing.T) {
	w := newTenderWorld(t)
	tender := w.publish(t)
	deadline := w.now.Add(11 * 24 * time.Hour)
	s, b := w.buyer.do("GET", fmt.Sprintf("/tenders/%d/edit", tender), nil)
	if page := string(must(t, 200, s, b, "amend form")); !strings.Contains(page, `id="amend-hint"`) || !strings.Contains(page, `name="notice"`) {
		t.Fatal("the amend form has no notice field")
	}
	form := tpFormValues("兴宁区困境儿童关爱服务项目", w.now.Add(5*24*time.Hour))
	form.Set("notice", "调整服务内容。")
	status, _, page := w.buyer.tpPost(fmt.Sprintf("/tenders/%d", tender), form)
	if status != 422 || !tpInvalid(page, "bid_deadline") || !strings.Contains(tpText(page), "更正后的截止时间距发布时间须不少于该采购方式规定的 10 天") {
		t.Fatalf("a deadline 5 days after publication: %d\n%s", status, tpText(page))
	}
	form = tpFormValues("兴宁区困境儿童关爱服务项目", deadline)
	form.Set("targets[0].value", "2400")
	form.Set("notice", "服务时长目标提高至 2400 小时。")
	w.buyer.tpMustPost(fmt.Sprintf("/tenders/%d", tender), form)
	s, b = w.e.anon().do("GET", fmt.Sprintf("/tenders/%d", tender), nil)
	if shown := tpText(string(must(t, 200, s, b, "tender page"))); !strings.Contains(shown, "服务时长目标提高至 2400 小时。") ||
		!strings.Contains(shown, "绩效目标 service_hours ≥ 2000；children_served ≥ 500 service_hours ≥ 2400；children_served ≥ 500") {
		t.Fatalf("the tender page lacks the amendment:\n%s", shown)
	}
}

// TestDisqualifyConfirmationOnThePage: the disqualify form of the last bid
// a consultation can go on without asks first, carrying the reason over.
func TestDisqualifyConfirmationOnThePage(t *testing.T) {
	w := newTenderWorld(t)
	tender := w.publish(t)
	var bids []int64
	for i := range w.agents {
		bids = append(bids, w.bid(t, i, tender, 250_000+int64(i), "方案"))
	}
	w.now = w.now.Add(12 * 24 * time.Hour)
	action := func(bid int64) string { return fmt.Sprintf("/tenders/%d/bids/%d/disqualify", tender, bid) }
	w.buyer.tpMustPost(action(bids[2]), url.Values{"reason": {"资质不符"}}) // two valid bids go on
	status, _, page := w.buyer.tpPost(action(bids[1]), url.Values{"reason": {"报价无效"}})
	confirm := regexp.MustCompile(`(?s)<form[^>]*id="confirm-end-form".*?</form>`).FindString(page)
	if status != 409 || !strings.Contains(confirm, `action="`+action(bids[1])+`"`) || !strings.Contains(confirm, `name="reason" value="报价无效"`) ||
		!strings.Contains(confirm, `name="confirm_end" value="true"`) || !strings.Contains(tpText(page), "有效投标只剩 1 家，少于该采购方式继续评审所需的 2 家") {
		t.Fatalf("the second disqualification: %d\n%s\n%s", status, confirm, tpText(page))
	}
	w.buyer.tpMustPost(action(bids[1]), url.Values{"reason": {"报价无效"}, "confirm_end": {"true"}})
	s, b := w.buyer.do("GET", fmt.Sprintf("/api/v1/tenders/%d", tender), nil)
	if got := decode[idOnly](t, must(t, 200, s, b, "tender")); got.Status != "unsuccessful" {
		t.Fatalf("after the confirmed disqualification the tender is %s", got.Status)
	}
}
