package handlers_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"portal/handlers"
	"portal/models"
	"portal/policy"
)

// parallel sends n requests at once (each built by req(i) on client c(i))
// and counts the answers by status.
func parallel(t *testing.T, n int, c func(i int) *client, method string, path func(i int) string, body func(i int) any) map[int]int {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	counts := map[int]int{}
	var errs []error
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		b, err := json.Marshal(body(i))
		if err != nil {
			t.Fatal(err)
		}
		req, err := http.NewRequest(method, c(i).e.srv.URL+path(i), bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		wg.Add(1)
		go func(cl *client) {
			defer wg.Done()
			<-start
			resp, err := cl.http.Do(req)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			resp.Body.Close()
			counts[resp.StatusCode]++
		}(c(i))
	}
	close(start)
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("%d requests failed: %v", len(errs), errs[0])
	}
	return counts
}

func (e *env) failures(key string) int64 {
	e.t.Helper()
	var n int64
	if err := e.store.DB.Model(&models.SignInFailure{}).Where("key = ?", key).Count(&n).Error; err != nil {
		e.t.Fatal(err)
	}
	return n
}

func TestSignInThrottleHoldsUnderParallelAttempts(t *testing.T) {
	e := newEnv(t)
	e.staff("lan", models.RoleExpert, "4501")
	max := e.store.Settings.MaxFailuresUser
	session := func(int) string { return "/api/v1/session" }
	anyone := func(int) *client { return e.anon() }
	wrong := func(username string) func(int) any {
		return func(int) any { return map[string]string{"username": username, "password": "wrong-password"} }
	}

	// Per user: of 30 parallel wrong passwords exactly the limit are
	// checked, the rest refused.
	got := parallel(t, 30, anyone, "POST", session, wrong("lan"))
	if got[401] != max || got[429] != 30-max || len(got) != 2 {
		t.Fatalf("30 parallel wrong passwords: %v, want %d×401 and %d×429", got, max, 30-max)
	}
	if n := e.failures("user:lan"); n != int64(max) {
		t.Fatalf("%d failures recorded for the user, want %d", n, max)
	}
	if s, b := e.anon().do("POST", "/api/v1/session", map[string]string{"username": "lan", "password": testPassword}); s != 429 {
		t.Fatalf("the right password after the limit: %d %s", s, b)
	}

	// 25 wrong and 5 right in parallel: never more wrong guesses checked
	// than the limit, whatever the right ones do.
	e.staff("mei", models.RoleExpert, "4501")
	got = parallel(t, 30, anyone, "POST", session, func(i int) any {
		pw := "wrong-password"
		if i%6 == 0 {
			pw = testPassword
		}
		return map[string]string{"username": "mei", "password": pw}
	})
	if got[401] > max || got[200]+got[401]+got[429] != 30 {
		t.Fatalf("25 wrong and 5 right in parallel: %v, want at most %d×401", got, max)
	}
	if n := e.failures("user:mei"); n != int64(got[401]) {
		t.Fatalf("%d failures recorded for the user, %d answered 401", n, got[401])
	}

	// Per address: guessing 30 usernames at once from one address.
	e2 := newEnv(t)
	maxAddr := e2.store.Settings.MaxFailuresAddr
	got = parallel(t, 30, func(int) *client { return e2.anon() }, "POST", session, func(i int) any {
		return map[string]string{"username": fmt.Sprintf("guess%d", i), "password": "x"}
	})
	if got[401] != maxAddr || got[429] != 30-maxAddr || len(got) != 2 {
		t.Fatalf("30 parallel guesses from one address: %v, want %d×401 and %d×429", got, maxAddr, 30-maxAddr)
	}
	if s, b := e2.anon().do("POST", "/api/v1/session", map[string]string{"username": "admin", "password": testPassword}); s != 429 {
		t.Fatalf("the admin from the guessing address: %d %s", s, b)
	}
}

func TestRegistrationThrottle(t *testing.T) {
	e := newEnv(t)
	e.store.Settings.MaxRegistrationsAddr = models.DefaultSettings().MaxRegistrationsAddr
	max := e.store.Settings.MaxRegistrationsAddr
	e.registerOrg("taken", "450102")
	anon := e.anon()
	// Probing usernames: each "taken" answer counts, then 429 even for a
	// name that is free, in parallel as in sequence.
	for i := 0; i < max/2; i++ {
		s, b := anon.do("POST", "/api/v1/registrations", orgBody("taken", "450102", orgCreditCode("450102", 100+i)))
		if s != 409 || !strings.Contains(string(b), "user.username") {
			t.Fatalf("probe %d: %d %s", i, s, b)
		}
	}
	n := max - max/2 + 5
	got := parallel(t, n, func(int) *client { return e.anon() }, "POST", func(int) string { return "/api/v1/registrations" }, func(i int) any {
		return orgBody(fmt.Sprintf("free%d", i), "450102", orgCreditCode("450102", 200+i))
	})
	if got[201] != max-max/2 || got[429] != 5 || len(got) != 2 {
		t.Fatalf("%d parallel registrations after %d probes: %v, want %d×201 and 5×429", n, max/2, got, max-max/2)
	}
	if s, b := anon.do("POST", "/api/v1/registrations", orgBody("taken", "450102", orgCreditCode("450102", 300))); s != 429 {
		t.Fatalf("a probe past the limit: %d %s", s, b)
	}
	// The page answers the same, in the page's language.
	form := url.Values{"organisation.name": {"机构"}, "organisation.credit_code": {orgCreditCode("450102", 301)},
		"organisation.legal_rep": {"黄丽"}, "organisation.region": {"450102"}, "organisation.founded_on": {"2018-05-20"},
		"organisation.phone": {"0771-5551234"}, "user.username": {"free-page"}, "user.password": {testPassword}, "user.display_name": {"黄丽"}}
	if s, b := anon.form("/register", form); s != 429 || !strings.Contains(string(b), "注册次数过多") {
		t.Fatalf("the registration page past the limit: %d", s)
	}
	// Another address is not affected.
	in := models.Registration{
		Organisation: models.NewOrganisation{Name: "另一机构", CreditCode: orgCreditCode("450102", 400), LegalRep: "黄丽",
			Region: "450102", FoundedOn: "2018-05-20", Phone: "0771-5551234", Address: "民主路 2 号"},
		User: models.NewUser{Username: "elsewhere", Password: testPassword, DisplayName: "黄丽"},
	}
	if _, _, err := e.store.Register(t.Context(), models.Anonymous("192.0.2.50", e.authz), in); err != nil {
		t.Fatalf("from another address: %v", err)
	}
}

func TestRedirectTargetsStayLocal(t *testing.T) {
	e := newEnv(t)
	cases := []struct{ next, want string }{
		{"/tenders?page=2", "/tenders?page=2"},
		{"/admin/users/3", "/admin/users/3"},
		{"/%5Cevil.example/", "/%5Cevil.example/"}, // an encoded backslash stays a path here
		{"", "/"},
		{"/", "/"},
		{"/\\evil.example/", "/"},
		{"\\\\evil.example", "/"},
		{"//evil.example/", "/"},
		{"///evil.example/", "/"},
		{"/\t/evil.example", "/"},
		{"/\n/evil.example", "/"},
		{"/./\\evil.example", "/"},
		{"https://evil.example/", "/"},
		{"http:/evil.example", "/"},
		{"javascript:alert(1)", "/"},
		{"evil.example", "/"},
	}
	// Bytes that are not text are refused at the edge before any redirect:
	// 400 for a query, the form again for a page's form.
	for _, next := range []string{"/a\x00b", "/\xff\xfe", "//evil.example/\x00"} {
		q := "?next=" + url.QueryEscape(next)
		for _, resp := range []*http.Response{e.response(e.anon(), "GET", "/lang/en"+q, nil),
			e.response(e.anon(), "POST", "/login", url.Values{"username": {"admin"}, "password": {testPassword}, "next": {next}})} {
			if resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusUnprocessableEntity || resp.Header.Get("Location") != "" {
				t.Errorf("next=%q: %d Location %q, want 400 or 422 and no redirect", next, resp.StatusCode, resp.Header.Get("Location"))
			}
		}
	}
	admin := e.signIn("admin")
	for _, tc := range cases {
		q := "?next=" + url.QueryEscape(tc.next)
		for _, route := range []struct {
			name string
			do   func() *http.Response
		}{
			{"GET /lang/en", func() *http.Response { return e.response(e.anon(), "GET", "/lang/en"+q, nil) }},
			{"GET /login signed in", func() *http.Response { return e.response(admin, "GET", "/login"+q, nil) }},
			{"POST /login", func() *http.Response {
				return e.response(e.anon(), "POST", "/login", url.Values{"username": {"admin"}, "password": {testPassword}, "next": {tc.next}})
			}},
		} {
			resp := route.do()
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != tc.want {
				t.Errorf("%s next=%q: %d Location %q, want %q", route.name, tc.next, resp.StatusCode, resp.Header.Get("Location"), tc.want)
			}
		}
		// The login form carries only a checked next in its hidden field.
		_, body := e.anon().send(mustRequest(t, "GET", e.srv.URL+"/login"+q, nil))
		hidden := `name="next" value="` + tc.want + `"`
		if !strings.Contains(string(body), hidden) {
			t.Errorf("login form for next=%q lacks %s", tc.next, hidden)
		}
	}
}

func mustRequest(t *testing.T, method, url string, body *strings.Reader) *http.Request {
	t.Helper()
	var req *http.Request
	var err error
	if body == nil {
		req, err = http.NewRequest(method, url, nil)
	} else {
		req, err = http.NewRequest(method, url, body)
	}
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// response sends a request (a form when values are given) and returns the
// answer without following redirects.
func (e *env) response(c *client, method, path string, values url.Values) *http.Response {
	e.t.Helper()
	var req *http.Request
	if values != nil {
		req = mustRequest(e.t, method, e.srv.URL+path, strings.NewReader(values.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = mustRequest(e.t, method, e.srv.URL+path, nil)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func TestUserActionsTakeTheReachOfReading(t *testing.T) {
	e := newEnv(t)
	e.staff("nn-admin", models.RoleAdmin, "4501")
	cityAdmin := e.signIn("nn-admin")
	e.staff("lz-buyer", models.RoleProcurement, "4502")
	lz := e.actor("lz-buyer").UserID
	e.staff("nn-buyer", models.RoleProcurement, "4501")
	nn := e.actor("nn-buyer").UserID
	audits := func() int64 {
		var n int64
		e.store.DB.Model(&models.AuditEvent{}).Count(&n)
		return n
	}
	before := audits()
	user := "/api/v1/users/" + itoa(lz)
	if s, b := cityAdmin.do("GET", user, nil); s != 404 {
		t.Fatalf("the city admin reads a Liuzhou buyer: %d %s", s, b)
	}
	// A role in the admin's own region, to a user it cannot see.
	for _, r := range []struct {
		path string
		body any
	}{{"/roles", map[string]string{"role": "expert", "region": "450103"}}, {"/disable", nil}, {"/enable", nil}} {
		if s, b := cityAdmin.do("POST", user+r.path, r.body); s != 404 || strings.Contains(string(b), "lz-buyer") {
			t.Errorf("POST %s on a user out of reach: %d %s, want 404", r.path, s, b)
		}
	}
	if s, _ := cityAdmin.form("/admin/users/"+itoa(lz)+"/roles", url.Values{"role": {"expert"}, "region": {"450103"}}); s != 404 {
		t.Errorf("the grant form on a user out of reach: %d, want 404", s)
	}
	if s, _ := cityAdmin.form("/admin/users/"+itoa(lz)+"/disable", nil); s != 404 {
		t.Errorf("the disable form on a user out of reach: %d, want 404", s)
	}
	if grants, _ := e.authz.Grants(lz); len(grants) != 1 || audits() != before {
		t.Fatalf("a refused action changed something: grants %v, %d new audit events", grants, audits()-before)
	}
	// Within reach the same calls work.
	mine := "/api/v1/users/" + itoa(nn)
	if s, b := cityAdmin.do("POST", mine+"/roles", map[string]string{"role": "expert", "region": "450103"}); s != 201 {
		t.Fatalf("grant within reach: %d %s", s, b)
	}
	if s, b := cityAdmin.do("POST", mine+"/disable", nil); s != 200 {
		t.Fatalf("disable within reach: %d %s", s, b)
	}
	if s, b := cityAdmin.do("POST", mine+"/enable", nil); s != 200 {
		t.Fatalf("enable within reach: %d %s", s, b)
	}
}

func TestParallelIdenticalGrantsWriteOne(t *testing.T) {
	e := newEnv(t)
	u, err := e.store.CreateUser(t.Context(), e.root, models.NewUser{Username: "twin", Password: testPassword, DisplayName: "twin"})
	if err != nil {
		t.Fatal(err)
	}
	admin := e.signIn("admin")
	got := parallel(t, 20, func(int) *client { return admin }, "POST", func(int) string { return "/api/v1/users/" + itoa(u.ID) + "/roles" },
		func(int) any { return map[string]string{"role": "expert", "region": "4501"} })
	if got[201] != 1 || got[409] != 19 {
		t.Fatalf("20 identical parallel grants: %v, want 1×201 and 19×409", got)
	}
	var rules, events int64
	e.store.DB.Table("casbin_rule").Where("ptype = 'g' AND v0 = ? AND v1 = 'expert' AND v2 = '4501'", models.Subject(u.ID)).Count(&rules)
	e.store.DB.Model(&models.AuditEvent{}).Where("action = 'user.grant' AND object_id = ?", itoa(u.ID)).Count(&events)
	if rules != 1 || events != 1 {
		t.Fatalf("%d casbin rows and %d user.grant events, want 1 and 1", rules, events)
	}
	// A second portal process whose policy in memory is behind: the
	// database still decides, and nothing is audited twice.
	other, err := policy.New(e.store.DB)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.store.GrantRole(t.Context(), e.root, u.ID, models.Grant{Role: models.RoleSupervisor, Region: "4501"}); err != nil {
		t.Fatal(err)
	}
	second := *e.store
	second.Authz = other
	root := models.NewActor(&models.User{ID: e.root.UserID, Username: "admin"}, e.root.Grants, "127.0.0.1", other)
	if err := second.GrantRole(t.Context(), root, u.ID, models.Grant{Role: models.RoleSupervisor, Region: "4501"}); !errors.Is(err, models.ErrConflict) {
		t.Fatalf("the same grant from a process that has not seen it: %v, want conflict", err)
	}
	e.store.DB.Model(&models.AuditEvent{}).Where("action = 'user.grant' AND object_id = ?", itoa(u.ID)).Count(&events)
	if events != 2 {
		t.Fatalf("%d user.grant events after two grants, want 2", events)
	}
	// The database refuses a second copy whatever writes it.
	err = e.store.DB.Exec("INSERT INTO casbin_rule (ptype, v0, v1, v2, v3) VALUES ('g', ?, 'expert', '4501', 'x')", models.Subject(u.ID)).Error
	if err == nil {
		t.Fatal("the database took a second copy of a grant")
	}
}

func TestEnquiryAuditIsAnonymous(t *testing.T) {
	w := newTenderWorld(t)
	tender := w.publish(t)
	// The asker's organisation leaves other events from the same address.
	s, b := w.agents[0].do("POST", fmt.Sprintf("/api/v1/tenders/%d/enquiries", tender), map[string]string{"question": "是否包括事实无人抚养儿童？"})
	q := decode[idOnly](t, must(t, 201, s, b, "ask"))
	var rows []map[string]any
	if err := w.e.store.DB.Raw("SELECT * FROM audit_events WHERE action = 'enquiry.ask'").Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 {
		t.Fatalf("%d enquiry.ask events", len(rows))
	}
	ev := rows[0]
	if ev["actor_id"] != nil || ev["actor_name"] != "" || ev["remote_addr"] != "" || fmt.Sprint(ev["object_id"]) != itoa(q.ID) {
		t.Fatalf("enquiry.ask keeps a trace of its asker: %v", ev)
	}
	var org models.Organisation
	w.e.store.DB.First(&org, w.orgs[0])
	asker := w.e.actor("agent1")
	for col, v := range ev {
		text := fmt.Sprint(v)
		for _, trace := range []string{"127.0.0.1", "agent1", org.Name, org.CreditCode, `"organisation`, `"user`} {
			if strings.Contains(text, trace) {
				t.Errorf("column %s (%q) names the asker (%s)", col, text, trace)
			}
		}
		if col == "actor_id" && v != nil && fmt.Sprint(v) == itoa(asker.UserID) {
			t.Errorf("actor_id is the asker")
		}
	}
	var after map[string]any
	if err := json.Unmarshal([]byte(fmt.Sprint(ev["after"])), &after); err != nil || len(after) != 1 || after["question"] == nil {
		t.Fatalf("enquiry.ask after = %v (%v), want only the question", ev["after"], err)
	}

	// The request log line of an enquiry names neither address nor user,
	// from the API as from the page; other lines still do.
	var logged bytes.Buffer
	h, err := handlers.New(w.e.store, w.e.authz, slog.New(slog.NewJSONHandler(&logged, nil)), handlers.Config{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	agent := &client{e: &env{t: t, store: w.e.store, authz: w.e.authz, srv: srv}, http: w.agents[1].http}
	s, b = agent.do("POST", fmt.Sprintf("/api/v1/tenders/%d/enquiries", tender), map[string]string{"question": "服务时长如何计算？"})
	must(t, 201, s, b, "ask through the API")
	s, b = agent.form(fmt.Sprintf("/tenders/%d/enquiries", tender), url.Values{"question": {"是否可以联合投标？"}})
	must(t, 303, s, b, "ask through the page")
	agent.do("GET", "/api/v1/me", nil)
	var lines []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(logged.String()), "\n") {
		lines = append(lines, decode[map[string]any](t, []byte(line)))
	}
	if len(lines) != 3 || lines[2]["user_id"] == nil || lines[2]["remote"] == nil {
		t.Fatalf("request log: %v", lines)
	}
	for _, l := range lines[:2] {
		if _, ok := l["user_id"]; ok {
			t.Errorf("the log of an enquiry names the user: %v", l)
		}
		if _, ok := l["remote"]; ok {
			t.Errorf("the log of an enquiry names the address: %v", l)
		}
	}
}

func TestSignInCountsAnyUsername(t *testing.T) {
	e := newEnv(t)
	c := e.anon()
	long := strings.Repeat("长", 900)
	for i := 0; i < e.store.Settings.MaxFailuresUser; i++ {
		// Past the edge (which refuses "x\x00" and names over 1,000
		// characters with 422), a name no user can have still answers 401.
		for _, name := range []string{"x y", long} {
			if s, b := c.do("POST", "/api/v1/session", map[string]string{"username": name, "password": "x"}); s != 401 {
				t.Fatalf("sign-in as %.20q: %d %s, want 401", name, s, b)
			}
		}
	}
	// Such names are throttled like any other.
	if s, b := c.do("POST", "/api/v1/session", map[string]string{"username": long, "password": "x"}); s != 429 {
		t.Fatalf("a long name past the limit: %d %s, want 429", s, b)
	}
}
