package handlers_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserPaymentOnAPhone: at 390 px staff approve a tranche and record
// its payment from the contract page, through both questions; nothing on
// the page is wider than the phone.
func TestBrowserPaymentOnAPhone(t *testing.T) {
	w := newTenderWorld(t)
	contract := w.signedContractAPI(t)
	p := w.paymentsAPI(t, w.buyer, contract)[0]
	ctx := newBrowser(t)
	base := fmt.Sprintf("%s/contracts/%d", w.e.srv.URL, contract)
	card := fmt.Sprintf("#payment-%d", p.ID)
	do(t, ctx,
		chromedp.Navigate(w.e.srv.URL+"/login"),
		chromedp.WaitVisible(css("#login-form")),
		chromedp.SendKeys(css("#f-username"), "xn-buyer"),
		chromedp.SendKeys(css("#f-password"), testPassword),
		chromedp.Click(css("#login-submit")),
		chromedp.WaitVisible(css("#bell")),
		chromedp.Navigate(base),
		chromedp.WaitVisible(css(card)),
	)
	const tooWide = `document.documentElement.scrollWidth > window.innerWidth`
	if wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool](tooWide)); err != nil || wide {
		t.Fatalf("the contract page is wider than the phone (%v)", err)
	}
	do(t, ctx,
		chromedp.Click(css(fmt.Sprintf("#approve-%d", p.ID))),
		chromedp.WaitVisible(css("#confirm-submit")),
		chromedp.Click(css("#confirm-submit")),
		chromedp.WaitVisible(css(fmt.Sprintf("#pay-form-%d", p.ID))),
		chromedp.SetValue(css(fmt.Sprintf("#f-paid-on-%d", p.ID)), "2026-03-26"),
		chromedp.SetValue(css(fmt.Sprintf("#f-voucher-%d", p.ID)), "记-0009"),
		chromedp.Click(css(fmt.Sprintf("#pay-%d", p.ID))),
		chromedp.WaitVisible(css("#confirm-submit")),
		chromedp.Click(css("#confirm-submit")),
		chromedp.WaitVisible(css(card+`[data-status="paid"]`)),
	)
	if got := text(t, ctx, card); !strings.Contains(got, "记-0009") || !strings.Contains(got, "2026-03-26") {
		t.Fatalf("the paid tranche: %q", got)
	}
	if wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool](tooWide)); err != nil || wide {
		t.Fatalf("the page after payment is wider than the phone (%v)", err)
	}
}
