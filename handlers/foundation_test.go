package handlers_test

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestSessionCookieAndRotation(t *testing.T) {
	e := newEnv(t)
	e.staff("lan", "expert", "4501")
	signIn := func() *http.Cookie {
		req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/session", strings.NewReader(`{"username":"lan","password":"`+testPassword+`"}`))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		for _, c := range resp.Cookies() {
			if c.Name == "portal_session" {
				return c
			}
		}
		t.Fatal("no session cookie")
		return nil
	}
	a, b := signIn(), signIn()
	if a.Value == b.Value {
		t.Fatal("two sign-ins share a session id")
	}
	if !a.HttpOnly || a.SameSite != http.SameSiteLaxMode || a.Secure {
		t.Fatalf("cookie flags: %+v", a)
	}
	// The stored id is a hash: the cookie value is not in the database.
	var n int64
	e.store.DB.Table("sessions").Where("id = ?", a.Value).Count(&n)
	if n != 0 {
		t.Fatal("the session token is stored in clear")
	}
	// Behind TLS the cookie is Secure.
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/session", strings.NewReader(`{"username":"lan","password":"`+testPassword+`"}`))
	req.Header.Set("X-Forwarded-Proto", "https")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if c := resp.Cookies(); len(c) == 0 || !c[0].Secure {
		t.Fatalf("cookie behind TLS not Secure: %+v", c)
	}
}

func TestSignInAnswersAndThrottle(t *testing.T) {
	e := newEnv(t)
	e.staff("lan", "expert", "4501")
	c := e.anon()
	s1, b1 := c.do("POST", "/api/v1/session", map[string]string{"username": "nobody", "password": "x"})
	s2, b2 := c.do("POST", "/api/v1/session", map[string]string{"username": "lan", "password": "x"})
	if s1 != 401 || s2 != 401 || !bytes.Equal(b1, b2) {
		t.Fatalf("unknown user %d %s vs wrong password %d %s must be identical 401s", s1, b1, s2, b2)
	}
	for i := 0; i < 4; i++ {
		c.do("POST", "/api/v1/session", map[string]string{"username": "lan", "password": "x"})
	}
	if s, b := c.do("POST", "/api/v1/session", map[string]string{"username": "lan", "password": testPassword}); s != 429 {
		t.Fatalf("after 5 failures the right password answers %d %s, want 429", s, b)
	}
	if s, _ := c.do("POST", "/api/v1/session", "not an object"); s != 400 {
		t.Fatalf("wrong shape answers %d, want 400", s)
	}
	// The page shows the same throttle.
	s, body := c.form("/login", url.Values{"username": {"lan"}, "password": {testPassword}})
	if s != 429 || !strings.Contains(string(body), "登录失败次数过多") {
		t.Fatalf("page sign-in after throttle: %d", s)
	}
}

func TestCrossOriginPostsAreRejected(t *testing.T) {
	e := newEnv(t)
	admin := e.signIn("admin")
	for _, h := range []map[string]string{{"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}} {
		req, _ := http.NewRequest("POST", e.srv.URL+"/admin/users", strings.NewReader("username=csrfvictim&password=long-enough-pw&display_name=x"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range h {
			req.Header.Set(k, v)
		}
		s, _ := admin.send(req)
		if s != 403 {
			t.Fatalf("cross-origin form post with %v answered %d, want 403", h, s)
		}
	}
	var n int64
	e.store.DB.Table("users").Where("username = ?", "csrfvictim").Count(&n)
	if n != 0 {
		t.Fatal("a cross-origin post created a user")
	}
	// The same post from the portal's own page goes through.
	req, _ := http.NewRequest("POST", e.srv.URL+"/admin/users", strings.NewReader("username=samesite&password=long-enough-pw&display_name=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", e.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if s, b := admin.send(req); s != 303 {
		t.Fatalf("same-origin post answered %d %.300s", s, b)
	}
}

func TestUserFormKeepsInputAndShowsFieldErrors(t *testing.T) {
	e := newEnv(t)
	admin := e.signIn("admin")
	s, body := admin.form("/admin/users", url.Values{"username": {"Li Lei"}, "display_name": {"李雷"}, "phone": {"12345"}, "password": {"short"}})
	page := string(body)
	if s != 422 {
		t.Fatalf("status %d", s)
	}
	for _, want := range []string{`value="李雷"`, `id="e-username"`, `id="e-phone"`, `id="e-password"`, "至少 10 个字符", `value="12345"`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	// English switch.
	admin.do("GET", "/lang/en?next=/", nil)
	_, body = admin.form("/admin/users", url.Values{"username": {"lilei"}, "display_name": {""}, "password": {"long-enough-pw"}})
	if !strings.Contains(string(body), "Required") || !strings.Contains(string(body), `value="lilei"`) {
		t.Errorf("English page lacks the field error or the typed value")
	}
	// API: 422 naming each field.
	s, body = admin.do("POST", "/api/v1/users", map[string]string{"username": "ok-name", "password": "short", "display_name": "x", "phone": "bad"})
	if got := strings.Join(fieldsOf(t, body), ","); s != 422 || got != "password,phone" {
		t.Fatalf("API 422 fields %q (%d)", got, s)
	}
	s, body = admin.do("POST", "/api/v1/users", map[string]string{"username": "admin", "password": "long-enough-pw", "display_name": "x"})
	if s != 409 || fieldsOf(t, body)[0] != "username" {
		t.Fatalf("taken username: %d %s", s, body)
	}
}

func TestDisablingEndsSessions(t *testing.T) {
	e := newEnv(t)
	lan := e.staff("lan", "expert", "4501")
	admin := e.signIn("admin")
	if s, _ := lan.do("GET", "/api/v1/me", nil); s != 200 {
		t.Fatal(s)
	}
	id := e.actor("lan").UserID
	if s, b := admin.do("POST", "/api/v1/users/"+itoa(id)+"/disable", nil); s != 200 {
		t.Fatalf("disable: %d %s", s, b)
	}
	if s, _ := lan.do("GET", "/api/v1/me", nil); s != 401 {
		t.Fatalf("disabled user's session still answers %d", s)
	}
	if s, _ := e.anon().do("POST", "/api/v1/session", map[string]string{"username": "lan", "password": testPassword}); s != 401 {
		t.Fatalf("disabled user signs in: %d", s)
	}
}

func TestSignOutAndPages(t *testing.T) {
	e := newEnv(t)
	c := e.anon()
	if s, _ := c.form("/login", url.Values{"username": {"admin"}, "password": {testPassword}, "next": {"//evil.example/"}}); s != 303 {
		t.Fatalf("page sign-in: %d", s)
	}
	s, body := c.do("GET", "/", nil)
	if s != 200 || !strings.Contains(string(body), `data-cap="user:create"`) {
		t.Fatalf("home page does not show the admin's capabilities: %d", s)
	}
	if s, _ := c.form("/logout", url.Values{}); s != 303 {
		t.Fatalf("sign-out: %d", s)
	}
	if s, _ := c.do("GET", "/api/v1/me", nil); s != 401 {
		t.Fatalf("after sign-out /me answers %d", s)
	}
	if s, _ := c.do("GET", "/admin/users", nil); s != 303 {
		t.Fatalf("signed-out admin page answers %d, want a redirect to sign in", s)
	}
}

func TestBodyLimit(t *testing.T) {
	e := newEnv(t)
	admin := e.signIn("admin")
	big := strings.Repeat("x", 2<<20)
	s, _ := admin.do("POST", "/api/v1/users", map[string]string{"username": "big", "password": big, "display_name": "x"})
	if s != 413 {
		t.Fatalf("2 MiB body answered %d, want 413", s)
	}
}
