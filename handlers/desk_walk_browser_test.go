package handlers_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"portal/models"

	"github.com/chromedp/chromedp"
)

// The desk walks: each role signs in through the login form, opens its desk
// (工作台), follows an item's link to the page where the work is done, does
// it through that page's forms (confirmation steps included), comes back to
// the desk through the menu and finds the item gone, on the phone (390 px)
// and at desktop width (1366 px). Every step is saved as a screenshot (to
// PORTAL_SCREENSHOTS when set, else the test's temp dir).

// walk is one person's tab at one screen width.
type walk struct {
	*tpTab
	width int64
	dir   string
	n     int
}

// walkAs signs username in through the login form at width and opens its
// desk.
func walkAs(t *testing.T, base, username string, width int64) *walk {
	t.Helper()
	b := &tpBrowser{t: t, ctx: newBrowser(t), base: base, tabs: map[string]*tpTab{}}
	tab := b.as(username, "/desk")
	tab.do(chromedp.EmulateViewport(width, 900), chromedp.WaitVisible(css("#desk-at")))
	dir := os.Getenv("PORTAL_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	return &walk{tpTab: tab, width: width, dir: dir}
}

// shot saves the page as it is; on the phone it must not scroll sideways.
func (w *walk) shot(name string) {
	w.t.Helper()
	if w.width <= 390 {
		w.fits(name)
	}
	img, err := chromedp.Run(w.ctx, chromedp.FullScreenshot(90))
	if err != nil {
		w.t.Fatal(err)
	}
	w.n++
	path := filepath.Join(w.dir, fmt.Sprintf("walk-%s-%02d-%s.jpg", strings.ReplaceAll(strings.TrimPrefix(w.t.Name(), "TestBrowserDeskWalk"), "/", "-"), w.n, name))
	if err := os.WriteFile(path, img, 0o644); err != nil {
		w.t.Fatal(err)
	}
	w.t.Logf("screenshot %s", path)
}

// desk goes back to the desk through the menu's link.
func (w *walk) desk() {
	w.t.Helper()
	w.do(chromedp.Click(css(`header nav a[href="/desk"]`)), chromedp.WaitVisible(css("#desk-at")))
}

// count is a desk task's count as shown.
func (w *walk) count(task string) string {
	w.t.Helper()
	return w.text("#task-" + task + " .count")
}

// follow clicks a desk item's link: the first of the task's, or the one
// whose item carries data-id.
func (w *walk) follow(task string, id int64, waitFor string) {
	w.t.Helper()
	sel := "#task-" + task + " li a"
	if id != 0 {
		sel = fmt.Sprintf("#task-%s li[data-id=\"%d\"] a", task, id)
	}
	// A link to the wrong page fails here, not at the browser's timeout.
	ctx, cancel := context.WithTimeout(w.ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Click(css(sel)), chromedp.WaitVisible(css(waitFor))); err != nil {
		loc, _ := chromedp.Run(w.ctx, chromedp.Location())
		w.t.Fatalf("the %s item's link led to %s, without %s: %v", task, loc, waitFor, err)
	}
}

// bothWidths runs a walk on the phone (390 px) and at desktop width
// (1366 px), each in a world of its own.
func bothWidths(t *testing.T, walkAt func(t *testing.T, width int64)) {
	for _, width := range []int64{390, 1366} {
		t.Run(fmt.Sprint(width), func(t *testing.T) { walkAt(t, width) })
	}
}

// TestBrowserDeskWalkProcurement: the buyer verifies the
// pending organisation from its desk item (asked first) and answers the
// unanswered enquiry from its item; both leave the desk.
func TestBrowserDeskWalkProcurement(t *testing.T) {
	bothWidths(t, func(t *testing.T, width int64) {
		e := newEnv(t)
		ctx := context.Background()
		e.staff("xn-buyer", models.RoleProcurement, "450102")
		pending := e.registerOrg("agent1", "450102")
		e.verifyOrg(e.registerOrg("agent2", "450102"))
		tender := deskTender(t, e, "xn-buyer", "兴宁区农村留守儿童关爱服务项目")
		q, err := e.store.Ask(ctx, e.actor("agent2"), tender.ID, "服务对象是否包括困境儿童？")
		if err != nil {
			t.Fatal(err)
		}

		w := walkAs(t, e.srv.URL, "xn-buyer", width)
		if got := w.count(models.DeskPendingOrgs); got != "1" {
			t.Fatalf("organisations awaiting verification: %q", got)
		}
		if got := w.count(models.DeskEnquiries); got != "1" {
			t.Fatalf("enquiries to answer: %q", got)
		}
		w.shot("desk")

		// The organisation: its page, verify, the confirmation step.
		w.follow(models.DeskPendingOrgs, 0, "#review-form")
		w.shot("org")
		w.do(chromedp.Click(css("#event-verify")), chromedp.WaitVisible(css("#confirm-form")))
		w.shot("org-confirm")
		w.submit("#confirm-submit")
		if st, _ := e.store.Organisation(ctx, e.root, pending); st == nil || st.Org.Status != models.OrgVerified {
			t.Fatalf("organisation after verifying from the desk: %+v", st)
		}
		w.shot("org-verified")
		w.desk()
		if got := w.count(models.DeskPendingOrgs); got != "0" {
			t.Fatalf("organisations awaiting verification after verifying: %q", got)
		}

		// The enquiry: the tender's enquiries, answered in place.
		w.follow(models.DeskEnquiries, q.ID, "#enquiries")
		w.shot("enquiry")
		w.do(chromedp.SendKeys(css(fmt.Sprintf("#f-answer-%d", q.ID)), "包括。"))
		w.submit(fmt.Sprintf("#enquiry-%d button", q.ID))
		if a := w.text(fmt.Sprintf("#enquiry-%d .answer", q.ID)); a != "包括。" {
			t.Fatalf("answer shown: %q", a)
		}
		w.shot("enquiry-answered")
		w.desk()
		if got := w.count(models.DeskEnquiries); got != "0" {
			t.Fatalf("enquiries to answer after answering: %q", got)
		}
		w.shot("desk-done")
	})
}

// TestBrowserDeskWalkAgency: a verified agency opens the
// tender in reach from its desk, saves and submits a bid (asked first);
// the tender leaves its open list and the bid shows as submitted.
func TestBrowserDeskWalkAgency(t *testing.T) {
	bothWidths(t, func(t *testing.T, width int64) {
		tw := newTPWorld(t)
		tender := deskTender(t, tw.e, "xn-buyer", "兴宁区困境儿童关爱服务项目")

		w := walkAs(t, tw.e.srv.URL, "agent1", width)
		if got := w.count(models.DeskOpenTenders); got != "1" {
			t.Fatalf("open tenders: %q", got)
		}
		w.shot("desk")
		w.follow(models.DeskOpenTenders, 0, "#bid-link")
		w.shot("tender")
		w.do(chromedp.Click(css("#bid-link")), chromedp.WaitVisible(css("#bid-form")),
			chromedp.SendKeys(css("#f-price"), "250,000.00"), chromedp.Click(css(fmt.Sprintf("#f-team-%d", tw.staff[0]))))
		w.fill(map[string]string{"#f-proposal": "入户走访、个案管理、志愿者培训。", fmt.Sprintf("#f-role-%d", tw.staff[0]): "项目主管"})
		w.submit("#bid-save")
		w.shot("bid-saved")
		w.do(chromedp.Click(css("#bid-submit")), chromedp.WaitVisible(css("#confirm-form")))
		w.shot("bid-confirm")
		w.submit("#confirm-submit")
		if st := w.text("#bid-status"); !strings.Contains(st, "已提交") {
			t.Fatalf("bid after submitting: %q", st)
		}
		w.shot("bid-submitted")
		w.desk()
		if got := w.count(models.DeskOpenTenders); got != "0" {
			t.Fatalf("open tenders after bidding: %q", got)
		}
		if st := w.text(fmt.Sprintf("#task-%s li[data-tender=\"%d\"] .pill", models.DeskBids, tender.ID)); !strings.Contains(st, "已提交") {
			t.Fatalf("the bid on the desk: %q", st)
		}
		w.shot("desk-done")
	})
}

// TestBrowserDeskWalkExpert: an appointed expert declares
// no conflict from its desk item, then scores every bid from the next
// item; both leave the desk.
func TestBrowserDeskWalkExpert(t *testing.T) {
	bothWidths(t, func(t *testing.T, width int64) {
		tw := newTPWorld(t)
		in := models.TenderInput{Method: "competitive_consultation", Evaluation: models.EvalComprehensive, PriceWeight: 30,
			Criteria: []models.Criterion{{Key: "plan", Name: "服务方案", MaxPoints: 40}, {Key: "team", Name: "团队配置", MaxPoints: 30}}}
		tender, bids := tw.tpTender(t, in, 250_000, 200_000, 240_000)
		if _, err := tw.e.store.AppointPanel(context.Background(), tw.e.actor("xn-buyer"), tender.ID, tw.expertIDs); err != nil {
			t.Fatal(err)
		}

		w := walkAs(t, tw.e.srv.URL, "expert1", width)
		if got := w.count(models.DeskDeclarations); got != "1" {
			t.Fatalf("declarations to make: %q", got)
		}
		w.shot("desk")
		w.follow(models.DeskDeclarations, 0, "#declare-form")
		if checked, _ := chromedp.Run(w.ctx, chromedp.Evaluate[bool](`!!document.querySelector('#declare-form input[name=conflict]:checked')`)); checked {
			t.Error("the declaration has an answer chosen before the expert chose one")
		}
		w.shot("declare")
		w.do(chromedp.Click(css("#f-conflict-no")))
		w.submit("#declare-submit")
		w.desk()
		if got := w.count(models.DeskDeclarations); got != "0" {
			t.Fatalf("declarations after declaring: %q", got)
		}
		if got := w.count(models.DeskScoreSheets); got != "1" {
			t.Fatalf("score sheets waiting: %q", got)
		}
		w.shot("desk-scores")

		for i, bid := range bids {
			// The item says how many bids are still to score.
			if left := w.text("#task-" + models.DeskScoreSheets + " li .detail"); !strings.Contains(left, fmt.Sprintf("%d 份投标待评分", len(bids)-i)) {
				t.Fatalf("score sheets item after %d scored: %q", i, left)
			}
			w.follow(models.DeskScoreSheets, 0, fmt.Sprintf("#score-%d", bid))
			if i == 0 {
				w.shot("review")
			}
			w.fill(map[string]string{fmt.Sprintf("#f-%d-plan", bid): "32", fmt.Sprintf("#f-%d-team", bid): "25.5"})
			w.submit(fmt.Sprintf("#score-%d .score-submit", bid))
			w.desk()
		}
		if got := w.count(models.DeskScoreSheets); got != "0" {
			t.Fatalf("score sheets after scoring every bid: %q", got)
		}
		w.shot("desk-done")
	})
}

// TestBrowserDeskWalkAdmin: the administrator
// opens a user without roles from its desk and grants a role there; the
// user leaves the list and the grant is among the recent ones.
func TestBrowserDeskWalkAdmin(t *testing.T) {
	bothWidths(t, func(t *testing.T, width int64) {
		e := newEnv(t)
		u, err := e.store.CreateUser(context.Background(), e.root, models.NewUser{Username: "new-expert", Password: testPassword, DisplayName: "黄专家"})
		if err != nil {
			t.Fatal(err)
		}
		w := walkAs(t, e.srv.URL, "admin", width)
		if got := w.count(models.DeskUsersNoRole); got != "1" {
			t.Fatalf("users without roles: %q", got)
		}
		w.shot("desk")
		w.follow(models.DeskUsersNoRole, 0, "#grant-form")
		w.shot("user")
		w.do(chromedp.SetValue(css("#f-role"), models.RoleExpert), chromedp.SetValue(css("#f-region"), "4501"))
		w.submit("#grant-form button[type=submit]")
		if roles := w.text("#roles"); !strings.Contains(roles, "评审专家") {
			t.Fatalf("roles after granting: %q", roles)
		}
		w.shot("granted")
		w.desk()
		if got := w.count(models.DeskUsersNoRole); got != "0" {
			t.Fatalf("users without roles after granting: %q", got)
		}
		if got := w.text(fmt.Sprintf("#task-%s", models.DeskRecentGrants)); !strings.Contains(got, "黄专家") {
			t.Fatalf("recent grants: %q (user %d)", got, u.ID)
		}
		w.shot("desk-done")
	})
}

// TestBrowserDeskWalkProcurementAward: after the deadline the buyer works
// from its desk through the rest of the tender: it appoints the panel
// from the "needs a panel" item; once the panel has scored, it follows the
// "ready to award" item to the provisional ranking, records the
// first-ranked bidder's credit check and awards (asked first); when the
// challenge window has closed it follows the "contract to sign" item and
// signs (asked first). Each item leaves the desk once done.
func TestBrowserDeskWalkProcurementAward(t *testing.T) {
	bothWidths(t, func(t *testing.T, width int64) {
		tw := newTPWorld(t)
		ctx, s := context.Background(), tw.e.store
		in := models.TenderInput{Method: "competitive_consultation", Evaluation: models.EvalComprehensive, PriceWeight: 30,
			Criteria: []models.Criterion{{Key: "plan", Name: "服务方案", MaxPoints: 40}, {Key: "team", Name: "团队配置", MaxPoints: 30}}}
		tender, bids := tw.tpTender(t, in, 250_000, 200_000, 240_000)

		w := walkAs(t, tw.e.srv.URL, "xn-buyer", width)
		if got := w.count(models.DeskNeedPanel); got != "1" {
			t.Fatalf("tenders needing a panel: %q", got)
		}
		w.shot("desk")
		w.follow(models.DeskNeedPanel, 0, "#panel-submit")
		for _, x := range tw.expertIDs {
			w.do(chromedp.Click(css(fmt.Sprintf("#f-expert-%d", x))))
		}
		w.shot("panel")
		w.submit("#panel-submit")
		w.desk()
		if got := w.count(models.DeskNeedPanel); got != "0" {
			t.Fatalf("tenders needing a panel after appointing one: %q", got)
		}

		// The experts' part: each declares and scores every bid.
		totals := [3][3]float64{{60, 62, 61}, {50, 51, 51}, {58, 59, 59}} // bid → expert
		for i := range tw.experts {
			ex := tw.e.actor(fmt.Sprintf("expert%d", i+1))
			if _, err := s.Declare(ctx, ex, tender.ID, models.Declaration{}); err != nil {
				t.Fatal(err)
			}
			for j, bid := range bids {
				if _, err := s.ScoreBid(ctx, ex, bid, map[string]float64{"plan": totals[j][i] - 25, "team": 25}); err != nil {
					t.Fatal(err)
				}
			}
		}
		w.open("/desk")
		if got := w.count(models.DeskReadyToAward); got != "1" {
			t.Fatalf("tenders ready to award: %q", got)
		}
		w.shot("desk-award")
		w.follow(models.DeskReadyToAward, 0, "#first-ranked #credit-form")
		first := w.attr("#first-ranked", "data-organisation")
		if got := w.value("#f-credit-org"); got != first {
			t.Fatalf("the credit form is for organisation %q, the first-ranked is %q", got, first)
		}
		w.do(chromedp.SendKeys(css("#f-note"), "信用中国、政府采购严重违法失信名单均无记录"))
		w.shot("credit")
		w.submit("#credit-submit")
		w.do(chromedp.Click(css("#award-submit")), chromedp.WaitVisible(css("#confirm-form")))
		w.shot("award-confirm")
		w.submit("#confirm-submit")
		w.do(chromedp.WaitVisible(css("#ranking")))
		w.shot("awarded")
		w.desk()
		if got := w.count(models.DeskReadyToAward); got != "0" {
			t.Fatalf("tenders ready to award after the award: %q", got)
		}
		if got := w.count(models.DeskToSign); got != "1" {
			t.Fatalf("contracts to sign: %q", got)
		}

		// The challenge window closes; the contract is signed from the desk.
		tw.advance(11 * time.Minute)
		w.open("/desk")
		w.shot("desk-sign")
		w.follow(models.DeskToSign, 0, "#contract-submit")
		w.do(chromedp.Click(css("#contract-submit")), chromedp.WaitVisible(css("#confirm-form")))
		w.shot("sign-confirm")
		w.submit("#confirm-submit")
		if amount := w.text("#contract-amount"); !strings.Contains(amount, "250,000.00") {
			t.Fatalf("contract amount: %q", amount)
		}
		w.shot("contract")
		w.desk()
		if got := w.count(models.DeskToSign); got != "0" {
			t.Fatalf("contracts to sign after signing: %q", got)
		}
		w.shot("desk-done")
	})
}
