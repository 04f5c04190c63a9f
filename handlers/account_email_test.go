package handlers_test

import (
	"net/url"
	"strings"
	"testing"
)

// TestOwnEmail: a user sets and clears its own e-mail address (API and
// account page), bad ones are refused naming the field with what was typed
// kept, and an admin may give one when creating a user.
func TestOwnEmail(t *testing.T) {
	e := newEnv(t)
	u := e.staff("xn-buyer", "procurement", "450102")
	s, b := u.do("PUT", "/api/v1/me/email", map[string]string{"email": " buyer@example.org "})
	if must(t, 200, s, b, "set email"); !strings.Contains(string(b), `"email":"buyer@example.org"`) {
		t.Fatalf("set email: %s", b)
	}
	for _, bad := range []string{"not-an-address", strings.Repeat("a", 250) + "@example.org", "a@example.org\x00", "a\u202e@example.org"} {
		if s, b := u.do("PUT", "/api/v1/me/email", map[string]string{"email": bad}); s != 422 || !strings.Contains(string(b), `"field":"email"`) {
			t.Fatalf("email %q: %d %s", bad, s, b)
		}
	}
	if s, _ := u.do("PUT", "/api/v1/me/email", map[string]any{"email": 12}); s != 400 {
		t.Fatalf("a number: %d", s)
	}
	if s, _ := e.anon().do("PUT", "/api/v1/me/email", map[string]string{"email": "x@example.org"}); s != 401 {
		t.Fatalf("anonymous: %d", s)
	}
	s, b = u.do("GET", "/account", nil)
	if page := string(must(t, 200, s, b, "account page")); !strings.Contains(page, `value="buyer@example.org"`) {
		t.Fatalf("account page lacks the address:\n%s", page)
	}
	s, b = u.form("/account", url.Values{"email": {"still wrong"}})
	if page := string(b); s != 422 || !strings.Contains(page, `value="still wrong"`) || !strings.Contains(page, "请输入有效的电子邮箱地址") {
		t.Fatalf("bad address on the page: %d\n%s", s, page)
	}
	if s, _ := u.form("/account", url.Values{"email": {""}}); s != 303 {
		t.Fatalf("clearing: %d", s)
	}
	if em := e.actor("xn-buyer"); em == nil {
		t.Fatal("no actor")
	}
	var email string
	e.store.DB.Raw("SELECT email FROM users WHERE username = 'xn-buyer'").Scan(&email)
	if email != "" {
		t.Fatalf("email after clearing: %q", email)
	}
	var n int64
	e.store.DB.Raw("SELECT COUNT(*) FROM audit_events WHERE action = 'user.email'").Scan(&n)
	if n != 2 {
		t.Fatalf("%d user.email audit events, want 2 (set, cleared)", n)
	}

	admin := e.signIn("admin")
	s, b = admin.do("POST", "/api/v1/users", map[string]string{"username": "mailed", "password": testPassword, "display_name": "有邮箱", "email": "m@example.org"})
	if must(t, 201, s, b, "create with email"); !strings.Contains(string(b), `"email":"m@example.org"`) {
		t.Fatalf("created user: %s", b)
	}
	if s, b := admin.do("POST", "/api/v1/users", map[string]string{"username": "badmail", "password": testPassword, "display_name": "x", "email": "nope"}); s != 422 {
		t.Fatalf("create with a bad email: %d %s", s, b)
	}
}
