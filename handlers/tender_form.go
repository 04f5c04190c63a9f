package handlers

import (
	"math"
	"net/http"
	"strconv"
	"strings"

	"portal/models"
	"portal/policy"

	"github.com/gin-gonic/gin"
)

// The tender form: create and edit a draft or amend a published tender;
// publish and cancel.

const (
	budgetRows   = 3
	targetRows   = 8
	criteriaRows = 6
)

type tenderFormData struct {
	pageFmt
	Edit        bool
	ID          int64
	Amend       bool // published: the method stays, bids go back to draft
	Regions     []models.Region
	Items       []choice
	Indicators  []choice
	Methods     []choice
	Evaluations []string
	EvalRules   []string // per method, the evaluations it allows (the method table)
	Sources     []string
	Budget      []string // row prefixes
	Targets     []string
	Criteria    []string
	Loose       []string
}

// tenderFormChoices turns the form's read model into its choices: the
// regions the caller buys for and the catalogue items of the offered
// region's province, with their indicators.
func (s *Server) tenderFormChoices(lang string, v *models.TenderFormView, targets int) *tenderFormData {
	d := &tenderFormData{Evaluations: []string{models.EvalComprehensive, models.EvalLowestPrice}, Sources: models.FundingSourceKeys,
		Budget: formRows("budget", budgetRows), Targets: formRows("targets", max(targetRows, targets)), Criteria: formRows("criteria", criteriaRows),
		Regions: v.Regions}
	for _, k := range models.MethodKeys {
		m := models.Methods[k]
		d.Methods = append(d.Methods, choice{k, localName(lang, m.Name, m.NameEn)})
		evals := make([]string, len(m.Evaluations))
		for i, e := range m.Evaluations {
			evals[i] = s.msgs.T(lang, "tender.eval."+e)
		}
		d.EvalRules = append(d.EvalRules, localName(lang, m.Name, m.NameEn)+": "+strings.Join(evals, " / "))
	}
	inds := map[string]bool{}
	for _, it := range v.Items {
		d.Items = append(d.Items, choice{it.Code, it.Code + " " + localName(lang, it.Name, it.NameEn)})
		for _, ind := range it.Indicators {
			if !inds[ind.Key] {
				inds[ind.Key] = true
				label := localName(lang, ind.Name, ind.NameEn)
				if ind.Unit != "" {
					label += pageFmt{lang: lang}.Paren(s.unit(lang, ind.Unit))
				}
				d.Indicators = append(d.Indicators, choice{ind.Key, label})
			}
		}
	}
	return d
}

// tenderForm is the tender form as read: the input, what was typed and
// the form row of each budget line, target and criterion kept (blank rows
// are skipped), so that the model's errors land on the rows typed in.
type tenderForm struct {
	In                    models.TenderInput
	Typed                 map[string]string
	Budget, Targets, Crit []int
	DeadlineTyped         bool
	BadMoney              map[string]string // form field → the money parser's code
}

var tenderFields = []string{"title", "region", "catalogue_code", "catalogue_year", "method", "evaluation", "service_start",
	"service_end", "price_weight", "bid_deadline", "invited", "notice"}

func readTenderForm(c *gin.Context) tenderForm {
	f := tenderForm{Typed: map[string]string{}, BadMoney: map[string]string{}}
	for _, k := range tenderFields {
		f.Typed[k] = c.PostForm(k)
	}
	in := models.TenderInput{Title: f.Typed["title"], Region: strings.TrimSpace(f.Typed["region"]), CatalogueCode: f.Typed["catalogue_code"],
		Method: f.Typed["method"], Evaluation: f.Typed["evaluation"], ServiceStart: strings.TrimSpace(f.Typed["service_start"]),
		ServiceEnd: strings.TrimSpace(f.Typed["service_end"]), Notice: f.Typed["notice"]}
	in.CatalogueYear = formInt(f.Typed["catalogue_year"], 0)
	in.PriceWeight = formInt(f.Typed["price_weight"], -1)
	if strings.TrimSpace(f.Typed["bid_deadline"]) != "" {
		f.DeadlineTyped = true
		in.BidDeadline, _ = parseLocalTime(f.Typed["bid_deadline"]) // malformed: zero, which the model refuses
	}
	for i := 0; i < budgetRows; i++ {
		p := "budget[" + strconv.Itoa(i) + "]."
		src, amount := c.PostForm(p+"source"), c.PostForm(p+"amount")
		f.Typed[p+"source"], f.Typed[p+"amount"] = src, amount
		if src == "" && strings.TrimSpace(amount) == "" {
			continue
		}
		fen, code := parseMoney(amount)
		if code != "" {
			fen, f.BadMoney[p+"amount"] = -1, code // the model refuses it; the parser says why
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
	for i := 0; i < criteriaRows; i++ {
		p := "criteria[" + strconv.Itoa(i) + "]."
		key, name, pts := strings.TrimSpace(c.PostForm(p+"key")), strings.TrimSpace(c.PostForm(p+"name")), c.PostForm(p+"max_points")
		f.Typed[p+"key"], f.Typed[p+"name"], f.Typed[p+"max_points"] = key, name, pts
		if key == "" && name == "" && strings.TrimSpace(pts) == "" {
			continue
		}
		in.Criteria = append(in.Criteria, models.Criterion{Key: key, Name: name, MaxPoints: formInt(pts, 0)})
		f.Crit = append(f.Crit, i)
	}
	criterionKeys(in.Criteria)
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

// criterionKeys makes the key of each criterion typed with only a name:
// criterion_1, criterion_2, … after the highest such key kept (a kept key
// comes back from the form, so keys stay stable on edit).
func criterionKeys(list []models.Criterion) {
	next := 1
	for _, c := range list {
		if n, err := strconv.Atoi(strings.TrimPrefix(c.Key, "criterion_")); err == nil && strings.HasPrefix(c.Key, "criterion_") && n >= next {
			next = n + 1
		}
	}
	for i := range list {
		if list[i].Key == "" {
			list[i].Key = "criterion_" + strconv.Itoa(next)
			next++
		}
	}
}

// formErr renames the model's fields to the form's.
func (f tenderForm) formErr(err error) error {
	err = renameFields(err, func(field string) string {
		if r, ok := formRow(field, "budget", f.Budget); ok {
			return strings.Replace(r, ".amount_fen", ".amount", 1)
		}
		if r, ok := formRow(field, "targets", f.Targets); ok {
			return r
		}
		if r, ok := formRow(field, "criteria", f.Crit); ok {
			return r
		}
		if strings.HasPrefix(field, "invited[") {
			return "invited"
		}
		return field
	})
	err = moneyErrors(err, f.BadMoney)
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

// tenderValues is a tender as form values.
func tenderValues(t *models.Tender) map[string]string {
	form := map[string]string{"title": t.Title, "region": t.RegionCode, "catalogue_code": t.CatalogueCode,
		"catalogue_year": strconv.Itoa(t.CatalogueYear), "method": t.Method, "evaluation": t.Evaluation,
		"service_start": t.ServiceStart, "service_end": t.ServiceEnd, "price_weight": strconv.Itoa(t.PriceWeight),
		"bid_deadline": localInput(t.BidDeadline)}
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

// tenderFormPage renders the tender form with values and, after a failure,
// the errors.
func (s *Server) tenderFormPage(c *gin.Context, status int, q models.TenderFormQuery, form map[string]string, ferr error) {
	ctx, a, lang := c.Request.Context(), policy.ActorFrom(c), langOf(c)
	if form != nil {
		q.Year = formInt(form["catalogue_year"], 0)
		if q.ID == 0 { // an edit's region is the tender's
			q.Region = form["region"]
		}
	}
	v, err := s.store.TenderFormPage(ctx, a, q)
	if err != nil {
		fail(c, err)
		return
	}
	t := v.Tender
	targets := 0
	if t != nil {
		targets = len(t.Targets)
		if form == nil {
			form = tenderValues(t)
		}
		form["region"] = t.RegionCode // stored, never typed
	}
	if q.CheckPublish && v.Refusal != nil {
		// The form's rows are the stored ones, so only the amount's name differs.
		ferr = renameFields(v.Refusal, func(f string) string {
			if strings.HasPrefix(f, "budget[") {
				return strings.Replace(f, ".amount_fen", ".amount", 1)
			}
			return f
		})
	}
	d := s.tenderFormChoices(lang, v, targets)
	d.pageFmt = s.pageFmt(c)
	title := "tender.new"
	if t != nil {
		d.Edit, d.ID, d.Amend = true, t.ID, t.Status != models.TenderDraft
		title = "tender.edit"
	}
	if form["region"] == "" && len(d.Regions) > 0 {
		form["region"] = d.Regions[0].Code
	}
	for _, k := range tenderFields {
		if _, ok := form[k]; !ok {
			form[k] = ""
		}
	}
	// An edit shows the tender's region (stored, never typed) by name.
	p := &page{Title: s.msgs.T(lang, title), Form: form, Errors: map[string]string{}, Data: d, Regions: v.RegionNames}
	if ferr != nil {
		p.Errors, p.Error = s.rangeFormErrors(lang, ferr)
		known := map[string]string{"budget": "", "criteria": "", "targets": ""}
		for _, k := range tenderFields {
			known[k] = ""
		}
		for _, group := range []struct {
			rows   []string
			inputs []string
		}{{d.Budget, []string{".source", ".amount"}}, {d.Targets, []string{".indicator", ".value"}}, {d.Criteria, []string{".name", ".max_points"}}} {
			for _, r := range group.rows {
				for _, in := range group.inputs {
					known[r+in] = ""
				}
			}
		}
		d.Loose = looseErrors(p.Errors, known)
	}
	s.html(c, status, "tender_form", p)
}

func (s *Server) pageNewTender(c *gin.Context) {
	form := map[string]string{"method": "open_tender", "evaluation": models.EvalComprehensive, "price_weight": "20"}
	if rs := policy.ActorFrom(c).Regions("tender:manage"); len(rs) > 0 && rs[0] != models.RootRegion {
		form["region"] = rs[0]
	}
	s.tenderFormPage(c, http.StatusOK, models.TenderFormQuery{}, form, nil)
}

func (s *Server) pageCreateTender(c *gin.Context) {
	f := readTenderForm(c)
	t, err := s.store.CreateTender(c.Request.Context(), policy.ActorFrom(c), f.In)
	if err != nil {
		if !onForm(err) {
			fail(c, err)
			return
		}
		status, _ := classify(err)
		s.tenderFormPage(c, status, models.TenderFormQuery{}, f.Typed, f.formErr(err))
		return
	}
	redirectDone(c, tenderURL(t.ID, ""), "tender.created")
}

func (s *Server) pageEditTender(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	// From a refused publish (?check=publish) the fields it names are marked.
	s.tenderFormPage(c, http.StatusOK, models.TenderFormQuery{ID: id, CheckPublish: c.Query("check") == "publish"}, nil, nil)
}

func (s *Server) pageUpdateTender(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	ctx, a := c.Request.Context(), policy.ActorFrom(c)
	f := readTenderForm(c)
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
		status, _ := classify(err)
		s.tenderFormPage(c, status, models.TenderFormQuery{ID: id}, f.Typed, f.formErr(err))
		return
	}
	redirectDone(c, tenderURL(id, ""), "tender.updated")
}

func (s *Server) pagePublishTender(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	ctx, a := c.Request.Context(), policy.ActorFrom(c)
	// Ask first only when publishing would go ahead: a tender out of reach
	// answers as on reading it, and a refusal (fields to fix, not a draft)
	// comes from the model at once, without a question before it.
	t, refusal, err := s.store.PublishCheck(ctx, a, id)
	if err != nil {
		fail(c, err)
		return
	}
	if refusal == nil && t.Status == models.TenderDraft && !s.askFirst(c, "confirm.publish_tender", tenderURL(id, "")) {
		return
	}
	_, err = s.store.PublishTender(ctx, a, id)
	s.tenderDone(c, "publish", err, nil, "tender.published")
}

func (s *Server) pageCancelTender(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	reason := c.PostForm("reason")
	// The first post shows what cancelling publishes; only its confirmation cancels.
	_, err = s.store.CancelTenderConfirmed(c.Request.Context(), policy.ActorFrom(c), id, reason, confirmed(c))
	s.tenderDone(c, "cancel", err, map[string]string{"reason": reason}, "tender.cancelled")
}
