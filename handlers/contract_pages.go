package handlers

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"portal/models"
	"portal/policy"

	"github.com/gin-gonic/gin"
)

// Contracts: signing on the evaluation page, the list and a contract.

func (s *Server) pageSignContract(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	typed := map[string]string{"report_interval": c.PostForm("report_interval")}
	var plan []models.PlanLine
	var rows []int
	for i := 0; i < 5; i++ {
		p := "payment_plan[" + strconv.Itoa(i) + "]."
		pct, cond := c.PostForm(p+"percent"), c.PostForm(p+"condition")
		typed[p+"percent"], typed[p+"condition"] = pct, cond
		if strings.TrimSpace(pct) == "" && cond == "" {
			continue
		}
		plan = append(plan, models.PlanLine{Percent: formInt(pct, 0), Condition: cond})
		rows = append(rows, i)
	}
	if _, err := s.store.ManagedTender(c.Request.Context(), policy.ActorFrom(c), id); err != nil {
		fail(c, err)
		return
	}
	if !s.askFirst(c, "confirm.sign_contract", tenderURL(id, "/evaluation")) {
		return
	}
	ct, err := s.store.SignContract(c.Request.Context(), policy.ActorFrom(c), id, plan, typed["report_interval"])
	if err == nil {
		redirectDone(c, "/contracts/"+strconv.FormatInt(ct.ID, 10), "contract.signed")
		return
	}
	err = renameFields(err, func(f string) string {
		if r, ok := formRow(f, "payment_plan", rows); ok {
			return r
		}
		return f
	})
	s.evaluationDone(c, "contract", err, typed, "")
}

// The contracts list and a contract.

type contractsData struct {
	pageFmt
	List  models.List[models.Contract]
	Query template.URL // the filter, for the pager and the export
}

func (s *Server) pageContracts(c *gin.Context) {
	f := contractFilterOf(c)
	v, err := s.store.ContractListPage(c.Request.Context(), policy.ActorFrom(c), f, pageOf(c))
	if err != nil {
		fail(c, err)
		return
	}
	s.html(c, http.StatusOK, "contract_list", &page{Title: s.msgs.T(langOf(c), "contract.list_title"), Regions: v.Regions,
		Data: &contractsData{pageFmt: s.pageFmt(c), List: v.List, Query: filterQuery("organisation", c.Query("organisation"), "region", f.Region, "status", f.Status)}})
}

type contractData struct {
	pageFmt
	C        *models.Contract
	Tender   *models.Tender
	ItemName string // the catalogue item, by name when found
	Targets  []targetView
	Failed   string               // the form that failed, whose errors and input the page shows
	View     *models.ContractView // the read model: each section (contract_<part>.html) reads its own field
	// Supervision is the supervision section (contract_supervision.html);
	// FailedForm names its form a failed POST came from.
	Supervision *supervisionData
}

// PaymentFailed reports whether the failed form was a payment's (approve or
// pay), whose error the payments section shows above its payments: the
// payment may have moved on, its form gone.
func (d *contractData) PaymentFailed() bool {
	return strings.HasPrefix(d.Failed, "approve-") || strings.HasPrefix(d.Failed, "pay-")
}

func (s *Server) pageContract(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	s.renderContract(c, id, http.StatusOK, "", nil, nil)
}

// contractPage renders contract id's workspace; after a failed form of a
// section, with its error and what was typed next to that form.
func (s *Server) contractPage(id int64) formPage {
	return func(c *gin.Context, status int, form string, ferr error, typed map[string]string) {
		s.renderContract(c, id, status, form, ferr, typed)
	}
}

func (s *Server) renderContract(c *gin.Context, id int64, status int, failed string, ferr error, typed map[string]string) {
	lang := langOf(c)
	v, err := s.store.ContractPage(c.Request.Context(), policy.ActorFrom(c), id)
	if err != nil {
		fail(c, err)
		return
	}
	ct, item := v.Contract, v.Item
	d := &contractData{pageFmt: s.pageFmt(c), C: ct, Tender: v.Tender, Failed: failed, View: v}
	if v.Tender != nil {
		d.ItemName = v.Tender.CatalogueCode
	}
	if item != nil {
		d.ItemName = localName(lang, item.Name, item.NameEn)
	}
	keys, values := make([]string, len(ct.Targets)), make([]float64, len(ct.Targets))
	for i, tg := range ct.Targets {
		keys[i], values[i] = tg.Indicator, tg.Value
	}
	d.Targets = targetViews(lang, item, keys, values)
	d.Supervision = s.supervisionData(lang, v.Supervision, failed)
	p := &page{Title: s.msgs.T(lang, "contract.title") + " " + ct.Number, Form: map[string]string{}, Errors: map[string]string{}, Data: d}
	for k, v := range typed {
		p.Form[k] = v
	}
	if ferr != nil {
		p.Errors, p.Error = s.formErrors(lang, ferr)
	}
	if err := s.loadRegionNames(c.Request.Context(), p, ct.RegionCode); err != nil {
		fail(c, err)
		return
	}
	s.html(c, status, "contract_show", p)
}

// contractFormDone ends a form of the contract page: back to the page at
// its section (a fragment, "" for the top) on success, or the page again
// with the form's errors.
func (s *Server) contractFormDone(c *gin.Context, section, form string, err error, typed map[string]string, done string) {
	id, perr := pathID(c)
	if perr != nil {
		fail(c, perr)
		return
	}
	s.contractDone(c, id, section, form, err, typed, done)
}

// contractDone ends a form of contract id's page (whatever the form's own
// path names): back to the page at its section on success, or the page
// again with the form's errors.
func (s *Server) contractDone(c *gin.Context, id int64, section, form string, err error, typed map[string]string, done string) {
	path := "/contracts/" + strconv.FormatInt(id, 10)
	if err == nil && section != "" {
		c.Redirect(http.StatusSeeOther, path+"?done="+url.QueryEscape(done)+"#"+section)
		return
	}
	formDone(c, path, s.contractPage(id), form, err, typed, done)
}
