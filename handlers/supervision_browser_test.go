package handlers_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"portal/models"

	"github.com/chromedp/chromedp"
)

// TestBrowserSupervisionJourney: on a phone, the supervisor records a visit
// with a photo and a failing midterm; the agency answers the rectification
// it opened; the supervisor verifies it, records a passing final and
// accepts the contract; the acceptance tranche becomes due.
func TestBrowserSupervisionJourney(t *testing.T) {
	w := newSupEnv(t)
	cp := "/api/v1/contracts/" + itoa(w.contract)
	if s, b := w.buyer.do("PUT", cp+"/supervisors", map[string]any{"supervisor_ids": []int64{w.e.actor("sup-a").UserID}}); s != 200 {
		t.Fatalf("assign: %d %s", s, b)
	}
	for i, cond := range []string{"signing", "midterm", "acceptance"} {
		st := models.TranchePlanned
		if cond == "signing" {
			st = models.TrancheDue
		}
		if err := w.e.store.DB.Create(&models.Tranche{ContractID: w.contract, Seq: i + 1, Kind: models.PaymentTranche, Percent: []int{30, 40, 30}[i],
			Condition: cond, AmountFen: 75_000_00, Status: st}).Error; err != nil {
			t.Fatal(err)
		}
	}
	photo := filepath.Join(t.TempDir(), "现场.png")
	if err := os.WriteFile(photo, pngBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	page := "/contracts/" + itoa(w.contract)
	b := &tpBrowser{t: t, ctx: newBrowser(t), base: w.e.srv.URL, tabs: map[string]*tpTab{}}
	sup := b.as("sup-a", page)
	sup.do(chromedp.WaitVisible(css("#supervision")))
	sup.fits("the supervision section")
	sup.fill(map[string]string{"#f-findings": "四月签到表缺失两次活动。", "#f-follow_ups": "补齐签到表"})
	sup.submit("#sv-visit-submit")
	sup.do(chromedp.SetUploadFiles(`#sv-visits li[data-visit] input[type=file]`, []string{photo}))
	sup.submit(`#sv-visits li[data-visit] form[id^=sv-photo-form] button`)
	if !strings.Contains(sup.text("#sv-visits"), "现场.png") {
		t.Fatal("the photo is not listed")
	}
	scores := func(points map[string]string, phase string) {
		v := map[string]string{"#f-eval-phase": phase}
		for k, p := range points {
			v[`[id="f-scores.`+k+`"]`] = p
		}
		sup.fill(v)
		sup.do(chromedp.Click(css("#sv-eval-submit")), chromedp.WaitVisible(css("#confirm-form")))
		sup.submit("#confirm-submit")
	}
	full := map[string]string{"children_served": "15", "home_visits": "15", "service_hours": "10", "case_closure_rate": "15",
		"benefits_linked": "20", "budget_execution_rate": "10", "satisfaction_rate": "15"}
	half := map[string]string{}
	for k, v := range full {
		half[k] = map[string]string{"15": "7.5", "10": "5", "20": "10"}[v]
	}
	scores(half, "midterm")
	if got := sup.attr(`#sv-phases tr[data-phase=midterm]`, "data-complete"); got != "true" || !strings.Contains(sup.text(`#sv-phases tr[data-phase=midterm]`), "50") {
		t.Fatalf("midterm result: %s %q", got, sup.text(`#sv-phases tr[data-phase=midterm]`))
	}
	// The agency answers the rectification the failing midterm opened.
	agency := b.as("rep-agent", page)
	agency.fits("the agency's contract page")
	agency.fill(map[string]string{`[id^=f-response-]`: "已召开整改会，补齐签到表。"})
	agency.submit(`[id^=sv-respond-form-] button`)
	// The supervisor verifies it, records a passing final, accepts.
	sup.open(page)
	sup.do(chromedp.Click(css(`#sv-rectifications input[name=passed][value=yes]`)))
	sup.submit(`[id^=sv-verify-form-] button`)
	if st := sup.attr(`#sv-rectifications li[data-rectification]`, "data-status"); st != "closed" {
		t.Fatalf("rectification after verification: %s", st)
	}
	scores(full, "final")
	sup.fits("the acceptance")
	sup.do(chromedp.Click(css("#sv-accept")), chromedp.WaitVisible(css("#confirm-form")))
	sup.submit("#confirm-submit")
	if st := sup.attr("#contract-status", "data-status"); st != "accepted" {
		t.Fatalf("contract after acceptance: %s", st)
	}
	var tr models.Tranche
	w.e.store.DB.Where("contract_id = ? AND condition = ?", w.contract, "acceptance").First(&tr)
	if tr.Status != models.TrancheDue {
		t.Fatalf("acceptance tranche: %s", tr.Status)
	}
}
