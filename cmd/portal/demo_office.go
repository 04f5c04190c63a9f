package main

import (
	"context"
	"time"

	"portal/models"
)

// seedDemoOffice gives Xingning an incubation base with two rooms, the
// first held by the first demo organisation for this year; skipped when
// the base is there.
func seedDemoOffice(ctx context.Context, s *models.Store) error {
	const name = "兴宁区社会组织孵化基地"
	var n int64
	if err := s.DB.WithContext(ctx).Model(&models.OfficeBase{}).Where("name = ?", name).Count(&n).Error; err != nil || n > 0 {
		return err
	}
	buyer, err := demoActor(ctx, s, "xn-buyer")
	if err != nil {
		return err
	}
	b, err := s.CreateBase(ctx, buyer, models.BaseInput{Name: name, Region: "450102", Address: "南宁市兴宁区民主路 1 号 3 楼"})
	if err != nil {
		return err
	}
	var first *models.OfficeRoom
	for _, r := range []models.RoomInput{{Name: "301 室", AreaM2: "35.5"}, {Name: "302 室", AreaM2: "18"}} {
		room, err := s.CreateRoom(ctx, buyer, b.ID, r)
		if err != nil {
			return err
		}
		if first == nil {
			first = room
		}
	}
	var org models.Organisation
	if err := s.DB.WithContext(ctx).Where("name = ?", demoOrganisations[0].name).First(&org).Error; err != nil {
		return err
	}
	year := s.Now().In(models.ChinaZone).Year()
	_, err = s.CreateAllocation(ctx, buyer, first.ID, models.AllocationInput{OrganisationID: org.ID,
		From: time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC).Format(time.DateOnly), To: time.Date(year, 12, 31, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)})
	return err
}
