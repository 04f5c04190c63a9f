// Package handlers holds the thin gin handlers of the pages and of /api/v1.
// Each loads the caller, parses input, calls one model function and renders
// the result or the error through the one renderer.
package handlers

import (
	"context"
	"errors"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"portal/models"
	"portal/policy"
	"portal/static"
	"portal/templates"

	"github.com/gin-gonic/gin"
)

// Config is what the handlers need besides the store.
type Config struct {
	TrustedProxies []string
	MaxBodyBytes   int64
	MaxUploadBytes int64 // body limit of upload routes (allowUpload); 0: a document's limit plus room for the form
	// BodyTimeout bounds the time to read a request's body (0: 20 s) and
	// UploadTimeout that of an upload route's body (0: 3 min), so a client
	// that trickles its body cannot hold a connection (or anything else)
	// for longer. The answer gets WriteGrace more (0: 2 min, room for a 10 MiB
	// download to a slow phone) to be written.
	BodyTimeout   time.Duration
	UploadTimeout time.Duration
	WriteGrace    time.Duration
}

// Server holds the dependencies of every handler.
type Server struct {
	store *models.Store
	authz *policy.Enforcer
	pages map[string]*template.Template
	msgs  Catalogue
	log   *slog.Logger
	cfg   Config
}

// New builds the HTTP handler: gin routes wrapped in cross-origin (CSRF)
// protection.
func New(store *models.Store, authz *policy.Enforcer, log *slog.Logger, cfg Config) (http.Handler, error) {
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	if cfg.MaxUploadBytes == 0 {
		cfg.MaxUploadBytes = models.MaxOrgDocumentBytes + 1<<20
	}
	if cfg.BodyTimeout == 0 {
		cfg.BodyTimeout = 20 * time.Second
	}
	if cfg.UploadTimeout == 0 {
		cfg.UploadTimeout = 3 * time.Minute
	}
	if cfg.WriteGrace == 0 {
		cfg.WriteGrace = 2 * time.Minute
	}
	msgs, err := LoadCatalogue(templates.FS)
	if err != nil {
		return nil, err
	}
	s := &Server{store: store, authz: authz, msgs: msgs, log: log, cfg: cfg}
	if s.pages, err = s.parsePages(); err != nil {
		return nil, err
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	if err := r.SetTrustedProxies(cfg.TrustedProxies); err != nil {
		return nil, err
	}
	r.HandleMethodNotAllowed = true
	r.Use(s.recoverer, s.logRequests, s.limitBody, s.renderErrors, s.loadActor, s.passwordGate, s.checkInput)
	r.NoRoute(func(c *gin.Context) { c.Error(models.Fail(models.ErrNotFound, "err.not_found", "no such page")) })
	r.NoMethod(func(c *gin.Context) {
		c.Error(models.Fail(models.ErrNotFound, "err.not_found", "no such route"))
	})
	sub, err := fs.Sub(static.FS, ".")
	if err != nil {
		return nil, err
	}
	r.StaticFS("/static", http.FS(sub))
	s.routes(r)

	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		c, _ := gin.CreateTestContext(w)
		c.Request = req
		c.Set(policy.ActorKey, models.Anonymous(req.RemoteAddr, s.authz))
		s.render(c, models.Fail(models.ErrForbidden, "err.csrf", "cross-origin request rejected"))
	}))
	return securityHeaders(cop.Handler(r)), nil
}

// pageCSP lets pages load only the portal's own files: no inline script or
// style (handlers/csp_test.go holds the templates to it), no plugins, no
// framing.
const pageCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; object-src 'none'; " +
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// apiCSP is for JSON and every other answer that is not a page.
const apiCSP = "default-src 'none'; frame-ancestors 'none'"

// securityHeaders sets, on every answer (pages, JSON, files, errors and the
// cross-origin refusal alike), that browsers neither sniff types nor frame
// the portal nor send its addresses to other sites. Downloads set their own
// stricter policy (serveDownload).
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		if strings.HasPrefix(r.URL.Path, "/api/") {
			h.Set("Content-Security-Policy", apiCSP)
		} else {
			h.Set("Content-Security-Policy", pageCSP)
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) routes(r *gin.Engine) {
	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	r.GET("/readyz", s.readyz)

	api := r.Group("/api/v1")
	api.POST("/session", s.apiSignIn)
	api.DELETE("/session", s.apiSignOut)
	api.GET("/me", policy.Require(""), s.apiMe)
	api.GET("/regions", policy.Require("region:read"), s.apiRegions)
	api.GET("/regions/:code", policy.Require("region:read"), s.apiRegion)
	api.GET("/users", policy.Require("user:read"), s.apiUsers)
	api.POST("/users", policy.Require("user:create"), s.apiCreateUser)
	api.GET("/users/:id", policy.Require(""), s.apiUser)
	api.POST("/users/:id/roles", policy.Require("user:grant"), s.apiGrantRole)
	api.POST("/users/:id/disable", policy.Require("user:disable"), s.apiDisableUser(true))
	api.POST("/users/:id/enable", policy.Require("user:disable"), s.apiDisableUser(false))
	api.GET("/audit", policy.Require("audit:read"), s.apiAudit)

	r.GET("/", s.pageHome)
	r.GET("/lang/:lang", s.pageLang)
	r.GET("/login", s.pageLogin)
	r.POST("/login", s.pageLoginPost)
	r.POST("/logout", s.pageLogout)
	r.GET("/regions", policy.Require("region:read"), s.pageRegions)
	r.GET("/admin/users", policy.Require("user:read"), s.pageUsers)
	r.GET("/admin/users/new", policy.Require("user:create"), s.pageNewUser)
	r.POST("/admin/users", policy.Require("user:create"), s.pageCreateUser)
	r.GET("/admin/users/:id", policy.Require("user:read"), s.pageUser)
	r.POST("/admin/users/:id/roles", policy.Require("user:grant"), s.pageGrantRole)
	r.POST("/admin/users/:id/disable", policy.Require("user:disable"), s.pageSetDisabled(true))
	r.POST("/admin/users/:id/enable", policy.Require("user:disable"), s.pageSetDisabled(false))
	r.GET("/admin/audit", policy.Require("audit:read"), s.pageAudit)

	s.accountRoutes(r, api)
	s.catalogueRoutes(r, api)
	s.organisationRoutes(r, api)
	s.tenderRoutes(r, api)
	s.calendarRoutes(r, api)
	s.deskRoutes(r, api)
	s.noticeRoutes(r, api)
	s.notificationRoutes(r, api)
	s.paymentRoutes(r, api)
	s.reportRoutes(r, api)
	s.reportScheduleRoutes(r, api)
	s.accountEmailRoutes(r, api)
	s.officeRoutes(r, api)
	s.supervisionRoutes(r, api)
	s.ledgerRoutes(r, api)
	s.statsRoutes(r, api)
	s.ocdsRoutes(r, api)
	s.listExportRoutes(r)
}

func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "database unreachable"})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
}

// isAPI tells programs' requests from people's.
func isAPI(c *gin.Context) bool {
	p := c.Request.URL.Path
	return strings.HasPrefix(p, "/api/") || p == "/healthz" || p == "/readyz"
}

const sessionCookie = "portal_session"

// loadActor is the one way to load the current user: from the session
// cookie, with its grants, or the anonymous public.
func (s *Server) loadActor(c *gin.Context) {
	if err := s.authz.Fresh(c.Request.Context()); err != nil {
		c.Error(err)
		c.Abort()
		return
	}
	remote := c.ClientIP()
	actor := models.Anonymous(remote, s.authz)
	if token, err := c.Cookie(sessionCookie); err == nil && token != "" {
		u, err := s.store.SessionUser(c.Request.Context(), token)
		switch {
		case err == nil:
			grants, gerr := s.authz.Grants(u.ID)
			if gerr != nil {
				c.Error(gerr)
				c.Abort()
				return
			}
			actor = models.NewActor(u, grants, remote, s.authz)
		case errors.Is(err, models.ErrUnauthenticated):
			s.clearSessionCookie(c)
		default:
			c.Error(err)
			c.Abort()
			return
		}
	}
	c.Set(policy.ActorKey, actor)
	lang, _ := c.Cookie("lang")
	c.Set("lang", pickLanguage(lang))
	c.Next()
}

func secure(c *gin.Context) bool {
	return c.Request.TLS != nil || c.GetHeader("X-Forwarded-Proto") == "https"
}

func (s *Server) setSessionCookie(c *gin.Context, token string) {
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: secure(c), SameSite: http.SameSiteLaxMode, MaxAge: int(s.store.Settings.SessionAbsolute.Seconds())})
}

func (s *Server) clearSessionCookie(c *gin.Context) {
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true,
		Secure: secure(c), SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// limitBody caps request bodies; a larger one fails to parse with 413.
// It keeps the unlimited body so that allowUpload can set a larger cap.
// It also sets the connection's read deadline: the body must arrive within
// BodyTimeout of now (allowUpload gives uploads UploadTimeout).
func (s *Server) limitBody(c *gin.Context) {
	if c.Request.Body != nil && c.Request.Body != http.NoBody {
		// Only with a body: once the body is read, the server's watch for a
		// gone client ends the request's context at this deadline.
		s.setDeadlines(c, s.cfg.BodyTimeout)
	}
	if c.Request.Body != nil {
		c.Set(rawBodyKey, c.Request.Body)
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, s.cfg.MaxBodyBytes)
	}
	c.Next()
}

const rawBodyKey = "portal.rawBody"

// allowUpload gives an upload route the larger MaxUploadBytes cap in place
// of the default one.
func (s *Server) allowUpload(c *gin.Context) {
	s.setDeadlines(c, s.cfg.UploadTimeout)
	if raw, ok := c.Get(rawBodyKey); ok {
		if body, ok := raw.(io.ReadCloser); ok {
			c.Request.Body = http.MaxBytesReader(c.Writer, body, s.cfg.MaxUploadBytes)
		}
	}
	c.Next()
}

// setDeadlines bounds the reading of this request's body to read from now,
// and the writing of its answer to WriteGrace after that. A server that
// cannot set deadlines (a test recorder) keeps its own.
func (s *Server) setDeadlines(c *gin.Context, read time.Duration) {
	rc := http.NewResponseController(c.Writer)
	at := time.Now().Add(read)
	if err := rc.SetReadDeadline(at); err != nil && !errors.Is(err, http.ErrNotSupported) {
		s.log.Warn("read deadline", "err", err)
	}
	if err := rc.SetWriteDeadline(at.Add(s.cfg.WriteGrace)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		s.log.Warn("write deadline", "err", err)
	}
}

// logRequests writes one structured line per request; no query strings,
// bodies or cookies, so no passwords or session ids reach the log.
func (s *Server) logRequests(c *gin.Context) {
	start := time.Now()
	c.Next()
	attrs := []any{"method", c.Request.Method, "path", c.Request.URL.Path, "status", c.Writer.Status(),
		"duration_ms", time.Since(start).Milliseconds()}
	if !anonymousAct(c) {
		attrs = append(attrs, "remote", c.ClientIP())
		if a := policy.ActorFrom(c); a.SignedIn() {
			attrs = append(attrs, "user_id", a.UserID)
		}
	}
	s.log.Info("request", attrs...)
}

func (s *Server) recoverer(c *gin.Context) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("panic", "path", c.Request.URL.Path, "panic", r)
			c.Error(models.Fail(errInternal, "", "internal error"))
			s.render(c, errInternal)
			c.Abort()
		}
	}()
	c.Next()
}
