package models

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// The checks of a report's input: every count a whole number within
// bounds, hours and indicator values with at most two decimals, a valid
// period no longer than the contract's interval, only the contract's
// indicators.

const (
	// MaxReportCount bounds every count of a report (person-times,
	// children, activities, cases): far above any one period's work.
	MaxReportCount = 1_000_000
	// maxReportHoursPerDay bounds hours per day of the period: a thousand
	// people working round the clock.
	maxReportHoursPerDay = 24 * 1000
	// MaxIndicatorValue bounds an indicator's actual value.
	MaxIndicatorValue = 1_000_000_000
	// MaxNarrative is the longest narrative, in characters.
	MaxNarrative = 8000
	// reportDatesYearsAhead: a period ends at most this many years from now.
	reportDatesYearsAhead = serviceStartYearsAhead + maxServiceYears
)

// reportIntervalDays is the longest period of each interval: a month has
// at most 31 days, a quarter at most 92.
var reportIntervalDays = map[string]int{ReportMonthly: 31, ReportQuarterly: 92}

// reportIntervalOf is the interval chosen at signing: monthly when none was
// given, a field error when it is neither.
func reportIntervalOf(given []string) (string, *FieldError) {
	if len(given) == 0 || given[0] == "" {
		return ReportIntervals[0], nil
	}
	if !slices.Contains(ReportIntervals, given[0]) {
		f := Field("report_interval", "oneof", strings.Join(ReportIntervals, " "))
		return "", &f
	}
	return given[0], nil
}

// intervalOf is a contract's interval (monthly for a contract signed
// before intervals existed).
func intervalOf(c *Contract) string {
	if _, ok := reportIntervalDays[c.ReportInterval]; ok {
		return c.ReportInterval
	}
	return ReportMonthly
}

// periodDays counts the days of an inclusive period.
func periodDays(start, end time.Time) int { return int(end.Sub(start)/day) + 1 }

// hundredths turns a number of at most two decimals into hundredths; ok is
// false when it has more.
func hundredths(v float64) (int64, bool) {
	h := math.Round(v * 100)
	return int64(h), math.Abs(v*100-h) < 1e-6
}

// checkReport validates an input against the contract and returns the
// content to store, or 422 naming every invalid field.
func (s *Store) checkReport(c *Contract, in *ReportInput) (ReportContent, error) {
	var fe []FieldError
	add := func(field, code, param string) { fe = append(fe, Field(field, code, param)) }
	out := ReportContent{PeriodStart: strings.TrimSpace(in.PeriodStart), PeriodEnd: strings.TrimSpace(in.PeriodEnd)}

	today := s.now().In(ChinaZone)
	latest := today.AddDate(reportDatesYearsAhead, 0, 0)
	days := 0
	start, okStart := parseDate(out.PeriodStart)
	end, okEnd := parseDate(out.PeriodEnd)
	for _, d := range []struct {
		field string
		t     time.Time
		ok    *bool
	}{{"period_start", start, &okStart}, {"period_end", end, &okEnd}} {
		switch {
		case !*d.ok:
			add(d.field, "date", "")
		case d.t.Before(earliestServiceStart) || d.t.After(latest):
			add(d.field, "date_range", dateRange(earliestServiceStart, latest))
			*d.ok = false
		}
	}
	if okStart && okEnd {
		days = periodDays(start, end)
		if limit := reportIntervalDays[intervalOf(c)]; end.Before(start) {
			add("period_end", "report_period_order", "")
			days = 0
		} else if days > limit {
			add("period_end", "report_period_days", fmt.Sprint(limit))
			days = 0
		}
	}

	maxHours := int64(maxReportHoursPerDay) * int64(max(days, 1))
	hours := func(field string, v float64) Hours {
		h, ok := hundredths(v)
		if v < 0 || v > float64(maxHours) || !ok {
			add(field, "report_hours", fmt.Sprint(maxHours))
			return 0
		}
		return Hours(h)
	}
	out.ServiceHours = hours("service_hours", in.ServiceHours)
	out.VolunteerHours = hours("volunteer_hours", in.VolunteerHours)
	for _, n := range []struct {
		field string
		v     int64
		to    *int64
	}{
		{"volunteer_person_times", in.VolunteerPersonTimes, &out.VolunteerPersonTimes},
		{"children_served_person_times", in.ChildrenServedPersonTimes, &out.ChildrenServedPersonTimes},
		{"children_served_distinct", in.ChildrenServedDistinct, &out.ChildrenServedDistinct},
		{"activities", in.Activities, &out.Activities},
		{"cases_opened", in.CasesOpened, &out.CasesOpened},
		{"cases_closed", in.CasesClosed, &out.CasesClosed},
	} {
		if n.v < 0 || n.v > MaxReportCount {
			add(n.field, "report_count", fmt.Sprint(MaxReportCount))
			continue
		}
		*n.to = n.v
	}

	targets := map[string]bool{}
	for _, t := range c.Targets {
		targets[t.Indicator] = true
	}
	seen := map[string]bool{}
	out.Indicators = []IndicatorValue{}
	for i, iv := range in.Indicators {
		key := strings.TrimSpace(iv.Indicator)
		switch {
		case !targets[key]:
			add(fmt.Sprintf("indicators[%d].indicator", i), "report_indicator", "")
			continue
		case seen[key]:
			add(fmt.Sprintf("indicators[%d].indicator", i), "unique", "")
			continue
		}
		seen[key] = true
		h, ok := hundredths(iv.Value)
		if iv.Value < 0 || iv.Value > MaxIndicatorValue || !ok {
			add(fmt.Sprintf("indicators[%d].value", i), "report_value", fmt.Sprint(MaxIndicatorValue))
			continue
		}
		out.Indicators = append(out.Indicators, IndicatorValue{Indicator: key, Value: float64(h) / 100})
	}

	narrative, f := CheckTextValue("narrative", strings.TrimSpace(in.Narrative))
	if f == nil && len([]rune(narrative)) > MaxNarrative {
		f = &FieldError{Field: "narrative", Code: "max", Param: fmt.Sprint(MaxNarrative)}
	}
	if f != nil {
		fe = append(fe, *f)
	}
	out.Narrative = narrative
	if len(fe) > 0 {
		return out, Invalid(fe...)
	}
	return out, nil
}
