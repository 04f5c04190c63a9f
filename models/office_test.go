package models_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"portal/models"
	"portal/models/blob"
	"portal/models/testdb"
	"portal/policy"
)

// contracted signs the standard tender's contract and returns it with the
// member of the contracted organisation.
func (w *world) contracted() (*models.Contract, *models.Actor) {
	w.t.Helper()
	tender := w.awarded()
	w.now = tender.AwardedAt.Add(20 * 24 * time.Hour)
	c, err := w.s.SignContract(w.ctx, w.buyer, tender.ID, []models.PlanLine{{Percent: 100, Condition: "signing"}})
	if err != nil {
		w.t.Fatal(err)
	}
	for i, id := range w.orgs {
		if id == c.OrganisationID {
			return c, w.agents[i]
		}
	}
	w.t.Fatal("no member of the contracted organisation")
	return nil, nil
}

// officeRoom creates a base of Xingning with one room.
func (w *world) officeRoom() (*models.OfficeBase, *models.OfficeRoom) {
	w.t.Helper()
	b, err := w.s.CreateBase(w.ctx, w.buyer, models.BaseInput{Name: "兴宁区社会组织孵化基地", Region: "450102", Address: "兴宁区民主路 1 号"})
	if err != nil {
		w.t.Fatal(err)
	}
	r, err := w.s.CreateRoom(w.ctx, w.buyer, b.ID, models.RoomInput{Name: "201 室", AreaM2: "35.5"})
	if err != nil {
		w.t.Fatal(err)
	}
	return b, r
}

func allocation(org int64, contract *int64, from, to string) models.AllocationInput {
	return models.AllocationInput{OrganisationID: org, ContractID: contract, From: from, To: to}
}

// wantFields fails unless err is 422 naming exactly the fields (in any
// order) with the codes given as field=code.
func wantFields(t *testing.T, err error, want ...string) {
	t.Helper()
	e := wantKind(t, err, models.ErrInvalid)
	var got []string
	for _, f := range e.Fields {
		got = append(got, f.Field+"="+f.Code)
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("fields %v, want %v", got, want)
	}
}

func TestOfficeBasesAndRooms(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	_, err := s.CreateBase(ctx, w.buyer, models.BaseInput{Name: " ", Region: "999999", Address: ""})
	wantFields(t, err, "name=required", "address=required", "region=region")
	_, err = s.CreateBase(ctx, w.buyer, models.BaseInput{Name: "南宁市基地", Region: "4501", Address: "南宁市"})
	wantKind(t, err, models.ErrForbidden)
	_, err = s.CreateBase(ctx, w.agents[0], models.BaseInput{Name: "基地", Region: "450102", Address: "某处"})
	wantKind(t, err, models.ErrForbidden)
	b, room := w.officeRoom()
	if room.AreaM2 != 3550 || room.AreaM2.String() != "35.5" {
		t.Fatalf("room area: %v", room.AreaM2)
	}
	for area, code := range map[json.Number]string{"": "required", "0": "between", "0.001": "decimal2", "35.555": "decimal2",
		"-1": "decimal2", "1e3": "decimal2", "10000.01": "between", "99999999999999999999": "between", "３５": "decimal2"} {
		_, err := s.CreateRoom(ctx, w.buyer, b.ID, models.RoomInput{Name: "新房间", AreaM2: area})
		wantFields(t, err, "area_m2="+code)
	}
	if r, err := s.CreateRoom(ctx, w.buyer, b.ID, models.RoomInput{Name: "大厅", AreaM2: "10000"}); err != nil || r.AreaM2.String() != "10000" {
		t.Fatalf("the largest room: %+v %v", r, err)
	}
	_, err = s.CreateRoom(ctx, w.buyer, b.ID, models.RoomInput{Name: "201 室", AreaM2: "20"})
	wantFields(t, err, "name=taken")

	// Another county's staff and the agencies see none of it.
	other := w.staffUser("xx-buyer", models.RoleProcurement, "450103")
	_, err = s.Base(ctx, other, b.ID)
	wantKind(t, err, models.ErrNotFound)
	_, err = s.CreateRoom(ctx, other, b.ID, models.RoomInput{Name: "301 室", AreaM2: "20"})
	wantKind(t, err, models.ErrNotFound)
	_, err = s.CreateAllocation(ctx, other, room.ID, allocation(w.orgs[0], nil, "2026-04-01", "2026-04-30"))
	wantKind(t, err, models.ErrNotFound)
	if list, err := s.Bases(ctx, other, models.BaseFilter{}, models.Page{}); err != nil || list.Total != 0 {
		t.Fatalf("another county's bases: %+v %v", list, err)
	}
	_, err = s.Bases(ctx, w.agents[0], models.BaseFilter{}, models.Page{})
	wantKind(t, err, models.ErrForbidden)
	// The city's staff reach the county's base.
	city := w.staffUser("nn-buyer", models.RoleProcurement, "4501")
	list, err := s.Bases(ctx, city, models.BaseFilter{Region: "450102"}, models.Page{})
	if err != nil || list.Total != 1 || list.Items[0].RoomCount != 2 {
		t.Fatalf("the city's list: %+v %v", list, err)
	}
	_, err = s.Bases(ctx, city, models.BaseFilter{Region: "45%"}, models.Page{})
	wantFields(t, err, "region=regioncode")
	if n := w.countAudit("office_room.create", room.ID); n != 1 {
		t.Fatalf("room audit events: %d", n)
	}
}

func TestOfficeAllocations(t *testing.T) {
	w := newWorld(t)
	s, ctx := w.s, w.ctx
	c, member := w.contracted()
	_, room := w.officeRoom()
	w.now = time.Date(2026, 5, 9, 17, 0, 0, 0, time.UTC) // 10 May in Beijing
	org := c.OrganisationID
	var another int64
	for _, id := range w.orgs {
		if id != org {
			another = id
		}
	}

	// Bad input, each named.
	pending, _ := orgRegister(t, s, "450102", "450102")
	_, err := s.CreateAllocation(ctx, w.buyer, room.ID, allocation(pending.Org.ID, nil, "2026-04-31", "2026"))
	wantFields(t, err, "organisation_id=office_org", "from=date", "to=date")
	_, err = s.CreateAllocation(ctx, w.buyer, room.ID, allocation(another, &c.ID, "1999-12-31", "2000-01-31"))
	wantFields(t, err, "contract_id=office_contract", "from=date_range")
	missing := int64(1 << 40)
	_, err = s.CreateAllocation(ctx, w.buyer, room.ID, allocation(missing, &missing, "2026-06-01", "2026-05-31"))
	wantFields(t, err, "organisation_id=office_org", "contract_id=office_contract", "to=office_to_before_from")
	_, err = s.CreateAllocation(ctx, w.buyer, room.ID, allocation(org, nil, "2026-06-01", "2029-06-01"))
	wantFields(t, err, "to=office_period")
	_, err = s.CreateAllocation(ctx, w.buyer, room.ID, models.AllocationInput{From: "2026-06-01", To: "2026-06-01"})
	wantFields(t, err, "organisation_id=required")
	_, err = s.CreateAllocation(ctx, w.buyer, missing, allocation(org, nil, "2026-06-01", "2026-06-30"))
	wantKind(t, err, models.ErrNotFound)

	// One day is an allocation; the last day of one overlaps the first of
	// the next; adjacent ranges both succeed.
	a1, err := s.CreateAllocation(ctx, w.buyer, room.ID, allocation(org, &c.ID, "2026-04-01", "2026-06-30"))
	if err != nil || a1.HeldTo == nil || *a1.HeldTo != "2026-06-30" || a1.OrganisationName == "" || a1.ContractNumber != c.Number {
		t.Fatalf("first allocation: %+v %v", a1, err)
	}
	_, err = s.CreateAllocation(ctx, w.buyer, room.ID, allocation(another, nil, "2026-06-30", "2026-07-31"))
	e := wantKind(t, err, models.ErrConflict)
	if !strings.Contains(e.Detail, fmt.Sprintf("allocation %d to %s, 2026-04-01 – 2026-06-30", a1.ID, a1.OrganisationName)) ||
		len(e.Fields) != 1 || e.Fields[0].Field != "from" {
		t.Fatalf("the conflict does not name the allocation in the way: %+v", e)
	}
	_, err = s.CreateAllocation(ctx, w.buyer, room.ID, allocation(another, nil, "2026-01-01", "2026-12-31"))
	wantKind(t, err, models.ErrConflict)
	a2, err := s.CreateAllocation(ctx, w.buyer, room.ID, allocation(another, nil, "2026-07-01", "2026-07-01"))
	if err != nil {
		t.Fatalf("the next day: %v", err)
	}
	if _, err := s.CreateAllocation(ctx, w.buyer, room.ID, allocation(another, nil, "2026-03-01", "2026-03-31")); err != nil {
		t.Fatalf("the days before: %v", err)
	}

	// Ending frees the room from today; the days held before stay held.
	ended, err := s.EndAllocation(ctx, w.buyer, a1.ID)
	if err != nil || ended.Status != models.AllocationEnded || ended.HeldTo == nil || *ended.HeldTo != "2026-05-09" || ended.EndedAt == nil {
		t.Fatalf("ended: %+v %v", ended, err)
	}
	_, err = s.EndAllocation(ctx, w.buyer, a1.ID)
	wantKind(t, err, models.ErrConflict)
	_, err = s.CreateAllocation(ctx, w.buyer, room.ID, allocation(another, nil, "2026-05-09", "2026-05-20"))
	wantKind(t, err, models.ErrConflict)
	if _, err := s.CreateAllocation(ctx, w.buyer, room.ID, allocation(another, nil, "2026-05-10", "2026-06-30")); err != nil {
		t.Fatalf("allocating the freed days: %v", err)
	}
	// An allocation ended before its first day holds nothing.
	up, err := s.EndAllocation(ctx, w.buyer, a2.ID)
	if err != nil || up.HeldTo != nil {
		t.Fatalf("ending an upcoming allocation: %+v %v", up, err)
	}
	if _, err := s.CreateAllocation(ctx, w.buyer, room.ID, allocation(org, nil, "2026-07-01", "2026-07-31")); err != nil {
		t.Fatalf("allocating the days of an ended upcoming allocation: %v", err)
	}
	other := w.staffUser("xx-buyer", models.RoleProcurement, "450103")
	_, err = s.EndAllocation(ctx, other, a2.ID)
	wantKind(t, err, models.ErrNotFound)
	_, err = s.EndAllocation(ctx, member, a2.ID)
	wantKind(t, err, models.ErrNotFound)
	if n := w.countAudit("office_allocation.end", a1.ID) + w.countAudit("office_allocation.create", a1.ID); n != 2 {
		t.Fatalf("allocation audit events: %d", n)
	}

	// The base shows every allocation; the contract's page the contract's,
	// to its organisation's members too.
	b, err := s.Base(ctx, w.buyer, room.BaseID)
	if err != nil || len(b.Rooms) != 1 || len(b.Rooms[0].Allocations) != 5 {
		t.Fatalf("base: %+v %v", b, err)
	}
	v, err := s.ContractPage(ctx, member, c.ID)
	if err != nil || len(v.Office.Allocations) != 1 || v.Office.Allocations[0].ID != a1.ID || v.Office.Allocations[0].Base.Name == "" || v.Office.Manage {
		t.Fatalf("the contract's office space: %+v %v", v.Office, err)
	}
}

// Twenty requests for overlapping days of one room at once: exactly one is
// allocated, the others are 409, on both databases.
func TestOfficeAllocationRace(t *testing.T) {
	w := newWorld(t)
	_, room := w.officeRoom()
	const n = 20
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			from := time.Date(2026, 4, 1+i, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
			_, errs[i] = w.s.CreateAllocation(w.ctx, w.buyer, room.ID, allocation(w.orgs[i%3], nil, from, "2026-04-30"))
		}()
	}
	wg.Wait()
	created, conflicts := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			created++
		case errors.Is(err, models.ErrConflict):
			conflicts++
			if e, _ := models.AsError(err); !strings.Contains(e.Detail, "allocation ") {
				t.Errorf("a conflict that names no allocation: %v", err)
			}
		default:
			t.Errorf("unexpected: %v", err)
		}
	}
	if created != 1 || conflicts != n-1 {
		t.Fatalf("%d allocated, %d conflicts", created, conflicts)
	}
	var rows int64
	w.s.DB.Model(&models.OfficeAllocation{}).Count(&rows)
	if rows != 1 {
		t.Fatalf("%d allocations stored", rows)
	}
}

// On PostgreSQL the database itself refuses overlapping held days, whoever
// writes them; ended (unheld) rows do not count.
func TestOfficeExclusionConstraint(t *testing.T) {
	w := newWorld(t)
	if w.s.Dialect != models.Postgres {
		t.Skip("the exclusion constraint is PostgreSQL's; SQLite checks in the immediate transaction")
	}
	_, room := w.officeRoom()
	insert := func(from, to string, held any) error {
		return w.s.DB.Exec(`INSERT INTO office_allocations (room_id, organisation_id, from_on, to_on, held_to, status, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, 'active', ?, ?)`, room.ID, w.orgs[0], from, to, held, w.buyer.UserID, w.now).Error
	}
	if err := insert("2026-04-01", "2026-04-30", "2026-04-30"); err != nil {
		t.Fatal(err)
	}
	if err := insert("2026-04-30", "2026-05-31", "2026-05-31"); err == nil || !strings.Contains(err.Error(), "23P01") {
		t.Fatalf("an overlapping row: %v", err)
	}
	if err := insert("2026-04-15", "2026-05-31", nil); err != nil {
		t.Fatalf("a row that holds no day: %v", err)
	}
	if err := insert("2026-05-01", "2026-05-31", "2026-05-31"); err != nil {
		t.Fatalf("an adjacent row: %v", err)
	}
}

// The portal's runtime role (no DDL, see testdb.RuntimeRole) allocates
// under the exclusion constraint the owner's migration made, and a race
// lost to it is the same 409 (PostgreSQL).
func TestOfficeAllocationAsRuntimeRole(t *testing.T) {
	owner, _ := testdb.Open(t)
	rt := testdb.RuntimeRole(t, owner)
	authz, err := policy.New(rt)
	if err != nil {
		t.Fatal(err)
	}
	s := models.NewStore(rt, models.Postgres, authz)
	s.Files, s.Sealer = blob.NewDir(t.TempDir()), models.RandomSealer()
	ctx := t.Context()
	if _, err := s.EnsureAdmin(ctx, "admin-password-1"); err != nil {
		t.Fatal(err)
	}
	admin := actorFor(t, s, "admin")
	buyer := orgStaffActor(t, s, admin, "xn-buyer", models.RoleProcurement, "450102")
	v, _ := orgRegister(t, s, "450102", "450102")
	if _, err := s.ChangeOrganisationStatus(ctx, buyer, v.Org.ID, models.OrgVerify, models.OrgStatusChange{}); err != nil {
		t.Fatal(err)
	}
	b, err := s.CreateBase(ctx, buyer, models.BaseInput{Name: "基地", Region: "450102", Address: "民主路 1 号"})
	if err != nil {
		t.Fatal(err)
	}
	room, err := s.CreateRoom(ctx, buyer, b.ID, models.RoomInput{Name: "101", AreaM2: "20"})
	if err != nil {
		t.Fatal(err)
	}
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.CreateAllocation(ctx, buyer, room.ID, allocation(v.Org.ID, nil, "2026-04-01", "2026-04-30"))
		}()
	}
	wg.Wait()
	created := 0
	for _, err := range errs {
		if err == nil {
			created++
		} else if !errors.Is(err, models.ErrConflict) {
			t.Fatalf("as the runtime role: %v", err)
		}
	}
	if created != 1 {
		t.Fatalf("%d allocations made", created)
	}
}
