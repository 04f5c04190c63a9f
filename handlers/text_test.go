package handlers_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// poisons are the texts no database may be handed: a NUL (PostgreSQL
// refuses it), invalid UTF-8, and a value far beyond any field's maximum.
var poisons = []struct{ name, value string }{
	{"nul", "x\x00y"},
	{"invalid utf-8", "\xff\xfe"},
	{"100,000 characters", strings.Repeat("长", 100_000)},
}

// rawMarker stands for poison bytes that json.Marshal would replace.
const rawMarker = "@@POISON@@"

// setPath sets the value at a path such as "organisation.name" or
// "criteria[0].name" in a body built of maps and slices of maps.
func setPath(t *testing.T, body map[string]any, path string, v any) {
	t.Helper()
	parts := strings.Split(path, ".")
	var cur any = body
	for i, p := range parts {
		name, idx := p, -1
		if j := strings.IndexByte(p, '['); j >= 0 {
			name = p[:j]
			idx, _ = strconv.Atoi(strings.TrimSuffix(p[j+1:], "]"))
		}
		m := cur.(map[string]any)
		if idx >= 0 {
			m = m[name].([]map[string]any)[idx]
			if i == len(parts)-1 {
				t.Fatalf("path %s ends in an index", path)
			}
			cur = map[string]any(m)
			continue
		}
		if i == len(parts)-1 {
			m[name] = v
			return
		}
		switch next := m[name].(type) {
		case map[string]any:
			cur = next
		case map[string]string:
			cp := map[string]any{}
			for k, x := range next {
				cp[k] = x
			}
			m[name] = cp
			cur = cp
		default:
			t.Fatalf("path %s: %T", path, next)
		}
	}
}

// rawJSON marshals body and puts the poison's bytes in place of rawMarker.
func rawJSON(t *testing.T, body map[string]any, poison string) []byte {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	enc, _ := json.Marshal(poison)
	if !strings.Contains(poison, "\xff") {
		return bytes.ReplaceAll(b, []byte(`"`+rawMarker+`"`), enc)
	}
	return bytes.ReplaceAll(b, []byte(rawMarker), []byte(poison))
}

func (c *client) raw(method, path, ctype string, body []byte) (int, []byte) {
	c.e.t.Helper()
	req, err := http.NewRequest(method, c.e.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		c.e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", ctype)
	return c.send(req)
}

// Every list route's query, on the API and the pages, refuses what cannot
// be searched with 400, the same on both databases, and never answers 500.
func TestQueriesRefuseBytesNoDatabaseTakes(t *testing.T) {
	w := newTenderWorld(t)
	tender := w.publish(t)
	admin := w.e.signIn("admin")
	paths := []string{"/api/v1/tenders", "/api/v1/organisations", "/api/v1/users", "/api/v1/audit", "/api/v1/regions",
		"/api/v1/contracts", "/api/v1/catalogue/items", "/api/v1/catalogue/versions", "/api/v1/tenders/%d/enquiries",
		"/api/v1/tenders/%d/challenges", "/api/v1/tenders/%d/bidders",
		"/tenders", "/organisations", "/admin/users", "/admin/audit", "/regions", "/contracts", "/catalogue", "/my/bids",
		"/my/evaluations", "/tenders/%d", "/login", "/",
		"/tenders.xlsx", "/notices.xlsx", "/organisations.xlsx", "/admin/users.xlsx", "/admin/audit.xlsx", "/contracts.xlsx", "/catalogue.xlsx",
		"/reports.xlsx", "/payments.xlsx", "/allocations.xlsx", "/bases.xlsx", "/notifications.xlsx"}
	long := strings.Repeat("a", 100_000)
	for _, p := range paths {
		if strings.Contains(p, "%d") {
			p = fmt.Sprintf(p, tender)
		}
		for _, param := range []string{"q", "region", "status", "page", "next"} {
			for _, v := range []string{"%00", "%FF%FE", "x%01y", long} {
				for _, c := range []*client{admin, w.agents[0], w.e.anon()} {
					req, err := http.NewRequest("GET", w.e.srv.URL+p+"?"+param+"="+v, nil)
					if err != nil {
						t.Fatal(err)
					}
					if s, b := c.send(req); s != http.StatusBadRequest {
						t.Fatalf("GET %s?%s=%.20s: %d, want 400: %.300s", p, param, v, s, b)
					}
				}
			}
		}
		// The route exists, and the longest allowed search still answers.
		req, _ := http.NewRequest("GET", w.e.srv.URL+p+"?q="+url.QueryEscape(strings.Repeat("%_长", 133)), nil)
		if s, b := admin.send(req); s >= 500 || s == 404 {
			t.Fatalf("GET %s with a 399-character q: %d %.300s", p, s, b)
		}
	}
	for _, p := range []string{"/api/v1/regions/%00", "/api/v1/regions/%FF", "/catalogue/items/%00", "/api/v1/regions/" + strings.Repeat("4", 100_000),
		"/catalogue/items/" + strings.Repeat("C", 100_000)} {
		req, _ := http.NewRequest("GET", w.e.srv.URL+p, nil)
		if s, b := admin.send(req); s != http.StatusBadRequest {
			t.Fatalf("GET %s: %d %.300s", p, s, b)
		}
	}
}

// Every text field of registration, tenders, enquiries, the profile and
// sign-in refuses NUL, invalid UTF-8 and overlong text with a field error
// (sign-in: 401 or 422), from the API and from the pages, never 500.
func TestTextFieldsRefuseBytesNoDatabaseTakes(t *testing.T) {
	w := newTenderWorld(t)
	tender := w.publish(t)
	org := w.orgs[0]
	type jsonCase struct {
		who    *client
		method string
		path   string
		body   func() map[string]any
		fields []string
		want   []int
	}
	reg := func() map[string]any { return orgBody("newcomer", "450102", orgCreditCode("450102", 77)) }
	cases := []jsonCase{
		{w.e.anon(), "POST", "/api/v1/session", func() map[string]any { return map[string]any{"username": "agent1", "password": testPassword} },
			[]string{"username", "password"}, []int{401, 422}},
		{w.e.anon(), "POST", "/api/v1/registrations", reg,
			[]string{"organisation.name", "organisation.credit_code", "organisation.legal_rep", "organisation.region", "organisation.founded_on",
				"organisation.phone", "organisation.address", "user.username", "user.password", "user.display_name"}, []int{422}},
		{w.buyer, "POST", "/api/v1/tenders", w.tenderBody,
			[]string{"title", "region", "catalogue_code", "method", "evaluation", "service_start", "service_end", "budget[0].source",
				"targets[0].indicator", "criteria[0].key", "criteria[0].name"}, []int{422}},
		{w.buyer, "PATCH", fmt.Sprintf("/api/v1/tenders/%d", tender), func() map[string]any { return map[string]any{"title": "x"} },
			[]string{"title"}, []int{422}},
		{w.agents[0], "POST", fmt.Sprintf("/api/v1/tenders/%d/enquiries", tender), func() map[string]any { return map[string]any{"question": "问"} },
			[]string{"question"}, []int{422}},
		{w.agents[0], "PATCH", fmt.Sprintf("/api/v1/organisations/%d", org), func() map[string]any {
			return map[string]any{"legal_rep": "黄丽", "address": "民主路", "phone": "0771-5551234", "founded_on": "2018-05-20"}
		}, []string{"legal_rep", "address", "phone", "founded_on"}, []int{422}},
		{w.agents[0], "POST", fmt.Sprintf("/api/v1/organisations/%d/staff", org), func() map[string]any {
			return map[string]any{"name": "李", "position": "社工", "level": "intermediate", "certificate_no": "GX"}
		}, []string{"name", "position", "level", "certificate_no"}, []int{422}},
		{w.buyer, "POST", fmt.Sprintf("/api/v1/tenders/%d/cancel", tender), func() map[string]any { return map[string]any{"reason": "取消"} },
			[]string{"reason"}, []int{422}},
		{w.agents[0], "PUT", fmt.Sprintf("/api/v1/tenders/%d/bid", tender), func() map[string]any {
			return map[string]any{"price_fen": 100, "proposal": "方案", "team": []map[string]any{{"staff_id": w.staff[0], "role": "主管"}}}
		}, []string{"proposal", "team[0].role"}, []int{422}},
	}
	for _, tc := range cases {
		for _, f := range tc.fields {
			for _, p := range poisons {
				body := tc.body()
				setPath(t, body, f, rawMarker)
				s, b := tc.who.raw(tc.method, tc.path, "application/json", rawJSON(t, body, p.value))
				ok := false
				for _, want := range tc.want {
					ok = ok || s == want
				}
				if !ok {
					t.Fatalf("%s %s with %s in %s: %d, want %v: %.300s", tc.method, tc.path, p.name, f, s, tc.want, b)
				}
				if s == 422 && p.name != "invalid utf-8" && !strings.Contains(string(b), `"field":"`+f+`"`) {
					t.Fatalf("%s %s with %s in %s: the answer does not name the field: %.300s", tc.method, tc.path, p.name, f, b)
				}
			}
		}
	}

	// The pages' forms.
	type formCase struct {
		who    *client
		path   string
		values func() url.Values
		want   []int
	}
	regForm := func() url.Values {
		return url.Values{"organisation.name": {"机构"}, "organisation.credit_code": {orgCreditCode("450102", 78)}, "organisation.legal_rep": {"黄丽"},
			"organisation.region": {"450102"}, "organisation.founded_on": {"2018-05-20"}, "organisation.phone": {"0771-5551234"},
			"organisation.address": {"路"}, "user.username": {"formcomer"}, "user.display_name": {"黄"}, "user.password": {testPassword}}
	}
	forms := []formCase{
		{w.e.anon(), "/login", func() url.Values { return url.Values{"username": {"agent1"}, "password": {testPassword}} }, []int{401, 422}},
		{w.e.anon(), "/register", regForm, []int{422}},
		{w.buyer, "/tenders", func() url.Values { return tpFormValues("标题", w.now.Add(11*24*time.Hour)) }, []int{422}},
		{w.agents[0], fmt.Sprintf("/tenders/%d/enquiries", tender), func() url.Values { return url.Values{"question": {"问"}} }, []int{422}},
		{w.agents[0], fmt.Sprintf("/organisations/%d/profile", org), func() url.Values {
			return url.Values{"legal_rep": {"黄丽"}, "address": {"路"}, "phone": {"0771-5551234"}, "founded_on": {"2018-05-20"}}
		}, []int{422}},
	}
	for _, fc := range forms {
		for field := range fc.values() {
			for _, p := range poisons {
				v := fc.values()
				v.Set(field, p.value)
				s, b := fc.who.form(fc.path, v)
				ok := false
				for _, want := range fc.want {
					ok = ok || s == want
				}
				if !ok {
					t.Fatalf("POST %s with %s in %s: %d, want %v: %.300s", fc.path, p.name, field, s, fc.want, tpText(string(b)))
				}
				// The form comes back with the error next to its field.
				hidden := regexp.MustCompile(`type="hidden" name="` + regexp.QuoteMeta(field) + `"`).Match(b)
				if marked := regexp.MustCompile(`name="` + regexp.QuoteMeta(field) + `"[^>]*aria-invalid="true"`); s == 422 && !hidden && !marked.Match(b) {
					t.Errorf("POST %s with %s in %s: no error next to the field: %.300s", fc.path, p.name, field, tpText(string(b)))
				}
			}
		}
	}
	// Multipart forms: their text values are checked before the model's
	// transaction, with or without a file.
	for _, withFile := range []bool{false, true} {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("organisation_id", fmt.Sprint(w.orgs[0]))
		mw.WriteField("result", "clear")
		mw.WriteField("note", "x\x00y")
		if withFile {
			fw, _ := mw.CreateFormFile("evidence_file", "e.pdf")
			fw.Write(testPDF)
		}
		mw.Close()
		for _, path := range []string{"/api/v1/tenders/%d/credit-checks", "/tenders/%d/credit-checks"} {
			if s, b := w.buyer.raw("POST", fmt.Sprintf(path, tender), mw.FormDataContentType(), buf.Bytes()); s != 422 {
				t.Fatalf("credit check with a NUL in its note (file %v) at %s: %d %.300s", withFile, path, s, b)
			}
		}
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("kind", "charter\x00")
	fw, _ := mw.CreateFormFile("file", "c.pdf")
	fw.Write(testPDF)
	mw.Close()
	if s, b := w.agents[0].raw("POST", fmt.Sprintf("/api/v1/organisations/%d/documents", org), mw.FormDataContentType(), buf.Bytes()); s != 422 {
		t.Fatalf("document with a NUL in its kind: %d %.300s", s, b)
	}

	// Nothing was stored.
	for _, table := range []string{"enquiries"} {
		if n := w.e.orgCount(table); n != 0 {
			t.Fatalf("%d rows in %s", n, table)
		}
	}
	if s, b := w.e.anon().form("/login", url.Values{"username": {"x\x00"}, "password": {"p"}}); s >= 500 {
		t.Fatalf("sign-in with a NUL: %d %s", s, b)
	}
}
