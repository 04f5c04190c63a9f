package handlers

import (
	"net/http"
	"strconv"
	"strings"

	"portal/models"
	"portal/policy"

	"github.com/gin-gonic/gin"
)

// The buyer's evaluation workspace: the opened bids, disqualification, the
// panel, credit checks, award or failure with their confirmation steps, and
// the answers to challenges.

// scoreSheet is one expert's score sheet: a row per bid, a column per
// criterion.
type scoreSheet struct {
	Expert string
	Rows   []scoreSheetRow
}

type scoreSheetRow struct {
	Bid    string
	Points []string
	Total  string
}

// scoreSheets arranges scores into sheets, one per expert in the order of
// experts, rows in the order of bids.
func scoreSheets(f pageFmt, t *models.Tender, bids []models.Bid, scores []models.Score, experts []int64, name func(int64) string) []scoreSheet {
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
	var out []scoreSheet
	for _, ex := range experts {
		sh := scoreSheet{Expert: name(ex)}
		found := false
		for _, b := range bids {
			if !has[[2]int64{b.ID, ex}] {
				continue
			}
			found = true
			row := scoreSheetRow{Bid: b.OrganisationName}
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

type evaluationData struct {
	pageFmt
	tenderFacts
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
	Sheets         []scoreSheet
	Complete       bool
	Compliance     []complianceRow // lowest price
	ComplianceDone bool
	Ranking        []models.Ranked     // provisional, before the award: what the award would make now
	Rejected       []models.Bid        // lowest price: found non-compliant, unranked
	FirstCheck     *models.CreditCheck // the first-ranked bidder's latest credit check
	Result         *models.Result
	Challenges     []models.Challenge
	Contract       *models.Contract
	CanSign        bool
	PlanRows       []string
	Conditions     []string
	CanFail        bool // evaluated: staff may end it unsuccessful when no bid can be awarded
	Failed         string
	Loose          []string
	Confirm        *confirmStep // a step that would end the tender, to confirm
}

// confirmStep is the confirmation step of a form whose action would end the
// tender: the same form again, its values hidden, with confirm_end set; it
// says what will happen and shows the failure notice's reason in words.
type confirmStep struct {
	Action string
	Hidden []hiddenInput
	File   bool // the evidence file is not carried over: choose it again
	Title  string
	Why    string
	Notice string // the reason the failure notice will give
	Submit string
	Back   string // the page to go back to, changing nothing
}

type hiddenInput struct{ Name, Value string }

// confirmStepOf builds the confirmation of the failed form when its error
// asks for one.
func (s *Server) confirmStepOf(lang string, id int64, failed string, err error, typed map[string]string) *confirmStep {
	ce, ok := models.AsConfirmEnd(err)
	if !ok {
		return nil
	}
	c := &confirmStep{Title: s.msgs.T(lang, "eval.confirm_end_title"), Why: s.msgs.T(lang, "eval.confirm_end_why", ce.Valid, ce.Required),
		Notice: s.failureMessage(lang, &models.FailureNotice{Reason: ce.Reason, Params: ce.Params}),
		Submit: s.msgs.T(lang, "eval.confirm_end_submit"), Back: tenderURL(id, "/evaluation")}
	var names []string
	switch {
	case failed == "credit":
		c.Action, c.File = tenderURL(id, "/credit-checks"), true
		names = []string{"organisation_id", "result", "checked_at", "note", "evidence"}
	case strings.HasPrefix(failed, "disqualify-"):
		c.Action = tenderURL(id, "/bids/"+strings.TrimPrefix(failed, "disqualify-")+"/disqualify")
		names = []string{"reason"}
	case failed == "fail":
		c.Action, c.Why = tenderURL(id, "/fail"), s.msgs.T(lang, "eval.confirm_fail_why")
		names = []string{"reason"}
	case failed == "cancel":
		c.Action, c.Back = tenderURL(id, "/cancel"), tenderURL(id, "")
		c.Title, c.Why, c.Submit = s.msgs.T(lang, "tender.cancel_confirm"), s.msgs.T(lang, "tender.confirm_cancel_why"), s.msgs.T(lang, "tender.confirm_cancel_submit")
		names = []string{"reason"}
	default:
		return nil
	}
	for _, n := range names {
		c.Hidden = append(c.Hidden, hiddenInput{n, typed[n]})
	}
	return c
}

// confirmed reads a confirmation step's answer.
func confirmed(c *gin.Context) bool { return c.PostForm("confirm_end") == "true" }

// evaluationPage renders the buyer's evaluation page; after a failed form it
// shows what was typed and the errors next to that form.
func (s *Server) evaluationPage(c *gin.Context, status int, failed string, ferr error, typed map[string]string) {
	v, ok := readByID(c, s.store.EvaluationPage)
	if !ok {
		return
	}
	lang := langOf(c)
	t := v.Tender
	d := &evaluationData{pageFmt: s.pageFmt(c), tenderFacts: tenderFactsOf(lang, v.TenderFacts), Failed: failed, PanelSize: t.PanelSize(),
		Sealed: v.Sealed, Open: v.Open, Chosen: map[int64]bool{}, OrgNames: map[int64]string{},
		Bids: v.Bids, Files: v.Files, Panel: v.Panel, Experts: v.Experts, Checks: v.Checks, Challenges: v.Challenges,
		CanFail: v.CanFail, Ranking: v.Ranking, Rejected: v.Rejected, FirstCheck: v.FirstCheck, Result: v.Result, CanSign: v.CanSign, Contract: v.Contract,
		PlanRows: formRows("payment_plan", 5), Conditions: models.PaymentConditions}
	form := map[string]string{"checked_at": localInput(v.Now), "result": "clear",
		"payment_plan[0].percent": "30", "payment_plan[0].condition": "signing",
		"payment_plan[1].percent": "40", "payment_plan[1].condition": "midterm",
		"payment_plan[2].percent": "30", "payment_plan[2].condition": "acceptance"}
	if len(d.Ranking) > 0 { // the credit check the award needs next
		form["organisation_id"] = strconv.FormatInt(d.Ranking[0].OrganisationID, 10)
	}
	for i, b := range d.Bids {
		d.OrgNames[b.OrganisationID] = b.OrganisationName
		s.disqualifiedReason(lang, &d.Bids[i])
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
	if v.Scores != nil {
		d.Complete = v.Scores.Complete
		d.Sheets = scoreSheets(d.pageFmt, t, d.Bids, v.Scores.Scores, experts, func(id int64) string { return names[id] })
	}
	if v.Compliance != nil {
		d.Compliance, d.ComplianceDone = complianceRows(d.Bids, v.Compliance), v.Compliance.Complete
	}
	for k, v := range typed {
		form[k] = v
	}
	p := &page{Title: t.Title, Form: form, Errors: map[string]string{}, Data: d}
	if ferr != nil {
		d.Confirm = s.confirmStepOf(lang, t.ID, failed, ferr, typed)
		p.Errors, p.Error = s.rangeFormErrors(lang, ferr)
		known := map[string]string{"reason": "", "expert_ids": "", "organisation_id": "", "result": "", "checked_at": "",
			"note": "", "evidence": "", "answer": "", "payment_plan": ""}
		for _, r := range d.PlanRows {
			known[r+".percent"], known[r+".condition"] = "", ""
		}
		d.Loose = looseErrors(p.Errors, known)
	}
	s.html(c, status, "evaluation_staff", p)
}

func (s *Server) pageEvaluation(c *gin.Context) { s.evaluationPage(c, http.StatusOK, "", nil, nil) }

// evaluationDone redirects back to the evaluation page, or shows it again.
func (s *Server) evaluationDone(c *gin.Context, form string, err error, typed map[string]string, done string) {
	tenderFormDone(c, "/evaluation", s.evaluationPage, form, err, typed, done)
}

func (s *Server) pageDisqualify(c *gin.Context) {
	sub, err := subID(c)
	if err != nil {
		fail(c, err)
		return
	}
	reason := c.PostForm("reason")
	_, err = s.store.DisqualifyBid(c.Request.Context(), policy.ActorFrom(c), sub, reason, confirmed(c))
	s.evaluationDone(c, "disqualify-"+c.Param("sub"), err, map[string]string{"reason": reason}, "eval.disqualified")
}

func (s *Server) pageAppointPanel(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	if err := parseNamedForm(c); err != nil {
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
	err = renameFields(err, func(f string) string {
		if strings.HasPrefix(f, "expert_ids[") {
			return "expert_ids"
		}
		return f
	})
	s.evaluationDone(c, "panel", err, typed, "eval.panel_set")
}

func (s *Server) pageCreditCheck(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	typed := map[string]string{"organisation_id": c.PostForm("organisation_id"), "result": c.PostForm("result"),
		"checked_at": c.PostForm("checked_at"), "note": c.PostForm("note"), "evidence": c.PostForm("evidence")}
	org, _ := strconv.ParseInt(typed["organisation_id"], 10, 64)
	at, _ := parseLocalTime(typed["checked_at"])
	in := models.CreditCheckInput{OrganisationID: org, Result: typed["result"], CheckedAt: at, Note: typed["note"], Evidence: typed["evidence"],
		EvidenceFile: evidenceFile(c), ConfirmEnd: confirmed(c)}
	_, err = s.store.RecordCreditCheck(c.Request.Context(), policy.ActorFrom(c), id, in)
	s.evaluationDone(c, "credit", err, typed, "eval.checked")
}

func (s *Server) pageAward(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	// Only the tender's staff are asked; the award itself says when it
	// cannot be made yet.
	if _, err := s.store.ManagedTender(c.Request.Context(), policy.ActorFrom(c), id); err != nil {
		fail(c, err)
		return
	}
	if !s.askFirst(c, "confirm.award", tenderURL(id, "/evaluation")) {
		return
	}
	_, err = s.store.Award(c.Request.Context(), policy.ActorFrom(c), id)
	s.evaluationDone(c, "award", err, nil, "eval.awarded")
}

// pageFailTender ends an evaluated tender unsuccessful when no bid can be awarded,
// after the confirmation step.
func (s *Server) pageFailTender(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	reason := c.PostForm("reason")
	_, err = s.store.FailTender(c.Request.Context(), policy.ActorFrom(c), id, reason, confirmed(c))
	s.evaluationDone(c, "fail", err, map[string]string{"reason": reason}, "eval.failed")
}

// disqualifiedReason shows a reason the portal gave a disqualification
// in lang; a staff-typed reason stays as typed.
func (s *Server) disqualifiedReason(lang string, b *models.Bid) {
	if key := "bid.dq." + b.DisqualifiedCode; b.DisqualifiedCode != "" && s.msgs.Has(key) {
		b.DisqualifiedReason = s.msgs.T(lang, key)
	}
}

func (s *Server) pageAnswerChallenge(c *gin.Context) {
	sub, err := subID(c)
	if err != nil {
		fail(c, err)
		return
	}
	answer := c.PostForm("answer")
	_, err = s.store.AnswerChallenge(c.Request.Context(), policy.ActorFrom(c), sub, answer)
	s.evaluationDone(c, "challenge-"+c.Param("sub"), err, map[string]string{"answer": answer}, "eval.challenge_answered")
}
