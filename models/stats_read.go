package models

import (
	"context"
	"maps"
	"math/big"
	"slices"
	"time"

	"gorm.io/gorm"
)

// The statistics read: a handful of grouped queries, one per source table,
// each grouped by region code and catalogue item (and month for reports),
// read in one read transaction with one clock reading; the totals, the
// children, the items and the months are then summed from those rows in
// Go. Each table is scanned once whatever the number of buckets.

// StatsQuery asks for one region's figures over one period (dates
// inclusive, YYYY-MM-DD, China Standard Time).
type StatsQuery struct {
	Region string
	From   string
	To     string
}

// Stats is the answer of GET /api/v1/stats (API.md "Statistics").
type Stats struct {
	Region    StatsRegion     `json:"region"`
	From      string          `json:"from"`
	To        string          `json:"to"`
	Totals    StatsTotals     `json:"totals"`
	Children  []StatsChild    `json:"children"`
	BySource  []SourceStats   `json:"by_source"`
	ByItem    []ItemStats     `json:"by_item"`
	ByMonth   []MonthStats    `json:"by_month"`
	Contracts []ContractStats `json:"contracts,omitempty"`
	// Path is the region and its ancestors, top first (for the pages).
	Path []Region `json:"-"`
	// Drill is true when the caller sees the region's contracts.
	Drill bool `json:"-"`
}

// StatsChild is a child region's totals.
type StatsChild struct {
	Region StatsRegion `json:"region"`
	Totals StatsTotals `json:"totals"`
}

// SourceStats is money by funding source.
type SourceStats struct {
	Source        string `json:"source"`
	BudgetFen     int64  `json:"budget_fen"`
	ContractedFen int64  `json:"contracted_fen"`
	PaidFen       int64  `json:"paid_fen"`
}

// ItemStats is one catalogue item's figures.
type ItemStats struct {
	CatalogueCode             string `json:"catalogue_code"`
	Name                      string `json:"name"`
	NameEn                    string `json:"name_en"`
	Projects                  int64  `json:"projects"`
	ContractedFen             int64  `json:"contracted_fen"`
	ChildrenServedPersonTimes int64  `json:"children_served_person_times"`
}

// MonthStats is one month's service, from approved reports whose period
// ends in it.
type MonthStats struct {
	Month                     string     `json:"month"` // YYYY-MM
	ServiceHours              Hundredths `json:"service_hours"`
	VolunteerPersonTimes      int64      `json:"volunteer_person_times"`
	VolunteerHours            Hundredths `json:"volunteer_hours"`
	ChildrenServedPersonTimes int64      `json:"children_served_person_times"`
}

// ContractStats is one contract of the region itself, for staff.
type ContractStats struct {
	ID                        int64      `json:"id"`
	Number                    string     `json:"number"`
	Title                     string     `json:"title"`
	OrganisationID            int64      `json:"organisation_id"`
	OrganisationName          string     `json:"organisation_name"`
	Status                    string     `json:"status"`
	AmountFen                 int64      `json:"amount_fen"`
	PaidFen                   int64      `json:"paid_fen"`
	ServiceHours              Hundredths `json:"service_hours"`
	VolunteerPersonTimes      int64      `json:"volunteer_person_times"`
	ChildrenServedPersonTimes int64      `json:"children_served_person_times"`
}

// MaxStatsDays bounds a period: ten years.
const MaxStatsDays = 3660

// check validates q, filling the current year for missing dates.
func (q *StatsQuery) check(now time.Time) error {
	var fe []FieldError
	if !regionFilter.MatchString(q.Region) {
		fe = append(fe, Field("region", "region", ""))
	}
	year := now.In(ChinaZone).Format("2006")
	if q.From == "" {
		q.From = year + "-01-01"
	}
	if q.To == "" {
		q.To = year + "-12-31"
	}
	from, okFrom := parseDate(q.From)
	to, okTo := parseDate(q.To)
	for _, d := range []struct {
		field string
		at    time.Time
		ok    bool
	}{{"from", from, okFrom}, {"to", to, okTo}} {
		switch {
		case !d.ok:
			fe = append(fe, Field(d.field, "date", ""))
		case d.at.Before(statsFirstDay) || d.at.After(statsLastDay):
			fe = append(fe, Field(d.field, "date_range", dateRange(statsFirstDay, statsLastDay)))
		}
	}
	okFrom = okFrom && !from.Before(statsFirstDay) && !from.After(statsLastDay)
	okTo = okTo && !to.Before(statsFirstDay) && !to.After(statsLastDay)
	if okFrom && okTo {
		switch {
		case to.Before(from):
			fe = append(fe, Field("to", "after", q.From))
		case to.Sub(from) > MaxStatsDays*24*time.Hour:
			fe = append(fe, Field("to", "max_days", "3660"))
		}
	}
	if len(fe) > 0 {
		return Invalid(fe...)
	}
	return nil
}

// statsPeriod is a period as dates and as the instants that bound it.
type statsPeriod struct {
	from, to      string    // dates, inclusive
	start, finish time.Time // [start, finish): from 00:00 to the day after to, in UTC
}

// inServiceSQL holds a contract (as c) whose service overlaps the period,
// signed by its end and not terminated before its start; its arguments
// are inServiceArgs.
const inServiceSQL = `(c.service_start <= ? AND c.service_end >= ? AND c.signed_at < ? AND (c.terminated_at IS NULL OR c.terminated_at >= ?))`

func (p statsPeriod) inServiceArgs() []any { return []any{p.to, p.from, p.finish, p.start} }

func periodOf(q StatsQuery) statsPeriod {
	from, _ := parseDate(q.From)
	to, _ := parseDate(q.To)
	return statsPeriod{from: q.From, to: q.To, start: from.UTC(), finish: to.AddDate(0, 0, 1).UTC()}
}

// Stats reads q's figures. Anyone may; staff whose contract:read grants
// reach the region also get its own contracts.
func (s *Store) Stats(ctx context.Context, a *Actor, q StatsQuery) (*Stats, error) {
	if err := q.check(s.now()); err != nil {
		return nil, err
	}
	// At most as many statistics are worked out at once as there are
	// slots (the cores): each reads whole tables, so more at a time would
	// add their memory and no speed; the others wait their turn.
	if s.statsSlots != nil {
		select {
		case s.statsSlots <- struct{}{}:
			defer func() { <-s.statsSlots }()
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	var out *Stats
	err := s.readMayLag(ctx, func(r *Store) error {
		var err error
		out, err = r.stats(ctx, a, q)
		return err
	})
	return out, err
}

func (s *Store) stats(ctx context.Context, a *Actor, q StatsQuery) (*Stats, error) {
	db := s.DB.WithContext(ctx)
	path, err := s.RegionPath(ctx, q.Region)
	if err != nil {
		return nil, err
	}
	reg := path[len(path)-1]
	st := &Stats{Region: StatsRegion{reg.Code, reg.Name}, From: q.From, To: q.To, Path: path,
		Children: []StatsChild{}, BySource: []SourceStats{}, ByItem: []ItemStats{}, ByMonth: []MonthStats{}}
	kids, err := s.Regions(ctx, reg.Code)
	if err != nil {
		return nil, err
	}
	b := newStatsBuckets(reg.Code, kids)
	p := periodOf(q)
	for _, read := range []func(*gorm.DB, *statsBuckets, statsPeriod) error{
		statsTenders, statsContracts, statsOrganisations, statsPayments, statsReports, statsEvaluations} {
		if err := read(db, b, p); err != nil {
			return nil, err
		}
	}
	if err := b.finish(db); err != nil {
		return nil, err
	}
	st.Totals = b.total.totals()
	for _, k := range kids {
		st.Children = append(st.Children, StatsChild{Region: StatsRegion{k.Code, k.Name}, Totals: b.child[k.Code].totals()})
	}
	st.BySource = b.sources()
	st.ByItem = b.items
	st.ByMonth = b.months(p)
	if a.Can("contract:read", reg.Code) {
		st.Drill = true
		if st.Contracts, err = statsContractsOf(db, reg.Code, p, chinaToday(s.now())); err != nil {
			return nil, err
		}
	}
	return st, nil
}

// tally is one bucket's figures while they are summed.
type tally struct {
	StatsTotals
	cities, counties map[string]bool
	serving          map[int64]bool
	scoreSum         int64 // hundredths
}

func newTally() *tally {
	return &tally{cities: map[string]bool{}, counties: map[string]bool{}, serving: map[int64]bool{}}
}

func (t *tally) totals() StatsTotals {
	out := t.StatsTotals
	out.RegionsBuying = RegionsBuying{Cities: int64(len(t.cities)), Counties: int64(len(t.counties))}
	out.OrganisationsServing = int64(len(t.serving))
	if out.Evaluations > 0 {
		avg := Hundredths(scoreHundredths(new(big.Rat).SetFrac64(t.scoreSum, 100*out.Evaluations)))
		out.AverageScore = &avg
	}
	return out
}

// statsBuckets sums rows into the region's totals, its children's, the
// items', the sources' and the months'.
type statsBuckets struct {
	region   string
	childLen int
	total    *tally
	child    map[string]*tally
	item     map[string]*ItemStats
	items    []ItemStats
	source   map[string]*SourceStats
	month    map[string]*MonthStats
	// tenderLines are the budget lines of tenders whose contract or
	// payments are split by source.
	tenderLines map[int64][]budgetLine
}

type budgetLine struct {
	Source    string
	AmountFen int64
}

func newStatsBuckets(region string, kids []Region) *statsBuckets {
	b := &statsBuckets{region: region, total: newTally(), child: map[string]*tally{}, item: map[string]*ItemStats{},
		source: map[string]*SourceStats{}, month: map[string]*MonthStats{}, tenderLines: map[int64][]budgetLine{}}
	for _, k := range kids {
		b.child[k.Code] = newTally()
		b.childLen = len(k.Code)
	}
	return b
}

// add applies fn to the region's tally and to the child's the code lies
// in (none for the region's own rows).
func (b *statsBuckets) add(code string, fn func(t *tally)) {
	fn(b.total)
	if b.childLen > 0 && len(code) >= b.childLen {
		if t, ok := b.child[code[:b.childLen]]; ok {
			fn(t)
		}
	}
}

func (b *statsBuckets) itemOf(code string) *ItemStats {
	it, ok := b.item[code]
	if !ok {
		it = &ItemStats{CatalogueCode: code}
		b.item[code] = it
	}
	return it
}

func (b *statsBuckets) sourceOf(src string) *SourceStats {
	s, ok := b.source[src]
	if !ok {
		s = &SourceStats{Source: src}
		b.source[src] = s
	}
	return s
}

// treeLike is the LIKE pattern of a region and everything below it.
func (b *statsBuckets) treeLike() string { return b.region + "%" }

// Region code lengths by level: 45, 4501, 450102, 450102001.
const (
	cityCodeLen   = 4
	countyCodeLen = 6
)

func statsTenders(db *gorm.DB, b *statsBuckets, p statsPeriod) error {
	var rows []struct {
		ID            int64
		RegionCode    string
		CatalogueCode string
		BudgetFen     int64
		Awarded       bool
		ContractFen   *int64
	}
	err := db.Raw(`SELECT t.id, t.region_code, t.catalogue_code, t.budget_fen,
	(t.status IN ('awarded', 'contracted') OR c.id IS NOT NULL) AS awarded, c.amount_fen AS contract_fen
FROM tenders t LEFT JOIN contracts c ON c.tender_id = t.id
WHERE t.region_code LIKE ? AND t.published_at >= ? AND t.published_at < ?`, b.treeLike(), p.start, p.finish).Scan(&rows).Error
	if err != nil {
		return err
	}
	split := map[int64]int64{}
	for _, r := range rows {
		it := b.itemOf(r.CatalogueCode)
		it.Projects++
		var contracted int64
		if r.ContractFen != nil {
			contracted = *r.ContractFen
			split[r.ID] = contracted
		}
		it.ContractedFen += contracted
		b.add(r.RegionCode, func(t *tally) {
			t.ProjectsPublished++
			if r.Awarded {
				t.ProjectsAwarded++
			}
			t.BudgetFen += r.BudgetFen
			t.ContractedFen += contracted
			if len(r.RegionCode) >= cityCodeLen {
				t.cities[r.RegionCode[:cityCodeLen]] = true
			}
			if len(r.RegionCode) >= countyCodeLen {
				t.counties[r.RegionCode[:countyCodeLen]] = true
			}
		})
	}
	// Budget lines of the same tenders: the budget by source as it is,
	// the contract amount split in proportion.
	var lines []struct {
		TenderID  int64
		Source    string
		AmountFen int64
	}
	err = db.Raw(`SELECT l.tender_id, l.source, l.amount_fen FROM tender_budget_lines l JOIN tenders t ON t.id = l.tender_id
WHERE t.region_code LIKE ? AND t.published_at >= ? AND t.published_at < ? ORDER BY l.tender_id, l.id`, b.treeLike(), p.start, p.finish).Scan(&lines).Error
	if err != nil {
		return err
	}
	for _, l := range lines {
		b.sourceOf(l.Source).BudgetFen += l.AmountFen
		b.tenderLines[l.TenderID] = append(b.tenderLines[l.TenderID], budgetLine{l.Source, l.AmountFen})
	}
	for id, amount := range split {
		for i, part := range splitBySource(amount, b.tenderLines[id]) {
			b.sourceOf(b.tenderLines[id][i].Source).ContractedFen += part
		}
	}
	return nil
}

// splitBySource splits amount across lines in proportion to their
// amounts, rounding down, with what rounding left to the largest line
// (the first of equal ones): the parts add up to amount.
func splitBySource(amount int64, lines []budgetLine) []int64 {
	var sum int64
	largest := 0
	for i, l := range lines {
		sum += l.AmountFen
		if l.AmountFen > lines[largest].AmountFen {
			largest = i
		}
	}
	parts := make([]int64, len(lines))
	if sum <= 0 {
		return parts
	}
	left := amount
	for i, l := range lines {
		// amount × line / sum exactly: both below 10^12, so the product
		// may pass int64; big.Int keeps it exact.
		v := new(big.Int).Mul(big.NewInt(amount), big.NewInt(l.AmountFen))
		parts[i] = v.Quo(v, big.NewInt(sum)).Int64()
		left -= parts[i]
	}
	parts[largest] += left
	return parts
}

func statsContracts(db *gorm.DB, b *statsBuckets, p statsPeriod) error {
	var rows []struct {
		RegionCode     string
		OrganisationID int64
	}
	err := db.Raw(`SELECT c.region_code, c.organisation_id FROM contracts c
WHERE c.region_code LIKE ? AND `+inServiceSQL, append([]any{b.treeLike()}, p.inServiceArgs()...)...).Scan(&rows).Error
	if err != nil {
		return err
	}
	for _, r := range rows {
		b.add(r.RegionCode, func(t *tally) {
			t.ProjectsInService++
			t.serving[r.OrganisationID] = true
		})
	}
	return nil
}

func statsOrganisations(db *gorm.DB, b *statsBuckets, p statsPeriod) error {
	var rows []struct {
		RegionCode string
		N          int64
	}
	err := db.Raw(`SELECT region_code, COUNT(*) AS n FROM organisations
WHERE region_code LIKE ? AND status = 'verified' AND created_at < ? GROUP BY region_code`, b.treeLike(), p.finish).Scan(&rows).Error
	if err != nil {
		return err
	}
	for _, r := range rows {
		b.add(r.RegionCode, func(t *tally) { t.OrganisationsVerified += r.N })
	}
	return nil
}

func statsPayments(db *gorm.DB, b *statsBuckets, p statsPeriod) error {
	var rows []struct {
		TenderID   int64
		RegionCode string
		PaidFen    int64
	}
	err := db.Raw(`SELECT c.tender_id, c.region_code, SUM(pt.amount_fen) AS paid_fen FROM payment_tranches pt JOIN contracts c ON c.id = pt.contract_id
WHERE c.region_code LIKE ? AND pt.status = 'paid' AND pt.paid_on >= ? AND pt.paid_on <= ? GROUP BY c.tender_id, c.region_code`,
		b.treeLike(), p.from, p.to).Scan(&rows).Error
	if err != nil {
		return err
	}
	var missing []int64
	for _, r := range rows {
		b.add(r.RegionCode, func(t *tally) { t.PaidFen += r.PaidFen })
		if _, ok := b.tenderLines[r.TenderID]; !ok {
			missing = append(missing, r.TenderID)
		}
	}
	if err := b.readLines(db, missing); err != nil {
		return err
	}
	for _, r := range rows {
		lines := b.tenderLines[r.TenderID]
		for i, part := range splitBySource(r.PaidFen, lines) {
			b.sourceOf(lines[i].Source).PaidFen += part
		}
	}
	return nil
}

// readLines reads the budget lines of tenders not read yet (payments on
// contracts whose tender was published before the period), in chunks.
func (b *statsBuckets) readLines(db *gorm.DB, ids []int64) error {
	for len(ids) > 0 {
		n := min(len(ids), 500)
		var lines []struct {
			TenderID  int64
			Source    string
			AmountFen int64
		}
		if err := db.Raw(`SELECT tender_id, source, amount_fen FROM tender_budget_lines WHERE tender_id IN ? ORDER BY tender_id, id`, ids[:n]).
			Scan(&lines).Error; err != nil {
			return err
		}
		for _, l := range lines {
			b.tenderLines[l.TenderID] = append(b.tenderLines[l.TenderID], budgetLine{l.Source, l.AmountFen})
		}
		ids = ids[n:]
	}
	return nil
}

func statsReports(db *gorm.DB, b *statsBuckets, p statsPeriod) error {
	var rows []struct {
		RegionCode                string
		CatalogueCode             string
		Month                     string
		ServiceHours              int64
		VolunteerPersonTimes      int64
		VolunteerHours            int64
		ChildrenServedPersonTimes int64
	}
	// stats_service holds the approved reports' sums (stats_service.go).
	err := db.Raw(`SELECT region_code, catalogue_code, SUBSTR(period_end, 1, 7) AS month,
	SUM(service_hours) AS service_hours, SUM(volunteer_person_times) AS volunteer_person_times,
	SUM(volunteer_hours) AS volunteer_hours, SUM(children_served_person_times) AS children_served_person_times
FROM stats_service WHERE period_end >= ? AND period_end <= ? AND region_code LIKE ?
GROUP BY region_code, catalogue_code, SUBSTR(period_end, 1, 7)`, p.from, p.to, b.treeLike()).Scan(&rows).Error
	if err != nil {
		return err
	}
	for _, r := range rows {
		b.add(r.RegionCode, func(t *tally) {
			t.ServiceHours += Hundredths(r.ServiceHours)
			t.VolunteerPersonTimes += r.VolunteerPersonTimes
			t.VolunteerHours += Hundredths(r.VolunteerHours)
			t.ChildrenServedPersonTimes += r.ChildrenServedPersonTimes
		})
		b.itemOf(r.CatalogueCode).ChildrenServedPersonTimes += r.ChildrenServedPersonTimes
		m, ok := b.month[r.Month]
		if !ok {
			m = &MonthStats{Month: r.Month}
			b.month[r.Month] = m
		}
		m.ServiceHours += Hundredths(r.ServiceHours)
		m.VolunteerPersonTimes += r.VolunteerPersonTimes
		m.VolunteerHours += Hundredths(r.VolunteerHours)
		m.ChildrenServedPersonTimes += r.ChildrenServedPersonTimes
	}
	return nil
}

func statsEvaluations(db *gorm.DB, b *statsBuckets, p statsPeriod) error {
	// A phase is complete when every assigned supervisor has scored it
	// (recorded = assigned); its result is the exact mean of its totals,
	// and its date its last score's.
	var rows []struct {
		RegionCode string
		N          int64
		Total      int64
	}
	err := db.Raw(`SELECT c.region_code, ph.n, ph.total
FROM (SELECT e.contract_id, COUNT(*) AS n, SUM(e.total) AS total, COUNT(cs.id) AS recorded, MAX(e.created_at) AS last_at
	FROM supervision_evaluations e LEFT JOIN contract_supervisors cs ON cs.contract_id = e.contract_id AND cs.supervisor_id = e.supervisor_id
	GROUP BY e.contract_id, e.phase) ph
JOIN contracts c ON c.id = ph.contract_id
WHERE c.region_code LIKE ? AND ph.last_at >= ? AND ph.last_at < ? AND ph.recorded > 0
	AND ph.recorded = (SELECT COUNT(*) FROM contract_supervisors a WHERE a.contract_id = ph.contract_id)`, b.treeLike(), p.start, p.finish).Scan(&rows).Error
	if err != nil {
		return err
	}
	for _, r := range rows {
		mean := Hundredths(scoreHundredths(new(big.Rat).SetFrac64(r.Total, 100*r.N)))
		b.add(r.RegionCode, func(t *tally) {
			t.Evaluations++
			t.scoreSum += int64(mean)
			switch gradeOf(mean) {
			case GradeExcellent:
				t.Grades.Excellent++
			case GradeGood:
				t.Grades.Good++
			case GradePass:
				t.Grades.Pass++
			default:
				t.Grades.Fail++
			}
		})
	}
	return nil
}

// finish reads what the sums so far need: certified social workers of the
// serving organisations, and the items' names.
func (b *statsBuckets) finish(db *gorm.DB) error {
	orgs := slices.Sorted(maps.Keys(b.total.serving))
	workers := map[int64]int64{}
	for chunk := range slices.Chunk(orgs, 500) {
		var rows []struct {
			OrganisationID int64
			N              int64
		}
		if err := db.Raw(`SELECT organisation_id, COUNT(*) AS n FROM organisation_staff WHERE level <> '' AND organisation_id IN ? GROUP BY organisation_id`,
			chunk).Scan(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			workers[r.OrganisationID] = r.N
		}
	}
	for _, t := range append([]*tally{b.total}, slices.Collect(maps.Values(b.child))...) {
		for id := range t.serving {
			t.SocialWorkers += workers[id]
		}
	}
	codes := slices.Sorted(maps.Keys(b.item))
	names := map[string][2]string{}
	for chunk := range slices.Chunk(codes, 500) {
		var rows []struct {
			Code, Name, NameEn string
			Year               int
		}
		if err := db.Raw(`SELECT i.code, i.name, i.name_en, v.year FROM catalogue_items i JOIN catalogue_versions v ON v.id = i.version_id
WHERE i.code IN ? ORDER BY v.year`, chunk).Scan(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			names[r.Code] = [2]string{r.Name, r.NameEn} // the latest year's name wins
		}
	}
	for _, c := range codes {
		it := *b.item[c]
		it.Name, it.NameEn = names[c][0], names[c][1]
		b.items = append(b.items, it)
	}
	if b.items == nil {
		b.items = []ItemStats{}
	}
	return nil
}

// sources lists the sources in the order of FundingSourceKeys, each once
// it has any money.
func (b *statsBuckets) sources() []SourceStats {
	out := []SourceStats{}
	for _, k := range FundingSourceKeys {
		if s, ok := b.source[k]; ok {
			out = append(out, *s)
		}
	}
	for k, s := range b.source {
		if !slices.Contains(FundingSourceKeys, k) {
			out = append(out, *s)
		}
	}
	return out
}

// months lists every month of the period, empty ones included, so that
// a trend has no gaps.
func (b *statsBuckets) months(p statsPeriod) []MonthStats {
	out := []MonthStats{}
	for m := p.from[:7]; m <= p.to[:7]; m = nextMonth(m) {
		if ms, ok := b.month[m]; ok {
			out = append(out, *ms)
		} else {
			out = append(out, MonthStats{Month: m})
		}
	}
	return out
}

func nextMonth(m string) string {
	t, _ := time.Parse("2006-01", m)
	return t.AddDate(0, 1, 0).Format("2006-01")
}

// statsContractsOf lists the region's own contracts counted in the
// period (in service in it, or of a tender published in it), with each
// one's figures for the period.
func statsContractsOf(db *gorm.DB, region string, p statsPeriod, today string) ([]ContractStats, error) {
	out := []ContractStats{}
	err := db.Raw(`SELECT c.id, c.number, t.title, c.organisation_id, o.name AS organisation_name,
	`+contractStatusOf("c.")+` AS status, c.amount_fen,
	COALESCE((SELECT SUM(pt.amount_fen) FROM payment_tranches pt WHERE pt.contract_id = c.id AND pt.status = 'paid' AND pt.paid_on >= ? AND pt.paid_on <= ?), 0) AS paid_fen,
	CAST(COALESCE(r.service_hours, 0) AS BIGINT) AS service_hours, COALESCE(r.volunteer_person_times, 0) AS volunteer_person_times,
	COALESCE(r.children_served_person_times, 0) AS children_served_person_times
FROM contracts c JOIN tenders t ON t.id = c.tender_id JOIN organisations o ON o.id = c.organisation_id
LEFT JOIN (SELECT contract_id, SUM(service_hours) AS service_hours, SUM(volunteer_person_times) AS volunteer_person_times,
		SUM(children_served_person_times) AS children_served_person_times
	FROM service_reports WHERE status = 'approved' AND period_end >= ? AND period_end <= ? GROUP BY contract_id) r ON r.contract_id = c.id
WHERE c.region_code = ? AND (`+inServiceSQL+` OR (t.published_at >= ? AND t.published_at < ?))
ORDER BY c.service_start DESC, c.id DESC`, slices.Concat([]any{today, p.from, p.to, p.from, p.to, region}, p.inServiceArgs(), []any{p.start, p.finish})...).
		Scan(&out).Error
	return out, err
}
