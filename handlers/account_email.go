package handlers

import (
	"net/http"

	"portal/models"
	"portal/policy"

	"github.com/gin-gonic/gin"
)

// accountEmailRoutes: one's own e-mail address, where report reminders
// are mailed (docs/report-schedule.md).
func (s *Server) accountEmailRoutes(r *gin.Engine, api *gin.RouterGroup) {
	api.PUT("/me/email", policy.Require(""), s.apiSetEmail)
	r.GET("/account", policy.Require(""), s.pageAccount)
	r.POST("/account", policy.Require(""), s.pageSetEmail)
}

func (s *Server) apiSetEmail(c *gin.Context) {
	var in models.EmailChange
	if err := bindJSON(c, &in); err != nil {
		fail(c, err)
		return
	}
	u, err := s.store.SetOwnEmail(c.Request.Context(), policy.ActorFrom(c), in)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, u)
}

func (s *Server) pageAccount(c *gin.Context) {
	a := policy.ActorFrom(c)
	u, err := s.store.User(c.Request.Context(), a, a.UserID)
	if err != nil {
		fail(c, err)
		return
	}
	s.html(c, http.StatusOK, "account", &page{Title: s.msgs.T(langOf(c), "account.title"), Form: map[string]string{"email": u.Email}})
}

func (s *Server) pageSetEmail(c *gin.Context) {
	var in models.EmailChange
	if err := bindForm(c, &in); err != nil {
		fail(c, err)
		return
	}
	if _, err := s.store.SetOwnEmail(c.Request.Context(), policy.ActorFrom(c), in); err != nil {
		s.formFailed(c, "account", "account.title", err, map[string]string{"email": in.Email}, nil)
		return
	}
	redirectDone(c, "/account", "account.email_saved")
}
