package handlers_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"portal/models"

	"github.com/chromedp/chromedp"
)

// TestBrowserDeskAndNotices opens a procurement desk with work on it and
// the public home page at phone (390 px) and desktop (1366 px) width:
// nothing is wider than the screen, and each view is saved as a screenshot
// (to PORTAL_SCREENSHOTS when set, else the test's temp dir) to be looked at.
func TestBrowserDeskAndNotices(t *testing.T) {
	e := newEnv(t)
	ctx := newBrowser(t)
	e.staff("xn-buyer", models.RoleProcurement, "450102")
	org := e.registerOrg("agent1", "450102")
	e.registerOrg("agent2", "450102")
	tender := deskTender(t, e, "xn-buyer", "兴宁区农村留守儿童关爱服务项目")
	e.verifyOrg(org)
	if _, err := e.store.Ask(context.Background(), e.actor("agent1"), tender.ID, "服务对象是否包括困境儿童？需要覆盖多少个行政村？"); err != nil {
		t.Fatal(err)
	}
	failed := deskTender(t, e, "xn-buyer", "兴宁区儿童督导员培训项目")
	if _, err := e.store.CancelTender(context.Background(), e.actor("xn-buyer"), failed.ID, "预算调整，项目取消"); err != nil {
		t.Fatal(err)
	}

	dir := os.Getenv("PORTAL_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	b := &tpBrowser{t: t, ctx: ctx, base: e.srv.URL, tabs: map[string]*tpTab{}}
	shot := func(tab *tpTab, name string, width int64) {
		t.Helper()
		tab.do(chromedp.EmulateViewport(width, 900))
		if width == 390 {
			tab.fits(name)
		}
		png, err := chromedp.Run(tab.ctx, chromedp.FullScreenshot(90))
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name+".jpg")
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot %s", path)
	}

	buyer := b.as("xn-buyer", "/desk")
	buyer.do(chromedp.WaitVisible(css("#task-pending_orgs")))
	if got := buyer.text("#task-pending_orgs .count"); got != "1" {
		t.Fatalf("organisations awaiting verification: %q", got)
	}
	if got := buyer.text("#task-enquiries .count"); got != "1" {
		t.Fatalf("enquiries to answer: %q", got)
	}
	shot(buyer, "desk-procurement-390", 390)
	shot(buyer, "desk-procurement-1366", 1366)
	// The enquiry's link opens the tender where it is answered.
	buyer.do(chromedp.EmulateViewport(390, 844), chromedp.Click(css("#task-enquiries li a")), chromedp.WaitVisible(css("#enquiries")))

	ctxAnon, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	anon := &tpTab{t: t, ctx: ctxAnon, base: e.srv.URL}
	anon.do(chromedp.EmulateViewport(390, 844))
	anon.open("/")
	anon.do(chromedp.WaitVisible(css("#latest-tender")))
	shot(anon, "home-public-390", 390)
	shot(anon, "home-public-1366", 1366)
	anon.open("/notices?kind=failure")
	shot(anon, "notices-390", 390)
}
