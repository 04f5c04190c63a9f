package handlers_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"portal/models"

	"github.com/chromedp/chromedp"
)

// TestBrowserDeliveryJourney: the months of delivery on a phone (390 px).
// The agency files a service report from the contract's page; the buyer
// finds it in the report register and returns it with a comment; the
// agency sees the comment, fixes the report and submits it again; the
// buyer sees what changed and approves (asked first). The buyer then
// approves and pays the contract's due tranche from the contract's page.
// Each step is saved as a screenshot (to PORTAL_SCREENSHOTS when set).
func TestBrowserDeliveryJourney(t *testing.T) {
	w := newReportEnv(t)
	today := time.Now().In(models.ChinaZone).Format(time.DateOnly)
	tranche := models.Tranche{ContractID: w.contract, Seq: 1, Kind: models.PaymentTranche, Percent: 100, Condition: "signing",
		AmountFen: 250_000_00, Status: models.TrancheDue}
	if err := w.e.store.DB.Create(&tranche).Error; err != nil {
		t.Fatal(err)
	}
	dir := os.Getenv("PORTAL_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	n := 0
	shot := func(tab *tpTab, name string) {
		t.Helper()
		tab.fits(name)
		img, err := chromedp.Run(tab.ctx, chromedp.FullScreenshot(90))
		if err != nil {
			t.Fatal(err)
		}
		n++
		path := filepath.Join(dir, fmt.Sprintf("delivery-%02d-%s.jpg", n, name))
		if err := os.WriteFile(path, img, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot %s", path)
	}
	b := &tpBrowser{t: t, ctx: newBrowser(t), base: w.e.srv.URL, tabs: map[string]*tpTab{}}
	contract := fmt.Sprintf("/contracts/%d", w.contract)

	// The agency files April's report from the contract's page.
	agent := b.as("rep-agent", contract)
	agent.do(chromedp.EmulateViewport(390, 844), chromedp.WaitVisible(css("#report-new")))
	shot(agent, "contract-agency")
	agent.do(chromedp.Click(css("#report-new")), chromedp.WaitVisible(css("#report-form")))
	agent.do(chromedp.SetValue(css("#f-period_start"), "2026-04-01"), chromedp.SetValue(css("#f-period_end"), "2026-04-30"))
	agent.fill(map[string]string{"#f-service_hours": "160.5", "#f-volunteer_person_times": "30", "#f-volunteer_hours": "900",
		"#f-children_served_person_times": "120", "#f-children_served_distinct": "45", "#f-activities": "6",
		"#f-narrative": "四月开展入户探访与课业辅导。"})
	shot(agent, "report-form")
	agent.submit("#report-save")
	agent.do(chromedp.WaitVisible(css("#report-submit")))
	agent.submit("#report-submit")
	if st := agent.text("#report-status"); !strings.Contains(st, "待审核") {
		t.Fatalf("after submitting: %q", st)
	}
	shot(agent, "report-submitted")
	var r models.ServiceReport
	if err := w.e.store.DB.Where("contract_id = ?", w.contract).First(&r).Error; err != nil {
		t.Fatal(err)
	}

	// The buyer finds it in the register, sees the flag (900 volunteer
	// hours for 30 person-times) and returns it with a comment.
	buyer := b.as("xn-buyer", "/reports?status=submitted")
	buyer.do(chromedp.EmulateViewport(390, 844), chromedp.WaitVisible(css("#ledger")))
	shot(buyer, "register")
	buyer.do(chromedp.Click(css(fmt.Sprintf(`#ledger a[href="/reports/%d"]`, r.ID))), chromedp.WaitVisible(css("#report-return-form")))
	if flags := buyer.text("#report-flags"); !strings.Contains(flags, "志愿") {
		t.Fatalf("the reviewer's flags: %q", flags)
	}
	buyer.do(chromedp.SendKeys(css("#f-comment"), "志愿服务时长与人次不符，请核实并补充签到表。"))
	shot(buyer, "review")
	buyer.submit("#report-return")
	if st := buyer.text("#report-status"); !strings.Contains(st, "已退回") {
		t.Fatalf("after returning: %q", st)
	}

	// The agency sees the comment, fixes the hours and submits again.
	agent.open(fmt.Sprintf("/reports/%d/edit", r.ID))
	agent.do(chromedp.WaitVisible(css("#returned-comment")))
	if c := agent.text("#returned-comment"); !strings.Contains(c, "签到表") {
		t.Fatalf("the comment shown to the agency: %q", c)
	}
	agent.do(chromedp.SetValue(css("#f-volunteer_hours"), "90"))
	shot(agent, "report-fix")
	agent.submit("#report-save")
	agent.do(chromedp.WaitVisible(css("#report-submit")))
	agent.submit("#report-submit")

	// The buyer sees the change and approves after confirming.
	buyer.open(fmt.Sprintf("/reports/%d", r.ID))
	buyer.do(chromedp.WaitVisible(css("#report-changes")))
	if org := buyer.text("#report-facts"); !strings.Contains(org, "机构rep-agent") {
		t.Fatalf("the report's organisation: %q", org)
	}
	if ch := buyer.text("#report-changes"); !strings.Contains(ch, "900") || !strings.Contains(ch, "90") {
		t.Fatalf("the changes shown: %q", ch)
	}
	shot(buyer, "review-changes")
	buyer.do(chromedp.Click(css("#report-approve")), chromedp.WaitVisible(css("#confirm-form")))
	buyer.submit("#confirm-submit")
	if st := buyer.text("#report-status"); !strings.Contains(st, "已通过") {
		t.Fatalf("after approving: %q", st)
	}
	shot(buyer, "report-approved")

	// The tranche: approved, then paid, each asked first.
	card := fmt.Sprintf("#payment-%d", tranche.ID)
	buyer.open(contract)
	buyer.do(chromedp.WaitVisible(css(card)), chromedp.Click(css(fmt.Sprintf("#approve-%d", tranche.ID))), chromedp.WaitVisible(css("#confirm-submit")))
	buyer.submit("#confirm-submit")
	buyer.do(chromedp.WaitVisible(css(fmt.Sprintf("#pay-form-%d", tranche.ID))),
		chromedp.SetValue(css(fmt.Sprintf("#f-paid-on-%d", tranche.ID)), today),
		chromedp.SetValue(css(fmt.Sprintf("#f-voucher-%d", tranche.ID)), "记-2026-0418"))
	shot(buyer, "pay-form")
	buyer.do(chromedp.Click(css(fmt.Sprintf("#pay-%d", tranche.ID))), chromedp.WaitVisible(css("#confirm-submit")))
	buyer.submit("#confirm-submit")
	buyer.do(chromedp.WaitVisible(css(card + `[data-status="paid"]`)))
	shot(buyer, "paid")
	var paid models.Tranche
	if err := w.e.store.DB.First(&paid, tranche.ID).Error; err != nil || paid.Status != models.TranchePaid || paid.VoucherNo != "记-2026-0418" {
		t.Fatalf("the tranche: %+v %v", paid, err)
	}
	if err := w.e.store.DB.First(&r, r.ID).Error; err != nil || r.Status != models.ReportApproved || r.Version != 2 {
		t.Fatalf("the report: %+v %v", r, err)
	}
}
