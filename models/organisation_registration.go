package models

import (
	"context"
	"fmt"
	"strings"
	"time"

	"portal/models/uscc"

	"gorm.io/gorm"
)

// Registration: a new organisation with its first member, and later colleagues;
// the credit code, region and founding-date checks they share.

// NewOrganisation is the organisation part of a registration.
type NewOrganisation struct {
	Name       string `json:"name" validate:"required,max=128"`
	CreditCode string `json:"credit_code" validate:"required"`
	LegalRep   string `json:"legal_rep" validate:"required,max=64"`
	Region     string `json:"region" validate:"required"`
	FoundedOn  string `json:"founded_on" validate:"required"`
	Phone      string `json:"phone" validate:"required,phone"`
	Address    string `json:"address" validate:"max=256"`
}

// Registration is a new organisation with its first member.
type Registration struct {
	Organisation NewOrganisation `json:"organisation"`
	User         NewUser         `json:"user"`
}

func (r *Registration) normalise() {
	o := &r.Organisation
	for _, p := range []*string{&o.Name, &o.CreditCode, &o.LegalRep, &o.Region, &o.FoundedOn, &o.Phone, &o.Address} {
		*p = strings.TrimSpace(*p)
	}
	r.User.normalise()
}

// orgFieldErrors returns the field errors of a validation failure (nil for none)
// and any other error as is.
func orgFieldErrors(err error) ([]FieldError, error) {
	if err == nil {
		return nil, nil
	}
	if e, ok := AsError(err); ok && e.Kind == ErrInvalid {
		return e.Fields, nil
	}
	return nil, err
}

func orgHasField(fields []FieldError, name string) bool {
	for _, f := range fields {
		if f.Field == name {
			return true
		}
	}
	return false
}

// orgCheckCreditCode parses a unified social credit code and checks what the
// uscc package leaves to its caller: a civil-affairs registration type and
// a real registering office in positions 3–8, whose region it returns: a
// county (450102), a city (450100 → 4501) or a province (450000 → 45).
func (s *Store) orgCheckCreditCode(db *gorm.DB, field, raw string) (uscc.Code, string, *FieldError) {
	code, err := uscc.Parse(raw)
	if err != nil {
		f := Field(field, "uscc_invalid", "")
		if ue, ok := err.(*uscc.Error); ok {
			f.Code = ue.Code()
			switch ue.Reason {
			case uscc.ReasonCheck:
				f.Param = string(ue.Expected)
			case uscc.ReasonCharset, uscc.ReasonDivision:
				f.Param = fmt.Sprint(ue.Position)
			}
		}
		return "", "", &f
	}
	if code.RegistrationType() == "" {
		f := Field(field, "uscc_civil_affairs", "")
		return "", "", &f
	}
	division := code.Division()
	region, level := division, LevelCounty
	switch {
	case strings.HasSuffix(division, "0000"):
		region, level = division[:2], LevelProvince
	case strings.HasSuffix(division, "00"):
		region, level = division[:4], LevelCity
	}
	var n int64
	if err := db.Model(&Region{}).Where("code = ? AND level = ?", region, level).Count(&n).Error; err != nil || n == 0 {
		f := Field(field, "uscc_county", division)
		return "", "", &f
	}
	return code, region, nil
}

// orgCheckRegion accepts an existing city or county code.
func (s *Store) orgCheckRegion(db *gorm.DB, field, code string) *FieldError {
	if !regionRe.MatchString(code) {
		f := Field(field, "regioncode", "")
		return &f
	}
	var r Region
	if err := db.First(&r, "code = ?", code).Error; err != nil {
		f := Field(field, "region", "")
		return &f
	}
	if r.Level != LevelCity && r.Level != LevelCounty {
		f := Field(field, "org_region_level", "")
		return &f
	}
	return nil
}

// orgCheckFoundedOn accepts a YYYY-MM-DD date from 1949-10-01
// (earliestFoundedOn) to today.
func (s *Store) orgCheckFoundedOn(field, date string) *FieldError {
	if _, err := time.Parse(orgDateLayout, date); err != nil {
		f := Field(field, "org_date", "")
		return &f
	}
	if date > s.orgToday() {
		f := Field(field, "org_not_future", "")
		return &f
	}
	if date < earliestFoundedOn {
		f := Field(field, "date_range", earliestFoundedOn+" – "+s.orgToday())
		return &f
	}
	return nil
}

// Register creates a pending organisation, its first member and the
// member's agency grant in the organisation's region, all in one
// transaction: on any error nothing is left behind.
func (s *Store) Register(ctx context.Context, a *Actor, in Registration) (*OrganisationView, *User, error) {
	if !a.CanAnywhere("org:register") {
		return nil, nil, a.require("org:register", RootRegion)
	}
	in.normalise()
	db := s.DB.WithContext(ctx)
	fields, err := orgFieldErrors(s.validate(&in))
	if err != nil {
		return nil, nil, err
	}
	o := &in.Organisation
	var code uscc.Code
	var registrar string
	if !orgHasField(fields, "organisation.credit_code") {
		var f *FieldError
		if code, registrar, f = s.orgCheckCreditCode(db, "organisation.credit_code", o.CreditCode); f != nil {
			fields = append(fields, *f)
		}
	}
	if !orgHasField(fields, "organisation.region") {
		if f := s.orgCheckRegion(db, "organisation.region", o.Region); f != nil {
			fields = append(fields, *f)
		} else if registrar != "" && !strings.HasPrefix(o.Region, registrar) {
			// The office that registered the organisation oversees where it works.
			fields = append(fields, Field("organisation.region", "uscc_region", code.Division()))
		}
	}
	if !orgHasField(fields, "organisation.founded_on") {
		if f := s.orgCheckFoundedOn("organisation.founded_on", o.FoundedOn); f != nil {
			fields = append(fields, *f)
		}
	}
	if len(fields) > 0 {
		return nil, nil, Invalid(fields...)
	}
	// Every registration that gets this far counts against its address,
	// whatever the answer, so that "username taken" cannot list the users.
	tooMany := Fail(ErrTooMany, "err.too_many_registrations", "too many registrations from this address; try again later")
	if _, err := s.reserveAttempt(ctx, tooMany, throttle{"register:" + a.RemoteAddr, s.Settings.MaxRegistrationsAddr}); err != nil {
		return nil, nil, err
	}
	now := s.now()
	org := &Organisation{Name: o.Name, CreditCode: code.String(), RegistrationType: code.RegistrationType(),
		RegionCode: o.Region, Status: OrgPending, LegalRep: o.LegalRep, FoundedOn: o.FoundedOn,
		Address: o.Address, Phone: o.Phone, CreatedAt: now, UpdatedAt: now}
	var u *User
	var apply func()
	err = s.tx(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&Organisation{}).Where("credit_code = ?", org.CreditCode).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return orgCodeTaken()
		}
		if err := tx.Create(org).Error; err != nil {
			if isDuplicate(err) {
				return orgCodeTaken()
			}
			return err
		}
		if err := s.audit(tx, a, "organisation.register", "organisation", org.ID, org.RegionCode, nil, org); err != nil {
			return err
		}
		var err error
		if u, apply, err = s.orgAddMember(tx, a, org, in.User); err != nil {
			if e, ok := AsError(err); ok {
				for i := range e.Fields {
					e.Fields[i].Field = "user." + e.Fields[i].Field
				}
			}
			return err
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	apply()
	v := s.orgView(a, org, orgAccess{member: true})
	v.Member = false // the caller is not (yet) signed in as the new member
	return &v, u, nil
}

func orgCodeTaken() error {
	e := Invalid(Field("organisation.credit_code", "taken", ""))
	e.Kind, e.Key, e.Detail = ErrConflict, "err.org_code_taken", "an organisation with this credit code is already registered"
	return e
}

// orgAddMember creates a user of org with an agency grant in org's region
// inside tx; the returned apply makes the grant effective after commit.
func (s *Store) orgAddMember(tx *gorm.DB, a *Actor, org *Organisation, in NewUser) (*User, func(), error) {
	u, err := s.createUser(tx, a, in, &org.ID)
	if err != nil {
		return nil, nil, err
	}
	g := Grant{Role: RoleAgency, Region: org.RegionCode}
	apply, err := s.Authz.AddGrant(tx, u.ID, g)
	if err != nil {
		return nil, nil, err
	}
	return u, apply, s.audit(tx, a, "user.grant", "user", u.ID, org.RegionCode, nil, g)
}

// AddColleague lets a member add another agency user to its organisation.
func (s *Store) AddColleague(ctx context.Context, a *Actor, orgID int64, in NewUser) (*User, error) {
	if !a.CanAnywhere("org:manage") {
		return nil, a.require("org:manage", RootRegion)
	}
	org, err := s.orgForMember(s.DB.WithContext(ctx), a, orgID)
	if err != nil {
		return nil, err
	}
	var u *User
	var apply func()
	err = s.tx(ctx, func(tx *gorm.DB) error {
		var err error
		u, apply, err = s.orgAddMember(tx, a, org, in)
		return err
	})
	if err != nil {
		return nil, err
	}
	apply()
	return u, nil
}
