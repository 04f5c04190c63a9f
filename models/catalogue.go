package models

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// The purchase catalogue (政府购买服务指导目录) of a province: versions by
// year, each a tree of categories and items; an item carries the performance
// indicators a tender of it is measured by.

// Catalogue version states.
const (
	CatalogueDraft     = "draft"
	CataloguePublished = "published"
)

// Events on a catalogue version.
const (
	catalogueEdit    = "edit"
	cataloguePublish = "publish"
)

// catalogueLifecycle is the lifecycle of a catalogue version: editing its
// items keeps a draft a draft, publishing freezes it. Any other (state,
// event) is a conflict.
var catalogueLifecycle = &Lifecycle{Object: "catalogue version", Key: "err.catalogue_published", Events: map[string]map[string]string{
	catalogueEdit:    {CatalogueDraft: CatalogueDraft},
	cataloguePublish: {CatalogueDraft: CataloguePublished},
}}

// DefaultCatalogueRegion is the province whose catalogue is meant when a
// request names none.
const DefaultCatalogueRegion = "45"

// IndicatorKinds are the kinds of performance indicator.
var IndicatorKinds = []string{"output-quantity", "output-quality", "timeliness", "cost", "effect", "satisfaction"}

// Limits of catalogue input.
const (
	IndicatorWeightTotal = 100
	MaxIndicators        = 20
	MaxGuidePriceFen     = 1_000_000_000_000 // 10 billion yuan: beyond any service item
	minCatalogueYear     = 2000
	maxCatalogueYear     = 2100
)

var (
	catalogueCodeRe = regexp.MustCompile(`^[A-Z][A-Z0-9]{1,19}$`)
	indicatorKeyRe  = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
)

// CatalogueVersion is one year's catalogue of one province.
type CatalogueVersion struct {
	ID          int64      `json:"id" gorm:"primaryKey"`
	RegionCode  string     `json:"region"`
	Year        int        `json:"year"`
	Status      string     `json:"status"`
	CopiedFrom  *int       `json:"copied_from,omitempty"` // the year it was opened from
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	PublishedAt *time.Time `json:"published_at,omitempty"`
	ItemCount   int64      `json:"item_count" gorm:"-"`
}

// CatalogueItem is a category or a purchasable item of a version. A category
// has children and no indicators; a leaf item has indicators whose weights
// sum to 100. A child's code starts with its parent's (C06 → C0601), so
// ordering by code lists the tree depth first.
type CatalogueItem struct {
	ID              int64                `json:"id" gorm:"primaryKey"`
	VersionID       int64                `json:"-"`
	Region          string               `json:"region" gorm:"-"`
	Year            int                  `json:"year" gorm:"-"`
	VersionStatus   string               `json:"version_status" gorm:"-"`
	Code            string               `json:"code"`
	ParentCode      string               `json:"parent"`
	Depth           int                  `json:"depth" gorm:"-"`
	Name            string               `json:"name"`
	NameEn          string               `json:"name_en"`
	Description     string               `json:"description"`
	ServiceStandard string               `json:"service_standard"`
	Unit            string               `json:"unit"`
	GuidePriceFen   int64                `json:"guide_price_fen"`
	CreatedAt       time.Time            `json:"created_at"`
	UpdatedAt       time.Time            `json:"updated_at"`
	Indicators      []CatalogueIndicator `json:"indicators" gorm:"-"`
}

// CatalogueIndicator is a performance indicator (绩效指标) of an item with its
// default weight.
type CatalogueIndicator struct {
	ID        int64  `json:"-" gorm:"primaryKey"`
	ItemID    int64  `json:"-"`
	SortOrder int    `json:"-"`
	Key       string `json:"key"`
	Name      string `json:"name"`
	NameEn    string `json:"name_en"`
	Unit      string `json:"unit"`
	Kind      string `json:"kind"`
	Weight    int    `json:"weight"`
}

// CatalogueQuery names a version: Region is any region code (its first two
// digits name the province; "" means DefaultCatalogueRegion), Year 0 means
// the latest published version.
type CatalogueQuery struct {
	Region string
	Year   int
}

// IndicatorInput is one indicator of an item as a caller sends it.
type IndicatorInput struct {
	Key    string `json:"key" validate:"required"`
	Name   string `json:"name" validate:"required,max=100"`
	NameEn string `json:"name_en" validate:"required,max=200"`
	Unit   string `json:"unit" validate:"required,max=16"`
	Kind   string `json:"kind" validate:"required,oneof=output-quantity output-quality timeliness cost effect satisfaction"`
	Weight int    `json:"weight"`
}

// CatalogueItemInput is a new item for the draft version of Year.
type CatalogueItemInput struct {
	Year            int              `json:"year"`
	Region          string           `json:"region"`
	Code            string           `json:"code" validate:"required"`
	Parent          string           `json:"parent"`
	Name            string           `json:"name" validate:"required,max=100"`
	NameEn          string           `json:"name_en" validate:"required,max=200"`
	Description     string           `json:"description" validate:"max=4000"`
	ServiceStandard string           `json:"service_standard" validate:"max=8000"`
	Unit            string           `json:"unit" validate:"max=32"`
	GuidePriceFen   int64            `json:"guide_price_fen"`
	Indicators      []IndicatorInput `json:"indicators" validate:"dive"`
}

// CatalogueItemPatch changes an item of a draft; absent fields stay. Code and
// parent are the item's place in the tree and do not change; indicators,
// when present, replace the item's whole list.
type CatalogueItemPatch struct {
	Name            *string           `json:"name"`
	NameEn          *string           `json:"name_en"`
	Description     *string           `json:"description"`
	ServiceStandard *string           `json:"service_standard"`
	Unit            *string           `json:"unit"`
	GuidePriceFen   *int64            `json:"guide_price_fen"`
	Indicators      *[]IndicatorInput `json:"indicators"`
}

// OpenCatalogueInput opens a draft version of Year, copying every item and
// indicator of FromYear (0: an empty draft).
type OpenCatalogueInput struct {
	Region   string `json:"region" form:"region"`
	FromYear int    `json:"from_year" form:"from_year"`
	Year     int    `json:"year" form:"year"`
}

func (in *CatalogueItemInput) normalise() {
	in.Region = strings.TrimSpace(in.Region)
	in.Code = strings.ToUpper(strings.TrimSpace(in.Code))
	in.Parent = strings.ToUpper(strings.TrimSpace(in.Parent))
	in.Name = strings.TrimSpace(in.Name)
	in.NameEn = strings.TrimSpace(in.NameEn)
	in.Description = strings.TrimSpace(in.Description)
	in.ServiceStandard = strings.TrimSpace(in.ServiceStandard)
	in.Unit = strings.TrimSpace(in.Unit)
	for i := range in.Indicators {
		ind := &in.Indicators[i]
		ind.Key = strings.TrimSpace(ind.Key)
		ind.Name = strings.TrimSpace(ind.Name)
		ind.NameEn = strings.TrimSpace(ind.NameEn)
		ind.Unit = strings.TrimSpace(ind.Unit)
		ind.Kind = strings.TrimSpace(ind.Kind)
	}
}

// catalogueProvince is the province whose catalogue region belongs to.
func catalogueProvince(region string) (string, error) {
	region = strings.TrimSpace(region)
	if region == "" {
		return DefaultCatalogueRegion, nil
	}
	if !regionRe.MatchString(region) {
		return "", Invalid(Field("region", "regioncode", ""))
	}
	return region[:2], nil
}

// managedProvince is the province a catalogue change goes to: the one named,
// else the caller's own when it manages exactly one, else the default.
func managedProvince(a *Actor, region string) (string, error) {
	if strings.TrimSpace(region) == "" {
		var own []string
		for _, r := range a.Regions("catalogue:manage") {
			if len(r) == 2 {
				own = append(own, r)
			}
		}
		if len(own) == 1 {
			return own[0], nil
		}
	}
	return catalogueProvince(region)
}

// requireManage checks that the actor manages the catalogue of the province
// of region (a grant at province level or above; city and county staff are
// refused), and returns that province.
func (s *Store) requireManage(ctx context.Context, a *Actor, region string) (string, error) {
	province, err := managedProvince(a, region)
	if err != nil {
		return "", err
	}
	if err := a.require("catalogue:manage", province); err != nil {
		return "", err
	}
	if r, err := s.Region(ctx, province); err != nil || r.Level != LevelProvince {
		return "", Invalid(Field("region", "region", ""))
	}
	return province, nil
}

func validYear(y int) bool { return y >= minCatalogueYear && y <= maxCatalogueYear }

func yearField(name string) FieldError {
	return Field(name, "catalogue_year", strconv.Itoa(minCatalogueYear)+"–"+strconv.Itoa(maxCatalogueYear))
}

// version loads the version of province and year; lock holds its row until
// the transaction ends, so an item cannot land in a version being published.
// SQLite needs no lock: its write transactions are serialised.
func (s *Store) version(db *gorm.DB, province string, year int, lock bool) (*CatalogueVersion, error) {
	q := db.Where("region_code = ? AND year = ?", province, year)
	if lock && s.Dialect == Postgres && !s.snapshot {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var v CatalogueVersion
	if err := q.First(&v).Error; err != nil {
		return nil, notFound(err, "catalogue version")
	}
	return &v, nil
}

// readableVersion is the version a caller asks for: drafts only for those
// who manage the province's catalogue, to everyone else they do not exist.
func (s *Store) readableVersion(db *gorm.DB, a *Actor, q CatalogueQuery) (*CatalogueVersion, error) {
	province, err := catalogueProvince(q.Region)
	if err != nil {
		return nil, err
	}
	if q.Year == 0 {
		var v CatalogueVersion
		err := db.Where("region_code = ? AND status = ?", province, CataloguePublished).Order("year DESC").First(&v).Error
		if err != nil {
			return nil, notFound(err, "published catalogue")
		}
		return &v, nil
	}
	v, err := s.version(db, province, q.Year, false)
	if err != nil {
		return nil, err
	}
	if v.Status != CataloguePublished && !a.Can("catalogue:manage", province) {
		return nil, Fail(ErrNotFound, "err.not_found", "catalogue version not found")
	}
	return v, nil
}

// items loads items of a version ordered as a tree, with their indicators
// and depth; p nil loads all.
func (s *Store) items(db *gorm.DB, v *CatalogueVersion, p *Page, where ...any) ([]CatalogueItem, int64, error) {
	q := db.Model(&CatalogueItem{}).Where("version_id = ?", v.ID)
	if len(where) > 0 {
		q = q.Where(where[0], where[1:]...)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	q = q.Order("code")
	if p != nil {
		q = q.Offset(p.offset()).Limit(p.PerPage)
	}
	items := []CatalogueItem{}
	if err := q.Find(&items).Error; err != nil {
		return nil, 0, err
	}
	if err := s.complete(db, v, items); err != nil {
		return nil, 0, err
	}
	return items, total, nil
}

// complete fills the version's facts, each item's depth and indicators.
func (s *Store) complete(db *gorm.DB, v *CatalogueVersion, items []CatalogueItem) error {
	if len(items) == 0 {
		return nil
	}
	var tree []struct{ Code, ParentCode string }
	if err := db.Model(&CatalogueItem{}).Where("version_id = ?", v.ID).Select("code", "parent_code").Find(&tree).Error; err != nil {
		return err
	}
	parent := make(map[string]string, len(tree))
	for _, t := range tree {
		parent[t.Code] = t.ParentCode
	}
	ids := make([]int64, len(items))
	for i := range items {
		it := &items[i]
		it.Region, it.Year, it.VersionStatus = v.RegionCode, v.Year, v.Status
		it.Indicators = []CatalogueIndicator{}
		// Bounded: codes nest and are at most 20 characters.
		for p := parent[it.Code]; p != "" && it.Depth < 20; p = parent[p] {
			it.Depth++
		}
		ids[i] = it.ID
	}
	var inds []CatalogueIndicator
	if err := db.Where("item_id IN ?", ids).Order("item_id, sort_order").Find(&inds).Error; err != nil {
		return err
	}
	byItem := make(map[int64]int, len(items))
	for i := range items {
		byItem[items[i].ID] = i
	}
	for _, ind := range inds {
		it := &items[byItem[ind.ItemID]]
		it.Indicators = append(it.Indicators, ind)
	}
	return nil
}

// item loads one item of a version with its indicators.
func (s *Store) item(db *gorm.DB, v *CatalogueVersion, code string) (*CatalogueItem, error) {
	items, _, err := s.items(db, v, nil, "code = ?", strings.ToUpper(strings.TrimSpace(code)))
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, Fail(ErrNotFound, "err.not_found", "catalogue item not found")
	}
	return &items[0], nil
}

// CatalogueItems lists the items of a version, each with its indicators,
// as a tree (parents before their children).
func (s *Store) CatalogueItems(ctx context.Context, a *Actor, q CatalogueQuery, p Page) (List[CatalogueItem], error) {
	p = p.Normalise()
	out := List[CatalogueItem]{Items: []CatalogueItem{}, Page: p.Page, PerPage: p.PerPage}
	db := s.DB.WithContext(ctx)
	v, err := s.readableVersion(db, a, q)
	if err != nil {
		return out, err
	}
	out.Items, out.Total, err = s.items(db, v, &p)
	return out, err
}

// CatalogueTree is a whole version with all its items, for the pages.
func (s *Store) CatalogueTree(ctx context.Context, a *Actor, q CatalogueQuery) (*CatalogueVersion, []CatalogueItem, error) {
	db := s.DB.WithContext(ctx)
	v, err := s.readableVersion(db, a, q)
	if err != nil {
		return nil, nil, err
	}
	items, total, err := s.items(db, v, nil)
	v.ItemCount = total
	return v, items, err
}

// FindCatalogueItem loads one item of the version q names.
func (s *Store) FindCatalogueItem(ctx context.Context, a *Actor, q CatalogueQuery, code string) (*CatalogueItem, error) {
	db := s.DB.WithContext(ctx)
	v, err := s.readableVersion(db, a, q)
	if err != nil {
		return nil, err
	}
	return s.item(db, v, code)
}

// CatalogueItem returns a published item with its indicators, for a tender
// of region (any level: the catalogue of its province is used). Year 0 means
// the latest published version. An item of a given year is kept in memory
// once read (catalogue_cache.go).
func (s *Store) CatalogueItem(ctx context.Context, region string, year int, code string) (*CatalogueItem, error) {
	// No actor: drafts stay invisible.
	return s.cachedCatalogueItem(ctx, region, year, code)
}

// CatalogueVersions lists a province's versions, newest first: published
// ones for everyone, drafts too for those who manage the catalogue.
func (s *Store) CatalogueVersions(ctx context.Context, a *Actor, region string, p Page) (List[CatalogueVersion], error) {
	p = p.Normalise()
	out := List[CatalogueVersion]{Items: []CatalogueVersion{}, Page: p.Page, PerPage: p.PerPage}
	province, err := catalogueProvince(region)
	if err != nil {
		return out, err
	}
	q := s.DB.WithContext(ctx).Model(&CatalogueVersion{}).Where("region_code = ?", province)
	if !a.Can("catalogue:manage", province) {
		q = q.Where("status = ?", CataloguePublished)
	}
	if err := q.Count(&out.Total).Error; err != nil {
		return out, err
	}
	if err := q.Order("year DESC").Offset(p.offset()).Limit(p.PerPage).Find(&out.Items).Error; err != nil {
		return out, err
	}
	return out, s.countItems(s.DB.WithContext(ctx), out.Items)
}

// ManagedCatalogueVersions lists every version of the province the actor
// manages, for the management page; others are refused.
func (s *Store) ManagedCatalogueVersions(ctx context.Context, a *Actor, region string) (string, []CatalogueVersion, error) {
	province, err := s.requireManage(ctx, a, region)
	if err != nil {
		return "", nil, err
	}
	list, err := s.CatalogueVersions(ctx, a, province, Page{PerPage: MaxPerPage})
	return province, list.Items, err
}

// FindCatalogueVersion loads the version q names.
func (s *Store) FindCatalogueVersion(ctx context.Context, a *Actor, q CatalogueQuery) (*CatalogueVersion, error) {
	db := s.DB.WithContext(ctx)
	v, err := s.readableVersion(db, a, q)
	if err != nil {
		return nil, err
	}
	vs := []CatalogueVersion{*v}
	err = s.countItems(db, vs)
	return &vs[0], err
}

func (s *Store) countItems(db *gorm.DB, vs []CatalogueVersion) error {
	if len(vs) == 0 {
		return nil
	}
	ids := make([]int64, len(vs))
	for i, v := range vs {
		ids[i] = v.ID
	}
	var counts []struct {
		VersionID int64
		N         int64
	}
	if err := db.Model(&CatalogueItem{}).Select("version_id, COUNT(*) AS n").Where("version_id IN ?", ids).Group("version_id").Find(&counts).Error; err != nil {
		return err
	}
	for _, c := range counts {
		for i := range vs {
			if vs[i].ID == c.VersionID {
				vs[i].ItemCount = c.N
			}
		}
	}
	return nil
}

// EditableCatalogueItem loads an item of a draft for its edit form: only for
// those who manage the catalogue, only while the version is a draft.
func (s *Store) EditableCatalogueItem(ctx context.Context, a *Actor, q CatalogueQuery, code string) (*CatalogueItem, error) {
	v, err := s.EditableCatalogueVersion(ctx, a, q)
	if err != nil {
		return nil, err
	}
	return s.item(s.DB.WithContext(ctx), v, code)
}

// EditableCatalogueVersion loads a draft version for adding items to it.
func (s *Store) EditableCatalogueVersion(ctx context.Context, a *Actor, q CatalogueQuery) (*CatalogueVersion, error) {
	province, err := s.requireManage(ctx, a, q.Region)
	if err != nil {
		return nil, err
	}
	if !validYear(q.Year) {
		return nil, Invalid(yearField("year"))
	}
	v, err := s.version(s.DB.WithContext(ctx), province, q.Year, false)
	if err != nil {
		return nil, err
	}
	if _, err := catalogueLifecycle.Next(catalogueEdit, v.Status); err != nil {
		return nil, err
	}
	return v, nil
}
