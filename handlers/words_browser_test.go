package handlers_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"portal/models"

	"github.com/chromedp/chromedp"
)

// TestBrowserWordsAndClock walks the pages of issue 8 items 9 and 10 in a
// browser at a desktop and a phone width, in both languages. With
// PORTAL_SCREENSHOTS set to a directory, it saves each page there to be
// looked at.
func TestBrowserWordsAndClock(t *testing.T) {
	e := newEnv(t)
	ctx := newBrowser(t)
	id := e.registerOrg("shots-org", "450103")
	member := e.signIn("shots-org")
	if s, _ := member.orgUpload("/organisations/"+itoa(id)+"/documents", "other", "登记证书.pdf", testPDF); s != 303 {
		t.Fatalf("upload: %d", s)
	}
	e.staff("nn-shots", models.RoleProcurement, "4501")
	dir := os.Getenv("PORTAL_SCREENSHOTS")
	shot := func(name string) {
		if dir == "" {
			return
		}
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(90))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	signIn := func(username string) {
		do(t, ctx,
			chromedp.Navigate(e.srv.URL+"/login"),
			chromedp.WaitVisible(css("#login-form")),
			chromedp.SendKeys(css("#f-username"), username),
			chromedp.SendKeys(css("#f-password"), testPassword),
			chromedp.Click(css("#login-submit")),
			chromedp.WaitVisible(css("#current-user")),
		)
	}
	for _, w := range []int64{1366, 390} {
		width := map[int64]string{1366: "desktop", 390: "phone"}[w]
		do(t, ctx, chromedp.EmulateViewport(w, 900), chromedp.Navigate(e.srv.URL+"/lang/zh?next=/register"), chromedp.WaitVisible(css("#register-form")))
		shot("register-" + width)
		signIn("admin")
		do(t, ctx, chromedp.Navigate(e.srv.URL+"/admin/audit"), chromedp.WaitVisible(css("#audit")))
		if got := text(t, ctx, "#audit tbody"); !strings.Contains(got, "北京时间") || !strings.Contains(got, "机构注册") || !strings.Contains(got, "南宁市 青秀区") {
			t.Fatalf("audit page: %q", got)
		}
		shot("audit-" + width)
		do(t, ctx, chromedp.Navigate(e.srv.URL+"/admin/users"), chromedp.WaitVisible(css("table")))
		shot("users-" + width)
		do(t, ctx, chromedp.Click(css(`a[href^="/admin/users/"][href$="`+itoa(userID(t, e, "nn-shots"))+`"]`)), chromedp.WaitVisible(css("#grant-form")))
		shot("user-" + width)
		do(t, ctx, chromedp.Click(css("#logout")), chromedp.WaitVisible(css("#login-link")))
		signIn("nn-shots")
		do(t, ctx, chromedp.Navigate(e.srv.URL+"/organisations?region=4501"), chromedp.WaitVisible(css("#organisations")))
		shot("orgs-" + width)
		do(t, ctx, chromedp.Navigate(e.srv.URL+"/organisations/"+itoa(id)), chromedp.WaitVisible(css("#review-form")))
		if got := text(t, ctx, "#documents"); !strings.Contains(got, " B") || !strings.Contains(got, "北京时间") {
			t.Fatalf("documents: %q", got)
		}
		shot("org-" + width)
		do(t, ctx, chromedp.Navigate(e.srv.URL+"/lang/en?next=/organisations/"+itoa(id)), chromedp.WaitVisible(css("#review-form")))
		if got := text(t, ctx, "#documents"); !strings.Contains(got, "Beijing time") {
			t.Fatalf("English documents: %q", got)
		}
		shot("org-en-" + width)
		do(t, ctx, chromedp.Navigate(e.srv.URL+"/catalogue"), chromedp.WaitVisible(css("#catalogue-items")))
		do(t, ctx, chromedp.Click(css(`#catalogue-items tr[data-depth="1"] a`)), chromedp.WaitVisible(css("#catalogue-item")))
		shot("catalogue-item-en-" + width)
		do(t, ctx, chromedp.Navigate(e.srv.URL+"/lang/zh?next=/"), chromedp.Click(css("#logout")), chromedp.WaitVisible(css("#login-link")))
	}
}

func userID(t *testing.T, e *env, username string) int64 {
	t.Helper()
	var u models.User
	if err := e.store.DB.Where("username = ?", username).First(&u).Error; err != nil {
		t.Fatal(err)
	}
	return u.ID
}
