package main

import (
	"context"
	"errors"
	"fmt"

	"portal/models"
	"portal/models/uscc"
)

// demoOrganisations: two verified organisations in Xingning district
// (verified by xn-buyer) and one pending in Nanning, each with an agency user.
var demoOrganisations = []struct {
	username, person, name, typ, division, region, founded, phone, address string
	verified                                                               bool
	roster                                                                 []models.NewRosterEntry
}{
	{"yg-agency", "黄丽", "南宁市兴宁区阳光社会工作服务中心", "52", "450102", "450102", "2016-04-12", "0771-5861234", "南宁市兴宁区民主路 18 号", true,
		[]models.NewRosterEntry{{Name: "黄丽", Position: "主任", Level: models.LevelIntermediate, CertificateNo: "S2016450000101"},
			{Name: "覃晓燕", Position: "项目社工", Level: models.LevelAssistant, CertificateNo: "A2019450000233"}}},
	{"tx-agency", "韦明", "南宁市兴宁区童心社会工作服务社", "52", "450102", "450102", "2019-09-03", "13907715678", "南宁市兴宁区朝阳路 66 号", true,
		[]models.NewRosterEntry{{Name: "韦明", Position: "主任", Level: models.LevelSenior, CertificateNo: "G2020450000007"}}},
	{"cy-agency", "梁芳", "南宁市春芽儿童关爱协会", "51", "450100", "4501", "2021-06-18", "0771-2345678", "南宁市青秀区东葛路 9 号", false, nil},
}

// seedDemoOrganisations registers the demo organisations through the same
// Store methods as the pages; ones already there are skipped.
func seedDemoOrganisations(ctx context.Context, s *models.Store) error {
	verifier, err := demoActor(ctx, s, "xn-buyer")
	if err != nil {
		return err
	}
	for i, d := range demoOrganisations {
		// Skipped before registering: every registration counts against
		// its address's throttle, whatever its answer, and the demo
		// starts again and again.
		var n int64
		if err := s.DB.WithContext(ctx).Model(&models.User{}).Where("username = ?", d.username).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			continue
		}
		first := fmt.Sprintf("%s%sMJ%07d", d.typ, d.division, i+1)
		check, err := uscc.CheckChar(first)
		if err != nil {
			return err
		}
		v, _, err := s.Register(ctx, models.Anonymous("demo", s.Authz), models.Registration{
			Organisation: models.NewOrganisation{Name: d.name, CreditCode: first + string(check), LegalRep: d.person,
				Region: d.region, FoundedOn: d.founded, Phone: d.phone, Address: d.address},
			User: models.NewUser{Username: d.username, Password: demoPassword, DisplayName: d.person},
		})
		if errors.Is(err, models.ErrConflict) {
			continue
		}
		if err != nil {
			return fmt.Errorf("%s: %w", d.name, err)
		}
		member, err := demoActor(ctx, s, d.username)
		if err != nil {
			return err
		}
		for _, r := range d.roster {
			if _, err := s.AddRosterEntry(ctx, member, v.Org.ID, r); err != nil {
				return err
			}
		}
		if d.verified {
			if _, err := s.ChangeOrganisationStatus(ctx, verifier, v.Org.ID, models.OrgVerify, models.OrgStatusChange{Reason: "登记证书核验无误"}); err != nil {
				return err
			}
		}
	}
	return nil
}

// demoActor loads a user as a model caller.
func demoActor(ctx context.Context, s *models.Store, username string) (*models.Actor, error) {
	var u models.User
	if err := s.DB.WithContext(ctx).Where("username = ?", username).First(&u).Error; err != nil {
		return nil, fmt.Errorf("demo user %s: %w", username, err)
	}
	grants, err := s.Authz.Grants(u.ID)
	if err != nil {
		return nil, err
	}
	return models.NewActor(&u, grants, "demo", s.Authz), nil
}
