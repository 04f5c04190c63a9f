package handlers

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"portal/models"
	"portal/policy"

	"github.com/gin-gonic/gin"
)

// The tender pages: the public notices, the buyer's workspace (drafting,
// publishing, enquiries, opening, panel, credit checks, award, challenges,
// contract), the agency's (enquiries, its bid, challenges) and the expert's
// (declaration, score sheets). Identifiers start with tp so that they keep
// clear of the other features' handlers in this package.

// tenderPageRoutes registers the tender, bid, evaluation and contract pages.
func (s *Server) tenderPageRoutes(r *gin.Engine) {
	manage := policy.Require("tender:manage")
	bid := policy.Require("bid:write")
	score := policy.Require("bid:score")
	read := policy.Require("tender:read")
	r.GET("/tenders", read, s.tpList)
	r.GET("/tenders/new", manage, s.tpNew)
	r.POST("/tenders", manage, s.tpCreate)
	r.GET("/tenders/:id", read, s.tpShow)
	r.GET("/tenders/:id/notice", read, s.tpNotice)
	r.GET("/tenders/:id/edit", manage, s.tpEdit)
	r.POST("/tenders/:id", manage, s.tpUpdate)
	r.POST("/tenders/:id/publish", manage, s.tpPublish)
	r.POST("/tenders/:id/cancel", manage, s.tpCancel)
	r.POST("/tenders/:id/enquiries", bid, s.tpAsk)
	r.POST("/tenders/:id/enquiries/:sub/answer", manage, s.tpAnswer)
	r.GET("/tenders/:id/bid", bid, s.tpBid)
	r.POST("/tenders/:id/bid", bid, s.tpSaveBid)
	r.POST("/tenders/:id/bid/submit", bid, s.tpMoveBid(s.store.SubmitBid, "bid.submitted"))
	r.POST("/tenders/:id/bid/withdraw", bid, s.tpMoveBid(s.store.WithdrawBid, "bid.withdrawn"))
	r.POST("/tenders/:id/bid/attachments", s.allowUpload, bid, s.tpAttach)
	r.POST("/tenders/:id/bid/attachments/:sub/delete", bid, s.tpDetach)
	r.POST("/tenders/:id/challenges", bid, s.tpChallenge)
	r.GET("/tenders/:id/evaluation", manage, s.tpEvaluation)
	r.POST("/tenders/:id/bids/:sub/disqualify", manage, s.tpDisqualify)
	r.POST("/tenders/:id/panel", manage, s.tpPanel)
	r.POST("/tenders/:id/credit-checks", s.allowUpload, manage, s.tpCreditCheck)
	r.POST("/tenders/:id/award", manage, s.tpAward)
	r.POST("/tenders/:id/fail", manage, s.tpFail)
	r.POST("/tenders/:id/challenges/:sub/answer", manage, s.tpAnswerChallenge)
	r.POST("/tenders/:id/contract", manage, s.tpSign)
	r.GET("/tenders/:id/review", score, s.tpReview)
	r.POST("/tenders/:id/declaration", score, s.tpDeclare)
	r.POST("/tenders/:id/bids/:sub/score", score, s.tpScore)
	r.POST("/tenders/:id/bids/:sub/compliance", score, s.tpCompliance)
	r.GET("/my/bids", policy.Require("workspace:bids"), s.tpMyBids)
	r.GET("/my/evaluations", policy.Require("workspace:evaluations"), s.tpMyPanels)
	r.GET("/contracts", policy.Require(""), s.tpContracts)
	r.GET("/contracts/:id", policy.Require(""), s.tpContract)
}

// Formatting.

// tpFmt formats values for the views: money in yuan, times in China time,
// names in the page's language. Page data embed it, so a view calls
// {{$.Data.Yuan .PriceFen}}.
type tpFmt struct{ lang string }

func (s *Server) tpFmt(c *gin.Context) tpFmt { return tpFmt{lang: langOf(c)} }

// Yuan shows fen as yuan with two decimals.
func (f tpFmt) Yuan(fen int64) string { return formatYuan(fen) }

// Time shows a time in China time to the minute.
func (f tpFmt) Time(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(models.ChinaZone).Format("2006-01-02 15:04")
}

// TimeP is Time of an optional time.
func (f tpFmt) TimeP(t *time.Time) string {
	if t == nil {
		return ""
	}
	return f.Time(*t)
}

// Method names a procurement method.
func (f tpFmt) Method(key string) string {
	m, ok := models.Methods[key]
	if !ok {
		return key
	}
	return localName(f.lang, m.Name, m.NameEn)
}

// Score shows a score with two decimals.
func (f tpFmt) Score(x float64) string { return strconv.FormatFloat(x, 'f', 2, 64) }

// ScoreP is Score of an optional score.
func (f tpFmt) ScoreP(x *float64) string {
	if x == nil {
		return ""
	}
	return f.Score(*x)
}

// Num shows a number without trailing zeros.
func (f tpFmt) Num(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// tpOption is one choice of a select.
type tpOption struct{ Value, Label string }

// tpTime reads a datetime-local value typed in China time; ok is false for
// a malformed one.
func tpTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, models.ChinaZone); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// tpLocal is a time as a datetime-local value in China time.
func tpLocal(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(models.ChinaZone).Format("2006-01-02T15:04")
}

// tpInt reads a whole number; a malformed one becomes bad, a value the
// model refuses, so the error shows next to the field.
func tpInt(s string, bad int) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return bad
	}
	return n
}

// tpRename returns err with its fields renamed by rename; an error with no
// fields is returned as it is.
func tpRename(err error, rename func(string) string) error {
	e, ok := models.AsError(err)
	if !ok || len(e.Fields) == 0 {
		return err
	}
	out := *e
	out.Fields = make([]models.FieldError, len(e.Fields))
	for i, f := range e.Fields {
		f.Field = rename(f.Field)
		out.Fields[i] = f
	}
	return &out
}

// tpRow maps "group[k]rest" to "group[rows[k]]rest": the model counts the
// rows it was given, the form counts every row shown.
func tpRow(field, group string, rows []int) (string, bool) {
	idx, rest, ok := strings.Cut(strings.TrimPrefix(field, group+"["), "]")
	if !ok || !strings.HasPrefix(field, group+"[") {
		return field, false
	}
	k, err := strconv.Atoi(idx)
	if err != nil || k < 0 || k >= len(rows) {
		return field, false
	}
	return group + "[" + strconv.Itoa(rows[k]) + "]" + rest, true
}

// tpLoose lists the messages of errors that name no input of the form, to
// show above it.
func tpLoose(errors map[string]string, form map[string]string) []string {
	var keys []string
	for k := range errors {
		if _, ok := form[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = errors[k]
	}
	return out
}

// tpFormErrors is formErrors with ranges shown as "0–40" rather than the
// model's "0 40".
func (s *Server) tpFormErrors(lang string, err error) (map[string]string, string) {
	err = tpRename(err, func(f string) string { return f })
	if e, ok := models.AsError(err); ok {
		for i, f := range e.Fields {
			if f.Code == "between" {
				e.Fields[i].Param = strings.Replace(f.Param, " ", "–", 1)
			}
		}
	}
	return s.formErrors(lang, err)
}

// tpDone ends a workspace form's POST on the tender's page at suffix.
func tpDone(c *gin.Context, suffix string, render formPage, form string, err error, typed map[string]string, done string) {
	formDone(c, "/tenders/"+c.Param("id")+suffix, render, form, err, typed, done)
}

// tpSub parses the second numeric path parameter (an enquiry, bid or
// challenge).
func tpSub(c *gin.Context) (int64, error) { return pathParam(c, "sub") }

// tpParseForm parses a form whose inputs are read by name; too large a
// body answers 413.
func tpParseForm(c *gin.Context) error {
	var none struct{}
	return bindForm(c, &none)
}

// tpTenderURL is a tender page's path.
func tpTenderURL(id int64, suffix string) string {
	return "/tenders/" + strconv.FormatInt(id, 10) + suffix
}

// tpStatuses are the tender statuses a list may filter on.
var tpStatuses = []string{models.TenderDraft, models.TenderPublished, models.TenderOpened, models.TenderEvaluating,
	models.TenderAwarded, models.TenderContracted, models.TenderCancelled, models.TenderUnsuccessful}

// The tender list.

type tpListData struct {
	tpFmt
	List      models.List[models.Tender]
	Filter    models.TenderFilter
	Statuses  []string
	CanCreate bool
	Staff     bool
}

// tpList lists tenders. An agency that has not filtered sees the open
// tenders of its own city first.
func (s *Server) tpList(c *gin.Context) {
	ctx, a := c.Request.Context(), policy.ActorFrom(c)
	q := c.Request.URL.Query()
	f := models.TenderFilter{Region: q.Get("region"), Status: q.Get("status"), Q: q.Get("q"), Mine: q.Get("mine") == "1"}
	if a.OrganisationID != nil && a.CanAnywhere("bid:write") && !q.Has("region") && !q.Has("status") && !q.Has("q") {
		if v, err := s.store.Organisation(ctx, a, *a.OrganisationID); err == nil {
			f.Region = v.Org.RegionCode[:min(4, len(v.Org.RegionCode))]
			f.Status = models.TenderPublished
		}
	}
	list, err := s.store.Tenders(ctx, a, f, pageOf(c))
	if err != nil {
		fail(c, err)
		return
	}
	title := "tender.list_title"
	if f.Mine {
		title = "tender.mine_title"
	}
	s.html(c, http.StatusOK, "tender_list", &page{Title: s.msgs.T(langOf(c), title),
		Data: &tpListData{tpFmt: s.tpFmt(c), List: list, Filter: f, Statuses: tpStatuses,
			CanCreate: a.CanAnywhere("tender:manage"), Staff: a.CanAnywhere("tender:manage")}})
}

// The tender notice.

// tpTarget is a tender's or a contract's target with its indicator's name.
type tpTarget struct {
	Key, Name, Unit string
	Value           float64
}

func tpTargets(lang string, item *models.CatalogueItem, keys []string, values []float64) []tpTarget {
	out := make([]tpTarget, len(keys))
	for i, k := range keys {
		out[i] = tpTarget{Key: k, Name: k, Value: values[i]}
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

// tpTenderFacts are what every view of a tender shows.
type tpTenderFacts struct {
	T          *models.Tender
	RegionName string
	ItemName   string
	Targets    []tpTarget
	Technical  int // the criteria's points
}

func (s *Server) tpFacts(ctx context.Context, lang string, t *models.Tender) tpTenderFacts {
	f := tpTenderFacts{T: t, RegionName: t.RegionCode, ItemName: t.CatalogueCode}
	if r, err := s.store.Region(ctx, t.RegionCode); err == nil {
		f.RegionName = r.Name
	}
	// The item of a published version; a missing one shows its code.
	item, err := s.store.CatalogueItem(ctx, t.RegionCode, t.CatalogueYear, t.CatalogueCode)
	if err != nil {
		item = nil
	} else {
		f.ItemName = localName(lang, item.Name, item.NameEn)
	}
	keys, values := make([]string, len(t.Targets)), make([]float64, len(t.Targets))
	for i, tg := range t.Targets {
		keys[i], values[i] = tg.Indicator, tg.Value
	}
	f.Targets = tpTargets(lang, item, keys, values)
	for _, cr := range t.Criteria {
		f.Technical += cr.MaxPoints
	}
	return f
}

type tpShowData struct {
	tpFmt
	tpTenderFacts
	Enquiries  []models.Enquiry
	Amendments []tpAmendmentView
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
	Confirm    *tpConfirm // the cancellation, to confirm
}

// tpChangeValue shows an amended field's value in lang: a deadline in
// China time, budget lines in yuan by source, targets and criteria by
// name; anything it cannot read as stored.
func (s *Server) tpChangeValue(lang, field, v string) string {
	f := tpFmt{lang: lang}
	var parts []string
	switch field {
	case "bid_deadline":
		if at, err := time.Parse(time.RFC3339, v); err == nil {
			return f.Time(at) + " " + s.msgs.T(lang, "tender.china_time")
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
	return strings.Join(parts, "；")
}

// tpAmendmentView is an amendment as the tender page shows it.
type tpAmendmentView struct {
	models.Amendment
	Shown []tpChangeView
}

type tpChangeView struct{ Field, Label, Before, After string }

func (s *Server) tpAmendments(lang string, list []models.Amendment) []tpAmendmentView {
	out := make([]tpAmendmentView, len(list))
	for i, am := range list {
		out[i].Amendment = am
		for _, c := range am.Changes {
			out[i].Shown = append(out[i].Shown, tpChangeView{Field: c.Field, Label: s.msgs.T(lang, "tender.field."+c.Field),
				Before: s.tpChangeValue(lang, c.Field, c.Before), After: s.tpChangeValue(lang, c.Field, c.After)})
		}
	}
	return out
}

// tpShowPage renders a tender's page; after a failed form it shows what was
// typed and the errors next to that form.
func (s *Server) tpShowPage(c *gin.Context, status int, failed string, ferr error, typed map[string]string) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	ctx, a, lang := c.Request.Context(), policy.ActorFrom(c), langOf(c)
	t, err := s.store.Tender(ctx, a, id)
	if err != nil {
		fail(c, err)
		return
	}
	now := s.store.Now()
	d := &tpShowData{tpFmt: s.tpFmt(c), tpTenderFacts: s.tpFacts(ctx, lang, t), Failed: failed,
		Manage: a.Can("tender:manage", t.RegionCode), Past: t.PastDeadline(now)}
	d.Editable = d.Manage && (t.Status == models.TenderDraft || t.Status == models.TenderPublished)
	if d.Enquiries, err = s.store.Enquiries(ctx, a, id); err != nil {
		fail(c, err)
		return
	}
	amendments, err := s.store.Amendments(ctx, a, id)
	if err != nil {
		fail(c, err)
		return
	}
	d.Amendments = s.tpAmendments(lang, amendments)
	if d.Failure = t.Failure(); d.Failure != nil {
		d.Failure.Message = s.failureMessage(lang, d.Failure)
	}
	if t.AwardedAt != nil {
		if d.Result, err = s.store.TenderResult(ctx, a, id); err != nil {
			fail(c, err)
			return
		}
	}
	if a.OrganisationID != nil && a.CanAnywhere("bid:write") {
		d.Bidder = !t.Rule().Invited || slices.Contains(t.Invited, *a.OrganisationID)
		d.CanAsk = d.Bidder && t.Status == models.TenderPublished && t.Rule().Enquiries
	}
	if a.CanAnywhere("bid:score") {
		_, m, err := s.store.Membership(ctx, a, id)
		d.OnPanel = err == nil && m != nil
	}
	p := &page{Title: t.Title, Form: map[string]string{}, Errors: map[string]string{}, Data: d}
	for k, v := range typed {
		p.Form[k] = v
	}
	if ferr != nil {
		if d.Confirm = s.tpConfirmStep(lang, t.ID, failed, ferr, typed); d.Confirm != nil && !t.Public() {
			// A draft ends without a public notice.
			d.Confirm.Why, d.Confirm.Notice = s.msgs.T(lang, "tender.confirm_cancel_why_draft"), ""
		}
		p.Errors, p.Error = s.tpFormErrors(lang, ferr)
		d.Loose = tpLoose(p.Errors, map[string]string{"question": "", "answer": "", "reason": ""})
	}
	s.html(c, status, "tender_show", p)
}

func (s *Server) tpShow(c *gin.Context) { s.tpShowPage(c, http.StatusOK, "", nil, nil) }

// tpShowDone redirects back to the tender page after a form, or shows the
// page again with the form's errors.
func (s *Server) tpShowDone(c *gin.Context, form string, err error, typed map[string]string, done string) {
	tpDone(c, "", s.tpShowPage, form, err, typed, done)
}

type tpNoticeData struct {
	tpFmt
	tpTenderFacts
	Result  *models.Result
	Failure *models.FailureNotice
}

// tpNotice is the printable notice: the tender and, once awarded, the award.
func (s *Server) tpNotice(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	ctx, a := c.Request.Context(), policy.ActorFrom(c)
	t, err := s.store.Tender(ctx, a, id)
	if err != nil {
		fail(c, err)
		return
	}
	d := &tpNoticeData{tpFmt: s.tpFmt(c), tpTenderFacts: s.tpFacts(ctx, langOf(c), t)}
	if d.Failure = t.Failure(); d.Failure != nil {
		d.Failure.Message = s.failureMessage(langOf(c), d.Failure)
	}
	if t.AwardedAt != nil {
		if d.Result, err = s.store.TenderResult(ctx, a, id); err != nil {
			fail(c, err)
			return
		}
	}
	s.html(c, http.StatusOK, "tender_notice", &page{Title: t.Title, Data: d})
}

// The tender form.

const (
	tpBudgetRows   = 3
	tpTargetRows   = 8
	tpCriteriaRows = 6
)

type tpFormData struct {
	tpFmt
	Edit        bool
	ID          int64
	Amend       bool // published: the method stays, bids go back to draft
	Regions     []models.Region
	Items       []tpOption
	Indicators  []tpOption
	Methods     []tpOption
	Evaluations []string
	EvalRules   []string // per method, the evaluations it allows (the method table)
	Sources     []string
	Budget      []string // row prefixes
	Targets     []string
	Criteria    []string
	Loose       []string
}

func tpRows(group string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = group + "[" + strconv.Itoa(i) + "]"
	}
	return out
}

// tpFormChoices loads the form's choices: the regions the caller buys for
// and the published catalogue of region's province.
func (s *Server) tpFormChoices(ctx context.Context, a *models.Actor, lang, region string, year int, targets int) (*tpFormData, error) {
	d := &tpFormData{Evaluations: []string{models.EvalComprehensive, models.EvalLowestPrice}, Sources: models.FundingSourceKeys,
		Budget: tpRows("budget", tpBudgetRows), Targets: tpRows("targets", max(tpTargetRows, targets)), Criteria: tpRows("criteria", tpCriteriaRows)}
	for _, k := range models.MethodKeys {
		m := models.Methods[k]
		d.Methods = append(d.Methods, tpOption{k, localName(lang, m.Name, m.NameEn)})
		evals := make([]string, len(m.Evaluations))
		for i, e := range m.Evaluations {
			evals[i] = s.msgs.T(lang, "tender.eval."+e)
		}
		d.EvalRules = append(d.EvalRules, localName(lang, m.Name, m.NameEn)+": "+strings.Join(evals, " / "))
	}
	seen := map[string]bool{}
	for _, code := range a.Regions("tender:manage") {
		if code == models.RootRegion {
			code = ""
		}
		if r, err := s.store.Region(ctx, code); err == nil && !seen[r.Code] {
			seen[r.Code] = true
			d.Regions = append(d.Regions, *r)
		}
		children, err := s.store.Regions(ctx, code)
		if err != nil {
			return nil, err
		}
		for _, r := range children {
			if !seen[r.Code] {
				seen[r.Code] = true
				d.Regions = append(d.Regions, r)
			}
		}
	}
	// The catalogue offered is that of a region the caller manages; a typed
	// region that is none of them is an error next to its field, not here.
	if !seen[region] && len(d.Regions) > 0 {
		region = d.Regions[0].Code
	}
	_, items, err := s.store.CatalogueTree(ctx, nil, models.CatalogueQuery{Region: region, Year: year})
	if err != nil && !tpNotFound(err) {
		return nil, err
	}
	inds := map[string]bool{}
	for _, it := range items {
		if len(it.Indicators) == 0 {
			continue
		}
		d.Items = append(d.Items, tpOption{it.Code, it.Code + " " + localName(lang, it.Name, it.NameEn)})
		for _, ind := range it.Indicators {
			if !inds[ind.Key] {
				inds[ind.Key] = true
				label := localName(lang, ind.Name, ind.NameEn)
				if ind.Unit != "" {
					label += "（" + ind.Unit + "）"
				}
				d.Indicators = append(d.Indicators, tpOption{ind.Key, label})
			}
		}
	}
	return d, nil
}

func tpNotFound(err error) bool {
	status, _ := classify(err)
	return status == http.StatusNotFound
}

// tpTenderForm is the tender form as read: the input, what was typed and
// the form row of each budget line, target and criterion kept (blank rows
// are skipped), so that the model's errors land on the rows typed in.
type tpTenderForm struct {
	In                      models.TenderInput
	Typed                   map[string]string
	Budget, Targets, Crit   []int
	DeadlineTyped, BadMoney bool
}

var tpTenderFields = []string{"title", "region", "catalogue_code", "catalogue_year", "method", "evaluation", "service_start",
	"service_end", "price_weight", "bid_deadline", "invited", "notice"}

func tpReadTenderForm(c *gin.Context) tpTenderForm {
	f := tpTenderForm{Typed: map[string]string{}}
	for _, k := range tpTenderFields {
		f.Typed[k] = c.PostForm(k)
	}
	in := models.TenderInput{Title: f.Typed["title"], Region: strings.TrimSpace(f.Typed["region"]), CatalogueCode: f.Typed["catalogue_code"],
		Method: f.Typed["method"], Evaluation: f.Typed["evaluation"], ServiceStart: strings.TrimSpace(f.Typed["service_start"]),
		ServiceEnd: strings.TrimSpace(f.Typed["service_end"]), Notice: f.Typed["notice"]}
	in.CatalogueYear = tpInt(f.Typed["catalogue_year"], 0)
	in.PriceWeight = tpInt(f.Typed["price_weight"], -1)
	if strings.TrimSpace(f.Typed["bid_deadline"]) != "" {
		f.DeadlineTyped = true
		in.BidDeadline, _ = tpTime(f.Typed["bid_deadline"]) // malformed: zero, which the model refuses
	}
	for i := 0; i < tpBudgetRows; i++ {
		p := "budget[" + strconv.Itoa(i) + "]."
		src, amount := c.PostForm(p+"source"), c.PostForm(p+"amount")
		f.Typed[p+"source"], f.Typed[p+"amount"] = src, amount
		if src == "" && strings.TrimSpace(amount) == "" {
			continue
		}
		fen, ok := parseYuan(amount)
		if !ok {
			fen = -1
		}
		in.Budget = append(in.Budget, models.BudgetLine{Source: src, AmountFen: fen})
		f.Budget = append(f.Budget, i)
	}
	for i := 0; i < 50; i++ {
		p := "targets[" + strconv.Itoa(i) + "]."
		key, ok := c.GetPostForm(p + "indicator")
		if !ok {
			break
		}
		value := c.PostForm(p + "value")
		f.Typed[p+"indicator"], f.Typed[p+"value"] = key, value
		if key == "" && strings.TrimSpace(value) == "" {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			v = -1
		}
		in.Targets = append(in.Targets, models.Target{Indicator: key, Value: v})
		f.Targets = append(f.Targets, i)
	}
	for i := 0; i < tpCriteriaRows; i++ {
		p := "criteria[" + strconv.Itoa(i) + "]."
		key, name, pts := strings.TrimSpace(c.PostForm(p+"key")), strings.TrimSpace(c.PostForm(p+"name")), c.PostForm(p+"max_points")
		f.Typed[p+"key"], f.Typed[p+"name"], f.Typed[p+"max_points"] = key, name, pts
		if key == "" && name == "" && strings.TrimSpace(pts) == "" {
			continue
		}
		in.Criteria = append(in.Criteria, models.Criterion{Key: key, Name: name, MaxPoints: tpInt(pts, 0)})
		f.Crit = append(f.Crit, i)
	}
	for _, part := range strings.FieldsFunc(f.Typed["invited"], func(r rune) bool { return r == ',' || r == '，' || r == ' ' || r == '\n' }) {
		id, err := strconv.ParseInt(strings.TrimSpace(part), 10, 64)
		if err != nil {
			id = 0 // not an organisation: the model says so
		}
		in.Invited = append(in.Invited, id)
	}
	f.In = in
	return f
}

// formErr renames the model's fields to the form's.
func (f tpTenderForm) formErr(err error) error {
	err = tpRename(err, func(field string) string {
		if r, ok := tpRow(field, "budget", f.Budget); ok {
			return strings.Replace(r, ".amount_fen", ".amount", 1)
		}
		if r, ok := tpRow(field, "targets", f.Targets); ok {
			return r
		}
		if r, ok := tpRow(field, "criteria", f.Crit); ok {
			return r
		}
		if strings.HasPrefix(field, "invited[") {
			return "invited"
		}
		return field
	})
	// A deadline typed but not understood is a format error, not a
	// missing one.
	if e, ok := models.AsError(err); ok && f.DeadlineTyped {
		for i, fe := range e.Fields {
			if fe.Field == "bid_deadline" && fe.Code == "required" {
				e.Fields[i].Code = "datetime"
			}
		}
	}
	return err
}

// tpTenderValues is a tender as form values.
func tpTenderValues(t *models.Tender) map[string]string {
	form := map[string]string{"title": t.Title, "region": t.RegionCode, "catalogue_code": t.CatalogueCode,
		"catalogue_year": strconv.Itoa(t.CatalogueYear), "method": t.Method, "evaluation": t.Evaluation,
		"service_start": t.ServiceStart, "service_end": t.ServiceEnd, "price_weight": strconv.Itoa(t.PriceWeight),
		"bid_deadline": tpLocal(t.BidDeadline)}
	var inv []string
	for _, id := range t.Invited {
		inv = append(inv, strconv.FormatInt(id, 10))
	}
	form["invited"] = strings.Join(inv, ", ")
	for i, b := range t.Budget {
		p := "budget[" + strconv.Itoa(i) + "]."
		form[p+"source"], form[p+"amount"] = b.Source, strings.ReplaceAll(formatYuan(b.AmountFen), ",", "")
	}
	for i, tg := range t.Targets {
		p := "targets[" + strconv.Itoa(i) + "]."
		form[p+"indicator"], form[p+"value"] = tg.Indicator, strconv.FormatFloat(tg.Value, 'f', -1, 64)
	}
	for i, cr := range t.Criteria {
		p := "criteria[" + strconv.Itoa(i) + "]."
		form[p+"key"], form[p+"name"], form[p+"max_points"] = cr.Key, cr.Name, strconv.Itoa(cr.MaxPoints)
	}
	if t.Evaluation == models.EvalLowestPrice {
		form["price_weight"] = ""
	}
	return form
}

// tpFormPage renders the tender form with values and, after a failure,
// the errors.
func (s *Server) tpFormPage(c *gin.Context, status int, t *models.Tender, form map[string]string, ferr error) {
	ctx, a, lang := c.Request.Context(), policy.ActorFrom(c), langOf(c)
	targets := 0
	if t != nil {
		targets = len(t.Targets)
	}
	year := tpInt(form["catalogue_year"], 0)
	d, err := s.tpFormChoices(ctx, a, lang, form["region"], year, targets)
	if err != nil {
		fail(c, err)
		return
	}
	d.tpFmt = s.tpFmt(c)
	title := "tender.new"
	if t != nil {
		d.Edit, d.ID, d.Amend = true, t.ID, t.Status != models.TenderDraft
		title = "tender.edit"
	}
	if form["region"] == "" && len(d.Regions) > 0 {
		form["region"] = d.Regions[0].Code
	}
	for _, k := range tpTenderFields {
		if _, ok := form[k]; !ok {
			form[k] = ""
		}
	}
	p := &page{Title: s.msgs.T(lang, title), Form: form, Errors: map[string]string{}, Data: d}
	if ferr != nil {
		p.Errors, p.Error = s.tpFormErrors(lang, ferr)
		known := map[string]string{"budget": "", "criteria": "", "targets": ""}
		for _, k := range tpTenderFields {
			known[k] = ""
		}
		for _, group := range []struct {
			rows   []string
			inputs []string
		}{{d.Budget, []string{".source", ".amount"}}, {d.Targets, []string{".indicator", ".value"}}, {d.Criteria, []string{".key", ".name", ".max_points"}}} {
			for _, r := range group.rows {
				for _, in := range group.inputs {
					known[r+in] = ""
				}
			}
		}
		d.Loose = tpLoose(p.Errors, known)
	}
	s.html(c, status, "tender_form", p)
}

func (s *Server) tpNew(c *gin.Context) {
	form := map[string]string{"method": "open_tender", "evaluation": models.EvalComprehensive, "price_weight": "20"}
	if rs := policy.ActorFrom(c).Regions("tender:manage"); len(rs) > 0 && rs[0] != models.RootRegion {
		form["region"] = rs[0]
	}
	s.tpFormPage(c, http.StatusOK, nil, form, nil)
}

func (s *Server) tpCreate(c *gin.Context) {
	f := tpReadTenderForm(c)
	t, err := s.store.CreateTender(c.Request.Context(), policy.ActorFrom(c), f.In)
	if err != nil {
		if !onForm(err) {
			fail(c, err)
			return
		}
		status, _ := classify(err)
		s.tpFormPage(c, status, nil, f.Typed, f.formErr(err))
		return
	}
	redirectDone(c, tpTenderURL(t.ID, ""), "tender.created")
}

func (s *Server) tpEdit(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	t, err := s.store.ManagedTender(c.Request.Context(), policy.ActorFrom(c), id)
	if err != nil {
		fail(c, err)
		return
	}
	s.tpFormPage(c, http.StatusOK, t, tpTenderValues(t), nil)
}

func (s *Server) tpUpdate(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	ctx, a := c.Request.Context(), policy.ActorFrom(c)
	f := tpReadTenderForm(c)
	_, err = s.store.UpdateTender(ctx, a, id, func(in *models.TenderInput) error {
		region := in.Region // the region is not the form's to change
		*in = f.In
		in.Region = region
		return nil
	})
	if err != nil {
		if !onForm(err) {
			fail(c, err)
			return
		}
		t, terr := s.store.ManagedTender(ctx, a, id)
		if terr != nil {
			fail(c, terr)
			return
		}
		f.Typed["region"] = t.RegionCode
		status, _ := classify(err)
		s.tpFormPage(c, status, t, f.Typed, f.formErr(err))
		return
	}
	redirectDone(c, tpTenderURL(id, ""), "tender.updated")
}

func (s *Server) tpPublish(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	_, err = s.store.PublishTender(c.Request.Context(), policy.ActorFrom(c), id)
	s.tpShowDone(c, "publish", err, nil, "tender.published")
}

func (s *Server) tpCancel(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	reason := c.PostForm("reason")
	// The first post shows what cancelling publishes; only its confirmation cancels.
	_, err = s.store.CancelTenderConfirmed(c.Request.Context(), policy.ActorFrom(c), id, reason, tpConfirmed(c))
	s.tpShowDone(c, "cancel", err, map[string]string{"reason": reason}, "tender.cancelled")
}

func (s *Server) tpAsk(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	q := c.PostForm("question")
	_, err = s.store.Ask(c.Request.Context(), policy.ActorFrom(c), id, q)
	s.tpShowDone(c, "ask", err, map[string]string{"question": q}, "tender.asked")
}

func (s *Server) tpAnswer(c *gin.Context) {
	sub, err := tpSub(c)
	if err != nil {
		fail(c, err)
		return
	}
	answer := c.PostForm("answer")
	_, err = s.store.AnswerEnquiry(c.Request.Context(), policy.ActorFrom(c), sub, answer)
	s.tpShowDone(c, "answer-"+c.Param("sub"), err, map[string]string{"answer": answer}, "tender.answered")
}

// The agency's bid.

type tpBidData struct {
	tpFmt
	tpTenderFacts
	Bid          *models.Bid // nil: none yet
	Status       string      // the bid's status, "" for none
	Files        []models.BidAttachment
	Roster       []models.RosterEntry
	Editable     bool // may save the draft
	CanSubmit    bool
	CanWithdraw  bool
	Own          *models.OwnResult
	Result       *models.Result
	Challenges   []models.Challenge
	CanChallenge bool
	Failed       string
	Loose        []string
}

// tpBidValues is a bid's content as form values.
func tpBidValues(b *models.Bid) map[string]string {
	form := map[string]string{"price": "", "proposal": ""}
	if b == nil {
		return form
	}
	if b.PriceFen > 0 {
		form["price"] = strings.ReplaceAll(formatYuan(b.PriceFen), ",", "")
	}
	form["proposal"] = b.Proposal
	for _, m := range b.Team {
		id := strconv.FormatInt(m.StaffID, 10)
		form["team:"+id], form["role:"+id] = "on", m.Role
	}
	return form
}

// tpBidPage renders the caller's bid on a tender; typed replaces the
// stored values after a failed save.
func (s *Server) tpBidPage(c *gin.Context, status int, failed string, ferr error, typed map[string]string) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	ctx, a, lang := c.Request.Context(), policy.ActorFrom(c), langOf(c)
	t, err := s.store.Tender(ctx, a, id)
	if err != nil {
		fail(c, err)
		return
	}
	if a.OrganisationID == nil {
		fail(c, models.Fail(models.ErrForbidden, "err.forbidden", "only an organisation's members bid"))
		return
	}
	d := &tpBidData{tpFmt: s.tpFmt(c), tpTenderFacts: s.tpFacts(ctx, lang, t), Failed: failed}
	b, err := s.store.OwnBid(ctx, a, id)
	switch {
	case err == nil:
		s.tpDisqualifiedReason(lang, b)
		d.Bid, d.Status = b, b.Status
		if d.Files, err = s.store.OwnBidAttachments(ctx, a, id); err != nil {
			fail(c, err)
			return
		}
	case !tpNotFound(err):
		fail(c, err)
		return
	}
	if v, err := s.store.Organisation(ctx, a, *a.OrganisationID); err == nil {
		d.Roster = v.Staff
	}
	open := t.Status == models.TenderPublished
	d.Editable = open && (d.Status == "" || d.Status == models.BidDraft || d.Status == models.BidWithdrawn)
	d.CanSubmit = open && (d.Status == models.BidDraft || d.Status == models.BidWithdrawn)
	d.CanWithdraw = open && d.Status == models.BidSubmitted
	if t.AwardedAt != nil {
		if d.Result, err = s.store.TenderResult(ctx, a, id); err != nil {
			fail(c, err)
			return
		}
		d.Own = d.Result.Own
		d.CanChallenge = t.Status == models.TenderAwarded && d.Own != nil && s.store.Now().Before(d.Result.ChallengeUntil)
	}
	if d.Status != "" && d.Status != models.BidDraft && d.Status != models.BidWithdrawn && d.Status != models.BidSubmitted {
		if d.Challenges, err = s.store.Challenges(ctx, a, id); err != nil {
			fail(c, err)
			return
		}
	}
	form := tpBidValues(b)
	form["reason"] = ""
	if typed != nil {
		form = typed
	}
	p := &page{Title: s.msgs.T(lang, "bid.title"), Form: form, Errors: map[string]string{}, Data: d}
	if ferr != nil {
		p.Errors, p.Error = s.tpFormErrors(lang, ferr)
		known := map[string]string{"price": "", "proposal": "", "team": "", "reason": "", "file": ""}
		d.Loose = tpLoose(p.Errors, known)
	}
	s.html(c, status, "bid_form", p)
}

func (s *Server) tpBid(c *gin.Context) { s.tpBidPage(c, http.StatusOK, "", nil, nil) }

// tpBidDone redirects back to the bid page, or shows it again with errors.
func (s *Server) tpBidDone(c *gin.Context, form string, err error, typed map[string]string, done string) {
	tpDone(c, "/bid", s.tpBidPage, form, tpRename(err, tpBidField), typed, done)
}

// tpBidField maps the model's bid fields to the form's inputs.
func tpBidField(field string) string {
	switch {
	case field == "price_fen":
		return "price"
	case strings.HasPrefix(field, "team["):
		return "team"
	}
	return field
}

func (s *Server) tpSaveBid(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	if err := tpParseForm(c); err != nil {
		fail(c, err)
		return
	}
	typed := map[string]string{"price": c.PostForm("price"), "proposal": c.PostForm("proposal"), "reason": ""}
	in := models.BidInput{Proposal: typed["proposal"]}
	if fen, ok := parseYuan(typed["price"]); ok {
		in.PriceFen = fen
	} else {
		in.PriceFen = -1 // the model refuses it next to the field
	}
	for _, v := range c.PostFormArray("team") {
		staff, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			staff = 0
		}
		role := c.PostForm("role:" + v)
		typed["team:"+v], typed["role:"+v] = "on", role
		in.Team = append(in.Team, models.TeamMember{StaffID: staff, Role: role})
	}
	// Roles typed for people not chosen are kept too.
	for k, vs := range c.Request.PostForm {
		if strings.HasPrefix(k, "role:") && len(vs) > 0 {
			typed[k] = vs[0]
		}
	}
	_, err = s.store.SaveBid(c.Request.Context(), policy.ActorFrom(c), id, in)
	s.tpBidDone(c, "bid", err, typed, "bid.saved")
}

func (s *Server) tpMoveBid(fn func(context.Context, *models.Actor, int64) (*models.Bid, error), done string) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, err := pathID(c)
		if err != nil {
			fail(c, err)
			return
		}
		_, err = fn(c.Request.Context(), policy.ActorFrom(c), id)
		s.tpBidDone(c, "bid", err, nil, done)
	}
}

// tpAttach adds a file to the caller's draft bid.
func (s *Server) tpAttach(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	_, err = s.store.AddBidAttachment(c.Request.Context(), policy.ActorFrom(c), id, orgUpload(c))
	s.tpBidDone(c, "file", err, nil, "bid.attached")
}

// tpDetach removes a file from the caller's draft bid.
func (s *Server) tpDetach(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	sub, err := tpSub(c)
	if err != nil {
		fail(c, err)
		return
	}
	err = s.store.RemoveBidAttachment(c.Request.Context(), policy.ActorFrom(c), id, sub)
	s.tpBidDone(c, "file", err, nil, "bid.detached")
}

func (s *Server) tpChallenge(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	reason := c.PostForm("reason")
	_, err = s.store.FileChallenge(c.Request.Context(), policy.ActorFrom(c), id, reason)
	var typed map[string]string
	if err != nil {
		b, _ := s.store.OwnBid(c.Request.Context(), policy.ActorFrom(c), id)
		typed = tpBidValues(b)
		typed["reason"] = reason
	}
	s.tpBidDone(c, "challenge", err, typed, "bid.challenged")
}

// The buyer's evaluation workspace.

// tpSheet is one expert's score sheet: a row per bid, a column per
// criterion.
type tpSheet struct {
	Expert string
	Rows   []tpSheetRow
}

type tpSheetRow struct {
	Bid    string
	Points []string
	Total  string
}

// tpSheets arranges scores into sheets, one per expert in the order of
// experts, rows in the order of bids.
func tpSheets(f tpFmt, t *models.Tender, bids []models.Bid, scores []models.Score, experts []int64, name func(int64) string) []tpSheet {
	type key struct {
		bid, expert int64
		crit        string
	}
	pts := map[key]float64{}
	has := map[[2]int64]bool{}
	for _, sc := range scores {
		pts[key{sc.BidID, sc.ExpertID, sc.Criterion}] = sc.Points
		has[[2]int64{sc.BidID, sc.ExpertID}] = true
	}
	var out []tpSheet
	for _, ex := range experts {
		sh := tpSheet{Expert: name(ex)}
		found := false
		for _, b := range bids {
			if !has[[2]int64{b.ID, ex}] {
				continue
			}
			found = true
			row := tpSheetRow{Bid: b.OrganisationName}
			total := 0.0
			for _, cr := range t.Criteria {
				p := pts[key{b.ID, ex, cr.Key}]
				total += p
				row.Points = append(row.Points, f.Num(p))
			}
			row.Total = f.Num(total)
			sh.Rows = append(sh.Rows, row)
		}
		if found {
			out = append(out, sh)
		}
	}
	return out
}

type tpEvalData struct {
	tpFmt
	tpTenderFacts
	Sealed         bool
	Open           bool // opened or evaluating: bids may be disqualified, the panel appointed, checks recorded
	Bids           []models.Bid
	Files          map[int64][]models.BidAttachment // bid → its files
	Panel          []models.PanelMember
	PanelSize      int
	Experts        []models.User
	Chosen         map[int64]bool
	Checks         []models.CreditCheck
	OrgNames       map[int64]string
	Sheets         []tpSheet
	Complete       bool
	Compliance     []tpComplianceRow // lowest price
	ComplianceDone bool
	Result         *models.Result
	Challenges     []models.Challenge
	Contract       *models.Contract
	CanSign        bool
	PlanRows       []string
	Conditions     []string
	CanFail        bool // evaluated: staff may end it unsuccessful when no bid can be awarded
	Failed         string
	Loose          []string
	Confirm        *tpConfirm // a step that would end the tender, to confirm
}

// tpConfirm is the confirmation step of a form whose action would end the
// tender: the same form again, its values hidden, with confirm_end set; it
// says what will happen and shows the failure notice's reason in words.
type tpConfirm struct {
	Action string
	Hidden []tpHidden
	File   bool // the evidence file is not carried over: choose it again
	Title  string
	Why    string
	Notice string // the reason the failure notice will give
	Submit string
	Back   string // the page to go back to, changing nothing
}

type tpHidden struct{ Name, Value string }

// tpConfirmStep builds the confirmation of the failed form when its error
// asks for one.
func (s *Server) tpConfirmStep(lang string, id int64, failed string, err error, typed map[string]string) *tpConfirm {
	ce, ok := models.AsConfirmEnd(err)
	if !ok {
		return nil
	}
	c := &tpConfirm{Title: s.msgs.T(lang, "eval.confirm_end_title"), Why: s.msgs.T(lang, "eval.confirm_end_why", ce.Valid, ce.Required),
		Notice: s.failureMessage(lang, &models.FailureNotice{Reason: ce.Reason, Params: ce.Params}),
		Submit: s.msgs.T(lang, "eval.confirm_end_submit"), Back: tpTenderURL(id, "/evaluation")}
	var names []string
	switch {
	case failed == "credit":
		c.Action, c.File = tpTenderURL(id, "/credit-checks"), true
		names = []string{"organisation_id", "result", "checked_at", "note", "evidence"}
	case strings.HasPrefix(failed, "disqualify-"):
		c.Action = tpTenderURL(id, "/bids/"+strings.TrimPrefix(failed, "disqualify-")+"/disqualify")
		names = []string{"reason"}
	case failed == "fail":
		c.Action, c.Why = tpTenderURL(id, "/fail"), s.msgs.T(lang, "eval.confirm_fail_why")
		names = []string{"reason"}
	case failed == "cancel":
		c.Action, c.Back = tpTenderURL(id, "/cancel"), tpTenderURL(id, "")
		c.Title, c.Why, c.Submit = s.msgs.T(lang, "tender.cancel_confirm"), s.msgs.T(lang, "tender.confirm_cancel_why"), s.msgs.T(lang, "tender.confirm_cancel_submit")
		names = []string{"reason"}
	default:
		return nil
	}
	for _, n := range names {
		c.Hidden = append(c.Hidden, tpHidden{n, typed[n]})
	}
	return c
}

// tpConfirmed reads a confirmation step's answer.
func tpConfirmed(c *gin.Context) bool { return c.PostForm("confirm_end") == "true" }

// tpFiles lists each opened bid's files.
func (s *Server) tpFiles(ctx context.Context, a *models.Actor, bids []models.Bid) (map[int64][]models.BidAttachment, error) {
	out := map[int64][]models.BidAttachment{}
	for _, b := range bids {
		files, err := s.store.BidAttachments(ctx, a, b.ID)
		if err != nil {
			return nil, err
		}
		out[b.ID] = files
	}
	return out, nil
}

// tpEvalPage renders the buyer's evaluation page; after a failed form it
// shows what was typed and the errors next to that form.
func (s *Server) tpEvalPage(c *gin.Context, status int, failed string, ferr error, typed map[string]string) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	ctx, a, lang := c.Request.Context(), policy.ActorFrom(c), langOf(c)
	t, err := s.store.ManagedTender(ctx, a, id)
	if err != nil {
		fail(c, err)
		return
	}
	now := s.store.Now()
	d := &tpEvalData{tpFmt: s.tpFmt(c), tpTenderFacts: s.tpFacts(ctx, lang, t), Failed: failed, PanelSize: t.PanelSize(),
		Sealed: !t.PastDeadline(now), Chosen: map[int64]bool{}, OrgNames: map[int64]string{},
		Open:     t.Status == models.TenderOpened || t.Status == models.TenderEvaluating,
		PlanRows: tpRows("payment_plan", 5), Conditions: models.PaymentConditions}
	form := map[string]string{"checked_at": tpLocal(now), "result": "clear",
		"payment_plan[0].percent": "30", "payment_plan[0].condition": "signing",
		"payment_plan[1].percent": "40", "payment_plan[1].condition": "midterm",
		"payment_plan[2].percent": "30", "payment_plan[2].condition": "acceptance"}
	if !d.Sealed && t.Status != models.TenderDraft {
		if d.Bids, err = s.store.OpenedBids(ctx, a, id); err != nil {
			fail(c, err)
			return
		}
		if d.Files, err = s.tpFiles(ctx, a, d.Bids); err != nil {
			fail(c, err)
			return
		}
		for i, b := range d.Bids {
			d.OrgNames[b.OrganisationID] = b.OrganisationName
			s.tpDisqualifiedReason(lang, &d.Bids[i])
		}
		if d.Panel, err = s.store.TenderPanel(ctx, a, id); err != nil {
			fail(c, err)
			return
		}
		var experts []int64
		names := map[int64]string{}
		for _, m := range d.Panel {
			if m.Active {
				d.Chosen[m.ExpertID] = true
			}
			if m.Active && m.DeclaredAt != nil {
				experts = append(experts, m.ExpertID)
			}
			names[m.ExpertID] = m.Name
		}
		if d.Open {
			if d.Experts, err = s.store.Experts(ctx, a, t.RegionCode); err != nil {
				fail(c, err)
				return
			}
		}
		if d.Checks, err = s.store.CreditChecks(ctx, a, id); err != nil {
			fail(c, err)
			return
		}
		sheets, err := s.store.Scores(ctx, a, id)
		if err != nil {
			fail(c, err)
			return
		}
		d.Complete = sheets.Complete
		d.Sheets = tpSheets(d.tpFmt, t, d.Bids, sheets.Scores, experts, func(id int64) string { return names[id] })
		if t.Evaluation != models.EvalComprehensive && t.Status != models.TenderOpened {
			reviews, err := s.store.ComplianceReviews(ctx, a, id)
			if err != nil {
				fail(c, err)
				return
			}
			d.Compliance, d.ComplianceDone = tpCompliance(d.Bids, reviews), reviews.Complete
		}
		d.CanFail = t.Status == models.TenderEvaluating && (d.ComplianceDone || (t.Evaluation == models.EvalComprehensive && d.Complete))
		if d.Challenges, err = s.store.Challenges(ctx, a, id); err != nil {
			fail(c, err)
			return
		}
	}
	if t.AwardedAt != nil {
		if d.Result, err = s.store.TenderResult(ctx, a, id); err != nil {
			fail(c, err)
			return
		}
		d.CanSign = t.Status == models.TenderAwarded
	}
	if t.Status == models.TenderContracted {
		if d.Contract, err = s.store.TenderContract(ctx, a, id); err != nil && !tpNotFound(err) {
			fail(c, err)
			return
		}
	}
	for k, v := range typed {
		form[k] = v
	}
	p := &page{Title: t.Title, Form: form, Errors: map[string]string{}, Data: d}
	if ferr != nil {
		d.Confirm = s.tpConfirmStep(lang, t.ID, failed, ferr, typed)
		p.Errors, p.Error = s.tpFormErrors(lang, ferr)
		known := map[string]string{"reason": "", "expert_ids": "", "organisation_id": "", "result": "", "checked_at": "",
			"note": "", "evidence": "", "answer": "", "payment_plan": ""}
		for _, r := range d.PlanRows {
			known[r+".percent"], known[r+".condition"] = "", ""
		}
		d.Loose = tpLoose(p.Errors, known)
	}
	s.html(c, status, "evaluation_staff", p)
}

func (s *Server) tpEvaluation(c *gin.Context) { s.tpEvalPage(c, http.StatusOK, "", nil, nil) }

// tpEvalDone redirects back to the evaluation page, or shows it again.
func (s *Server) tpEvalDone(c *gin.Context, form string, err error, typed map[string]string, done string) {
	tpDone(c, "/evaluation", s.tpEvalPage, form, err, typed, done)
}

func (s *Server) tpDisqualify(c *gin.Context) {
	sub, err := tpSub(c)
	if err != nil {
		fail(c, err)
		return
	}
	reason := c.PostForm("reason")
	_, err = s.store.DisqualifyBid(c.Request.Context(), policy.ActorFrom(c), sub, reason, tpConfirmed(c))
	s.tpEvalDone(c, "disqualify-"+c.Param("sub"), err, map[string]string{"reason": reason}, "eval.disqualified")
}

func (s *Server) tpPanel(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	if err := tpParseForm(c); err != nil {
		fail(c, err)
		return
	}
	var ids []int64
	typed := map[string]string{}
	for _, v := range c.PostFormArray("expert_ids") {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			n = 0 // not a user: the model says so
		}
		ids = append(ids, n)
		typed["expert:"+v] = "on"
	}
	_, err = s.store.AppointPanel(c.Request.Context(), policy.ActorFrom(c), id, ids)
	// Each chosen expert's error is the panel's.
	err = tpRename(err, func(f string) string {
		if strings.HasPrefix(f, "expert_ids[") {
			return "expert_ids"
		}
		return f
	})
	s.tpEvalDone(c, "panel", err, typed, "eval.panel_set")
}

func (s *Server) tpCreditCheck(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	typed := map[string]string{"organisation_id": c.PostForm("organisation_id"), "result": c.PostForm("result"),
		"checked_at": c.PostForm("checked_at"), "note": c.PostForm("note"), "evidence": c.PostForm("evidence")}
	org, _ := strconv.ParseInt(typed["organisation_id"], 10, 64)
	at, _ := tpTime(typed["checked_at"])
	in := models.CreditCheckInput{OrganisationID: org, Result: typed["result"], CheckedAt: at, Note: typed["note"], Evidence: typed["evidence"],
		EvidenceFile: evidenceFile(c), ConfirmEnd: tpConfirmed(c)}
	_, err = s.store.RecordCreditCheck(c.Request.Context(), policy.ActorFrom(c), id, in)
	s.tpEvalDone(c, "credit", err, typed, "eval.checked")
}

func (s *Server) tpAward(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	_, err = s.store.Award(c.Request.Context(), policy.ActorFrom(c), id)
	s.tpEvalDone(c, "award", err, nil, "eval.awarded")
}

// tpFail ends an evaluated tender unsuccessful when no bid can be awarded,
// after the confirmation step.
func (s *Server) tpFail(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	reason := c.PostForm("reason")
	_, err = s.store.FailTender(c.Request.Context(), policy.ActorFrom(c), id, reason, tpConfirmed(c))
	s.tpEvalDone(c, "fail", err, map[string]string{"reason": reason}, "eval.failed")
}

// tpDisqualifiedReason shows a reason the portal gave a disqualification
// in lang; a staff-typed reason stays as typed.
func (s *Server) tpDisqualifiedReason(lang string, b *models.Bid) {
	if key := "bid.dq." + b.DisqualifiedCode; b.DisqualifiedCode != "" && s.msgs.Has(key) {
		b.DisqualifiedReason = s.msgs.T(lang, key)
	}
}

func (s *Server) tpAnswerChallenge(c *gin.Context) {
	sub, err := tpSub(c)
	if err != nil {
		fail(c, err)
		return
	}
	answer := c.PostForm("answer")
	_, err = s.store.AnswerChallenge(c.Request.Context(), policy.ActorFrom(c), sub, answer)
	s.tpEvalDone(c, "challenge-"+c.Param("sub"), err, map[string]string{"answer": answer}, "eval.challenge_answered")
}

func (s *Server) tpSign(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	typed := map[string]string{}
	var plan []models.PlanLine
	var rows []int
	for i := 0; i < 5; i++ {
		p := "payment_plan[" + strconv.Itoa(i) + "]."
		pct, cond := c.PostForm(p+"percent"), c.PostForm(p+"condition")
		typed[p+"percent"], typed[p+"condition"] = pct, cond
		if strings.TrimSpace(pct) == "" && cond == "" {
			continue
		}
		plan = append(plan, models.PlanLine{Percent: tpInt(pct, 0), Condition: cond})
		rows = append(rows, i)
	}
	ct, err := s.store.SignContract(c.Request.Context(), policy.ActorFrom(c), id, plan)
	if err == nil {
		redirectDone(c, "/contracts/"+strconv.FormatInt(ct.ID, 10), "contract.signed")
		return
	}
	err = tpRename(err, func(f string) string {
		if r, ok := tpRow(f, "payment_plan", rows); ok {
			return r
		}
		return f
	})
	s.tpEvalDone(c, "contract", err, typed, "")
}

// The expert's review.

type tpReviewData struct {
	tpFmt
	tpTenderFacts
	Member   *models.PanelMember
	Bidders  []models.Bidder
	Bids     []models.Bid
	Files    map[int64][]models.BidAttachment
	Scored   map[int64]bool
	Values   map[int64]map[string]string // bid → form values of its sheet
	Sheets   []tpSheet
	Complete bool
	Failed   string
	Loose    []string
	// Lowest price: the panel's compliance reviews (Scored marks the
	// bids the caller reviewed, Values its pass and note).
	Compliance     []tpComplianceRow
	ComplianceDone bool
}

// tpComplianceRow is one valid bid's compliance review tally.
type tpComplianceRow struct {
	BidID         int64
	Bidder        string
	PriceFen      int64
	Passes, Fails int
	Compliant     bool
}

// tpCompliance tallies the reviews the caller may see per valid bid; the
// decision is the model's, once every review is in.
func tpCompliance(bids []models.Bid, sheets *models.ComplianceSheets) []tpComplianceRow {
	decided := map[int64]bool{}
	for _, r := range sheets.Results {
		decided[r.BidID] = r.Compliant
	}
	var rows []tpComplianceRow
	for _, b := range bids {
		if b.Status != models.BidValid && b.Status != models.BidWon && b.Status != models.BidLost {
			continue
		}
		row := tpComplianceRow{BidID: b.ID, Bidder: b.OrganisationName, PriceFen: b.PriceFen, Compliant: decided[b.ID]}
		for _, r := range sheets.Reviews {
			if r.BidID == b.ID && r.Pass {
				row.Passes++
			} else if r.BidID == b.ID {
				row.Fails++
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// tpReviewPage renders the expert's page: the declaration, then a score
// sheet per valid bid, then the panel's sheets once all are in.
func (s *Server) tpReviewPage(c *gin.Context, status int, failed string, ferr error, typed map[string]string) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	ctx, a, lang := c.Request.Context(), policy.ActorFrom(c), langOf(c)
	t, m, err := s.store.Membership(ctx, a, id)
	if err != nil {
		fail(c, err)
		return
	}
	d := &tpReviewData{tpFmt: s.tpFmt(c), tpTenderFacts: s.tpFacts(ctx, lang, t), Member: m, Failed: failed,
		Scored: map[int64]bool{}, Values: map[int64]map[string]string{}}
	if m.DeclaredAt == nil && m.Active {
		if d.Bidders, err = s.store.Bidders(ctx, a, id); err != nil && !onForm(err) {
			fail(c, err)
			return
		}
	}
	if m.DeclaredAt != nil && m.Active {
		bids, err := s.store.OpenedBids(ctx, a, id)
		if err != nil {
			fail(c, err)
			return
		}
		sheets, err := s.store.Scores(ctx, a, id)
		if err != nil {
			fail(c, err)
			return
		}
		for _, b := range bids {
			if b.Status == models.BidValid || b.Status == models.BidWon || b.Status == models.BidLost {
				d.Bids = append(d.Bids, b)
				d.Values[b.ID] = map[string]string{}
			}
		}
		if d.Files, err = s.tpFiles(ctx, a, d.Bids); err != nil {
			fail(c, err)
			return
		}
		var experts []int64
		seen := map[int64]bool{}
		for _, sc := range sheets.Scores {
			if sc.ExpertID == a.UserID {
				if v := d.Values[sc.BidID]; v != nil {
					v["points."+sc.Criterion] = d.Num(sc.Points)
					d.Scored[sc.BidID] = true
				}
			}
			if !seen[sc.ExpertID] {
				seen[sc.ExpertID] = true
				experts = append(experts, sc.ExpertID)
			}
		}
		d.Complete = sheets.Complete
		if d.Complete {
			// The panel's sheets, by number; the caller's marked.
			slices.Sort(experts)
			number := map[int64]int{}
			for i, ex := range experts {
				number[ex] = i + 1
			}
			d.Sheets = tpSheets(d.tpFmt, t, d.Bids, sheets.Scores, experts, func(ex int64) string {
				label := s.msgs.T(lang, "eval.expert_n", number[ex])
				if ex == a.UserID {
					label += s.msgs.T(lang, "eval.you")
				}
				return label
			})
		}
		if t.Evaluation != models.EvalComprehensive {
			reviews, err := s.store.ComplianceReviews(ctx, a, id)
			if err != nil {
				fail(c, err)
				return
			}
			for _, r := range reviews.Reviews {
				if v := d.Values[r.BidID]; v != nil && r.ExpertID == a.UserID {
					v["pass"], v["note"] = map[bool]string{true: "yes", false: "no"}[r.Pass], r.Note
					d.Scored[r.BidID] = true
				}
			}
			d.Compliance, d.ComplianceDone = tpCompliance(d.Bids, reviews), reviews.Complete
		}
		if bidID, ok := strings.CutPrefix(failed, "compliance-"); ok {
			if n, err := strconv.ParseInt(bidID, 10, 64); err == nil && d.Values[n] != nil {
				d.Values[n] = typed
			}
		}
		if bidID, ok := strings.CutPrefix(failed, "score-"); ok {
			if n, err := strconv.ParseInt(bidID, 10, 64); err == nil && d.Values[n] != nil {
				d.Values[n] = typed
			}
		}
	}
	p := &page{Title: t.Title, Form: map[string]string{}, Errors: map[string]string{}, Data: d}
	if failed == "declare" {
		p.Form = typed
	}
	if ferr != nil {
		p.Errors, p.Error = s.tpFormErrors(lang, ferr)
		known := map[string]string{"organisation_id": "", "conflict": "", "pass": "", "note": ""}
		for _, cr := range t.Criteria {
			known["points."+cr.Key] = ""
		}
		d.Loose = tpLoose(p.Errors, known)
	}
	s.html(c, status, "evaluation_review", p)
}

func (s *Server) tpReview(c *gin.Context) { s.tpReviewPage(c, http.StatusOK, "", nil, nil) }

func (s *Server) tpReviewDone(c *gin.Context, form string, err error, typed map[string]string, done string) {
	tpDone(c, "/review", s.tpReviewPage, form, err, typed, done)
}

func (s *Server) tpDeclare(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	typed := map[string]string{"conflict": c.PostForm("conflict"), "organisation_id": c.PostForm("organisation_id")}
	d := models.Declaration{Conflict: typed["conflict"] == "yes"}
	if d.Conflict && typed["organisation_id"] != "" {
		org, err := strconv.ParseInt(typed["organisation_id"], 10, 64)
		if err != nil {
			org = 0 // not a bidder: the model says so
		}
		d.OrganisationID = &org
	}
	_, err = s.store.Declare(c.Request.Context(), policy.ActorFrom(c), id, d)
	s.tpReviewDone(c, "declare", err, typed, "eval.declared")
}

func (s *Server) tpScore(c *gin.Context) {
	sub, err := tpSub(c)
	if err != nil {
		fail(c, err)
		return
	}
	if err := tpParseForm(c); err != nil {
		fail(c, err)
		return
	}
	typed := map[string]string{}
	points := map[string]float64{}
	for k, vs := range c.Request.PostForm {
		key, ok := strings.CutPrefix(k, "points.")
		if !ok || len(vs) == 0 {
			continue
		}
		typed[k] = vs[0]
		if strings.TrimSpace(vs[0]) == "" {
			continue // missing: the model says it is required
		}
		p, err := strconv.ParseFloat(strings.TrimSpace(vs[0]), 64)
		if err != nil {
			p = math.NaN() // not a number: the model refuses it as out of range
		}
		points[key] = p
	}
	_, err = s.store.ScoreBid(c.Request.Context(), policy.ActorFrom(c), sub, points)
	s.tpReviewDone(c, "score-"+c.Param("sub"), err, typed, "eval.scored")
}

// tpCompliance records the expert's compliance review of a bid: pass is
// "yes" or "no" (anything else is no answer, which the model refuses).
func (s *Server) tpCompliance(c *gin.Context) {
	sub, err := tpSub(c)
	if err != nil {
		fail(c, err)
		return
	}
	typed := map[string]string{"pass": c.PostForm("pass"), "note": c.PostForm("note")}
	in := models.ComplianceInput{Note: typed["note"]}
	if v := typed["pass"]; v == "yes" || v == "no" {
		pass := v == "yes"
		in.Pass = &pass
	}
	_, err = s.store.ReviewCompliance(c.Request.Context(), policy.ActorFrom(c), sub, in)
	s.tpReviewDone(c, "compliance-"+c.Param("sub"), err, typed, "eval.compliance_saved")
}

// The workspaces' lists.

type tpMyBidsData struct {
	tpFmt
	Bids []models.BidSummary
}

func (s *Server) tpMyBids(c *gin.Context) {
	bids, err := s.store.OwnBids(c.Request.Context(), policy.ActorFrom(c))
	if err != nil {
		fail(c, err)
		return
	}
	s.html(c, http.StatusOK, "bid_list", &page{Title: s.msgs.T(langOf(c), "bid.mine_title"), Data: &tpMyBidsData{tpFmt: s.tpFmt(c), Bids: bids}})
}

type tpMyPanelsData struct {
	tpFmt
	Panels []models.Assignment
}

func (s *Server) tpMyPanels(c *gin.Context) {
	panels, err := s.store.Panels(c.Request.Context(), policy.ActorFrom(c))
	if err != nil {
		fail(c, err)
		return
	}
	s.html(c, http.StatusOK, "evaluation_list", &page{Title: s.msgs.T(langOf(c), "eval.mine_title"), Data: &tpMyPanelsData{tpFmt: s.tpFmt(c), Panels: panels}})
}

// Contracts.

type tpContractsData struct {
	tpFmt
	List models.List[models.Contract]
}

func (s *Server) tpContracts(c *gin.Context) {
	list, err := s.store.Contracts(c.Request.Context(), policy.ActorFrom(c), models.ContractFilter{Status: c.Query("status")}, pageOf(c))
	if err != nil {
		fail(c, err)
		return
	}
	s.html(c, http.StatusOK, "contract_list", &page{Title: s.msgs.T(langOf(c), "contract.list_title"), Data: &tpContractsData{tpFmt: s.tpFmt(c), List: list}})
}

type tpContractData struct {
	tpFmt
	C       *models.Contract
	Tender  *models.Tender
	Targets []tpTarget
}

func (s *Server) tpContract(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	ctx, a, lang := c.Request.Context(), policy.ActorFrom(c), langOf(c)
	ct, err := s.store.Contract(ctx, a, id)
	if err != nil {
		fail(c, err)
		return
	}
	d := &tpContractData{tpFmt: s.tpFmt(c), C: ct}
	if t, err := s.store.Tender(ctx, a, ct.TenderID); err == nil {
		d.Tender = t
	}
	var item *models.CatalogueItem
	if d.Tender != nil {
		item, _ = s.store.CatalogueItem(ctx, d.Tender.RegionCode, d.Tender.CatalogueYear, d.Tender.CatalogueCode)
	}
	keys, values := make([]string, len(ct.Targets)), make([]float64, len(ct.Targets))
	for i, tg := range ct.Targets {
		keys[i], values[i] = tg.Indicator, tg.Value
	}
	d.Targets = tpTargets(lang, item, keys, values)
	s.html(c, http.StatusOK, "contract_show", &page{Title: s.msgs.T(lang, "contract.title") + " " + ct.Number, Data: d})
}
