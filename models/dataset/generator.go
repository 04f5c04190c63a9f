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

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
