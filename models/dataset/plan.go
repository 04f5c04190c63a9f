package dataset

// The plans of the two scales: which tenders are written, where, by
// which method and to which outcome.

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"time"

	"portal/models"
)

// methodOf draws a method with a realistic mix: consultation most often.
func (g *generator) methodOf(r *rand.Rand) string {
	switch p := r.IntN(100); {
	case p < 38:
		return "competitive_consultation"
	case p < 62:
		return "open_tender"
	case p < 72:
		return "competitive_negotiation"
	case p < 82:
		return "inquiry"
	case p < 91:
		return "single_source"
	}
	return "invited_tender"
}

func evaluationOf(r *rand.Rand, method string) string {
	evs := models.Methods[method].Evaluations
	if len(evs) > 1 && r.IntN(5) == 0 {
		return evs[1]
	}
	return evs[0]
}

// guangxiPlan: n tenders published over the three years up to now, in
// every region, most contracted, some cancelled or unsuccessful, a few
// drafts; the clock leaves the latest published, opened, evaluating or
// awarded.
func (g *generator) guangxiPlan(n int) []*tenderPlan {
	r := g.rng
	start := beijing(addDays(g.from, 14), 9, 0)
	span := g.now.Add(-24 * time.Hour).Sub(start)
	var out []*tenderPlan
	for i := 0; i < n; i++ {
		p := &tenderPlan{method: g.methodOf(r), item: g.items[r.IntN(len(g.items))], interval: models.ReportMonthly}
		p.eval = evaluationOf(r, p.method)
		c := g.cities[r.IntN(len(g.cities))]
		switch q := r.IntN(100); {
		case q < 3:
			p.region = g.province
		case q < 25 || len(g.counties[c.code]) == 0:
			p.region = c
		default:
			ks := g.counties[c.code]
			p.region = ks[r.IntN(len(ks))]
		}
		switch q := r.IntN(1000); {
		case q < 8:
			p.outcome = outDraft
		case q < 70:
			p.outcome, p.cancelStage = outCancel, r.IntN(3)
		case q < 140:
			p.outcome = outFail
		default:
			p.outcome = outContract
		}
		if p.outcome == outDraft {
			p.created = g.now.Add(-time.Duration(1+r.IntN(40*24)) * time.Hour)
		} else {
			p.published = g.officeTime(r, day(start.Add(time.Duration(r.Int64N(int64(span))))))
			if p.published.After(g.now) {
				p.published = g.now.Add(-time.Hour)
			}
			p.created = g.later(r, p.published, -10, -1)
		}
		switch q := r.IntN(100); {
		case q < 65:
			p.months = 12
		case q < 85:
			p.months = 24
		default:
			p.months = 36
		}
		if r.IntN(100) < 15 {
			p.interval = models.ReportQuarterly
		}
		p.terminate = r.IntN(1000) < 15
		p.startup = r.IntN(10) == 0
		p.midFail = r.IntN(100) < 3
		out = append(out, p)
	}
	return out
}

// seedPlan is the article's year: 10 cities and 62 counties buying, 112
// projects published (100 contracted with 93 organisations, 6 cancelled,
// 6 unsuccessful) and 3 drafts; 312 certified social workers in the 93.
func (g *generator) seedPlan() []*tenderPlan {
	r := g.rng
	y := g.opt.Year
	cities := append([]region(nil), g.cities...)
	r.Shuffle(len(cities), func(i, j int) { cities[i], cities[j] = cities[j], cities[i] })
	cities = cities[:10]
	sort.Slice(cities, func(i, j int) bool { return cities[i].code < cities[j].code })
	g.staffUsers(cities)
	// 62 counties: at least one per city, the rest in proportion.
	var pool []region
	var counties []region
	for _, c := range cities {
		ks := append([]region(nil), g.counties[c.code]...)
		r.Shuffle(len(ks), func(i, j int) { ks[i], ks[j] = ks[j], ks[i] })
		counties = append(counties, ks[0])
		pool = append(pool, ks[1:]...)
	}
	r.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
	counties = append(counties, pool[:62-len(counties)]...)
	// 112 published: one per county, 38 more in counties, one per city, 2 of the province.
	regions := append([]region(nil), counties...)
	for i := 0; i < 38; i++ {
		regions = append(regions, counties[r.IntN(len(counties))])
	}
	regions = append(regions, cities...)
	regions = append(regions, g.province, g.province)
	r.Shuffle(len(regions), func(i, j int) { regions[i], regions[j] = regions[j], regions[i] })
	outcomes := make([]string, 112)
	for i := range outcomes {
		switch {
		case i < 100:
			outcomes[i] = outContract
		case i < 106:
			outcomes[i] = outCancel
		default:
			outcomes[i] = outFail
		}
	}
	// The 93 serving organisations hold 312 certified workers: 2 each, and
	// 126 more spread among them.
	certs := make([]int, 93)
	for i := range certs {
		certs[i] = 2
	}
	for i := 0; i < 312-2*93; i++ {
		certs[r.IntN(93)]++
	}
	var plans []*tenderPlan
	winners := 0
	var won []*org
	for i, reg := range regions {
		p := &tenderPlan{region: reg, outcome: outcomes[i], item: g.items[r.IntN(len(g.items))], method: g.methodOf(r), interval: models.ReportMonthly}
		p.eval = evaluationOf(r, p.method)
		p.published = g.officeTime(r, addDays(fmt.Sprintf("%d-01-10", y), r.IntN(110)))
		p.created = g.later(r, p.published, -8, -1)
		p.months = 12
		p.startup = r.IntN(8) == 0
		p.midFail = i == 3 || i == 40
		if p.outcome == outCancel {
			p.cancelStage = i % 3
		}
		if p.outcome == outContract {
			if winners < 93 {
				p.winner = g.newOrg(reg, models.OrgVerified, certs[winners])
				won = append(won, p.winner)
				winners++
			}
		}
		plans = append(plans, p)
	}
	// Seven organisations win a second project.
	k := 0
	for _, p := range plans {
		if p.outcome == outContract && p.winner == nil {
			p.winner = won[(k*13)%len(won)]
			k++
		}
	}
	// Organisations that bid and lose, and some not yet verified.
	g.organisations(45, cities)
	for i := 0; i < 3; i++ {
		p := &tenderPlan{region: counties[r.IntN(len(counties))], outcome: outDraft, item: g.items[r.IntN(len(g.items))], method: g.methodOf(r), months: 12, interval: models.ReportMonthly}
		p.eval = evaluationOf(r, p.method)
		p.created = g.officeTime(r, fmt.Sprintf("%d-%02d-15", y, 5+i))
		plans = append(plans, p)
	}
	return plans
}
