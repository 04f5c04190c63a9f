package models_test

import (
	"testing"
	"time"

	"portal/models"
)

// deskTask returns the task key of the actor's section for role; the test
// fails when the desk has no such section.
func deskTask(t *testing.T, s *models.Store, a *models.Actor, role, key string) models.DeskTask {
	t.Helper()
	d, err := s.Desk(t.Context(), a)
	if err != nil {
		t.Fatal(err)
	}
	for _, sec := range d.Sections {
		if sec.Role != role {
			continue
		}
		for _, tk := range sec.Tasks {
			if tk.Key == key {
				return tk
			}
		}
	}
	t.Fatalf("no %s task %s on the desk: %+v", role, key, d)
	return models.DeskTask{}
}

// deskHas finds the item of a task that match says is the one.
func deskHas(tk models.DeskTask, match func(models.DeskItem) bool) *models.DeskItem {
	for _, it := range tk.Items {
		if match(it) {
			return &it
		}
	}
	return nil
}

func ofTender(id int64) func(models.DeskItem) bool {
	return func(it models.DeskItem) bool { return it.TenderID == id }
}

// TestProcurementDeskFollowsTheTender walks one tender from publication to
// the contract: each desk item appears when its condition holds and goes
// when the work is done; another region's work never shows; bids are not
// counted before the deadline.
func TestProcurementDeskFollowsTheTender(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	period := 48 * time.Hour
	s.Settings.ChallengePeriod = &period
	proc := models.RoleProcurement
	other := w.staffUser("qx-buyer", models.RoleProcurement, "450103")

	// Organisations awaiting verification: ours, not Qingxiu's.
	mine, _ := orgRegister(t, s, "450102", "450102")
	theirs, _ := orgRegister(t, s, "450103", "450103")
	tk := deskTask(t, s, w.buyer, proc, models.DeskPendingOrgs)
	if tk.Count != 1 || deskHas(tk, func(it models.DeskItem) bool { return it.OrganisationID == mine.Org.ID }) == nil {
		t.Fatalf("pending organisations: %+v", tk)
	}
	if it := deskHas(tk, func(it models.DeskItem) bool { return it.OrganisationID == mine.Org.ID }); it.RegionName != "兴宁区" {
		t.Fatalf("the region's name: %+v", it)
	}
	if tk := deskTask(t, s, other, proc, models.DeskPendingOrgs); tk.Count != 1 || tk.Items[0].OrganisationID != theirs.Org.ID {
		t.Fatalf("Qingxiu's pending organisations: %+v", tk)
	}
	if _, err := s.ChangeOrganisationStatus(ctx, w.buyer, mine.Org.ID, models.OrgVerify, models.OrgStatusChange{}); err != nil {
		t.Fatal(err)
	}
	if tk := deskTask(t, s, w.buyer, proc, models.DeskPendingOrgs); tk.Count != 0 {
		t.Fatalf("a verified organisation still waits: %+v", tk)
	}

	// An enquiry waits for its answer.
	tender := w.published()
	e, err := s.Ask(ctx, w.agents[0], tender.ID, "服务对象包括哪些村？")
	if err != nil {
		t.Fatal(err)
	}
	if it := deskHas(deskTask(t, s, w.buyer, proc, models.DeskEnquiries), ofTender(tender.ID)); it == nil || it.ID != e.ID {
		t.Fatalf("the enquiry is not on the desk: %+v", it)
	}
	if tk := deskTask(t, s, other, proc, models.DeskEnquiries); tk.Count != 0 {
		t.Fatalf("another region's enquiry: %+v", tk)
	}
	if _, err := s.AnswerEnquiry(ctx, w.buyer, e.ID, "兴宁区全部行政村"); err != nil {
		t.Fatal(err)
	}
	if tk := deskTask(t, s, w.buyer, proc, models.DeskEnquiries); tk.Count != 0 {
		t.Fatalf("an answered enquiry still waits: %+v", tk)
	}

	// Sealed: three bids before the deadline are counted nowhere.
	var bids []*models.Bid
	for i := range w.agents {
		bids = append(bids, w.bid(i, tender.ID, 250_000+int64(i)*10_000, "方案"))
	}
	d, err := s.Desk(ctx, w.buyer)
	if err != nil {
		t.Fatal(err)
	}
	for _, sec := range d.Sections {
		for _, tk := range sec.Tasks {
			if it := deskHas(tk, ofTender(tender.ID)); it != nil {
				t.Fatalf("a tender before its deadline is on the desk (%s): %+v", tk.Key, it)
			}
		}
	}

	// At the deadline: a panel to appoint, with the number of bids.
	w.now = tender.BidDeadline
	it := deskHas(deskTask(t, s, w.buyer, proc, models.DeskNeedPanel), ofTender(tender.ID))
	if it == nil || it.Count == nil || *it.Count != 3 {
		t.Fatalf("the opened tender without a panel: %+v", it)
	}
	if tk := deskTask(t, s, other, proc, models.DeskNeedPanel); tk.Count != 0 {
		t.Fatalf("another region's tender: %+v", tk)
	}
	ids := userIDs(w.experts)
	if _, err := s.AppointPanel(ctx, w.buyer, tender.ID, ids); err != nil {
		t.Fatal(err)
	}
	if it := deskHas(deskTask(t, s, w.buyer, proc, models.DeskNeedPanel), ofTender(tender.ID)); it != nil {
		t.Fatalf("a tender with its panel still needs one: %+v", it)
	}

	// The experts: declare, then score; the buyer waits meanwhile.
	if it := deskHas(deskTask(t, s, w.experts[0], models.RoleExpert, models.DeskDeclarations), ofTender(tender.ID)); it == nil {
		t.Fatal("the expert's declaration is not on its desk")
	}
	if _, err := s.Declare(ctx, w.experts[0], tender.ID, models.Declaration{}); err != nil {
		t.Fatal(err)
	}
	if it := deskHas(deskTask(t, s, w.experts[0], models.RoleExpert, models.DeskDeclarations), ofTender(tender.ID)); it != nil {
		t.Fatal("a made declaration still waits")
	}
	it = deskHas(deskTask(t, s, w.experts[0], models.RoleExpert, models.DeskScoreSheets), ofTender(tender.ID))
	if it == nil || it.Count == nil || *it.Count != 3 {
		t.Fatalf("three bids to score: %+v", it)
	}
	if it := deskHas(deskTask(t, s, w.buyer, proc, models.DeskReadyToAward), ofTender(tender.ID)); it != nil {
		t.Fatalf("award before the panel has scored: %+v", it)
	}
	for _, e := range w.experts {
		if e != w.experts[0] {
			if _, err := s.Declare(ctx, e, tender.ID, models.Declaration{}); err != nil {
				t.Fatal(err)
			}
		}
		for i, b := range bids {
			if _, err := s.ScoreBid(ctx, e, b.ID, map[string]float64{"plan": float64(30 + i), "team": 20, "experience": 8}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if it := deskHas(deskTask(t, s, w.experts[0], models.RoleExpert, models.DeskScoreSheets), ofTender(tender.ID)); it != nil {
		t.Fatalf("scored sheets still wait: %+v", it)
	}
	it = deskHas(deskTask(t, s, w.buyer, proc, models.DeskReadyToAward), ofTender(tender.ID))
	if it == nil || it.Reason != "no_clear_check" {
		t.Fatalf("the complete panel awaiting credit checks: %+v", it)
	}
	w.clearAll(tender.ID)
	if it := deskHas(deskTask(t, s, w.buyer, proc, models.DeskReadyToAward), ofTender(tender.ID)); it == nil || it.Reason != "checked" || *it.Count != 3 {
		t.Fatalf("after the credit checks: %+v", it)
	}
	if _, err := s.Award(ctx, w.buyer, tender.ID); err != nil {
		t.Fatal(err)
	}
	if it := deskHas(deskTask(t, s, w.buyer, proc, models.DeskReadyToAward), ofTender(tender.ID)); it != nil {
		t.Fatalf("an awarded tender still waits for its award: %+v", it)
	}

	// The contract: 30 days, the window first, a challenge in between.
	it = deskHas(deskTask(t, s, w.buyer, proc, models.DeskToSign), ofTender(tender.ID))
	if it == nil || it.DaysLeft == nil || *it.DaysLeft != 30 || it.Reason != "window_open" {
		t.Fatalf("the contract to sign: %+v", it)
	}
	c, err := s.FileChallenge(ctx, w.agents[0], tender.ID, "评分有误")
	if err != nil {
		t.Fatal(err)
	}
	it = deskHas(deskTask(t, s, w.buyer, proc, models.DeskChallenges), ofTender(tender.ID))
	if it == nil || it.ID != c.ID || it.Due == nil || !it.Due.Equal(c.AnswerDue) || it.Overdue {
		t.Fatalf("the challenge to answer: %+v (due %v)", it, c.AnswerDue)
	}
	if tk := deskTask(t, s, other, proc, models.DeskChallenges); tk.Count != 0 {
		t.Fatalf("another region's challenge: %+v", tk)
	}
	w.now = w.now.Add(period + time.Hour)
	if it := deskHas(deskTask(t, s, w.buyer, proc, models.DeskChallenges), ofTender(tender.ID)); it == nil || !it.Overdue {
		t.Fatalf("an overdue challenge: %+v", it)
	}
	if it := deskHas(deskTask(t, s, w.buyer, proc, models.DeskToSign), ofTender(tender.ID)); it == nil || it.Reason != "challenges_open" || *it.DaysLeft != 28 {
		t.Fatalf("the contract waits for the answer: %+v", it)
	}
	if _, err := s.AnswerChallenge(ctx, w.buyer, c.ID, "评分无误"); err != nil {
		t.Fatal(err)
	}
	if tk := deskTask(t, s, w.buyer, proc, models.DeskChallenges); tk.Count != 0 {
		t.Fatalf("an answered challenge still waits: %+v", tk)
	}
	if it := deskHas(deskTask(t, s, w.buyer, proc, models.DeskToSign), ofTender(tender.ID)); it == nil || it.Reason != "ready" {
		t.Fatalf("the contract ready to sign: %+v", it)
	}
	if tk := deskTask(t, s, other, proc, models.DeskToSign); tk.Count != 0 {
		t.Fatalf("another region's contract: %+v", tk)
	}
	if _, err := s.SignContract(ctx, w.buyer, tender.ID, []models.PlanLine{{Percent: 100, Condition: "signing"}}); err != nil {
		t.Fatal(err)
	}
	if tk := deskTask(t, s, w.buyer, proc, models.DeskToSign); tk.Count != 0 {
		t.Fatalf("a signed contract still waits: %+v", tk)
	}
}

// TestAgencyDesk: tenders open to the organisation, its bids by status,
// and what it must fix; never another organisation's bids.
func TestAgencyDesk(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	ag := models.RoleAgency
	tender := w.published()
	if it := deskHas(deskTask(t, s, w.agents[0], ag, models.DeskOpenTenders), ofTender(tender.ID)); it == nil || it.DaysLeft == nil {
		t.Fatalf("the open tender: %+v", it)
	}
	if _, err := s.SaveBid(ctx, w.agents[0], tender.ID, models.BidInput{PriceFen: 250_000_00, Proposal: "方案",
		Team: []models.TeamMember{{StaffID: w.staff[0], Role: "项目主管"}}}); err != nil {
		t.Fatal(err)
	}
	if it := deskHas(deskTask(t, s, w.agents[0], ag, models.DeskOpenTenders), ofTender(tender.ID)); it != nil {
		t.Fatal("a tender bid on is still offered")
	}
	if it := deskHas(deskTask(t, s, w.agents[0], ag, models.DeskFix), ofTender(tender.ID)); it == nil || it.Status != models.BidDraft {
		t.Fatalf("the draft bid to submit: %+v", it)
	}
	if _, err := s.SubmitBid(ctx, w.agents[0], tender.ID); err != nil {
		t.Fatal(err)
	}
	if it := deskHas(deskTask(t, s, w.agents[0], ag, models.DeskFix), ofTender(tender.ID)); it != nil {
		t.Fatalf("a submitted bid still to fix: %+v", it)
	}
	tk := deskTask(t, s, w.agents[0], ag, models.DeskBids)
	if it := deskHas(tk, ofTender(tender.ID)); it == nil || it.Status != models.BidSubmitted || tk.ByStatus[models.BidSubmitted] != 1 || !it.Due.Equal(tender.BidDeadline) {
		t.Fatalf("the submitted bid: %+v", tk)
	}
	if tk := deskTask(t, s, w.agents[1], ag, models.DeskBids); tk.Count != 0 {
		t.Fatalf("another organisation's bid: %+v", tk)
	}
	w.now = tender.BidDeadline
	if it := deskHas(deskTask(t, s, w.agents[0], ag, models.DeskBids), ofTender(tender.ID)); it == nil || it.Status != models.BidValid {
		t.Fatalf("the bid at the deadline: %+v", it)
	}

	// A pending organisation is told, with its status.
	_, pending := orgRegister(t, s, "450102", "450102")
	fix := deskTask(t, s, pending, ag, models.DeskFix)
	if fix.Count != 1 || fix.Items[0].Status != models.OrgPending || fix.Items[0].Code != "org_status" {
		t.Fatalf("a pending organisation's desk: %+v", fix)
	}
	v, rejected := orgRegister(t, s, "450102", "450102")
	if _, err := s.ChangeOrganisationStatus(ctx, w.buyer, v.Org.ID, models.OrgReject, models.OrgStatusChange{Reason: "证照不清晰"}); err != nil {
		t.Fatal(err)
	}
	fix = deskTask(t, s, rejected, ag, models.DeskFix)
	if fix.Count != 1 || fix.Items[0].Status != models.OrgRejected || fix.Items[0].Reason != "证照不清晰" {
		t.Fatalf("a rejected organisation's desk: %+v", fix)
	}
	if fix := deskTask(t, s, w.agents[0], ag, models.DeskFix); fix.Count != 0 {
		t.Fatalf("a verified organisation has nothing to fix: %+v", fix)
	}
}

// TestAdminDesk: users without roles until they are granted one, and the
// recent grants.
func TestAdminDesk(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	u, err := s.CreateUser(ctx, w.admin, models.NewUser{Username: "newcomer", Password: "long-enough-pw", DisplayName: "新同事"})
	if err != nil {
		t.Fatal(err)
	}
	byUser := func(it models.DeskItem) bool { return it.UserID == u.ID }
	if deskHas(deskTask(t, s, w.admin, models.RoleAdmin, models.DeskUsersNoRole), byUser) == nil {
		t.Fatal("a user without roles is not on the desk")
	}
	if err := s.GrantRole(ctx, w.admin, u.ID, models.Grant{Role: models.RoleExpert, Region: "4501"}); err != nil {
		t.Fatal(err)
	}
	if deskHas(deskTask(t, s, w.admin, models.RoleAdmin, models.DeskUsersNoRole), byUser) != nil {
		t.Fatal("a granted user still has no role")
	}
	it := deskHas(deskTask(t, s, w.admin, models.RoleAdmin, models.DeskRecentGrants), byUser)
	if it == nil || it.Role != models.RoleExpert || it.Region != "4501" || it.RegionName != "南宁市" || it.Text != w.admin.Username {
		t.Fatalf("the recent grant: %+v", it)
	}
	w.now = w.now.Add(8 * 24 * time.Hour)
	if deskHas(deskTask(t, s, w.admin, models.RoleAdmin, models.DeskRecentGrants), byUser) != nil {
		t.Fatal("a grant of last week is still recent")
	}
	// A buyer has no admin section; nobody signed out has a desk.
	d, err := s.Desk(ctx, w.buyer)
	if err != nil {
		t.Fatal(err)
	}
	for _, sec := range d.Sections {
		if sec.Role != models.RoleProcurement {
			t.Fatalf("the buyer's desk has a %s section", sec.Role)
		}
	}
	// Several roles: a section for each.
	if err := s.GrantRole(ctx, w.admin, w.buyer.UserID, models.Grant{Role: models.RoleExpert, Region: "4501"}); err != nil {
		t.Fatal(err)
	}
	d, err = s.Desk(ctx, actorFor(t, s, w.buyer.Username))
	if err != nil || len(d.Sections) != 2 || d.Sections[0].Role != models.RoleProcurement || d.Sections[1].Role != models.RoleExpert {
		t.Fatalf("a buyer who is an expert too: %+v %v", d, err)
	}
	if _, err := s.Desk(ctx, models.Anonymous("192.0.2.1", s.Authz)); err == nil {
		t.Fatal("an anonymous desk")
	}
}
