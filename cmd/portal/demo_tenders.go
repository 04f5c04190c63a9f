package main

import (
	"context"
	"time"

	"portal/models"
)

// seedDemoTenders publishes one tender of Xingning district open for bids,
// with an answered enquiry, and keeps a second as a draft, so the tender
// pages have something to show. It does nothing when the district has
// tenders already.
func seedDemoTenders(ctx context.Context, s *models.Store) error {
	var n int64
	if err := s.DB.WithContext(ctx).Model(&models.Tender{}).Where("region_code = ?", "450102").Count(&n).Error; err != nil || n > 0 {
		return err
	}
	buyer, err := demoActor(ctx, s, "xn-buyer")
	if err != nil {
		return err
	}
	open := models.TenderInput{
		Title: "兴宁区2027年困境儿童关爱服务项目", Region: "450102", CatalogueCode: "C0603", Method: "competitive_consultation",
		Budget:       []models.BudgetLine{{Source: "central_assistance", AmountFen: 200_000_00}, {Source: "local_budget", AmountFen: 80_000_00}},
		ServiceStart: "2027-01-01", ServiceEnd: "2027-12-31",
		Targets: []models.Target{{Indicator: "service_hours", Value: 2000}, {Indicator: "children_served", Value: 500},
			{Indicator: "home_visits", Value: 300}, {Indicator: "satisfaction_rate", Value: 90}},
		PriceWeight: 20,
		Criteria: []models.Criterion{{Key: "plan", Name: "服务方案", MaxPoints: 40}, {Key: "team", Name: "团队配置与持证社工", MaxPoints: 25},
			{Key: "experience", Name: "同类项目经验", MaxPoints: 15}},
		BidDeadline: time.Now().Add(30 * 24 * time.Hour).Truncate(time.Hour),
	}
	t, err := s.CreateTender(ctx, buyer, open)
	if err != nil {
		return err
	}
	if _, err := s.PublishTender(ctx, buyer, t.ID); err != nil {
		return err
	}
	agency, err := demoActor(ctx, s, "yg-agency")
	if err != nil {
		return err
	}
	q, err := s.Ask(ctx, agency, t.ID, "服务对象是否包括事实无人抚养儿童？")
	if err != nil {
		return err
	}
	if _, err := s.AnswerEnquiry(ctx, buyer, q.ID, "包括。事实无人抚养儿童按困境儿童纳入服务对象。"); err != nil {
		return err
	}
	draft := open
	draft.Title, draft.CatalogueCode, draft.Method = "兴宁区儿童主任能力建设项目", "C0605", "inquiry"
	draft.Evaluation, draft.PriceWeight, draft.Criteria = models.EvalLowestPrice, 0, nil // 询价: lowest price
	draft.Targets = []models.Target{{Indicator: "child_directors_trained", Value: 120}}
	_, err = s.CreateTender(ctx, buyer, draft)
	return err
}
