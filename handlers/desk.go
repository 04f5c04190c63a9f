package handlers

import (
	"net/http"
	"strconv"

	"portal/models"
	"portal/policy"

	"github.com/gin-gonic/gin"
)

// The desk (工作台): each signed-in person's to-do list, a section per role,
// as a page and as JSON (the same read model).

func (s *Server) deskRoutes(r *gin.Engine, api *gin.RouterGroup) {
	api.GET("/desk", policy.Require(""), s.apiDesk)
	r.GET("/desk", policy.Require(""), s.pageDesk)
}

func (s *Server) apiDesk(c *gin.Context) {
	d, err := s.store.Desk(c.Request.Context(), policy.ActorFrom(c))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, d)
}

type deskData struct {
	noticeView
	D *models.Desk
}

func (s *Server) pageDesk(c *gin.Context) {
	d, err := s.store.Desk(c.Request.Context(), policy.ActorFrom(c))
	if err != nil {
		fail(c, err)
		return
	}
	lang := langOf(c)
	s.html(c, http.StatusOK, "desk", &page{Title: s.msgs.T(lang, "desk.title"), Data: deskData{noticeView: noticeView{lang}, D: d}})
}

// deskAll links a task to the list of all its items, where there is one.
var deskAll = map[string]string{
	models.DeskPendingOrgs:  "/organisations?status=pending",
	models.DeskOpenTenders:  "/tenders?status=published",
	models.DeskBids:         "/my/bids",
	models.DeskUsersNoRole:  "/admin/users",
	models.DeskDeclarations: "/my/evaluations",
	models.DeskContracts:    "/contracts",
}

// N is an optional count, 0 when absent.
func (deskData) N(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// Days is an optional number of days, 0 when absent.
func (deskData) Days(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

// YuanP shows an optional amount in fen as yuan, 0 when absent.
func (d deskData) YuanP(p *int64) string { return d.Yuan(d.N(p)) }

// AllHref is the list of all of a task's items, or "".
func (deskData) AllHref(key string) string { return deskAll[key] }

// Href is the page where an item's work is done.
func (deskData) Href(key string, it models.DeskItem) string {
	tender := "/tenders/" + strconv.FormatInt(it.TenderID, 10)
	switch key {
	case models.DeskPendingOrgs:
		return "/organisations/" + strconv.FormatInt(it.OrganisationID, 10)
	case models.DeskEnquiries:
		return tender + "#enquiries"
	case models.DeskNeedPanel:
		return tender + "/evaluation#panel"
	case models.DeskReadyToAward:
		return tender + "/evaluation#credit-checks"
	case models.DeskChallenges:
		return tender + "/evaluation#challenges"
	case models.DeskToSign:
		return tender + "/evaluation#contract"
	case models.DeskFix:
		if it.TenderID == 0 {
			return "/my/organisation"
		}
		return tender + "/bid"
	case models.DeskBids:
		return tender + "/bid"
	case models.DeskDeclarations, models.DeskScoreSheets, models.DeskCompliance:
		return tender + "/review"
	case models.DeskPaymentsDue, models.DeskPaymentsToPay:
		return "/contracts/" + strconv.FormatInt(it.ContractID, 10) + "#payment-" + strconv.FormatInt(it.ID, 10)
	case models.DeskContracts:
		return "/contracts/" + strconv.FormatInt(it.ContractID, 10)
	case models.DeskReportsToFix:
		return "/reports/" + strconv.FormatInt(it.ID, 10) + "/edit"
	case models.DeskReportsToReview:
		return "/reports/" + strconv.FormatInt(it.ID, 10)
	case models.DeskOverdueReports, models.DeskReportsDue, models.DeskReportsOverdue: // report schedule
		return "/contracts/" + strconv.FormatInt(it.ContractID, 10) + "#schedule"
	// Supervision (supervision_desk.go): the contract's section.
	case models.DeskSupervised, models.DeskRectToVerify, models.DeskRectOverdue, models.DeskRectToAnswer:
		return "/contracts/" + strconv.FormatInt(it.ContractID, 10) + "#supervision"
	case models.DeskUsersNoRole, models.DeskRecentGrants:
		return "/admin/users/" + strconv.FormatInt(it.UserID, 10)
	}
	return tender
}
