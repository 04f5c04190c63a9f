package models

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// The checks of a tender's input against its method, its catalogue item and
// the bounds, shared by drafting, editing, amending and publishing.

var keyRe = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

func parseDate(s string) (time.Time, bool) {
	t, err := time.ParseInLocation("2006-01-02", s, ChinaZone)
	return t, err == nil
}

// check validates a tender input against the catalogue and the method's
// rules, returning every field error at once.
func (s *Store) checkTender(ctx context.Context, in *TenderInput) ([]FieldError, *CatalogueItem, error) {
	var fe []FieldError
	add := func(field, code, param string) { fe = append(fe, Field(field, code, param)) }
	in.Title = strings.TrimSpace(in.Title)
	if in.Title == "" {
		add("title", "required", "")
	} else if len([]rune(in.Title)) > 200 {
		add("title", "max", "200")
	}
	if _, err := s.Region(ctx, in.Region); err != nil {
		add("region", "region", "")
	}
	rule, ok := Methods[in.Method]
	if !ok {
		add("method", "oneof", strings.Join(MethodKeys, " "))
	}
	if in.Evaluation == "" {
		in.Evaluation = EvalComprehensive
		if ok {
			in.Evaluation = rule.Evaluations[0]
		}
	}
	if in.Evaluation != EvalComprehensive && in.Evaluation != EvalLowestPrice {
		add("evaluation", "oneof", EvalComprehensive+" "+EvalLowestPrice)
	} else if ok && !slices.Contains(rule.Evaluations, in.Evaluation) {
		add("evaluation", "method_evaluation", strings.Join(rule.Evaluations, " "))
	}
	var item *CatalogueItem
	if in.CatalogueCode == "" {
		add("catalogue_code", "required", "")
	} else if in.Region != "" {
		var err error
		item, err = s.CatalogueItem(ctx, in.Region, in.CatalogueYear, in.CatalogueCode)
		if err != nil || len(item.Indicators) == 0 {
			add("catalogue_code", "catalogue_item", "")
			item = nil
		} else {
			in.CatalogueYear = item.Year
		}
	}
	if len(in.Budget) == 0 {
		add("budget", "required", "")
	}
	seen := map[string]bool{}
	var total int64
	totalOK := true
	for i, b := range in.Budget {
		if _, ok := FundingSources[b.Source]; !ok {
			add(fmt.Sprintf("budget[%d].source", i), "oneof", strings.Join(FundingSourceKeys, " "))
		} else if seen[b.Source] {
			add(fmt.Sprintf("budget[%d].source", i), "unique", "")
		}
		seen[b.Source] = true
		if b.AmountFen <= 0 {
			add(fmt.Sprintf("budget[%d].amount_fen", i), "gt", "0")
		} else if f := s.moneyField(fmt.Sprintf("budget[%d].amount_fen", i), b.AmountFen); f != nil {
			fe = append(fe, *f)
		} else if totalOK {
			total, totalOK = s.addMoney(total, b.AmountFen)
		}
	}
	if !totalOK {
		add("budget", "money_max", yuanText(s.maxMoney()))
	}
	start, okStart := parseDate(in.ServiceStart)
	end, okEnd := parseDate(in.ServiceEnd)
	if !okStart {
		add("service_start", "date", "")
	}
	if !okEnd {
		add("service_end", "date", "")
	}
	today := s.now().In(ChinaZone)
	if latest := today.AddDate(serviceStartYearsAhead, 0, 0); okStart && (start.Before(earliestServiceStart) || start.After(latest)) {
		add("service_start", "date_range", dateRange(earliestServiceStart, latest))
		okStart = false
	}
	if okStart && okEnd {
		if !end.After(start) {
			add("service_end", "after_start", "")
		} else if end.After(start.AddDate(maxServiceYears, 0, 0)) {
			// One year is the rule; stable recurring services may run three.
			add("service_end", "max_period", fmt.Sprint(maxServiceYears))
		}
	}
	if item != nil {
		keys := map[string]bool{}
		for _, ind := range item.Indicators {
			keys[ind.Key] = true
		}
		seenT := map[string]bool{}
		for i, tg := range in.Targets {
			if !keys[tg.Indicator] {
				add(fmt.Sprintf("targets[%d].indicator", i), "indicator", in.CatalogueCode)
			} else if seenT[tg.Indicator] {
				add(fmt.Sprintf("targets[%d].indicator", i), "unique", "")
			}
			seenT[tg.Indicator] = true
			if tg.Value < 0 {
				add(fmt.Sprintf("targets[%d].value", i), "gte", "0")
			}
		}
	}
	if in.Evaluation == EvalLowestPrice {
		in.PriceWeight = 100
		if len(in.Criteria) > 0 {
			add("criteria", "none_for_lowest_price", "")
		}
	} else {
		if in.PriceWeight < 10 || in.PriceWeight > 30 {
			add("price_weight", "between", "10 30")
		}
		if len(in.Criteria) == 0 {
			add("criteria", "required", "")
		}
		sum := in.PriceWeight
		seenC := map[string]bool{}
		for i, c := range in.Criteria {
			if !keyRe.MatchString(c.Key) {
				add(fmt.Sprintf("criteria[%d].key", i), "key", "")
			} else if seenC[c.Key] {
				add(fmt.Sprintf("criteria[%d].key", i), "unique", "")
			}
			seenC[c.Key] = true
			if strings.TrimSpace(c.Name) == "" {
				add(fmt.Sprintf("criteria[%d].name", i), "required", "")
			} else if len([]rune(c.Name)) > maxCriterionName {
				add(fmt.Sprintf("criteria[%d].name", i), "max", fmt.Sprint(maxCriterionName))
			}
			if c.MaxPoints <= 0 {
				add(fmt.Sprintf("criteria[%d].max_points", i), "gt", "0")
			}
			sum += c.MaxPoints
		}
		if len(in.Criteria) > 0 && sum != 100 {
			add("criteria", "sum_100", fmt.Sprint(sum))
		}
	}
	if in.BidDeadline.IsZero() {
		add("bid_deadline", "required", "")
	} else if in.BidDeadline.Before(earliestServiceStart) {
		add("bid_deadline", "date_range", dateRange(earliestServiceStart, today.AddDate(deadlineYearsAhead, 0, 0)))
	} else if in.BidDeadline.After(s.now().AddDate(deadlineYearsAhead, 0, 0)) {
		add("bid_deadline", "deadline_max", fmt.Sprint(deadlineYearsAhead))
	}
	if ok && rule.Invited && len(in.Invited) < rule.MinValidBids {
		add("invited", "min_invited", fmt.Sprint(rule.MinValidBids))
	}
	if ok && !rule.Invited && len(in.Invited) > 0 {
		add("invited", "not_invited_method", "")
	}
	for i, id := range in.Invited {
		if err := s.OrganisationCanBid(s.DB.WithContext(ctx), id, s.now()); err != nil {
			add(fmt.Sprintf("invited[%d]", i), "org_can_bid", "")
		}
	}
	return fe, item, nil
}

// periodEnd is when a period that starts at from ends: from + n days, or
// 24:00 Beijing time of the nth working day after from's date.
func (s *Store) periodEnd(db *gorm.DB, from time.Time, p Period) (time.Time, error) {
	if p.Working {
		return s.workingDaysEnd(db, from, p.N)
	}
	return from.Add(time.Duration(p.N) * day), nil
}

// minBidEnd is the earliest deadline of a tender published at from: the
// method's minimum bidding period, unless the deployment overrides it.
func (s *Store) minBidEnd(db *gorm.DB, rule MethodRule, from time.Time) (time.Time, error) {
	if s.Settings.MinBidPeriod != nil {
		return from.Add(*s.Settings.MinBidPeriod), nil
	}
	return s.periodEnd(db, from, rule.MinBidPeriod)
}

// periodField is the field error for a deadline before a period's end
// (code, or code_working for a period in working days).
func periodField(code string, p Period, override *time.Duration) FieldError {
	if override != nil {
		return Field("bid_deadline", code, fmt.Sprint(int(*override/day)))
	}
	if p.Working {
		code += "_working"
	}
	return Field("bid_deadline", code, fmt.Sprint(p.N))
}
