package handlers

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"portal/models"
	"portal/policy"

	"github.com/gin-gonic/gin"
)

// accountRoutes: one's own password, an admin's password reset and grant
// revocation.
func (s *Server) accountRoutes(r *gin.Engine, api *gin.RouterGroup) {
	api.POST("/me/password", policy.Require(""), s.apiChangePassword)
	api.POST("/users/:id/password", policy.Require("user:reset"), s.apiResetPassword)
	api.DELETE("/users/:id/roles", policy.Require("user:revoke"), s.apiRevokeRole)

	r.GET("/account/password", policy.Require(""), s.pagePassword)
	r.POST("/account/password", policy.Require(""), s.pageChangePassword)
	r.GET("/admin/users/:id/password", policy.Require("user:reset"), s.pageResetPassword)
	r.POST("/admin/users/:id/password", policy.Require("user:reset"), s.pageResetPasswordPost)
	r.GET("/admin/users/:id/revoke", policy.Require("user:revoke"), s.pageRevokeRole)
	r.POST("/admin/users/:id/revoke", policy.Require("user:revoke"), s.pageRevokeRolePost)
}

// passwordGateOpen lists what a user who must change its password may
// still reach: the change itself, who it is, signing out, the language and
// the static files.
var passwordGateOpen = map[string]bool{
	"POST /api/v1/me/password": true,
	"GET /api/v1/me":           true,
	"DELETE /api/v1/session":   true,
	"GET /account/password":    true,
	"POST /account/password":   true,
	"POST /logout":             true,
	"GET /lang/:lang":          true,
	"GET /healthz":             true,
	"GET /readyz":              true,
}

// passwordGate holds a user whose password an admin reset to the change
// page (pages) or a 403 that says why (API) until it has chosen its own.
func (s *Server) passwordGate(c *gin.Context) {
	a := policy.ActorFrom(c)
	if !a.SignedIn() || !a.MustChangePassword || passwordGateOpen[c.Request.Method+" "+c.FullPath()] ||
		strings.HasPrefix(c.Request.URL.Path, "/static/") {
		c.Next()
		return
	}
	if isAPI(c) {
		fail(c, models.Fail(models.ErrForbidden, "err.must_change_password",
			"an administrator reset your password: set a new one with POST /api/v1/me/password first"))
		return
	}
	c.Redirect(http.StatusSeeOther, "/account/password")
	c.Abort()
}

func (s *Server) apiChangePassword(c *gin.Context) {
	var in models.PasswordChange
	if err := bindJSON(c, &in); err != nil {
		fail(c, err)
		return
	}
	token, err := s.store.ChangePassword(c.Request.Context(), policy.ActorFrom(c), in)
	if err != nil {
		fail(c, err)
		return
	}
	s.setSessionCookie(c, token)
	c.Status(http.StatusNoContent)
}

func (s *Server) pagePassword(c *gin.Context) {
	s.html(c, http.StatusOK, "account_password", &page{Title: s.msgs.T(langOf(c), "account.password_title"), Form: map[string]string{}})
}

func (s *Server) pageChangePassword(c *gin.Context) {
	var in models.PasswordChange
	if err := bindForm(c, &in); err != nil {
		fail(c, err)
		return
	}
	var err error
	var token string
	if c.PostForm("new_password_confirm") != in.NewPassword {
		err = models.Invalid(models.Field("new_password_confirm", "password_mismatch", ""))
	} else {
		token, err = s.store.ChangePassword(c.Request.Context(), policy.ActorFrom(c), in)
	}
	if err != nil {
		// Every refusal, the throttle's too, comes back on the form; the
		// passwords typed are not shown again.
		status, _ := classify(err)
		if status == http.StatusInternalServerError {
			fail(c, err)
			return
		}
		fields, top := s.formErrors(langOf(c), err)
		s.html(c, status, "account_password", &page{Title: s.msgs.T(langOf(c), "account.password_title"),
			Form: map[string]string{}, Errors: fields, Error: top})
		return
	}
	s.setSessionCookie(c, token)
	redirectDone(c, "/", "account.password_changed")
}

func (s *Server) apiResetPassword(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	var in models.PasswordReset
	if err := bindJSON(c, &in); err != nil {
		fail(c, err)
		return
	}
	if _, err := s.store.ResetPassword(c.Request.Context(), policy.ActorFrom(c), id, in); err != nil {
		fail(c, err)
		return
	}
	u, err := s.loadUser(c)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, u)
}

func (s *Server) pageResetPassword(c *gin.Context) {
	u, err := s.loadUser(c)
	if err != nil {
		fail(c, err)
		return
	}
	s.html(c, http.StatusOK, "user_password", &page{Title: s.msgs.T(langOf(c), "account.reset_title", u.DisplayName),
		Form: map[string]string{}, Data: userData{User: u}})
}

func (s *Server) pageResetPasswordPost(c *gin.Context) {
	u, err := s.loadUser(c)
	if err != nil {
		fail(c, err)
		return
	}
	var in models.PasswordReset
	if err := bindForm(c, &in); err != nil {
		fail(c, err)
		return
	}
	if _, err := s.store.ResetPassword(c.Request.Context(), policy.ActorFrom(c), u.ID, in); err != nil {
		s.formFailedTitle(c, "user_password", s.msgs.T(langOf(c), "account.reset_title", u.DisplayName), err,
			map[string]string{}, userData{User: u})
		return
	}
	redirectDone(c, "/admin/users/"+strconv.FormatInt(u.ID, 10), "account.password_reset")
}

func (s *Server) apiRevokeRole(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	var in models.Grant
	if err := bindJSON(c, &in); err != nil {
		fail(c, err)
		return
	}
	if err := s.store.RevokeRole(c.Request.Context(), policy.ActorFrom(c), id, in); err != nil {
		fail(c, err)
		return
	}
	// No body: without the grant the user may have left the admin's reach.
	c.Status(http.StatusNoContent)
}

// pageRevokeRole is the confirmation step of a revocation: the grant named
// in the query, in words, with the button that revokes it.
func (s *Server) pageRevokeRole(c *gin.Context) {
	u, err := s.loadUser(c)
	if err != nil {
		fail(c, err)
		return
	}
	g := models.Grant{Role: c.Query("role"), Region: c.Query("region")}
	if !slices.Contains(u.Roles, g) {
		fail(c, models.GrantNotFound())
		return
	}
	p := &page{Title: s.msgs.T(langOf(c), "account.revoke_title", u.DisplayName),
		Form: map[string]string{"role": g.Role, "region": g.Region}, Data: userData{User: u}}
	if err := s.loadRegionNames(c.Request.Context(), p, g.Region); err != nil {
		fail(c, err)
		return
	}
	s.html(c, http.StatusOK, "user_revoke", p)
}

func (s *Server) pageRevokeRolePost(c *gin.Context) {
	u, err := s.loadUser(c)
	if err != nil {
		fail(c, err)
		return
	}
	g := models.Grant{Role: c.PostForm("role"), Region: c.PostForm("region")}
	if err := s.store.RevokeRole(c.Request.Context(), policy.ActorFrom(c), u.ID, g); err != nil {
		s.formFailedTitle(c, "user_revoke", s.msgs.T(langOf(c), "account.revoke_title", u.DisplayName), err,
			map[string]string{"role": g.Role, "region": g.Region}, userData{User: u})
		return
	}
	// Without the grant the user may have left the admin's reach: then
	// back to the list.
	next := "/admin/users/" + strconv.FormatInt(u.ID, 10)
	if _, err := s.store.User(c.Request.Context(), policy.ActorFrom(c), u.ID); err != nil {
		next = "/admin/users"
	}
	redirectDone(c, next, "account.revoked")
}

// formFailedTitle is formFailed with a title already translated (one that
// names the user).
func (s *Server) formFailedTitle(c *gin.Context, view, title string, err error, form map[string]string, data any) {
	if !refusedOnForm(err) {
		fail(c, err)
		return
	}
	status, _ := classify(err)
	fields, top := s.formErrors(langOf(c), err)
	s.html(c, status, view, &page{Title: title, Form: form, Errors: fields, Error: top, Data: data})
}
