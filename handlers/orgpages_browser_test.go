package handlers_test

import (
	"bytes"
	"context"
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
	shot := func(name string) { shotsOf(t, ctx, name) }
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

// TestBrowserOversizeUploadOnTheForm: a member of a pending organisation
// reads that it cannot bid, and a file just over 10 MB comes back on the
// documents form with the error by the file field and the kind chosen
// kept; screenshots at 1366 and 390 px as above.
func TestBrowserOversizeUploadOnTheForm(t *testing.T) {
	e := newEnv(t)
	ctx := newBrowser(t)
	id := e.registerOrg("agent1", "450102")
	big := filepath.Join(t.TempDir(), "年检报告.pdf")
	if err := os.WriteFile(big, append(append([]byte{}, testPDF...), bytes.Repeat([]byte("0"), models.MaxOrgDocumentBytes)...), 0o600); err != nil {
		t.Fatal(err)
	}
	do(t, ctx,
		chromedp.Navigate(e.srv.URL+"/login"),
		chromedp.WaitVisible(css("#login-form")),
		chromedp.SendKeys(css("#f-username"), "agent1"),
		chromedp.SendKeys(css("#f-password"), testPassword),
		chromedp.Click(css("#login-submit")),
		chromedp.WaitVisible(css("#cannot-bid")),
		chromedp.Navigate(e.srv.URL+"/organisations/"+itoa(id)),
		chromedp.WaitVisible(css("#cannot-bid")),
		chromedp.SetValue(css("#f-kind"), "charter"),
		chromedp.SetUploadFiles(css("#f-file"), []string{big}),
		chromedp.Click(css("#document-form button[type=submit]")),
		chromedp.WaitVisible(css("#e-file")),
	)
	kind, err := chromedp.Run(ctx, chromedp.Value(css("#f-kind")))
	if err != nil || kind != "charter" {
		t.Fatalf("the form lost the kind: %q %v", kind, err)
	}
	if msg := text(t, ctx, "#e-file"); !strings.Contains(msg, "10 MB") {
		t.Fatalf("file error: %q", msg)
	}
	shotsOf(t, ctx, "org-upload-error")
}

// shotsOf saves the page at 1366 and 390 px.
func shotsOf(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("PORTAL_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
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
