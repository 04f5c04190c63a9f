// Package dataset fills an empty, migrated database with a generated
// province (issue 11, item 5): Guangxi's regions buying children's
// services from social work organisations, with tenders in every status
// and method, bids, panels, contracts, payments, service reports and
// supervision. It is a bulk loader: rows go straight into the tables in
// batched multi-row INSERTs, one transaction per batch, but each row is
// one the portal itself could have written (statuses and dates follow the
// lifecycles). It returns the statistics of docs/stats.md for region 45
// and the generated period, computed from its own plan, so that a test
// can compare them with what GET /api/v1/stats answers.
package dataset

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"portal/models"

	"gorm.io/gorm"
)

// Scales.
const (
	ScaleSeed    = "seed"    // the article's year: 10 cities, 62 counties, 112 projects
	ScaleGuangxi = "guangxi" // three years of the whole province: 20,000 tenders, about 1,000,000 reports
)

// Options of a generation.
type Options struct {
	Scale string // ScaleSeed or ScaleGuangxi
	Seed  uint64 // the random seed: the same seed, scale and clock give the same data
	// Year is the seed scale's year (default 2019, the article's); it
	// must lie before Now's year.
	Year int
	// Now is the generation's clock (default time.Now): nothing generated
	// happens after it. The guangxi scale covers Now's year and the two
	// before it.
	Now time.Time
	// Password is every generated account's password (required).
	Password string
	// Reports, Tenders and Organisations are the guangxi scale's numbers
	// of service reports to aim at, tenders and organisations (defaults
	// 1,000,000, 20,000 and 1,000); 0 keeps the default.
	Reports       int
	Tenders       int
	Organisations int
	// Progress receives progress lines (nil: silent).
	Progress io.Writer
}

// Child is one direct child region's figures.
type Child struct {
	Region models.StatsRegion `json:"region"`
	Totals models.StatsTotals `json:"totals"`
}

// SourceFigures is one funding source's share of the period's budgets and
// contract amounts.
type SourceFigures struct {
	Source        string `json:"source"`
	BudgetFen     int64  `json:"budget_fen"`
	ContractedFen int64  `json:"contracted_fen"`
}

// ItemFigures is one catalogue item's projects, contract amounts and
// children served.
type ItemFigures struct {
	CatalogueCode             string `json:"catalogue_code"`
	Name                      string `json:"name"`
	Projects                  int64  `json:"projects"`
	ContractedFen             int64  `json:"contracted_fen"`
	ChildrenServedPersonTimes int64  `json:"children_served_person_times"`
}

// Figures are the statistics of what was generated, for region 45 over
// From..To (docs/stats.md), in the shape of GET /api/v1/stats.
type Figures struct {
	Region   models.StatsRegion `json:"region"`
	From     string             `json:"from"`
	To       string             `json:"to"`
	Totals   models.StatsTotals `json:"totals"`
	Children []Child            `json:"children"`
	BySource []SourceFigures    `json:"by_source"`
	ByItem   []ItemFigures      `json:"by_item"`
	// Rows counts the rows written per table.
	Rows map[string]int64 `json:"-"`
}

// ErrNotEmpty refuses a database that holds tenders or organisations.
var ErrNotEmpty = errors.New("the database already holds tenders or organisations: generate into an empty, migrated database")

// Generate fills db (migrated, without tenders or organisations) with the
// scale's data and returns its figures. sealer seals the bids as the
// portal does (the key the portal will run with).
func Generate(ctx context.Context, db *gorm.DB, d models.Dialect, sealer *models.Sealer, opt Options) (f *Figures, err error) {
	defer func() {
		if r := recover(); r != nil {
			we, ok := r.(writeError)
			if !ok {
				panic(r)
			}
			f, err = nil, we.err
		}
	}()
	if sealer == nil {
		return nil, errors.New("dataset: a seal key is needed to seal the bids")
	}
	if opt.Password == "" {
		return nil, errors.New("dataset: a password for the generated accounts is needed")
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	opt.Now = opt.Now.UTC().Truncate(time.Second)
	switch opt.Scale {
	case ScaleSeed:
		if opt.Year == 0 {
			opt.Year = 2019
		}
		if opt.Year < 2001 || opt.Year >= opt.Now.In(models.ChinaZone).Year() {
			return nil, fmt.Errorf("dataset: the seed year must lie from 2001 to last year, not %d", opt.Year)
		}
	case ScaleGuangxi:
		opt.Reports = cmp.Or(opt.Reports, 1_000_000)
		opt.Tenders = cmp.Or(opt.Tenders, 20_000)
		opt.Organisations = cmp.Or(opt.Organisations, 1000)
	default:
		return nil, fmt.Errorf("dataset: unknown scale %q (seed or guangxi)", opt.Scale)
	}
	var n int64
	for _, t := range []string{"tenders", "organisations"} {
		var c int64
		if err := db.WithContext(ctx).Raw("SELECT COUNT(*) FROM " + t).Scan(&c).Error; err != nil {
			return nil, err
		}
		n += c
	}
	if n > 0 {
		return nil, ErrNotEmpty
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	g, err := newGenerator(ctx, db, d, sqlDB, sealer, opt)
	if err != nil {
		return nil, err
	}
	if err := g.run(); err != nil {
		return nil, err
	}
	return g.figures(), nil
}
