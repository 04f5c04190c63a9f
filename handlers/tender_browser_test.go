package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"portal/models"

	"github.com/chromedp/chromedp"
)

// tpBrowser is one phone-sized browser in which each user has a tab of
// its own browser context (its own cookies), signed in once.
type tpBrowser struct {
	t    *testing.T
	ctx  context.Context
	base string
	tabs map[string]*tpTab
}

// tpTab is one user's tab.
type tpTab struct {
	t    *testing.T
	ctx  context.Context
	base string
}

// as returns username's tab, opening it and signing in the first time,
// showing next.
func (b *tpBrowser) as(username, next string) *tpTab {
	b.t.Helper()
	if tab, ok := b.tabs[username]; ok {
		tab.open(next)
		return tab
	}
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	b.t.Cleanup(cancel)
	tab := &tpTab{t: b.t, ctx: ctx, base: b.base}
	do(b.t, ctx,
		chromedp.EmulateViewport(390, 844),
		chromedp.Navigate(b.base+"/login?next="+url.QueryEscape(next)),
		chromedp.WaitVisible(css("#login-form")),
		chromedp.SendKeys(css("#f-username"), username),
		chromedp.SendKeys(css("#f-password"), testPassword),
		chromedp.Click(css("#login-submit")),
		chromedp.WaitVisible(css("#current-user")),
	)
	b.tabs[username] = tab
	return tab
}

// do runs steps in the tab.
func (tab *tpTab) do(steps ...chromedp.Action[chromedp.Void]) {
	tab.t.Helper()
	do(tab.t, tab.ctx, steps...)
}

// fill sets the values of many inputs and selects at once (one round trip
// instead of one per input); a missing input fails the test.
func (tab *tpTab) fill(values map[string]string) {
	tab.t.Helper()
	js, err := json.Marshal(values)
	if err != nil {
		tab.t.Fatal(err)
	}
	_, err = chromedp.Run(tab.ctx, chromedp.Evaluate[bool](`(v => {
		for (const [sel, val] of Object.entries(v)) {
			const el = document.querySelector(sel);
			if (!el) throw new Error("no input " + sel);
			el.value = val;
		}
		return true;
	})(`+string(js)+`)`))
	if err != nil {
		tab.t.Fatalf("fill: %v", err)
	}
}

// open loads a page afresh, so that no flash or error of an earlier form
// is on it.
func (tab *tpTab) open(path string) {
	tab.t.Helper()
	tab.do(chromedp.Navigate(tab.base+path), chromedp.WaitVisible(css("main h1")))
}

// submit clicks a form's button and waits for the next page, which must
// carry the success flash and no error.
func (tab *tpTab) submit(button string) {
	tab.t.Helper()
	// This page's own messages go first, so that only the next page's count.
	if _, err := chromedp.Run(tab.ctx, chromedp.Evaluate[bool](`document.querySelectorAll('.flash, .form-error').forEach(e => e.remove()) || true`)); err != nil {
		tab.t.Fatal(err)
	}
	// A node found just before its document is replaced (a late load of the
	// page that showed it) cannot be clicked: find it again, a few times.
	for try := 0; ; try++ {
		err := chromedp.Do(tab.ctx, chromedp.Click(css(button)))
		if err == nil {
			break
		}
		if try == 3 || !strings.Contains(err.Error(), "Could not find node") {
			tab.t.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	tab.do(chromedp.WaitVisible(css(".flash, .form-error")))
	msg, err := chromedp.Run(tab.ctx, chromedp.Evaluate[string](`Array.from(document.querySelectorAll('.form-error, .field-error')).map(e => e.innerText).join(' | ')`))
	if err != nil || msg != "" {
		tab.t.Fatalf("after %s: %q %v", button, msg, err)
	}
}

// fits checks that the page needs no sideways scrolling on the phone.
func (tab *tpTab) fits(what string) {
	tab.t.Helper()
	// The viewport's new width reaches the layout asynchronously: a loaded
	// machine may measure before it has; what never fits within 3 s fails.
	deadline := time.Now().Add(3 * time.Second)
	for {
		ok, err := chromedp.Run(tab.ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= window.innerWidth`))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			tab.t.Errorf("%s is wider than the phone (%v)", what, err)
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (tab *tpTab) text(sel string) string {
	tab.t.Helper()
	return text(tab.t, tab.ctx, sel)
}

// value is a form control's current value.
func (tab *tpTab) value(sel string) string {
	tab.t.Helper()
	v, err := chromedp.Run(tab.ctx, chromedp.Value(css(sel)))
	if err != nil {
		tab.t.Fatalf("value of %s: %v", sel, err)
	}
	return v
}

// attr is an element's attribute.
func (tab *tpTab) attr(sel, name string) string {
	tab.t.Helper()
	v, err := chromedp.Run(tab.ctx, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector(%q).getAttribute(%q) || ""`, sel, name)))
	if err != nil {
		tab.t.Fatalf("attribute %s of %s: %v", name, sel, err)
	}
	return v
}

func TestBrowserTenderJourney(t *testing.T) {
	w := newTPWorld(t)
	b := &tpBrowser{t: t, ctx: newBrowser(t), base: w.e.srv.URL, tabs: map[string]*tpTab{}}
	ctx := context.Background()
	var u *tpTab

	// The buyer drafts and publishes a competitive consultation.
	u = b.as("xn-buyer", "/tenders/new")
	u.do(chromedp.WaitVisible(css("#tender-form")), chromedp.SendKeys(css("#f-title"), "兴宁区困境儿童关爱服务项目"))
	u.fill(map[string]string{
		"#f-catalogue_code": "C0603", "#f-method": "competitive_consultation",
		"#f-budget-0-source": "central_lottery", "#f-budget-0-amount": "200000",
		"#f-budget-1-source": "local_budget", "#f-budget-1-amount": "100000",
		"#f-service_start": "2026-04-01", "#f-service_end": "2027-03-31",
		"#f-targets-0-indicator": "service_hours", "#f-targets-0-value": "2000",
		"#f-targets-1-indicator": "children_served", "#f-targets-1-value": "500",
		"#f-criteria-0-name": "服务方案", "#f-criteria-0-max_points": "40",
		"#f-criteria-1-name": "团队配置", "#f-criteria-1-max_points": "30",
		"#f-criteria-2-name": "服务经验", "#f-criteria-2-max_points": "10",
		"#f-bid_deadline": tpLocalTime(w.now().Add(30 * time.Minute)),
	})
	u.fits("the tender form")
	u.submit("#tender-submit")
	loc, err := chromedp.Run(u.ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	parsed, _ := url.Parse(loc)
	id := tpID(t, parsed.Path, "/tenders/")
	base := fmt.Sprintf("/tenders/%d", id)
	u.open(base)
	u.do(chromedp.Click(css("#publish")), chromedp.WaitVisible(css("#confirm-form"))) // publishing asks first
	u.submit("#confirm-submit")
	if st := u.text("#tender-status"); !strings.Contains(st, "已发布") {
		t.Fatalf("status after publishing: %q", st)
	}
	u.fits("the tender page")

	// An agency asks; the buyer answers; the answer is public.
	u = b.as("agent1", base)
	u.do(chromedp.SendKeys(css("#f-question"), "服务对象是否包括事实无人抚养儿童？"))
	u.submit("#ask-submit")
	enquiries, err := w.e.store.Enquiries(ctx, models.Anonymous("", w.e.authz), id)
	if err != nil || len(enquiries) != 1 {
		t.Fatalf("enquiries: %v %v", enquiries, err)
	}
	u = b.as("xn-buyer", base)
	u.do(chromedp.SendKeys(css(fmt.Sprintf("#f-answer-%d", enquiries[0].ID)), "包括。"))
	u.submit(fmt.Sprintf("#enquiry-%d button", enquiries[0].ID))
	if a := u.text(fmt.Sprintf("#enquiry-%d .answer", enquiries[0].ID)); a != "包括。" {
		t.Fatalf("answer shown: %q", a)
	}

	// Three agencies bid through the page.
	for i := range w.agents {
		u = b.as(fmt.Sprintf("agent%d", i+1), base+"/bid")
		u.do(chromedp.WaitVisible(css("#bid-form")), chromedp.SendKeys(css("#f-price"), strings.ReplaceAll(tpPrices[i], ",", "")),
			chromedp.Click(css(fmt.Sprintf("#f-team-%d", w.staff[i]))))
		u.fill(map[string]string{"#f-proposal": fmt.Sprintf("第%d家机构的服务方案：入户走访、个案管理、志愿者培训。", i+1),
			fmt.Sprintf("#f-role-%d", w.staff[i]): "项目主管"})
		u.submit("#bid-save")
		u.fits("the bid page")
		u.do(chromedp.Click(css("#bid-submit")), chromedp.WaitVisible(css("#confirm-form")))
		u.submit("#confirm-submit")
		if st := u.text("#bid-status"); !strings.Contains(st, "已提交") {
			t.Fatalf("agent%d's bid: %q", i+1, st)
		}
		w.advance(time.Minute)
	}
	// Sealed for the buyer until the deadline.
	u = b.as("xn-buyer", base+"/evaluation")
	u.do(chromedp.WaitVisible(css("#sealed")))

	// The deadline passes; the buyer appoints a panel of three.
	w.advance(30 * time.Minute)
	u.open(base + "/evaluation")
	if n, _ := chromedp.Run(u.ctx, chromedp.Evaluate[int](`document.querySelectorAll('#bids .bid').length`)); n != 3 {
		t.Fatalf("the buyer sees %d bids after the deadline", n)
	}
	for _, x := range w.expertIDs {
		u.do(chromedp.Click(css(fmt.Sprintf("#f-expert-%d", x))))
	}
	u.submit("#panel-submit")
	if m := u.text("#panel-members"); strings.Count(m, "待申报利益冲突") != 3 {
		t.Fatalf("panel: %q", m)
	}

	// Each expert declares no conflict and scores every bid.
	bids, err := w.e.store.OpenedBids(ctx, w.e.actor("xn-buyer"), id)
	if err != nil || len(bids) != 3 {
		t.Fatalf("opened bids: %v", err)
	}
	byOrg := map[int64]int64{}
	for _, bid := range bids {
		byOrg[bid.OrganisationID] = bid.ID
	}
	keys := []string{"criterion_1", "criterion_2", "criterion_3"} // made from the names
	for i := range w.experts {
		u = b.as(fmt.Sprintf("expert%d", i+1), base+"/review")
		u.do(chromedp.WaitVisible(css("#declare-form")), chromedp.Click(css("#f-conflict-no")))
		u.submit("#declare-submit")
		u.fits("the review page")
		for j, org := range w.orgs {
			bid := byOrg[org]
			u.open(base + "/review")
			points := map[string]string{}
			for k, key := range keys {
				points[fmt.Sprintf("#f-%d-%s", bid, key)] = tpPoints[i][j][k]
			}
			u.fill(points)
			u.submit(fmt.Sprintf("#score-%d .score-submit", bid))
		}
	}
	if s := u.text("#sheets"); !strings.Contains(s, "评审专家 1") || !strings.Contains(s, "（本人）") {
		t.Fatalf("the panel's sheets: %q", s)
	}

	// The buyer records the winner's credit check and awards.
	u = b.as("xn-buyer", base+"/evaluation")
	u.do(chromedp.WaitVisible(css("#credit-form")), chromedp.SetValue(css("#f-credit-org"), fmt.Sprint(w.orgs[2])),
		chromedp.SendKeys(css("#f-note"), "信用中国、政府采购严重违法失信名单均无记录"))
	u.submit("#credit-submit")
	u.do(chromedp.Click(css("#award-submit")), chromedp.WaitVisible(css("#confirm-form")))
	u.submit("#confirm-submit")
	if r := u.text("#ranking"); !strings.Contains(r, "89.67") || !strings.Contains(r, "机构agent3") {
		t.Fatalf("ranking: %q", r)
	}
	u.fits("the evaluation page")

	// A losing agency sees its rank and challenges; the buyer answers.
	u = b.as("agent1", base+"/bid")
	if rank := u.text("#own-rank"); rank != "2" {
		t.Fatalf("agent1's rank: %q", rank)
	}
	u.do(chromedp.SendKeys(css("#f-challenge-reason"), "价格分计算有误，请复核。"))
	u.submit("#challenge-submit")
	challenges, err := w.e.store.Challenges(ctx, w.e.actor("xn-buyer"), id)
	if err != nil || len(challenges) != 1 {
		t.Fatalf("challenges: %v %v", challenges, err)
	}
	u = b.as("xn-buyer", base+"/evaluation")
	u.do(chromedp.SendKeys(css(fmt.Sprintf("#f-ch-%d", challenges[0].ID)), "经复核，价格分计算无误。"))
	u.submit(fmt.Sprintf("#challenge-%d button", challenges[0].ID))

	// The window closes; the buyer signs with the default 30/40/30 plan.
	w.advance(11 * time.Minute)
	u.open(base + "/evaluation")
	u.do(chromedp.Click(css("#contract-submit")), chromedp.WaitVisible(css("#confirm-form")))
	u.submit("#confirm-submit")
	if amount := u.text("#contract-amount"); !strings.Contains(amount, "300,000.00") {
		t.Fatalf("contract amount: %q", amount)
	}
	if org := u.text("#contract-org"); org != "机构agent3" {
		t.Fatalf("contract organisation: %q", org)
	}
	if plan := u.text("#payment-plan"); !strings.Contains(plan, "90,000.00") || !strings.Contains(plan, "120,000.00") || !strings.Contains(plan, "终期验收后") {
		t.Fatalf("payment plan: %q", plan)
	}
	u.fits("the contract page")
	if got, _ := w.e.store.Tender(ctx, nil, id); got.Status != models.TenderContracted {
		t.Fatalf("tender after signing: %s", got.Status)
	}
}
