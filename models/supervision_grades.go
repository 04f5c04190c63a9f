package models

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// Grades follow the organisation: its past evaluations are shown to staff
// and to the panel scoring its bids, and a complete final phase graded
// fail bars it from bidding on tenders within that contract's region for
// Settings.FailBar from the evaluation that completed the phase.

// OrganisationBar is such a bar.
type OrganisationBar struct {
	ID             int64     `json:"id" gorm:"primaryKey"`
	OrganisationID int64     `json:"organisation_id"`
	ContractID     int64     `json:"contract_id"`
	RegionCode     string    `json:"region"`
	BarredAt       time.Time `json:"barred_at"`
	UntilAt        time.Time `json:"until_at"`
}

// defaultFailBar is one year.
const defaultFailBar = 365 * day

// failBar is Settings.FailBar, or one year.
func (s *Store) failBar() time.Duration {
	if s.Settings.FailBar > 0 {
		return s.Settings.FailBar
	}
	return defaultFailBar
}

// activeBar is the organisation's bar reaching a tender of region at at,
// or nil.
func (s *Store) activeBar(db *gorm.DB, orgID int64, region string, at time.Time) (*OrganisationBar, error) {
	var bars []OrganisationBar
	if err := db.Where("organisation_id = ? AND until_at > ?", orgID, at).Order("until_at DESC").Find(&bars).Error; err != nil {
		return nil, err
	}
	for _, b := range bars {
		if len(region) >= len(b.RegionCode) && region[:len(b.RegionCode)] == b.RegionCode {
			return &b, nil
		}
	}
	return nil, nil
}

// failBarRefusal is the 409 of a bid by a barred organisation on a tender
// of region, nil when it is not barred there.
func (s *Store) failBarRefusal(db *gorm.DB, orgID int64, region string) error {
	b, err := s.activeBar(db, orgID, region, s.now())
	if err != nil || b == nil {
		return err
	}
	return Fail(ErrConflict, "err.org_fail_bar", "the organisation failed the final evaluation of a contract in region "+b.RegionCode+
		"; it may not bid on that region's tenders until "+b.UntilAt.In(ChinaZone).Format("2006-01-02 15:04"))
}

// Grade is one past evaluation of an organisation's contract.
type Grade struct {
	ContractID     int64     `json:"contract_id"`
	ContractNumber string    `json:"contract_number"`
	TenderCode     string    `json:"tender_code"`
	TenderTitle    string    `json:"tender_title"`
	Region         string    `json:"region"`
	Phase          string    `json:"phase"`
	Total          Hours     `json:"total"`
	Grade          string    `json:"grade"`
	Date           time.Time `json:"date"`
}

// OrganisationGrades lists an organisation's past evaluations, newest
// first, to its members and to staff whose region reaches it.
func (s *Store) OrganisationGrades(ctx context.Context, a *Actor, orgID int64) ([]Grade, error) {
	db := s.DB.WithContext(ctx)
	o, err := s.orgByID(db, orgID)
	if err != nil {
		return nil, err
	}
	mine := a.OrganisationID != nil && *a.OrganisationID == o.ID
	if !mine && !a.Can("grades:read", o.RegionCode) {
		return nil, Fail(ErrNotFound, "err.not_found", "organisation not found")
	}
	return s.organisationGrades(db, o.ID)
}

// organisationGrades reads the grades (no caller check: the panel's page
// reads them for the bids it scores).
func (s *Store) organisationGrades(db *gorm.DB, orgID int64) ([]Grade, error) {
	out := []Grade{}
	err := db.Table("supervision_evaluations AS e").
		Select("c.id AS contract_id, c.number AS contract_number, t.code AS tender_code, t.title AS tender_title, c.region_code AS region, "+
			"e.phase, e.total, e.grade, e.created_at AS date").
		Joins("JOIN contracts c ON c.id = e.contract_id").Joins("JOIN tenders t ON t.id = c.tender_id").
		Where("c.organisation_id = ?", orgID).Order("e.created_at DESC, e.id DESC").Scan(&out).Error
	return out, err
}

// barStanding is the standing of an organisation barred from the tenders
// of region, for the bid page to say why; nil when it is not barred.
func (s *Store) barStanding(db *gorm.DB, orgID int64, region string) (*OrgStanding, error) {
	b, err := s.activeBar(db, orgID, region, s.now())
	if err != nil || b == nil {
		return nil, err
	}
	return &OrgStanding{Status: StandingFailBar, Reason: b.RegionCode, Until: b.UntilAt.In(ChinaZone).Format("2006-01-02 15:04")}, nil
}

// StandingFailBar is the OrgStanding status of a barred organisation.
const StandingFailBar = "fail_bar"
