package models_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"portal/models"
)

func session(kind, on, hours string, attendees int) models.SessionInput {
	return models.SessionInput{Kind: kind, HeldOn: on, Hours: json.Number(hours), Provider: "广西社工督导中心", Topics: "项目运营与财务管理", Attendees: attendees}
}

func TestSupportSessions(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	c, member := w.contracted()
	signed := c.SignedAt.In(models.ChinaZone).Format(time.DateOnly)
	w.now = time.Date(2026, 6, 1, 2, 0, 0, 0, time.UTC) // 1 June in Beijing

	got, err := s.RecordSession(ctx, w.buyer, c.ID, session("planning", signed, "2.5", 6))
	if err != nil || got.Hours.String() != "2.5" || got.Kind != models.SessionPlanning {
		t.Fatalf("a planning session on the signing day: %+v %v", got, err)
	}
	if _, err := s.RecordSession(ctx, w.buyer, c.ID, session("supervision", "2026-06-01", "24", 500)); err != nil {
		t.Fatalf("a day-long supervision today: %v", err)
	}
	for _, bad := range []struct {
		in   models.SessionInput
		want string
	}{
		{session("training", "2026-05-01", "1", 1), "kind=oneof"},
		{session("planning", "2026-06-02", "1", 1), "held_on=future"},
		{session("planning", "2026-02-01", "1", 1), "held_on=date_range"},
		{session("planning", "2026-13-01", "1", 1), "held_on=date"},
		{session("planning", "2026-05-01", "0", 1), "hours=between"},
		{session("planning", "2026-05-01", "24.01", 1), "hours=between"},
		{session("planning", "2026-05-01", "1.234", 1), "hours=decimal2"},
		{session("planning", "2026-05-01", "", 1), "hours=required"},
		{session("planning", "2026-05-01", "1", 0), "attendees=between"},
		{session("planning", "2026-05-01", "1", 501), "attendees=between"},
		{models.SessionInput{Kind: "planning", HeldOn: "2026-05-01", Hours: "1", Provider: " ", Topics: "", Attendees: 1}, "provider=required topics=required"},
	} {
		_, err := s.RecordSession(ctx, w.buyer, c.ID, bad.in)
		wantFields(t, err, strings.Fields(bad.want)...)
	}

	// The organisation's members read them and may not record; another
	// county's staff and other organisations see nothing.
	_, err = s.RecordSession(ctx, member, c.ID, session("planning", "2026-05-01", "1", 1))
	wantKind(t, err, models.ErrForbidden)
	list, err := s.Sessions(ctx, member, c.ID)
	if err != nil || len(list) != 2 || list[0].HeldOn != "2026-06-01" {
		t.Fatalf("the member's list: %+v %v", list, err)
	}
	other := w.staffUser("xx-buyer", models.RoleProcurement, "450103")
	_, err = s.RecordSession(ctx, other, c.ID, session("planning", "2026-05-01", "1", 1))
	wantKind(t, err, models.ErrNotFound)
	_, err = s.Sessions(ctx, other, c.ID)
	wantKind(t, err, models.ErrNotFound)
	for _, agent := range w.agents {
		if agent.UserID != member.UserID {
			_, err = s.Sessions(ctx, agent, c.ID)
			wantKind(t, err, models.ErrNotFound)
		}
	}
	if n := w.countAudit("support_session.record", got.ID); n != 1 {
		t.Fatalf("session audit events: %d", n)
	}
	v, err := s.ContractPage(ctx, w.buyer, c.ID)
	if err != nil || len(v.Sessions.Items) != 2 || !v.Sessions.CanRecord {
		t.Fatalf("the contract page's sessions: %+v %v", v.Sessions, err)
	}
	if v, err = s.ContractPage(ctx, member, c.ID); err != nil || v.Sessions.CanRecord {
		t.Fatalf("the member's contract page: %+v %v", v.Sessions, err)
	}
}

// An assigned supervisor (supervision.go assigns) sees the contract and
// records its sessions; another supervisor does not, and the assigned one
// stops once unassigned.
func TestSessionsOfAssignedSupervisors(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	c, _ := w.contracted()
	w.now = time.Date(2026, 6, 1, 2, 0, 0, 0, time.UTC)
	sup := w.staffUser("nn-supervisor", models.RoleSupervisor, "4501")
	idle := w.staffUser("xn-supervisor", models.RoleSupervisor, "450102")

	_, err := s.RecordSession(ctx, sup, c.ID, session("supervision", "2026-05-20", "2", 5))
	wantKind(t, err, models.ErrNotFound)
	if _, err := s.SetSupervisors(ctx, w.buyer, c.ID, models.SupervisorsInput{SupervisorIDs: []int64{sup.UserID}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecordSession(ctx, sup, c.ID, session("supervision", "2026-05-20", "2", 5)); err != nil {
		t.Fatalf("the assigned supervisor records: %v", err)
	}
	_, err = s.RecordSession(ctx, idle, c.ID, session("supervision", "2026-05-20", "2", 5))
	wantKind(t, err, models.ErrNotFound)
	v, err := s.ContractPage(ctx, sup, c.ID)
	if err != nil || !v.Sessions.CanRecord || len(v.Sessions.Items) != 1 {
		t.Fatalf("the supervisor's contract page: %+v %v", v.Sessions, err)
	}

	if _, err := s.SetSupervisors(ctx, w.buyer, c.ID, models.SupervisorsInput{}); err != nil {
		t.Fatal(err)
	}
	_, err = s.RecordSession(ctx, sup, c.ID, session("supervision", "2026-05-21", "2", 5))
	wantKind(t, err, models.ErrNotFound)
}
