package models

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Supervision (督导, issue 10): procurement staff assign supervisors to a
// contract; an assigned supervisor reads the contract, visits, evaluates
// delivery against the catalogue item's indicators, orders rectifications
// and accepts the contract. A supervisor employed by, directing or related
// to the contracted organisation declares it and cannot be assigned.

// ContractSupervisor is one supervisor assigned to a contract.
type ContractSupervisor struct {
	ID           int64     `json:"-" gorm:"primaryKey"`
	ContractID   int64     `json:"-"`
	SupervisorID int64     `json:"id"`
	Name         string    `json:"name" gorm:"-"`
	AssignedBy   int64     `json:"-"`
	AssignedAt   time.Time `json:"assigned_at"`
}

// Supervisor relations a declaration names.
var SupervisorRelations = []string{"employed", "director", "related"}

// SupervisorDeclaration is a supervisor's declared relation to an
// organisation: it cannot be assigned to that organisation's contracts.
type SupervisorDeclaration struct {
	ID               int64     `json:"id" gorm:"primaryKey"`
	SupervisorID     int64     `json:"supervisor_id"`
	OrganisationID   int64     `json:"organisation_id"`
	OrganisationName string    `json:"organisation_name" gorm:"-"`
	Relation         string    `json:"relation"`
	Note             string    `json:"note"`
	CreatedAt        time.Time `json:"created_at"`
}

// DeclarationInput declares a relation to an organisation.
type DeclarationInput struct {
	OrganisationID int64  `json:"organisation_id" form:"organisation_id"`
	Relation       string `json:"relation" form:"relation"`
	Note           string `json:"note" form:"note" validate:"max=2000"`
}

// SupervisorsInput replaces a contract's supervisors.
type SupervisorsInput struct {
	SupervisorIDs []int64 `json:"supervisor_ids"`
}

// MaxSupervisors bounds the supervisors of one contract.
const MaxSupervisors = 20

// contractSupervisors lists a contract's supervisors with their names.
func (s *Store) contractSupervisors(db *gorm.DB, contractID int64) ([]ContractSupervisor, error) {
	out := []ContractSupervisor{}
	if err := db.Where("contract_id = ?", contractID).Order("id").Find(&out).Error; err != nil {
		return nil, err
	}
	ids := make([]int64, len(out))
	for i, cs := range out {
		ids[i] = cs.SupervisorID
	}
	names, err := s.userNames(db, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Name = names[out[i].SupervisorID]
	}
	return out, nil
}

// supervises reports whether the actor is assigned to the contract.
func (s *Store) supervises(db *gorm.DB, a *Actor, contractID int64) bool {
	if !a.SignedIn() {
		return false
	}
	var n int64
	db.Model(&ContractSupervisor{}).Where("contract_id = ? AND supervisor_id = ?", contractID, a.UserID).Count(&n)
	return n > 0
}

// supervisedContract loads (with lock, locks) a contract for a step of its
// assigned supervisors: 404 when the caller cannot see it, 403 when it sees
// it (its staff, its organisation) but is not assigned.
func (s *Store) supervisedContract(db *gorm.DB, a *Actor, id int64, lock bool) (*Contract, error) {
	c, err := s.visibleContract(db, a, id, lock)
	if err != nil {
		return nil, err
	}
	if !a.Can("supervision:write", c.RegionCode) || !s.supervises(db, a, c.ID) {
		if !a.SignedIn() {
			return nil, Fail(ErrUnauthenticated, "err.unauthenticated", "sign in first")
		}
		return nil, Fail(ErrForbidden, "err.not_supervisor", "only a supervisor assigned to the contract may do this")
	}
	return c, nil
}

// SetSupervisors replaces the contract's supervisors (procurement whose
// region reaches it). Each must be an enabled user with a supervisor grant
// reaching the contract's region, not a member of the contracted
// organisation and without a declared relation to it.
func (s *Store) SetSupervisors(ctx context.Context, a *Actor, contractID int64, in SupervisorsInput) ([]ContractSupervisor, error) {
	if len(in.SupervisorIDs) > MaxSupervisors {
		return nil, Invalid(Field("supervisor_ids", "sv_max_items", fmt.Sprint(MaxSupervisors)))
	}
	var out []ContractSupervisor
	err := s.tx(ctx, func(tx *gorm.DB) error {
		c, err := s.managedContract(tx, a, contractID, "supervision:assign")
		if err != nil {
			return err
		}
		if c.Status == ContractAccepted || c.Status == ContractTerminated {
			return Fail(ErrConflict, "err.contract_closed", "the contract is "+c.Status)
		}
		var fe []FieldError
		seen := map[int64]bool{}
		for i, id := range in.SupervisorIDs {
			field := fmt.Sprintf("supervisor_ids[%d]", i)
			if seen[id] {
				fe = append(fe, Field(field, "unique", ""))
				continue
			}
			seen[id] = true
			if code, param, err := s.supervisorRefusal(tx, id, c); err != nil {
				return err
			} else if code != "" {
				fe = append(fe, Field(field, code, param))
			}
		}
		if len(fe) > 0 {
			return Invalid(fe...)
		}
		before, err := s.contractSupervisors(tx, c.ID)
		if err != nil {
			return err
		}
		var was, added []int64
		for _, b := range before {
			was = append(was, b.SupervisorID)
		}
		if err := tx.Where("contract_id = ? AND supervisor_id NOT IN ?", c.ID, append([]int64{0}, in.SupervisorIDs...)).
			Delete(&ContractSupervisor{}).Error; err != nil {
			return err
		}
		now := s.now()
		for _, id := range in.SupervisorIDs {
			if slices.Contains(was, id) {
				continue
			}
			if err := tx.Create(&ContractSupervisor{ContractID: c.ID, SupervisorID: id, AssignedBy: a.UserID, AssignedAt: now}).Error; err != nil {
				return err
			}
			added = append(added, id)
		}
		if out, err = s.contractSupervisors(tx, c.ID); err != nil {
			return err
		}
		s.notify(tx, added, NotifySupervisorAssigned, "contract", c.ID, map[string]string{"number": c.Number, "contract_id": fmt.Sprint(c.ID)})
		return s.audit(tx, a, "supervision.assign", "contract", c.ID, c.RegionCode, map[string]any{"supervisor_ids": was},
			map[string]any{"supervisor_ids": in.SupervisorIDs})
	})
	return out, err
}

// supervisorRefusal says why user id may not supervise c: a field error
// code and its param, "" when it may.
func (s *Store) supervisorRefusal(db *gorm.DB, id int64, c *Contract) (string, string, error) {
	var u User
	if err := db.First(&u, id).Error; err != nil || u.Disabled {
		return "sv_supervisor", "", nil
	}
	grants, err := s.Authz.Grants(id)
	if err != nil {
		return "", "", err
	}
	held := false
	for _, g := range grants {
		if g.Role == RoleSupervisor && (g.Region == RootRegion || strings.HasPrefix(c.RegionCode, g.Region)) {
			held = true
		}
	}
	if !held {
		return "sv_supervisor", "", nil
	}
	if u.OrganisationID != nil && *u.OrganisationID == c.OrganisationID {
		return "sv_org_member", "", nil
	}
	var d SupervisorDeclaration
	err = db.Where("supervisor_id = ? AND organisation_id = ?", id, c.OrganisationID).Order("id").First(&d).Error
	if err == nil {
		return "sv_declared", d.Relation, nil
	}
	if err != gorm.ErrRecordNotFound {
		return "", "", err
	}
	return "", "", nil
}

// SupervisorCandidates lists the users who may be assigned to the contract
// (for the assign form): supervisors reaching its region, without those
// refused.
func (s *Store) supervisorCandidates(db *gorm.DB, c *Contract) ([]User, error) {
	users, err := s.permittedUsers(db, "supervision:write", c.RegionCode)
	if err != nil {
		return nil, err
	}
	out := []User{}
	for _, u := range users {
		code, _, err := s.supervisorRefusal(db, u.ID, c)
		if err != nil {
			return nil, err
		}
		if code == "" {
			out = append(out, u.User)
		}
	}
	return out, nil
}

// DeclareRelation records the caller's (a supervisor's) relation to an
// organisation.
func (s *Store) DeclareRelation(ctx context.Context, a *Actor, in DeclarationInput) (*SupervisorDeclaration, error) {
	if !a.CanAnywhere("supervision:write") {
		return nil, a.require("supervision:write", RootRegion)
	}
	var fe []FieldError
	if !slices.Contains(SupervisorRelations, in.Relation) {
		fe = append(fe, Field("relation", "oneof", strings.Join(SupervisorRelations, " ")))
	}
	note, f := CheckTextValue("note", strings.TrimSpace(in.Note))
	if f != nil {
		fe = append(fe, *f)
	}
	if in.OrganisationID <= 0 {
		fe = append(fe, Field("organisation_id", "required", ""))
	}
	if len(fe) > 0 {
		return nil, Invalid(fe...)
	}
	d := &SupervisorDeclaration{SupervisorID: a.UserID, OrganisationID: in.OrganisationID, Relation: in.Relation, Note: note}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		o, err := s.orgByID(tx, in.OrganisationID)
		if err != nil {
			return Invalid(Field("organisation_id", "sv_organisation", ""))
		}
		d.CreatedAt, d.OrganisationName = s.now(), o.Name
		if err := tx.Create(d).Error; err != nil {
			return err
		}
		return s.audit(tx, a, "supervision.declare", "user", a.UserID, o.RegionCode, nil, d)
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// Declarations lists the caller's declarations.
func (s *Store) Declarations(ctx context.Context, a *Actor) ([]SupervisorDeclaration, error) {
	out := []SupervisorDeclaration{}
	if !a.SignedIn() {
		return out, a.require("supervision:write", RootRegion)
	}
	db := s.DB.WithContext(ctx)
	if err := db.Where("supervisor_id = ?", a.UserID).Order("id").Find(&out).Error; err != nil {
		return nil, err
	}
	ids := make([]int64, len(out))
	for i, d := range out {
		ids[i] = d.OrganisationID
	}
	names, err := s.orgNames(db, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].OrganisationName = names[out[i].OrganisationID]
	}
	return out, nil
}
