package handlers

import (
	"context"
	"errors"
	"net/http"
	"os"
	"slices"
	"strconv"

	"portal/models"
	"portal/policy"

	"github.com/gin-gonic/gin"
)

// organisationRoutes registers the organisation pages and API.
func (s *Server) organisationRoutes(r *gin.Engine, api *gin.RouterGroup) {
	manage := policy.Require("org:manage")
	api.POST("/registrations", policy.Require("org:register"), s.apiRegister)
	api.GET("/organisations", policy.Require("org:read"), s.apiOrganisations)
	st := s.store
	api.GET("/organisations/:id", policy.Require("org:read"), apiID(http.StatusOK, st.Organisation))
	api.PATCH("/organisations/:id", manage, apiIDBody(http.StatusOK, st.UpdateOrganisation))
	api.POST("/organisations/:id/staff", manage, apiIDBody(http.StatusCreated, st.AddRosterEntry))
	api.DELETE("/organisations/:id/staff/:entry", manage, s.apiRemoveRosterEntry)
	api.POST("/organisations/:id/members", manage, apiIDBody(http.StatusCreated, st.AddColleague))
	api.GET("/organisations/:id/documents", policy.Require(""), apiID(http.StatusOK, func(ctx context.Context, a *models.Actor, id int64) (models.List[models.OrgDocument], error) {
		docs, err := st.OrgDocuments(ctx, a, id)
		return items(docs), err
	}))
	api.POST("/organisations/:id/documents", s.allowUpload, manage, s.apiUploadOrgDocument)
	api.GET("/organisations/:id/documents/:doc", policy.Require(""), s.orgDownload)

	r.GET("/register", policy.Require("org:register"), s.pageRegister)
	r.POST("/register", policy.Require("org:register"), s.pageRegisterPost)
	r.GET("/organisations", policy.Require("org:read"), s.pageOrganisations)
	r.GET("/my/organisation", manage, s.pageMyOrganisation)
	r.GET("/organisations/:id", policy.Require("org:read"), s.pageOrganisation)
	r.POST("/organisations/:id/profile", manage, s.pageUpdateOrganisation)
	r.POST("/organisations/:id/staff", manage, s.pageAddRosterEntry)
	r.POST("/organisations/:id/staff/:entry/delete", manage, s.pageRemoveRosterEntry)
	r.POST("/organisations/:id/members", manage, s.pageAddColleague)
	r.POST("/organisations/:id/documents", s.allowUpload, manage, s.pageUploadOrgDocument)
	r.GET("/organisations/:id/documents/:doc", policy.Require(""), s.orgDownload)

	for _, ev := range models.OrgEvents {
		api.POST("/organisations/:id/"+ev, policy.Require("org:"+ev), s.apiOrgEvent(ev))
		r.POST("/organisations/:id/"+ev, policy.Require("org:"+ev), s.pageOrgEvent(ev))
	}
}

// registration is the JSON answer to a registration.
type registration struct {
	Organisation *models.OrganisationView `json:"organisation"`
	User         *models.User             `json:"user"`
}

func (s *Server) apiRegister(c *gin.Context) {
	var in models.Registration
	if err := bindJSON(c, &in); err != nil {
		fail(c, err)
		return
	}
	v, u, err := s.store.Register(c.Request.Context(), policy.ActorFrom(c), in)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, registration{Organisation: v, User: u})
}

func orgFilterOf(c *gin.Context) models.OrganisationFilter {
	return models.OrganisationFilter{Region: c.Query("region"), Status: c.Query("status"), Q: c.Query("q")}
}

func (s *Server) apiOrganisations(c *gin.Context) {
	list, err := s.store.Organisations(c.Request.Context(), policy.ActorFrom(c), orgFilterOf(c), pageOf(c))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, list)
}

func (s *Server) apiOrgEvent(event string) gin.HandlerFunc {
	return apiIDBody(http.StatusOK, func(ctx context.Context, a *models.Actor, id int64, in models.OrgStatusChange) (*models.OrganisationView, error) {
		return s.store.ChangeOrganisationStatus(ctx, a, id, event, in)
	})
}

func (s *Server) apiRemoveRosterEntry(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	entry, err := pathParam(c, "entry")
	if err != nil {
		fail(c, err)
		return
	}
	if err := s.store.RemoveRosterEntry(c.Request.Context(), policy.ActorFrom(c), id, entry); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// orgUpload reads the multipart form's "kind" and "file"; the model calls it
// only once the caller may upload.
func orgUpload(c *gin.Context) func() (models.OrgUpload, error) { return formUpload(c, "file") }

// formUpload reads the multipart form's file field (and "kind"); the model
// calls it only once the caller may upload.
func formUpload(c *gin.Context, field string) func() (models.OrgUpload, error) {
	return func() (models.OrgUpload, error) {
		fh, err := c.FormFile(field)
		if err != nil {
			var tooLarge *http.MaxBytesError
			switch {
			case errors.As(err, &tooLarge):
				return models.OrgUpload{}, models.Fail(models.ErrTooLarge, "err.413", "the upload is too large")
			case errors.Is(err, http.ErrMissingFile):
				return models.OrgUpload{}, models.Invalid(models.Field(field, "required", ""))
			case errors.Is(err, os.ErrDeadlineExceeded):
				return models.OrgUpload{}, models.Fail(models.ErrBadRequest, "err.400", "the upload did not arrive within the time allowed")
			}
			return models.OrgUpload{}, models.Fail(models.ErrBadRequest, "err.400", "a multipart/form-data body with a file is required")
		}
		if err := multipartText(c); err != nil {
			return models.OrgUpload{}, err
		}
		f, err := fh.Open()
		if err != nil {
			return models.OrgUpload{}, err
		}
		return models.OrgUpload{Kind: c.PostForm("kind"), Name: fh.Filename, Body: f}, nil
	}
}

func (s *Server) apiUploadOrgDocument(c *gin.Context) {
	apiID(http.StatusCreated, func(ctx context.Context, a *models.Actor, id int64) (*models.OrgDocument, error) {
		return s.store.UploadOrgDocument(ctx, a, id, orgUpload(c))
	})(c)
}

// orgDownload sends a document under its own type and a cleaned name, as
// an attachment the browser must not sniff or run.
func (s *Server) orgDownload(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	docID, err := pathParam(c, "doc")
	if err != nil {
		fail(c, err)
		return
	}
	d, f, err := s.store.OpenOrgDocument(c.Request.Context(), policy.ActorFrom(c), id, docID)
	if err != nil {
		fail(c, err)
		return
	}
	defer f.Close()
	serveDownload(c, d.Filename, d.ContentType, d.SHA256, d.CreatedAt, f)
}

// Pages.

// registrationForm is the registration page's form; its names are the
// JSON paths the model reports errors under.
type registrationForm struct {
	Name        string `form:"organisation.name"`
	CreditCode  string `form:"organisation.credit_code"`
	LegalRep    string `form:"organisation.legal_rep"`
	Region      string `form:"organisation.region"`
	FoundedOn   string `form:"organisation.founded_on"`
	Phone       string `form:"organisation.phone"`
	Address     string `form:"organisation.address"`
	Username    string `form:"user.username"`
	DisplayName string `form:"user.display_name"`
	Password    string `form:"user.password"`
}

type registerData struct {
	Regions regionPicker
}

// orgRegionChoices offers Guangxi's cities and counties for the region
// field.
func (s *Server) orgRegionChoices(c *gin.Context) (regionPicker, error) {
	lang := langOf(c)
	return s.regionPicker(c.Request.Context(), lang, s.msgs.T(lang, "region.pick"), false, anyRegion)
}

func (s *Server) pageRegister(c *gin.Context) {
	regions, err := s.orgRegionChoices(c)
	if err != nil {
		fail(c, err)
		return
	}
	s.html(c, http.StatusOK, "register", &page{Title: s.msgs.T(langOf(c), "org.register_title"), Form: map[string]string{}, Data: registerData{Regions: regions}})
}

func (s *Server) pageRegisterPost(c *gin.Context) {
	var f registrationForm
	if err := bindForm(c, &f); err != nil {
		fail(c, err)
		return
	}
	in := models.Registration{
		Organisation: models.NewOrganisation{Name: f.Name, CreditCode: f.CreditCode, LegalRep: f.LegalRep, Region: f.Region,
			FoundedOn: f.FoundedOn, Phone: f.Phone, Address: f.Address},
		User: models.NewUser{Username: f.Username, DisplayName: f.DisplayName, Password: f.Password},
	}
	ctx := c.Request.Context()
	v, u, err := s.store.Register(ctx, policy.ActorFrom(c), in)
	if err != nil {
		regions, rerr := s.orgRegionChoices(c)
		if rerr != nil {
			fail(c, rerr)
			return
		}
		s.formFailed(c, "register", "org.register_title", err, map[string]string{
			"organisation.name": f.Name, "organisation.credit_code": f.CreditCode, "organisation.legal_rep": f.LegalRep,
			"organisation.region": f.Region, "organisation.founded_on": f.FoundedOn, "organisation.phone": f.Phone,
			"organisation.address": f.Address, "user.username": f.Username, "user.display_name": f.DisplayName,
		}, registerData{Regions: regions})
		return
	}
	// A newcomer continues signed in as the new member, on its
	// organisation's page; someone already signed in stays who they are.
	if policy.ActorFrom(c).SignedIn() {
		c.Redirect(http.StatusSeeOther, "/?done=org.registered")
		return
	}
	token, _, err := s.store.SignIn(ctx, u.Username, f.Password, c.ClientIP())
	if err != nil {
		c.Redirect(http.StatusSeeOther, "/login?done=org.registered")
		return
	}
	s.setSessionCookie(c, token)
	c.Redirect(http.StatusSeeOther, "/organisations/"+strconv.FormatInt(v.Org.ID, 10)+"?done=org.registered")
}

type orgsData struct {
	List     models.List[models.OrganisationView]
	Filter   models.OrganisationFilter
	Statuses []string
	Staff    bool
	Regions  regionPicker
}

func (s *Server) pageOrganisations(c *gin.Context) {
	a := policy.ActorFrom(c)
	f := orgFilterOf(c)
	list, err := s.store.Organisations(c.Request.Context(), a, f, pageOf(c))
	if err != nil {
		fail(c, err)
		return
	}
	lang := langOf(c)
	pick, err := s.regionPicker(c.Request.Context(), lang, s.msgs.T(lang, "region.any"), false, anyRegion)
	if err != nil {
		fail(c, err)
		return
	}
	p := &page{Title: s.msgs.T(lang, "org.list_title"), Form: map[string]string{"region": f.Region},
		Data: orgsData{List: list, Filter: f, Statuses: models.OrgStatuses, Staff: a.CanAnywhere("org:review"), Regions: pick}}
	codes := make([]string, 0, len(list.Items))
	for _, v := range list.Items {
		codes = append(codes, v.Org.RegionCode)
	}
	if err := s.loadRegionNames(c.Request.Context(), p, codes...); err != nil {
		fail(c, err)
		return
	}
	s.html(c, http.StatusOK, "orgs", p)
}

func (s *Server) pageMyOrganisation(c *gin.Context) {
	a := policy.ActorFrom(c)
	if a.OrganisationID == nil {
		fail(c, models.Fail(models.ErrNotFound, "err.not_found", "you are not a member of an organisation"))
		return
	}
	c.Redirect(http.StatusSeeOther, "/organisations/"+strconv.FormatInt(*a.OrganisationID, 10))
}

// memberForms are the organisation page's forms shown to its members only.
var memberForms = []string{"profile", "staff", "member", "document"}

type orgData struct {
	View   *models.OrganisationView
	Levels []string
	Kinds  []string
	Failed string // the form whose errors the page shows: profile, staff, member, document or an event
}

// orgPage renders an organisation's page; after a failed form it shows what
// was typed and the errors (err) next to that form's fields.
func (s *Server) orgPage(c *gin.Context, status int, failed string, err error, typed map[string]string) {
	id, perr := pathID(c)
	if perr != nil {
		fail(c, perr)
		return
	}
	v, verr := s.store.Organisation(c.Request.Context(), policy.ActorFrom(c), id)
	if verr != nil {
		fail(c, verr)
		return
	}
	form := map[string]string{}
	if v.Member {
		o := v.Org
		form = map[string]string{"legal_rep": o.LegalRep, "founded_on": o.FoundedOn, "address": o.Address,
			"phone": o.Phone, "volunteers": strconv.Itoa(o.Volunteers)}
	}
	for k, val := range typed {
		form[k] = val
	}
	if slices.Contains(models.OrgEvents, failed) && !slices.Contains(v.Events, failed) {
		failed = "" // the event's form is gone (e.g. done twice): the error goes on top
	}
	if !v.Member && slices.Contains(memberForms, failed) {
		failed = "" // not shown to this caller: the error goes on top
	}
	p := &page{Title: v.Org.Name, Form: form, Errors: map[string]string{},
		Data: orgData{View: v, Levels: models.RosterLevels, Kinds: models.OrgDocumentKinds, Failed: failed}}
	if err != nil {
		p.Errors, p.Error = s.formErrors(langOf(c), err)
	}
	if err := s.loadRegionNames(c.Request.Context(), p, v.Org.RegionCode); err != nil {
		fail(c, err)
		return
	}
	s.html(c, status, "org", p)
}

func (s *Server) pageOrganisation(c *gin.Context) { s.orgPage(c, http.StatusOK, "", nil, nil) }

// orgFormDone redirects back to the organisation page after a form, or
// shows the page again with the form's errors.
func (s *Server) orgFormDone(c *gin.Context, form string, err error, typed map[string]string, done string) {
	if err != nil && refusedOnForm(err) {
		status, _ := classify(err)
		s.orgPage(c, status, form, err, typed)
		return
	}
	formDone(c, "/organisations/"+c.Param("id"), s.orgPage, form, err, typed, done)
}

type orgProfileForm struct {
	LegalRep   string `form:"legal_rep"`
	FoundedOn  string `form:"founded_on"`
	Address    string `form:"address"`
	Phone      string `form:"phone"`
	Volunteers string `form:"volunteers"`
}

func (s *Server) pageUpdateOrganisation(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	var f orgProfileForm
	if err := bindForm(c, &f); err != nil {
		fail(c, err)
		return
	}
	volunteers, convErr := strconv.Atoi(f.Volunteers)
	if convErr != nil {
		volunteers = -1 // not a whole number: the model reports the field
	}
	in := models.OrganisationProfile{LegalRep: &f.LegalRep, FoundedOn: &f.FoundedOn, Address: &f.Address, Phone: &f.Phone, Volunteers: &volunteers}
	_, err = s.store.UpdateOrganisation(c.Request.Context(), policy.ActorFrom(c), id, in)
	s.orgFormDone(c, "profile", err, map[string]string{"legal_rep": f.LegalRep, "founded_on": f.FoundedOn,
		"address": f.Address, "phone": f.Phone, "volunteers": f.Volunteers}, "org.updated")
}

func (s *Server) pageAddRosterEntry(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	var in models.NewRosterEntry
	if err := bindForm(c, &in); err != nil {
		fail(c, err)
		return
	}
	_, err = s.store.AddRosterEntry(c.Request.Context(), policy.ActorFrom(c), id, in)
	s.orgFormDone(c, "staff", err, map[string]string{"name": in.Name, "position": in.Position, "level": in.Level,
		"certificate_no": in.CertificateNo}, "org.staff_added")
}

func (s *Server) pageRemoveRosterEntry(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	entry, err := pathParam(c, "entry")
	if err != nil {
		fail(c, err)
		return
	}
	// Ask once the entry is known on the member's own page; anything else
	// goes straight to the model, which refuses it.
	v, err := s.store.Organisation(c.Request.Context(), policy.ActorFrom(c), id)
	if err != nil {
		fail(c, err)
		return
	}
	if v.Member && slices.ContainsFunc(v.Staff, func(r models.RosterEntry) bool { return r.ID == entry }) &&
		!s.askFirst(c, "confirm.org_staff_remove", "/organisations/"+strconv.FormatInt(id, 10)) {
		return
	}
	err = s.store.RemoveRosterEntry(c.Request.Context(), policy.ActorFrom(c), id, entry)
	s.orgFormDone(c, "staff", err, nil, "org.staff_removed")
}

func (s *Server) pageAddColleague(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	var in models.NewUser
	if err := bindForm(c, &in); err != nil {
		fail(c, err)
		return
	}
	_, err = s.store.AddColleague(c.Request.Context(), policy.ActorFrom(c), id, in)
	s.orgFormDone(c, "member", err, map[string]string{"username": in.Username, "display_name": in.DisplayName}, "org.member_added")
}

func (s *Server) pageUploadOrgDocument(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	_, err = s.store.UploadOrgDocument(c.Request.Context(), policy.ActorFrom(c), id, orgUpload(c))
	typed := map[string]string{"kind": c.PostForm("kind")}
	// The route's cap lies a little above a document's limit, so a file
	// just over it arrives whole in a read form and the model's own check
	// refuses it: that goes back on the form, next to the file field. A
	// body past the cap was never read as a form; the error page says so.
	if errors.Is(err, models.ErrTooLarge) && c.Request.MultipartForm != nil {
		s.orgPage(c, http.StatusRequestEntityTooLarge, "document", &models.Error{Kind: models.ErrTooLarge, Key: "err.413",
			Detail: "a document may be at most 10 MiB", Fields: []models.FieldError{models.Field("file", "file_too_large", "")}}, typed)
		return
	}
	s.orgFormDone(c, "document", err, typed, "org.document_uploaded")
}

func (s *Server) pageOrgEvent(event string) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, err := pathID(c)
		if err != nil {
			fail(c, err)
			return
		}
		var in models.OrgStatusChange
		if err := bindForm(c, &in); err != nil {
			fail(c, err)
			return
		}
		// Ask once the organisation is known to be within reach (404
		// otherwise, as for reading it), the step is offered to the caller
		// and what was typed passes the model's check (else the form comes
		// back with it); the answer carries the reason typed. A step not
		// offered goes straight to the model, which says why on the page.
		v, err := s.store.Organisation(c.Request.Context(), policy.ActorFrom(c), id)
		if err != nil {
			fail(c, err)
			return
		}
		typed := map[string]string{"reason": in.Reason, "until": in.Until}
		if slices.Contains(v.Events, event) {
			if err := s.store.CheckOrgStatusChange(event, in); err != nil {
				s.orgFormDone(c, event, err, typed, "")
				return
			}
			if !s.askFirst(c, "confirm.org_"+event, "/organisations/"+strconv.FormatInt(id, 10)) {
				return
			}
		}
		_, err = s.store.ChangeOrganisationStatus(c.Request.Context(), policy.ActorFrom(c), id, event, in)
		s.orgFormDone(c, event, err, typed, "org.done_"+event)
	}
}
