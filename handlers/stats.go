package handlers

import (
	"net/http"
	"net/url"

	"portal/models"
	"portal/models/sheet"
	"portal/policy"

	"github.com/gin-gonic/gin"
)

// Statistics at a glance (issue 11): GET /api/v1/stats and the /stats
// dashboard, public; staff whose grants reach the region also see its
// contracts. The page's charts are SVG drawn on the server
// (stats_charts.go), each with its table.

func (s *Server) statsRoutes(r *gin.Engine, api *gin.RouterGroup) {
	api.GET("/stats", s.apiStats)
	r.GET("/stats", s.pageStats)
	r.GET("/stats.xlsx", s.exportStats)
}

// statsQueryOf reads the query; without a region, the province the
// portal serves.
func statsQueryOf(c *gin.Context) models.StatsQuery {
	q := models.StatsQuery{Region: c.Query("region"), From: c.Query("from"), To: c.Query("to")}
	if q.Region == "" {
		q.Region = pickerProvince
	}
	return q
}

func (s *Server) apiStats(c *gin.Context) {
	st, err := s.store.Stats(c.Request.Context(), policy.ActorFrom(c), statsQueryOf(c))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, st)
}

// statsData is the dashboard: the figures and their charts.
type statsData struct {
	pageFmt
	Stats    *models.Stats
	Query    statsQueryView
	Regions  regionPicker
	Children []statsChildRow
	Charts   statsCharts
}

// statsQueryView is the period and region as the form shows them, and the
// query of a link to another region over the same period.
type statsQueryView struct{ Region, From, To string }

// Link is the dashboard of region over the same period.
func (q statsQueryView) Link(region string) string {
	v := url.Values{"region": {region}, "from": {q.From}, "to": {q.To}}
	return "/stats?" + v.Encode()
}

// statsChildRow is a child region's row with the share of the largest
// child's contracted amount its bar shows.
type statsChildRow struct {
	models.StatsChild
	Link string
}

func (s *Server) pageStats(c *gin.Context) {
	lang, q := langOf(c), statsQueryOf(c)
	st, err := s.store.Stats(c.Request.Context(), policy.ActorFrom(c), q)
	p := &page{Title: s.msgs.T(lang, "stats.title"), Form: map[string]string{"region": q.Region, "from": q.From, "to": q.To}, Errors: map[string]string{}}
	if err != nil && !onForm(err) {
		fail(c, err)
		return
	}
	pick, perr := s.regionPicker(c.Request.Context(), lang, s.msgs.T(lang, "stats.pick_region"), true, func(code string) bool { return code != models.RootRegion })
	if perr != nil {
		fail(c, perr)
		return
	}
	d := &statsData{pageFmt: s.pageFmt(c), Regions: pick}
	p.Data = d
	if err != nil {
		status, _ := classify(err)
		p.Errors, p.Error = s.formErrors(lang, err)
		s.html(c, status, "stats", p)
		return
	}
	d.Stats = st
	d.Query = statsQueryView{Region: st.Region.Code, From: st.From, To: st.To}
	p.Form["from"], p.Form["to"] = st.From, st.To
	for _, ch := range st.Children {
		d.Children = append(d.Children, statsChildRow{StatsChild: ch, Link: d.Query.Link(ch.Region.Code)})
	}
	d.Charts = s.statsCharts(lang, st)
	s.html(c, http.StatusOK, "stats", p)
}

// exportStats sends the dashboard's figures as a workbook, a sheet per
// table, for the same region and period (and, for staff, its contracts).
func (s *Server) exportStats(c *gin.Context) {
	lang := langOf(c)
	st, err := s.store.Stats(c.Request.Context(), policy.ActorFrom(c), statsQueryOf(c))
	if err != nil {
		fail(c, err)
		return
	}
	t := func(key string, args ...any) string { return s.msgs.T(lang, key, args...) }
	col := func(key string, k sheet.Kind) exportColumn { return exportColumn{Key: key, Kind: k} }
	totalsCols := s.exportColumns(lang, col("stats.region", sheet.Text), col("stats.export.cities", sheet.Whole), col("stats.export.counties", sheet.Whole),
		col("stats.projects_published", sheet.Whole), col("stats.projects_awarded", sheet.Whole), col("stats.projects_in_service", sheet.Whole),
		col("stats.organisations_verified", sheet.Whole), col("stats.organisations_serving", sheet.Whole), col("stats.social_workers", sheet.Whole),
		col("stats.budget_yuan", sheet.Money), col("stats.contracted_yuan", sheet.Money), col("stats.paid_yuan", sheet.Money),
		col("stats.service_hours", sheet.Decimal), col("stats.volunteer_person_times", sheet.Whole), col("stats.volunteer_hours", sheet.Decimal),
		col("stats.children_served", sheet.Whole), col("stats.evaluations", sheet.Whole), col("stats.average_score", sheet.Decimal),
		col("sv.grade.excellent", sheet.Whole), col("sv.grade.good", sheet.Whole), col("sv.grade.pass", sheet.Whole), col("sv.grade.fail", sheet.Whole))
	totalsRow := func(name string, tt models.StatsTotals) []any {
		var avg any
		if tt.AverageScore != nil {
			avg = hundredths(int64(*tt.AverageScore))
		}
		return []any{name, tt.RegionsBuying.Cities, tt.RegionsBuying.Counties, tt.ProjectsPublished, tt.ProjectsAwarded, tt.ProjectsInService,
			tt.OrganisationsVerified, tt.OrganisationsServing, tt.SocialWorkers, yuan(tt.BudgetFen), yuan(tt.ContractedFen), yuan(tt.PaidFen),
			hundredths(int64(tt.ServiceHours)), tt.VolunteerPersonTimes, hundredths(int64(tt.VolunteerHours)), tt.ChildrenServedPersonTimes,
			tt.Evaluations, avg, tt.Grades.Excellent, tt.Grades.Good, tt.Grades.Pass, tt.Grades.Fail}
	}
	regions := sheet.Sheet{Name: t("stats.export.regions"), Columns: totalsCols, Rows: [][]any{totalsRow(st.Region.Name, st.Totals)}}
	for _, ch := range st.Children {
		regions.Rows = append(regions.Rows, totalsRow(ch.Region.Name, ch.Totals))
	}
	sources := sheet.Sheet{Name: t("stats.source"), Columns: s.exportColumns(lang, col("stats.source", sheet.Text), col("stats.budget_yuan", sheet.Money),
		col("stats.contracted_yuan", sheet.Money), col("stats.paid_yuan", sheet.Money))}
	for _, src := range st.BySource {
		sources.Rows = append(sources.Rows, []any{t("tender.source." + src.Source), yuan(src.BudgetFen), yuan(src.ContractedFen), yuan(src.PaidFen)})
	}
	months := sheet.Sheet{Name: t("stats.month"), Columns: s.exportColumns(lang, col("stats.month", sheet.Text), col("stats.service_hours", sheet.Decimal),
		col("stats.volunteer_person_times", sheet.Whole), col("stats.volunteer_hours", sheet.Decimal), col("stats.children_served", sheet.Whole))}
	for _, m := range st.ByMonth {
		months.Rows = append(months.Rows, []any{m.Month, hundredths(int64(m.ServiceHours)), m.VolunteerPersonTimes, hundredths(int64(m.VolunteerHours)), m.ChildrenServedPersonTimes})
	}
	items := sheet.Sheet{Name: t("stats.item"), Columns: s.exportColumns(lang, col("stats.export.code", sheet.Text), col("stats.item", sheet.Text),
		col("stats.projects_published", sheet.Whole), col("stats.contracted_yuan", sheet.Money), col("stats.children_served", sheet.Whole))}
	for _, it := range st.ByItem {
		items.Rows = append(items.Rows, []any{it.CatalogueCode, localName(lang, it.Name, it.NameEn), it.Projects, yuan(it.ContractedFen), it.ChildrenServedPersonTimes})
	}
	sheets := []sheet.Sheet{regions, sources, months, items}
	if st.Drill {
		contracts := sheet.Sheet{Name: t("stats.contract"), Columns: s.exportColumns(lang, col("stats.contract", sheet.Text), col("stats.export.title", sheet.Text),
			col("stats.organisation", sheet.Text), col("stats.status", sheet.Text), col("stats.amount_yuan", sheet.Money), col("stats.paid_yuan", sheet.Money),
			col("stats.service_hours", sheet.Decimal), col("stats.volunteer_person_times", sheet.Whole), col("stats.children_served", sheet.Whole))}
		for _, ct := range st.Contracts {
			contracts.Rows = append(contracts.Rows, []any{ct.Number, ct.Title, ct.OrganisationName, t("contract.status." + ct.Status), yuan(ct.AmountFen),
				yuan(ct.PaidFen), hundredths(int64(ct.ServiceHours)), ct.VolunteerPersonTimes, ct.ChildrenServedPersonTimes})
		}
		sheets = append(sheets, contracts)
	}
	s.sendWorkbook(c, "stats-"+st.Region.Code, t("stats.export.file", st.Region.Name, st.From, st.To), sheets...)
}
