package handlers_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"portal/models"

	"github.com/chromedp/chromedp"
)

// TestBrowserOrganisationReviewAsksFirst: staff reject an organisation,
// with no script of the portal's: without a reason the review form comes
// back with the error by the reason box; with one, a confirmation page
// asks and carries it, and its answer rejects. Both pages are saved as
// screenshots at 1366 and 390 px (to PORTAL_SCREENSHOTS when set, else
// the test's temp dir) to be looked at.
func TestBrowserOrganisationReviewAsksFirst(t *testing.T) {
	e := newEnv(t)
	ctx := newBrowser(t)
	id := e.registerOrg("agent1", "450102")
	e.staff("xn-verifier", models.RoleProcurement, "450102")
	dir := os.Getenv("PORTAL_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	shot := func(name string) {
		t.Helper()
		for _, w := range []int64{1366, 390} {
			do(t, ctx, chromedp.EmulateViewport(w, 900))
			png, err := chromedp.Run(ctx, chromedp.FullScreenshot(90))
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, name+"-"+itoa(w)+".jpg")
			if err := os.WriteFile(path, png, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("screenshot %s", path)
		}
	}
	do(t, ctx,
		chromedp.Navigate(e.srv.URL+"/login"),
		chromedp.WaitVisible(css("#login-form")),
		chromedp.SendKeys(css("#f-username"), "xn-verifier"),
		chromedp.SendKeys(css("#f-password"), testPassword),
		chromedp.Click(css("#login-submit")),
		chromedp.WaitVisible(css("#welcome")),
		chromedp.Navigate(e.srv.URL+"/organisations/"+itoa(id)),
		chromedp.WaitVisible(css("#event-reject")),
		chromedp.Click(css("#event-reject")),
		chromedp.WaitVisible(css("#e-reason")),
	)
	shot("org-reject-error")
	do(t, ctx,
		chromedp.SendKeys(css("#f-reason"), "缺少登记证书，请补充后重新提交"),
		chromedp.Click(css("#event-reject")),
		chromedp.WaitVisible(css("#confirm-form")),
	)
	if msg := text(t, ctx, "#confirm-message"); !strings.Contains(msg, "驳回") {
		t.Fatalf("confirmation: %q", msg)
	}
	shot("org-reject-confirm")
	if st, _ := e.orgStatus(id); st != models.OrgPending {
		t.Fatalf("asking changed the status to %s", st)
	}
	do(t, ctx, chromedp.Click(css("#confirm-submit")), chromedp.WaitVisible(css("#org-facts")))
	if st, reason := e.orgStatus(id); st != models.OrgRejected || reason != "缺少登记证书，请补充后重新提交" {
		t.Fatalf("after the answer: %s %q", st, reason)
	}
}
