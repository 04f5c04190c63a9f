package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"portal/models"
	"portal/policy"

	"github.com/gin-gonic/gin"
)

func (s *Server) apiUsers(c *gin.Context) {
	list, err := s.store.Users(c.Request.Context(), policy.ActorFrom(c), models.UserFilter{Q: c.Query("q")}, pageOf(c))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, list)
}

func (s *Server) apiCreateUser(c *gin.Context) {
	var in models.NewUser
	if err := bindJSON(c, &in); err != nil {
		fail(c, err)
		return
	}
	u, err := s.store.CreateUser(c.Request.Context(), policy.ActorFrom(c), in)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, u)
}

// userWithRoles is a user as an admin sees it.
type userWithRoles struct {
	*models.User
	Roles []models.Grant `json:"roles"`
}

func (s *Server) loadUser(c *gin.Context) (userWithRoles, error) {
	id, err := pathID(c)
	if err != nil {
		return userWithRoles{}, err
	}
	u, err := s.store.User(c.Request.Context(), policy.ActorFrom(c), id)
	if err != nil {
		return userWithRoles{}, err
	}
	grants, err := s.authz.Grants(u.ID)
	return userWithRoles{User: u, Roles: grants}, err
}

func (s *Server) apiUser(c *gin.Context) {
	u, err := s.loadUser(c)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, u)
}

func (s *Server) apiGrantRole(c *gin.Context) {
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
	if err := s.store.GrantRole(c.Request.Context(), policy.ActorFrom(c), id, in); err != nil {
		fail(c, err)
		return
	}
	u, err := s.loadUser(c)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, u)
}

func (s *Server) apiDisableUser(disabled bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, err := pathID(c)
		if err != nil {
			fail(c, err)
			return
		}
		u, err := s.store.SetUserDisabled(c.Request.Context(), policy.ActorFrom(c), id, disabled)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, u)
	}
}

type usersData struct {
	List   models.List[models.User]
	Q      string
	Grants map[int64][]models.Grant // each listed user's roles
}

func (s *Server) pageUsers(c *gin.Context) {
	q := c.Query("q")
	list, err := s.store.Users(c.Request.Context(), policy.ActorFrom(c), models.UserFilter{Q: q}, pageOf(c))
	if err != nil {
		fail(c, err)
		return
	}
	d := usersData{List: list, Q: q, Grants: map[int64][]models.Grant{}}
	var codes []string
	for _, u := range list.Items {
		grants, err := s.authz.Grants(u.ID) // held in memory, no query
		if err != nil {
			fail(c, err)
			return
		}
		d.Grants[u.ID] = grants
		for _, g := range grants {
			codes = append(codes, g.Region)
		}
	}
	p := &page{Title: s.msgs.T(langOf(c), "users.title"), Data: d}
	if err := s.loadRegionNames(c.Request.Context(), p, codes...); err != nil {
		fail(c, err)
		return
	}
	s.html(c, http.StatusOK, "users", p)
}

func (s *Server) pageNewUser(c *gin.Context) {
	s.html(c, http.StatusOK, "user_new", &page{Title: s.msgs.T(langOf(c), "users.new"), Form: map[string]string{}})
}

func (s *Server) pageCreateUser(c *gin.Context) {
	var in models.NewUser
	if err := bindForm(c, &in); err != nil {
		fail(c, err)
		return
	}
	u, err := s.store.CreateUser(c.Request.Context(), policy.ActorFrom(c), in)
	if err != nil {
		s.formFailed(c, "user_new", "users.new", err, map[string]string{"username": in.Username, "display_name": in.DisplayName, "phone": in.Phone, "email": in.Email}, nil)
		return
	}
	c.Redirect(http.StatusSeeOther, "/admin/users/"+strconv.FormatInt(u.ID, 10)+"?done=users.created")
}

// formFailed re-renders a form with what the user typed and each error next
// to its field; errors that are not about the input go to the renderer.
func (s *Server) formFailed(c *gin.Context, view, titleKey string, err error, form map[string]string, data any) {
	if !refusedOnForm(err) {
		fail(c, err)
		return
	}
	status, _ := classify(err)
	fields, top := s.formErrors(langOf(c), err)
	s.html(c, status, view, &page{Title: s.msgs.T(langOf(c), titleKey), Form: form, Errors: fields, Error: top, Data: data})
}

// refusedOnForm reports whether err goes back on the form of these pages
// (organisations, users, accounts, catalogue): besides onForm's 422 and
// 409, a 403 of the model. Their routes already let the caller do the
// action somewhere, so the model's 403 is about the object or the value
// chosen (a region outside reach) and is said on the form, with what was
// typed, rather than on the error page.
func refusedOnForm(err error) bool {
	return onForm(err) || errors.Is(err, models.ErrForbidden)
}

type userData struct {
	User    userWithRoles
	Roles   []string
	Regions regionPicker // where the caller may grant
}

// userPage renders a user's page, after a failed grant with what was
// chosen and the errors.
func (s *Server) userPage(c *gin.Context, status int, u userWithRoles, form map[string]string, err error) {
	a, lang := policy.ActorFrom(c), langOf(c)
	pick, perr := s.regionPicker(c.Request.Context(), lang, s.msgs.T(lang, "region.pick"), true,
		func(code string) bool { return a.Can("user:grant", code) })
	if perr != nil {
		fail(c, perr)
		return
	}
	p := &page{Title: u.DisplayName, Form: form, Data: userData{User: u, Roles: models.GrantableRoles, Regions: pick}}
	if err != nil {
		p.Errors, p.Error = s.formErrors(lang, err)
	}
	codes := make([]string, 0, len(u.Roles)+1)
	for _, g := range u.Roles {
		codes = append(codes, g.Region)
	}
	// A region refused as outside the caller's reach is not among the
	// choices: it stays chosen, named, next to its error.
	refused := form["region"]
	if p.Errors["region"] == "" || refused == "" {
		refused = ""
	} else {
		codes = append(codes, refused)
	}
	if err := s.loadRegionNames(c.Request.Context(), p, codes...); err != nil {
		fail(c, err)
		return
	}
	if refused != "" && !pick.offers(refused) {
		p.Lang = lang
		pick.Top = append(pick.Top, pickOption{refused, s.viewRegion(p, refused)})
		p.Data = userData{User: u, Roles: models.GrantableRoles, Regions: pick}
	}
	s.html(c, status, "user", p)
}

// offers reports whether the picker has code among its choices.
func (p regionPicker) offers(code string) bool {
	for _, o := range p.Top {
		if o.Code == code {
			return true
		}
	}
	for _, g := range p.Groups {
		for _, o := range g.Options {
			if o.Code == code {
				return true
			}
		}
	}
	return false
}

func (s *Server) pageUser(c *gin.Context) {
	u, err := s.loadUser(c)
	if err != nil {
		fail(c, err)
		return
	}
	s.userPage(c, http.StatusOK, u, map[string]string{}, nil)
}

func (s *Server) pageGrantRole(c *gin.Context) {
	u, err := s.loadUser(c)
	if err != nil {
		fail(c, err)
		return
	}
	g := models.Grant{Role: c.PostForm("role"), Region: c.PostForm("region")}
	if err := s.store.GrantRole(c.Request.Context(), policy.ActorFrom(c), u.ID, g); err != nil {
		if !refusedOnForm(err) {
			fail(c, err)
			return
		}
		status, _ := classify(err)
		s.userPage(c, status, u, map[string]string{"role": g.Role, "region": g.Region}, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/admin/users/"+strconv.FormatInt(u.ID, 10)+"?done=users.granted")
}

func (s *Server) pageSetDisabled(disabled bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, err := pathID(c)
		if err != nil {
			fail(c, err)
			return
		}
		back := "/admin/users/" + strconv.FormatInt(id, 10)
		// Disabling ends the user's sessions: ask first, once the user is
		// known to be within reach (404 otherwise, as for reading it).
		if disabled {
			if _, err := s.store.User(c.Request.Context(), policy.ActorFrom(c), id); err != nil {
				fail(c, err)
				return
			}
			if !s.askFirst(c, "confirm.disable_user", back) {
				return
			}
		}
		if _, err := s.store.SetUserDisabled(c.Request.Context(), policy.ActorFrom(c), id, disabled); err != nil {
			fail(c, err)
			return
		}
		c.Redirect(http.StatusSeeOther, back+"?done=users.updated")
	}
}
