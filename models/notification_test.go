package models_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"portal/models"
	"portal/models/uscc"
)

// recipients lists the users notified of kind about the object, in order.
func (w *world) recipients(kind string, objectID int64) []int64 {
	w.t.Helper()
	var ids []int64
	if err := w.s.DB.Model(&models.Notification{}).Where("kind = ? AND object_id = ?", kind, objectID).Order("user_id").Pluck("user_id", &ids).Error; err != nil {
		w.t.Fatal(err)
	}
	return ids
}

// members lists the user ids of the actors, in order.
func members(as ...*models.Actor) []int64 {
	var ids []int64
	for _, a := range as {
		ids = append(ids, a.UserID)
	}
	slices.Sort(ids)
	return ids
}

func (w *world) wantRecipients(kind string, objectID int64, want []int64) {
	w.t.Helper()
	if got := w.recipients(kind, objectID); !slices.Equal(got, want) {
		w.t.Fatalf("%s of %d notified users %v, want %v", kind, objectID, got, want)
	}
}

// pendingOrg registers the n-th pending organisation of Xingning and adds a
// colleague, so that it has two members.
func (w *world) pendingOrg(n int) (int64, []*models.Actor) {
	w.t.Helper()
	first17 := fmt.Sprintf("52450102MJ00001%02d", n)
	check, err := uscc.CheckChar(first17)
	if err != nil {
		w.t.Fatal(err)
	}
	view, u, err := w.s.Register(w.ctx, models.Anonymous("203.0.113.9", w.s.Authz), models.Registration{
		Organisation: models.NewOrganisation{Name: fmt.Sprintf("兴宁区待审%d社工中心", n), CreditCode: first17 + string(check),
			LegalRep: "王五", Region: "450102", FoundedOn: "2019-05-01", Phone: "0771-5551234"},
		User: models.NewUser{Username: fmt.Sprintf("pending%d", n), Password: "long-enough-pw", DisplayName: "待审"},
	})
	if err != nil {
		w.t.Fatal(err)
	}
	first := actorFor(w.t, w.s, u.Username)
	if _, err := w.s.AddColleague(w.ctx, first, view.Org.ID, models.NewUser{Username: fmt.Sprintf("pending%db", n), Password: "long-enough-pw", DisplayName: "同事"}); err != nil {
		w.t.Fatal(err)
	}
	return view.Org.ID, []*models.Actor{first, actorFor(w.t, w.s, fmt.Sprintf("pending%db", n))}
}

// TestNotificationsReachExactlyTheirReaders walks a tender's life and checks
// that each event notifies exactly the people it concerns.
func TestNotificationsReachExactlyTheirReaders(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	outsider := w.addOrg(4) // verified, never bids
	idle := w.staffUser("expert4", models.RoleExpert, "4501")

	// Verification: each organisation's own member, no one else.
	for i, org := range w.orgs {
		w.wantRecipients(models.NotifyOrgVerified, org, []int64{w.agents[i].UserID})
	}
	// Rejection with its reason, to both members.
	pending, people := w.pendingOrg(1)
	if _, err := s.ChangeOrganisationStatus(ctx, w.buyer, pending, models.OrgReject, models.OrgStatusChange{Reason: "登记证书不清晰"}); err != nil {
		t.Fatal(err)
	}
	w.wantRecipients(models.NotifyOrgRejected, pending, members(people...))
	var rejected models.Notification
	s.DB.Where("kind = ? AND object_id = ?", models.NotifyOrgRejected, pending).First(&rejected)
	if rejected.Params["reason"] != "登记证书不清晰" || rejected.ObjectType != "organisation" || rejected.ReadAt != nil {
		t.Fatalf("rejection notification: %+v", rejected)
	}

	// An amendment: the organisations with a bid (submitted or draft), not
	// the others; nothing of any bid in what they are told.
	tender := w.published()
	w.bid(0, tender.ID, 280_000, "方案A")
	if _, err := s.SaveBid(ctx, w.agents[1], tender.ID, models.BidInput{PriceFen: 250_000_00, Proposal: "草稿",
		Team: []models.TeamMember{{StaffID: w.staff[1], Role: "项目主管"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateTender(ctx, w.buyer, tender.ID, func(in *models.TenderInput) error {
		in.Title = "兴宁区困境儿童关爱服务项目（更正）"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	w.wantRecipients(models.NotifyTenderAmended, tender.ID, members(w.agents[0], w.agents[1]))
	var amended []models.Notification
	s.DB.Where("kind = ?", models.NotifyTenderAmended).Find(&amended)
	for _, n := range amended {
		for k, v := range n.Params {
			if k != "code" && k != "title" && k != "tender_id" || strings.Contains(v, "方案") || strings.Contains(v, "250000") {
				t.Fatalf("an amendment notification carries %s=%q", k, v)
			}
		}
	}

	// An enquiry's answer: the asker's organisation only.
	q, err := s.Ask(ctx, w.agents[1], tender.ID, "服务对象是否包括事实无人抚养儿童？")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AnswerEnquiry(ctx, w.buyer, q.ID, "包括。"); err != nil {
		t.Fatal(err)
	}
	w.wantRecipients(models.NotifyEnquiryAnswered, q.ID, []int64{w.agents[1].UserID})

	// Bids confirmed again after the amendment, then the deadline.
	bids := []*models.Bid{w.bid(0, tender.ID, 280_000, "方案A"), w.bid(1, tender.ID, 250_000, "方案B"), w.bid(2, tender.ID, 300_000, "方案C")}
	fresh, err := s.Tender(ctx, nil, tender.ID)
	if err != nil {
		t.Fatal(err)
	}
	w.now = fresh.BidDeadline

	// The panel: the three appointed experts, not the fourth.
	ids := []int64{w.experts[0].UserID, w.experts[1].UserID, w.experts[2].UserID}
	if _, err := s.AppointPanel(ctx, w.buyer, tender.ID, ids); err != nil {
		t.Fatal(err)
	}
	w.wantRecipients(models.NotifyPanelAppointment, tender.ID, members(w.experts...))
	// Appointing the same panel again tells no one twice.
	if _, err := s.AppointPanel(ctx, w.buyer, tender.ID, ids); err != nil {
		t.Fatal(err)
	}
	w.wantRecipients(models.NotifyPanelAppointment, tender.ID, members(w.experts...))

	for _, e := range w.experts {
		if _, err := s.Declare(ctx, e, tender.ID, models.Declaration{}); err != nil {
			t.Fatal(err)
		}
		for j, b := range bids {
			if _, err := s.ScoreBid(ctx, e, b.ID, map[string]float64{"plan": float64(30 + 3*j), "team": 25, "experience": 7}); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, org := range w.orgs[:3] {
		if _, err := s.RecordCreditCheck(ctx, w.buyer, tender.ID, models.CreditCheckInput{OrganisationID: org, Result: "clear", CheckedAt: w.now, Note: "无记录"}); err != nil {
			t.Fatal(err)
		}
	}
	ranking, err := s.Award(ctx, w.buyer, tender.ID)
	if err != nil {
		t.Fatal(err)
	}
	winner := ranking[0].OrganisationID
	var won, lost []*models.Actor
	for i, org := range w.orgs[:3] {
		if org == winner {
			won = append(won, w.agents[i])
		} else {
			lost = append(lost, w.agents[i])
		}
	}
	w.wantRecipients(models.NotifyAwardWon, tender.ID, members(won...))
	w.wantRecipients(models.NotifyAwardLost, tender.ID, members(lost...))

	// A challenge's answer: the challenging organisation only.
	c, err := s.FileChallenge(ctx, w.agents[1], tender.ID, "价格分计算有误")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AnswerChallenge(ctx, w.buyer, c.ID, "经复核，计算无误。"); err != nil {
		t.Fatal(err)
	}
	w.wantRecipients(models.NotifyChallengeAnswer, c.ID, []int64{w.agents[1].UserID})

	// Nobody else was told anything: not the staff, the admin, the idle
	// expert or the organisation that did not bid (beyond its verification).
	for _, a := range []*models.Actor{w.buyer, w.admin, idle} {
		if list, err := s.Notifications(ctx, a, models.NotificationFilter{}, models.Page{}); err != nil || list.Total != 0 {
			t.Fatalf("%s has %+v, %v", a.Username, list.Items, err)
		}
	}
	if list, _ := s.Notifications(ctx, outsider, models.NotificationFilter{}, models.Page{}); list.Total != 1 || list.Items[0].Kind != models.NotifyOrgVerified {
		t.Fatalf("the organisation without a bid has %+v", list.Items)
	}
}

// failInserts makes every insert into table fail until the returned func
// drops the trigger.
func failInserts(t *testing.T, s *models.Store, table string) func() {
	t.Helper()
	var sqls []string
	if s.Dialect == models.Postgres {
		sqls = []string{
			`CREATE FUNCTION fail_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'down'; END; $$`,
			`CREATE TRIGGER fail_insert BEFORE INSERT ON ` + table + ` FOR EACH ROW EXECUTE FUNCTION fail_insert()`,
		}
	} else {
		sqls = []string{`CREATE TRIGGER fail_insert BEFORE INSERT ON ` + table + ` BEGIN SELECT RAISE(ABORT, 'down'); END;`}
	}
	for _, sql := range sqls {
		if err := s.DB.Exec(sql).Error; err != nil {
			t.Fatal(err)
		}
	}
	return func() {
		drop := []string{"DROP TRIGGER fail_insert"}
		if s.Dialect == models.Postgres {
			drop = []string{"DROP TRIGGER fail_insert ON " + table, "DROP FUNCTION fail_insert()"}
		}
		for _, sql := range drop {
			if err := s.DB.Exec(sql).Error; err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestNotificationIsAtomicWithTheEvent: an event that fails after its
// notification was written leaves none, and a notification that cannot be
// written fails its event, which changes nothing.
func TestNotificationIsAtomicWithTheEvent(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	org, people := w.pendingOrg(1)
	status := func() string {
		var o models.Organisation
		s.DB.First(&o, org)
		return o.Status
	}
	audits := func() int64 { return w.countAudit("organisation.verify", org) }

	restore := failInserts(t, s, "audit_events") // after the notify call
	if _, err := s.ChangeOrganisationStatus(ctx, w.buyer, org, models.OrgVerify, models.OrgStatusChange{}); err == nil {
		t.Fatal("the verification succeeded although its audit row failed")
	}
	restore()
	if got := w.recipients(models.NotifyOrgVerified, org); len(got) != 0 || status() != models.OrgPending {
		t.Fatalf("a failed verification left notifications %v and status %s", got, status())
	}

	restore = failInserts(t, s, "notifications") // the notification itself
	_, err := s.ChangeOrganisationStatus(ctx, w.buyer, org, models.OrgVerify, models.OrgStatusChange{})
	restore()
	if err == nil || status() != models.OrgPending || audits() != 0 {
		t.Fatalf("a verification whose notification failed: %v, status %s, %d audit events", err, status(), audits())
	}

	if _, err := s.ChangeOrganisationStatus(ctx, w.buyer, org, models.OrgVerify, models.OrgStatusChange{}); err != nil {
		t.Fatal(err)
	}
	w.wantRecipients(models.NotifyOrgVerified, org, members(people...))
	if audits() != 1 {
		t.Fatalf("%d audit events of the verification", audits())
	}
}

// TestNotificationsAreTheReadersOwn: a reader lists and marks only its own;
// another's id is not found and stays unread.
func TestNotificationsAreTheReadersOwn(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	org, people := w.pendingOrg(1)
	if _, err := s.ChangeOrganisationStatus(ctx, w.buyer, org, models.OrgVerify, models.OrgStatusChange{}); err != nil {
		t.Fatal(err)
	}
	w.now = w.now.Add(time.Minute)
	if _, err := s.ChangeOrganisationStatus(ctx, w.buyer, org, models.OrgSuspend, models.OrgStatusChange{Reason: "年检逾期"}); err != nil {
		t.Fatal(err)
	}
	me, colleague := people[0], people[1]
	unread := true
	list, err := s.Notifications(ctx, me, models.NotificationFilter{Unread: &unread}, models.Page{})
	if err != nil || list.Total != 2 || list.Items[0].Kind != models.NotifyOrgSuspended || list.Items[1].Kind != models.NotifyOrgVerified {
		t.Fatalf("unread, newest first: %+v %v", list, err)
	}
	if n, _ := s.UnreadNotifications(ctx, me); n != 2 {
		t.Fatalf("unread count %d", n)
	}
	// Another reader's notification: not found, and left unread.
	_, err = s.MarkNotificationRead(ctx, w.agents[0], list.Items[0].ID)
	expectKind(t, err, models.ErrNotFound, "marking another user's notification")
	_, err = s.MarkNotificationRead(ctx, colleague, list.Items[0].ID)
	expectKind(t, err, models.ErrNotFound, "marking a colleague's notification")
	if n, _ := s.UnreadNotifications(ctx, me); n != 2 {
		t.Fatalf("unread count after others' attempts: %d", n)
	}
	got, err := s.MarkNotificationRead(ctx, me, list.Items[0].ID)
	if err != nil || got.ReadAt == nil {
		t.Fatalf("marking one's own: %+v %v", got, err)
	}
	read := false
	if list, _ := s.Notifications(ctx, me, models.NotificationFilter{Unread: &read}, models.Page{}); list.Total != 1 || list.Items[0].ID != got.ID {
		t.Fatalf("read ones: %+v", list.Items)
	}
	if n, _ := s.MarkAllNotificationsRead(ctx, me); n != 1 {
		t.Fatalf("mark all marked %d", n)
	}
	if n, _ := s.UnreadNotifications(ctx, me); n != 0 {
		t.Fatalf("unread after mark all: %d", n)
	}
	if n, _ := s.UnreadNotifications(ctx, colleague); n != 2 {
		t.Fatalf("the colleague's own stay unread: %d", n)
	}
	_, err = s.Notifications(ctx, models.Anonymous("", s.Authz), models.NotificationFilter{}, models.Page{})
	if !errors.Is(err, models.ErrUnauthenticated) {
		t.Fatalf("the public lists notifications: %v", err)
	}
}

// TestUnreadCountIsIndexed: the bell's count on every page reads the
// (user_id, read_at) index, not the table.
func TestUnreadCountIsIndexed(t *testing.T) {
	s, _ := bootstrap(t)
	if !s.DB.Migrator().HasIndex(&models.Notification{}, "notifications_user_read") {
		t.Fatal("no index notifications_user_read")
	}
	if s.Dialect != models.SQLite {
		return
	}
	var plan []struct{ Detail string }
	if err := s.DB.Raw("EXPLAIN QUERY PLAN SELECT count(*) FROM notifications WHERE user_id = ? AND read_at IS NULL", 1).Scan(&plan).Error; err != nil {
		t.Fatal(err)
	}
	if len(plan) != 1 || !strings.Contains(plan[0].Detail, "COVERING INDEX notifications_user_read") {
		t.Fatalf("query plan: %+v", plan)
	}
}
