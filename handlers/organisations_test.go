package handlers_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"portal/models"
	"portal/models/blob"
	"portal/models/uscc"

	"github.com/chromedp/chromedp"
)

// orgCreditCode is a valid code of a private non-enterprise unit (52)
// registered in division, with subject number n.
func orgCreditCode(division string, n int) string {
	first := fmt.Sprintf("52%sMA%07d", division, n)
	c, err := uscc.CheckChar(first)
	if err != nil {
		panic(err) // the format above is always 17 alphabet characters
	}
	return first + string(c)
}

// orgBody is a registration body as the API takes it.
func orgBody(username, region, code string) map[string]any {
	return map[string]any{
		"organisation": map[string]string{"name": "兴宁区阳光社会工作服务中心" + username, "credit_code": code, "legal_rep": "黄丽",
			"region": region, "founded_on": "2018-05-20", "phone": "0771-5551234"},
		"user": map[string]string{"username": username, "password": testPassword, "display_name": "黄丽"},
	}
}

// registerOrg registers an organisation working in region (a city or a
// county), its code registered by that region's civil-affairs office.
func (e *env) registerOrg(username, region string) int64 {
	e.t.Helper()
	division := (region + "0000")[:6] // 4501 → 450100, 450102 stays
	var n int64
	e.store.DB.Model(&models.Organisation{}).Count(&n)
	in := models.Registration{
		Organisation: models.NewOrganisation{Name: "机构" + username, CreditCode: orgCreditCode(division, int(n)+1), LegalRep: "黄丽",
			Region: region, FoundedOn: "2018-05-20", Phone: "0771-5551234", Address: "民主路 1 号"},
		User: models.NewUser{Username: username, Password: testPassword, DisplayName: username},
	}
	v, _, err := e.store.Register(context.Background(), models.Anonymous("", e.authz), in)
	if err != nil {
		e.t.Fatal(err)
	}
	return v.Org.ID
}

// verifyOrg verifies an organisation as procurement staff of Guangxi.
func (e *env) verifyOrg(id int64) {
	e.t.Helper()
	var n int64
	e.store.DB.Model(&models.User{}).Where("username = ?", "org-verifier").Count(&n)
	if n == 0 {
		u, err := e.store.CreateUser(context.Background(), e.root, models.NewUser{Username: "org-verifier", Password: testPassword, DisplayName: "审核员"})
		if err == nil {
			err = e.store.GrantRole(context.Background(), e.root, u.ID, models.Grant{Role: models.RoleProcurement, Region: "45"})
		}
		if err != nil {
			e.t.Fatal(err)
		}
	}
	if _, err := e.store.ChangeOrganisationStatus(context.Background(), e.actor("org-verifier"), id, models.OrgVerify, models.OrgStatusChange{}); err != nil {
		e.t.Fatal(err)
	}
}

// orgExpand fills the organisation placeholders of the authorisation
// matrix: {org} a verified and {pending} a pending organisation of 4501,
// shared by the rows where no persona changes them; {fresh-org} and
// {fresh-pending} new ones for each request of a row that does; {myorg}
// the "agency" persona's own organisation, {staff} an entry of its roster
// and {doc} one of its documents.
func (f *matrixFixture) orgExpand(path string) string {
	e := f.e
	id := func(n int64) string { return fmt.Sprint(n) }
	org := func(member string, verified bool) int64 {
		var u models.User
		if err := e.store.DB.Where("username = ?", member).First(&u).Error; err == nil {
			return *u.OrganisationID
		}
		id := e.registerOrg(member, ownRegion)
		if verified {
			e.verifyOrg(id)
		}
		return id
	}
	for _, p := range []struct {
		placeholder, member string
		verified            bool
	}{
		{"{org}", "shared-org", true},
		{"{pending}", "shared-applicant", false},
		{"{fresh-org}", fmt.Sprintf("orgmember%d", f.n), true},
		{"{fresh-pending}", fmt.Sprintf("orgapplicant%d", f.n), false},
	} {
		if strings.Contains(path, p.placeholder) {
			path = strings.ReplaceAll(path, p.placeholder, id(org(p.member, p.verified)))
		}
	}
	if !strings.Contains(path, "{myorg}") {
		return path
	}
	member := e.actor("persona-agency")
	own := *member.OrganisationID
	path = strings.ReplaceAll(path, "{myorg}", id(own))
	ctx := context.Background()
	if strings.Contains(path, "{staff}") {
		r, err := e.store.AddRosterEntry(ctx, member, own, models.NewRosterEntry{Name: "社工"})
		if err != nil {
			e.t.Fatal(err)
		}
		path = strings.ReplaceAll(path, "{staff}", id(r.ID))
	}
	if strings.Contains(path, "{doc}") {
		d, err := e.store.UploadOrgDocument(ctx, member, own, func() (models.OrgUpload, error) {
			return models.OrgUpload{Kind: models.DocOther, Name: "a.pdf", Body: io.NopCloser(bytes.NewReader(testPDF))}, nil
		})
		if err != nil {
			e.t.Fatal(err)
		}
		path = strings.ReplaceAll(path, "{doc}", id(d.ID))
	}
	return path
}

// Minimal files that http.DetectContentType knows by their first bytes.
var (
	testPDF = []byte("%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n")
	testPNG = append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 64)...)
)

// orgUpload posts a multipart form with kind and one file.
func (c *client) orgUpload(path, kind, filename string, content []byte) (int, []byte) {
	c.e.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if err := w.WriteField("kind", kind); err != nil {
		c.e.t.Fatal(err)
	}
	fw, err := w.CreateFormFile("file", filename)
	if err != nil {
		c.e.t.Fatal(err)
	}
	fw.Write(content)
	w.Close()
	req, err := http.NewRequest("POST", c.e.srv.URL+path, &buf)
	if err != nil {
		c.e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.send(req)
}

// get returns a GET's whole response.
func (c *client) orgGet(path string) (*http.Response, []byte) {
	c.e.t.Helper()
	resp, err := c.http.Get(c.e.srv.URL + path)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func (e *env) orgCount(table string) int64 {
	e.t.Helper()
	var n int64
	if err := e.store.DB.Table(table).Count(&n).Error; err != nil {
		e.t.Fatal(err)
	}
	return n
}

type orgJSON map[string]any

func TestRegistrationAPI(t *testing.T) {
	e := newEnv(t)
	anon := e.anon()
	code := orgCreditCode("450102", 1)
	s, b := anon.do("POST", "/api/v1/registrations", orgBody("yangguang", "450102", strings.ToLower(code)))
	if s != 201 {
		t.Fatalf("register: %d %s", s, b)
	}
	got := decode[struct {
		Organisation orgJSON `json:"organisation"`
		User         struct {
			ID             int64  `json:"id"`
			OrganisationID *int64 `json:"organisation_id"`
		} `json:"user"`
	}](t, b)
	o := got.Organisation
	if o["status"] != "pending" || o["credit_code"] != code || o["registration_type"] != "private_non_enterprise" || o["phone"] != "0771-5551234" {
		t.Fatalf("organisation = %v", o)
	}
	id := int64(o["id"].(float64))
	if got.User.OrganisationID == nil || *got.User.OrganisationID != id {
		t.Fatalf("user = %+v", got.User)
	}
	// Pending: the public cannot see it; its member sees everything.
	if s, _ := anon.do("GET", "/api/v1/organisations/"+itoa(id), nil); s != 404 {
		t.Fatalf("anonymous sees a pending organisation: %d", s)
	}
	member := e.signIn("yangguang")
	s, b = member.do("GET", "/api/v1/organisations/"+itoa(id), nil)
	if v := decode[orgJSON](t, b); s != 200 || v["legal_rep"] != "黄丽" || v["staff"] == nil || v["documents"] == nil {
		t.Fatalf("member sees %d %s", s, b)
	}
	s, b = member.do("GET", "/api/v1/me", nil)
	if !strings.Contains(string(b), `"role":"agency","region":"450102"`) {
		t.Fatalf("me = %d %s", s, b)
	}
	// Wrong shapes are 400, not 500.
	if s, _ := anon.do("POST", "/api/v1/registrations", map[string]any{"organisation": "x"}); s != 400 {
		t.Fatalf("wrong shape: %d", s)
	}
}

func TestRegistrationErrorsCreateNothing(t *testing.T) {
	e := newEnv(t)
	anon := e.anon()
	valid := orgCreditCode("450102", 7)
	check := valid[:17] + "0"
	if valid[17] == '0' {
		check = valid[:17] + "1"
	}
	orgs, users, rules := e.orgCount("organisations"), e.orgCount("users"), e.orgCount("casbin_rule")
	for _, c := range []struct {
		name, code, message string
	}{
		{"too short", valid[:16], "must be 18 characters"},
		{"bad character", valid[:9] + "O" + valid[10:], "invalid character at position 10"},
		{"check character", check, "check character should be " + string(valid[17])},
		{"company", "91" + valid[2:17] + "X", "social work organisations register with civil affairs"},
		{"not a division", orgCreditCode("450199", 7), "(450199) are not the division code of a county, city or province"},
		{"empty", "", "Required"},
	} {
		if c.name == "company" {
			first := "91" + valid[2:17]
			ch, _ := uscc.CheckChar(first)
			c.code = first + string(ch)
		}
		s, b := anon.do("POST", "/api/v1/registrations", orgBody("newagency", "450102", c.code))
		p := decode[problemDoc](t, b)
		if s != 422 || len(p.Errors) != 1 || p.Errors[0].Field != "organisation.credit_code" || !strings.Contains(p.Errors[0].Message, c.message) {
			t.Errorf("%s: %d %s", c.name, s, b)
		}
	}
	// Every field is named under its JSON path.
	body := orgBody("Bad Name", "99", valid)
	body["organisation"].(map[string]string)["founded_on"] = "2018-13-01"
	body["organisation"].(map[string]string)["phone"] = "555"
	body["organisation"].(map[string]string)["legal_rep"] = ""
	s, b := anon.do("POST", "/api/v1/registrations", body)
	fields := fieldsOf(t, b)
	sort.Strings(fields)
	if s != 422 || strings.Join(fields, " ") != "organisation.founded_on organisation.legal_rep organisation.phone organisation.region user.username" {
		t.Fatalf("fields %d %v", s, fields)
	}
	// A taken username rolls the whole registration back.
	if _, err := e.store.CreateUser(context.Background(), e.root, models.NewUser{Username: "taken", Password: testPassword, DisplayName: "x"}); err != nil {
		t.Fatal(err)
	}
	users++
	s, b = anon.do("POST", "/api/v1/registrations", orgBody("taken", "450102", valid))
	if s != 409 || fieldsOf(t, b)[0] != "user.username" {
		t.Fatalf("taken username: %d %s", s, b)
	}
	if e.orgCount("organisations") != orgs || e.orgCount("users") != users || e.orgCount("casbin_rule") != rules {
		t.Fatal("failed registrations left rows behind")
	}
	// The same code twice: 409 on the credit code.
	if s, b := anon.do("POST", "/api/v1/registrations", orgBody("first", "450102", valid)); s != 201 {
		t.Fatalf("register: %d %s", s, b)
	}
	s, b = anon.do("POST", "/api/v1/registrations", orgBody("second", "450102", valid))
	if s != 409 || fieldsOf(t, b)[0] != "organisation.credit_code" {
		t.Fatalf("duplicate code: %d %s", s, b)
	}
	if e.orgCount("organisations") != orgs+1 || e.orgCount("users") != users+1 {
		t.Fatal("the duplicate left rows behind")
	}
}

func TestRegistrationPage(t *testing.T) {
	e := newEnv(t)
	c := e.anon()
	if s, b := c.do("GET", "/", nil); s != 200 || !strings.Contains(string(b), `href="/register"`) {
		t.Fatalf("home page does not link to registration: %d", s)
	}
	if s, b := c.do("GET", "/login", nil); s != 200 || !strings.Contains(string(b), `href="/register"`) {
		t.Fatalf("sign-in page does not link to registration: %d", s)
	}
	valid := orgCreditCode("450102", 3)
	wrong := valid[:17] + "0"
	if valid[17] == '0' {
		wrong = valid[:17] + "1"
	}
	form := url.Values{"organisation.name": {"兴宁区阳光社会工作服务中心"}, "organisation.credit_code": {wrong},
		"organisation.legal_rep": {"黄丽"}, "organisation.region": {"450102"}, "organisation.founded_on": {"2018-05-20"},
		"organisation.phone": {"0771-555"}, "organisation.address": {"民主路 1 号"},
		"user.username": {"yangguang"}, "user.display_name": {"黄丽"}, "user.password": {testPassword}}
	s, b := c.form("/register", form)
	page := string(b)
	if s != 422 {
		t.Fatalf("status %d", s)
	}
	for _, want := range []string{`value="兴宁区阳光社会工作服务中心"`, `value="` + wrong + `"`, `value="民主路 1 号"`, `value="yangguang"`,
		`id="e-organisation.credit_code"`, "校验位错误，应为 " + string(valid[17]), `id="e-organisation.phone"`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if strings.Contains(page, testPassword) {
		t.Error("the page shows the password again")
	}
	if e.orgCount("organisations") != 0 {
		t.Fatal("a failed page registration created an organisation")
	}
	form.Set("organisation.credit_code", strings.ToLower(valid))
	form.Set("organisation.phone", "0771-5551234")
	s, _ = c.form("/register", form)
	if s != 303 {
		t.Fatalf("registration answered %d", s)
	}
	// Signed in as the new member, on the organisation's page.
	var id int64
	e.store.DB.Model(&models.Organisation{}).Select("id").Scan(&id)
	resp, _ := c.orgGet("/my/organisation")
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/organisations/"+itoa(id) {
		t.Fatalf("my organisation: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	s, b = c.do("GET", "/organisations/"+itoa(id)+"?done=org.registered", nil)
	if s != 200 || !strings.Contains(string(b), "注册已提交") || !strings.Contains(string(b), `data-status="pending"`) || !strings.Contains(string(b), `id="profile-form"`) {
		t.Fatalf("organisation page: %d", s)
	}
}

func TestOrganisationVisibility(t *testing.T) {
	e := newEnv(t)
	own := e.registerOrg("own", "4501")
	e.verifyOrg(own)
	other := e.registerOrg("other", "4501")
	e.verifyOrg(other)
	pending := e.registerOrg("applicant", "4502")
	member, otherMember := e.signIn("own"), e.signIn("other")
	staff, lzStaff := e.staff("nn-buyer", "procurement", "4501"), e.staff("lz-buyer", "procurement", "4502")
	path := "/api/v1/organisations/" + itoa(own)
	if s, b := member.do("POST", path+"/staff", map[string]string{"name": "韦芳", "level": "senior", "certificate_no": "G1"}); s != 201 {
		t.Fatalf("roster: %d %s", s, b)
	}
	if s, b := member.orgUpload(path+"/documents", "registration_certificate", "登记证书.pdf", testPDF); s != 201 {
		t.Fatalf("upload: %d %s", s, b)
	}
	public := "credit_code id name region registration_type status"
	keys := func(b []byte) string {
		var k []string
		for key := range decode[orgJSON](t, b) {
			k = append(k, key)
		}
		sort.Strings(k)
		return strings.Join(k, " ")
	}
	for name, c := range map[string]*client{"anonymous": e.anon(), "other agency": otherMember, "other region's staff": lzStaff} {
		s, b := c.do("GET", path, nil)
		if s != 200 || keys(b) != public {
			t.Errorf("%s sees %d %s", name, s, b)
		}
		if s, _ := c.do("GET", path+"/documents", nil); s != 404 && !(name == "anonymous" && s == 401) {
			t.Errorf("%s lists documents: %d", name, s)
		}
	}
	for name, c := range map[string]*client{"member": member, "staff": staff} {
		s, b := c.do("GET", path, nil)
		v := decode[orgJSON](t, b)
		if s != 200 || v["phone"] == nil || len(v["staff"].([]any)) != 1 || len(v["documents"].([]any)) != 1 ||
			v["social_workers"].(map[string]any)["senior"] != 1.0 {
			t.Errorf("%s sees %d %s", name, s, b)
		}
		if s, b := c.do("GET", path+"/documents", nil); s != 200 || decode[models.List[models.OrgDocument]](t, b).Total != 1 {
			t.Errorf("%s lists documents: %d %s", name, s, b)
		}
	}
	// The other agency sees only its own roster and documents.
	s, b := otherMember.do("GET", "/api/v1/organisations/"+itoa(other), nil)
	if v := decode[orgJSON](t, b); s != 200 || len(v["staff"].([]any)) != 0 || len(v["documents"].([]any)) != 0 {
		t.Fatalf("other agency's own organisation: %d %s", s, b)
	}
	// A pending organisation of Liuzhou: only Liuzhou's staff and its member.
	for name, c := range map[string]*client{"anonymous": e.anon(), "Nanning staff": staff, "other agency": otherMember} {
		if s, _ := c.do("GET", "/api/v1/organisations/"+itoa(pending), nil); s != 404 {
			t.Errorf("%s sees a pending organisation: %d", name, s)
		}
	}
	if s, _ := lzStaff.do("GET", "/api/v1/organisations/"+itoa(pending), nil); s != 200 {
		t.Errorf("Liuzhou staff cannot see their pending organisation: %d", s)
	}
	// Lists: the public sees verified organisations' public fields; staff their region.
	s, b = e.anon().do("GET", "/api/v1/organisations?per_page=10", nil)
	list := decode[models.List[orgJSON]](t, b)
	if s != 200 || list.Total != 2 || len(list.Items[0]) != 6 || list.Items[0]["phone"] != nil {
		t.Fatalf("public list: %d %s", s, b)
	}
	s, b = lzStaff.do("GET", "/api/v1/organisations?status=pending", nil)
	if list := decode[models.List[orgJSON]](t, b); s != 200 || list.Total != 1 || list.Items[0]["phone"] == nil {
		t.Fatalf("Liuzhou queue: %d %s", s, b)
	}
	s, b = staff.do("GET", "/api/v1/organisations?q=机构own", nil)
	if list := decode[models.List[orgJSON]](t, b); s != 200 || list.Total != 1 {
		t.Fatalf("search: %d %s", s, b)
	}
	if s, _ := staff.do("GET", "/api/v1/organisations?status=unknown", nil); s != 422 {
		t.Fatalf("unknown status filter: %d", s)
	}
}

func TestOrganisationLifecycleAPI(t *testing.T) {
	e := newEnv(t)
	county := e.staff("xn-buyer", "procurement", "450102")
	city := e.staff("nn-buyer", "procurement", "4501")
	id := e.registerOrg("qingxiu", "450103")
	path := "/api/v1/organisations/" + itoa(id)
	status := func() string {
		var o models.Organisation
		e.store.DB.First(&o, id)
		return o.Status
	}
	// A county's staff cannot verify another county's organisation.
	if s, _ := county.do("POST", path+"/verify", map[string]string{}); s != 404 || status() != "pending" {
		t.Fatalf("county staff of 450102 verified an organisation of 450103: %d", s)
	}
	until := time.Now().AddDate(0, 6, 0).Format("2006-01-02")
	steps := []struct {
		event string
		body  map[string]string
		want  int
		after string
	}{
		{"suspend", map[string]string{"reason": "x"}, 409, "pending"},
		{"reject", map[string]string{}, 422, "pending"},
		{"verify", map[string]string{}, 200, "verified"},
		{"verify", map[string]string{}, 409, "verified"},
		{"reject", map[string]string{"reason": "x"}, 409, "verified"},
		{"suspend", map[string]string{"reason": "服务质量投诉"}, 200, "suspended"},
		{"suspend", map[string]string{"reason": "x"}, 409, "suspended"},
		{"verify", map[string]string{"reason": "整改完成"}, 200, "verified"},
		{"blacklist", map[string]string{"reason": "虚假材料"}, 422, "verified"},
		{"blacklist", map[string]string{"reason": "虚假材料", "until": until}, 200, "blacklisted"},
		{"blacklist", map[string]string{"reason": "again", "until": until}, 409, "blacklisted"},
		{"verify", map[string]string{}, 409, "blacklisted"},
		{"suspend", map[string]string{"reason": "x"}, 409, "blacklisted"},
	}
	for i, st := range steps {
		audits := e.orgCount("audit_events")
		s, b := city.do("POST", path+"/"+st.event, st.body)
		if s != st.want || status() != st.after {
			t.Fatalf("step %d %s: %d %s, status %s, want %d %s", i, st.event, s, b, status(), st.want, st.after)
		}
		if grew := e.orgCount("audit_events") - audits; (s == 200) != (grew == 1) {
			t.Fatalf("step %d %s: %d audit events", i, st.event, grew)
		}
	}
	// The region's staff read the organisation's audit trail.
	s, b := city.do("GET", "/api/v1/audit?object_type=organisation&object_id="+itoa(id), nil)
	list := decode[models.List[models.AuditEvent]](t, b)
	var actions []string
	for _, ev := range list.Items {
		actions = append(actions, ev.Action)
		if ev.RegionCode != "450103" {
			t.Errorf("audit region %s", ev.RegionCode)
		}
	}
	if s != 200 || strings.Join(actions, " ") != "organisation.blacklist organisation.verify organisation.suspend organisation.verify organisation.register" {
		t.Fatalf("audit: %d %v", s, actions)
	}
}

func TestOrganisationMembersAPI(t *testing.T) {
	e := newEnv(t)
	id := e.registerOrg("own", "4501")
	member := e.signIn("own")
	path := "/api/v1/organisations/" + itoa(id)
	s, b := member.do("PATCH", path, map[string]any{"address": "南宁市兴宁区朝阳路 8 号", "volunteers": 35})
	if v := decode[orgJSON](t, b); s != 200 || v["address"] != "南宁市兴宁区朝阳路 8 号" || v["volunteers"] != 35.0 || v["phone"] != "0771-5551234" {
		t.Fatalf("update: %d %s", s, b)
	}
	s, b = member.do("PATCH", path, map[string]any{"phone": "12", "founded_on": "2999-01-01"})
	if got := strings.Join(fieldsOf(t, b), ","); s != 422 || got != "phone,founded_on" {
		t.Fatalf("invalid update: %d %s", s, b)
	}
	s, b = member.do("POST", path+"/staff", map[string]string{"name": "韦芳", "level": "intermediate", "certificate_no": "Z1"})
	if s != 201 {
		t.Fatalf("roster: %d %s", s, b)
	}
	if s, b := member.do("POST", path+"/staff", map[string]string{"name": "李明", "level": "assistant", "certificate_no": "Z1"}); s != 409 || fieldsOf(t, b)[0] != "certificate_no" {
		t.Fatalf("duplicate certificate: %d %s", s, b)
	}
	entry := decode[models.RosterEntry](t, b)
	if s, _ := member.do("DELETE", path+"/staff/"+itoa(entry.ID), nil); s != 204 {
		t.Fatalf("remove: %d", s)
	}
	if s, _ := member.do("DELETE", path+"/staff/"+itoa(entry.ID), nil); s != 404 {
		t.Fatalf("remove twice: %d", s)
	}
	s, b = member.do("POST", path+"/members", map[string]string{"username": "colleague", "password": testPassword, "display_name": "同事"})
	if s != 201 {
		t.Fatalf("colleague: %d %s", s, b)
	}
	colleague := e.signIn("colleague")
	if s, _ := colleague.do("PATCH", path, map[string]any{"volunteers": 40}); s != 200 {
		t.Fatalf("colleague cannot edit: %d", s)
	}
}

func TestDocumentUploadAndDownload(t *testing.T) {
	e := newEnv(t)
	own := e.registerOrg("own", "4501")
	other := e.registerOrg("other", "4501")
	e.verifyOrg(own)
	member, otherMember := e.signIn("own"), e.signIn("other")
	path := "/api/v1/organisations/" + itoa(own) + "/documents"
	files := func() int {
		n := 0
		filepath.WalkDir(e.store.Files.(*blob.Dir).Root(), func(_ string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				n++
			}
			return err
		})
		return n
	}
	// Typed by content: PNG bytes named .pdf are a PNG.
	s, b := member.orgUpload(path, "registration_certificate", `..\..\etc\登记证书.pdf`, testPNG)
	doc := decode[models.OrgDocument](t, b)
	if s != 201 || doc.ContentType != "image/png" || doc.Filename != "登记证书.png" {
		t.Fatalf("png named .pdf: %d %s", s, b)
	}
	// Text named .pdf is refused.
	s, b = member.orgUpload(path, "other", "report.pdf", []byte("This is plain text pretending to be a PDF."))
	if s != 422 || fieldsOf(t, b)[0] != "file" {
		t.Fatalf("text named .pdf: %d %s", s, b)
	}
	// The same content twice is stored once.
	if s, b := member.orgUpload(path, "charter", "copy.png", testPNG); s != 201 {
		t.Fatalf("second upload: %d %s", s, b)
	}
	if n := files(); n != 1 {
		t.Fatalf("%d files stored for one content", n)
	}
	// Too large: over the document limit, and over the upload body limit.
	big := append(append([]byte{}, testPDF...), bytes.Repeat([]byte("0"), models.MaxOrgDocumentBytes)...)
	if s, b := member.orgUpload(path, "other", "big.pdf", big); s != 413 {
		t.Fatalf("10 MiB + %d bytes: %d %s", len(testPDF), s, b)
	}
	huge := append(big, bytes.Repeat([]byte("0"), 2<<20)...)
	if s, _ := member.orgUpload(path, "other", "huge.pdf", huge); s != 413 {
		t.Fatalf("12 MiB body: %d", s)
	}
	if s, _ := member.do("POST", path, map[string]string{"kind": "other"}); s != 400 {
		t.Fatalf("JSON instead of a file: %d", s)
	}
	// Nobody else uploads, whatever they send.
	if s, _ := otherMember.orgUpload(path, "other", "x.pdf", testPDF); s != 403 {
		t.Fatalf("another agency uploads: %d", s)
	}
	if n := files(); n != 1 {
		t.Fatalf("%d files after refused uploads", n)
	}
	// Download: the bytes, the sniffed type, a safe name, no sniffing.
	dl := "/api/v1/organisations/" + itoa(own) + "/documents/" + itoa(doc.ID)
	resp, body := member.orgGet(dl)
	if resp.StatusCode != 200 || !bytes.Equal(body, testPNG) || resp.Header.Get("Content-Type") != "image/png" ||
		resp.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment;") ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), ".png") || strings.Contains(resp.Header.Get("Content-Disposition"), "..") {
		t.Fatalf("download: %d %v", resp.StatusCode, resp.Header)
	}
	staff := e.staff("nn-sup", "supervisor", "4501")
	if resp, _ := staff.orgGet(dl); resp.StatusCode != 200 {
		t.Fatalf("supervisor of the region: %d", resp.StatusCode)
	}
	if resp, _ := staff.orgGet("/organisations/" + itoa(own) + "/documents/" + itoa(doc.ID)); resp.StatusCode != 200 {
		t.Fatalf("page download: %d", resp.StatusCode)
	}
	for name, c := range map[string]*client{"other agency": otherMember, "Liuzhou staff": e.staff("lz-buyer", "procurement", "4502"), "admin": e.signIn("admin")} {
		if resp, _ := c.orgGet(dl); resp.StatusCode != 404 {
			t.Errorf("%s downloads: %d", name, resp.StatusCode)
		}
	}
	if resp, _ := e.anon().orgGet(dl); resp.StatusCode != 401 {
		t.Errorf("anonymous downloads: %d", resp.StatusCode)
	}
	// Under another organisation's id the document does not exist.
	if resp, _ := otherMember.orgGet("/api/v1/organisations/" + itoa(other) + "/documents/" + itoa(doc.ID)); resp.StatusCode != 404 {
		t.Errorf("document under another organisation: %d", resp.StatusCode)
	}
}

func TestOrganisationPages(t *testing.T) {
	e := newEnv(t)
	id := e.registerOrg("own", "450103")
	member := e.signIn("own")
	staff := e.staff("nn-buyer", "procurement", "4501")
	base := "/organisations/" + itoa(id)
	// The staff queue lists the pending organisation with its actions.
	s, b := staff.do("GET", "/organisations?status=pending&region=4501&q=own", nil)
	if s != 200 || !strings.Contains(string(b), `href="`+base+`"`) {
		t.Fatalf("queue: %d", s)
	}
	s, b = staff.do("GET", base, nil)
	if s != 200 || !strings.Contains(string(b), `id="event-verify"`) || !strings.Contains(string(b), `id="event-reject"`) || strings.Contains(string(b), `id="event-suspend"`) {
		t.Fatalf("staff page: %d", s)
	}
	s, b = staff.form(base+"/reject", url.Values{"reason": {""}, "confirm": {"yes"}})
	if s != 422 || !strings.Contains(string(b), `id="f-reason" name="reason" rows="3" aria-invalid="true"`) {
		t.Fatalf("reject without reason: %d", s)
	}
	if s, _ := staff.form(base+"/verify", url.Values{"confirm": {"yes"}}); s != 303 {
		t.Fatalf("verify: %d", s)
	}
	s, b = staff.form(base+"/verify", url.Values{"confirm": {"yes"}})
	if s != 409 || !strings.Contains(string(b), "机构当前状态不允许此操作") {
		t.Fatalf("verify twice: %d", s)
	}
	// The member's forms keep what was typed and show errors by the field.
	s, b = member.form(base+"/profile", url.Values{"legal_rep": {"黄丽"}, "founded_on": {"2018-05-20"}, "address": {"朝阳路 8 号"}, "phone": {"0771"}, "volunteers": {"十"}})
	page := string(b)
	if s != 422 || !strings.Contains(page, `value="朝阳路 8 号"`) || !strings.Contains(page, `id="e-phone"`) || !strings.Contains(page, `id="e-volunteers"`) {
		t.Fatalf("profile form: %d", s)
	}
	if s, _ := member.form(base+"/profile", url.Values{"legal_rep": {"黄丽"}, "founded_on": {"2018-05-20"}, "address": {"朝阳路 8 号"}, "phone": {"0771-5550000"}, "volunteers": {"12"}}); s != 303 {
		t.Fatalf("profile save: %d", s)
	}
	if s, b := member.form(base+"/staff", url.Values{"name": {"韦芳"}, "level": {"senior"}}); s != 422 || !strings.Contains(string(b), `id="e-certificate_no"`) {
		t.Fatalf("roster form: %d", s)
	}
	if s, _ := member.form(base+"/staff", url.Values{"name": {"韦芳"}, "level": {"senior"}, "certificate_no": {"G7"}}); s != 303 {
		t.Fatalf("roster add: %d", s)
	}
	if s, b := member.orgUpload(base+"/documents", "other", "a.pdf", []byte("text")); s != 422 || !strings.Contains(string(b), `id="e-file"`) {
		t.Fatalf("upload form: %d", s)
	}
	if s, _ := member.orgUpload(base+"/documents", "other", "a.pdf", testPDF); s != 303 {
		t.Fatalf("upload: %d", s)
	}
	if s, b := member.form(base+"/members", url.Values{"username": {"colleague"}, "display_name": {"同事"}, "password": {"short"}}); s != 422 || !strings.Contains(string(b), `id="e-password"`) || !strings.Contains(string(b), `value="colleague"`) {
		t.Fatalf("colleague form: %d", s)
	}
	s, b = member.do("GET", base, nil)
	if page := string(b); s != 200 || !strings.Contains(page, "0771-5550000") || !strings.Contains(page, "G7") || !strings.Contains(page, "a.pdf") || strings.Contains(page, `id="event-`) {
		t.Fatalf("member page: %d", s)
	}
	// The public page shows public fields only.
	s, b = e.anon().do("GET", base, nil)
	if page := string(b); s != 200 || strings.Contains(page, "0771-5550000") || strings.Contains(page, "G7") || strings.Contains(page, `id="profile-form"`) {
		t.Fatalf("public page: %d", s)
	}
	// Nav links for staff and agency.
	if _, b := staff.do("GET", "/", nil); !strings.Contains(string(b), "机构审核") {
		t.Error("staff nav lacks 机构审核")
	}
	if _, b := member.do("GET", "/", nil); !strings.Contains(string(b), "我的机构") {
		t.Error("agency nav lacks 我的机构")
	}
}

func TestBrowserRegistration(t *testing.T) {
	e := newEnv(t)
	ctx := newBrowser(t)
	valid := orgCreditCode("450102", 9)
	wrong := valid[:17] + "0"
	if valid[17] == '0' {
		wrong = valid[:17] + "1"
	}
	do(t, ctx,
		chromedp.Navigate(e.srv.URL+"/"),
		chromedp.Click(css(`a[href="/register"]`)),
		chromedp.WaitVisible(css("#register-form")),
		chromedp.SendKeys(css(`[name="organisation.name"]`), "兴宁区阳光社会工作服务中心"),
		chromedp.SendKeys(css(`[name="organisation.credit_code"]`), wrong),
		chromedp.SendKeys(css(`[name="organisation.legal_rep"]`), "黄丽"),
		chromedp.SetValue(css(`[name="organisation.region"]`), "450102"),
		chromedp.SetValue(css(`[name="organisation.founded_on"]`), "2018-05-20"),
		chromedp.SendKeys(css(`[name="organisation.phone"]`), "0771-5551234"),
		chromedp.SendKeys(css(`[name="user.username"]`), "yangguang"),
		chromedp.SendKeys(css(`[name="user.display_name"]`), "黄丽"),
		chromedp.SendKeys(css(`[name="user.password"]`), testPassword),
		chromedp.Click(css("#register-submit")),
		chromedp.WaitVisible(css(`[id="e-organisation.credit_code"]`)),
	)
	if msg := text(t, ctx, `[id="e-organisation.credit_code"]`); !strings.Contains(msg, "应为 "+string(valid[17])) {
		t.Fatalf("credit code error: %q", msg)
	}
	kept, err := chromedp.Run(ctx, chromedp.Value(css(`[name="organisation.name"]`)))
	if err != nil || kept != "兴宁区阳光社会工作服务中心" {
		t.Fatalf("the form lost the name: %q", kept)
	}
	do(t, ctx,
		chromedp.SetValue(css(`[name="organisation.credit_code"]`), valid),
		chromedp.SendKeys(css(`[name="user.password"]`), testPassword),
		chromedp.Click(css("#register-submit")),
		chromedp.WaitVisible(css("#org-facts")),
	)
	if st := text(t, ctx, "#status"); !strings.Contains(st, "待审核") {
		t.Fatalf("status shown: %q", st)
	}
	if told := text(t, ctx, "#cannot-bid"); !strings.Contains(told, "待审核") || !strings.Contains(told, "不能投标") {
		t.Fatalf("the pending organisation is not told it cannot bid: %q", told)
	}
	if nav := text(t, ctx, "header nav"); !strings.Contains(nav, "我的机构") {
		t.Fatalf("nav: %q", nav)
	}
	// County staff sign in, find it in the queue and verify it.
	e.staff("xn-verifier", models.RoleProcurement, "450102")
	do(t, ctx,
		chromedp.Click(css("#logout")),
		chromedp.WaitVisible(css("#login-link")),
		chromedp.Navigate(e.srv.URL+"/login"),
		chromedp.WaitVisible(css("#login-form")),
		chromedp.SendKeys(css("#f-username"), "xn-verifier"),
		chromedp.SendKeys(css("#f-password"), testPassword),
		chromedp.Click(css("#login-submit")),
		chromedp.WaitVisible(css("#welcome")),
		chromedp.Navigate(e.srv.URL+"/organisations?status=pending"),
		chromedp.Click(css(`table a[href^="/organisations/"]`)),
		chromedp.WaitVisible(css("#event-verify")),
		chromedp.Click(css("#event-verify")),
		chromedp.WaitVisible(css("#confirm-form")),
		chromedp.Click(css("#confirm-submit")),
		chromedp.WaitVisible(css("#org-facts")),
		chromedp.WaitNotPresent(css("#event-verify")),
	)
	if st := text(t, ctx, "#status"); !strings.Contains(st, "已认证") {
		t.Fatalf("status after verifying: %q", st)
	}
	var status string
	e.store.DB.Model(&models.Organisation{}).Where("credit_code = ?", valid).Pluck("status", &status)
	if status != models.OrgVerified {
		t.Fatalf("stored status %q", status)
	}
}
