package handlers_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserProvisionalRanking opens the staff's evaluation page with its
// provisional ranking at desktop (1366 px) and phone (390 px) width: at
// both, the first-ranked bidder's rank and final score are on the screen
// and the credit form follows it; nothing is wider than the phone. Each
// view is saved as a screenshot (to PORTAL_SCREENSHOTS when set, else the
// test's temp dir) to be looked at.
func TestBrowserProvisionalRanking(t *testing.T) {
	w := newTPWorld(t)
	tender, _ := rankingTender(t, w)
	b := &tpBrowser{t: t, ctx: newBrowser(t), base: w.e.srv.URL, tabs: map[string]*tpTab{}}
	dir := os.Getenv("PORTAL_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	u := b.as("xn-buyer", fmt.Sprintf("/tenders/%d/evaluation", tender.ID))
	u.do(chromedp.WaitVisible(css("#provisional-ranking")))
	for _, width := range []int64{1366, 390} {
		u.do(chromedp.EmulateViewport(width, 900))
		if width == 390 {
			u.fits("the evaluation page")
		}
		// The key cells of the first row, and the credit form, are within
		// the screen's width.
		shown, err := chromedp.Run(u.ctx, chromedp.Evaluate[bool](`(() => {
			const row = document.querySelector('#ranking-table tr.first');
			const form = document.querySelector('#first-ranked #credit-form');
			if (!row || !form) return false;
			return [row.querySelector('td.rank'), row.querySelector('td.final'), form].every(el => {
				const r = el.getBoundingClientRect();
				return r.width > 0 && r.left >= 0 && r.right <= window.innerWidth;
			});
		})()`))
		if err != nil || !shown {
			t.Errorf("at %d px the first-ranked bidder's rank, final score or credit form is off the screen (%v)", width, err)
		}
		if final := u.text("#ranking-table tr.first td.final"); final != "85.00" && final != "综合得分：85.00" {
			t.Errorf("at %d px the first final score reads %q", width, final)
		}
		png, err := chromedp.Run(u.ctx, chromedp.FullScreenshot(90))
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, fmt.Sprintf("evaluation-ranking-%d.jpg", width))
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot %s", path)
	}
}
