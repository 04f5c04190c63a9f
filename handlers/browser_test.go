package handlers_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// newBrowser starts headless Chromium for one test. Without Chromium the
// test is skipped locally, and fails under CI, which installs it.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path := os.Getenv("PORTAL_CHROMIUM")
	if path == "" {
		var err error
		if path, err = exec.LookPath("chromium"); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatal("chromium is not installed (apt-get install -y chromium)")
			}
			t.Skip("chromium is not installed")
		}
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(390, 844), // a phone
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// css is a CSS selector for chromedp's queries.
type css = chromedp.CSS

// text reads an element's visible text or fails the test.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	got, err := chromedp.Run(ctx, chromedp.Text(css(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return got
}

// do runs browser steps or fails the test.
func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

func TestBrowserSignInAndOut(t *testing.T) {
	e := newEnv(t)
	ctx := newBrowser(t)
	// Not signed in: sent to the sign-in page, which returns there after.
	do(t, ctx,
		chromedp.Navigate(e.srv.URL+"/admin/users"),
		chromedp.WaitVisible(css("#login-form")),
		chromedp.SendKeys(css("#f-username"), "admin"),
		chromedp.SendKeys(css("#f-password"), "wrong password"),
		chromedp.Click(css("#login-submit")),
		chromedp.WaitVisible(css(".form-error")),
	)
	if msg := text(t, ctx, ".form-error"); !strings.Contains(msg, "用户名或密码错误") {
		t.Errorf("wrong password message: %q", msg)
	}
	do(t, ctx,
		chromedp.SendKeys(css("#f-password"), testPassword),
		chromedp.Click(css("#login-submit")),
		chromedp.WaitVisible(css("table")),
		chromedp.Navigate(e.srv.URL+"/"),
		chromedp.WaitVisible(css("#welcome")),
	)
	welcome, caps := text(t, ctx, "#welcome"), text(t, ctx, "#capabilities")
	if !strings.Contains(welcome, "系统管理员") || !strings.Contains(caps, "创建用户") {
		t.Errorf("home page: %q / %q", welcome, caps)
	}
	do(t, ctx, chromedp.Click(css("#logout")), chromedp.WaitVisible(css("#login-link")))
	if s, _ := e.anon().do("GET", "/api/v1/me", nil); s != 401 {
		t.Errorf("me after sign-out: %d", s)
	}
}
