package handlers_test

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"portal/models"
)

// Issue 7, finding 19: the pages confirm every step that ends a tender on
// the server, no script needed; the failure notice and disqualification
// reasons made by the portal speak the reader's language.

var tpConfirmForm = regexp.MustCompile(`(?s)<form[^>]*id="confirm-end-form".*?</form>`)

// TestCancelConfirmationOnThePage: the cancel form's first post shows what
// cancelling publishes, with the reason typed, and changes nothing; only
// its confirmation cancels. The API's cancel with a reason cancels at once.
func TestCancelConfirmationOnThePage(t *testing.T) {
	w := newTenderWorld(t)
	tender := w.publish(t)
	action := fmt.Sprintf("/tenders/%d/cancel", tender)
	if page := w.buyer.tpPage(fmt.Sprintf("/tenders/%d", tender)); strings.Contains(regexp.MustCompile(`(?s)<form[^>]*id="cancel-form"[^>]*>`).FindString(page), "data-confirm") {
		t.Fatal("the cancel form still asks through a script")
	}
	status, _, page := w.buyer.tpPost(action, url.Values{"reason": {" "}})
	if status != 422 || !tpInvalid(page, "reason") || tpConfirmForm.MatchString(page) {
		t.Fatalf("cancelling without a reason: %d\n%s", status, tpText(page))
	}
	status, _, page = w.buyer.tpPost(action, url.Values{"reason": {"预算调整，项目取消"}})
	confirm := tpConfirmForm.FindString(page)
	if status != 409 || !strings.Contains(confirm, `action="`+action+`"`) || !strings.Contains(confirm, `type="hidden" name="reason" value="预算调整，项目取消"`) ||
		!strings.Contains(confirm, `name="confirm_end" value="true"`) {
		t.Fatalf("the first cancel post: %d\n%s", status, confirm)
	}
	if text := tpText(page); !strings.Contains(text, "项目将被终止") || !strings.Contains(text, "采购人终止本项目，理由：预算调整，项目取消") {
		t.Fatalf("the confirmation does not say what happens:\n%s", text)
	}
	s, b := w.buyer.do("GET", fmt.Sprintf("/api/v1/tenders/%d", tender), nil)
	if got := decode[idOnly](t, must(t, 200, s, b, "tender")); got.Status != "published" {
		t.Fatalf("the unconfirmed post left the tender %s", got.Status)
	}
	w.buyer.tpMustPost(action, url.Values{"reason": {"预算调整，项目取消"}, "confirm_end": {"true"}})
	shown := tpText(w.e.anon().tpPage(fmt.Sprintf("/tenders/%d", tender)))
	if !strings.Contains(shown, "已终止") || !strings.Contains(shown, "采购人终止本项目，理由：预算调整，项目取消") {
		t.Fatalf("the tender page after the confirmed cancellation:\n%s", shown)
	}
	// A draft ends without a public notice, and the step says so.
	s, b = w.buyer.do("POST", "/api/v1/tenders", w.tenderBody())
	draft := decode[idOnly](t, must(t, 201, s, b, "create a draft")).ID
	status, _, page = w.buyer.tpPost(fmt.Sprintf("/tenders/%d/cancel", draft), url.Values{"reason": {"重复立项"}})
	if text := tpText(page); status != 409 || !strings.Contains(text, "草稿将被终止") || strings.Contains(text, "公告将载明") {
		t.Fatalf("cancelling a draft: %d\n%s", status, text)
	}
	// The API: the explicit call with its reason is the confirmation.
	other := w.publish(t)
	s, b = w.buyer.do("POST", fmt.Sprintf("/api/v1/tenders/%d/cancel", other), map[string]string{"reason": "需求变更"})
	if got := decode[idOnly](t, must(t, 200, s, b, "cancel through the API")); got.Status != "cancelled" {
		t.Fatalf("cancelled through the API: %s", b)
	}
}

// TestNoAcceptableBidEndsTheTender: a lowest-price tender whose panel finds
// no bid compliant ends through the API only with confirm_end, reason
// no_acceptable, in the caller's language; a scored comprehensive tender
// staff judge unacceptable ends through the evaluation page's confirmation.
func TestNoAcceptableBidEndsTheTender(t *testing.T) {
	w := newTPWorld(t)
	ctx, s, buyer := context.Background(), w.e.store, w.e.actor("xn-buyer")
	tender, bids := w.tpTender(t, models.TenderInput{Method: "single_source", Evaluation: models.EvalLowestPrice}, 290_000)
	api := fmt.Sprintf("/api/v1/tenders/%d", tender.ID)
	if _, err := s.AppointPanel(ctx, buyer, tender.ID, w.expertIDs); err != nil {
		t.Fatal(err)
	}
	for i := range w.experts {
		ex := w.e.actor(fmt.Sprintf("expert%d", i+1))
		if _, err := s.Declare(ctx, ex, tender.ID, models.Declaration{}); err != nil {
			t.Fatal(err)
		}
		pass := i == 0
		if _, err := s.ReviewCompliance(ctx, ex, bids[0], models.ComplianceInput{Pass: &pass, Note: "报价超出市场价格"}); err != nil {
			t.Fatal(err)
		}
	}
	status, b := w.buyer.do("POST", api+"/award", nil)
	must(t, 409, status, b, "awarding with no compliant bid")
	status, b = w.buyer.do("POST", api+"/fail", map[string]any{"reason": "评审小组认定唯一投标不符合采购需求"})
	if p := decode[problemDoc](t, must(t, 409, status, b, "ending unconfirmed")); !strings.Contains(p.Detail, `"confirm_end": true`) || !strings.Contains(p.Detail, "no_acceptable") {
		t.Fatalf("detail: %s", p.Detail)
	}
	status, b = w.buyer.do("GET", api, nil)
	if got := decode[idOnly](t, must(t, 200, status, b, "tender")); got.Status != "evaluating" {
		t.Fatalf("an unconfirmed end left the tender %s", got.Status)
	}
	status, b = w.buyer.do("POST", api+"/fail", map[string]any{"reason": "评审小组认定唯一投标不符合采购需求", "confirm_end": true})
	if got := decode[idOnly](t, must(t, 200, status, b, "ending confirmed")); got.Status != "unsuccessful" {
		t.Fatalf("after the confirmed end: %s", b)
	}
	type notice struct{ Reason, Message string }
	status, b = w.e.anon().do("GET", api+"/failure", nil)
	if n := decode[notice](t, must(t, 200, status, b, "failure notice")); n.Reason != "no_acceptable" ||
		n.Message != "没有符合采购文件要求、可以接受的投标。说明：评审小组认定唯一投标不符合采购需求" {
		t.Fatalf("failure notice: %s", b)
	}
	en := w.e.anon()
	en.do("GET", "/lang/en?next=/", nil)
	status, b = en.do("GET", api+"/failure", nil)
	if n := decode[notice](t, must(t, 200, status, b, "failure notice in English")); n.Message != "No bid was acceptable: 评审小组认定唯一投标不符合采购需求" {
		t.Fatalf("English failure notice: %s", b)
	}
	if p := tpText(en.tpPage(fmt.Sprintf("/tenders/%d/notice", tender.ID))); !strings.Contains(p, "No bid was acceptable: 评审小组认定唯一投标不符合采购需求") {
		t.Fatalf("the printable notice in English: %s", p)
	}

	// A comprehensive tender, scored: staff judge no bid acceptable.
	in := models.TenderInput{Method: "competitive_consultation", Evaluation: models.EvalComprehensive, PriceWeight: 10,
		Criteria: []models.Criterion{{Key: "plan", Name: "服务方案", MaxPoints: 60}, {Key: "team", Name: "团队配置", MaxPoints: 30}}}
	scored, bids := w.tpTender(t, in, 240_000, 200_000, 280_000)
	base := fmt.Sprintf("/tenders/%d", scored.ID)
	if _, err := s.AppointPanel(ctx, buyer, scored.ID, w.expertIDs); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(w.buyer.tpPage(base+"/evaluation"), `id="fail-form"`) {
		t.Fatal("the page offers to end the tender before the panel has scored")
	}
	for i := range w.experts {
		ex := w.e.actor(fmt.Sprintf("expert%d", i+1))
		if _, err := s.Declare(ctx, ex, scored.ID, models.Declaration{}); err != nil {
			t.Fatal(err)
		}
		for _, bid := range bids {
			if _, err := s.ScoreBid(ctx, ex, bid, map[string]float64{"plan": 20, "team": 10}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if !strings.Contains(w.buyer.tpPage(base+"/evaluation"), `id="fail-form"`) {
		t.Fatal("the scored tender's page has no form to end it")
	}
	reason := "各投标服务方案均不能满足困境儿童关爱服务需求"
	status, _, page := w.buyer.tpPost(base+"/fail", url.Values{"reason": {reason}})
	confirm := tpConfirmForm.FindString(page)
	if status != 409 || !strings.Contains(confirm, `action="`+base+`/fail"`) || !strings.Contains(confirm, `type="hidden" name="reason" value="`+reason+`"`) ||
		!strings.Contains(confirm, `name="confirm_end" value="true"`) || !strings.Contains(tpText(page), "项目将以采购失败结束") ||
		!strings.Contains(tpText(page), "没有符合采购文件要求、可以接受的投标。说明："+reason) {
		t.Fatalf("the first post: %d\n%s\n%s", status, confirm, tpText(page))
	}
	if got, _ := s.Tender(ctx, buyer, scored.ID); got.Status != models.TenderEvaluating {
		t.Fatalf("the unconfirmed post left the tender %s", got.Status)
	}
	w.buyer.tpMustPost(base+"/fail", url.Values{"reason": {reason}, "confirm_end": {"true"}})
	if shown := tpText(w.e.anon().tpPage(base)); !strings.Contains(shown, "采购失败公告") || !strings.Contains(shown, "说明："+reason) {
		t.Fatalf("the tender page shows no failure notice:\n%s", shown)
	}
}

// TestListedReasonInTheReadersLanguage: a bid disqualified by a listed
// credit check shows the portal's reason in the reader's language on the
// staff's and the bidder's pages; the API keeps the code and its stable
// English; a staff-typed reason shows as typed.
func TestListedReasonInTheReadersLanguage(t *testing.T) {
	w := newTenderWorld(t)
	tender := w.publish(t)
	var bids []int64
	for i := range w.agents {
		bids = append(bids, w.bid(t, i, tender, 250_000+int64(i), "方案"))
	}
	w.now = w.now.Add(12 * 24 * time.Hour)
	api := fmt.Sprintf("/api/v1/tenders/%d", tender)
	s, b := w.buyer.do("POST", api+"/credit-checks", map[string]any{"organisation_id": w.orgs[2], "result": "listed", "checked_at": w.now.Format(time.RFC3339)})
	must(t, 201, s, b, "listed")
	s, b = w.buyer.do("POST", fmt.Sprintf("/api/v1/bids/%d/disqualify", bids[1]), map[string]any{"reason": "报价文件未盖章", "confirm_end": true})
	must(t, 200, s, b, "disqualify by hand")
	s, b = w.buyer.do("GET", api+"/bids", nil)
	list := decode[struct{ Items []models.Bid }](t, must(t, 200, s, b, "bids"))
	for _, bid := range list.Items {
		want := map[int64][2]string{bids[2]: {"credit_listed", "credit check: listed"}, bids[1]: {"", "报价文件未盖章"}, bids[0]: {"", ""}}[bid.ID]
		if bid.DisqualifiedCode != want[0] || bid.DisqualifiedReason != want[1] {
			t.Errorf("bid %d through the API: %q %q, want %v", bid.ID, bid.DisqualifiedCode, bid.DisqualifiedReason, want)
		}
	}
	zh := "信用查询：列入失信名单（信用中国或政府采购严重违法失信行为记录）"
	en := "Credit check: listed (Credit China or the government-procurement violation record)"
	eval := fmt.Sprintf("/tenders/%d/evaluation", tender)
	if p := tpText(w.buyer.tpPage(eval)); !strings.Contains(p, zh) || strings.Contains(p, "credit check: listed") || !strings.Contains(p, "报价文件未盖章") {
		t.Fatalf("the staff's evaluation page: %s", p)
	}
	if p := tpText(w.agents[2].tpPage(fmt.Sprintf("/tenders/%d/bid", tender))); !strings.Contains(p, zh) {
		t.Fatalf("the listed bidder's page: %s", p)
	}
	w.buyer.do("GET", "/lang/en?next=/", nil)
	if p := tpText(w.buyer.tpPage(eval)); !strings.Contains(p, en) || !strings.Contains(p, "报价文件未盖章") {
		t.Fatalf("the staff's evaluation page in English: %s", p)
	}
	w.agents[2].do("GET", "/lang/en?next=/", nil)
	if p := tpText(w.agents[2].tpPage(fmt.Sprintf("/tenders/%d/bid", tender))); !strings.Contains(p, en) {
		t.Fatalf("the listed bidder's page in English: %s", p)
	}
}
