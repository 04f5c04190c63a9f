package handlers_test

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserTenderScreens opens the tender list, a tender's page and the
// bid page (of a verified and of a pending organisation) at phone (390 px)
// and desktop (1366 px) width: nothing is wider than the phone, the list's
// status stays in view, and each view is saved as a screenshot (to
// PORTAL_SCREENSHOTS when set, else the test's temp dir) to be looked at.
func TestBrowserTenderScreens(t *testing.T) {
	w := newTPWorld(t)
	_, base := w.tpPublished("兴宁区困境儿童关爱服务项目", w.now().Add(2*time.Hour))
	w.tpPublished("兴宁区社区老年人探访关爱服务项目（第二批，覆盖三个街道）", w.now().Add(3*time.Hour))
	staff := fmt.Sprint(w.staff[0])
	w.agents[0].tpMustPost(base+"/bid", url.Values{"price": {"250,000.00"}, "proposal": {"入户走访、个案管理、志愿者培训。"}, "team": {staff}, "role:" + staff: {"项目主管"}})
	w.e.registerOrg("agent4", "450102")
	draft := tpID(t, w.buyer.tpMustPost("/tenders", tpFormValues("兴宁区儿童督导员培训项目", w.now().Add(20*time.Minute))), "/tenders/")
	w.advance(30 * time.Minute) // the draft's deadline has passed: publishing it is refused

	dir := os.Getenv("PORTAL_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	b := &tpBrowser{t: t, ctx: newBrowser(t), base: w.e.srv.URL, tabs: map[string]*tpTab{}}
	shot := func(tab *tpTab, name string, width int64) {
		t.Helper()
		tab.do(chromedp.EmulateViewport(width, 900))
		if width == 390 {
			tab.fits(name)
		}
		img, err := chromedp.Run(tab.ctx, chromedp.FullScreenshot(90))
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name+".jpg")
		if err := os.WriteFile(path, img, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot %s", path)
	}
	statusVisible := func(tab *tpTab) {
		t.Helper()
		ok, err := chromedp.Run(tab.ctx, chromedp.Evaluate[bool](`Array.from(document.querySelectorAll('#tenders tbody td[data-status]')).every(td => {
			const r = td.getBoundingClientRect(); return r.width > 0 && r.left >= 0 && r.right <= window.innerWidth })`))
		if err != nil || !ok {
			t.Errorf("the tender list's status is out of view at %v (%v)", tab, err)
		}
	}
	for _, width := range []int64{390, 1366} {
		u := b.as("xn-buyer", "/tenders")
		u.do(chromedp.EmulateViewport(width, 900))
		u.open("/tenders")
		statusVisible(u)
		shot(u, fmt.Sprintf("tender-list-buyer-%d", width), width)
		u.open(base)
		shot(u, fmt.Sprintf("tender-show-buyer-%d", width), width)
		u.open(fmt.Sprintf("/tenders/%d", draft))
		u.do(chromedp.Click(css("#publish")), chromedp.WaitVisible(css("#publish-problems")))
		shot(u, fmt.Sprintf("tender-publish-refused-%d", width), width)
		u.do(chromedp.Click(css("#publish-problems a")), chromedp.WaitVisible(css("#f-bid_deadline[aria-invalid=true]")))
		shot(u, fmt.Sprintf("tender-edit-marked-%d", width), width)
		a := b.as("agent1", "/tenders")
		a.do(chromedp.EmulateViewport(width, 900))
		a.open("/tenders")
		statusVisible(a)
		shot(a, fmt.Sprintf("tender-list-agency-%d", width), width)
		a.open(base + "/bid")
		shot(a, fmt.Sprintf("bid-form-%d", width), width)
		p := b.as("agent4", base+"/bid")
		p.do(chromedp.EmulateViewport(width, 900))
		p.open(base + "/bid")
		p.do(chromedp.WaitVisible(css("#org-standing")))
		shot(p, fmt.Sprintf("bid-pending-%d", width), width)
	}
}
