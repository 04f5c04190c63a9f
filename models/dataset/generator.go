package dataset

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"portal/models"
	"portal/models/uscc"

	"gorm.io/gorm"
)

type region struct {
	code, name, parent string
	level              int
}

type indicator struct {
	key, unit string
	weight    int
}

type item struct {
	code, name string
	indicators []indicator
}

type staff struct {
	id                int64
	name, level, cert string
}

type org struct {
	id      int64
	region  string // where it is registered on the portal
	city    string // its city's code ("" for the province)
	status  string
	created time.Time
	staff   []staff
	member  int64 // its agency user
}

func (o *org) certified() int64 {
	var n int64
	for _, s := range o.staff {
		if s.level != "" {
			n++
		}
	}
	return n
}

// Tender outcomes the plan asks for; where the clock stops a tender
// before it, the tender stays in the status it has reached.
const (
	outContract = "contract"
	outCancel   = "cancel"
	outFail     = "fail"
	outDraft    = "draft"
)

type tenderPlan struct {
	id          int64
	code        string
	region      region
	item        *item
	method      string
	eval        string
	outcome     string
	cancelStage int // 0 while published, 1 evaluating, 2 awarded
	created     time.Time
	published   time.Time // zero for a draft
	winner      *org      // wanted winner (seed scale), else chosen
	months      int       // service length
	interval    string
	terminate   bool
	startup     bool
	midFail     bool
}

type generator struct {
	ctx     context.Context
	db      *gorm.DB
	sqlDB   *sql.DB
	dialect models.Dialect
	sealer  *models.Sealer
	opt     Options
	rng     *rand.Rand
	w       *writer
	ids     *ids
	now     time.Time
	today   string
	epoch   time.Time // when the accounts and organisations were registered
	from    string
	to      string
	hash    string

	province    region
	cities      []region
	counties    map[string][]region // by city
	regionByKey map[string]region
	items       []*item

	buyers      map[string]int64   // procurement user per region
	experts     map[string][]int64 // by "45" or city
	supervisors map[string][]int64 // by "45" or city
	orgs        []*org
	bidders     map[string][]*org // verified organisations by city ("45": all)
	counters    map[string]int    // tender codes: region/year → last number

	acc      map[string]*accum // "45" and each city
	bySource map[string]*SourceFigures
	byItem   map[string]*ItemFigures
	serving  map[int64]bool
	// exact targets of the seed scale over the approved reports of the period
	exactVolunteers, exactChildren int64
	eligibleWeight                 float64
	usedWeight                     float64
	reportFactor                   float64 // parts per reporting period (guangxi)
	lives                          map[int64]*contractLife
	rooms                          map[string][]*room // incubation base rooms by city
}

// room is a room of a city's incubation base and the days it is held.
type room struct {
	id   int64
	held [][2]string
}

func newGenerator(ctx context.Context, db *gorm.DB, d models.Dialect, sqlDB *sql.DB, sealer *models.Sealer, opt Options) (*generator, error) {
	g := &generator{ctx: ctx, db: db, sqlDB: sqlDB, dialect: d, sealer: sealer, opt: opt,
		rng: rand.New(rand.NewPCG(opt.Seed, 0x5eed)), now: opt.Now, today: day(opt.Now),
		counties: map[string][]region{}, regionByKey: map[string]region{}, buyers: map[string]int64{},
		experts: map[string][]int64{}, supervisors: map[string][]int64{}, bidders: map[string][]*org{},
		counters: map[string]int{}, acc: map[string]*accum{}, bySource: map[string]*SourceFigures{},
		byItem: map[string]*ItemFigures{}, serving: map[int64]bool{}, reportFactor: 1, lives: map[int64]*contractLife{}, rooms: map[string][]*room{}}
	if opt.Scale == ScaleSeed {
		g.from, g.to = fmt.Sprintf("%d-01-01", opt.Year), fmt.Sprintf("%d-12-31", opt.Year)
		g.epoch = beijing(fmt.Sprintf("%d-11-15", opt.Year-1), 10, 0)
		g.exactVolunteers, g.exactChildren = 27_000, 80_640
	} else {
		y := g.now.In(models.ChinaZone).Year()
		g.from, g.to = fmt.Sprintf("%d-01-01", y-2), fmt.Sprintf("%d-12-31", y)
		g.epoch = beijing(fmt.Sprintf("%d-10-15", y-3), 10, 0)
	}
	if err := g.loadRegions(); err != nil {
		return nil, err
	}
	var err error
	if g.ids, err = loadIDs(ctx, sqlDB); err != nil {
		return nil, err
	}
	if g.hash, err = models.HashPassword(opt.Password); err != nil {
		return nil, err
	}
	g.w = newWriter(ctx, sqlDB, d, opt.Progress)
	return g, nil
}

// Time helpers: days are Beijing dates (YYYY-MM-DD); times are UTC.
func day(t time.Time) string { return t.In(models.ChinaZone).Format(time.DateOnly) }

func beijing(d string, hour, minute int) time.Time {
	t, err := time.ParseInLocation(time.DateOnly, d, models.ChinaZone)
	if err != nil {
		panic(err)
	}
	return t.Add(time.Duration(hour)*time.Hour + time.Duration(minute)*time.Minute).UTC()
}

func addDays(d string, n int) string {
	t, _ := time.ParseInLocation(time.DateOnly, d, models.ChinaZone)
	return t.AddDate(0, 0, n).Format(time.DateOnly)
}

// officeTime is a time on day d in Beijing office hours.
func (g *generator) officeTime(r *rand.Rand, d string) time.Time {
	return beijing(d, 9+r.IntN(8), r.IntN(60)).Add(time.Duration(r.IntN(60)) * time.Second)
}

// later is t plus from..to whole days, at office hours.
func (g *generator) later(r *rand.Rand, t time.Time, from, to int) time.Time {
	return g.officeTime(r, addDays(day(t), from+r.IntN(to-from+1)))
}

func (g *generator) past(t time.Time) bool { return !t.IsZero() && !t.After(g.now) }

func (g *generator) loadRegions() error {
	var rows []struct {
		Code, Name, ParentCode string
		Level                  int
	}
	if err := g.db.WithContext(g.ctx).Raw("SELECT code, name, parent_code, level FROM regions WHERE code LIKE '45%' AND level <= 3 ORDER BY code").Scan(&rows).Error; err != nil {
		return err
	}
	for _, r := range rows {
		reg := region{code: r.Code, name: r.Name, parent: r.ParentCode, level: r.Level}
		g.regionByKey[r.Code] = reg
		switch r.Level {
		case models.LevelProvince:
			g.province = reg
		case models.LevelCity:
			g.cities = append(g.cities, reg)
		case models.LevelCounty:
			g.counties[r.ParentCode] = append(g.counties[r.ParentCode], reg)
		}
	}
	if g.province.code != "45" || len(g.cities) == 0 {
		return fmt.Errorf("dataset: region 45 and its cities are not in the regions table (is the database migrated?)")
	}
	g.acc["45"] = newAccum()
	for _, c := range g.cities {
		g.acc[c.code] = newAccum()
	}
	return nil
}

func (g *generator) run() error {
	start := time.Now()
	if g.opt.Progress != nil {
		fmt.Fprintf(g.opt.Progress, "generating the %s scale (%s – %s, seed %d) on %s\n", g.opt.Scale, g.from, g.to, g.opt.Seed, g.dialect)
	}
	if err := g.catalogue(); err != nil {
		return err
	}
	var plans []*tenderPlan
	if g.opt.Scale == ScaleSeed {
		plans = g.seedPlan()
	} else {
		g.staffUsers(g.cities)
		g.organisations(g.opt.Organisations, nil)
		plans = g.guangxiPlan(g.opt.Tenders)
	}
	if err := g.w.flush(); err != nil {
		return err
	}
	sort.SliceStable(plans, func(i, j int) bool { return plans[i].created.Before(plans[j].created) })
	for _, p := range plans {
		p.id = g.ids.of("tenders")
		y := p.created.In(models.ChinaZone).Year()
		key := fmt.Sprintf("%s/%d", p.region.code, y)
		g.counters[key]++
		p.code = fmt.Sprintf("%s-%d-%04d", p.region.code, y, g.counters[key])
	}
	var contracts []*contractPlan
	for _, p := range plans {
		c, err := g.tender(p)
		if err != nil {
			return err
		}
		if c != nil {
			contracts = append(contracts, c)
		}
	}
	keys := make([]string, 0, len(g.counters))
	for k := range g.counters {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		reg, y, _ := strings.Cut(k, "/")
		if err := g.w.add("tender_code_counters", []string{"region_code", "year", "last_seq"}, reg, atoi(y), g.counters[k]); err != nil {
			return err
		}
	}
	g.planReports(contracts)
	for _, c := range contracts {
		if err := g.contract(c); err != nil {
			return err
		}
	}
	if err := g.w.flush(); err != nil {
		return err
	}
	if err := g.w.resetSequences(); err != nil {
		return err
	}
	// Processes already running reload the policy (the new grants).
	if _, err := g.sqlDB.ExecContext(g.ctx, "UPDATE policy_versions SET version = version + 1 WHERE id = 1"); err != nil {
		return err
	}
	// The reports went in past the approving transaction that keeps the
	// statistics' sums.
	if err := models.RebuildServiceStats(g.db.WithContext(g.ctx)); err != nil {
		return err
	}
	// And past the transactions that write each tender's open-data
	// release: each published tender gets its first, as migration 21
	// gives the tenders published before it.
	if err := g.db.WithContext(g.ctx).Transaction(func(tx *gorm.DB) error {
		return models.BackfillReleases(tx, g.dialect, g.opt.Now)
	}); err != nil {
		return err
	}
	// A bulk load leaves the planner without statistics: PostgreSQL's
	// autovacuum would gather them later, SQLite never; without them both
	// pick nested loops over a million reports.
	if _, err := g.sqlDB.ExecContext(g.ctx, "ANALYZE"); err != nil {
		return err
	}
	g.w.progress(true)
	if g.opt.Progress != nil {
		fmt.Fprintf(g.opt.Progress, "done in %s\n", time.Since(start).Round(100*time.Millisecond))
	}
	return nil
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

// catalogue reads the province's catalogue items and publishes a version
// for each year the tenders are created in, copied from the shipped one,
// where the year has none.
func (g *generator) catalogue() error {
	var shipped struct {
		ID   int64
		Year int
	}
	db := g.db.WithContext(g.ctx)
	if err := db.Raw("SELECT id, year FROM catalogue_versions WHERE region_code = '45' AND status = 'published' ORDER BY year DESC LIMIT 1").Scan(&shipped).Error; err != nil {
		return err
	}
	if shipped.ID == 0 {
		return fmt.Errorf("dataset: region 45 has no published catalogue")
	}
	var rows []struct {
		Code, Name, Key, Unit string
		Weight                int
	}
	if err := db.Raw(`SELECT i.code, i.name, n.key, n.unit, n.weight FROM catalogue_items i JOIN catalogue_indicators n ON n.item_id = i.id
		WHERE i.version_id = ? ORDER BY i.code, n.sort_order`, shipped.ID).Scan(&rows).Error; err != nil {
		return err
	}
	for _, r := range rows {
		if len(g.items) == 0 || g.items[len(g.items)-1].code != r.Code {
			g.items = append(g.items, &item{code: r.Code, name: r.Name})
		}
		it := g.items[len(g.items)-1]
		it.indicators = append(it.indicators, indicator{key: r.Key, unit: r.Unit, weight: r.Weight})
	}
	if len(g.items) == 0 {
		return fmt.Errorf("dataset: the catalogue has no items with indicators")
	}
	first, last := atoi(g.from[:4]), atoi(g.to[:4])
	for y := first - 1; y <= last; y++ {
		var n int64
		if err := db.Raw("SELECT COUNT(*) FROM catalogue_versions WHERE region_code = '45' AND year = ?", y).Scan(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			continue
		}
		at := beijing(fmt.Sprintf("%d-12-01", y-1), 10, 0)
		err := db.Transaction(func(tx *gorm.DB) error {
			var id int64
			if err := tx.Raw(`INSERT INTO catalogue_versions (region_code, year, status, created_at, updated_at) VALUES ('45', ?, 'draft', ?, ?) RETURNING id`,
				y, at, at).Scan(&id).Error; err != nil {
				return err
			}
			if err := tx.Exec(`INSERT INTO catalogue_items (version_id, code, parent_code, name, name_en, description, service_standard, unit, guide_price_fen, created_at, updated_at)
				SELECT ?, code, parent_code, name, name_en, description, service_standard, unit, guide_price_fen, ?, ? FROM catalogue_items WHERE version_id = ?`,
				id, at, at, shipped.ID).Error; err != nil {
				return err
			}
			if err := tx.Exec(`INSERT INTO catalogue_indicators (item_id, sort_order, key, name, name_en, unit, kind, weight)
				SELECT ni.id, n.sort_order, n.key, n.name, n.name_en, n.unit, n.kind, n.weight
				FROM catalogue_indicators n JOIN catalogue_items oi ON oi.id = n.item_id
				JOIN catalogue_items ni ON ni.version_id = ? AND ni.code = oi.code WHERE oi.version_id = ?`, id, shipped.ID).Error; err != nil {
				return err
			}
			pub := at.Add(24 * time.Hour)
			return tx.Exec("UPDATE catalogue_versions SET status = 'published', published_at = ?, updated_at = ? WHERE id = ?", pub, pub, id).Error
		})
		if err != nil {
			return fmt.Errorf("dataset: catalogue %d: %w", y, err)
		}
	}
	return nil
}

var userCols = []string{"id", "username", "password_hash", "display_name", "phone", "disabled", "organisation_id", "created_at", "updated_at", "must_change_password", "email"}
var grantCols = []string{"id", "ptype", "v0", "v1", "v2", "v3", "v4", "v5"}

// user writes an account with one grant.
func (g *generator) user(username, name string, orgID *int64, role, regionCode string) int64 {
	id := g.ids.of("users")
	var oid any
	if orgID != nil {
		oid = *orgID
	}
	at := g.epoch
	g.must(g.w.add("users", userCols, id, username, g.hash, name, "", false, oid, at, at, false, ""))
	g.must(g.w.add("casbin_rule", grantCols, g.ids.of("casbin_rule"), "g", models.Subject(id), role, regionCode, "", "", ""))
	return id
}

// must keeps the plan's code readable: a write error stops the run at the
// next check (g.err), never silently.
func (g *generator) must(err error) {
	if err != nil {
		panic(writeError{err})
	}
}

type writeError struct{ err error }

// staffUsers writes the province's and the given cities' staff: an
// administrator of the province, a procurement user per region (province,
// city, county), experts and supervisors of the province and each city.
func (g *generator) staffUsers(cities []region) {
	g.user("gx-admin", "自治区管理员", nil, models.RoleAdmin, "45")
	g.buyers["45"] = g.user("buyer-45", "自治区民政厅采购员", nil, models.RoleProcurement, "45")
	for i := 1; i <= 9; i++ {
		g.experts["45"] = append(g.experts["45"], g.user(fmt.Sprintf("expert-45-%d", i), personName(g.rng)+"（自治区评审专家）", nil, models.RoleExpert, "45"))
	}
	for i := 1; i <= 3; i++ {
		g.supervisors["45"] = append(g.supervisors["45"], g.user(fmt.Sprintf("supervisor-45-%d", i), personName(g.rng)+"（自治区督导）", nil, models.RoleSupervisor, "45"))
	}
	for _, c := range cities {
		g.buyers[c.code] = g.user("buyer-"+c.code, c.name+"民政局采购员", nil, models.RoleProcurement, c.code)
		for i := 1; i <= 7; i++ {
			g.experts[c.code] = append(g.experts[c.code], g.user(fmt.Sprintf("expert-%s-%d", c.code, i), personName(g.rng)+"（"+c.name+"评审专家）", nil, models.RoleExpert, c.code))
		}
		for i := 1; i <= 4; i++ {
			g.supervisors[c.code] = append(g.supervisors[c.code], g.user(fmt.Sprintf("supervisor-%s-%d", c.code, i), personName(g.rng)+"（"+c.name+"督导）", nil, models.RoleSupervisor, c.code))
		}
		for _, k := range g.counties[c.code] {
			g.buyers[k.code] = g.user("buyer-"+k.code, k.name+"民政局采购员", nil, models.RoleProcurement, k.code)
		}
		g.base(c)
	}
}

// base writes a city's incubation base (孵化基地) with eight rooms.
func (g *generator) base(c region) {
	id := g.ids.of("office_bases")
	g.must(g.w.add("office_bases", []string{"id", "name", "region_code", "address", "created_by", "created_at"},
		id, c.name+"社会组织孵化基地", c.code, c.name+"民主路1号社会组织服务中心", g.buyers[c.code], g.epoch))
	for i := 1; i <= 8; i++ {
		rm := &room{id: g.ids.of("office_rooms")}
		g.must(g.w.add("office_rooms", []string{"id", "base_id", "name", "area_centi", "created_at"},
			rm.id, id, fmt.Sprintf("%d0%d 室", 2+i/5, i), int64(1500+g.rng.IntN(4500)), g.epoch))
		g.rooms[c.code] = append(g.rooms[c.code], rm)
	}
}

var orgCols = []string{"id", "name", "credit_code", "registration_type", "region_code", "status", "status_reason", "blacklisted_until",
	"legal_rep", "founded_on", "address", "phone", "volunteers", "created_at", "updated_at"}
var staffCols = []string{"id", "organisation_id", "name", "position", "level", "certificate_no", "created_at"}

// newOrg writes an organisation registered in reg (a county, a city or the
// province) with certified social workers, and its first agency member.
func (g *generator) newOrg(reg region, status string, certified int) *org {
	r := g.rng
	o := &org{id: g.ids.of("organisations"), region: reg.code, status: status}
	switch reg.level {
	case models.LevelCounty:
		o.city = reg.parent
	case models.LevelCity:
		o.city = reg.code
	}
	n := int(o.id)
	division := reg.code + strings.Repeat("0", 6-len(reg.code))
	typ := "2"
	if r.IntN(10) == 0 {
		typ = "1"
	}
	first := "5" + typ + division + fmt.Sprintf("MJ%07d", n)
	check, err := uscc.CheckChar(first)
	g.must(err)
	code := first + string(check)
	regType := uscc.Code(code).RegistrationType()
	o.created = g.officeTime(r, addDays(day(g.epoch), r.IntN(40)))
	updated := g.later(r, o.created, 2, 10)
	reason, until := "", ""
	switch status {
	case models.OrgVerified:
		reason = "登记证书核验无误"
	case models.OrgSuspended:
		reason = "年度检查未通过，暂停承接项目"
	case models.OrgRejected:
		reason = "登记证书与申报名称不一致"
	case models.OrgBlacklisted:
		reason = "列入严重违法失信名单"
		until = addDays(day(updated), 3*365)
	case models.OrgPending:
		updated = o.created
	}
	place := reg.name
	if reg.level == models.LevelProvince {
		place = "广西"
	}
	founded := fmt.Sprintf("%d-%02d-%02d", 2008+r.IntN(atoi(day(g.epoch)[:4])-2008), 1+r.IntN(12), 1+r.IntN(28))
	g.must(g.w.add("organisations", orgCols, o.id, orgName(r, place, n), code, regType, reg.code, status, reason, until,
		personName(r), founded, place+"民主路"+fmt.Sprint(1+r.IntN(200))+"号", phone(r), 10+r.IntN(200), o.created, updated))
	levels := []string{models.LevelAssistant, models.LevelAssistant, models.LevelAssistant, models.LevelIntermediate, models.LevelIntermediate, models.LevelSenior}
	for i := 0; i < certified; i++ {
		lv := levels[r.IntN(len(levels))]
		prefix := map[string]string{models.LevelAssistant: "A", models.LevelIntermediate: "S", models.LevelSenior: "G"}[lv]
		s := staff{id: g.ids.of("organisation_staff"), name: personName(r), level: lv, cert: fmt.Sprintf("%s%d45%07d", prefix, 2010+r.IntN(10), int(o.id)*100+i)}
		o.staff = append(o.staff, s)
		pos := "项目社工"
		if i == 0 {
			pos = "主任"
		}
		g.must(g.w.add("organisation_staff", staffCols, s.id, o.id, s.name, pos, s.level, s.cert, o.created))
	}
	for i := 0; i < r.IntN(3); i++ {
		s := staff{id: g.ids.of("organisation_staff"), name: personName(r)}
		o.staff = append(o.staff, s)
		g.must(g.w.add("organisation_staff", staffCols, s.id, o.id, s.name, "行政助理", "", "", o.created))
	}
	o.member = g.user(fmt.Sprintf("org%05d", o.id), personName(r), &o.id, models.RoleAgency, reg.code)
	g.orgs = append(g.orgs, o)
	if status == models.OrgVerified {
		g.bidders["45"] = append(g.bidders["45"], o)
		if o.city != "" {
			g.bidders[o.city] = append(g.bidders[o.city], o)
		}
	}
	return o
}

// organisations writes n organisations across the province: most
// verified, some pending, suspended, rejected or blacklisted. cities
// limits where they are (nil: everywhere).
func (g *generator) organisations(n int, cities []region) {
	if cities == nil {
		cities = g.cities
	}
	statuses := []string{models.OrgPending, models.OrgSuspended, models.OrgRejected, models.OrgBlacklisted}
	for i := 0; i < n; i++ {
		status := models.OrgVerified
		if p := g.rng.IntN(100); p < 8 {
			status = statuses[p%len(statuses)]
		}
		c := cities[g.rng.IntN(len(cities))]
		reg := c
		switch p := g.rng.IntN(100); {
		case p < 4:
			reg = g.province
		case p < 72 && len(g.counties[c.code]) > 0:
			ks := g.counties[c.code]
			reg = ks[g.rng.IntN(len(ks))]
		}
		g.newOrg(reg, status, 1+g.rng.IntN(6))
	}
}

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

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
