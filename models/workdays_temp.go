package models

import (
	"time"

	"gorm.io/gorm"
)

// workingDaysEnd is 24:00 Beijing time of the nth working day after from's
// Beijing date. TEMPORARY: Monday to Friday only, until the official
// holiday calendar (models/calendar.go) replaces this file at merge.
func (s *Store) workingDaysEnd(_ *gorm.DB, from time.Time, n int) (time.Time, error) {
	y, m, d := from.In(chinaZone).Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, chinaZone)
	for n > 0 {
		day = day.AddDate(0, 0, 1)
		if wd := day.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n--
		}
	}
	return day.AddDate(0, 0, 1).UTC(), nil
}
