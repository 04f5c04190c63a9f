package models

import (
	"context"
	"slices"
	"strconv"
	"time"

	"gorm.io/gorm"
)

// Every version of a report is kept whole: the first and each save after
// it. The reviewer sees what changed field by field (ReportDiff).

// ReportVersion is one saved version of a report.
type ReportVersion struct {
	ID            int64 `json:"-" gorm:"primaryKey"`
	ReportID      int64 `json:"report_id"`
	Version       int   `json:"version"`
	ReportContent `gorm:"embedded"`
	CreatedBy     int64     `json:"-"`
	Author        string    `json:"author" gorm:"-"`
	CreatedAt     time.Time `json:"created_at"`
}

// TableName of ReportVersion.
func (ReportVersion) TableName() string { return "service_report_versions" }

// keepVersion stores the report's current content as its version.
func (s *Store) keepVersion(tx *gorm.DB, a *Actor, r *ServiceReport) error {
	v := ReportVersion{ReportID: r.ID, Version: r.Version, ReportContent: r.ReportContent, CreatedBy: a.UserID, CreatedAt: s.now()}
	v.Indicators = nonNilIndicators(v.Indicators)
	err := tx.Create(&v).Error
	if err != nil && isDuplicate(err) {
		return staleReport(r.Version)
	}
	return err
}

// ReportVersions lists every version of a report, the first first.
func (s *Store) ReportVersions(ctx context.Context, a *Actor, id int64) ([]ReportVersion, error) {
	db := s.DB.WithContext(ctx)
	if _, _, _, err := s.loadReport(db, a, id, false); err != nil {
		return nil, err
	}
	return s.reportVersions(db, id)
}

func (s *Store) reportVersions(db *gorm.DB, id int64) ([]ReportVersion, error) {
	out := []ReportVersion{}
	if err := db.Where("report_id = ?", id).Order("version").Find(&out).Error; err != nil {
		return nil, err
	}
	ids := make([]int64, len(out))
	for i, v := range out {
		ids[i] = v.CreatedBy
	}
	names, err := s.userNames(db, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Author = names[out[i].CreatedBy]
		out[i].Indicators = nonNilIndicators(out[i].Indicators)
	}
	return out, nil
}

// FieldChange is one field that differs between two versions: its name
// (the API's field name, or "indicators.<key>") and both values as text.
type FieldChange struct {
	Field  string `json:"field"`
	Before string `json:"before"`
	After  string `json:"after"`
}

// ReportDiff lists the fields that differ from before to after, in the
// form's order, indicators by key.
func ReportDiff(before, after ReportContent) []FieldChange {
	var out []FieldChange
	cmp := func(field, b, a string) {
		if b != a {
			out = append(out, FieldChange{Field: field, Before: b, After: a})
		}
	}
	n := func(v int64) string { return strconv.FormatInt(v, 10) }
	cmp("period_start", before.PeriodStart, after.PeriodStart)
	cmp("period_end", before.PeriodEnd, after.PeriodEnd)
	cmp("service_hours", before.ServiceHours.String(), after.ServiceHours.String())
	cmp("volunteer_person_times", n(before.VolunteerPersonTimes), n(after.VolunteerPersonTimes))
	cmp("volunteer_hours", before.VolunteerHours.String(), after.VolunteerHours.String())
	cmp("children_served_person_times", n(before.ChildrenServedPersonTimes), n(after.ChildrenServedPersonTimes))
	cmp("children_served_distinct", n(before.ChildrenServedDistinct), n(after.ChildrenServedDistinct))
	cmp("activities", n(before.Activities), n(after.Activities))
	cmp("cases_opened", n(before.CasesOpened), n(after.CasesOpened))
	cmp("cases_closed", n(before.CasesClosed), n(after.CasesClosed))
	values := func(c ReportContent) map[string]string {
		m := map[string]string{}
		for _, iv := range c.Indicators {
			m[iv.Indicator] = strconv.FormatFloat(iv.Value, 'f', -1, 64)
		}
		return m
	}
	bv, av := values(before), values(after)
	var keys []string
	for _, c := range []ReportContent{before, after} {
		for _, iv := range c.Indicators {
			if !slices.Contains(keys, iv.Indicator) {
				keys = append(keys, iv.Indicator)
			}
		}
	}
	for _, k := range keys {
		cmp("indicators."+k, bv[k], av[k])
	}
	cmp("narrative", before.Narrative, after.Narrative)
	return out
}

// reviewBase is the version a report's changes are shown against: the
// version last returned to the organisation (what the reviewer saw), or
// else the one before the current.
func reviewBase(r *ServiceReport, comments []ReportComment, versions []ReportVersion) *ReportVersion {
	base := r.Version - 1
	for _, c := range comments {
		if c.Event == "return" && c.Version < r.Version {
			base = c.Version
		}
	}
	for i := range versions {
		if versions[i].Version == base {
			return &versions[i]
		}
	}
	return nil
}
