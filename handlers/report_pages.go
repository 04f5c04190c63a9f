package handlers

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"

	"portal/models"
	"portal/policy"

	"github.com/gin-gonic/gin"
)

// The report pages: the agency's form (new, edit a draft, fix a returned
// report; saved by its button, and autosaved by static/report_autosave.js),
// the report's page (values, flags, changes, files, comments, versions) with
// submit for the agency and approve / return for the staff.

func (s *Server) reportPageRoutes(r *gin.Engine) {
	write, review, signedIn := policy.Require("report:write"), policy.Require("report:review"), policy.Require("")
	r.GET("/contracts/:id/reports/new", write, s.pageNewReport)
	r.POST("/contracts/:id/reports", write, s.pageCreateReport)
	r.GET("/reports/:id", signedIn, s.pageReport)
	r.GET("/reports/:id/edit", write, s.pageEditReport)
	r.POST("/reports/:id", write, s.pageSaveReport)
	r.POST("/reports/:id/submit", write, s.pageSubmitReport)
	r.POST("/reports/:id/approve", review, s.pageApproveReport)
	r.POST("/reports/:id/return", review, s.pageReturnReport)
	r.POST("/reports/:id/attachments", s.allowUpload, write, s.pageAttachToReport)
	r.GET("/reports/:id/attachments/:sub", signedIn, s.reportDownload)
}

// reportCounts are the form's whole-number inputs, in its order.
var reportCounts = []string{"volunteer_person_times", "children_served_person_times", "children_served_distinct", "activities", "cases_opened", "cases_closed"}

// reportHours are the form's inputs in hours.
var reportHours = []string{"service_hours", "volunteer_hours"}

// reportFieldOrder is the order of the values on the pages.
var reportFieldOrder = []string{"service_hours", "volunteer_person_times", "volunteer_hours", "children_served_person_times",
	"children_served_distinct", "activities", "cases_opened", "cases_closed"}

// reportFormValues is a report's content as form values.
func reportFormValues(r *models.ServiceReport) map[string]string {
	in := r.InputOf()
	form := map[string]string{"period_start": in.PeriodStart, "period_end": in.PeriodEnd, "narrative": in.Narrative,
		"version": strconv.Itoa(r.Version), "service_hours": r.ServiceHours.String(), "volunteer_hours": r.VolunteerHours.String()}
	counts := map[string]int64{"volunteer_person_times": in.VolunteerPersonTimes, "children_served_person_times": in.ChildrenServedPersonTimes,
		"children_served_distinct": in.ChildrenServedDistinct, "activities": in.Activities, "cases_opened": in.CasesOpened, "cases_closed": in.CasesClosed}
	for k, v := range counts {
		form[k] = strconv.FormatInt(v, 10)
	}
	for _, iv := range in.Indicators {
		form["indicator."+iv.Indicator] = strconv.FormatFloat(iv.Value, 'f', -1, 64)
	}
	return form
}

// readReportForm reads the form into an input. An input that is not a
// number is sent to the model as -1, which it refuses naming the field
// (its message says what a valid value is). Empty numbers are 0; an empty
// indicator is left out.
func readReportForm(c *gin.Context, targets []models.ContractTarget) (models.ReportInput, map[string]string, map[string]string) {
	typed := map[string]string{}
	for _, k := range append(append([]string{"period_start", "period_end", "narrative", "version"}, reportCounts...), reportHours...) {
		typed[k] = c.PostForm(k)
	}
	num := func(k string) string { return strings.ReplaceAll(strings.TrimSpace(typed[k]), ",", "") }
	count := func(k string) int64 {
		if num(k) == "" {
			return 0
		}
		n, err := strconv.ParseInt(num(k), 10, 64)
		if err != nil {
			return -1
		}
		return n
	}
	decimal := func(v string) float64 {
		if v == "" {
			return 0
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(f) {
			return -1
		}
		return f
	}
	in := models.ReportInput{PeriodStart: typed["period_start"], PeriodEnd: typed["period_end"], Narrative: typed["narrative"],
		ServiceHours: decimal(num("service_hours")), VolunteerHours: decimal(num("volunteer_hours")),
		VolunteerPersonTimes: count("volunteer_person_times"), ChildrenServedPersonTimes: count("children_served_person_times"),
		ChildrenServedDistinct: count("children_served_distinct"), Activities: count("activities"), CasesOpened: count("cases_opened"),
		CasesClosed: count("cases_closed")}
	// The model names indicators by their place in the list; the form by key.
	rows := map[string]string{}
	for _, t := range targets {
		name := "indicator." + t.Indicator
		typed[name] = c.PostForm(name)
		v := strings.ReplaceAll(strings.TrimSpace(typed[name]), ",", "")
		if v == "" {
			continue
		}
		rows["indicators["+strconv.Itoa(len(in.Indicators))+"].value"] = name
		in.Indicators = append(in.Indicators, models.IndicatorValue{Indicator: t.Indicator, Value: decimal(v)})
	}
	return in, typed, rows
}

// reportWords names a report's fields and flags in the page's language.
type reportWords struct {
	msgs  Catalogue
	lang  string
	names map[string]string // indicator key → name
}

func (s *Server) reportWords(lang string, targets []targetView) reportWords {
	w := reportWords{msgs: s.msgs, lang: lang, names: map[string]string{}}
	for _, t := range targets {
		w.names[t.Key] = t.Name
	}
	return w
}

// FieldName is a field of the report, or "indicators.<key>", in words.
func (w reportWords) FieldName(field string) string {
	if key, ok := strings.CutPrefix(field, "indicators."); ok {
		if n := w.names[key]; n != "" {
			return n
		}
		return key
	}
	return w.msgs.T(w.lang, "report.field."+field)
}

// Flag is a plausibility flag in words.
func (w reportWords) Flag(f models.ReportFlag) string {
	args := make([]any, len(f.Params))
	for i, p := range f.Params {
		args[i] = p
	}
	if f.Code == models.FlagFarAboveTarget && len(args) > 0 {
		args[0] = w.FieldName("indicators." + f.Params[0])
		args = append(args, models.FarAboveTargetFactor)
	}
	return w.msgs.T(w.lang, "report.flag."+f.Code, args...)
}

// reportFormData is the report form's view.
type reportFormData struct {
	pageFmt
	reportWords
	Contract   *models.Contract
	Report     *models.ServiceReport // nil: a new report
	Targets    []targetView
	Action     string
	Counts     []string
	Returned   *models.ReportComment // the staff's comment to fix
	Files      []models.ReportAttachment
	Flags      []models.ReportFlag
	CanSubmit  bool
	IntervalOf string
}

func (s *Server) reportFormPage(c *gin.Context, status int, ct *models.Contract, item *models.CatalogueItem, r *models.ServiceReport, canSubmit bool, form map[string]string, ferr error) {
	lang := langOf(c)
	keys, values := make([]string, len(ct.Targets)), make([]float64, len(ct.Targets))
	for i, tg := range ct.Targets {
		keys[i], values[i] = tg.Indicator, tg.Value
	}
	targets := targetViews(lang, item, keys, values)
	d := &reportFormData{pageFmt: s.pageFmt(c), reportWords: s.reportWords(lang, targets), Contract: ct, Report: r, Targets: targets,
		Action: "/contracts/" + itoa64(ct.ID) + "/reports", Counts: reportCounts, CanSubmit: canSubmit, IntervalOf: ct.ReportInterval}
	title := s.msgs.T(lang, "report.new_title")
	if r != nil {
		d.Action, d.Files, d.Flags, title = "/reports/"+itoa64(r.ID), r.Attachments, r.Flags, s.msgs.T(lang, "report.edit_title")
		for i := range r.Comments {
			if r.Comments[i].Event == "return" {
				d.Returned = &r.Comments[i]
			}
		}
	}
	p := &page{Title: title + " · " + ct.Number, Form: form, Errors: map[string]string{}, Data: d}
	if ferr != nil {
		p.Errors, p.Error = s.formErrors(lang, ferr)
	}
	s.html(c, status, "report_form", p)
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

func (s *Server) pageNewReport(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	v, err := s.store.NewReportPage(c.Request.Context(), policy.ActorFrom(c), id)
	if err != nil {
		fail(c, err)
		return
	}
	s.reportFormPage(c, http.StatusOK, v.Contract, v.Item, nil, false, map[string]string{"period_start": v.PeriodStart, "period_end": v.PeriodEnd}, nil)
}

// reportSaved answers a save: autosave gets JSON (the new version, or the
// error in the reader's language); the form a redirect, or itself again
// with the errors and what was typed.
func (s *Server) reportSaved(c *gin.Context, r *models.ServiceReport, err error, again func(status int, err error)) {
	if c.GetHeader("X-Autosave") == "1" {
		if err != nil {
			status, _ := classify(err)
			if !onForm(err) {
				c.JSON(status, gin.H{"message": s.msgs.T(langOf(c), "err."+strconv.Itoa(status))})
				return
			}
			fields, top := s.formErrors(langOf(c), err)
			c.JSON(status, gin.H{"message": top, "fields": fields})
			return
		}
		c.JSON(http.StatusOK, gin.H{"id": r.ID, "version": r.Version, "action": "/reports/" + itoa64(r.ID),
			"edit": "/reports/" + itoa64(r.ID) + "/edit", "message": s.msgs.T(langOf(c), "report.autosaved", r.Version)})
		return
	}
	if err == nil {
		redirectDone(c, "/reports/"+itoa64(r.ID)+"/edit", "report.saved")
		return
	}
	if !onForm(err) {
		fail(c, err)
		return
	}
	status, _ := classify(err)
	again(status, err)
}

func (s *Server) pageCreateReport(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	ctx, a := c.Request.Context(), policy.ActorFrom(c)
	v, err := s.store.NewReportPage(ctx, a, id)
	if err != nil {
		fail(c, err)
		return
	}
	in, typed, rows := readReportForm(c, v.Contract.Targets)
	r, err := s.store.CreateReport(ctx, a, id, in)
	s.reportSaved(c, r, renameFields(err, rowsOf(rows)), func(status int, err error) {
		s.reportFormPage(c, status, v.Contract, v.Item, nil, false, typed, err)
	})
}

// rowsOf renames the model's indicator fields to the form's inputs.
func rowsOf(rows map[string]string) func(string) string {
	return func(f string) string {
		if n, ok := rows[f]; ok {
			return n
		}
		if strings.HasPrefix(f, "indicators[") {
			return "indicators"
		}
		return f
	}
}

func (s *Server) pageEditReport(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	v, err := s.store.ReportPage(c.Request.Context(), policy.ActorFrom(c), id)
	if err != nil {
		fail(c, err)
		return
	}
	if !v.CanEdit {
		c.Redirect(http.StatusSeeOther, "/reports/"+itoa64(id))
		return
	}
	s.reportFormPage(c, http.StatusOK, v.Contract, v.Item, v.Report, v.CanSubmit, reportFormValues(v.Report), nil)
}

func (s *Server) pageSaveReport(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	ctx, a := c.Request.Context(), policy.ActorFrom(c)
	v, err := s.store.ReportPage(ctx, a, id)
	if err != nil {
		fail(c, err)
		return
	}
	in, typed, rows := readReportForm(c, v.Contract.Targets)
	base, _ := strconv.Atoi(strings.TrimSpace(typed["version"]))
	// The form sends the whole content: it replaces the current one.
	r, err := s.store.UpdateReport(ctx, a, id, base, func(cur *models.ReportInput) error { *cur = in; return nil })
	s.reportSaved(c, r, renameFields(err, rowsOf(rows)), func(status int, err error) {
		s.reportFormPage(c, status, v.Contract, v.Item, v.Report, v.CanSubmit, typed, err)
	})
}

// reportPageData is the report's page.
type reportPageData struct {
	pageFmt
	reportWords
	V       *models.ReportView
	Targets map[string]targetView
	Fields  []string
	Values  map[string]string
}

func (s *Server) reportPage(c *gin.Context, status int, form map[string]string, ferr error) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	lang := langOf(c)
	v, err := s.store.ReportPage(c.Request.Context(), policy.ActorFrom(c), id)
	if err != nil {
		fail(c, err)
		return
	}
	keys, values := make([]string, len(v.Contract.Targets)), make([]float64, len(v.Contract.Targets))
	for i, tg := range v.Contract.Targets {
		keys[i], values[i] = tg.Indicator, tg.Value
	}
	targets := targetViews(lang, v.Item, keys, values)
	d := &reportPageData{pageFmt: s.pageFmt(c), reportWords: s.reportWords(lang, targets), V: v, Targets: map[string]targetView{},
		Fields: reportFieldOrder, Values: reportFormValues(v.Report)}
	for _, tv := range targets {
		d.Targets[tv.Key] = tv
	}
	if form == nil {
		form = map[string]string{"comment": ""}
	}
	p := &page{Title: s.msgs.T(lang, "report.title") + " · " + v.Contract.Number + " · " + v.Report.PeriodStart + " – " + v.Report.PeriodEnd,
		Form: form, Errors: map[string]string{}, Data: d}
	if ferr != nil {
		p.Errors, p.Error = s.formErrors(lang, ferr)
	}
	s.html(c, status, "report_show", p)
}

func (s *Server) pageReport(c *gin.Context) { s.reportPage(c, http.StatusOK, nil, nil) }

// reportDone redirects to the report's page, or shows it again with the
// error (and the comment typed).
func (s *Server) reportDone(c *gin.Context, id int64, err error, typed map[string]string, done string) {
	if err == nil {
		redirectDone(c, "/reports/"+itoa64(id), done)
		return
	}
	if !onForm(err) {
		fail(c, err)
		return
	}
	status, _ := classify(err)
	s.reportPage(c, status, typed, err)
}

func (s *Server) pageSubmitReport(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	_, err = s.store.SubmitReport(c.Request.Context(), policy.ActorFrom(c), id)
	s.reportDone(c, id, err, nil, "report.submitted")
}

func (s *Server) pageApproveReport(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	ctx, a := c.Request.Context(), policy.ActorFrom(c)
	// Ask first only when the page offers the step; otherwise the model
	// refuses it at once.
	if v, err := s.store.ReportPage(ctx, a, id); err == nil && v.CanReview && !s.askFirst(c, "confirm.approve_report", "/reports/"+itoa64(id)) {
		return
	}
	_, err = s.store.ApproveReport(ctx, a, id, c.PostForm("comment"))
	s.reportDone(c, id, err, map[string]string{"comment": c.PostForm("comment")}, "report.approved")
}

func (s *Server) pageReturnReport(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	_, err = s.store.ReturnReport(c.Request.Context(), policy.ActorFrom(c), id, c.PostForm("comment"))
	s.reportDone(c, id, err, map[string]string{"comment": c.PostForm("comment")}, "report.returned")
}

func (s *Server) pageAttachToReport(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	_, err = s.store.AddReportAttachment(c.Request.Context(), policy.ActorFrom(c), id, orgUpload(c))
	if errors.Is(err, models.ErrTooLarge) {
		err = models.Invalid(models.Field("file", "file_too_large", ""))
	}
	if err == nil {
		redirectDone(c, "/reports/"+itoa64(id), "report.attached")
		return
	}
	s.reportDone(c, id, err, nil, "")
}
