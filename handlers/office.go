package handlers

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"portal/models"
	"portal/policy"

	"github.com/gin-gonic/gin"
)

// Office space: incubation bases, their rooms and allocations, from the
// API and the pages (/bases).

func (s *Server) officeRoutes(r *gin.Engine, api *gin.RouterGroup) {
	st := s.store
	created, ok := http.StatusCreated, http.StatusOK
	office := policy.Require("office:manage")
	api.GET("/bases", office, s.apiBases)
	api.POST("/bases", office, s.apiCreateBase)
	api.GET("/bases/:id", office, apiID(ok, st.Base))
	api.POST("/bases/:id/rooms", office, apiIDBody(created, st.CreateRoom))
	api.POST("/rooms/:id/allocations", office, apiIDBody(created, st.CreateAllocation))
	api.DELETE("/allocations/:id", office, apiID(ok, st.EndAllocation))

	api.GET("/contracts/:id/sessions", policy.Require(""), apiID(ok, func(ctx context.Context, a *models.Actor, id int64) (models.List[models.SupportSession], error) {
		list, err := st.Sessions(ctx, a, id)
		return items(list), err
	}))
	// Staff and assigned supervisors record sessions: the model decides.
	api.POST("/contracts/:id/sessions", policy.Require(""), apiIDBody(created, st.RecordSession))

	r.GET("/bases", office, s.pageBases)
	r.POST("/bases", office, s.pageCreateBase)
	r.GET("/bases/:id", office, s.pageBase)
	r.POST("/bases/:id/rooms", office, s.pageCreateRoom)
	r.POST("/bases/:id/allocations", office, s.pageCreateAllocation)
	r.POST("/allocations/:id/end", office, s.pageEndAllocation)
	r.POST("/contracts/:id/sessions", policy.Require(""), s.pageRecordSession)
}

func (s *Server) apiBases(c *gin.Context) {
	list, err := s.store.Bases(c.Request.Context(), policy.ActorFrom(c), models.BaseFilter{Region: c.Query("region")}, pageOf(c))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, list)
}

func (s *Server) apiCreateBase(c *gin.Context) {
	var in models.BaseInput
	if err := bindJSON(c, &in); err != nil {
		fail(c, err)
		return
	}
	b, err := s.store.CreateBase(c.Request.Context(), policy.ActorFrom(c), in)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, b)
}

// The list of bases and the form for a new one.

type basesData struct {
	List    models.List[models.OfficeBase]
	Region  string
	Filter  regionPicker // any region
	Create  regionPicker // the regions the caller's grant reaches
	Created bool         // the new-base form failed: show it open
}

func (s *Server) basesPage(c *gin.Context, status int, err error, typed map[string]string) {
	ctx, a, lang := c.Request.Context(), policy.ActorFrom(c), langOf(c)
	region := c.Query("region")
	list, lerr := s.store.Bases(ctx, a, models.BaseFilter{Region: region}, pageOf(c))
	if lerr != nil {
		fail(c, lerr)
		return
	}
	filter, perr := s.regionPicker(ctx, lang, s.msgs.T(lang, "region.any"), false, anyRegion)
	if perr != nil {
		fail(c, perr)
		return
	}
	create, perr := s.regionPicker(ctx, lang, s.msgs.T(lang, "office.region_choose"), true, func(code string) bool {
		return code != models.RootRegion && a.Can("office:manage", code) // a base lies in a real region
	})
	if perr != nil {
		fail(c, perr)
		return
	}
	form := map[string]string{"region": region}
	for k, v := range typed {
		form["new_"+k] = v
	}
	p := &page{Title: s.msgs.T(lang, "office.bases_title"), Form: form, Errors: map[string]string{},
		Data: &basesData{List: list, Region: region, Filter: filter, Create: create, Created: err != nil}}
	if err != nil {
		fields, top := s.formErrors(lang, err)
		p.Error = top
		for k, v := range fields {
			p.Errors["new_"+k] = v
		}
	}
	codes := make([]string, 0, len(list.Items))
	for _, b := range list.Items {
		codes = append(codes, b.RegionCode)
	}
	if err := s.loadRegionNames(ctx, p, codes...); err != nil {
		fail(c, err)
		return
	}
	s.html(c, status, "bases", p)
}

func (s *Server) pageBases(c *gin.Context) { s.basesPage(c, http.StatusOK, nil, nil) }

// baseForm is the new-base form; its inputs are prefixed "new_" so they do
// not meet the filter's region select.
type baseForm struct {
	Name    string `form:"new_name" validate:"max=200"`
	Region  string `form:"new_region"`
	Address string `form:"new_address" validate:"max=500"`
}

func (s *Server) pageCreateBase(c *gin.Context) {
	var f baseForm
	if err := bindForm(c, &f); err != nil {
		fail(c, err)
		return
	}
	b, err := s.store.CreateBase(c.Request.Context(), policy.ActorFrom(c), models.BaseInput{Name: f.Name, Region: f.Region, Address: f.Address})
	if err == nil {
		redirectDone(c, baseURL(b.ID), "office.base_created")
		return
	}
	if !onForm(err) {
		fail(c, err)
		return
	}
	status, _ := classify(err)
	s.basesPage(c, status, err, map[string]string{"name": f.Name, "region": f.Region, "address": f.Address})
}

func baseURL(id int64) string { return "/bases/" + strconv.FormatInt(id, 10) }

// A base's page: its rooms, who holds each when, and the forms.

type baseData struct {
	pageFmt
	View   *models.BaseView
	Failed string // the form whose errors the page shows: room or allocation
}

func (s *Server) basePage(c *gin.Context, status int, failed string, err error, typed map[string]string) {
	id, perr := pathID(c)
	if perr != nil {
		fail(c, perr)
		return
	}
	v, verr := s.store.BasePage(c.Request.Context(), policy.ActorFrom(c), id)
	if verr != nil {
		fail(c, verr)
		return
	}
	p := &page{Title: v.Base.Name, Form: map[string]string{}, Errors: map[string]string{},
		Data: &baseData{pageFmt: s.pageFmt(c), View: v, Failed: failed}}
	for k, val := range typed {
		p.Form[k] = val
	}
	if err != nil {
		p.Errors, p.Error = s.formErrors(langOf(c), err)
	}
	if err := s.loadRegionNames(c.Request.Context(), p, v.Base.RegionCode); err != nil {
		fail(c, err)
		return
	}
	s.html(c, status, "base", p)
}

func (s *Server) pageBase(c *gin.Context) { s.basePage(c, http.StatusOK, "", nil, nil) }

// baseDone redirects back to the base after a form, or shows the page
// again with the form's errors.
func (s *Server) baseDone(c *gin.Context, form string, err error, typed map[string]string, done string) {
	formDone(c, "/bases/"+c.Param("id"), s.basePage, form, err, typed, done)
}

type roomForm struct {
	Name   string `form:"name" validate:"max=100"`
	AreaM2 string `form:"area_m2" validate:"max=40"`
}

func (s *Server) pageCreateRoom(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	var f roomForm
	if err := bindForm(c, &f); err != nil {
		fail(c, err)
		return
	}
	_, err = s.store.CreateRoom(c.Request.Context(), policy.ActorFrom(c), id, models.RoomInput{Name: f.Name, AreaM2: json.Number(formDecimal(f.AreaM2))})
	s.baseDone(c, "room", err, map[string]string{"name": f.Name, "area_m2": f.AreaM2}, "office.room_created")
}

// formDecimal is a typed decimal as the model reads one: full-width
// digits and point become ASCII (a phone's Chinese keyboard types them).
func formDecimal(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９':
			return '0' + (r - '０')
		case r == '．' || r == '。':
			return '.'
		}
		return r
	}, strings.TrimSpace(s))
}

// formID reads an optional id typed or chosen on a form: blank is none
// (nil), anything else not an id is -1, which the model refuses as such.
func formID(s string) *int64 {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		id = -1
	}
	return &id
}

func (s *Server) pageCreateAllocation(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	typed := map[string]string{}
	for _, k := range []string{"room_id", "organisation_id", "contract_id", "from", "to"} {
		typed[k] = c.PostForm(k)
	}
	in := models.AllocationInput{ContractID: formID(typed["contract_id"]), From: typed["from"], To: typed["to"], BaseID: id}
	if org := formID(typed["organisation_id"]); org != nil {
		in.OrganisationID = *org
	}
	room := int64(-1)
	if r := formID(typed["room_id"]); r != nil {
		room = *r
	}
	_, err = s.store.CreateAllocation(c.Request.Context(), policy.ActorFrom(c), room, in)
	s.baseDone(c, "allocation", err, typed, "office.allocated")
}

func (s *Server) pageEndAllocation(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	// Ask once the allocation is known to be the caller's to end.
	al, err := s.store.Allocation(c.Request.Context(), policy.ActorFrom(c), id)
	if err != nil {
		fail(c, err)
		return
	}
	back := baseURL(al.Room.BaseID)
	if !s.askFirst(c, "confirm.allocation_end", back) {
		return
	}
	if _, err := s.store.EndAllocation(c.Request.Context(), policy.ActorFrom(c), id); err != nil {
		fail(c, err)
		return
	}
	redirectDone(c, back, "office.allocation_ended")
}
