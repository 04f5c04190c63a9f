package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Office space (办公场所): incubation bases (孵化基地) of a region with rooms,
// and allocations of a room to an organisation (and one of its contracts)
// for inclusive days. One room is never held twice on one day.
//
// Ending an allocation keeps it as history: from today on the room is
// free, so the allocation now holds the room up to yesterday (HeldTo), or
// not at all when it had not begun. Only held days block a new allocation.

// Bounds of office space.
const (
	// maxRoomArea: no room of an incubation base is larger than this.
	maxRoomArea Hundredths = 10_000_00
	// maxAllocationYears: an allocation runs as long as the longest
	// service (maxServiceYears) at most.
	maxAllocationYears = maxServiceYears
)

// Allocation statuses and lifecycle: an allocation is made active and may
// be ended once.
const (
	AllocationActive = "active"
	AllocationEnded  = "ended"
)

var allocationLifecycle = &Lifecycle{Object: "allocation", Key: "err.allocation_ended", Events: map[string]map[string]string{
	"end": {AllocationActive: AllocationEnded},
}}

// OfficeBase is an incubation base (孵化基地) of a region.
type OfficeBase struct {
	ID         int64        `json:"id" gorm:"primaryKey"`
	Name       string       `json:"name"`
	RegionCode string       `json:"region"`
	Address    string       `json:"address"`
	CreatedBy  int64        `json:"-"`
	CreatedAt  time.Time    `json:"created_at"`
	Rooms      []OfficeRoom `json:"rooms" gorm:"-"`
	// RoomCount is the number of its rooms, in the list of bases.
	RoomCount int `json:"room_count" gorm:"-"`
}

// TableName of OfficeBase.
func (OfficeBase) TableName() string { return "office_bases" }

// OfficeRoom is a room of a base.
type OfficeRoom struct {
	ID          int64              `json:"id" gorm:"primaryKey"`
	BaseID      int64              `json:"base_id"`
	Name        string             `json:"name"`
	AreaM2      Hundredths         `json:"area_m2" gorm:"column:area_centi"`
	CreatedAt   time.Time          `json:"created_at"`
	Allocations []OfficeAllocation `json:"allocations" gorm:"-"`
}

// TableName of OfficeRoom.
func (OfficeRoom) TableName() string { return "office_rooms" }

// OfficeAllocation gives a room to an organisation for the days From..To
// (inclusive). HeldTo is the last day it holds the room: To while active,
// the day before it was ended once ended (nil: ended before its first day).
type OfficeAllocation struct {
	ID               int64      `json:"id" gorm:"primaryKey"`
	RoomID           int64      `json:"room_id"`
	OrganisationID   int64      `json:"organisation_id"`
	ContractID       *int64     `json:"contract_id"`
	From             Day        `json:"from" gorm:"column:from_on"`
	To               Day        `json:"to" gorm:"column:to_on"`
	HeldTo           *Day       `json:"held_to"`
	Status           string     `json:"status"`
	CreatedBy        int64      `json:"-"`
	CreatedAt        time.Time  `json:"created_at"`
	EndedBy          *int64     `json:"-"`
	EndedAt          *time.Time `json:"ended_at"`
	OrganisationName string     `json:"organisation_name" gorm:"-"`
	ContractNumber   string     `json:"contract_number,omitempty" gorm:"-"`
	// The room and its base, on a contract's page.
	Room *OfficeRoom `json:"room,omitempty" gorm:"-"`
	Base *OfficeBase `json:"base,omitempty" gorm:"-"`
}

// TableName of OfficeAllocation.
func (OfficeAllocation) TableName() string { return "office_allocations" }

// Phase is where the allocation stands on day today: "upcoming",
// "current", "past" or, once ended, "ended".
func (al OfficeAllocation) Phase(today Day) string {
	switch {
	case al.Status == AllocationEnded:
		return AllocationEnded
	case today < al.From:
		return "upcoming"
	case today > al.To:
		return "past"
	}
	return "current"
}

// Held is the last day held, "" when none (ended before its first day).
func (al OfficeAllocation) Held() string {
	if al.HeldTo == nil {
		return ""
	}
	return string(*al.HeldTo)
}

// BaseInput is the body of POST /bases.
type BaseInput struct {
	Name    string `json:"name" form:"name" validate:"max=200"`
	Region  string `json:"region" form:"region"`
	Address string `json:"address" form:"address" validate:"max=500"`
}

// RoomInput is the body of POST /bases/{id}/rooms.
type RoomInput struct {
	Name   string      `json:"name" form:"name" validate:"max=100"`
	AreaM2 json.Number `json:"area_m2" form:"area_m2" validate:"max=40"`
}

// AllocationInput is the body of POST /rooms/{id}/allocations.
type AllocationInput struct {
	OrganisationID int64  `json:"organisation_id"`
	ContractID     *int64 `json:"contract_id"`
	From           string `json:"from" validate:"max=40"`
	To             string `json:"to" validate:"max=40"`
	// BaseID, when set (the base's page), is the base the room must be in.
	BaseID int64 `json:"-"`
}

// CreateBase adds an incubation base in a region the caller's office
// grant reaches.
func (s *Store) CreateBase(ctx context.Context, a *Actor, in BaseInput) (*OfficeBase, error) {
	if !a.CanAnywhere("office:manage") {
		return nil, a.require("office:manage", RootRegion)
	}
	in.Name, in.Region, in.Address = strings.TrimSpace(in.Name), strings.TrimSpace(in.Region), strings.TrimSpace(in.Address)
	var fe []FieldError
	if in.Name == "" {
		fe = append(fe, Field("name", "required", ""))
	}
	if in.Address == "" {
		fe = append(fe, Field("address", "required", ""))
	}
	if in.Region == "" {
		fe = append(fe, Field("region", "required", ""))
	} else if _, err := s.Region(ctx, in.Region); err != nil {
		fe = append(fe, Field("region", "region", ""))
	}
	if len(fe) > 0 {
		return nil, Invalid(fe...)
	}
	if err := a.require("office:manage", in.Region); err != nil {
		return nil, err
	}
	b := &OfficeBase{Name: in.Name, RegionCode: in.Region, Address: in.Address, CreatedBy: a.UserID, CreatedAt: s.now(), Rooms: []OfficeRoom{}}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(b).Error; err != nil {
			return err
		}
		return s.audit(tx, a, "office_base.create", "office_base", b.ID, b.RegionCode, nil, b)
	})
	return b, err
}

// BaseFilter narrows the list of bases.
type BaseFilter struct {
	Region string
}

// basesQuery is the list of bases with f, in a's reach.
func basesQuery(db *gorm.DB, a *Actor, f BaseFilter) (*gorm.DB, error) {
	if !a.CanAnywhere("office:manage") {
		return nil, a.require("office:manage", RootRegion)
	}
	f.Region = strings.TrimSpace(f.Region)
	if f.Region != "" && !regionRe.MatchString(f.Region) {
		return nil, Invalid(Field("region", "regioncode", ""))
	}
	q := regionScope(db.Model(&OfficeBase{}), "region_code", a.Regions("office:manage"))
	if f.Region != "" {
		q = regionStarts(q, "region_code", f.Region)
	}
	return q, nil
}

// Bases lists the bases in the caller's reach, with their room counts.
func (s *Store) Bases(ctx context.Context, a *Actor, f BaseFilter, p Page) (List[OfficeBase], error) {
	p = p.Normalise()
	out := List[OfficeBase]{Items: []OfficeBase{}, Page: p.Page, PerPage: p.PerPage}
	db := s.DB.WithContext(ctx)
	q, err := basesQuery(db, a, f)
	if err != nil {
		return out, err
	}
	if err := q.Count(&out.Total).Error; err != nil {
		return out, err
	}
	if err := q.Order("region_code, name, id").Offset(p.offset()).Limit(p.PerPage).Find(&out.Items).Error; err != nil {
		return out, err
	}
	ids := make([]int64, len(out.Items))
	for i, b := range out.Items {
		ids[i] = b.ID
	}
	var counts []struct {
		BaseID int64
		N      int
	}
	if len(ids) > 0 {
		if err := db.Model(&OfficeRoom{}).Select("base_id, COUNT(*) AS n").Where("base_id IN ?", ids).Group("base_id").Scan(&counts).Error; err != nil {
			return out, err
		}
	}
	n := map[int64]int{}
	for _, c := range counts {
		n[c.BaseID] = c.N
	}
	for i := range out.Items {
		out.Items[i].RoomCount = n[out.Items[i].ID]
	}
	return out, nil
}

// managedBase loads a base in the caller's reach; 404 otherwise.
func (s *Store) managedBase(db *gorm.DB, a *Actor, id int64) (*OfficeBase, error) {
	var b OfficeBase
	if err := db.First(&b, id).Error; err != nil {
		return nil, notFound(err, "base")
	}
	if !a.Can("office:manage", b.RegionCode) {
		return nil, Fail(ErrNotFound, "err.not_found", "base not found")
	}
	return &b, nil
}

// managedRoom loads a room and its base in the caller's reach; 404
// otherwise.
func (s *Store) managedRoom(db *gorm.DB, a *Actor, id int64) (*OfficeRoom, *OfficeBase, error) {
	var r OfficeRoom
	if err := db.First(&r, id).Error; err != nil {
		return nil, nil, notFound(err, "room")
	}
	b, err := s.managedBase(db, a, r.BaseID)
	if err != nil {
		return nil, nil, Fail(ErrNotFound, "err.not_found", "room not found")
	}
	return &r, b, nil
}

// Base returns a base with its rooms and every allocation of each (ended
// ones too, as history), oldest first.
func (s *Store) Base(ctx context.Context, a *Actor, id int64) (*OfficeBase, error) {
	db := s.DB.WithContext(ctx)
	b, err := s.managedBase(db, a, id)
	if err != nil {
		return nil, err
	}
	b.Rooms = []OfficeRoom{}
	if err := db.Where("base_id = ?", b.ID).Order("name, id").Find(&b.Rooms).Error; err != nil {
		return nil, err
	}
	var als []OfficeAllocation
	if err := db.Joins("JOIN office_rooms r ON r.id = office_allocations.room_id").Where("r.base_id = ?", b.ID).
		Order("office_allocations.from_on, office_allocations.id").Find(&als).Error; err != nil {
		return nil, err
	}
	if err := s.nameAllocations(db, als); err != nil {
		return nil, err
	}
	at := map[int64]int{}
	for i := range b.Rooms {
		b.Rooms[i].Allocations = []OfficeAllocation{}
		at[b.Rooms[i].ID] = i
	}
	for _, al := range als {
		i := at[al.RoomID]
		b.Rooms[i].Allocations = append(b.Rooms[i].Allocations, al)
	}
	return b, nil
}

// nameAllocations fills each allocation's organisation name and contract
// number.
func (s *Store) nameAllocations(db *gorm.DB, als []OfficeAllocation) error {
	var orgIDs, contractIDs []int64
	for _, al := range als {
		orgIDs = append(orgIDs, al.OrganisationID)
		if al.ContractID != nil {
			contractIDs = append(contractIDs, *al.ContractID)
		}
	}
	names, err := s.orgNames(db, orgIDs)
	if err != nil {
		return err
	}
	numbers := map[int64]string{}
	if len(contractIDs) > 0 {
		var cs []Contract
		if err := db.Select("id, number").Where("id IN ?", contractIDs).Find(&cs).Error; err != nil {
			return err
		}
		for _, c := range cs {
			numbers[c.ID] = c.Number
		}
	}
	for i := range als {
		als[i].OrganisationName = names[als[i].OrganisationID]
		if als[i].ContractID != nil {
			als[i].ContractNumber = numbers[*als[i].ContractID]
		}
	}
	return nil
}

// namedAllocation is al with its organisation's name and contract's
// number, as a change answers it.
func (s *Store) namedAllocation(ctx context.Context, al *OfficeAllocation) (*OfficeAllocation, error) {
	list := []OfficeAllocation{*al}
	if err := s.nameAllocations(s.DB.WithContext(ctx), list); err != nil {
		return nil, err
	}
	return &list[0], nil
}

// CreateRoom adds a room to a base in the caller's reach. Room names are
// unique within a base.
func (s *Store) CreateRoom(ctx context.Context, a *Actor, baseID int64, in RoomInput) (*OfficeRoom, error) {
	var r *OfficeRoom
	err := s.tx(ctx, func(tx *gorm.DB) error {
		b, err := s.managedBase(tx, a, baseID)
		if err != nil {
			return err
		}
		var fe []FieldError
		name := strings.TrimSpace(in.Name)
		if name == "" {
			fe = append(fe, Field("name", "required", ""))
		} else {
			var n int64
			if err := tx.Model(&OfficeRoom{}).Where("base_id = ? AND name = ?", b.ID, name).Count(&n).Error; err != nil {
				return err
			}
			if n > 0 {
				fe = append(fe, Field("name", "taken", ""))
			}
		}
		area, f := parseHundredths("area_m2", in.AreaM2, maxRoomArea)
		if f != nil {
			fe = append(fe, *f)
		}
		if len(fe) > 0 {
			return Invalid(fe...)
		}
		r = &OfficeRoom{BaseID: b.ID, Name: name, AreaM2: area, CreatedAt: s.now(), Allocations: []OfficeAllocation{}}
		if err := tx.Create(r).Error; err != nil {
			return err
		}
		return s.audit(tx, a, "office_room.create", "office_room", r.ID, b.RegionCode, nil, r)
	})
	return r, err
}

// checkAllocation reads the allocation's organisation, contract and days:
// a verified organisation in the caller's reach, a contract of that
// organisation in reach, and days within the bounds.
func (s *Store) checkAllocation(tx *gorm.DB, a *Actor, in AllocationInput) ([]FieldError, error) {
	var fe []FieldError
	if in.OrganisationID <= 0 {
		fe = append(fe, Field("organisation_id", "required", ""))
	} else {
		var o Organisation
		err := tx.Select("id, region_code, status").First(&o, in.OrganisationID).Error
		if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, err
		}
		if err != nil || o.Status != OrgVerified || !a.Can("office:manage", o.RegionCode) {
			fe = append(fe, Field("organisation_id", "office_org", ""))
		}
	}
	if in.ContractID != nil {
		var c Contract
		err := tx.Select("id, organisation_id, region_code").First(&c, *in.ContractID).Error
		if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, err
		}
		if err != nil || c.OrganisationID != in.OrganisationID || !a.Can("office:manage", c.RegionCode) {
			fe = append(fe, Field("contract_id", "office_contract", ""))
		}
	}
	today, _ := parseDate(s.orgToday())
	latest := today.AddDate(serviceStartYearsAhead, 0, 0)
	from, okFrom := parseDate(strings.TrimSpace(in.From))
	to, okTo := parseDate(strings.TrimSpace(in.To))
	switch {
	case !okFrom:
		fe = append(fe, Field("from", "date", ""))
	case from.Before(earliestServiceStart) || from.After(latest):
		fe = append(fe, Field("from", "date_range", dateRange(earliestServiceStart, latest)))
	}
	switch {
	case !okTo:
		fe = append(fe, Field("to", "date", ""))
	case okFrom && to.Before(from):
		fe = append(fe, Field("to", "office_to_before_from", ""))
	case okFrom && !to.Before(from.AddDate(maxAllocationYears, 0, 0)):
		fe = append(fe, Field("to", "office_period", strconv.Itoa(maxAllocationYears)))
	}
	return fe, nil
}

// overlapping finds a live allocation of the room holding a day of
// from..to, the earliest first (nil: none).
func overlapping(db *gorm.DB, roomID int64, from, to Day) (*OfficeAllocation, error) {
	var als []OfficeAllocation
	if err := db.Where("room_id = ? AND held_to IS NOT NULL AND from_on <= ? AND held_to >= ?", roomID, to, from).
		Order("from_on, id").Limit(1).Find(&als).Error; err != nil {
		return nil, err
	}
	if len(als) == 0 {
		return nil, nil
	}
	return &als[0], nil
}

// overlapConflict is the 409 that names the allocation in the way: its id,
// organisation and held days (also next to the form's first day).
func (s *Store) overlapConflict(db *gorm.DB, other *OfficeAllocation) error {
	names, err := s.orgNames(db, []int64{other.OrganisationID})
	if err != nil {
		return err
	}
	what := fmt.Sprintf("%s, %s – %s (#%d)", names[other.OrganisationID], other.From, *other.HeldTo, other.ID)
	return &Error{Kind: ErrConflict, Key: "err.allocation_overlap",
		Detail: fmt.Sprintf("the room is allocated on overlapping days: allocation %d to %s, %s – %s", other.ID, names[other.OrganisationID], other.From, *other.HeldTo),
		Fields: []FieldError{Field("from", "allocation_overlap", what)}}
}

// isExclusionViolation reports PostgreSQL's refusal of an overlapping
// allocation by the exclusion constraint (SQLSTATE 23P01).
func isExclusionViolation(err error) bool {
	return err != nil && strings.Contains(err.Error(), "SQLSTATE 23P01")
}

// allocatedRoom is the room of an allocation and its base. Given the base
// (a base's page, choosing among its rooms), a room not in it is no room
// (nil) for the form to name, and only the base must be in reach.
func (s *Store) allocatedRoom(tx *gorm.DB, a *Actor, roomID, baseID int64) (*OfficeRoom, *OfficeBase, error) {
	if baseID == 0 {
		return s.managedRoom(tx, a, roomID)
	}
	b, err := s.managedBase(tx, a, baseID)
	if err != nil {
		return nil, nil, err
	}
	var rooms []OfficeRoom
	if err := tx.Where("id = ? AND base_id = ?", roomID, b.ID).Limit(1).Find(&rooms).Error; err != nil {
		return nil, nil, err
	}
	if len(rooms) == 0 {
		return nil, b, nil
	}
	return &rooms[0], b, nil
}

// CreateAllocation gives a room to an organisation for inclusive days. A
// day already held by another allocation of the room is a 409 naming it:
// on SQLite the check below runs inside the immediate (serialised) write
// transaction; on PostgreSQL, whose transactions may run side by side, the
// exclusion constraint refuses the second of two concurrent ones and the
// refusal is answered the same way.
func (s *Store) CreateAllocation(ctx context.Context, a *Actor, roomID int64, in AllocationInput) (*OfficeAllocation, error) {
	var al *OfficeAllocation
	from, to := Day(strings.TrimSpace(in.From)), Day(strings.TrimSpace(in.To))
	err := s.tx(ctx, func(tx *gorm.DB) error {
		room, base, err := s.allocatedRoom(tx, a, roomID, in.BaseID)
		if err != nil {
			return err
		}
		if room != nil && s.Dialect == Postgres {
			// The exclusion constraint refuses overlapping allocations, but
			// two inserted at once can deadlock on it (each waits for the
			// other's row). The room's row lock puts them in order: the
			// second reads the first's allocation below and is refused.
			if err := tx.Exec("SELECT id FROM office_rooms WHERE id = ? FOR UPDATE", room.ID).Error; err != nil {
				return err
			}
		}
		fe, err := s.checkAllocation(tx, a, in)
		if err != nil {
			return err
		}
		if room == nil {
			fe = append(fe, Field("room_id", "office_room", ""))
		}
		if len(fe) > 0 {
			return Invalid(fe...)
		}
		other, err := overlapping(tx, room.ID, from, to)
		if err != nil {
			return err
		}
		if other != nil {
			return s.overlapConflict(tx, other)
		}
		held := to
		al = &OfficeAllocation{RoomID: room.ID, OrganisationID: in.OrganisationID, ContractID: in.ContractID, From: from, To: to,
			HeldTo: &held, Status: AllocationActive, CreatedBy: a.UserID, CreatedAt: s.now()}
		if err := tx.Create(al).Error; err != nil {
			return err
		}
		return s.audit(tx, a, "office_allocation.create", "office_allocation", al.ID, base.RegionCode, nil, al)
	})
	if isExclusionViolation(err) {
		db := s.DB.WithContext(ctx)
		other, rerr := overlapping(db, roomID, from, to)
		if rerr != nil {
			return nil, rerr
		}
		if other != nil {
			return nil, s.overlapConflict(db, other)
		}
		return nil, Fail(ErrConflict, "err.allocation_overlap", "the room is allocated on overlapping days")
	}
	if err != nil {
		return nil, err
	}
	return s.namedAllocation(ctx, al)
}

// Allocation returns an allocation, with its room, in the caller's reach;
// 404 otherwise.
func (s *Store) Allocation(ctx context.Context, a *Actor, id int64) (*OfficeAllocation, error) {
	db := s.DB.WithContext(ctx)
	var al OfficeAllocation
	if err := db.First(&al, id).Error; err != nil {
		return nil, notFound(err, "allocation")
	}
	room, _, err := s.managedRoom(db, a, al.RoomID)
	if err != nil {
		return nil, Fail(ErrNotFound, "err.not_found", "allocation not found")
	}
	al.Room = room
	return s.namedAllocation(ctx, &al)
}

// EndAllocation ends an active allocation as of today (Beijing): the room
// is free from today, the allocation keeps the days it held before. Its
// row stays, as the record of who held the room when.
func (s *Store) EndAllocation(ctx context.Context, a *Actor, id int64) (*OfficeAllocation, error) {
	var al OfficeAllocation
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.First(&al, id).Error; err != nil {
			return notFound(err, "allocation")
		}
		_, base, err := s.managedRoom(tx, a, al.RoomID)
		if err != nil {
			return Fail(ErrNotFound, "err.not_found", "allocation not found")
		}
		to, err := allocationLifecycle.Next("end", al.Status)
		if err != nil {
			return err
		}
		before := al
		now := s.now()
		yesterday := Day(s.orgToday()).addDays(-1)
		var held any // NULL: ended before its first day
		al.HeldTo = nil
		if yesterday >= al.From {
			h := min(al.To, yesterday)
			held, al.HeldTo = string(h), &h
		}
		al.Status, al.EndedAt, al.EndedBy = to, &now, &a.UserID
		if err := tx.Model(&OfficeAllocation{}).Where("id = ?", al.ID).
			Updates(map[string]any{"status": to, "held_to": held, "ended_at": now, "ended_by": a.UserID}).Error; err != nil {
			return err
		}
		return s.audit(tx, a, "office_allocation.end", "office_allocation", al.ID, base.RegionCode, before, al)
	})
	if err != nil {
		return nil, err
	}
	return s.namedAllocation(ctx, &al)
}
