package models_test

import (
	"sort"
	"strings"
	"testing"
	"time"

	"portal/models"
)

func noticeKeys(l models.List[models.Notice]) string {
	var out []string
	for _, n := range l.Items {
		out = append(out, n.Kind+":"+n.Code)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

// TestNoticesListAndSearch: each kind of notice comes from its object
// (published, amended, awarded, failed, contracted), anyone reads them, and
// each filter narrows the search; drafts are never notices.
func TestNoticesListAndSearch(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	period := time.Hour
	s.Settings.ChallengePeriod = &period
	anon := models.Anonymous("198.51.100.7", s.Authz)
	search := func(f models.NoticeFilter, p models.Page) models.List[models.Notice] {
		t.Helper()
		l, err := s.Notices(ctx, anon, f, p)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}

	won := w.awarded()
	w.now = w.now.Add(2 * time.Hour)
	contract, err := s.SignContract(ctx, w.buyer, won.ID, []models.PlanLine{{Percent: 100, Condition: "signing"}})
	if err != nil {
		t.Fatal(err)
	}
	amended := w.published()
	if _, err := s.UpdateTender(ctx, w.buyer, amended.ID, func(in *models.TenderInput) error {
		in.Title, in.Notice = "兴宁区留守儿童关爱服务项目（更正）", "项目名称更正"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	qx := w.staffUser("qx-buyer", models.RoleProcurement, "450103")
	in := w.tenderInput()
	in.Region, in.Title = "450103", "青秀区儿童督导服务项目"
	cancelled, err := s.CreateTender(ctx, qx, in)
	if err != nil {
		t.Fatal(err)
	}
	if cancelled, err = s.PublishTender(ctx, qx, cancelled.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CancelTender(ctx, qx, cancelled.ID, "预算调整"); err != nil {
		t.Fatal(err)
	}
	draft, err := s.CreateTender(ctx, w.buyer, w.tenderInput())
	if err != nil {
		t.Fatal(err)
	}

	all := search(models.NoticeFilter{}, models.Page{})
	for _, n := range all.Items {
		if n.TenderID == draft.ID {
			t.Fatalf("a draft is a notice: %+v", n)
		}
		if n.RegionName == "" || n.At.IsZero() {
			t.Fatalf("a notice without its region's name or date: %+v", n)
		}
	}
	if all.Total != 7 {
		t.Fatalf("all notices: %d %s", all.Total, noticeKeys(all))
	}
	if l := search(models.NoticeFilter{Kind: models.NoticeTender}, models.Page{}); l.Total != 3 {
		t.Fatalf("tender notices: %s", noticeKeys(l))
	}
	if l := search(models.NoticeFilter{Kind: models.NoticeAmendment}, models.Page{}); l.Total != 1 || l.Items[0].TenderID != amended.ID || l.Items[0].Seq != 1 {
		t.Fatalf("amendment notices: %+v", l)
	}
	if l := search(models.NoticeFilter{Kind: models.NoticeAward}, models.Page{}); l.Total != 1 || l.Items[0].TenderID != won.ID {
		t.Fatalf("award notices: %+v", l)
	}
	if l := search(models.NoticeFilter{Kind: models.NoticeContract}, models.Page{}); l.Total != 1 || l.Items[0].ContractID != contract.ID ||
		!l.Items[0].At.Equal(contract.SignedAt) {
		t.Fatalf("contract notices: %+v", l)
	}
	l := search(models.NoticeFilter{Kind: models.NoticeFailure}, models.Page{})
	if l.Total != 1 || l.Items[0].TenderID != cancelled.ID || l.Items[0].Failure == nil || l.Items[0].Failure.Reason != models.FailCancelled {
		t.Fatalf("failure notices: %+v", l)
	}
	if l := search(models.NoticeFilter{Region: "450103"}, models.Page{}); l.Total != 2 || l.Items[0].RegionName != "青秀区" {
		t.Fatalf("Qingxiu's notices: %s", noticeKeys(l))
	}
	if l := search(models.NoticeFilter{Region: "4501"}, models.Page{}); l.Total != 7 {
		t.Fatalf("Nanning's notices (and its counties'): %s", noticeKeys(l))
	}
	if l := search(models.NoticeFilter{Method: "competitive_consultation"}, models.Page{}); l.Total != 7 {
		t.Fatalf("by method: %s", noticeKeys(l))
	}
	if l := search(models.NoticeFilter{Method: "open_tender"}, models.Page{}); l.Total != 0 {
		t.Fatalf("by another method: %s", noticeKeys(l))
	}
	if l := search(models.NoticeFilter{Q: "留守儿童"}, models.Page{}); l.Total != 2 || noticeKeys(l) != "amendment:"+amended.Code+",tender:"+amended.Code {
		t.Fatalf("by keyword: %s", noticeKeys(l))
	}
	if l := search(models.NoticeFilter{Q: won.Code}, models.Page{}); l.Total != 3 {
		t.Fatalf("by code: %s", noticeKeys(l))
	}
	day := func(at time.Time, days int) string {
		return at.In(models.ChinaZone).AddDate(0, 0, days).Format(time.DateOnly)
	}
	if l := search(models.NoticeFilter{From: day(w.now, 1)}, models.Page{}); l.Total != 0 {
		t.Fatalf("from tomorrow: %s", noticeKeys(l))
	}
	if l := search(models.NoticeFilter{To: day(*won.PublishedAt, -1)}, models.Page{}); l.Total != 0 {
		t.Fatalf("to the day before: %s", noticeKeys(l))
	}
	// Every notice but the first tender's falls on its deadline's day.
	if l := search(models.NoticeFilter{From: day(w.now, 0), To: day(w.now, 0)}, models.Page{}); l.Total != 6 {
		t.Fatalf("within today: %s", noticeKeys(l))
	}
	if l := search(models.NoticeFilter{To: day(*won.PublishedAt, 0)}, models.Page{}); l.Total != 1 || l.Items[0].TenderID != won.ID {
		t.Fatalf("to the first day: %s", noticeKeys(l))
	}
	if l := search(models.NoticeFilter{From: day(*won.PublishedAt, 0), To: day(w.now, 0)}, models.Page{}); l.Total != 7 {
		t.Fatalf("the whole range: %s", noticeKeys(l))
	}
	p1 := search(models.NoticeFilter{}, models.Page{Page: 1, PerPage: 3})
	p3 := search(models.NoticeFilter{}, models.Page{Page: 3, PerPage: 3})
	if p1.Total != 7 || len(p1.Items) != 3 || len(p3.Items) != 1 || p1.Items[0] == p3.Items[0] {
		t.Fatalf("pages: %s / %s", noticeKeys(p1), noticeKeys(p3))
	}
	if !p1.Items[0].At.After(p3.Items[0].At) && !p1.Items[0].At.Equal(p3.Items[0].At) {
		t.Fatal("the newest notice comes first")
	}
	for _, f := range []models.NoticeFilter{{Kind: "rumour"}, {Method: "lottery"}, {From: "2026-13-01"}, {To: "yesterday"}} {
		_, err := s.Notices(ctx, anon, f, models.Page{})
		expectKind(t, err, models.ErrInvalid, "a filter that names nothing")
	}

	// The clock ends the amended tender unsuccessful at its deadline: a
	// failure notice with the reason, dated the deadline.
	fresh := mustTender(t, s, amended.ID)
	w.now = fresh.BidDeadline.Add(time.Minute)
	l = search(models.NoticeFilter{Kind: models.NoticeFailure}, models.Page{})
	var clock *models.Notice
	for i := range l.Items {
		if l.Items[i].TenderID == amended.ID {
			clock = &l.Items[i]
		}
	}
	if l.Total != 2 || clock == nil || clock.Failure == nil || clock.Failure.Reason != models.FailTooFewBids || !clock.At.Equal(fresh.BidDeadline) {
		t.Fatalf("the clock's failure notice: %+v", l)
	}

	latest, err := s.Latest(ctx, anon, 5)
	if err != nil || len(latest.Kinds) != len(models.NoticeKinds) || latest.Kinds[0].Kind != models.NoticeTender || latest.Kinds[0].Total != 3 {
		t.Fatalf("the latest notices: %+v %v", latest, err)
	}

	cn, err := s.ContractNotice(ctx, anon, contract.ID)
	if err != nil || cn.Number != contract.Number || cn.AmountFen != contract.AmountFen || cn.OrganisationName == "" ||
		cn.CatalogueName == "" || cn.RegionName != "兴宁区" || cn.ServiceStart != won.ServiceStart {
		t.Fatalf("the contract's public summary: %+v %v", cn, err)
	}
	_, err = s.ContractNotice(ctx, anon, contract.ID+100)
	expectKind(t, err, models.ErrNotFound, "no such contract")
}
