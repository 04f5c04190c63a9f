package handlers

import (
	"errors"
	"math"
	"strconv"
	"strings"

	"portal/models"
	"portal/policy"

	"github.com/gin-gonic/gin"
)

// The supervision pages: the contract page's section (contract_supervision
// .html) and its forms — assignment, visits with photos, evaluations,
// rectifications with response and verification, acceptance — and the
// supervisor's declarations on the desk.

func (s *Server) supervisionPageRoutes(r *gin.Engine) {
	assign, write, respond, signedIn := policy.Require("supervision:assign"), policy.Require("supervision:write"),
		policy.Require("rectification:respond"), policy.Require("")
	r.POST("/contracts/:id/supervisors", assign, s.pageSetSupervisors)
	r.POST("/contracts/:id/visits", write, s.pageRecordVisit)
	r.POST("/contracts/:id/visits/:sub/photos", s.allowUpload, write, s.pageVisitPhoto)
	r.POST("/contracts/:id/evaluations", write, s.pageRecordEvaluation)
	r.POST("/contracts/:id/rectifications", write, s.pageOpenRectification)
	r.POST("/contracts/:id/rectifications/:sub/respond", respond, s.pageRespondRectification)
	r.POST("/contracts/:id/rectifications/:sub/attachments", s.allowUpload, respond, s.pageRectificationFile)
	r.POST("/contracts/:id/rectifications/:sub/verify", write, s.pageVerifyRectification)
	r.POST("/contracts/:id/accept", signedIn, s.pageAcceptContract)
	r.POST("/organisations/:id/declarations", write, s.pageDeclareRelation)
	r.GET("/visits/:id/photos/:sub", signedIn, s.supervisionDownload("visit"))
	r.GET("/rectifications/:id/attachments/:sub", signedIn, s.supervisionDownload("rectification"))
}

// supervisionData is the section's view.
type supervisionData struct {
	*models.SupervisionView
	Lang       string
	FailedForm string // the form a failed POST came from
	Relations  []string
	PhaseKeys  []string
}

func (s *Server) supervisionData(lang string, v *models.SupervisionView, form string) *supervisionData {
	if v == nil {
		return nil
	}
	return &supervisionData{SupervisionView: v, Lang: lang, FailedForm: form, Relations: models.SupervisorRelations, PhaseKeys: models.EvaluationPhases}
}

// IndName is an indicator's name in the page's language.
func (d *supervisionData) IndName(i models.EvalIndicator) string {
	if d.Lang == "en" && i.NameEn != "" {
		return i.NameEn
	}
	if i.Name != "" {
		return i.Name
	}
	return i.Indicator
}

// Assigned reports whether the user is one of the contract's supervisors.
func (d *supervisionData) Assigned(id int64) bool {
	for _, s := range d.Supervisors {
		if s.SupervisorID == id {
			return true
		}
	}
	return false
}

// CanRespond: the caller's organisation may answer the rectification.
func (d *supervisionData) CanRespond(r models.Rectification) bool {
	return d.Member && models.RectificationAllows("respond", r.Status)
}

// CanAttach: the caller's organisation may add files to its answer.
func (d *supervisionData) CanAttach(r models.Rectification) bool {
	return d.Member && models.RectificationAllows("attach", r.Status)
}

// CanVerify: the caller (an assigned supervisor) may verify it.
func (d *supervisionData) CanVerify(r models.Rectification) bool {
	return d.Supervisor && models.RectificationAllows("pass", r.Status)
}

// AcceptWhy is why acceptance is refused now, in words ("" when it is not).
func (d *supervisionData) AcceptWhy() string {
	if e, ok := models.AsError(d.AcceptBlock); ok {
		return e.Detail
	}
	return ""
}

// supervisionDone ends a section's form: back to the section, or the page
// again with the error at form.
func (s *Server) supervisionDone(c *gin.Context, contractID int64, form string, err error, typed map[string]string, done string) {
	if errors.Is(err, models.ErrTooLarge) {
		err = models.Invalid(models.Field("file", "file_too_large", ""))
	}
	s.contractDone(c, contractID, "supervision", form, err, typed, done)
}

// contractAndSub reads the path's contract id and, when named, its :sub.
func contractAndSub(c *gin.Context, withSub bool) (int64, int64, bool) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return 0, 0, false
	}
	if !withSub {
		return id, 0, true
	}
	sub, err := subID(c)
	if err != nil {
		fail(c, err)
		return 0, 0, false
	}
	return id, sub, true
}

// typedForm keeps the named inputs as typed.
func typedForm(c *gin.Context, names ...string) map[string]string {
	out := map[string]string{}
	for _, n := range names {
		out[n] = c.PostForm(n)
	}
	return out
}

func (s *Server) pageSetSupervisors(c *gin.Context) {
	id, _, ok := contractAndSub(c, false)
	if !ok {
		return
	}
	if err := parseNamedForm(c); err != nil {
		fail(c, err)
		return
	}
	var ids []int64
	for _, v := range c.PostFormArray("supervisor_ids") {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			n = -1 // refused by the model, naming the input
		}
		ids = append(ids, n)
	}
	_, err := s.store.SetSupervisors(c.Request.Context(), policy.ActorFrom(c), id, models.SupervisorsInput{SupervisorIDs: ids})
	err = renameFields(err, func(f string) string {
		if strings.HasPrefix(f, "supervisor_ids") {
			return "supervisor_ids"
		}
		return f
	})
	s.supervisionDone(c, id, "assign", err, nil, "supervision.assigned")
}

func (s *Server) pageRecordVisit(c *gin.Context) {
	id, _, ok := contractAndSub(c, false)
	if !ok {
		return
	}
	var in models.VisitInput
	if err := bindForm(c, &in); err != nil {
		s.supervisionDone(c, id, "visit", err, typedForm(c, "visited_on", "findings", "follow_ups"), "")
		return
	}
	_, err := s.store.RecordVisit(c.Request.Context(), policy.ActorFrom(c), id, in)
	s.supervisionDone(c, id, "visit", err, typedForm(c, "visited_on", "findings", "follow_ups"), "supervision.visit_recorded")
}

func (s *Server) pageVisitPhoto(c *gin.Context) {
	id, sub, ok := contractAndSub(c, true)
	if !ok {
		return
	}
	_, err := s.store.AddVisitPhoto(c.Request.Context(), policy.ActorFrom(c), sub, orgUpload(c))
	s.supervisionDone(c, id, "photo-"+itoa64(sub), err, nil, "supervision.photo_added")
}

// formPoints reads a score typed on the form: "" leaves the indicator out
// (the model names it as required), text that is no number is sent as -1
// (refused naming the input).
func formPoints(v string) (float64, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return -1, true
	}
	return f, true
}

func (s *Server) pageRecordEvaluation(c *gin.Context) {
	id, _, ok := contractAndSub(c, false)
	if !ok {
		return
	}
	if err := parseNamedForm(c); err != nil {
		fail(c, err)
		return
	}
	typed := typedForm(c, "phase", "comment")
	in := models.EvaluationInput{Phase: typed["phase"], Comment: typed["comment"], Scores: map[string]float64{}}
	for name, vs := range c.Request.PostForm {
		key, isScore := strings.CutPrefix(name, "scores.")
		if !isScore || len(vs) == 0 {
			continue
		}
		typed[name] = vs[0]
		if v, given := formPoints(vs[0]); given {
			in.Scores[key] = v
		}
	}
	// Ask only about an evaluation that would be taken: a bad score comes
	// back on the form first.
	if err := s.store.CheckEvaluation(c.Request.Context(), policy.ActorFrom(c), id, in); err != nil {
		s.supervisionDone(c, id, "evaluation", err, typed, "")
		return
	}
	if !s.askFirst(c, "confirm.record_evaluation", "/contracts/"+itoa64(id)+"#supervision") {
		return
	}
	_, err := s.store.RecordEvaluation(c.Request.Context(), policy.ActorFrom(c), id, in)
	s.supervisionDone(c, id, "evaluation", err, typed, "supervision.evaluation_recorded")
}

func (s *Server) pageOpenRectification(c *gin.Context) {
	id, _, ok := contractAndSub(c, false)
	if !ok {
		return
	}
	var in models.RectificationInput
	err := bindForm(c, &in)
	form := "rectification"
	if v := strings.TrimSpace(c.PostForm("visit_id")); v != "" {
		n, perr := strconv.ParseInt(v, 10, 64)
		if perr != nil {
			n = -1
		}
		in.VisitID, form = &n, "rectification-"+v
	}
	typed := typedForm(c, "issue", "due_on")
	if err == nil {
		_, err = s.store.OpenRectification(c.Request.Context(), policy.ActorFrom(c), id, in)
	}
	s.supervisionDone(c, id, form, err, typed, "supervision.rectification_opened")
}

func (s *Server) pageRespondRectification(c *gin.Context) {
	id, sub, ok := contractAndSub(c, true)
	if !ok {
		return
	}
	var in models.RespondInput
	err := bindForm(c, &in)
	if err == nil {
		_, err = s.store.RespondRectification(c.Request.Context(), policy.ActorFrom(c), sub, in)
	}
	s.supervisionDone(c, id, "respond-"+itoa64(sub), err, typedForm(c, "response"), "supervision.rectification_responded")
}

func (s *Server) pageRectificationFile(c *gin.Context) {
	id, sub, ok := contractAndSub(c, true)
	if !ok {
		return
	}
	_, err := s.store.AddRectificationFile(c.Request.Context(), policy.ActorFrom(c), sub, orgUpload(c))
	s.supervisionDone(c, id, "respond-"+itoa64(sub), err, nil, "supervision.file_added")
}

func (s *Server) pageVerifyRectification(c *gin.Context) {
	id, sub, ok := contractAndSub(c, true)
	if !ok {
		return
	}
	var in models.VerifyInput
	err := bindForm(c, &in)
	switch c.PostForm("passed") {
	case "yes":
		in.Passed = ptrTo(true)
	case "no":
		in.Passed = ptrTo(false)
	}
	if err == nil {
		_, err = s.store.VerifyRectification(c.Request.Context(), policy.ActorFrom(c), sub, in)
	}
	s.supervisionDone(c, id, "verify-"+itoa64(sub), err, typedForm(c, "comment"), "supervision.rectification_verified")
}

func ptrTo[T any](v T) *T { return &v }

func (s *Server) pageAcceptContract(c *gin.Context) {
	id, _, ok := contractAndSub(c, false)
	if !ok {
		return
	}
	if !s.askFirst(c, "confirm.accept_contract", "/contracts/"+itoa64(id)+"#supervision") {
		return
	}
	_, err := s.store.AcceptContract(c.Request.Context(), policy.ActorFrom(c), id)
	s.supervisionDone(c, id, "accept", err, nil, "supervision.accepted")
}

// pageDeclareRelation records a supervisor's relation to the organisation
// of the page; a refusal comes back on the organisation's page next to
// the form, with what was typed.
func (s *Server) pageDeclareRelation(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	var in models.DeclarationInput
	err = bindForm(c, &in)
	in.OrganisationID = id // the page's, whatever the form says
	if err == nil {
		_, err = s.store.DeclareRelation(c.Request.Context(), policy.ActorFrom(c), in)
	}
	s.orgFormDone(c, "declare", err, map[string]string{"relation": in.Relation, "note": in.Note}, "supervision.declared")
}
