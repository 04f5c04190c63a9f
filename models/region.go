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
