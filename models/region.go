package models

import (
	"context"
)

// Region levels.
const (
	LevelProvince = 1
	LevelCity     = 2
	LevelCounty   = 3
	LevelTownship = 4
)

// Region is an administrative division; codes nest by prefix.
type Region struct {
	Code       string `json:"code" gorm:"primaryKey"`
	Name       string `json:"name"`
	Level      int    `json:"level"`
	ParentCode string `json:"parent,omitempty"`
}

// Regions lists the children of parent ("" lists provinces).
func (s *Store) Regions(ctx context.Context, parent string) ([]Region, error) {
	if sorted, _, ok, err := s.cachedRegions(ctx); err != nil || ok {
		return regionsWhere(sorted, "", func(r Region) bool {
			return (parent == "" && r.Level == LevelProvince) || (parent != "" && r.ParentCode == parent)
		}), err
	}
	var out []Region
	q := s.DB.WithContext(ctx).Order("code")
	if parent == "" {
		q = q.Where("level = ?", LevelProvince)
	} else {
		q = q.Where("parent_code = ?", parent)
	}
	return out, q.Find(&out).Error
}

// Region loads one region.
func (s *Store) Region(ctx context.Context, code string) (*Region, error) {
	if sorted, byCode, ok, err := s.cachedRegions(ctx); err != nil {
		return nil, err
	} else if ok {
		i, found := byCode[code]
		if !found {
			return nil, Fail(ErrNotFound, "err.not_found", "region not found")
		}
		r := sorted[i]
		return &r, nil
	}
	var r Region
	if err := s.DB.WithContext(ctx).First(&r, "code = ?", code).Error; err != nil {
		return nil, notFound(err, "region")
	}
	return &r, nil
}

// RegionPath lists a region and its ancestors, top first.
func (s *Store) RegionPath(ctx context.Context, code string) ([]Region, error) {
	var path []Region
	for code != "" {
		r, err := s.Region(ctx, code)
		if err != nil {
			return nil, err
		}
		path = append([]Region{*r}, path...)
		code = r.ParentCode
	}
	return path, nil
}

// placeholderCity names a city-level code that stands for no real city
// (a municipality's districts, a province's directly governed counties):
// its province names it instead.
var placeholderCity = map[string]bool{"市辖区": true, "县": true, "省直辖县级行政区划": true, "自治区直辖县级行政区划": true}

// RegionLabels names each of codes for display (from the cache; one query
// without it), with the
// city a county lies in ("南宁市 青秀区"). Codes that are not regions are
// left out; callers show those as they are.
func (s *Store) RegionLabels(ctx context.Context, codes []string) (map[string]string, error) {
	var need []string
	seen := map[string]bool{}
	for _, code := range codes {
		for _, n := range []int{2, 4, 6, len(code)} {
			if n <= len(code) && !seen[code[:n]] {
				seen[code[:n]] = true
				need = append(need, code[:n])
			}
		}
	}
	out := map[string]string{}
	if len(need) == 0 {
		return out, nil
	}
	names, err := s.regionNames(ctx, need)
	if err != nil {
		return nil, err
	}
	for _, code := range codes {
		own, ok := names[code]
		if !ok {
			continue
		}
		if len(code) <= 4 {
			if len(code) == 4 && placeholderCity[own] {
				own = names[code[:2]]
			}
			out[code] = own
			continue
		}
		city := names[code[:4]]
		if placeholderCity[city] || city == "" {
			city = names[code[:2]]
		}
		label := city
		if len(code) > 6 {
			label += " " + names[code[:6]]
		}
		out[code] = label + " " + own
	}
	return out, nil
}

// regionNames names each of codes that is a region (one query without the
// cache).
func (s *Store) regionNames(ctx context.Context, codes []string) (map[string]string, error) {
	names := make(map[string]string, len(codes))
	if sorted, byCode, ok, err := s.cachedRegions(ctx); err != nil {
		return nil, err
	} else if ok {
		for _, code := range codes {
			if i, found := byCode[code]; found {
				names[code] = sorted[i].Name
			}
		}
		return names, nil
	}
	var rows []Region
	if err := s.DB.WithContext(ctx).Select("code", "name").Where("code IN ?", codes).Find(&rows).Error; err != nil {
		return nil, err
	}
	for _, r := range rows {
		names[r.Code] = r.Name
	}
	return names, nil
}

// RegionGroup is a city with its counties, for a grouped region picker.
type RegionGroup struct {
	City     Region
	Counties []Region
}

// RegionGroups lists a province's cities, each with its counties (from
// the cache; one query without it).
func (s *Store) RegionGroups(ctx context.Context, province string) ([]RegionGroup, error) {
	var rows []Region
	if sorted, _, ok, err := s.cachedRegions(ctx); err != nil {
		return nil, err
	} else if ok {
		rows = regionsWhere(sorted, province, func(r Region) bool { return r.Level == LevelCity || r.Level == LevelCounty })
	} else if err := s.DB.WithContext(ctx).Where("code LIKE ? AND level IN ?", province+"%", []int{LevelCity, LevelCounty}).
		Order("code").Find(&rows).Error; err != nil {
		return nil, err
	}
	var out []RegionGroup
	for _, r := range rows {
		switch {
		case r.Level == LevelCity:
			out = append(out, RegionGroup{City: r})
		case len(out) > 0 && out[len(out)-1].City.Code == r.ParentCode:
			out[len(out)-1].Counties = append(out[len(out)-1].Counties, r)
		}
	}
	return out, nil
}
