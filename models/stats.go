package models

// Statistics (issue 11): the figures of docs/stats.md for one region
// (rolled up its whole tree) and one period.

// StatsRegion names a region in an answer.
type StatsRegion struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// RegionsBuying counts the cities and counties with a tender published in
// the period.
type RegionsBuying struct {
	Cities   int64 `json:"cities"`
	Counties int64 `json:"counties"`
}

// GradeCounts counts complete supervision phases by grade.
type GradeCounts struct {
	Excellent int64 `json:"excellent"`
	Good      int64 `json:"good"`
	Pass      int64 `json:"pass"`
	Fail      int64 `json:"fail"`
}

// StatsTotals are one region's figures for the period (docs/stats.md).
type StatsTotals struct {
	RegionsBuying             RegionsBuying `json:"regions_buying"`
	ProjectsPublished         int64         `json:"projects_published"`
	ProjectsAwarded           int64         `json:"projects_awarded"`
	ProjectsInService         int64         `json:"projects_in_service"`
	OrganisationsVerified     int64         `json:"organisations_verified"`
	OrganisationsServing      int64         `json:"organisations_serving"`
	SocialWorkers             int64         `json:"social_workers"`
	BudgetFen                 int64         `json:"budget_fen"`
	ContractedFen             int64         `json:"contracted_fen"`
	PaidFen                   int64         `json:"paid_fen"`
	ServiceHours              Hundredths    `json:"service_hours"`
	VolunteerPersonTimes      int64         `json:"volunteer_person_times"`
	VolunteerHours            Hundredths    `json:"volunteer_hours"`
	ChildrenServedPersonTimes int64         `json:"children_served_person_times"`
	Evaluations               int64         `json:"evaluations"`
	AverageScore              *Hundredths   `json:"average_score"`
	Grades                    GradeCounts   `json:"grades"`
}
