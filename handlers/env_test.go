package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"portal/handlers"
	"portal/models"
	"portal/models/testdb"
	"portal/policy"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// env is a real portal on a fresh database behind a real HTTP server.
type env struct {
	t     *testing.T
	store *models.Store
	authz *policy.Enforcer
	srv   *httptest.Server
	root  *models.Actor // the first administrator, nationwide
}

const testPassword = "test-password-1"

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvConfig(t, handlers.Config{})
}

// newEnvConfig is newEnv with the handlers' configuration given.
func newEnvConfig(t *testing.T, cfg handlers.Config) *env {
	t.Helper()
	store, authz := testdb.Store(t)
	// Fixtures register many organisations from one address; the
	// registration throttle's own test restores the production limit.
	store.Settings.MaxRegistrationsAddr = 1000
	if _, err := store.EnsureAdmin(context.Background(), testPassword); err != nil {
		t.Fatal(err)
	}
	h, err := handlers.New(store, authz, slog.New(slog.NewTextHandler(io.Discard, nil)), cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	e := &env{t: t, store: store, authz: authz, srv: srv}
	e.root = e.actor("admin")
	return e
}

// actor loads a user as a model-layer caller.
func (e *env) actor(username string) *models.Actor {
	e.t.Helper()
	var u models.User
	if err := e.store.DB.Where("username = ?", username).First(&u).Error; err != nil {
		e.t.Fatal(err)
	}
	grants, err := e.authz.Grants(u.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return models.NewActor(&u, grants, "127.0.0.1", e.authz)
}

// staff creates a user holding role in region and returns it signed in.
func (e *env) staff(username, role, region string) *client {
	e.t.Helper()
	u, err := e.store.CreateUser(context.Background(), e.root, models.NewUser{Username: username, Password: testPassword, DisplayName: username})
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.store.GrantRole(context.Background(), e.root, u.ID, models.Grant{Role: role, Region: region}); err != nil {
		e.t.Fatal(err)
	}
	return e.signIn(username)
}

// client is one browser or program with its own cookie jar.
type client struct {
	e    *env
	http *http.Client
}

func (e *env) anon() *client {
	jar, _ := cookiejar.New(nil)
	return &client{e: e, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (e *env) signIn(username string) *client {
	e.t.Helper()
	c := e.anon()
	if status, body := c.do("POST", "/api/v1/session", map[string]string{"username": username, "password": testPassword}); status != 200 {
		e.t.Fatalf("sign in %s: %d %s", username, status, body)
	}
	return c
}

// do sends a JSON request (body nil for none) and returns status and body.
func (c *client) do(method, path string, body any) (int, []byte) {
	c.e.t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.e.t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.e.srv.URL+path, r)
	if err != nil {
		c.e.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return c.send(req)
}

// form posts a page form.
func (c *client) form(path string, values url.Values) (int, []byte) {
	c.e.t.Helper()
	req, err := http.NewRequest("POST", c.e.srv.URL+path, strings.NewReader(values.Encode()))
	if err != nil {
		c.e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.send(req)
}

func (c *client) send(req *http.Request) (int, []byte) {
	c.e.t.Helper()
	resp, err := c.http.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.e.t.Fatal(err)
	}
	return resp.StatusCode, b
}

// decode unmarshals a JSON body into v or fails the test.
func decode[T any](t *testing.T, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return v
}

// problemDoc is an RFC 9457 answer.
type problemDoc struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors"`
}

// fieldsOf lists the invalid fields a problem answer names.
func fieldsOf(t *testing.T, b []byte) []string {
	t.Helper()
	p := decode[problemDoc](t, b)
	var out []string
	for _, f := range p.Errors {
		out = append(out, f.Field)
	}
	return out
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
