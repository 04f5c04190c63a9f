package handlers_test

import (
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"testing"

	"portal/models"
)

const newPassword = "another-password-2"

// sameSession is a second client holding c's session cookie as it is now.
func (c *client) sameSession() *client {
	c.e.t.Helper()
	u, _ := url.Parse(c.e.srv.URL)
	jar, _ := cookiejar.New(nil)
	jar.SetCookies(u, c.http.Jar.Cookies(u))
	other := c.e.anon()
	other.http.Jar = jar
	return other
}

// auditsOf lists the audit events of action on a user.
func (e *env) auditsOf(action string, userID int64) []models.AuditEvent {
	e.t.Helper()
	var out []models.AuditEvent
	if err := e.store.DB.Where("action = ? AND object_type = 'user' AND object_id = ?", action, itoa(userID)).
		Order("id").Find(&out).Error; err != nil {
		e.t.Fatal(err)
	}
	return out
}

// noSecrets fails when an audit event carries a password or a hash.
func noSecrets(t *testing.T, evs []models.AuditEvent, passwords ...string) {
	t.Helper()
	for _, ev := range evs {
		text := ev.Before + ev.After
		if strings.Contains(text, "argon2") || strings.Contains(text, "password_hash") {
			t.Errorf("%s audits a hash: %s", ev.Action, text)
		}
		for _, pw := range passwords {
			if strings.Contains(text, pw) {
				t.Errorf("%s audits a password: %s", ev.Action, text)
			}
		}
	}
}

func TestChangeOwnPassword(t *testing.T) {
	e := newEnv(t)
	c := e.staff("lan", models.RoleExpert, "4501")
	lan := e.actor("lan").UserID
	elsewhere := e.signIn("lan")
	change := func(cl *client, current, next string) (int, []byte) {
		return cl.do("POST", "/api/v1/me/password", map[string]string{"current_password": current, "new_password": next})
	}

	// The new password is held to the rule of a new user's, and checking it
	// costs no attempt.
	for _, bad := range []struct{ current, next, field string }{
		{testPassword, "short", "new_password"},
		{testPassword, testPassword, "new_password"},
		{"", newPassword, "current_password"},
	} {
		if s, b := change(c, bad.current, bad.next); s != 422 || !strings.Contains(strings.Join(fieldsOf(t, b), " "), bad.field) {
			t.Errorf("current %q new %q: %d %s, want 422 naming %s", bad.current, bad.next, s, b, bad.field)
		}
	}
	if n := e.failures("user:lan"); n != 0 {
		t.Fatalf("invalid input counted %d sign-in failures", n)
	}
	// A wrong current password counts in the sign-in throttle per user.
	if s, b := change(c, "wrong-password", newPassword); s != 422 || fieldsOf(t, b)[0] != "current_password" {
		t.Fatalf("wrong current password: %d %s", s, b)
	}
	if n := e.failures("user:lan"); n != 1 {
		t.Fatalf("a wrong current password recorded %d failures, want 1", n)
	}

	before := c.sameSession()
	if s, b := change(c, testPassword, newPassword); s != 204 {
		t.Fatalf("change: %d %s", s, b)
	}
	if s, b := c.do("GET", "/api/v1/me", nil); s != 200 {
		t.Fatalf("the changing session after the change: %d %s", s, b)
	}
	if s, _ := before.do("GET", "/api/v1/me", nil); s != 401 {
		t.Errorf("the changing session's old token still works: %d (not rotated)", s)
	}
	if s, _ := elsewhere.do("GET", "/api/v1/me", nil); s != 401 {
		t.Errorf("another session of the user survived the change: %d", s)
	}
	if s, _ := e.anon().do("POST", "/api/v1/session", map[string]string{"username": "lan", "password": testPassword}); s != 401 {
		t.Errorf("the old password still signs in: %d", s)
	}
	if s, _ := e.anon().do("POST", "/api/v1/session", map[string]string{"username": "lan", "password": newPassword}); s != 200 {
		t.Errorf("the new password does not sign in: %d", s)
	}
	evs := e.auditsOf("user.password_change", lan)
	if len(evs) != 1 || evs[0].ActorID == nil || *evs[0].ActorID != lan {
		t.Fatalf("password change audit: %+v", evs)
	}
	noSecrets(t, evs, testPassword, newPassword)

	// Guessing the current password from a session stops at the sign-in
	// limit, and then signing in is refused too.
	e.staff("mei", models.RoleExpert, "4501")
	mei := e.signIn("mei")
	max := e.store.Settings.MaxFailuresUser
	for i := 0; i < max; i++ {
		if s, b := change(mei, "wrong-password", newPassword); s != 422 {
			t.Fatalf("guess %d: %d %s", i, s, b)
		}
	}
	if s, b := change(mei, testPassword, newPassword); s != 429 {
		t.Fatalf("the right current password after %d wrong ones: %d %s, want 429", max, s, b)
	}
	if s, _ := e.anon().do("POST", "/api/v1/session", map[string]string{"username": "mei", "password": testPassword}); s != 429 {
		t.Fatalf("signing in after the guesses: %d, want 429", s)
	}

	// The page: the header's name links to it; a mismatch comes back on
	// the form; a change signs the page's session in again.
	e.staff("bo-expert", models.RoleExpert, "4501")
	bo := e.signIn("bo-expert")
	if s, b := bo.do("GET", "/", nil); s != 200 || !strings.Contains(string(b), `href="/account/password"`) {
		t.Fatalf("home: %d, header links to the password page: %v", s, strings.Contains(string(b), `href="/account/password"`))
	}
	s, b := bo.form("/account/password", url.Values{"current_password": {testPassword}, "new_password": {newPassword}, "new_password_confirm": {"different-one"}})
	if s != 422 || !strings.Contains(string(b), `id="e-new_password_confirm"`) || strings.Contains(string(b), newPassword) {
		t.Fatalf("mismatched confirmation: %d %s", s, b)
	}
	resp := e.response(bo, "POST", "/account/password", url.Values{"current_password": {testPassword}, "new_password": {newPassword}, "new_password_confirm": {newPassword}})
	if resp.StatusCode != 303 {
		t.Fatalf("page change: %d", resp.StatusCode)
	}
	if s, _ := bo.do("GET", "/api/v1/me", nil); s != 200 {
		t.Fatalf("the page's session after its change: %d", s)
	}
}

func TestAdminResetsPassword(t *testing.T) {
	e := newEnv(t)
	cityAdmin := e.staff("nn-admin", models.RoleAdmin, "4501")
	e.staff("lz-buyer", models.RoleProcurement, "4502")
	lz := e.actor("lz-buyer").UserID
	buyer := e.staff("nn-buyer", models.RoleProcurement, "4501")
	nn := e.actor("nn-buyer").UserID
	const temp = "temporary-pw-9"
	reset := func(id int64, pw string) (int, []byte) {
		return cityAdmin.do("POST", "/api/v1/users/"+itoa(id)+"/password", map[string]string{"temporary_password": pw})
	}

	// Out of reach is not found, as reading; nothing changes.
	if s, b := reset(lz, temp); s != 404 || strings.Contains(string(b), "lz-buyer") {
		t.Fatalf("reset out of reach: %d %s", s, b)
	}
	if s, _ := cityAdmin.do("GET", "/admin/users/"+itoa(lz)+"/password", nil); s != 404 {
		t.Errorf("reset page out of reach: %d", s)
	}
	if s, _ := cityAdmin.form("/admin/users/"+itoa(lz)+"/password", url.Values{"temporary_password": {temp}}); s != 404 {
		t.Errorf("reset form out of reach: %d", s)
	}
	if evs := e.auditsOf("user.password_reset", lz); len(evs) != 0 {
		t.Fatalf("a refused reset was audited: %+v", evs)
	}
	if s, _ := e.anon().do("POST", "/api/v1/session", map[string]string{"username": "lz-buyer", "password": testPassword}); s != 200 {
		t.Fatalf("a refused reset changed the password: %d", s)
	}
	if s, b := reset(e.actor("nn-admin").UserID, temp); s != 409 {
		t.Errorf("reset of oneself: %d %s", s, b)
	}
	if s, b := reset(nn, "short"); s != 422 || fieldsOf(t, b)[0] != "temporary_password" {
		t.Errorf("short temporary password: %d %s", s, b)
	}

	// The page asks first: the user page links to a confirmation page
	// whose form does the reset.
	if s, b := cityAdmin.do("GET", "/admin/users/"+itoa(nn), nil); s != 200 || !strings.Contains(string(b), "/admin/users/"+itoa(nn)+"/password") {
		t.Fatalf("user page offers no reset: %d", s)
	}
	if s, b := cityAdmin.do("GET", "/admin/users/"+itoa(nn)+"/password", nil); s != 200 || !strings.Contains(string(b), `id="reset-form"`) {
		t.Fatalf("reset confirmation page: %d", s)
	}
	if s, b := cityAdmin.form("/admin/users/"+itoa(nn)+"/password", url.Values{"temporary_password": {"short"}}); s != 422 || !strings.Contains(string(b), `id="e-temporary_password"`) {
		t.Fatalf("short temporary password on the page: %d", s)
	}
	resp := e.response(cityAdmin, "POST", "/admin/users/"+itoa(nn)+"/password", url.Values{"temporary_password": {temp}})
	if resp.StatusCode != 303 {
		t.Fatalf("reset on the page: %d", resp.StatusCode)
	}
	if s, _ := buyer.do("GET", "/api/v1/me", nil); s != 401 {
		t.Fatalf("the user's session survived the reset: %d", s)
	}
	evs := e.auditsOf("user.password_reset", nn)
	if len(evs) != 1 {
		t.Fatalf("reset audit: %+v", evs)
	}
	noSecrets(t, evs, temp)

	// Signed in with the temporary password, the user must change it
	// before anything else.
	buyer = e.anon()
	if s, b := buyer.do("POST", "/api/v1/session", map[string]string{"username": "nn-buyer", "password": temp}); s != 200 || !strings.Contains(string(b), `"must_change_password":true`) {
		t.Fatalf("sign in with the temporary password: %d %s", s, b)
	}
	if s, b := buyer.do("GET", "/api/v1/audit", nil); s != 403 || !strings.Contains(decode[problemDoc](t, b).Detail, "/api/v1/me/password") {
		t.Errorf("an API call before the change: %d %s, want 403 saying why", s, b)
	}
	for _, p := range []string{"/", "/tenders", "/admin/audit"} {
		if r := e.response(buyer, "GET", p, nil); r.StatusCode != 303 || r.Header.Get("Location") != "/account/password" {
			t.Errorf("GET %s before the change: %d to %q", p, r.StatusCode, r.Header.Get("Location"))
		}
	}
	if s, b := buyer.do("GET", "/account/password", nil); s != 200 || !strings.Contains(string(b), `id="must-change"`) {
		t.Errorf("the change page: %d", s)
	}
	if s, _ := buyer.do("GET", "/api/v1/me", nil); s != 200 {
		t.Errorf("GET /api/v1/me before the change: %d", s)
	}
	if s, b := buyer.do("POST", "/api/v1/me/password", map[string]string{"current_password": temp, "new_password": newPassword}); s != 204 {
		t.Fatalf("the change: %d %s", s, b)
	}
	if s, b := buyer.do("GET", "/api/v1/audit", nil); s != 200 {
		t.Fatalf("an API call after the change: %d %s", s, b)
	}
	if r := e.response(buyer, "GET", "/tenders", nil); r.StatusCode != 200 {
		t.Fatalf("a page after the change: %d", r.StatusCode)
	}
	noSecrets(t, e.auditsOf("user.password_change", nn), temp, newPassword)
}

func TestAdminRevokesRole(t *testing.T) {
	e := newEnv(t)
	cityAdmin := e.staff("nn-admin", models.RoleAdmin, "4501")
	admin := e.actor("nn-admin").UserID
	e.staff("lz-buyer", models.RoleProcurement, "4502")
	lz := e.actor("lz-buyer").UserID
	buyer := e.staff("nn-buyer", models.RoleProcurement, "4501")
	nn := e.actor("nn-buyer").UserID
	if err := e.store.GrantRole(t.Context(), e.root, nn, models.Grant{Role: models.RoleExpert, Region: "4502"}); err != nil {
		t.Fatal(err)
	}
	revoke := func(id int64, role, region string) (int, []byte) {
		return cityAdmin.do("DELETE", "/api/v1/users/"+itoa(id)+"/roles", map[string]string{"role": role, "region": region})
	}

	if s, b := revoke(lz, "procurement", "4502"); s != 404 || strings.Contains(string(b), "lz-buyer") {
		t.Errorf("revoke on a user out of reach: %d %s", s, b)
	}
	if s, _ := cityAdmin.form("/admin/users/"+itoa(lz)+"/revoke", url.Values{"role": {"procurement"}, "region": {"4502"}}); s != 404 {
		t.Errorf("revoke form on a user out of reach: %d", s)
	}
	if s, b := revoke(nn, "expert", "4502"); s != 403 {
		t.Errorf("revoke of a grant outside the admin's region: %d %s", s, b)
	}
	if s, b := revoke(nn, "expert", "4501"); s != 404 {
		t.Errorf("revoke of a grant the user lacks: %d %s", s, b)
	}
	if s, b := revoke(nn, "boss", ""); s != 422 || len(fieldsOf(t, b)) != 2 {
		t.Errorf("revoke of no role in no region: %d %s", s, b)
	}
	if len(e.auditsOf("user.revoke", nn))+len(e.auditsOf("user.revoke", lz)) != 0 {
		t.Fatal("a refused revocation was audited")
	}

	// Within reach: effective at once in this process.
	if s, _ := buyer.do("GET", "/api/v1/audit", nil); s != 200 {
		t.Fatalf("the buyer reads the audit log before: %d", s)
	}
	s, b := revoke(nn, "procurement", "4501")
	if s != 204 {
		t.Fatalf("revoke within reach: %d %s", s, b)
	}
	if s, _ := buyer.do("GET", "/api/v1/audit", nil); s != 403 {
		t.Fatalf("the buyer after the revocation: %d, want 403", s)
	}
	if grants, _ := e.authz.Grants(nn); len(grants) != 1 || grants[0].Region != "4502" {
		t.Fatalf("grants after the revocation: %v", grants)
	}
	if evs := e.auditsOf("user.revoke", nn); len(evs) != 1 || !strings.Contains(evs[0].Before, `"procurement"`) || evs[0].RegionCode != "4501" {
		t.Fatalf("revocation audit: %+v", evs)
	}
	if s, b := revoke(nn, "procurement", "4501"); s != 404 {
		t.Errorf("revoking it again: %d %s", s, b)
	}

	// Not one's own last admin grant; another one may go.
	if s, b := revoke(admin, "admin", "4501"); s != 409 {
		t.Fatalf("revoking one's own last admin grant: %d %s", s, b)
	}
	if err := e.store.GrantRole(t.Context(), e.root, admin, models.Grant{Role: models.RoleAdmin, Region: "450102"}); err != nil {
		t.Fatal(err)
	}
	if s, b := revoke(admin, "admin", "4501"); s != 204 {
		t.Fatalf("revoking one of two own admin grants: %d %s", s, b)
	}
	if s, b := revoke(admin, "admin", "450102"); s != 409 {
		t.Fatalf("revoking the remaining own admin grant: %d %s", s, b)
	}

	// The page asks first: the role's button opens a confirmation page
	// naming the grant; its form revokes.
	e.staff("nn-expert", models.RoleExpert, "450102")
	ex := e.actor("nn-expert").UserID
	if s, b := cityAdmin.do("GET", "/admin/users/"+itoa(ex), nil); s != 200 || !strings.Contains(string(b), `action="/admin/users/`+itoa(ex)+`/revoke"`) {
		t.Fatalf("user page offers no revocation: %d", s)
	}
	confirm := "/admin/users/" + itoa(ex) + "/revoke?role=expert&region=450102"
	if s, b := cityAdmin.do("GET", confirm, nil); s != 200 || !strings.Contains(string(b), `id="revoke-form"`) || !strings.Contains(string(b), `value="450102"`) {
		t.Fatalf("revocation confirmation page: %d", s)
	}
	if grants, _ := e.authz.Grants(ex); len(grants) != 1 {
		t.Fatalf("opening the confirmation revoked: %v", grants)
	}
	if s, _ := cityAdmin.do("GET", "/admin/users/"+itoa(ex)+"/revoke?role=admin&region=450102", nil); s != 404 {
		t.Errorf("confirmation of a grant the user lacks: %d", s)
	}
	r := e.response(cityAdmin, "POST", "/admin/users/"+itoa(ex)+"/revoke", url.Values{"role": {"expert"}, "region": {"450102"}})
	if r.StatusCode != 303 {
		t.Fatalf("revocation form: %d", r.StatusCode)
	}
	if grants, _ := e.authz.Grants(ex); len(grants) != 0 {
		t.Fatalf("grants after the revocation form: %v", grants)
	}
}

// TestParallelRevocationsKeepOneAdminGrant: an admin revoking both of its
// admin grants at once keeps one of them.
func TestParallelRevocationsKeepOneAdminGrant(t *testing.T) {
	e := newEnv(t)
	c := e.staff("nn-admin", models.RoleAdmin, "4501")
	admin := e.actor("nn-admin").UserID
	// Several rounds, as one pair of requests seldom meets in the window.
	for round := 0; round < 20; round++ {
		grants, _ := e.authz.Grants(admin)
		var regions []string
		for _, r := range []string{"4501", "450102", "450103"} {
			if !slices.Contains(grants, models.Grant{Role: models.RoleAdmin, Region: r}) {
				if err := e.store.GrantRole(t.Context(), e.root, admin, models.Grant{Role: models.RoleAdmin, Region: r}); err != nil {
					t.Fatal(err)
				}
			}
			regions = append(regions, r)
		}
		got := parallel(t, 3, func(int) *client { return c }, "DELETE", func(int) string { return "/api/v1/users/" + itoa(admin) + "/roles" },
			func(i int) any { return map[string]string{"role": "admin", "region": regions[i]} })
		if got[204] != 2 || got[409] != 1 {
			t.Fatalf("round %d: three parallel revocations of one's three admin grants: %v, want two 204 and one 409", round, got)
		}
		if grants, _ := e.authz.Grants(admin); len(grants) != 1 {
			t.Fatalf("round %d: grants left: %v", round, grants)
		}
	}
}
