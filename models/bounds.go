package models

import (
	"fmt"
	"strings"
	"time"
)

// The sanity bounds of amounts and dates, in one place: far beyond any real
// project, so that only typing errors and attacks fall outside them.

// Dates.
var (
	// earliestFoundedOn: no organisation of the People's Republic was
	// registered before its founding.
	earliestFoundedOn = "1949-10-01"
	// earliestServiceStart: the portal's purchases begin this century.
	earliestServiceStart = time.Date(2000, 1, 1, 0, 0, 0, 0, ChinaZone)
	// statsFirstDay and statsLastDay bound a statistics period: this
	// century's purchases, with four-digit years.
	statsFirstDay = earliestServiceStart
	statsLastDay  = time.Date(2099, 12, 31, 0, 0, 0, 0, ChinaZone)
)

const (
	// serviceStartYearsAhead: a service starts at most two years from now.
	serviceStartYearsAhead = 2
	// maxServiceYears: one year is the rule; stable recurring services may
	// run three (DOMAIN.md).
	maxServiceYears = 3
	// deadlineYearsAhead: a bid deadline lies at most a year after the
	// tender is created, changed or published.
	deadlineYearsAhead = 1
)

// dateRange is the param of a date_range field error.
func dateRange(from, to time.Time) string {
	return from.In(ChinaZone).Format("2006-01-02") + " – " + to.In(ChinaZone).Format("2006-01-02")
}

// maxMoney is Settings.MaxMoneyFen, or its default when unset.
func (s *Store) maxMoney() int64 {
	if s.Settings.MaxMoneyFen > 0 {
		return s.Settings.MaxMoneyFen
	}
	return DefaultMaxMoneyFen
}

// moneyField reports an amount outside 0..MaxMoneyFen as an error of field
// (the bound shown in yuan), or nil.
func (s *Store) moneyField(field string, fen int64) *FieldError {
	if fen < 0 || fen > s.maxMoney() {
		f := Field(field, "money_max", yuanText(s.maxMoney()))
		return &f
	}
	return nil
}

// addMoney adds amounts already within 0..MaxMoneyFen; ok is false when the
// sum exceeds the bound (it cannot overflow: the bound is far below int64).
func (s *Store) addMoney(sum, fen int64) (int64, bool) {
	if fen > s.maxMoney()-sum {
		return sum, false
	}
	return sum + fen, true
}

// yuanText writes fen as whole yuan with thousands separators.
func yuanText(fen int64) string {
	d := fmt.Sprint(fen / 100)
	var b strings.Builder
	for i, r := range d {
		if i > 0 && (len(d)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}
