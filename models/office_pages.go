package models

import (
	"context"
	"time"
)

// The read models of the office space pages and of the contract page's
// office and support sections.

// maxChoices bounds the organisations and contracts a form offers.
const maxChoices = 500

// BaseView is a base's page: its rooms with who holds each when, and the
// choices of the allocation form.
type BaseView struct {
	Base          *OfficeBase
	Today         Day
	Organisations []Organisation // verified, in the caller's reach, by name
	Contracts     []Contract     // in reach, with their organisation's name
	Now           time.Time
}

// BasePage reads a base's page.
func (s *Store) BasePage(ctx context.Context, a *Actor, id int64) (*BaseView, error) {
	v := &BaseView{}
	err := s.read(ctx, func(r *Store) error {
		var err error
		if v.Base, err = r.Base(ctx, a, id); err != nil {
			return err
		}
		v.Now, v.Today = r.now(), Day(r.orgToday())
		db := r.DB.WithContext(ctx)
		regions := a.Regions("office:manage")
		if err := regionScope(db.Select("id, name, region_code"), "region_code", regions).Where("status = ?", OrgVerified).
			Order("name, id").Limit(maxChoices).Find(&v.Organisations).Error; err != nil {
			return err
		}
		if err := regionScope(db.Select("id, number, organisation_id, region_code"), "region_code", regions).
			Where("status NOT IN ?", []string{ContractAccepted, ContractTerminated}).
			Order("id DESC").Limit(maxChoices).Find(&v.Contracts).Error; err != nil {
			return err
		}
		ids := make([]int64, len(v.Contracts))
		for i, c := range v.Contracts {
			ids[i] = c.OrganisationID
		}
		names, err := r.orgNames(db, ids)
		for i := range v.Contracts {
			v.Contracts[i].OrganisationName = names[v.Contracts[i].OrganisationID]
		}
		return err
	})
	return v, err
}

// ContractOffice is the office space allocated under a contract, on its
// page: the organisation's members see where and when they hold a room.
type ContractOffice struct {
	Allocations []OfficeAllocation // each with its Room and Base
	Today       Day
	Manage      bool // the caller runs bases of the contract's region
}

// contractOffice reads the allocations made under contract c.
func (s *Store) contractOffice(ctx context.Context, a *Actor, c *Contract) (*ContractOffice, error) {
	v := &ContractOffice{Today: Day(s.orgToday()), Manage: a.Can("office:manage", c.RegionCode), Allocations: []OfficeAllocation{}}
	db := s.DB.WithContext(ctx)
	if err := db.Where("contract_id = ?", c.ID).Order("from_on, id").Find(&v.Allocations).Error; err != nil {
		return nil, err
	}
	if len(v.Allocations) == 0 {
		return v, nil
	}
	if err := s.nameAllocations(db, v.Allocations); err != nil {
		return nil, err
	}
	roomIDs := make([]int64, len(v.Allocations))
	for i, al := range v.Allocations {
		roomIDs[i] = al.RoomID
	}
	var rooms []OfficeRoom
	if err := db.Where("id IN ?", roomIDs).Find(&rooms).Error; err != nil {
		return nil, err
	}
	baseIDs := make([]int64, len(rooms))
	for i, rm := range rooms {
		baseIDs[i] = rm.BaseID
	}
	var bases []OfficeBase
	if err := db.Where("id IN ?", baseIDs).Find(&bases).Error; err != nil {
		return nil, err
	}
	roomOf, baseOf := map[int64]*OfficeRoom{}, map[int64]*OfficeBase{}
	for i := range rooms {
		roomOf[rooms[i].ID] = &rooms[i]
	}
	for i := range bases {
		baseOf[bases[i].ID] = &bases[i]
	}
	for i := range v.Allocations {
		if rm := roomOf[v.Allocations[i].RoomID]; rm != nil {
			v.Allocations[i].Room, v.Allocations[i].Base = rm, baseOf[rm.BaseID]
		}
	}
	return v, nil
}

// ContractSessions are a contract's support sessions, on its page (its
// supervisors are in the supervision section).
type ContractSessions struct {
	Items     []SupportSession
	Kinds     []string
	CanRecord bool // the caller may record a session
	Today     Day
}

// contractSessions reads contract c's support sessions.
func (s *Store) contractSessions(ctx context.Context, a *Actor, c *Contract) (*ContractSessions, error) {
	v := &ContractSessions{Kinds: SessionKinds, Today: Day(s.orgToday())}
	var err error
	if v.Items, err = s.Sessions(ctx, a, c.ID); err != nil {
		return nil, err
	}
	v.CanRecord, err = s.mayRecordSession(s.DB.WithContext(ctx), a, c)
	return v, err
}
