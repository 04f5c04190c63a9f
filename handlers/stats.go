package handlers

import (
	"net/http"
	"net/url"

	"portal/models"
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
