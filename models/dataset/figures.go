package dataset

import (
	"sort"
	"strings"

	"portal/models"
)

// accum gathers one region's figures (docs/stats.md) while the plan is
// written.
type accum struct {
	t        models.StatsTotals
	cities   map[string]bool
	counties map[string]bool
	serving  map[int64]bool
	results  []int64 // complete phases' results, hundredths
}

func newAccum() *accum {
	return &accum{cities: map[string]bool{}, counties: map[string]bool{}, serving: map[int64]bool{}}
}

// accums are the accumulators a region's objects count in: the province's
// and its city's.
func (g *generator) accums(code string) []*accum {
	out := []*accum{g.acc["45"]}
	if len(code) >= 4 {
		if a := g.acc[code[:4]]; a != nil {
			out = append(out, a)
		}
	}
	return out
}

func (g *generator) inPeriod(d string) bool { return d >= g.from && d <= g.to }

// countPublished counts a published tender by its publication day.
func (g *generator) countPublished(p *tenderPlan, budgetFen int64, budget []line) {
	if !g.inPeriod(day(p.published)) {
		return
	}
	for _, a := range g.accums(p.region.code) {
		a.t.ProjectsPublished++
		a.t.BudgetFen += budgetFen
		switch p.region.level {
		case models.LevelCounty:
			a.counties[p.region.code] = true
			a.cities[p.region.parent] = true
		case models.LevelCity:
			a.cities[p.region.code] = true
		}
	}
	for _, l := range budget {
		g.source(l.source).BudgetFen += l.amount
	}
	g.itemOf(p.item).Projects++
}

// countAwarded counts an awarded tender published in the period.
func (g *generator) countAwarded(p *tenderPlan) {
	if !g.inPeriod(day(p.published)) {
		return
	}
	for _, a := range g.accums(p.region.code) {
		a.t.ProjectsAwarded++
	}
}

// countContracted adds a contract's amount to its tender's period, split
// across the budget's sources in proportion, rounding down with the
// remainder to the largest line.
func (g *generator) countContracted(p *tenderPlan, c *contractPlan) {
	if !g.inPeriod(day(p.published)) {
		return
	}
	for _, a := range g.accums(p.region.code) {
		a.t.ContractedFen += c.amount
	}
	g.itemOf(p.item).ContractedFen += c.amount
	for src, part := range splitBySource(c.amount, c.budget) {
		g.source(src).ContractedFen += part
	}
}

func splitBySource(amount int64, budget []line) map[string]int64 {
	var total int64
	largest := 0
	for i, l := range budget {
		total += l.amount
		if l.amount > budget[largest].amount {
			largest = i
		}
	}
	out := map[string]int64{}
	var given int64
	for _, l := range budget {
		part := amount * l.amount / total
		out[l.source] += part
		given += part
	}
	out[budget[largest].source] += amount - given
	return out
}

func (g *generator) source(s string) *SourceFigures {
	f := g.bySource[s]
	if f == nil {
		f = &SourceFigures{Source: s}
		g.bySource[s] = f
	}
	return f
}

func (g *generator) itemOf(it *item) *ItemFigures {
	f := g.byItem[it.code]
	if f == nil {
		f = &ItemFigures{CatalogueCode: it.code, Name: it.name}
		g.byItem[it.code] = f
	}
	return f
}

// countInService counts a contract whose service overlaps the period,
// signed by its end and not terminated before its start.
func (g *generator) countInService(c *contractPlan, terminated string) {
	if c.start > g.to || c.end < g.from || day(c.signed) > g.to || (terminated != "" && terminated < g.from) {
		return
	}
	for _, a := range g.accums(c.tender.region.code) {
		a.t.ProjectsInService++
		a.serving[c.org.id] = true
	}
}

func (g *generator) countPaid(c *contractPlan, paidOn string, amount int64) {
	if !g.inPeriod(paidOn) {
		return
	}
	for _, a := range g.accums(c.tender.region.code) {
		a.t.PaidFen += amount
	}
}

type reportFigures struct {
	hours, volunteerHours models.Hundredths
	volunteers, children  int64
}

func (g *generator) countReport(c *contractPlan, periodEnd string, f reportFigures) {
	if !g.inPeriod(periodEnd) {
		return
	}
	for _, a := range g.accums(c.tender.region.code) {
		a.t.ServiceHours += f.hours
		a.t.VolunteerHours += f.volunteerHours
		a.t.VolunteerPersonTimes += f.volunteers
		a.t.ChildrenServedPersonTimes += f.children
	}
	g.itemOf(c.tender.item).ChildrenServedPersonTimes += f.children
}

// countPhase counts a complete phase on the day its last score was
// recorded, with its result (the mean of its totals, rounded half-up).
func (g *generator) countPhase(c *contractPlan, completed string, result int64) {
	if !g.inPeriod(completed) {
		return
	}
	for _, a := range g.accums(c.tender.region.code) {
		a.t.Evaluations++
		a.results = append(a.results, result)
		switch gradeOf(result) {
		case models.GradeExcellent:
			a.t.Grades.Excellent++
		case models.GradeGood:
			a.t.Grades.Good++
		case models.GradePass:
			a.t.Grades.Pass++
		default:
			a.t.Grades.Fail++
		}
	}
}

func gradeOf(total int64) string {
	switch {
	case total >= 9000:
		return models.GradeExcellent
	case total >= 8000:
		return models.GradeGood
	case total >= 6000:
		return models.GradePass
	}
	return models.GradeFail
}

// meanHalfUp is the exact mean of hundredths, rounded half-up.
func meanHalfUp(xs []int64) int64 {
	var sum int64
	for _, x := range xs {
		sum += x
	}
	n := int64(len(xs))
	return (2*sum + n) / (2 * n)
}

// totals finishes a region's figures: buying regions, serving
// organisations and their certified workers, verified organisations, the
// average score.
func (g *generator) totals(code string, a *accum) models.StatsTotals {
	t := a.t
	t.RegionsBuying = models.RegionsBuying{Cities: int64(len(a.cities)), Counties: int64(len(a.counties))}
	t.OrganisationsServing = int64(len(a.serving))
	for _, o := range g.orgs {
		if a.serving[o.id] {
			t.SocialWorkers += o.certified()
		}
		if strings.HasPrefix(o.region, code) && o.status == models.OrgVerified && day(o.created) <= g.to {
			t.OrganisationsVerified++
		}
	}
	if len(a.results) > 0 {
		avg := models.Hundredths(meanHalfUp(a.results))
		t.AverageScore = &avg
	}
	return t
}

func (g *generator) figures() *Figures {
	f := &Figures{Region: models.StatsRegion{Code: "45", Name: g.province.name}, From: g.from, To: g.to,
		Totals: g.totals("45", g.acc["45"]), Children: []Child{}, BySource: []SourceFigures{}, ByItem: []ItemFigures{}, Rows: g.w.counts}
	for _, c := range g.cities {
		f.Children = append(f.Children, Child{Region: models.StatsRegion{Code: c.code, Name: c.name}, Totals: g.totals(c.code, g.acc[c.code])})
	}
	for _, s := range models.FundingSourceKeys {
		if x := g.bySource[s]; x != nil {
			f.BySource = append(f.BySource, *x)
		}
	}
	for _, x := range g.byItem {
		f.ByItem = append(f.ByItem, *x)
	}
	sort.Slice(f.ByItem, func(i, j int) bool { return f.ByItem[i].CatalogueCode < f.ByItem[j].CatalogueCode })
	return f
}
