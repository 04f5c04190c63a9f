package models_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"portal/models"
	"portal/models/uscc"
)

// world is a county buying services: its staff, three verified agencies,
// three experts and a controllable clock.
type world struct {
	t       testing.TB
	s       *models.Store
	ctx     context.Context
	now     time.Time
	admin   *models.Actor
	buyer   *models.Actor
	agents  []*models.Actor
	orgs    []int64
	staff   []int64 // one roster entry per organisation
	experts []*models.Actor
}

func (w *world) clock() time.Time { return w.now }

func newWorld(t testing.TB) *world {
	s, admin := bootstrap(t)
	w := &world{t: t, s: s, ctx: context.Background(), admin: admin, now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	s.Now = w.clock
	w.buyer = w.staffUser("xn-buyer", models.RoleProcurement, "450102")
	for i := 0; i < 3; i++ {
		w.experts = append(w.experts, w.staffUser(fmt.Sprintf("expert%d", i+1), models.RoleExpert, "4501"))
	}
	for i := 0; i < 3; i++ {
		w.addOrg(i + 1)
	}
	return w
}

// addOrg registers and verifies the n-th organisation of Xingning with a
// roster entry, and returns its member.
func (w *world) addOrg(n int) *models.Actor {
	t, s := w.t, w.s
	first17 := fmt.Sprintf("52450102MJ00000%02d", n)
	check, err := uscc.CheckChar(first17)
	if err != nil {
		t.Fatal(err)
	}
	view, u, err := s.Register(w.ctx, models.Anonymous("203.0.113.9", s.Authz), models.Registration{
		Organisation: models.NewOrganisation{Name: fmt.Sprintf("兴宁区第%d社会工作服务中心", n), CreditCode: first17 + string(check),
			LegalRep: "张三", Region: "450102", FoundedOn: "2018-05-01", Phone: "0771-5551234"},
		User: models.NewUser{Username: fmt.Sprintf("agent%d", n), Password: "long-enough-pw", DisplayName: fmt.Sprintf("机构%d", n)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ChangeOrganisationStatus(w.ctx, w.buyer, view.Org.ID, models.OrgVerify, models.OrgStatusChange{}); err != nil {
		t.Fatal(err)
	}
	agent := actorFor(t, s, u.Username)
	r, err := s.AddRosterEntry(w.ctx, agent, view.Org.ID, models.NewRosterEntry{Name: "李社工", Level: models.LevelIntermediate, CertificateNo: fmt.Sprintf("GX2019%04d", n)})
	if err != nil {
		t.Fatal(err)
	}
	w.agents, w.orgs, w.staff = append(w.agents, agent), append(w.orgs, view.Org.ID), append(w.staff, r.ID)
	return agent
}

func (w *world) staffUser(name, role, region string) *models.Actor {
	u, err := w.s.CreateUser(w.ctx, w.admin, models.NewUser{Username: name, Password: "long-enough-pw", DisplayName: name})
	if err != nil {
		w.t.Fatal(err)
	}
	if err := w.s.GrantRole(w.ctx, w.admin, u.ID, models.Grant{Role: role, Region: region}); err != nil {
		w.t.Fatal(err)
	}
	return actorFor(w.t, w.s, name)
}

func (w *world) tenderInput() models.TenderInput {
	return models.TenderInput{
		Title: "兴宁区困境儿童关爱服务项目", Region: "450102", CatalogueCode: "C0603", Method: "competitive_consultation",
		Budget:       []models.BudgetLine{{Source: "central_lottery", AmountFen: 200_000_00}, {Source: "local_budget", AmountFen: 100_000_00}},
		ServiceStart: "2026-04-01", ServiceEnd: "2027-03-31",
		Targets:     []models.Target{{Indicator: "service_hours", Value: 2000}, {Indicator: "children_served", Value: 500}},
		PriceWeight: 20,
		Criteria:    []models.Criterion{{Key: "plan", Name: "服务方案", MaxPoints: 40}, {Key: "team", Name: "团队配置", MaxPoints: 30}, {Key: "experience", Name: "服务经验", MaxPoints: 10}},
		BidDeadline: w.now.Add(10*24*time.Hour + time.Hour),
	}
}

// published drafts and publishes the standard tender.
func (w *world) published() *models.Tender {
	tender, err := w.s.CreateTender(w.ctx, w.buyer, w.tenderInput())
	if err != nil {
		w.t.Fatal(err)
	}
	if tender, err = w.s.PublishTender(w.ctx, w.buyer, tender.ID); err != nil {
		w.t.Fatal(err)
	}
	return tender
}

func (w *world) bid(i int, tenderID int64, priceYuan int64, proposal string) *models.Bid {
	w.t.Helper()
	if _, err := w.s.SaveBid(w.ctx, w.agents[i], tenderID, models.BidInput{PriceFen: priceYuan * 100, Proposal: proposal,
		Team: []models.TeamMember{{StaffID: w.staff[i], Role: "项目主管"}}}); err != nil {
		w.t.Fatal(err)
	}
	w.now = w.now.Add(time.Minute) // submissions in order
	b, err := w.s.SubmitBid(w.ctx, w.agents[i], tenderID)
	if err != nil {
		w.t.Fatal(err)
	}
	return b
}

func expectKind(t *testing.T, err, kind error, what string) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("%s: %v, want %v", what, err, kind)
	}
}

func TestTenderJourney(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	tender := w.published()
	if tender.Status != models.TenderPublished || tender.BudgetFen != 300_000_00 || !strings.HasPrefix(tender.Code, "450102-2026-") {
		t.Fatalf("published tender: %+v", tender)
	}
	// Enquiry: asked by an agency, answered, shown without the asker.
	q, err := s.Ask(ctx, w.agents[0], tender.ID, "服务对象是否包括事实无人抚养儿童？")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AnswerEnquiry(ctx, w.buyer, q.ID, "包括。"); err != nil {
		t.Fatal(err)
	}
	list, err := s.Enquiries(ctx, models.Anonymous("", s.Authz), tender.ID)
	if err != nil || len(list) != 1 || list[0].Answer != "包括。" {
		t.Fatalf("enquiries: %+v %v", list, err)
	}

	secret := "绝密服务方案-" + fmt.Sprint(time.Now().UnixNano())
	bids := []*models.Bid{w.bid(0, tender.ID, 280_000, secret), w.bid(1, tender.ID, 250_000, "方案B"), w.bid(2, tender.ID, 300_000, "方案C")}

	// Sealed: nobody else reads anything before the deadline, not even the count.
	_, err = s.OpenedBids(ctx, w.buyer, tender.ID)
	expectKind(t, err, models.ErrConflict, "staff reading bids before the deadline")
	_, err = s.Bidders(ctx, w.buyer, tender.ID)
	expectKind(t, err, models.ErrConflict, "staff listing bidders before the deadline")
	if other, err := s.OwnBid(ctx, w.agents[1], tender.ID); err != nil || other.Proposal != "方案B" {
		t.Fatalf("own bid: %+v %v", other, err)
	}
	var raw []struct{ Sealed []byte }
	s.DB.Table("bids").Select("sealed").Scan(&raw)
	for _, r := range raw {
		if strings.Contains(string(r.Sealed), secret) || strings.Contains(string(r.Sealed), "28000000") {
			t.Fatal("the database holds a bid's proposal or price in clear")
		}
	}
	audit, _ := s.AuditEvents(ctx, w.buyer, models.AuditFilter{ObjectType: "bid"}, models.Page{})
	if audit.Total != 0 {
		t.Fatalf("the audit log shows %d bid events before the deadline", audit.Total)
	}

	// The deadline passes: opened by the clock.
	w.now = tender.BidDeadline
	if got, _ := s.Tender(ctx, nil, tender.ID); got.Status != models.TenderOpened {
		t.Fatalf("after the deadline the status is %s", got.Status)
	}
	if list, _ := s.Tenders(ctx, models.Anonymous("", s.Authz), models.TenderFilter{Status: models.TenderOpened}, models.Page{}); list.Total != 1 || list.Items[0].ID != tender.ID {
		t.Fatalf("opened tenders: %+v", list)
	}
	_, err = s.SubmitBid(ctx, w.agents[0], tender.ID)
	expectKind(t, err, models.ErrConflict, "submitting after the deadline")
	opened, err := s.OpenedBids(ctx, w.buyer, tender.ID)
	if err != nil || len(opened) != 3 || opened[0].Proposal != secret || opened[0].Status != models.BidValid {
		t.Fatalf("opened bids: %+v %v", opened, err)
	}
	if audit, _ = s.AuditEvents(ctx, w.buyer, models.AuditFilter{ObjectType: "bid"}, models.Page{}); audit.Total == 0 {
		t.Fatal("bid events stay hidden after the deadline")
	}

	// Panel of three declares and scores.
	ids := []int64{w.experts[0].UserID, w.experts[1].UserID, w.experts[2].UserID}
	if _, err := s.AppointPanel(ctx, w.buyer, tender.ID, ids[:2]); !errors.Is(err, models.ErrInvalid) {
		t.Fatalf("a panel of two: %v", err)
	}
	if _, err := s.AppointPanel(ctx, w.buyer, tender.ID, ids); err != nil {
		t.Fatal(err)
	}
	_, err = s.OpenedBids(ctx, w.experts[0], tender.ID)
	expectKind(t, err, models.ErrConflict, "an expert reading bids before declaring")
	sheets := [][3]map[string]float64{ // expert → bid A, B, C
		{{"plan": 35, "team": 28, "experience": 7}, {"plan": 30, "team": 24, "experience": 6}, {"plan": 38, "team": 29, "experience": 8}},
		{{"plan": 36, "team": 28, "experience": 8}, {"plan": 29, "team": 23, "experience": 6}, {"plan": 36, "team": 27, "experience": 8}},
		{{"plan": 34, "team": 27, "experience": 7}, {"plan": 31, "team": 25, "experience": 6}, {"plan": 37, "team": 28, "experience": 8}},
	}
	for i, e := range w.experts {
		if _, err := s.Declare(ctx, e, tender.ID, models.Declaration{}); err != nil {
			t.Fatal(err)
		}
		for j, b := range bids {
			if _, err := s.ScoreBid(ctx, e, b.ID, sheets[i][j]); err != nil {
				t.Fatal(err)
			}
		}
		if i == 0 {
			own, _ := s.Scores(ctx, e, tender.ID)
			if own.Complete || len(own.Scores) != 9 {
				t.Fatalf("first expert sees %d scores before all are in", len(own.Scores))
			}
		}
	}
	_, err = s.ScoreBid(ctx, w.experts[0], bids[0].ID, map[string]float64{"plan": 41, "team": 1, "experience": 1})
	expectKind(t, err, models.ErrInvalid, "points above the maximum")

	// Award needs a clear credit check of the first-ranked (C).
	_, err = s.Award(ctx, w.buyer, tender.ID)
	expectKind(t, err, models.ErrConflict, "award without a credit check")
	if _, err := s.RecordCreditCheck(ctx, w.buyer, tender.ID, models.CreditCheckInput{OrganisationID: w.orgs[2], Result: "clear", CheckedAt: w.now, Note: "信用中国查询无记录"}); err != nil {
		t.Fatal(err)
	}
	ranking, err := s.Award(ctx, w.buyer, tender.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Hand-computed: price scores C 250/300×20 = 16.67, A 250/280×20 =
	// 17.86, B 20; technical means C 73, A 70, B 60; finals rounded half-up
	// from the exact sums.
	want := []struct {
		org   int64
		final float64
	}{{w.orgs[2], 89.67}, {w.orgs[0], 87.86}, {w.orgs[1], 80}}
	for i, r := range ranking {
		if r.OrganisationID != want[i].org || r.FinalScore != want[i].final || r.Rank != i+1 {
			t.Fatalf("rank %d: %+v, want org %d with %.4f", i+1, r, want[i].org, want[i].final)
		}
	}
	_, err = s.Award(ctx, w.buyer, tender.ID)
	expectKind(t, err, models.ErrConflict, "awarding twice")
	if sheets, err := s.Scores(ctx, w.experts[1], tender.ID); err != nil || !sheets.Complete || len(sheets.Scores) != 27 {
		t.Fatalf("score sheets after the award: %+v %v", sheets, err)
	}
	res, err := s.TenderResult(ctx, w.agents[0], tender.ID)
	if err != nil || res.Winner.OrganisationID != w.orgs[2] || res.Winner.Score != 89.67 || res.Own == nil || res.Own.Rank != 2 ||
		strings.Join(res.Panel, ",") != "expert1,expert2,expert3" {
		t.Fatalf("result for the second bidder: %+v %v", res, err)
	}

	// Challenge, answered; the contract waits for the window.
	c, err := s.FileChallenge(ctx, w.agents[1], tender.ID, "价格分计算有误")
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.SignContract(ctx, w.buyer, tender.ID, []models.PlanLine{{30, "signing"}, {40, "midterm"}, {30, "acceptance"}})
	expectKind(t, err, models.ErrConflict, "signing inside the challenge window")
	// Awarded on Thursday 12 March: seven working days end on Monday 23 March
	// at 24:00 Beijing time (16:00 UTC).
	w.now = time.Date(2026, 3, 23, 15, 59, 59, 0, time.UTC)
	if _, err := s.FileChallenge(ctx, w.agents[0], tender.ID, "最后一分钟"); err != nil {
		t.Fatalf("a challenge on the window's last day: %v", err)
	}
	w.now = time.Date(2026, 3, 23, 16, 0, 0, 0, time.UTC)
	_, err = s.FileChallenge(ctx, w.agents[0], tender.ID, "晚了")
	expectKind(t, err, models.ErrConflict, "a challenge after the window")
	_, err = s.SignContract(ctx, w.buyer, tender.ID, []models.PlanLine{{30, "signing"}, {40, "midterm"}, {30, "acceptance"}})
	expectKind(t, err, models.ErrConflict, "signing with an open challenge")
	all, err := s.Challenges(ctx, w.buyer, tender.ID)
	if err != nil || len(all) != 2 {
		t.Fatalf("challenges: %v %v", all, err)
	}
	for _, ch := range all {
		if _, err := s.AnswerChallenge(ctx, w.buyer, ch.ID, "经复核，计算无误。"); err != nil {
			t.Fatal(err)
		}
	}
	_, err = s.AnswerChallenge(ctx, w.buyer, c.ID, "again")
	expectKind(t, err, models.ErrConflict, "answering twice")
	_, err = s.SignContract(ctx, w.buyer, tender.ID, []models.PlanLine{{30, "signing"}, {40, "midterm"}})
	expectKind(t, err, models.ErrInvalid, "a plan that does not sum to 100")
	contract, err := s.SignContract(ctx, w.buyer, tender.ID, []models.PlanLine{{30, "signing"}, {40, "midterm"}, {30, "acceptance"}})
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	for _, tr := range contract.PaymentPlan {
		sum += tr.AmountFen
	}
	if contract.AmountFen != 300_000_00 || contract.OrganisationID != w.orgs[2] || sum != contract.AmountFen || len(contract.Targets) != 2 || contract.PaymentPlan[0].Status != models.TrancheDue {
		t.Fatalf("contract: %+v", contract)
	}
	if got, _ := s.Tender(ctx, nil, tender.ID); got.Status != models.TenderContracted {
		t.Fatalf("tender after signing: %s", got.Status)
	}
	_, err = s.CancelTender(ctx, w.buyer, tender.ID, "too late")
	expectKind(t, err, models.ErrConflict, "cancelling a contracted tender")
}

func TestTenderRulesAndTransitions(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	in := w.tenderInput()
	in.PriceWeight = 35
	in.Criteria[0].MaxPoints = 50
	in.Targets = append(in.Targets, models.Target{Indicator: "no_such_indicator", Value: 1})
	in.ServiceEnd = "2030-01-01"
	_, err := s.CreateTender(ctx, w.buyer, in)
	e, ok := models.AsError(err)
	if !ok || !errors.Is(err, models.ErrInvalid) {
		t.Fatalf("bad tender: %v", err)
	}
	var fields []string
	for _, f := range e.Fields {
		fields = append(fields, f.Field)
	}
	if got := strings.Join(fields, ","); got != "service_end,targets[2].indicator,price_weight,criteria" {
		t.Fatalf("fields %s", got)
	}
	// Another county's staff may not buy for Xingning.
	other := w.staffUser("qx-buyer", models.RoleProcurement, "450103")
	_, err = s.CreateTender(ctx, other, w.tenderInput())
	expectKind(t, err, models.ErrForbidden, "another county's staff drafting")

	// Deadline closer than the method's minimum period.
	short := w.tenderInput()
	short.BidDeadline = w.now.Add(24 * time.Hour)
	tender, err := s.CreateTender(ctx, w.buyer, short)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.PublishTender(ctx, w.buyer, tender.ID)
	expectKind(t, err, models.ErrInvalid, "publishing with a short bidding period")
	_, err = s.Tender(ctx, w.agents[0], tender.ID)
	expectKind(t, err, models.ErrNotFound, "an agency reading a draft")
	zero := time.Duration(0)
	s.Settings.MinBidPeriod = &zero
	if _, err := s.PublishTender(ctx, w.buyer, tender.ID); err != nil {
		t.Fatalf("with PORTAL_MIN_BID_PERIOD=0s: %v", err)
	}
	_, err = s.PublishTender(ctx, w.buyer, tender.ID)
	expectKind(t, err, models.ErrConflict, "publishing twice")

	// Amending sends submitted bids back to draft and extends a near deadline.
	w.bid(0, tender.ID, 200_000, "方案")
	amended, err := s.UpdateTender(ctx, w.buyer, tender.ID, func(in *models.TenderInput) error { in.Title = "修订后的项目"; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if amended.BidDeadline.Before(w.now.Add(72*time.Hour)) || amended.Title != "修订后的项目" {
		t.Fatalf("amended deadline %v", amended.BidDeadline)
	}
	if b, _ := s.OwnBid(ctx, w.agents[0], tender.ID); b.Status != models.BidDraft {
		t.Fatalf("after an amendment the bid is %s", b.Status)
	}
	// Too few bids at the deadline: unsuccessful by the clock.
	w.now = amended.BidDeadline.Add(time.Second)
	if got, _ := s.Tender(ctx, nil, tender.ID); got.Status != models.TenderUnsuccessful {
		t.Fatalf("with no submitted bid the tender is %s", got.Status)
	}
	_, err = s.AppointPanel(ctx, w.buyer, tender.ID, []int64{w.experts[0].UserID, w.experts[1].UserID, w.experts[2].UserID})
	expectKind(t, err, models.ErrConflict, "appointing a panel for an unsuccessful tender")
	// The clock-derived statuses filter and page in the database.
	for status, want := range map[string]int64{models.TenderUnsuccessful: 1, models.TenderOpened: 0, models.TenderPublished: 0, models.TenderDraft: 0} {
		list, err := s.Tenders(ctx, w.buyer, models.TenderFilter{Status: status}, models.Page{})
		if err != nil || list.Total != want || int64(len(list.Items)) != want {
			t.Errorf("tenders with status %s: %d (%v), want %d", status, list.Total, err, want)
		}
	}
	// A suspended organisation cannot bid.
	t2 := w.published()
	if _, err := s.ChangeOrganisationStatus(ctx, w.buyer, w.orgs[1], models.OrgSuspend, models.OrgStatusChange{Reason: "年检未通过"}); err != nil {
		t.Fatal(err)
	}
	_, err = s.SaveBid(ctx, w.agents[1], t2.ID, models.BidInput{PriceFen: 1})
	expectKind(t, err, models.ErrConflict, "a suspended organisation bidding")
	_, err = s.SaveBid(ctx, w.buyer, t2.ID, models.BidInput{PriceFen: 1})
	expectKind(t, err, models.ErrForbidden, "staff bidding")
}
