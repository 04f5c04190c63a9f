package models

import (
	"fmt"
	"math"
	"strconv"

	"gorm.io/gorm"
)

// Plausibility flags: warnings computed whenever a report is read (never
// stored, so they follow the contract and the other reports as they are
// now) and shown to its reviewers. A flag does not stop anything.

// Flag codes.
const (
	FlagVolunteerHoursPerDay     = "volunteer_hours_per_day"
	FlagDistinctAbovePersonTimes = "distinct_above_person_times"
	FlagOutsideContractPeriod    = "outside_contract_period"
	FlagOverlappingPeriod        = "overlapping_period"
	FlagFarAboveTarget           = "far_above_target"
)

// FarAboveTargetFactor: an indicator's actual value for a period is far
// above target when it exceeds this many times the contract's target
// pro-rated to the period (target × period days ÷ contract days).
const FarAboveTargetFactor = 3

// ReportFlag is one plausibility warning. Message is English for the API;
// pages render Code with Params in the reader's language.
type ReportFlag struct {
	Code    string   `json:"code"`
	Message string   `json:"message"`
	Params  []string `json:"-"`
}

// reportFlags computes a report's flags. others are the contract's reports
// (id, period, status): any other report whose period shares a day with
// this one's is an overlap, whatever its status, since a returned or
// draft report of the same days is still the organisation's account of
// them.
func reportFlags(c *Contract, r *ServiceReport, others []ServiceReport) []ReportFlag {
	out := []ReportFlag{}
	flag := func(code, msg string, params ...string) {
		out = append(out, ReportFlag{Code: code, Message: msg, Params: params})
	}
	if int64(r.VolunteerHours) > 24*100*r.VolunteerPersonTimes {
		flag(FlagVolunteerHoursPerDay, fmt.Sprintf("volunteer hours (%s) exceed 24 per volunteer person-time (%d)", r.VolunteerHours, r.VolunteerPersonTimes),
			r.VolunteerHours.String(), strconv.FormatInt(r.VolunteerPersonTimes, 10))
	}
	if r.ChildrenServedDistinct > r.ChildrenServedPersonTimes {
		flag(FlagDistinctAbovePersonTimes, fmt.Sprintf("distinct children (%d) exceed children's person-times (%d)", r.ChildrenServedDistinct, r.ChildrenServedPersonTimes),
			strconv.FormatInt(r.ChildrenServedDistinct, 10), strconv.FormatInt(r.ChildrenServedPersonTimes, 10))
	}
	if r.PeriodStart < c.ServiceStart || r.PeriodEnd > c.ServiceEnd {
		flag(FlagOutsideContractPeriod, fmt.Sprintf("the period lies outside the contract's service period %s – %s", c.ServiceStart, c.ServiceEnd),
			c.ServiceStart, c.ServiceEnd)
	}
	for _, o := range others {
		// Dates as YYYY-MM-DD compare as text.
		if o.ID != r.ID && o.PeriodStart <= r.PeriodEnd && r.PeriodStart <= o.PeriodEnd {
			flag(FlagOverlappingPeriod, fmt.Sprintf("the period overlaps report %d (%s – %s)", o.ID, o.PeriodStart, o.PeriodEnd),
				strconv.FormatInt(o.ID, 10), o.PeriodStart, o.PeriodEnd)
		}
	}
	share := periodShare(c, r)
	for _, t := range c.Targets {
		for _, iv := range r.Indicators {
			if iv.Indicator != t.Indicator || t.Value <= 0 {
				continue
			}
			expected := t.Value * share
			if iv.Value > FarAboveTargetFactor*expected {
				e := strconv.FormatFloat(math.Round(expected*100)/100, 'f', -1, 64)
				flag(FlagFarAboveTarget, fmt.Sprintf("%s: %s is more than %d × the target pro-rated to the period (%s)", t.Indicator,
					strconv.FormatFloat(iv.Value, 'f', -1, 64), FarAboveTargetFactor, e),
					t.Indicator, strconv.FormatFloat(iv.Value, 'f', -1, 64), e)
			}
		}
	}
	return out
}

// periodShare is the report's period as a share of the contract's service
// period (days, both inclusive); 0 when either is unreadable.
func periodShare(c *Contract, r *ServiceReport) float64 {
	cs, ok1 := parseDate(c.ServiceStart)
	ce, ok2 := parseDate(c.ServiceEnd)
	rs, ok3 := parseDate(r.PeriodStart)
	re, ok4 := parseDate(r.PeriodEnd)
	if !ok1 || !ok2 || !ok3 || !ok4 || ce.Before(cs) || re.Before(rs) {
		return 0
	}
	return float64(periodDays(rs, re)) / float64(periodDays(cs, ce))
}

// ReportTotals are the sums of a contract's approved reports: what
// supervision shows as actuals and statistics count.
type ReportTotals struct {
	Reports                   int                `json:"reports"`
	ServiceHours              Hours              `json:"service_hours"`
	VolunteerPersonTimes      int64              `json:"volunteer_person_times"`
	VolunteerHours            Hours              `json:"volunteer_hours"`
	ChildrenServedPersonTimes int64              `json:"children_served_person_times"`
	Activities                int64              `json:"activities"`
	CasesOpened               int64              `json:"cases_opened"`
	CasesClosed               int64              `json:"cases_closed"`
	Indicators                map[string]float64 `json:"indicators"`
}

// approvedTotals sums the approved reports of a contract: only approved
// reports count anywhere. Indicator actuals are summed per indicator and
// rounded to hundredths (every value has at most two decimals).
func (s *Store) approvedTotals(db *gorm.DB, contractID int64) (*ReportTotals, error) {
	var rs []ServiceReport
	if err := db.Where("contract_id = ? AND status = ?", contractID, ReportApproved).Order("id").Find(&rs).Error; err != nil {
		return nil, err
	}
	t := &ReportTotals{Indicators: map[string]float64{}}
	cents := map[string]int64{}
	for _, r := range rs {
		t.Reports++
		t.ServiceHours += r.ServiceHours
		t.VolunteerPersonTimes += r.VolunteerPersonTimes
		t.VolunteerHours += r.VolunteerHours
		t.ChildrenServedPersonTimes += r.ChildrenServedPersonTimes
		t.Activities += r.Activities
		t.CasesOpened += r.CasesOpened
		t.CasesClosed += r.CasesClosed
		for _, iv := range r.Indicators {
			h, _ := hundredths(iv.Value)
			cents[iv.Indicator] += h
		}
	}
	for k, v := range cents {
		t.Indicators[k] = float64(v) / 100
	}
	return t, nil
}
