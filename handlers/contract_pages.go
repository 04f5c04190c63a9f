package handlers

import (
	"net/http"
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
	List models.List[models.Contract]
}

func (s *Server) pageContracts(c *gin.Context) {
	v, err := s.store.ContractListPage(c.Request.Context(), policy.ActorFrom(c), models.ContractFilter{Status: c.Query("status")}, pageOf(c))
	if err != nil {
		fail(c, err)
		return
	}
	s.html(c, http.StatusOK, "contract_list", &page{Title: s.msgs.T(langOf(c), "contract.list_title"), Regions: v.Regions,
		Data: &contractsData{pageFmt: s.pageFmt(c), List: v.List}})
}

type contractData struct {
	pageFmt
	C       *models.Contract
	Tender  *models.Tender
	Targets []targetView
	Reports *models.ContractReportsView // the service reports section (contract_reports.html)
	// Supervision is the supervision section (contract_supervision.html);
	// FailedForm names its form a failed POST came from.
	Supervision *supervisionData
}

func (s *Server) pageContract(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	s.contractPage(id)(c, http.StatusOK, "", nil, nil)
}

// contractPage renders a contract's page; after a failed form of a
// section, with its error and what was typed.
func (s *Server) contractPage(id int64) formPage {
	return func(c *gin.Context, status int, form string, ferr error, typed map[string]string) {
		s.renderContract(c, id, status, form, ferr, typed)
	}
}

func (s *Server) renderContract(c *gin.Context, id int64, status int, form string, ferr error, typed map[string]string) {
	lang := langOf(c)
	v, err := s.store.ContractPage(c.Request.Context(), policy.ActorFrom(c), id)
	if err != nil {
		fail(c, err)
		return
	}
	ct, item := v.Contract, v.Item
	d := &contractData{pageFmt: s.pageFmt(c), C: ct, Tender: v.Tender, Reports: v.Reports}
	keys, values := make([]string, len(ct.Targets)), make([]float64, len(ct.Targets))
	for i, tg := range ct.Targets {
		keys[i], values[i] = tg.Indicator, tg.Value
	}
	d.Targets = targetViews(lang, item, keys, values)
	d.Supervision = s.supervisionData(lang, v.Supervision, form)
	p := &page{Title: s.msgs.T(lang, "contract.title") + " " + ct.Number, Form: typed, Errors: map[string]string{}, Data: d}
	if ferr != nil {
		p.Errors, p.Error = s.formErrors(lang, ferr)
	}
	if p.Form == nil {
		p.Form = map[string]string{}
	}
	s.html(c, status, "contract_show", p)
}
