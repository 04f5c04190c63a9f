package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"portal/models"
)

// The guided steps of the tender and bid pages (issue 8: items 5-9).

// tpConfirmed answers a confirmation step.
var tpConfirmed = url.Values{"confirm": {"yes"}}

// tpPublished creates and publishes a tender through the pages.
func (w *tpWorld) tpPublished(title string, deadline time.Time) (int64, string) {
	w.e.t.Helper()
	id := tpID(w.e.t, w.buyer.tpMustPost("/tenders", tpFormValues(title, deadline)), "/tenders/")
	base := fmt.Sprintf("/tenders/%d", id)
	w.buyer.tpMustPost(base+"/publish", tpConfirmed)
	return id, base
}

// TestPublishSubmitWithdrawAskFirst: each asks on a page of its own (the
// confirm view, no script) and changes nothing; only the answer does it.
func TestPublishSubmitWithdrawAskFirst(t *testing.T) {
	w := newTPWorld(t)
	ctx := context.Background()
	id := tpID(t, w.buyer.tpMustPost("/tenders", tpFormValues("兴宁区困境儿童关爱服务项目", w.now().Add(time.Hour))), "/tenders/")
	base := fmt.Sprintf("/tenders/%d", id)
	status := func() string {
		tr, err := w.e.store.ManagedTender(ctx, w.e.actor("xn-buyer"), id)
		if err != nil {
			t.Fatal(err)
		}
		return tr.Status
	}
	asks := func(c *client, path, message string) {
		t.Helper()
		s, _, body := c.tpPost(path, url.Values{})
		if s != http.StatusOK || !strings.Contains(body, `id="confirm-form"`) || !strings.Contains(body, `action="`+path+`"`) ||
			!strings.Contains(body, `name="confirm" value="yes"`) || !strings.Contains(tpText(body), message) {
			t.Fatalf("POST %s does not ask first: %d %s", path, s, tpText(body))
		}
	}
	asks(w.buyer, base+"/publish", "发布后公告立即对外公开")
	if st := status(); st != models.TenderDraft {
		t.Fatalf("asking published the tender: %s", st)
	}
	w.buyer.tpMustPost(base+"/publish", tpConfirmed)
	if st := status(); st != models.TenderPublished {
		t.Fatalf("the answer did not publish: %s", st)
	}

	a := w.agents[0]
	staff := fmt.Sprint(w.staff[0])
	a.tpMustPost(base+"/bid", url.Values{"price": {"250000"}, "proposal": {"方案"}, "team": {staff}, "role:" + staff: {"项目主管"}})
	bidStatus := func() string {
		b, err := w.e.store.OwnBid(ctx, w.e.actor("agent1"), id)
		if err != nil {
			t.Fatal(err)
		}
		return b.Status
	}
	if p := a.tpPage(base + "/bid"); !strings.Contains(p, `id="bid-submit-form"`) {
		t.Fatal("the bid page offers no submit")
	}
	asks(a, base+"/bid/submit", "提交后投标文件密封至投标截止时间")
	if st := bidStatus(); st != models.BidDraft {
		t.Fatalf("asking submitted the bid: %s", st)
	}
	if loc := a.tpMustPost(base+"/bid/submit", tpConfirmed); !strings.Contains(loc, "done=bid.submitted") || bidStatus() != models.BidSubmitted {
		t.Fatalf("the answer did not submit: %s %s", loc, bidStatus())
	}
	asks(a, base+"/bid/withdraw", "撤回后投标不再有效")
	if st := bidStatus(); st != models.BidSubmitted {
		t.Fatalf("asking withdrew the bid: %s", st)
	}
	if loc := a.tpMustPost(base+"/bid/withdraw", tpConfirmed); !strings.Contains(loc, "done=bid.withdrawn") || bidStatus() != models.BidWithdrawn {
		t.Fatalf("the answer did not withdraw: %s %s", loc, bidStatus())
	}
	// A step the page does not offer is refused at once, without asking.
	if s, _, body := w.agents[1].tpPost(base+"/bid/submit", url.Values{}); s != http.StatusNotFound {
		t.Errorf("submitting no bid: %d %s", s, tpText(body))
	}
}

// TestMoneyAsTyped: the bid price and the budget read what people type;
// what is not money is refused next to the field, precisely, with what was
// typed kept.
func TestMoneyAsTyped(t *testing.T) {
	w := newTPWorld(t)
	ctx := context.Background()
	id, base := w.tpPublished("兴宁区困境儿童关爱服务项目", w.now().Add(time.Hour))
	a := w.agents[0]
	staff := fmt.Sprint(w.staff[0])
	for _, c := range []struct {
		typed string
		fen   int64  // when it reads
		error string // else the message next to the price
	}{
		{"250000", 25000000, ""},
		{"250,000.00", 25000000, ""},
		{"250，000.00", 25000000, ""},
		{"２５００００", 25000000, ""},
		{"２５０，０００．５", 25000050, ""},
		{" ¥199,999.9 元", 19999990, ""},
		{"0.01", 1, ""},
		{"二十万", 0, "不是数字"},
		{"250000.005", 0, "最多 2 位小数"},
		{"1.2.3", 0, "不是数字"},
		{"-100", 0, "不是数字"},
		{"1e5", 0, "不是数字"},
	} {
		s, _, body := a.tpPost(base+"/bid", url.Values{"price": {c.typed}, "proposal": {"方案"}, "team": {staff}, "role:" + staff: {"项目主管"}})
		if c.error == "" {
			b, err := w.e.store.OwnBid(ctx, w.e.actor("agent1"), id)
			if s != http.StatusSeeOther || err != nil || b.PriceFen != c.fen {
				t.Errorf("%q: %d, stored %v %v, want %d fen", c.typed, s, b, err, c.fen)
			}
			continue
		}
		if s != http.StatusUnprocessableEntity || !tpInvalid(body, "price") || !strings.Contains(body, `value="`+c.typed+`"`) {
			t.Errorf("%q: %d, not refused on the form with the typed value kept", c.typed, s)
			continue
		}
		if e := fieldMessage(body, "e-price"); !strings.Contains(e, c.error) {
			t.Errorf("%q: next to the price %q, want %q", c.typed, e, c.error)
		}
	}
	// The budget lines read the same way.
	form := tpFormValues("兴宁区困境儿童关爱服务项目二期", w.now().Add(time.Hour))
	form.Set("budget[0].amount", "２００，０００．００")
	form.Set("budget[1].amount", "十万")
	s, _, body := w.buyer.tpPost("/tenders", form)
	if s != http.StatusUnprocessableEntity || !tpInvalid(body, "budget[1].amount") || tpInvalid(body, "budget[0].amount") ||
		!strings.Contains(tpText(body), "不是数字") || !strings.Contains(body, `value="十万"`) {
		t.Fatalf("a budget in words: %d %s", s, tpText(body))
	}
	form.Set("budget[1].amount", "100000.001")
	if s, _, body := w.buyer.tpPost("/tenders", form); s != 422 || !tpInvalid(body, "budget[1].amount") || !strings.Contains(tpText(body), "最多 2 位小数") {
		t.Fatalf("a budget with three decimals: %d %s", s, tpText(body))
	}
	form.Set("budget[1].amount", "100,000")
	tid := tpID(t, w.buyer.tpMustPost("/tenders", form), "/tenders/")
	if tr, err := w.e.store.ManagedTender(ctx, w.e.actor("xn-buyer"), tid); err != nil || tr.BudgetFen != 30000000 {
		t.Fatalf("the budget as typed: %v %v", tr, err)
	}
}

// fieldMessage is the text of the element with the given id.
func fieldMessage(body, id string) string {
	i := strings.Index(body, `id="`+id+`"`)
	if i < 0 {
		return ""
	}
	rest := body[i:]
	start := strings.IndexByte(rest, '>')
	end := strings.Index(rest, "</")
	if start < 0 || end < start {
		return ""
	}
	return rest[start+1 : end]
}

// TestUnverifiedOrganisationToldOnBidPages: a pending or rejected
// organisation is told why on every bid page, with its status and the
// reason, and is not offered the bid form; its enquiry has its own words.
func TestUnverifiedOrganisationToldOnBidPages(t *testing.T) {
	w := newTPWorld(t)
	_, base := w.tpPublished("兴宁区困境儿童关爱服务项目", w.now().Add(time.Hour))
	org := w.e.registerOrg("agent4", "450102")
	a := w.e.signIn("agent4")
	told := func(status, reason string) {
		t.Helper()
		for _, path := range []string{base, base + "/bid", "/my/bids"} {
			p := a.tpPage(path)
			text := tpText(p)
			if !strings.Contains(p, `id="org-standing" data-status="`+status+`"`) || !strings.Contains(text, "贵机构暂不能投标") ||
				(reason != "" && !strings.Contains(text, reason)) {
				t.Errorf("%s does not tell a %s organisation why: %s", path, status, text)
			}
			if strings.Contains(p, `id="bid-form"`) || strings.Contains(p, `id="bid-submit-form"`) {
				t.Errorf("%s offers a %s organisation the bid form", path, status)
			}
		}
	}
	told(models.OrgPending, "待审核")
	// Its enquiry is refused with words of its own, not the bid's.
	s, _, body := a.tpPost(base+"/enquiries", url.Values{"question": {"服务对象包括哪些？"}})
	if text := tpText(body); s != http.StatusConflict || !strings.Contains(text, "暂不能提出询问") || strings.Contains(text, "不能参与投标。") {
		t.Errorf("an enquiry from a pending organisation: %d %s", s, text)
	}
	if err := w.e.store.DB.Model(&models.Organisation{}).Where("id = ?", org).
		Updates(map[string]any{"status": models.OrgRejected, "status_reason": "登记证书已过期"}).Error; err != nil {
		t.Fatal(err)
	}
	told(models.OrgRejected, "登记证书已过期")
	// A verified organisation is told nothing and has the form.
	if p := w.agents[0].tpPage(base + "/bid"); strings.Contains(p, `id="org-standing"`) || !strings.Contains(p, `id="bid-form"`) {
		t.Error("a verified organisation is told it cannot bid")
	}
}

// TestRefusedPublishMarksTheFields: a refused publish lists the fields it
// names, each linked to its input on the edit page, which marks them; the
// draft has an edit link and cancelling is a separate action asking a reason.
func TestRefusedPublishMarksTheFields(t *testing.T) {
	w := newTPWorld(t)
	id := tpID(t, w.buyer.tpMustPost("/tenders", tpFormValues("兴宁区困境儿童关爱服务项目", w.now().Add(time.Hour))), "/tenders/")
	base := fmt.Sprintf("/tenders/%d", id)
	page := w.buyer.tpPage(base)
	if !strings.Contains(page, `href="`+base+`/edit" id="edit-tender"`) {
		t.Error("the draft has no edit link")
	}
	if !strings.Contains(page, `id="cancel-section"`) || !strings.Contains(page, `class="card danger-zone"`) ||
		strings.Index(page, `id="cancel-form"`) < strings.Index(page, `id="cancel-section"`) {
		t.Error("cancelling is not an action apart")
	}
	w.advance(90 * time.Minute) // the deadline has passed
	s, _, body := w.buyer.tpPost(base+"/publish", url.Values{})
	if s != http.StatusUnprocessableEntity || !strings.Contains(body, `id="publish-problems"`) {
		t.Fatalf("a refused publish: %d %s", s, tpText(body))
	}
	link := `href="` + base + `/edit?check=publish#f-bid_deadline"`
	if !strings.Contains(body, `<li data-field="bid_deadline"><a `+link+`>`) || !strings.Contains(tpText(body), "距截止时间须不少于") {
		t.Fatalf("the refusal does not link the deadline to its field: %s", tpText(body))
	}
	edit := w.buyer.tpPage(base + "/edit?check=publish")
	if !tpInvalid(edit, "bid_deadline") || !strings.Contains(edit, `id="f-bid_deadline"`) || tpInvalid(edit, "title") {
		t.Fatal("the edit page does not mark the field the publish refused")
	}
	if tpInvalid(w.buyer.tpPage(base+"/edit"), "bid_deadline") {
		t.Error("the plain edit page marks fields")
	}
}

// TestCriteriaTakeOnlyAName: a criterion typed with a name gets its key
// (criterion_1, …), which stays on edit.
func TestCriteriaTakeOnlyAName(t *testing.T) {
	w := newTPWorld(t)
	ctx := context.Background()
	form := tpFormValues("兴宁区困境儿童关爱服务项目", w.now().Add(time.Hour))
	for i := 0; i < 3; i++ {
		form.Del(fmt.Sprintf("criteria[%d].key", i))
	}
	id := tpID(t, w.buyer.tpMustPost("/tenders", form), "/tenders/")
	keys := func() []string {
		tr, err := w.e.store.ManagedTender(ctx, w.e.actor("xn-buyer"), id)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, c := range tr.Criteria {
			out = append(out, c.Key+"="+c.Name)
		}
		return out
	}
	want := "criterion_1=服务方案 criterion_2=团队配置 criterion_3=服务经验"
	if got := strings.Join(keys(), " "); got != want {
		t.Fatalf("keys made: %s, want %s", got, want)
	}
	edit := w.buyer.tpPage(fmt.Sprintf("/tenders/%d/edit", id))
	if strings.Contains(edit, `id="f-criteria-0-key"`) || !strings.Contains(edit, `type="hidden" name="criteria[0].key" value="criterion_1"`) {
		t.Fatal("the form shows the key, or does not keep it")
	}
	// Editing: the second is dropped and one is added; the others keep their keys.
	form.Set("criteria[0].key", "criterion_1")
	form.Set("criteria[1].key", "")
	form.Set("criteria[1].name", "")
	form.Set("criteria[1].max_points", "")
	form.Set("criteria[2].key", "criterion_3")
	form.Set("criteria[3].name", "督导安排")
	form.Set("criteria[3].max_points", "30")
	w.buyer.tpMustPost(fmt.Sprintf("/tenders/%d", id), form)
	want = "criterion_1=服务方案 criterion_3=服务经验 criterion_4=督导安排"
	if got := strings.Join(keys(), " "); got != want {
		t.Fatalf("keys after edit: %s, want %s", got, want)
	}
}

// TestTenderPagesWordsAndClock: region names (not codes) on the list, the
// tender page and its notice; the list filters by a region picker; every
// time is in Beijing time and says so; English mode uses ASCII punctuation.
func TestTenderPagesWordsAndClock(t *testing.T) {
	w := newTPWorld(t)
	deadline := w.now().Add(time.Hour)
	_, base := w.tpPublished("兴宁区困境儿童关爱服务项目", deadline)
	bj := deadline.In(models.ChinaZone).Format("2006-01-02 15:04")
	list := w.buyer.tpPage("/tenders?region=450102")
	if !strings.Contains(list, `<select id="f-region" name="region" class="region-select"`) || !strings.Contains(list, `<option value="450102" selected>`) ||
		!strings.Contains(list, `<span data-region="450102">南宁市 兴宁区</span>`) || !strings.Contains(list, bj+" 北京时间") {
		t.Fatalf("the tender list: %s", tpText(list))
	}
	for _, path := range []string{base, base + "/notice"} {
		p := w.buyer.tpPage(path)
		if !strings.Contains(tpText(p), "南宁市 兴宁区") || strings.Contains(p, "(450102)") || !strings.Contains(p, bj+" 北京时间") {
			t.Errorf("%s shows the region's code or an unlabelled time: %s", path, tpText(p))
		}
	}
	w.buyer.do("GET", "/lang/en?next=/", nil)
	notice := tpText(w.buyer.tpPage(base + "/notice"))
	if !strings.Contains(notice, bj+" Beijing time") || strings.ContainsAny(notice[strings.Index(notice, "Comprehensive"):], "：；（）、") {
		t.Errorf("the English notice: %s", notice)
	}
}
