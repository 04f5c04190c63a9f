package models

import (
	"context"
	"strings"

	"gorm.io/gorm"
)

// NewRosterEntry is a person to add to the roster.
type NewRosterEntry struct {
	Name          string `json:"name" form:"name" validate:"required,max=64"`
	Position      string `json:"position" form:"position" validate:"max=64"`
	Level         string `json:"level" form:"level" validate:"omitempty,oneof=assistant intermediate senior"`
	CertificateNo string `json:"certificate_no" form:"certificate_no" validate:"max=64"`
}

// AddRosterEntry adds a person to the member's organisation's roster. A
// certified social worker has both a level and a certificate number, and a
// certificate number appears once per organisation.
func (s *Store) AddRosterEntry(ctx context.Context, a *Actor, orgID int64, in NewRosterEntry) (*RosterEntry, error) {
	if !a.CanAnywhere("org:manage") {
		return nil, a.require("org:manage", RootRegion)
	}
	for _, p := range []*string{&in.Name, &in.Position, &in.Level, &in.CertificateNo} {
		*p = strings.TrimSpace(*p)
	}
	var out *RosterEntry
	err := s.tx(ctx, func(tx *gorm.DB) error {
		org, err := s.orgForMember(tx, a, orgID)
		if err != nil {
			return err
		}
		fields, err := orgFieldErrors(s.validate(&in))
		if err != nil {
			return err
		}
		if in.Level != "" && in.CertificateNo == "" && !orgHasField(fields, "certificate_no") {
			fields = append(fields, Field("certificate_no", "required", ""))
		}
		if in.CertificateNo != "" && in.Level == "" && !orgHasField(fields, "level") {
			fields = append(fields, Field("level", "required", ""))
		}
		if len(fields) > 0 {
			return Invalid(fields...)
		}
		r := &RosterEntry{OrganisationID: org.ID, Name: in.Name, Position: in.Position, Level: in.Level,
			CertificateNo: in.CertificateNo, CreatedAt: s.now()}
		if in.CertificateNo != "" {
			var n int64
			if err := tx.Model(&RosterEntry{}).Where("organisation_id = ? AND certificate_no = ?", org.ID, in.CertificateNo).Count(&n).Error; err != nil {
				return err
			}
			if n > 0 {
				return orgCertificateTaken()
			}
		}
		if err := tx.Create(r).Error; err != nil {
			if isDuplicate(err) {
				return orgCertificateTaken()
			}
			return err
		}
		out = r
		return s.audit(tx, a, "organisation.staff_add", "organisation", org.ID, org.RegionCode, nil, r)
	})
	return out, err
}

func orgCertificateTaken() error {
	e := Invalid(Field("certificate_no", "taken", ""))
	e.Kind, e.Key, e.Detail = ErrConflict, "err.org_certificate_taken", "this certificate number is already on the roster"
	return e
}

// RemoveRosterEntry takes a person off the member's organisation's roster.
func (s *Store) RemoveRosterEntry(ctx context.Context, a *Actor, orgID, entryID int64) error {
	if !a.CanAnywhere("org:manage") {
		return a.require("org:manage", RootRegion)
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		org, err := s.orgForMember(tx, a, orgID)
		if err != nil {
			return err
		}
		var r RosterEntry
		if err := tx.Where("id = ? AND organisation_id = ?", entryID, org.ID).First(&r).Error; err != nil {
			return notFound(err, "roster entry")
		}
		if err := tx.Delete(&r).Error; err != nil {
			return err
		}
		return s.audit(tx, a, "organisation.staff_remove", "organisation", org.ID, org.RegionCode, r, nil)
	})
}
