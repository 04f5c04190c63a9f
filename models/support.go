package models

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Support sessions of a contract: start-up planning (创业规划) and service
// supervision (服务督导) given to the contracted organisation, recorded by
// the procurement staff of the contract's region.

// Support session kinds.
const (
	SessionPlanning    = "planning"
	SessionSupervision = "supervision"
)

// SessionKinds lists the kinds in the order pages offer them.
var SessionKinds = []string{SessionPlanning, SessionSupervision}

// Bounds of a session.
const (
	// maxSessionHours: a session is one day's work at most.
	maxSessionHours Hundredths = 24_00
	// maxAttendees: a session is a meeting or a training, not a rally.
	maxAttendees = 500
)

// SupportSession is one planning or supervision session of a contract.
// Attendees is a head count.
type SupportSession struct {
	ID         int64      `json:"id" gorm:"primaryKey"`
	ContractID int64      `json:"contract_id"`
	Kind       string     `json:"kind"`
	HeldOn     string     `json:"held_on"`
	Hours      Hundredths `json:"hours" gorm:"column:hours_centi"`
	Provider   string     `json:"provider"`
	Topics     string     `json:"topics"`
	Attendees  int        `json:"attendees"`
	RecordedBy int64      `json:"-"`
	RecordedAt time.Time  `json:"recorded_at"`
}

// SessionInput is the body of POST /contracts/{id}/sessions.
type SessionInput struct {
	Kind      string      `json:"kind" validate:"max=40"`
	HeldOn    string      `json:"held_on" validate:"max=40"`
	Hours     json.Number `json:"hours" validate:"max=40"`
	Provider  string      `json:"provider" validate:"max=200"`
	Topics    string      `json:"topics" validate:"max=2000"`
	Attendees int         `json:"attendees"`
}

// checkSession reads a session's fields against its contract: held from
// the signing day to the end of the service, and not after today.
func (s *Store) checkSession(c *Contract, in *SessionInput) []FieldError {
	var fe []FieldError
	in.Kind, in.HeldOn = strings.TrimSpace(in.Kind), strings.TrimSpace(in.HeldOn)
	in.Provider, in.Topics = strings.TrimSpace(in.Provider), strings.TrimSpace(in.Topics)
	if !contains(SessionKinds, in.Kind) {
		fe = append(fe, Field("kind", "oneof", strings.Join(SessionKinds, " ")))
	}
	today := s.orgToday()
	first := c.SignedAt.In(ChinaZone).Format(time.DateOnly)
	last := min(c.ServiceEnd, today)
	switch _, ok := parseDate(in.HeldOn); {
	case !ok:
		fe = append(fe, Field("held_on", "date", ""))
	case in.HeldOn > today:
		fe = append(fe, Field("held_on", "future", ""))
	case in.HeldOn < first || in.HeldOn > last:
		fe = append(fe, Field("held_on", "date_range", first+" – "+last))
	}
	if _, f := parseHundredths("hours", in.Hours, maxSessionHours); f != nil {
		fe = append(fe, *f)
	}
	if in.Provider == "" {
		fe = append(fe, Field("provider", "required", ""))
	}
	if in.Topics == "" {
		fe = append(fe, Field("topics", "required", ""))
	}
	if in.Attendees < 1 || in.Attendees > maxAttendees {
		fe = append(fe, Field("attendees", "between", "1 – "+strconv.Itoa(maxAttendees)))
	}
	return fe
}

// mayRecordSession reports whether the caller records contract c's
// sessions: the region's procurement staff and its assigned supervisors
// (supervision.go).
func (s *Store) mayRecordSession(db *gorm.DB, a *Actor, c *Contract) (bool, error) {
	if a.Can("support:record", c.RegionCode) {
		return true, nil
	}
	return a.Can("support:supervise", c.RegionCode) && s.supervises(db, a, c.ID), nil
}

// RecordSession records a support session of a contract. Those who may
// not see the contract get 404; those who see it but may not record (its
// organisation's members) 403.
func (s *Store) RecordSession(ctx context.Context, a *Actor, contractID int64, in SessionInput) (*SupportSession, error) {
	var out *SupportSession
	err := s.tx(ctx, func(tx *gorm.DB) error {
		c, err := s.visibleContract(tx, a, contractID, true)
		if err != nil {
			return err
		}
		if ok, err := s.mayRecordSession(tx, a, c); err != nil {
			return err
		} else if !ok {
			return a.require("support:record", c.RegionCode)
		}
		if fe := s.checkSession(c, &in); len(fe) > 0 {
			return Invalid(fe...)
		}
		hours, _ := parseHundredths("hours", in.Hours, maxSessionHours)
		out = &SupportSession{ContractID: c.ID, Kind: in.Kind, HeldOn: in.HeldOn, Hours: hours, Provider: in.Provider,
			Topics: in.Topics, Attendees: in.Attendees, RecordedBy: a.UserID, RecordedAt: s.now()}
		if err := tx.Create(out).Error; err != nil {
			return err
		}
		return s.audit(tx, a, "support_session.record", "support_session", out.ID, c.RegionCode, nil, out)
	})
	return out, err
}

// Sessions lists a contract's support sessions, latest first, to those who
// may see the contract.
func (s *Store) Sessions(ctx context.Context, a *Actor, contractID int64) ([]SupportSession, error) {
	db := s.DB.WithContext(ctx)
	c, err := s.visibleContract(db, a, contractID, false)
	if err != nil {
		return nil, err
	}
	out := []SupportSession{}
	err = db.Where("contract_id = ?", c.ID).Order("held_on DESC, id DESC").Find(&out).Error
	return out, err
}
