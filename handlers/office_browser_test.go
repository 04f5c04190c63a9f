package handlers_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"portal/models"

	"github.com/chromedp/chromedp"
)

// TestBrowserOfficeOnAPhone: at 390 px the staff add a room, allocate it
// from the base's page, read who holds which room when, and end an
// allocation after the question; the agency reads its office space on its
// contract's page. No page needs sideways scrolling.
func TestBrowserOfficeOnAPhone(t *testing.T) {
	w := newOfficeWorld(t)
	base, room := w.base(t)
	ctx, buyer := context.Background(), w.e.actor("xn-buyer")
	if _, err := w.e.store.CreateAllocation(ctx, buyer, room, models.AllocationInput{OrganisationID: w.orgs[1], From: "2026-05-01", To: "2026-12-31"}); err != nil {
		t.Fatal(err)
	}
	b := &tpBrowser{t: t, ctx: newBrowser(t), base: w.e.srv.URL, tabs: map[string]*tpTab{}}
	baseURL := fmt.Sprintf("/bases/%d", base)

	u := b.as("xn-buyer", baseURL)
	u.do(chromedp.WaitVisible(css("#room-form")), chromedp.SendKeys(css("#f-name"), "202 室"), chromedp.SendKeys(css("#f-area_m2"), "18.25"))
	u.submit("#room-submit")
	var second int64
	if b, err := w.e.store.Base(ctx, buyer, base); err != nil || len(b.Rooms) != 2 {
		t.Fatalf("rooms: %+v %v", b, err)
	} else {
		second = b.Rooms[1].ID // by name: 201 室, 202 室
	}
	u.fill(map[string]string{"#f-room_id": fmt.Sprint(second), "#f-organisation_id": fmt.Sprint(w.orgs[0]),
		"#f-contract_id": fmt.Sprint(w.contract), "#f-from": "2026-06-01", "#f-to": "2027-05-31"})
	u.fits("the base's page")
	u.submit("#allocation-submit")
	if got := u.text(fmt.Sprintf("#room-%d", second)); !strings.Contains(got, "机构agent1") || !strings.Contains(got, "2027-05-31") {
		t.Fatalf("the new room's occupancy: %q", got)
	}
	u.fits("the occupancy")

	// Ending asks first.
	var first models.OfficeAllocation
	w.e.store.DB.Where("room_id = ?", room).First(&first)
	u.do(chromedp.Click(css(fmt.Sprintf("#allocation-%d .end-allocation", first.ID))), chromedp.WaitVisible(css("#confirm-form")))
	u.fits("the question")
	u.submit("#confirm-submit")
	if got := u.text(fmt.Sprintf("#allocation-%d", first.ID)); !strings.Contains(got, "2026-05-09") {
		t.Fatalf("the ended allocation: %q", got)
	}
	shotsOf(t, u.ctx, "office-base")

	a := b.as("agent1", fmt.Sprintf("/contracts/%d", w.contract))
	if got := a.text("#contract-office"); !strings.Contains(got, "202 室") || !strings.Contains(got, "18.25") {
		t.Fatalf("the agency's office space: %q", got)
	}
	a.fits("the contract's page")
	shotsOf(t, a.ctx, "office-contract")
}
