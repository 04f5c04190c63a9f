package handlers_test

import (
	"fmt"
	"strings"
	"testing"

	"portal/models"

	"github.com/chromedp/chromedp"
)

// TestBrowserReportAutosave: on a phone, the agency's new report saves
// itself as it is typed (and becomes an edit of the report it created);
// when a colleague saves first, the next autosave says so and overwrites
// nothing.
func TestBrowserReportAutosave(t *testing.T) {
	w := newReportEnv(t)
	b := &tpBrowser{t: t, ctx: newBrowser(t), base: w.e.srv.URL, tabs: map[string]*tpTab{}}
	tab := b.as("rep-agent", fmt.Sprintf("/contracts/%d/reports/new", w.contract))
	tab.do(chromedp.WaitVisible(css("#report-form")))
	tab.fits("the report form")
	tab.do(chromedp.SendKeys(css("#f-service_hours"), "160.5"), chromedp.WaitVisible(css("#autosave-status.autosave-ok")))
	if msg := tab.text("#autosave-status"); !strings.Contains(msg, "已自动保存") {
		t.Fatalf("autosave status: %q", msg)
	}
	var r models.ServiceReport
	if err := w.e.store.DB.Where("contract_id = ?", w.contract).First(&r).Error; err != nil || r.ServiceHours != 16050 || r.Version != 1 {
		t.Fatalf("autosaved report: %+v %v", r, err)
	}
	loc, err := chromedp.Run(tab.ctx, chromedp.Location())
	if err != nil || !strings.HasSuffix(loc, fmt.Sprintf("/reports/%d/edit", r.ID)) {
		t.Fatalf("address after the first autosave: %q %v", loc, err)
	}
	// A colleague saves version 2 meanwhile.
	if s, body := w.colleague.do("PATCH", fmt.Sprintf("/api/v1/reports/%d", r.ID), map[string]any{"version": 1, "activities": 4}); s != 200 {
		t.Fatalf("colleague's save: %d %s", s, body)
	}
	tab.do(chromedp.SendKeys(css("#f-activities"), "9"), chromedp.WaitVisible(css("#autosave-status.autosave-conflict")))
	if msg := tab.text("#autosave-status"); !strings.Contains(msg, "其他人已先保存") {
		t.Fatalf("conflict status: %q", msg)
	}
	w.e.store.DB.First(&r, r.ID)
	if r.Version != 2 || r.Activities != 4 {
		t.Fatalf("the colleague's save was overwritten: %+v", r)
	}
}
