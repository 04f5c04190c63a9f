package handlers

import (
	"net/http"
	"net/url"
	"path"
	"strings"
	"unicode/utf8"

	"portal/models"
	"portal/policy"

	"github.com/gin-gonic/gin"
)

type credentials struct {
	Username string `json:"username" form:"username"`
	Password string `json:"password" form:"password"`
}

// me is the signed-in user with its roles and organisation.
type me struct {
	User           *models.User   `json:"user"`
	Roles          []models.Grant `json:"roles"`
	OrganisationID *int64         `json:"organisation_id"`
}

func (s *Server) meOf(c *gin.Context, u *models.User) (me, error) {
	grants, err := s.authz.Grants(u.ID)
	if err != nil {
		return me{}, err
	}
	return me{User: u, Roles: grants, OrganisationID: u.OrganisationID}, nil
}

func (s *Server) apiSignIn(c *gin.Context) {
	var in credentials
	if err := bindJSON(c, &in); err != nil {
		fail(c, err)
		return
	}
	token, u, err := s.store.SignIn(c.Request.Context(), in.Username, in.Password, c.ClientIP())
	if err != nil {
		fail(c, err)
		return
	}
	s.setSessionCookie(c, token)
	out, err := s.meOf(c, u)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) apiSignOut(c *gin.Context) {
	token, _ := c.Cookie(sessionCookie)
	if err := s.store.SignOut(c.Request.Context(), token); err != nil {
		fail(c, err)
		return
	}
	s.clearSessionCookie(c)
	c.Status(http.StatusNoContent)
}

func (s *Server) apiMe(c *gin.Context) {
	a := policy.ActorFrom(c)
	u, err := s.store.User(c.Request.Context(), a, a.UserID)
	if err != nil {
		fail(c, err)
		return
	}
	out, err := s.meOf(c, u)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

// anonymousAct reports the routes of an act that stays unlinked from its
// actor (asking an enquiry): their request log line names neither the
// address nor the user, as their audit event does not.
func anonymousAct(c *gin.Context) bool {
	switch c.Request.Method + " " + c.FullPath() {
	case "POST /api/v1/tenders/:id/enquiries", "POST /tenders/:id/enquiries":
		return true
	}
	return false
}

// localPath returns next when it is a path on this site, else "/". It is the
// one check of every redirect target a client sends (?next= of /lang and
// /login, the login form's hidden next). Browsers read '\' as '/' and drop
// tabs and newlines, so "/\evil.example" or "/\t/evil.example" would lead
// to another host: only a plain path that starts with a single '/' passes.
func localPath(next string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") || len(next) > 2048 {
		return "/"
	}
	for _, r := range next {
		if r < 0x20 || r == 0x7f || r == '\\' || r == utf8.RuneError {
			return "/"
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		strings.HasPrefix(path.Clean(u.Path), "//") {
		return "/"
	}
	return next
}

func (s *Server) pageLogin(c *gin.Context) {
	if policy.ActorFrom(c).SignedIn() {
		c.Redirect(http.StatusSeeOther, localPath(c.Query("next")))
		return
	}
	s.html(c, http.StatusOK, "login", &page{Title: s.msgs.T(langOf(c), "login.title"),
		Form: map[string]string{"next": localPath(c.Query("next"))}})
}

func (s *Server) pageLoginPost(c *gin.Context) {
	var in credentials
	if err := bindForm(c, &in); err != nil {
		fail(c, err)
		return
	}
	next := localPath(c.PostForm("next"))
	token, _, err := s.store.SignIn(c.Request.Context(), in.Username, in.Password, c.ClientIP())
	if err != nil {
		status, _ := classify(err)
		if status == http.StatusInternalServerError {
			fail(c, err)
			return
		}
		fields, top := s.formErrors(langOf(c), err)
		s.html(c, status, "login", &page{Title: s.msgs.T(langOf(c), "login.title"), Error: top, Errors: fields,
			Form: map[string]string{"username": in.Username, "next": next}})
		return
	}
	s.setSessionCookie(c, token)
	c.Redirect(http.StatusSeeOther, next)
}

func (s *Server) pageLogout(c *gin.Context) {
	token, _ := c.Cookie(sessionCookie)
	if err := s.store.SignOut(c.Request.Context(), token); err != nil {
		fail(c, err)
		return
	}
	s.clearSessionCookie(c)
	c.Redirect(http.StatusSeeOther, "/")
}

func (s *Server) pageLang(c *gin.Context) {
	lang := c.Param("lang")
	if pickLanguage(lang) != lang {
		fail(c, models.Fail(models.ErrNotFound, "err.not_found", "no such language"))
		return
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: "lang", Value: lang, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode, Secure: secure(c)})
	c.Redirect(http.StatusSeeOther, localPath(c.Query("next")))
}

// capability is one line on the home page: what a role lets its holder do.
type capability struct {
	Action, Href string
}

var capabilities = []capability{
	{"user:create", "/admin/users"},
	{"audit:read", "/admin/audit"},
	{"workspace:procurement", ""},
	{"workspace:expert", ""},
	{"workspace:supervisor", ""},
	{"workspace:agency", ""},
	{"region:read", "/regions"},
	{"catalogue:read", "/catalogue"},
	{"org:review", "/organisations?status=pending"},
	{"org:manage", "/my/organisation"},
	{"workspace:tenders", "/tenders?mine=1"},
	{"workspace:bids", "/my/bids"},
	{"workspace:evaluations", "/my/evaluations"},
}

type homeData struct {
	Grants []models.Grant
	Can    []capability
	Latest *latestData // the newest public notices of each kind
	// Org is a member's own organisation, whose status the page states
	// when it is not verified (it cannot bid then).
	Org *models.OrganisationView
}

func (s *Server) pageHome(c *gin.Context) {
	a := policy.ActorFrom(c)
	d := homeData{Grants: a.Grants, Latest: s.latestNotices(c)}
	if a.OrganisationID != nil {
		v, err := s.store.Organisation(c.Request.Context(), a, *a.OrganisationID)
		if err != nil {
			fail(c, err)
			return
		}
		d.Org = v
	}
	if a.SignedIn() {
		for _, cp := range capabilities {
			if a.CanAnywhere(cp.Action) {
				d.Can = append(d.Can, cp)
			}
		}
	}
	p := &page{Title: s.msgs.T(langOf(c), "home.title"), Data: d}
	codes := make([]string, 0, len(a.Grants))
	for _, g := range a.Grants {
		codes = append(codes, g.Region)
	}
	if err := s.loadRegionNames(c.Request.Context(), p, codes...); err != nil {
		fail(c, err)
		return
	}
	s.html(c, http.StatusOK, "home", p)
}
