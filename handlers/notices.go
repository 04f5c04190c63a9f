package handlers

import (
	"net/http"
	"strconv"
	"time"

	"portal/models"
	"portal/policy"

	"github.com/gin-gonic/gin"
)

// The public notices (公告): the home page's latest of each kind, the search
// page and a signed contract's public summary, and the same in the API.

// noticeRoutes registers the notice pages and API; anyone may read them.
func (s *Server) noticeRoutes(r *gin.Engine, api *gin.RouterGroup) {
	read := policy.Require("tender:read")
	api.GET("/notices", read, s.apiNotices)
	api.GET("/notices/contracts/:id", read, apiID(http.StatusOK, s.store.ContractNotice))
	r.GET("/notices", read, s.pageNotices)
	r.GET("/notices/contracts/:id", read, s.pageContractNotice)
}

// noticeView formats values for the notice and desk views: money in yuan,
// times and dates in Beijing time, names in the page's language.
type noticeView struct{ lang string }

// Time shows a time in Beijing time to the minute.
func (v noticeView) Time(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(models.ChinaZone).Format("2006-01-02 15:04")
}

// TimeP is Time of an optional time.
func (v noticeView) TimeP(t *time.Time) string {
	if t == nil {
		return ""
	}
	return v.Time(*t)
}

// Date shows a time's Beijing date.
func (v noticeView) Date(t time.Time) string { return t.In(models.ChinaZone).Format(time.DateOnly) }

// Yuan shows fen as yuan.
func (v noticeView) Yuan(fen int64) string { return formatYuan(fen) }

// Method names a procurement method in the page's language.
func (v noticeView) Method(key string) string {
	if m, ok := models.Methods[key]; ok {
		return localName(v.lang, m.Name, m.NameEn)
	}
	return key
}

// NoticeHref is the page where a notice is read in full: the tender's
// notice, its amendment history, its failure notice or the contract's
// summary.
func (v noticeView) NoticeHref(n models.Notice) string {
	id := strconv.FormatInt(n.TenderID, 10)
	switch n.Kind {
	case models.NoticeAmendment:
		return "/tenders/" + id + "#amendment-" + strconv.Itoa(n.Seq)
	case models.NoticeAward:
		return "/tenders/" + id + "/notice"
	case models.NoticeFailure:
		return "/tenders/" + id + "#failure-notice"
	case models.NoticeContract:
		return "/notices/contracts/" + strconv.FormatInt(n.ContractID, 10)
	}
	return "/tenders/" + id
}

func noticeFilterOf(c *gin.Context) models.NoticeFilter {
	return models.NoticeFilter{Kind: c.Query("kind"), Region: c.Query("region"), Method: c.Query("method"), Q: c.Query("q"),
		From: c.Query("from"), To: c.Query("to")}
}

func (s *Server) apiNotices(c *gin.Context) {
	l, err := s.store.Notices(c.Request.Context(), policy.ActorFrom(c), noticeFilterOf(c), pageOf(c))
	if err != nil {
		fail(c, err)
		return
	}
	for i := range l.Items {
		if f := l.Items[i].Failure; f != nil {
			f.Message = s.failureMessage("en", f)
		}
	}
	c.JSON(http.StatusOK, l)
}

type noticesData struct {
	noticeView
	Filter  models.NoticeFilter
	List    models.List[models.Notice]
	Kinds   []string
	Methods []string
	Regions []models.Region
}

// noticeRegions are the region choices of the search: the province, its
// cities and the region searched (a county named in the address), by name.
func (s *Server) noticeRegions(c *gin.Context, searched string) []models.Region {
	out := []models.Region{}
	if p, err := s.store.Region(c.Request.Context(), "45"); err == nil {
		out = append(out, *p)
	}
	cities, err := s.store.Regions(c.Request.Context(), "45")
	if err == nil {
		out = append(out, cities...)
	}
	if searched == "" {
		return out
	}
	for _, r := range out {
		if r.Code == searched {
			return out
		}
	}
	if r, err := s.store.Region(c.Request.Context(), searched); err == nil {
		out = append(out, *r)
	}
	return out
}

func (s *Server) pageNotices(c *gin.Context) {
	lang := langOf(c)
	f := noticeFilterOf(c)
	d := noticesData{noticeView: noticeView{lang}, Filter: f, Kinds: models.NoticeKinds, Methods: models.MethodKeys, Regions: s.noticeRegions(c, f.Region)}
	l, err := s.store.Notices(c.Request.Context(), policy.ActorFrom(c), f, pageOf(c))
	p := &page{Title: s.msgs.T(lang, "notices.title"), Data: &d}
	if err != nil {
		if !onForm(err) {
			fail(c, err)
			return
		}
		p.Errors, p.Error = s.formErrors(lang, err)
		l = models.List[models.Notice]{Items: []models.Notice{}, Page: 1, PerPage: models.Page{}.Normalise().PerPage}
	}
	for i := range l.Items {
		if fn := l.Items[i].Failure; fn != nil {
			fn.Message = s.failureMessage(lang, fn)
		}
	}
	d.List = l
	status := http.StatusOK
	if err != nil {
		status, _ = classify(err)
	}
	s.html(c, status, "notices", p)
}

type contractNoticeData struct {
	noticeView
	C *models.ContractNotice
}

func (s *Server) pageContractNotice(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	cn, err := s.store.ContractNotice(c.Request.Context(), policy.ActorFrom(c), id)
	if err != nil {
		fail(c, err)
		return
	}
	lang := langOf(c)
	if lang == "en" && cn.CatalogueNameEn != "" {
		cn.CatalogueName = cn.CatalogueNameEn
	}
	s.html(c, http.StatusOK, "contract_notice", &page{Title: s.msgs.T(lang, "notices.contract_title", cn.Number),
		Data: contractNoticeData{noticeView: noticeView{lang}, C: cn}})
}

// latestNotices is the home page's list: the newest of each kind. A failure
// to read them leaves the home page without them rather than failing it.
func (s *Server) latestNotices(c *gin.Context) *latestData {
	lang := langOf(c)
	l, err := s.store.Latest(c.Request.Context(), policy.ActorFrom(c), 5)
	if err != nil {
		s.log.Error("latest notices", "err", err)
		return nil
	}
	for _, g := range l.Kinds {
		for i := range g.Items {
			if fn := g.Items[i].Failure; fn != nil {
				fn.Message = s.failureMessage(lang, fn)
			}
		}
	}
	return &latestData{noticeView: noticeView{lang}, L: l}
}

type latestData struct {
	noticeView
	L *models.LatestNotices
}
