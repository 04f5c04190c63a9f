package models

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Managing the catalogue: items, next year's version, publishing.

// itemFields checks an item's own fields and its indicators.
func (s *Store) itemFields(in *CatalogueItemInput) ([]FieldError, error) {
	var fields []FieldError
	if err := s.validate(in); err != nil {
		e, ok := AsError(err)
		if !ok {
			return nil, err
		}
		fields = append(fields, e.Fields...)
	}
	has := func(name string) bool {
		return slices.ContainsFunc(fields, func(f FieldError) bool { return f.Field == name })
	}
	if in.Code != "" && !catalogueCodeRe.MatchString(in.Code) {
		fields = append(fields, Field("code", "catalogue_code", ""))
	}
	if in.Parent != "" && !catalogueCodeRe.MatchString(in.Parent) {
		fields = append(fields, Field("parent", "catalogue_code", ""))
	}
	if !has("code") && !has("parent") && in.Parent != "" && (!strings.HasPrefix(in.Code, in.Parent) || in.Code == in.Parent) {
		fields = append(fields, Field("code", "catalogue_code_parent", in.Parent))
	}
	if max := min(MaxGuidePriceFen, s.maxMoney()); in.GuidePriceFen < 0 || in.GuidePriceFen > max {
		fields = append(fields, Field("guide_price_fen", "catalogue_range", "0–"+strconv.FormatInt(max, 10)))
	}
	if len(in.Indicators) > MaxIndicators {
		return append(fields, Field("indicators", "catalogue_too_many", strconv.Itoa(MaxIndicators))), nil
	}
	seen := map[string]bool{}
	sum := 0
	for i, ind := range in.Indicators {
		name := "indicators[" + strconv.Itoa(i) + "]."
		if ind.Key != "" && !has(name+"key") {
			switch {
			case !indicatorKeyRe.MatchString(ind.Key):
				fields = append(fields, Field(name+"key", "catalogue_key", ""))
			case seen[ind.Key]:
				fields = append(fields, Field(name+"key", "catalogue_duplicate", ""))
			}
			seen[ind.Key] = true
		}
		if ind.Weight < 1 || ind.Weight > IndicatorWeightTotal {
			fields = append(fields, Field(name+"weight", "catalogue_range", "1–"+strconv.Itoa(IndicatorWeightTotal)))
		}
		sum += ind.Weight
	}
	// A category has no indicators; an item's weights share 100 points.
	if len(in.Indicators) > 0 && sum != IndicatorWeightTotal {
		fields = append(fields, Field("indicators", "catalogue_weights_sum", strconv.Itoa(sum)))
	}
	return fields, nil
}

// CreateCatalogueItem adds an item with its indicators to the draft version
// of in.Year of the province the actor manages.
func (s *Store) CreateCatalogueItem(ctx context.Context, a *Actor, in CatalogueItemInput) (*CatalogueItem, error) {
	in.normalise()
	province, err := s.requireManage(ctx, a, in.Region)
	if err != nil {
		return nil, err
	}
	if !validYear(in.Year) {
		return nil, Invalid(yearField("year"))
	}
	var out *CatalogueItem
	err = s.tx(ctx, func(tx *gorm.DB) error {
		v, err := s.version(tx, province, in.Year, true)
		if err != nil {
			return err
		}
		if _, err := catalogueLifecycle.Next(catalogueEdit, v.Status); err != nil {
			return err
		}
		fields, err := s.itemFields(&in)
		if err != nil {
			return err
		}
		if in.Parent != "" && len(fields) == 0 {
			parent, err := s.item(tx, v, in.Parent)
			switch {
			case err != nil && !errors.Is(err, ErrNotFound):
				return err
			case err != nil:
				fields = append(fields, Field("parent", "catalogue_parent", ""))
			case len(parent.Indicators) > 0:
				fields = append(fields, Field("parent", "catalogue_parent_leaf", ""))
			}
		}
		if len(fields) > 0 {
			return Invalid(fields...)
		}
		var n int64
		if err := tx.Model(&CatalogueItem{}).Where("version_id = ? AND code = ?", v.ID, in.Code).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return codeTaken()
		}
		now := s.now()
		it := CatalogueItem{VersionID: v.ID, Code: in.Code, ParentCode: in.Parent, Name: in.Name, NameEn: in.NameEn,
			Description: in.Description, ServiceStandard: in.ServiceStandard, Unit: in.Unit, GuidePriceFen: in.GuidePriceFen,
			CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&it).Error; err != nil {
			if isDuplicate(err) {
				return codeTaken()
			}
			return err
		}
		if err := s.saveIndicators(tx, it.ID, in.Indicators); err != nil {
			return err
		}
		if out, err = s.item(tx, v, it.Code); err != nil {
			return err
		}
		return s.audit(tx, a, "catalogue_item.create", "catalogue_item", out.ID, v.RegionCode, nil, out)
	})
	return out, err
}

func codeTaken() error {
	e := Invalid(Field("code", "taken", ""))
	e.Kind = ErrConflict
	e.Key = "err.catalogue_code_taken"
	e.Detail = "an item with this code exists in this version"
	return e
}

func (s *Store) saveIndicators(tx *gorm.DB, itemID int64, in []IndicatorInput) error {
	if len(in) == 0 {
		return nil
	}
	rows := make([]CatalogueIndicator, len(in))
	for i, ind := range in {
		rows[i] = CatalogueIndicator{ItemID: itemID, SortOrder: i + 1, Key: ind.Key, Name: ind.Name, NameEn: ind.NameEn,
			Unit: ind.Unit, Kind: ind.Kind, Weight: ind.Weight}
	}
	return tx.Create(&rows).Error
}

// UpdateCatalogueItem changes an item of a draft version.
func (s *Store) UpdateCatalogueItem(ctx context.Context, a *Actor, q CatalogueQuery, code string, p CatalogueItemPatch) (*CatalogueItem, error) {
	province, err := s.requireManage(ctx, a, q.Region)
	if err != nil {
		return nil, err
	}
	if !validYear(q.Year) {
		return nil, Invalid(yearField("year"))
	}
	var out *CatalogueItem
	err = s.tx(ctx, func(tx *gorm.DB) error {
		v, err := s.version(tx, province, q.Year, true)
		if err != nil {
			return err
		}
		if _, err := catalogueLifecycle.Next(catalogueEdit, v.Status); err != nil {
			return err
		}
		before, err := s.item(tx, v, code)
		if err != nil {
			return err
		}
		in := inputOf(before)
		p.apply(&in)
		in.normalise()
		fields, err := s.itemFields(&in)
		if err != nil {
			return err
		}
		if len(in.Indicators) > 0 {
			var children int64
			if err := tx.Model(&CatalogueItem{}).Where("version_id = ? AND parent_code = ?", v.ID, before.Code).Count(&children).Error; err != nil {
				return err
			}
			if children > 0 {
				fields = append(fields, Field("indicators", "catalogue_has_children", ""))
			}
		}
		if len(fields) > 0 {
			return Invalid(fields...)
		}
		upd := CatalogueItem{Name: in.Name, NameEn: in.NameEn, Description: in.Description, ServiceStandard: in.ServiceStandard,
			Unit: in.Unit, GuidePriceFen: in.GuidePriceFen, UpdatedAt: s.now()}
		if err := tx.Model(&CatalogueItem{ID: before.ID}).
			Select("name", "name_en", "description", "service_standard", "unit", "guide_price_fen", "updated_at").
			Updates(&upd).Error; err != nil {
			return err
		}
		if p.Indicators != nil {
			if err := tx.Where("item_id = ?", before.ID).Delete(&CatalogueIndicator{}).Error; err != nil {
				return err
			}
			if err := s.saveIndicators(tx, before.ID, in.Indicators); err != nil {
				return err
			}
		}
		if out, err = s.item(tx, v, before.Code); err != nil {
			return err
		}
		return s.audit(tx, a, "catalogue_item.update", "catalogue_item", out.ID, v.RegionCode, before, out)
	})
	return out, err
}

func inputOf(it *CatalogueItem) CatalogueItemInput {
	in := CatalogueItemInput{Year: it.Year, Region: it.Region, Code: it.Code, Parent: it.ParentCode, Name: it.Name, NameEn: it.NameEn,
		Description: it.Description, ServiceStandard: it.ServiceStandard, Unit: it.Unit, GuidePriceFen: it.GuidePriceFen}
	for _, ind := range it.Indicators {
		in.Indicators = append(in.Indicators, IndicatorInput{Key: ind.Key, Name: ind.Name, NameEn: ind.NameEn, Unit: ind.Unit, Kind: ind.Kind, Weight: ind.Weight})
	}
	return in
}

func (p CatalogueItemPatch) apply(in *CatalogueItemInput) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&in.Name, p.Name)
	set(&in.NameEn, p.NameEn)
	set(&in.Description, p.Description)
	set(&in.ServiceStandard, p.ServiceStandard)
	set(&in.Unit, p.Unit)
	if p.GuidePriceFen != nil {
		in.GuidePriceFen = *p.GuidePriceFen
	}
	if p.Indicators != nil {
		in.Indicators = slices.Clone(*p.Indicators)
	}
}

// OpenCatalogueVersion opens next year's draft of the province the actor
// manages, copying every item and indicator of in.FromYear.
func (s *Store) OpenCatalogueVersion(ctx context.Context, a *Actor, in OpenCatalogueInput) (*CatalogueVersion, error) {
	province, err := s.requireManage(ctx, a, in.Region)
	if err != nil {
		return nil, err
	}
	var fields []FieldError
	if !validYear(in.Year) {
		fields = append(fields, yearField("year"))
	}
	if in.FromYear != 0 && !validYear(in.FromYear) {
		fields = append(fields, yearField("from_year"))
	}
	if len(fields) == 0 && in.FromYear != 0 && in.Year <= in.FromYear {
		fields = append(fields, Field("year", "catalogue_year_after", strconv.Itoa(in.FromYear)))
	}
	if len(fields) > 0 {
		return nil, Invalid(fields...)
	}
	var out *CatalogueVersion
	err = s.tx(ctx, func(tx *gorm.DB) error {
		var from *CatalogueVersion
		if in.FromYear != 0 {
			var err error
			if from, err = s.version(tx, province, in.FromYear, false); err != nil {
				if errors.Is(err, ErrNotFound) {
					return Invalid(Field("from_year", "catalogue_version", ""))
				}
				return err
			}
		}
		var n int64
		if err := tx.Model(&CatalogueVersion{}).Where("region_code = ? AND year = ?", province, in.Year).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return versionTaken()
		}
		now := s.now()
		v := CatalogueVersion{RegionCode: province, Year: in.Year, Status: CatalogueDraft, CreatedAt: now, UpdatedAt: now}
		if from != nil {
			v.CopiedFrom = &from.Year
		}
		if err := tx.Create(&v).Error; err != nil {
			if isDuplicate(err) {
				return versionTaken()
			}
			return err
		}
		if from != nil {
			copied, err := s.copyItems(tx, from, &v, now)
			if err != nil {
				return err
			}
			v.ItemCount = copied
		}
		out = &v
		return s.audit(tx, a, "catalogue_version.open", "catalogue_version", v.ID, province, nil, v)
	})
	return out, err
}

func versionTaken() error {
	e := Invalid(Field("year", "taken", ""))
	e.Kind = ErrConflict
	e.Key = "err.catalogue_version_exists"
	e.Detail = "a catalogue version of this year exists"
	return e
}

// copyItems copies every item and indicator of from into to.
func (s *Store) copyItems(tx *gorm.DB, from, to *CatalogueVersion, now time.Time) (int64, error) {
	var items []CatalogueItem
	if err := tx.Where("version_id = ?", from.ID).Order("code").Find(&items).Error; err != nil {
		return 0, err
	}
	if len(items) == 0 {
		return 0, nil
	}
	oldIDs := make([]int64, len(items))
	for i := range items {
		oldIDs[i] = items[i].ID
		items[i].ID = 0
		items[i].VersionID = to.ID
		items[i].CreatedAt, items[i].UpdatedAt = now, now
	}
	if err := tx.Create(&items).Error; err != nil {
		return 0, err
	}
	newID := make(map[int64]int64, len(items))
	for i := range items {
		newID[oldIDs[i]] = items[i].ID
	}
	var inds []CatalogueIndicator
	if err := tx.Where("item_id IN ?", oldIDs).Order("item_id, sort_order").Find(&inds).Error; err != nil {
		return 0, err
	}
	for i := range inds {
		inds[i].ID = 0
		inds[i].ItemID = newID[inds[i].ItemID]
	}
	if len(inds) > 0 {
		if err := tx.Create(&inds).Error; err != nil {
			return 0, err
		}
	}
	return int64(len(items)), nil
}

// PublishCatalogueVersion publishes a draft; from then on it is read-only.
// Every leaf item must carry indicators whose weights sum to 100.
func (s *Store) PublishCatalogueVersion(ctx context.Context, a *Actor, q CatalogueQuery) (*CatalogueVersion, error) {
	province, err := s.requireManage(ctx, a, q.Region)
	if err != nil {
		return nil, err
	}
	if !validYear(q.Year) {
		return nil, Invalid(yearField("year"))
	}
	var out *CatalogueVersion
	err = s.tx(ctx, func(tx *gorm.DB) error {
		v, err := s.version(tx, province, q.Year, true)
		if err != nil {
			return err
		}
		next, err := catalogueLifecycle.Next(cataloguePublish, v.Status)
		if err != nil {
			return err
		}
		items, total, err := s.items(tx, v, nil)
		if err != nil {
			return err
		}
		if fields := leafFields(items); len(fields) > 0 {
			return Invalid(fields...)
		}
		before := *v
		now := s.now()
		v.Status, v.PublishedAt, v.UpdatedAt, v.ItemCount = next, &now, now, total
		if err := tx.Model(v).Select("status", "published_at", "updated_at").Updates(v).Error; err != nil {
			return err
		}
		out = v
		return s.audit(tx, a, "catalogue_version.publish", "catalogue_version", v.ID, province, before, v)
	})
	return out, err
}

// leafFields names each leaf item that cannot be bought as it stands: one
// without indicators or whose weights do not sum to 100.
func leafFields(items []CatalogueItem) []FieldError {
	if len(items) == 0 {
		return []FieldError{Field("items", "catalogue_empty", "")}
	}
	hasChildren := map[string]bool{}
	for _, it := range items {
		hasChildren[it.ParentCode] = true
	}
	var fields []FieldError
	for _, it := range items {
		if hasChildren[it.Code] {
			continue
		}
		sum := 0
		for _, ind := range it.Indicators {
			sum += ind.Weight
		}
		if sum != IndicatorWeightTotal {
			fields = append(fields, Field("items."+it.Code+".indicators", "catalogue_weights_sum", strconv.Itoa(sum)))
		}
	}
	return fields
}
