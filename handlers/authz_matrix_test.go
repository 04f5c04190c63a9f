package handlers_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"portal/models"
)

// The authorisation matrix: every route × every persona, with the expected
// status. Personas are the anonymous public and each role granted in the
// objects' own region (Nanning, 4501) or in another region (Liuzhou, 4502).
// Later features add their routes to matrixRoutes.
var personas = []string{
	"anon",
	"admin", "admin-other",
	"procurement", "procurement-other",
	"expert", "expert-other",
	"supervisor", "supervisor-other",
	"agency", "agency-other",
}

const (
	ownRegion   = "4501"
	otherRegion = "4502"
)

// matrixRoute is one route. path and body may use placeholders that the
// fixture fills for each request: {user} a fresh user with a role in
// 450102, {n} a unique number.
type matrixRoute struct {
	method, path string
	body         func(n int) any
	want         string // "persona=status ..." with "*" for every other persona
}

var matrixRoutes = []matrixRoute{
	{"GET", "/healthz", nil, "*=200"},
	{"GET", "/readyz", nil, "*=200"},
	{"GET", "/api/v1/regions?parent=45", nil, "*=200"},
	{"GET", "/api/v1/regions/450102", nil, "*=200"},
	{"GET", "/api/v1/regions/999999", nil, "*=404"},
	{"GET", "/api/v1/me", nil, "anon=401 *=200"},
	{"DELETE", "/api/v1/session", nil, "*=204"},
	{"GET", "/api/v1/users", nil, "anon=401 admin=200 admin-other=200 *=403"},
	{"POST", "/api/v1/users", func(n int) any {
		return map[string]string{"username": fmt.Sprintf("new%d", n), "password": "a-long-password", "display_name": "新用户"}
	}, "anon=401 admin=201 admin-other=201 *=403"},
	{"GET", "/api/v1/users/{user}", nil, "anon=401 admin=200 admin-other=200 *=404"},
	{"POST", "/api/v1/users/{user}/roles", func(int) any { return map[string]string{"role": "expert", "region": "450103"} },
		"anon=401 admin=201 admin-other=403 *=403"},
	{"POST", "/api/v1/users/{user}/disable", nil, "anon=401 admin=200 admin-other=403 *=403"},
	{"POST", "/api/v1/users/{user}/enable", nil, "anon=401 admin=409 admin-other=403 *=403"},
	{"GET", "/api/v1/audit", nil, "anon=401 admin=200 admin-other=200 procurement=200 procurement-other=200 *=403"},
	{"GET", "/", nil, "*=200"},
	{"GET", "/login", nil, "anon=200 *=303"},
	{"GET", "/regions?parent=4501", nil, "*=200"},
	{"GET", "/admin/users", nil, "anon=303 admin=200 admin-other=200 *=403"},
	{"GET", "/admin/users/new", nil, "anon=303 admin=200 admin-other=200 *=403"},
	{"GET", "/admin/users/{user}", nil, "anon=303 admin=200 admin-other=200 *=403"},
	{"GET", "/admin/audit", nil, "anon=303 admin=200 admin-other=200 procurement=200 procurement-other=200 *=403"},
	{"GET", "/no/such/page", nil, "*=404"},
}

func parseWant(t *testing.T, spec string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, part := range strings.Fields(spec) {
		k, v, ok := strings.Cut(part, "=")
		n, err := strconv.Atoi(v)
		if !ok || err != nil {
			t.Fatalf("bad want %q", spec)
		}
		out[k] = n
	}
	for _, p := range personas {
		if _, ok := out[p]; !ok {
			def, ok := out["*"]
			if !ok {
				t.Fatalf("want %q names no status for %s", spec, p)
			}
			out[p] = def
		}
	}
	return out
}

// matrixFixture holds the personas' clients.
type matrixFixture struct {
	e       *env
	clients map[string]*client
	n       int
}

func newMatrixFixture(t *testing.T) *matrixFixture {
	e := newEnv(t)
	f := &matrixFixture{e: e, clients: map[string]*client{"anon": e.anon()}}
	for _, p := range personas[1:] {
		role, other := strings.CutSuffix(p, "-other")
		region := ownRegion
		if other {
			region = otherRegion
		}
		username := "persona-" + p
		if role == models.RoleAgency {
			f.clients[p] = f.agency(username, region)
			continue
		}
		f.clients[p] = e.staff(username, role, region)
	}
	return f
}

// agency makes a member of an organisation registered in region.
func (f *matrixFixture) agency(username, region string) *client {
	e := f.e
	e.t.Helper()
	u, err := e.store.CreateUser(context.Background(), e.root, models.NewUser{Username: username, Password: testPassword, DisplayName: username})
	if err != nil {
		e.t.Fatal(err)
	}
	apply, err := e.authz.AddGrant(e.store.DB, u.ID, models.Grant{Role: models.RoleAgency, Region: region})
	if err != nil {
		e.t.Fatal(err)
	}
	apply()
	return e.signIn(username)
}

func (f *matrixFixture) expand(path string) string {
	f.n++
	path = strings.ReplaceAll(path, "{n}", strconv.Itoa(f.n))
	if strings.Contains(path, "{user}") {
		u, err := f.e.store.CreateUser(context.Background(), f.e.root, models.NewUser{Username: fmt.Sprintf("target%d", f.n), Password: testPassword, DisplayName: "target"})
		if err != nil {
			f.e.t.Fatal(err)
		}
		if err := f.e.store.GrantRole(context.Background(), f.e.root, u.ID, models.Grant{Role: models.RoleSupervisor, Region: "450102"}); err != nil {
			f.e.t.Fatal(err)
		}
		path = strings.ReplaceAll(path, "{user}", strconv.FormatInt(u.ID, 10))
	}
	return path
}

func TestAuthorisationMatrix(t *testing.T) {
	f := newMatrixFixture(t)
	for _, r := range matrixRoutes {
		want := parseWant(t, r.want)
		for _, p := range personas {
			c := f.clients[p]
			if r.method == "DELETE" && r.path == "/api/v1/session" {
				c = f.e.anon() // signing out must not end the persona's session
				if p != "anon" {
					c = f.e.signIn("persona-" + p)
				}
			}
			path := f.expand(r.path)
			var body any
			if r.body != nil {
				body = r.body(f.n)
			}
			got, b := c.do(r.method, path, body)
			if got != want[p] {
				t.Errorf("%s %s as %s: %d, want %d (%.200s)", r.method, r.path, p, got, want[p], b)
			}
		}
	}
}
