package handlers

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"portal/models"
	"portal/policy"

	"github.com/gin-gonic/gin"
)

// Payments of a contract (tranches and start-up funds) and the end of a
// contract: the API and the forms of the contract page's payments section.

type startupFundBody struct {
	AmountFen int64  `json:"amount_fen"`
	Purpose   string `json:"purpose" validate:"max=500"`
}

func (s *Server) paymentRoutes(r *gin.Engine, api *gin.RouterGroup) {
	st := s.store
	ok, created := http.StatusOK, http.StatusCreated
	manage := policy.Require("payment:manage")
	api.GET("/contracts/:id/payments", policy.Require(""), apiID(ok, func(ctx context.Context, a *models.Actor, id int64) (models.List[models.Tranche], error) {
		list, err := st.ContractPayments(ctx, a, id)
		return items(list), err
	}))
	api.POST("/payments/:id/approve", manage, apiID(ok, st.ApprovePayment))
	api.POST("/payments/:id/pay", manage, apiIDBody(ok, st.PayPayment))
	api.POST("/contracts/:id/startup-funds", manage, apiIDBody(created, func(ctx context.Context, a *models.Actor, id int64, in startupFundBody) (*models.Tranche, error) {
		return st.GrantStartupFund(ctx, a, id, models.StartupFundInput{AmountFen: in.AmountFen, Purpose: in.Purpose})
	}))
	api.POST("/contracts/:id/terminate", policy.Require("contract:terminate"), apiIDBody(ok, func(ctx context.Context, a *models.Actor, id int64, in reasonBody) (*models.Contract, error) {
		return st.TerminateContract(ctx, a, id, in.Reason)
	}))

	r.POST("/contracts/:id/payments/:sub/approve", manage, s.pageApprovePayment)
	r.POST("/contracts/:id/payments/:sub/pay", manage, s.pagePayPayment)
	r.POST("/contracts/:id/startup-funds", manage, s.pageStartupFund)
	r.POST("/contracts/:id/terminate", policy.Require("contract:terminate"), s.pageTerminateContract)
}

// mayAct checks, before a form asks to confirm, that the caller may do
// action on the path's contract (and payment, when not 0); otherwise it
// answers the error and reports false.
func (s *Server) mayAct(c *gin.Context, payment int64, action string) bool {
	id, err := pathID(c)
	if err == nil {
		err = s.store.ContractAction(c.Request.Context(), policy.ActorFrom(c), id, payment, action)
	}
	if err != nil {
		fail(c, err)
		return false
	}
	return true
}

// contractBack is the contract page's payments section, where a question
// about a payment goes back to.
func contractBack(c *gin.Context) string { return "/contracts/" + c.Param("id") + "#payments" }

func (s *Server) pageApprovePayment(c *gin.Context) {
	sub, err := subID(c)
	if err != nil {
		fail(c, err)
		return
	}
	if !s.mayAct(c, sub, "payment:manage") || !s.askFirst(c, "confirm.payment_approve", contractBack(c)) {
		return
	}
	_, err = s.store.ApprovePayment(c.Request.Context(), policy.ActorFrom(c), sub)
	s.contractFormDone(c, "payments", "approve-"+c.Param("sub"), err, nil, "payment.approved")
}

func (s *Server) pagePayPayment(c *gin.Context) {
	sub, err := subID(c)
	if err != nil {
		fail(c, err)
		return
	}
	in := models.PayInput{PaidOn: c.PostForm("paid_on"), VoucherNo: c.PostForm("voucher_no")}
	typed := map[string]string{"paid_on": in.PaidOn, "voucher_no": in.VoucherNo}
	form := "pay-" + c.Param("sub")
	if err := s.store.CheckPayInput(&in); err != nil {
		s.contractFormDone(c, "payments", form, err, typed, "")
		return
	}
	if !s.mayAct(c, sub, "payment:manage") || !s.askFirst(c, "confirm.payment_pay", contractBack(c)) {
		return
	}
	_, err = s.store.PayPayment(c.Request.Context(), policy.ActorFrom(c), sub, in)
	s.contractFormDone(c, "payments", form, err, typed, "payment.paid")
}

func (s *Server) pageStartupFund(c *gin.Context) {
	amount, purpose := c.PostForm("amount"), c.PostForm("purpose")
	typed := map[string]string{"amount": amount, "purpose": purpose}
	fen, code := parseMoney(amount)
	if code != "" {
		fen = -1 // refused by the model; the parser's reason replaces its
	}
	in := models.StartupFundInput{AmountFen: fen, Purpose: purpose}
	err := s.store.CheckStartupFund(&in)
	if err == nil {
		if !s.mayAct(c, 0, "payment:manage") || !s.askFirst(c, "confirm.startup_fund", contractBack(c)) {
			return
		}
		id, _ := pathID(c) // mayAct read it
		_, err = s.store.GrantStartupFund(c.Request.Context(), policy.ActorFrom(c), id, in)
	}
	err = renameFields(err, func(f string) string {
		if f == "amount_fen" {
			return "amount"
		}
		return f
	})
	if code != "" {
		err = moneyErrors(err, map[string]string{"amount": code})
	}
	s.contractFormDone(c, "payments", "startup", err, typed, "payment.granted")
}

func (s *Server) pageTerminateContract(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	reason := c.PostForm("reason")
	typed := map[string]string{"reason": reason}
	if strings.TrimSpace(reason) == "" {
		s.contractFormDone(c, "", "terminate", models.Invalid(models.Field("reason", "required", "")), typed, "")
		return
	}
	if _, fe := models.CheckTextValue("reason", reason); fe != nil {
		s.contractFormDone(c, "", "terminate", models.Invalid(*fe), typed, "")
		return
	}
	if !s.mayAct(c, 0, "contract:terminate") || !s.askFirst(c, "confirm.contract_terminate", "/contracts/"+strconv.FormatInt(id, 10)) {
		return
	}
	_, err = s.store.TerminateContract(c.Request.Context(), policy.ActorFrom(c), id, reason)
	s.contractFormDone(c, "", "terminate", err, typed, "contract.terminated")
}
