package handlers

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"portal/models"
	"portal/policy"

	"github.com/gin-gonic/gin"
)

type reasonBody struct {
	Reason string `json:"reason"`
}

// disqualifyBody may confirm that the step ends the tender.
type disqualifyBody struct {
	Reason     string `json:"reason"`
	ConfirmEnd bool   `json:"confirm_end"`
}

// failBody ends an evaluated tender unsuccessful: the staff's reason, and
// the confirmation.
type failBody struct {
	Reason     string `json:"reason"`
	ConfirmEnd bool   `json:"confirm_end"`
}

type answerBody struct {
	Answer string `json:"answer"`
}

type questionBody struct {
	Question string `json:"question"`
}

type panelBody struct {
	ExpertIDs []int64 `json:"expert_ids"`
}

type scoreBody struct {
	Points map[string]float64 `json:"points"`
}

type contractBody struct {
	PaymentPlan    []models.PlanLine `json:"payment_plan"`
	ReportInterval string            `json:"report_interval"` // optional: monthly (default) or quarterly
}

// tenderRoutes registers the tender API (and, through tenderPageRoutes,
// the pages). Each route is one model call; apiID and apiIDBody do the
// parsing and answering.
func (s *Server) tenderRoutes(r *gin.Engine, api *gin.RouterGroup) {
	st := s.store
	created, ok := http.StatusCreated, http.StatusOK
	api.GET("/tenders", s.apiTenders)
	api.POST("/tenders", policy.Require("tender:manage"), s.apiCreateTender)
	api.GET("/tenders/:id", apiID(ok, st.Tender))
	api.PATCH("/tenders/:id", policy.Require("tender:manage"), s.apiUpdateTender)
	api.POST("/tenders/:id/publish", policy.Require("tender:manage"), apiID(ok, st.PublishTender))
	api.POST("/tenders/:id/cancel", policy.Require("tender:manage"), apiIDBody(ok, func(ctx context.Context, a *models.Actor, id int64, in reasonBody) (*models.Tender, error) {
		return st.CancelTender(ctx, a, id, in.Reason)
	}))
	api.GET("/tenders/:id/amendments", apiID(ok, func(ctx context.Context, a *models.Actor, id int64) (models.List[models.Amendment], error) {
		list, err := st.Amendments(ctx, a, id)
		return items(list), err
	}))
	api.GET("/tenders/:id/failure", s.apiFailure)
	api.GET("/tenders/:id/enquiries", apiID(ok, func(ctx context.Context, a *models.Actor, id int64) (models.List[models.Enquiry], error) {
		list, err := st.Enquiries(ctx, a, id)
		return items(list), err
	}))
	api.POST("/tenders/:id/enquiries", policy.Require("bid:write"), apiIDBody(created, func(ctx context.Context, a *models.Actor, id int64, in questionBody) (*models.Enquiry, error) {
		return st.Ask(ctx, a, id, in.Question)
	}))
	api.POST("/enquiries/:id/answer", policy.Require("tender:manage"), apiIDBody(ok, func(ctx context.Context, a *models.Actor, id int64, in answerBody) (*models.Enquiry, error) {
		return st.AnswerEnquiry(ctx, a, id, in.Answer)
	}))

	api.GET("/tenders/:id/bid", policy.Require("bid:write"), apiID(ok, st.OwnBid))
	api.PUT("/tenders/:id/bid", policy.Require("bid:write"), apiIDBody(ok, st.SaveBid))
	api.POST("/tenders/:id/bid/submit", policy.Require("bid:write"), apiID(ok, st.SubmitBid))
	api.POST("/tenders/:id/bid/withdraw", policy.Require("bid:write"), apiID(ok, st.WithdrawBid))
	api.POST("/tenders/:id/bid/attachments", s.allowUpload, policy.Require("bid:write"), s.apiAttach)
	api.GET("/tenders/:id/bid/attachments", policy.Require("bid:write"), apiID(ok, func(ctx context.Context, a *models.Actor, id int64) (models.List[models.BidAttachment], error) {
		list, err := st.OwnBidAttachments(ctx, a, id)
		return items(list), err
	}))
	api.DELETE("/tenders/:id/bid/attachments/:aid", policy.Require("bid:write"), s.apiDetach)
	api.GET("/bids/:id/attachments", policy.Require(""), apiID(ok, func(ctx context.Context, a *models.Actor, id int64) (models.List[models.BidAttachment], error) {
		list, err := st.BidAttachments(ctx, a, id)
		return items(list), err
	}))
	api.GET("/bid-attachments/:id", policy.Require(""), s.apiDownloadAttachment)
	api.GET("/tenders/:id/bids", policy.Require(""), apiID(ok, func(ctx context.Context, a *models.Actor, id int64) (models.List[models.Bid], error) {
		list, err := st.OpenedBids(ctx, a, id)
		return items(list), err
	}))
	api.GET("/tenders/:id/bidders", policy.Require(""), apiID(ok, func(ctx context.Context, a *models.Actor, id int64) (models.List[models.Bidder], error) {
		list, err := st.Bidders(ctx, a, id)
		return items(list), err
	}))
	api.POST("/bids/:id/disqualify", policy.Require("tender:manage"), apiIDBody(ok, func(ctx context.Context, a *models.Actor, id int64, in disqualifyBody) (*models.Bid, error) {
		return st.DisqualifyBid(ctx, a, id, in.Reason, in.ConfirmEnd)
	}))

	api.PUT("/tenders/:id/panel", policy.Require("tender:manage"), apiIDBody(ok, func(ctx context.Context, a *models.Actor, id int64, in panelBody) (models.List[models.PanelMember], error) {
		panel, err := st.AppointPanel(ctx, a, id, in.ExpertIDs)
		return items(panel), err
	}))
	api.POST("/tenders/:id/declaration", policy.Require("bid:score"), apiIDBody(created, st.Declare))
	api.PUT("/bids/:id/score", policy.Require("bid:score"), apiIDBody(ok, func(ctx context.Context, a *models.Actor, id int64, in scoreBody) (models.List[models.Score], error) {
		scores, err := st.ScoreBid(ctx, a, id, in.Points)
		return items(scores), err
	}))
	api.GET("/tenders/:id/scores", policy.Require(""), apiID(ok, st.Scores))
	api.PUT("/bids/:id/compliance", policy.Require("bid:score"), apiIDBody(ok, st.ReviewCompliance))
	api.GET("/tenders/:id/compliance", policy.Require(""), apiID(ok, st.ComplianceReviews))
	api.POST("/tenders/:id/credit-checks", s.allowUpload, policy.Require("tender:manage"), s.apiCreditCheck)
	api.GET("/credit-checks/:id/evidence", policy.Require("tender:manage"), s.creditEvidence)
	api.POST("/tenders/:id/award", policy.Require("tender:manage"), apiID(ok, func(ctx context.Context, a *models.Actor, id int64) (*models.Result, error) {
		if _, err := st.Award(ctx, a, id); err != nil {
			return nil, err
		}
		return st.TenderResult(ctx, a, id)
	}))
	api.POST("/tenders/:id/fail", policy.Require("tender:manage"), apiIDBody(ok, func(ctx context.Context, a *models.Actor, id int64, in failBody) (*models.Tender, error) {
		return st.FailTender(ctx, a, id, in.Reason, in.ConfirmEnd)
	}))
	api.GET("/tenders/:id/result", apiID(ok, st.TenderResult))

	api.GET("/tenders/:id/challenges", policy.Require(""), apiID(ok, func(ctx context.Context, a *models.Actor, id int64) (models.List[models.Challenge], error) {
		list, err := st.Challenges(ctx, a, id)
		return items(list), err
	}))
	api.POST("/tenders/:id/challenges", policy.Require("bid:write"), apiIDBody(created, func(ctx context.Context, a *models.Actor, id int64, in reasonBody) (*models.Challenge, error) {
		return st.FileChallenge(ctx, a, id, in.Reason)
	}))
	api.POST("/challenges/:id/answer", policy.Require("tender:manage"), apiIDBody(ok, func(ctx context.Context, a *models.Actor, id int64, in answerBody) (*models.Challenge, error) {
		return st.AnswerChallenge(ctx, a, id, in.Answer)
	}))
	api.POST("/tenders/:id/contract", policy.Require("tender:manage"), apiIDBody(created, func(ctx context.Context, a *models.Actor, id int64, in contractBody) (*models.Contract, error) {
		return st.SignContract(ctx, a, id, in.PaymentPlan, in.ReportInterval)
	}))
	api.GET("/contracts", policy.Require(""), s.apiContracts)
	api.GET("/contracts/:id", policy.Require(""), apiID(ok, st.Contract))
	s.tenderPageRoutes(r)
}

func tenderFilter(c *gin.Context) models.TenderFilter {
	return models.TenderFilter{Region: c.Query("region"), Status: c.Query("status"), Q: c.Query("q"), Mine: c.Query("mine") == "1"}
}

func (s *Server) apiTenders(c *gin.Context) {
	list, err := s.store.Tenders(c.Request.Context(), policy.ActorFrom(c), tenderFilter(c), pageOf(c))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, list)
}

func (s *Server) apiCreateTender(c *gin.Context) {
	var in models.TenderInput
	if err := bindJSON(c, &in); err != nil {
		fail(c, err)
		return
	}
	t, err := s.store.CreateTender(c.Request.Context(), policy.ActorFrom(c), in)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, t)
}

// apiUpdateTender applies the body over the tender as it is: absent fields
// keep their values, present ones replace them (lists whole).
func (s *Server) apiUpdateTender(c *gin.Context) {
	apiID(http.StatusOK, func(ctx context.Context, a *models.Actor, id int64) (*models.Tender, error) {
		// The body is read here, not in the model's transaction: apply
		// only decodes bytes already read.
		body, err := readJSON(c)
		if err != nil {
			return nil, err
		}
		return s.store.UpdateTender(ctx, a, id, func(in *models.TenderInput) error { return decodeJSON(body, in) })
	})(c)
}

func (s *Server) apiAttach(c *gin.Context) {
	apiID(http.StatusCreated, func(ctx context.Context, a *models.Actor, id int64) (*models.BidAttachment, error) {
		return s.store.AddBidAttachment(ctx, a, id, orgUpload(c))
	})(c)
}

func (s *Server) apiDetach(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	aid, err := pathParam(c, "aid")
	if err != nil {
		fail(c, err)
		return
	}
	if err := s.store.RemoveBidAttachment(c.Request.Context(), policy.ActorFrom(c), id, aid); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) apiDownloadAttachment(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	at, content, err := s.store.OpenBidAttachment(c.Request.Context(), policy.ActorFrom(c), id)
	if err != nil {
		fail(c, err)
		return
	}
	serveDownload(c, at.Filename, at.ContentType, "", at.CreatedAt, content)
}

func (s *Server) apiContracts(c *gin.Context) {
	list, err := s.store.Contracts(c.Request.Context(), policy.ActorFrom(c), contractFilterOf(c), pageOf(c))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, list)
}

// apiCreditCheck records a credit check from JSON, or from a multipart
// form whose evidence_file is the evidence (the same fields as the JSON).
func (s *Server) apiCreditCheck(c *gin.Context) {
	if c.ContentType() != "multipart/form-data" {
		apiIDBody(http.StatusCreated, s.store.RecordCreditCheck)(c)
		return
	}
	apiID(http.StatusCreated, func(ctx context.Context, a *models.Actor, id int64) (*models.CreditCheck, error) {
		in, err := creditCheckForm(c)
		if err != nil {
			return nil, err
		}
		return s.store.RecordCreditCheck(ctx, a, id, in)
	})(c)
}

// creditCheckForm reads a credit check from the API's multipart form
// (checked_at in RFC 3339); a chosen evidence_file becomes the evidence.
func creditCheckForm(c *gin.Context) (models.CreditCheckInput, error) {
	org, _ := strconv.ParseInt(c.PostForm("organisation_id"), 10, 64)
	in := models.CreditCheckInput{OrganisationID: org, Result: c.PostForm("result"), Note: c.PostForm("note"), Evidence: c.PostForm("evidence"),
		ConfirmEnd: c.PostForm("confirm_end") == "true"}
	if v := c.PostForm("checked_at"); v != "" {
		at, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return in, models.Invalid(models.Field("checked_at", "date", ""))
		}
		in.CheckedAt = at
	}
	in.EvidenceFile = evidenceFile(c)
	return in, nil
}

// evidenceFile reads the form's evidence_file when one was chosen. When a
// text value of the multipart form cannot be stored, it answers that
// instead, before the model's transaction.
func evidenceFile(c *gin.Context) func() (models.OrgUpload, error) {
	if _, err := c.FormFile("evidence_file"); err != nil {
		if err := multipartText(c); err != nil {
			return func() (models.OrgUpload, error) { return models.OrgUpload{}, err }
		}
		return nil
	}
	if err := multipartText(c); err != nil {
		return func() (models.OrgUpload, error) { return models.OrgUpload{}, err }
	}
	return formUpload(c, "evidence_file")
}

func (s *Server) creditEvidence(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	cc, f, err := s.store.OpenCreditEvidence(c.Request.Context(), policy.ActorFrom(c), id)
	if err != nil {
		fail(c, err)
		return
	}
	defer f.Close()
	serveDownload(c, cc.EvidenceName, cc.EvidenceType, cc.EvidenceSHA256, cc.RecordedAt, f)
}

// apiFailure answers a tender's failure notice with its reason in words,
// in the caller's language.
func (s *Server) apiFailure(c *gin.Context) {
	apiID(http.StatusOK, func(ctx context.Context, a *models.Actor, id int64) (*models.FailureNotice, error) {
		n, err := s.store.TenderFailure(ctx, a, id)
		if err != nil {
			return nil, err
		}
		n.Message = s.failureMessage(langOf(c), n)
		return n, nil
	})(c)
}

// failureArgs are each failure reason's parameters in the order its
// message takes them.
var failureArgs = map[string][]string{
	models.FailTooFewBids:   {"submitted", "required"},
	models.FailTooFewValid:  {"valid", "required"},
	models.FailNoAcceptable: {"reason"},
	models.FailCancelled:    {"reason"},
}

// failureMessage renders a failure reason in lang.
func (s *Server) failureMessage(lang string, n *models.FailureNotice) string {
	names, ok := failureArgs[n.Reason]
	if !ok {
		return s.msgs.T(lang, "failure.unknown")
	}
	args := make([]any, len(names))
	for i, k := range names {
		args[i] = n.Params[k]
	}
	return s.msgs.T(lang, "failure."+n.Reason, args...)
}
