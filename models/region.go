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

// RegionLabels names each of codes for display in one query, with the
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
	var rows []Region
	if err := s.DB.WithContext(ctx).Select("code", "name").Where("code IN ?", need).Find(&rows).Error; err != nil {
		return nil, err
	}
	names := make(map[string]string, len(rows))
	for _, r := range rows {
		names[r.Code] = r.Name
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

// RegionGroup is a city with its counties, for a grouped region picker.
type RegionGroup struct {
	City     Region
	Counties []Region
}

// RegionGroups lists a province's cities, each with its counties, in one
// query.
func (s *Store) RegionGroups(ctx context.Context, province string) ([]RegionGroup, error) {
	var rows []Region
	err := s.DB.WithContext(ctx).Where("code LIKE ? AND level IN ?", province+"%", []int{LevelCity, LevelCounty}).
		Order("code").Find(&rows).Error
	if err != nil {
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
