package handlers

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"portal/models"
	"portal/policy"

	"github.com/gin-gonic/gin"
)

// The tender list, a tender's page, its printable notice and its enquiries.

// tenderStatuses are the tender statuses a list may filter on.
var tenderStatuses = []string{models.TenderDraft, models.TenderPublished, models.TenderOpened, models.TenderEvaluating,
	models.TenderAwarded, models.TenderContracted, models.TenderCancelled, models.TenderUnsuccessful}

// The tender list.

type tenderListData struct {
	pageFmt
	List      models.List[models.Tender]
	Filter    models.TenderFilter
	Statuses  []string
	CanCreate bool
	Staff     bool
	Regions   regionPicker // the filter's region picker
}

// pageTenders lists tenders. An agency that has not filtered sees the open
// tenders of its own city first.
func (s *Server) pageTenders(c *gin.Context) {
	ctx, a := c.Request.Context(), policy.ActorFrom(c)
	q := c.Request.URL.Query()
	f := models.TenderFilter{Region: q.Get("region"), Status: q.Get("status"), Q: q.Get("q"), Mine: q.Get("mine") == "1"}
	unfiltered := !q.Has("region") && !q.Has("status") && !q.Has("q")
	v, err := s.store.TenderListPage(ctx, a, f, pageOf(c), unfiltered)
	if err != nil {
		fail(c, err)
		return
	}
	title := "tender.list_title"
	if v.Filter.Mine {
		title = "tender.mine_title"
	}
	lang := langOf(c)
	pick, err := s.regionPicker(ctx, lang, s.msgs.T(lang, "region.any"), false, anyRegion)
	if err != nil {
		fail(c, err)
		return
	}
	p := &page{Title: s.msgs.T(lang, title), Form: map[string]string{"region": v.Filter.Region}, Regions: v.Regions,
		Data: &tenderListData{pageFmt: s.pageFmt(c), List: v.List, Filter: v.Filter, Statuses: tenderStatuses,
			CanCreate: a.CanAnywhere("tender:manage"), Staff: a.CanAnywhere("tender:manage"), Regions: pick}}
	s.html(c, http.StatusOK, "tender_list", p)
}

// What every view of a tender shows.

// targetView is a tender's or a contract's target with its indicator's name.
type targetView struct {
	Key, Name, Unit string
	Value           float64
}

func targetViews(lang string, item *models.CatalogueItem, keys []string, values []float64) []targetView {
	out := make([]targetView, len(keys))
	for i, k := range keys {
		out[i] = targetView{Key: k, Name: k, Value: values[i]}
		if item == nil {
			continue
		}
		for _, ind := range item.Indicators {
			if ind.Key == k {
				out[i].Name, out[i].Unit = localName(lang, ind.Name, ind.NameEn), ind.Unit
			}
		}
	}
	return out
}

// tenderFacts are what every view of a tender shows.
type tenderFacts struct {
	T          *models.Tender
	RegionName string
	ItemName   string
	Targets    []targetView
	Technical  int // the criteria's points
}

// tenderFactsOf shows a tender's facts as read with its page; a region or
// item not found shows its code.
func tenderFactsOf(lang string, m models.TenderFacts) tenderFacts {
	t, item := m.Tender, m.Item
	f := tenderFacts{T: t, RegionName: t.RegionCode, ItemName: t.CatalogueCode}
	if m.Region != nil {
		f.RegionName = m.Region.Name
	}
	if item != nil {
		f.ItemName = localName(lang, item.Name, item.NameEn)
	}
	keys, values := make([]string, len(t.Targets)), make([]float64, len(t.Targets))
	for i, tg := range t.Targets {
		keys[i], values[i] = tg.Indicator, tg.Value
	}
	f.Targets = targetViews(lang, item, keys, values)
	for _, cr := range t.Criteria {
		f.Technical += cr.MaxPoints
	}
	return f
}

type tenderShowData struct {
	pageFmt
	tenderFacts
	Enquiries  []models.Enquiry
	Amendments []amendmentView
	Failure    *models.FailureNotice
	Result     *models.Result
	Manage     bool // the region's procurement staff
	Editable   bool // a draft, or published before the deadline
	Bidder     bool // a member of an organisation that may bid on it
	CanAsk     bool
	OnPanel    bool
	Past       bool // the deadline has passed
	Failed     string
	Loose      []string
	Confirm    *confirmStep        // the cancellation, to confirm
	Problems   []fieldLink         // a refused publish: the fields to fix, linked on the edit page
	Standing   *models.OrgStanding // a bidder's organisation that may not bid now
}

// fieldLink is a field a refused publish names, with the anchor of its
// input on the edit page.
type fieldLink struct{ Field, Label, Message, Anchor string }

// publishProblems lists the fields a refused publish names, each with its
// label and the id of its input on the edit form (budget[0].amount_fen is
// f-budget-0-amount; a whole group is its fieldset).
func (s *Server) publishProblems(lang string, err error, msgs map[string]string) []fieldLink {
	e, ok := models.AsError(err)
	if !ok {
		return nil
	}
	groups := map[string]string{"budget": "budget-lines", "targets": "target-rows", "criteria": "criteria-rows"}
	seen := map[string]bool{}
	var out []fieldLink
	for _, f := range e.Fields {
		if seen[f.Field] {
			continue
		}
		seen[f.Field] = true
		group, rest, row := f.Field, "", ""
		if i := strings.IndexByte(f.Field, '['); i > 0 {
			group = f.Field[:i]
			row, rest, _ = strings.Cut(f.Field[i+1:], "]")
		}
		l := fieldLink{Field: f.Field, Label: s.msgs.T(lang, "tender.field."+group), Message: msgs[f.Field]}
		switch {
		case row != "":
			n, _ := strconv.Atoi(row)
			l.Label += " " + strconv.Itoa(n+1)
			l.Anchor = "f-" + group + "-" + row + "-" + strings.TrimSuffix(strings.TrimPrefix(rest, "."), "_fen")
			if rest == "" {
				l.Anchor = groups[group]
			}
		case groups[group] != "":
			l.Anchor = groups[group]
		default:
			l.Anchor = "f-" + group
		}
		out = append(out, l)
	}
	return out
}

// Colon, Sep, Enum and Paren are the page language's punctuation: full
// width in Chinese, ASCII in English.
func (f pageFmt) Colon() string { return f.punct("：", ": ") }
func (f pageFmt) Sep() string   { return f.punct("；", "; ") }
func (f pageFmt) Enum() string  { return f.punct("、", ", ") }
func (f pageFmt) Paren(s string) string {
	return f.punct("（", " (") + s + f.punct("）", ")")
}

func (f pageFmt) punct(zh, en string) string {
	if f.lang == "en" {
		return en
	}
	return zh
}

// changeValue shows an amended field's value in lang: a deadline in
// China time, budget lines in yuan by source, targets and criteria by
// name; anything it cannot read as stored.
func (s *Server) changeValue(lang, field, v string) string {
	f := pageFmt{lang: lang}
	var parts []string
	switch field {
	case "bid_deadline":
		if at, err := time.Parse(time.RFC3339, v); err == nil {
			return s.beijing(at, lang)
		}
	case "evaluation":
		return s.msgs.T(lang, "tender.eval."+v)
	case "budget":
		var lines []models.BudgetLine
		if json.Unmarshal([]byte(v), &lines) != nil {
			return v
		}
		for _, l := range lines {
			parts = append(parts, s.msgs.T(lang, "tender.source."+l.Source)+" "+f.Yuan(l.AmountFen)+" "+s.msgs.T(lang, "tender.yuan"))
		}
	case "targets":
		var lines []models.Target
		if json.Unmarshal([]byte(v), &lines) != nil {
			return v
		}
		for _, l := range lines {
			parts = append(parts, l.Indicator+" ≥ "+f.Num(l.Value))
		}
	case "criteria":
		var lines []models.Criterion
		if json.Unmarshal([]byte(v), &lines) != nil {
			return v
		}
		for _, l := range lines {
			parts = append(parts, l.Name+" "+strconv.Itoa(l.MaxPoints))
		}
	default:
		return v
	}
	if len(parts) == 0 {
		return s.msgs.T(lang, "tender.none")
	}
	return strings.Join(parts, f.Sep())
}

// amendmentView is an amendment as the tender page shows it.
type amendmentView struct {
	models.Amendment
	Shown []changeView
}

type changeView struct{ Field, Label, Before, After string }

func (s *Server) amendmentViews(lang string, list []models.Amendment) []amendmentView {
	out := make([]amendmentView, len(list))
	for i, am := range list {
		out[i].Amendment = am
		for _, c := range am.Changes {
			out[i].Shown = append(out[i].Shown, changeView{Field: c.Field, Label: s.msgs.T(lang, "tender.field."+c.Field),
				Before: s.changeValue(lang, c.Field, c.Before), After: s.changeValue(lang, c.Field, c.After)})
		}
	}
	return out
}

// tenderPage renders a tender's page; after a failed form it shows what was
// typed and the errors next to that form.
func (s *Server) tenderPage(c *gin.Context, status int, failed string, ferr error, typed map[string]string) {
	v, ok := readByID(c, s.store.TenderPage)
	if !ok {
		return
	}
	lang := langOf(c)
	t := v.Tender
	d := &tenderShowData{pageFmt: s.pageFmt(c), tenderFacts: tenderFactsOf(lang, v.TenderFacts), Failed: failed,
		Enquiries: v.Enquiries, Amendments: s.amendmentViews(lang, v.Amendments), Result: v.Result, Manage: v.Manage,
		Editable: v.Editable, Bidder: v.Bidder, CanAsk: v.CanAsk, OnPanel: v.OnPanel, Past: v.Past, Standing: v.Standing}
	if d.Failure = t.Failure(); d.Failure != nil {
		d.Failure.Message = s.failureMessage(lang, d.Failure)
	}
	p := &page{Title: t.Title, Form: map[string]string{}, Errors: map[string]string{}, Data: d}
	for k, v := range typed {
		p.Form[k] = v
	}
	if ferr != nil {
		if d.Confirm = s.confirmStepOf(lang, t.ID, failed, ferr, typed); d.Confirm != nil && !t.Public() {
			// A draft ends without a public notice.
			d.Confirm.Why, d.Confirm.Notice = s.msgs.T(lang, "tender.confirm_cancel_why_draft"), ""
		}
		p.Errors, p.Error = s.rangeFormErrors(lang, ferr)
		if failed == "publish" {
			// Each field named links to its input on the edit page.
			d.Problems = s.publishProblems(lang, ferr, p.Errors)
		} else {
			d.Loose = looseErrors(p.Errors, map[string]string{"question": "", "answer": "", "reason": ""})
		}
	}
	if err := s.loadRegionNames(c.Request.Context(), p, t.RegionCode); err != nil {
		fail(c, err)
		return
	}
	s.html(c, status, "tender_show", p)
}

func (s *Server) pageTender(c *gin.Context) { s.tenderPage(c, http.StatusOK, "", nil, nil) }

// tenderDone redirects back to the tender page after a form, or shows the
// page again with the form's errors.
func (s *Server) tenderDone(c *gin.Context, form string, err error, typed map[string]string, done string) {
	tenderFormDone(c, "", s.tenderPage, form, err, typed, done)
}

type tenderNoticeData struct {
	pageFmt
	tenderFacts
	Result  *models.Result
	Failure *models.FailureNotice
}

// pageTenderNotice is the printable notice: the tender and, once awarded, the award.
func (s *Server) pageTenderNotice(c *gin.Context) {
	v, ok := readByID(c, s.store.NoticePage)
	if !ok {
		return
	}
	t := v.Tender
	d := &tenderNoticeData{pageFmt: s.pageFmt(c), tenderFacts: tenderFactsOf(langOf(c), v.TenderFacts), Result: v.Result}
	if d.Failure = t.Failure(); d.Failure != nil {
		d.Failure.Message = s.failureMessage(langOf(c), d.Failure)
	}
	p := &page{Title: t.Title, Data: d}
	if err := s.loadRegionNames(c.Request.Context(), p, t.RegionCode); err != nil {
		fail(c, err)
		return
	}
	s.html(c, http.StatusOK, "tender_notice", p)
}

func (s *Server) pageAsk(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	q := c.PostForm("question")
	_, err = s.store.Ask(c.Request.Context(), policy.ActorFrom(c), id, q)
	s.tenderDone(c, "ask", err, map[string]string{"question": q}, "tender.asked")
}

func (s *Server) pageAnswerEnquiry(c *gin.Context) {
	sub, err := subID(c)
	if err != nil {
		fail(c, err)
		return
	}
	answer := c.PostForm("answer")
	_, err = s.store.AnswerEnquiry(c.Request.Context(), policy.ActorFrom(c), sub, answer)
	s.tenderDone(c, "answer-"+c.Param("sub"), err, map[string]string{"answer": answer}, "tender.answered")
}
