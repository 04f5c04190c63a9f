package models

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"gorm.io/gorm"
)

// Supervisors assigned to a contract by the procurement staff of its
// region. An assigned supervisor (whose grant must reach the contract's
// region) sees the contract and records its support sessions.

// maxSupervisors bounds the supervisors of one contract.
const maxSupervisors = 20

// ContractSupervisor is a supervisor assigned to a contract.
type ContractSupervisor struct {
	ContractID  int64     `json:"-"`
	UserID      int64     `json:"id"`
	Username    string    `json:"username" gorm:"-"`
	DisplayName string    `json:"display_name" gorm:"-"`
	AssignedBy  int64     `json:"-"`
	AssignedAt  time.Time `json:"assigned_at"`
}

// TableName of ContractSupervisor.
func (ContractSupervisor) TableName() string { return "contract_supervisors" }

// assigned reports whether the caller is a supervisor assigned to the
// contract of region, its grant still reaching that region.
func (s *Store) assigned(db *gorm.DB, a *Actor, contractID int64, region string) (bool, error) {
	if !a.SignedIn() || !a.Can("support:supervise", region) {
		return false, nil
	}
	var n int64
	err := db.Model(&ContractSupervisor{}).Where("contract_id = ? AND user_id = ?", contractID, a.UserID).Count(&n).Error
	return n > 0, err
}

// contractSupervisors lists a contract's supervisors with their names.
func (s *Store) contractSupervisors(db *gorm.DB, contractID int64) ([]ContractSupervisor, error) {
	out := []ContractSupervisor{}
	if err := db.Where("contract_id = ?", contractID).Order("user_id").Find(&out).Error; err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return out, nil
	}
	ids := make([]int64, len(out))
	for i, cs := range out {
		ids[i] = cs.UserID
	}
	var users []User
	if err := db.Select("id, username, display_name").Where("id IN ?", ids).Find(&users).Error; err != nil {
		return nil, err
	}
	for _, u := range users {
		i := slices.IndexFunc(out, func(cs ContractSupervisor) bool { return cs.UserID == u.ID })
		out[i].Username, out[i].DisplayName = u.Username, u.DisplayName
	}
	return out, nil
}

// AssignSupervisors sets a contract's supervisors to ids (none clears
// them): each an enabled user whose supervisor grant reaches the
// contract's region, else 422 naming it. Those kept keep their assignment
// time.
func (s *Store) AssignSupervisors(ctx context.Context, a *Actor, contractID int64, ids []int64) (*Contract, error) {
	err := s.tx(ctx, func(tx *gorm.DB) error {
		c, err := s.visibleContract(tx, a, contractID, true)
		if err != nil {
			return err
		}
		if err := a.require("contract:assign", c.RegionCode); err != nil {
			return err
		}
		if len(ids) > maxSupervisors {
			return Invalid(Field("supervisor_ids", "between", "0 – "+strconv.Itoa(maxSupervisors)))
		}
		candidates, err := s.usersWhoCan(tx, "support:supervise", c.RegionCode)
		if err != nil {
			return err
		}
		var fe []FieldError
		want := []int64{}
		for i, id := range ids {
			if !slices.ContainsFunc(candidates, func(u grantedUser) bool { return u.ID == id }) {
				fe = append(fe, Field(fmt.Sprintf("supervisor_ids[%d]", i), "supervisor", ""))
			} else if !slices.Contains(want, id) {
				want = append(want, id)
			}
		}
		if len(fe) > 0 {
			return Invalid(fe...)
		}
		var before []int64
		if err := tx.Model(&ContractSupervisor{}).Where("contract_id = ?", c.ID).Order("user_id").Pluck("user_id", &before).Error; err != nil {
			return err
		}
		gone := slices.DeleteFunc(slices.Clone(before), func(id int64) bool { return slices.Contains(want, id) })
		if len(gone) > 0 {
			if err := tx.Where("contract_id = ? AND user_id IN ?", c.ID, gone).Delete(&ContractSupervisor{}).Error; err != nil {
				return err
			}
		}
		now := s.now()
		for _, id := range want {
			if !slices.Contains(before, id) {
				if err := tx.Create(&ContractSupervisor{ContractID: c.ID, UserID: id, AssignedBy: a.UserID, AssignedAt: now}).Error; err != nil {
					return err
				}
			}
		}
		slices.Sort(want)
		return s.audit(tx, a, "contract.supervisors", "contract", c.ID, c.RegionCode, map[string]any{"supervisor_ids": before}, map[string]any{"supervisor_ids": want})
	})
	if err != nil {
		return nil, err
	}
	return s.Contract(ctx, a, contractID)
}

// SupervisorCandidates lists the supervisors who may be assigned to a
// contract, to the staff who assign them.
func (s *Store) SupervisorCandidates(ctx context.Context, a *Actor, contractID int64) ([]User, error) {
	db := s.DB.WithContext(ctx)
	c, err := s.visibleContract(db, a, contractID, false)
	if err != nil {
		return nil, err
	}
	if err := a.require("contract:assign", c.RegionCode); err != nil {
		return nil, err
	}
	users, err := s.usersWhoCan(db, "support:supervise", c.RegionCode)
	out := make([]User, len(users))
	for i, u := range users {
		out[i] = u.User
	}
	return out, err
}
