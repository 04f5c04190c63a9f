package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"html/template"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"portal/models"
	"portal/policy"
	"portal/templates"

	"github.com/gin-gonic/gin"
)

var errInternal = errors.New("internal error")

// kinds maps each error kind to its status and problem type.
var kinds = []struct {
	kind   error
	status int
	slug   string
}{
	{models.ErrBadRequest, http.StatusBadRequest, "bad-request"},
	{models.ErrInvalid, http.StatusUnprocessableEntity, "invalid"},
	{models.ErrUnauthenticated, http.StatusUnauthorized, "unauthenticated"},
	{models.ErrForbidden, http.StatusForbidden, "forbidden"},
	{models.ErrNotFound, http.StatusNotFound, "not-found"},
	{models.ErrConflict, http.StatusConflict, "conflict"},
	{models.ErrTooLarge, http.StatusRequestEntityTooLarge, "too-large"},
	{models.ErrTooMany, http.StatusTooManyRequests, "too-many-requests"},
}

func classify(err error) (int, string) {
	for _, k := range kinds {
		if errors.Is(err, k.kind) {
			return k.status, k.slug
		}
	}
	return http.StatusInternalServerError, "internal"
}

// problem is an RFC 9457 problem document.
type problem struct {
	Type   string        `json:"type"`
	Title  string        `json:"title"`
	Status int           `json:"status"`
	Detail string        `json:"detail,omitempty"`
	Errors []fieldReport `json:"errors,omitempty"`
}

type fieldReport struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// renderErrors renders the last error a handler or middleware left on the
// context, when nothing has been written yet.
func (s *Server) renderErrors(c *gin.Context) {
	c.Next()
	if len(c.Errors) > 0 && !c.Writer.Written() {
		s.render(c, c.Errors.Last().Err)
	}
}

// fail hands err to the renderer.
func fail(c *gin.Context, err error) {
	c.Error(err)
	c.Abort()
}

// render is the one error renderer: problem+json for the API, the error
// page (or the sign-in page for 401) for people.
func (s *Server) render(c *gin.Context, err error) {
	status, slug := classify(err)
	if status == http.StatusInternalServerError {
		s.log.Error("internal error", "path", c.Request.URL.Path, "err", err)
	}
	e, _ := models.AsError(err)
	if isAPI(c) {
		p := problem{Type: "urn:portal:problem:" + slug, Title: http.StatusText(status), Status: status}
		if e != nil && status != http.StatusInternalServerError {
			p.Detail = e.Detail
			for _, f := range e.Fields {
				p.Errors = append(p.Errors, fieldReport{Field: f.Field, Message: s.fieldMessage("en", f)})
			}
		}
		if status == http.StatusTooManyRequests {
			c.Header("Retry-After", "900")
		}
		c.Header("Content-Type", "application/problem+json")
		c.Status(status)
		_ = json.NewEncoder(c.Writer).Encode(p)
		return
	}
	if status == http.StatusUnauthorized && c.Request.Method == http.MethodGet {
		c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request.URL.RequestURI()))
		return
	}
	lang := langOf(c)
	msg := s.msgs.T(lang, "err."+strconv.Itoa(status))
	if e != nil && e.Key != "" && s.msgs.Has(e.Key) && status != http.StatusInternalServerError {
		msg = s.msgs.T(lang, e.Key)
	}
	p := &page{Title: s.msgs.T(lang, "err.title"), Error: msg, Data: status}
	if e != nil && status == http.StatusUnprocessableEntity {
		// A form refused before its handler (models.CheckTextValue) names
		// its inputs here, as no form is shown again.
		p.Errors = map[string]string{}
		for _, f := range e.Fields {
			p.Errors[f.Field] = s.fieldMessage(lang, f)
		}
	}
	s.html(c, status, "error", p)
}

func (s *Server) fieldMessage(lang string, f models.FieldError) string {
	key := "field." + f.Code
	if !s.msgs.Has(key) {
		key = "field.invalid"
	}
	if f.Param != "" && strings.Contains(s.msgs.T(lang, key), "%s") {
		return s.msgs.T(lang, key, f.Param)
	}
	return s.msgs.T(lang, key)
}

func langOf(c *gin.Context) string {
	if l := c.GetString("lang"); l != "" {
		return l
	}
	return Languages[0]
}

// bindJSON reads the request body and decodes it into v: 400 when it is
// not JSON of the right shape, 413 when it is too large, 422 naming each
// text field that cannot be stored or is too long (models.CheckText).
func bindJSON(c *gin.Context, v any) error {
	body, err := readJSON(c)
	if err != nil {
		return err
	}
	return decodeJSON(body, v)
}

// readJSON reads the whole (capped) body, so that nothing a client sends
// is read later, inside a transaction.
func readJSON(c *gin.Context) ([]byte, error) {
	if c.Request.Body == nil {
		return nil, models.Fail(models.ErrBadRequest, "err.400", "a JSON body is required")
	}
	body, err := io.ReadAll(c.Request.Body)
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, models.Fail(models.ErrTooLarge, "err.413", "the body is too large")
	case err != nil:
		return nil, models.Fail(models.ErrBadRequest, "err.400", "the body could not be read")
	}
	return body, nil
}

// decodeJSON decodes a body read by readJSON into v and checks its text.
func decodeJSON(body []byte, v any) error {
	err := json.NewDecoder(bytes.NewReader(body)).Decode(v)
	switch {
	case err == nil:
	case errors.Is(err, io.EOF):
		return models.Fail(models.ErrBadRequest, "err.400", "a JSON body is required")
	default:
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return models.Fail(models.ErrBadRequest, "err.400", "field "+te.Field+" has the wrong type")
		}
		return models.Fail(models.ErrBadRequest, "err.400", "the body is not valid JSON")
	}
	fields := models.CheckText(v, "json")
	if !utf8.Valid(body) && len(fields) == 0 {
		// The decoder turned invalid bytes into U+FFFD; refuse them all the
		// same, whichever field they were in.
		return models.Invalid(models.Field("body", "text", ""))
	}
	if len(fields) > 0 {
		return models.Invalid(fields...)
	}
	return nil
}

// bindForm parses a page form into v; too large a body answers 413. Every
// value of the form, bound to v or read by name later, is normalised (CRLF
// to LF) and checked as text (models.CheckTextValue): 422 naming the input.
func bindForm(c *gin.Context, v any) error {
	if err := c.ShouldBind(v); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return models.Fail(models.ErrTooLarge, "err.413", "the body is too large")
		}
		return models.Fail(models.ErrBadRequest, "err.400", "the form is malformed")
	}
	fields := formText(c.Request.PostForm)
	if mf := c.Request.MultipartForm; mf != nil {
		fields = append(fields, formText(mf.Value)...)
	}
	fields = append(fields, models.CheckText(v, "form")...)
	return refuseText(c, textInvalid(fields))
}

// multipartText checks the text values of a parsed multipart form.
func multipartText(c *gin.Context) error {
	if mf := c.Request.MultipartForm; mf != nil {
		return refuseText(c, textInvalid(formText(mf.Value)))
	}
	return nil
}

// refuseText answers an API request's text error at once. A page's form
// instead comes back with the errors next to its fields: its handler runs
// on, and the model, told by the request's context, writes nothing and
// answers this error.
func refuseText(c *gin.Context, err error) error {
	if err == nil || isAPI(c) {
		return err
	}
	c.Request = c.Request.WithContext(models.WithRefusedInput(c.Request.Context(), err))
	return nil
}

// formText normalises each form value in place and reports those that
// cannot be stored (models.CheckTextValue).
func formText(values map[string][]string) []models.FieldError {
	var fields []models.FieldError
	for name, vs := range values {
		for i, val := range vs {
			n, fe := models.CheckTextValue(name, val)
			vs[i] = n
			if fe != nil {
				fields = append(fields, *fe)
			}
		}
	}
	return fields
}

// textInvalid is 422 for the fields, each named once, or nil.
func textInvalid(fields []models.FieldError) error {
	if len(fields) == 0 {
		return nil
	}
	slices.SortFunc(fields, func(a, b models.FieldError) int { return strings.Compare(a.Field, b.Field) })
	fields = slices.CompactFunc(fields, func(a, b models.FieldError) bool { return a.Field == b.Field })
	return models.Invalid(fields...)
}

// maxPath bounds a request's path (bytes): the longest route with its
// codes and ids is far shorter, and no path part may reach a database as a
// pattern too long to match.
const maxPath = 1000

// checkInput refuses, before any handler, input no database can store or
// search, the same on both: a path or query value that is not text
// (invalid UTF-8, control characters), a path longer than maxPath or a
// query value longer than models.MaxQuery is 400; a form (urlencoded) value that is not text or
// too long is 422 naming the input. Form values are normalised (CRLF to
// LF) for the handlers. Multipart forms are checked by their upload
// handlers, once the caller may upload.
func (s *Server) checkInput(c *gin.Context) {
	bad := models.Fail(models.ErrBadRequest, "err.400", "the address holds characters that are not text, or a query value is too long")
	if models.TextProblem(c.Request.URL.Path) != "" || len(c.Request.URL.Path) > maxPath {
		fail(c, bad)
		return
	}
	query, err := url.ParseQuery(c.Request.URL.RawQuery)
	if err != nil {
		fail(c, bad)
		return
	}
	for k, vs := range query {
		if models.TextProblem(k) != "" || utf8.RuneCountInString(k) > models.MaxQuery {
			fail(c, bad)
			return
		}
		for _, v := range vs {
			if models.TextProblem(v) != "" || utf8.RuneCountInString(v) > models.MaxQuery {
				fail(c, bad)
				return
			}
		}
	}
	if c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead && c.ContentType() == "application/x-www-form-urlencoded" {
		if err := c.Request.ParseForm(); err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				fail(c, models.Fail(models.ErrTooLarge, "err.413", "the body is too large"))
				return
			}
			fail(c, models.Fail(models.ErrBadRequest, "err.400", "the form is malformed"))
			return
		}
		if err := refuseText(c, textInvalid(formText(c.Request.PostForm))); err != nil {
			fail(c, err)
			return
		}
	}
	c.Next()
}

// pathID parses the :id path parameter; a malformed one is simply not found.
func pathID(c *gin.Context) (int64, error) { return pathParam(c, "id") }

// pathParam parses a numeric path parameter; a malformed one is not found.
func pathParam(c *gin.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, models.Fail(models.ErrNotFound, "err.not_found", "not found")
	}
	return id, nil
}

// readByID is the one shape of a page about one object: the path's id,
// then one model read as the caller; on failure it has rendered the error
// and answers false.
func readByID[V any](c *gin.Context, read func(context.Context, *models.Actor, int64) (V, error)) (V, bool) {
	var zero V
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return zero, false
	}
	v, err := read(c.Request.Context(), policy.ActorFrom(c), id)
	if err != nil {
		fail(c, err)
		return zero, false
	}
	return v, true
}

// pageOf reads ?page= and ?per_page=.
func pageOf(c *gin.Context) models.Page {
	p, _ := strconv.Atoi(c.Query("page"))
	pp, _ := strconv.Atoi(c.Query("per_page"))
	return models.Page{Page: p, PerPage: pp}.Normalise()
}

// page is what every view gets.
type page struct {
	Lang   string
	Title  string
	Actor  *models.Actor
	Nav    []navItem
	Path   string
	Flash  string
	Error  string            // message above the form or on the error page
	Form   map[string]string // what the user typed, to show again
	Errors map[string]string // field → message, shown next to the field
	Unread int64             // the bell's count of the reader's unread notifications
	Data   any
	// Regions names the region codes the page shows (loadRegionNames).
	Regions map[string]string
}

type navItem struct {
	Href, Label string
}

// navLinks are the header's links, each shown when the caller may do its
// action somewhere. Features add theirs here.
var navLinks = []struct{ action, href, key string }{
	{"user:read", "/admin/users", "nav.users"},
	{"audit:read", "/admin/audit", "nav.audit"},
	{"region:read", "/regions", "nav.regions"},
	{"catalogue:read", "/catalogue", "nav.catalogue"},
	{"org:review", "/organisations?status=pending", "nav.org_review"},
	{"org:manage", "/my/organisation", "nav.my_org"},
	{"tender:read", "/tenders", "nav.tenders"},
	{"tender:read", "/notices", "nav.notices"},
	{"workspace:bids", "/my/bids", "nav.my_bids"},
	{"workspace:evaluations", "/my/evaluations", "nav.evaluations"},
	{"contract:read", "/contracts", "nav.contracts"},
	{"office:manage", "/bases", "nav.bases"},
	{"calendar:manage", "/admin/calendar", "nav.calendar"},
}

// nav lists the links the caller's roles open.
func (s *Server) nav(a *models.Actor, lang string) []navItem {
	items := []navItem{{"/", s.msgs.T(lang, "nav.home")}}
	if a.SignedIn() {
		items = append(items, navItem{"/desk", s.msgs.T(lang, "nav.desk")})
	}
	items = append(items, navItem{"/stats", s.msgs.T(lang, "nav.stats")})
	for _, n := range navLinks {
		if a.CanAnywhere(n.action) {
			items = append(items, navItem{n.href, s.msgs.T(lang, n.key)})
		}
	}
	return items
}

// html renders a view inside the layout.
func (s *Server) html(c *gin.Context, status int, view string, p *page) {
	t, ok := s.pages[view]
	if !ok {
		s.log.Error("missing view", "view", view)
		c.String(http.StatusInternalServerError, "internal error")
		return
	}
	p.Lang = langOf(c)
	p.Actor = policy.ActorFrom(c)
	p.Nav = s.nav(p.Actor, p.Lang)
	p.Unread = s.unreadCount(c, p.Actor)
	p.Path = c.Request.URL.RequestURI()
	if p.Flash == "" {
		if k := c.Query("done"); k != "" && s.msgs.Has(k) {
			p.Flash = s.msgs.T(p.Lang, k)
		}
	}
	c.Header("Content-Type", "text/html; charset=utf-8")
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("X-Frame-Options", "DENY")
	c.Status(status)
	if err := t.ExecuteTemplate(c.Writer, "layout", p); err != nil {
		s.log.Error("render", "view", view, "err", err)
	}
}

// onForm reports whether err belongs on the form that caused it: an
// invalid field (422) or a state that refuses the change (409). Other
// errors go to the error renderer.
func onForm(err error) bool {
	status, _ := classify(err)
	return status == http.StatusUnprocessableEntity || status == http.StatusConflict
}

// redirectDone answers a successful form with a redirect and a flash key.
func redirectDone(c *gin.Context, path, done string) {
	c.Redirect(http.StatusSeeOther, path+"?done="+url.QueryEscape(done))
}

// formPage renders a page again with a failed form's error and what was
// typed into it.
type formPage func(c *gin.Context, status int, form string, err error, typed map[string]string)

// formDone ends a form's POST: on success a redirect to path with the done
// message; an error that belongs on the form shows the page again with it;
// anything else goes to the error renderer.
func formDone(c *gin.Context, path string, render formPage, form string, err error, typed map[string]string, done string) {
	if err == nil {
		redirectDone(c, path, done)
		return
	}
	if !onForm(err) {
		fail(c, err)
		return
	}
	status, _ := classify(err)
	render(c, status, form, err, typed)
}

// formErrors turns a model error into messages next to each field; other
// errors become the message above the form.
func (s *Server) formErrors(lang string, err error) (fields map[string]string, top string) {
	fields = map[string]string{}
	e, ok := models.AsError(err)
	if !ok {
		return fields, s.msgs.T(lang, "err.500")
	}
	for _, f := range e.Fields {
		fields[f.Field] = s.fieldMessage(lang, f)
	}
	if e.Key != "" && s.msgs.Has(e.Key) {
		top = s.msgs.T(lang, e.Key)
	} else {
		status, _ := classify(err)
		top = s.msgs.T(lang, "err."+strconv.Itoa(status))
	}
	return fields, top
}

// parsePages parses each view with the layout, failing at start-up when a
// view is missing or broken.
func (s *Server) parsePages() (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"t":   func(lang, key string, args ...any) string { return s.msgs.T(lang, key, args...) },
		"add": func(a, b int) int { return a + b },
		"dict": func(kv ...any) (map[string]any, error) {
			if len(kv)%2 != 0 {
				return nil, errors.New("dict needs key/value pairs")
			}
			m := make(map[string]any, len(kv)/2)
			for i := 0; i < len(kv); i += 2 {
				k, ok := kv[i].(string)
				if !ok {
					return nil, errors.New("dict keys are strings")
				}
				m[k] = kv[i+1]
			}
			return m, nil
		},
		"roleName":    func(lang, role string) string { return s.msgs.T(lang, "role."+role) },
		"regionName":  s.viewRegion,
		"beijing":     s.beijing,
		"fileSize":    fileSize,
		"unit":        s.unit,
		"auditAction": s.auditAction,
		"auditType":   s.auditType,
		"pages": func(total int64, perPage int) int {
			if perPage <= 0 {
				return 1
			}
			return int((total + int64(perPage) - 1) / int64(perPage))
		},
	}
	views, partials, err := templatesList()
	if err != nil {
		return nil, err
	}
	out := map[string]*template.Template{}
	for _, v := range views {
		t, err := template.New(v).Funcs(funcs).ParseFS(templates.FS, append([]string{"layout.html", "views/" + v + ".html"}, partials...)...)
		if err != nil {
			return nil, err
		}
		out[v] = t
	}
	for _, need := range requiredViews {
		if _, ok := out[need]; !ok {
			return nil, errors.New("missing view " + need)
		}
	}
	return out, nil
}

// requiredViews are the views the handlers render.
var requiredViews = []string{"error", "home", "login", "users", "user", "user_new", "regions", "audit", "register", "orgs", "org", "catalogue", "catalogue_item", "catalogue_manage", "catalogue_item_form",
	"tender_list", "tender_show", "tender_notice", "tender_form", "bid_form", "bid_list", "evaluation_staff", "evaluation_review", "evaluation_list", "contract_list", "contract_show", "ledger_list", "calendar", "confirm", "notifications", "stats"}

// templatesList names the views (the files of views/ that define
// "content") and the partials (every other file there, each defining the
// templates a view includes, such as a section of the contract page), which
// every view is parsed with.
func templatesList() (views, partials []string, err error) {
	entries, err := templates.FS.ReadDir("views")
	if err != nil {
		return nil, nil, err
	}
	for _, e := range entries {
		b, err := fs.ReadFile(templates.FS, "views/"+e.Name())
		if err != nil {
			return nil, nil, err
		}
		if bytes.Contains(b, []byte(`{{define "content"}}`)) {
			views = append(views, strings.TrimSuffix(e.Name(), ".html"))
		} else {
			partials = append(partials, "views/"+e.Name())
		}
	}
	return views, partials, nil
}

// serveDownload sends a stored file as an attachment that the browser will
// neither sniff nor run.
func serveDownload(c *gin.Context, filename, contentType, etag string, modified time.Time, content io.ReadSeeker) {
	disposition := mime.FormatMediaType("attachment", map[string]string{"filename": filename})
	if disposition == "" {
		disposition = "attachment"
	}
	h := c.Writer.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Disposition", disposition)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "private, no-store")
	if etag != "" {
		h.Set("ETag", `"`+etag+`"`)
	}
	http.ServeContent(c.Writer, c.Request, "", modified, content)
}

// apiID is an API handler for a route on /…/:id with no body: it calls fn
// with the caller and the id, and answers status with its result.
func apiID[Out any](status int, fn func(ctx context.Context, a *models.Actor, id int64) (Out, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, err := pathID(c)
		if err != nil {
			fail(c, err)
			return
		}
		out, err := fn(c.Request.Context(), policy.ActorFrom(c), id)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(status, out)
	}
}

// apiIDBody is apiID for a route that takes a JSON body.
func apiIDBody[In, Out any](status int, fn func(ctx context.Context, a *models.Actor, id int64, in In) (Out, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, err := pathID(c)
		if err != nil {
			fail(c, err)
			return
		}
		var in In
		if err := bindJSON(c, &in); err != nil {
			fail(c, err)
			return
		}
		out, err := fn(c.Request.Context(), policy.ActorFrom(c), id, in)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(status, out)
	}
}

// items answers a whole (unpaged) list in the API's list shape.
func items[T any](list []T) models.List[T] {
	if list == nil {
		list = []T{}
	}
	return models.List[T]{Items: list, Total: int64(len(list)), Page: 1, PerPage: len(list)}
}
