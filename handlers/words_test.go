package handlers_test

import (
	"bytes"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"portal/models"

	"gorm.io/gorm"
)

// Issue 8, items 9 and 10: words instead of codes, one clock.

func TestAuditPageWordsAndBeijingTime(t *testing.T) {
	e := newEnv(t)
	e.registerOrg("words-org", "450103")
	admin := e.signIn("admin")
	var ev models.AuditEvent
	if err := e.store.DB.Where("action = ?", "organisation.register").First(&ev).Error; err != nil {
		t.Fatal(err)
	}
	s, b := admin.do("GET", "/admin/audit", nil)
	page := string(b)
	beijing := ev.At.In(models.ChinaZone).Format("2006-01-02 15:04") + " 北京时间"
	utc := ev.At.UTC().Format("2006-01-02 15:04")
	if s != 200 || !strings.Contains(page, beijing) || strings.Contains(page, utc) {
		t.Fatalf("audit time: want %q, not %q: %d %.3000s", beijing, utc, s, b)
	}
	for _, want := range []string{"机构注册", "创建用户", "南宁市 青秀区", `<select name="object_type"`, `<option value="tender">采购项目</option>`} {
		if !strings.Contains(page, want) {
			t.Errorf("audit page lacks %q", want)
		}
	}
	if strings.Contains(page, ">organisation.register<") || strings.Contains(page, "<td>450103</td>") {
		t.Errorf("audit page shows codes")
	}
	// The type select filters.
	s, b = admin.do("GET", "/admin/audit?object_type=organisation", nil)
	if s != 200 || !strings.Contains(string(b), "机构注册") || strings.Contains(string(b), "创建用户") ||
		!strings.Contains(string(b), `<option value="organisation" selected>`) {
		t.Fatalf("filtered audit: %d", s)
	}
	// English: words and the zone in English.
	admin.do("GET", "/lang/en?next=/", nil)
	_, b = admin.do("GET", "/admin/audit", nil)
	if !strings.Contains(string(b), "Organisation registered") || !strings.Contains(string(b), ev.At.In(models.ChinaZone).Format("2006-01-02 15:04")+" Beijing time") {
		t.Fatalf("English audit page: %.3000s", b)
	}
}

func TestRegionNamesOnUserAndOrganisationPages(t *testing.T) {
	e := newEnv(t)
	id := e.registerOrg("names-org", "450103")
	staff := e.staff("nn-names", models.RoleProcurement, "4501")
	admin := e.signIn("admin")
	var u models.User
	e.store.DB.Where("username = ?", "nn-names").First(&u)
	s, b := admin.do("GET", "/admin/users/"+itoa(u.ID), nil)
	if s != 200 || !strings.Contains(string(b), `<span data-region="4501">南宁市</span>`) {
		t.Fatalf("user page region: %d %.3000s", s, b)
	}
	s, b = admin.do("GET", "/admin/users?q=nn-names", nil)
	if s != 200 || !strings.Contains(string(b), `<span data-region="4501">南宁市</span>`) {
		t.Fatalf("user list region: %d %.3000s", s, b)
	}
	// The grant form's region is a picker in the admin's reach.
	if s, b = admin.do("GET", "/admin/users/"+itoa(u.ID), nil); s != 200 || !strings.Contains(string(b), `<option value="450103">青秀区</option>`) || !strings.Contains(string(b), `<option value="*">`) {
		t.Fatalf("grant picker: %.3000s", b)
	}
	if s, _ = admin.form("/admin/users/"+itoa(u.ID)+"/roles", url.Values{"role": {models.RoleSupervisor}, "region": {"450103"}}); s != 303 {
		t.Fatalf("grant through the picker: %d", s)
	}
	// A Nanning administrator is offered Nanning's regions only.
	nnAdmin := e.staff("nn-admin", models.RoleAdmin, "4501")
	s, b = nnAdmin.do("GET", "/admin/users/"+itoa(u.ID), nil)
	if page := string(b); s != 200 || !strings.Contains(page, `<option value="450103">青秀区</option>`) || strings.Contains(page, `<option value="*">`) ||
		strings.Contains(page, `<option value="45">`) || strings.Contains(page, `<optgroup label="柳州市">`) {
		t.Fatalf("Nanning admin's picker: %d %.3000s", s, b)
	}
	s, b = staff.do("GET", "/organisations?region=4501", nil)
	if s != 200 || !strings.Contains(string(b), `<td data-region="450103">南宁市 青秀区</td>`) {
		t.Fatalf("organisation list region: %d %.3000s", s, b)
	}
	// The filter is a region picker, the chosen city kept.
	if !strings.Contains(string(b), `<option value="4501" selected>南宁市（全市）</option>`) || !strings.Contains(string(b), `<optgroup label="南宁市">`) {
		t.Fatalf("organisation filter picker: %.3000s", b)
	}
	s, b = staff.do("GET", "/organisations/"+itoa(id), nil)
	if s != 200 || !strings.Contains(string(b), `data-region="450103">南宁市 青秀区</dd>`) {
		t.Fatalf("organisation page region: %d", s)
	}
}

// TestRegionLabelsOneQuery names many codes in one query, municipalities
// by their province.
func TestRegionLabels(t *testing.T) {
	e := newEnv(t)
	var n int
	e.store.DB.Callback().Query().After("gorm:query").Register("count_region_queries", func(*gorm.DB) { n++ })
	names, err := e.store.RegionLabels(t.Context(), []string{"45", "4501", "450103", "450102001", "110101", "1101", "nope"})
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d queries, want 1", n)
	}
	want := map[string]string{"45": "广西壮族自治区", "4501": "南宁市", "450103": "南宁市 青秀区", "450102001": "南宁市 兴宁区 民生街道",
		"110101": "北京市 东城区", "1101": "北京市"}
	for code, name := range want {
		if names[code] != name {
			t.Errorf("%s: %q, want %q", code, names[code], name)
		}
	}
	if _, ok := names["nope"]; ok {
		t.Errorf("a code that is no region got a name")
	}
}

// TestRegisterRegionPickerWithoutJS posts the registration the way the
// page's markup allows: a county chosen from the grouped select.
func TestRegisterRegionPickerWithoutJS(t *testing.T) {
	e := newEnv(t)
	anon := e.anon()
	s, b := anon.do("GET", "/register", nil)
	if s != 200 {
		t.Fatalf("register: %d", s)
	}
	sel := regexp.MustCompile(`(?s)<select id="f-organisation.region" name="organisation.region"[^>]*>(.*?)</select>`).FindSubmatch(b)
	if sel == nil || !bytes.Contains(sel[1], []byte(`<optgroup label="南宁市">`)) {
		t.Fatalf("no grouped region select: %.3000s", b)
	}
	opt := regexp.MustCompile(`<option value="(\d+)">青秀区</option>`).FindSubmatch(sel[1])
	if opt == nil {
		t.Fatalf("no county option")
	}
	code := string(opt[1])
	s, _ = anon.form("/register", url.Values{"organisation.name": {"青秀区童心社会工作服务中心"}, "organisation.credit_code": {orgCreditCode(code, 7)},
		"organisation.legal_rep": {"黄丽"}, "organisation.region": {code}, "organisation.founded_on": {"2018-05-20"},
		"organisation.phone": {"0771-5551234"}, "organisation.address": {"民族大道 1 号"}, "user.username": {"tongxin"},
		"user.display_name": {"黄丽"}, "user.password": {testPassword}})
	var o models.Organisation
	if err := e.store.DB.Where("name = ?", "青秀区童心社会工作服务中心").First(&o).Error; s != 303 || err != nil || o.RegionCode != "450103" {
		t.Fatalf("registered through the picker: %d %v %q", s, err, o.RegionCode)
	}
	// A refused form keeps the chosen region selected.
	_, b = anon.form("/register", url.Values{"organisation.region": {"450103"}})
	if !bytes.Contains(b, []byte(`<option value="450103" selected>青秀区</option>`)) {
		t.Fatalf("refused form lost the region")
	}
}

func TestOrganisationDocumentSizeAndReviewBox(t *testing.T) {
	e := newEnv(t)
	id := e.registerOrg("size-org", "450103")
	member := e.signIn("size-org")
	pdf := append(append([]byte{}, testPDF...), bytes.Repeat([]byte(" "), 3000)...)
	if s, b := member.orgUpload("/organisations/"+itoa(id)+"/documents", "other", "a.pdf", pdf); s != 303 {
		t.Fatalf("upload: %d %.500s", s, b)
	}
	var d models.OrgDocument
	e.store.DB.Where("organisation_id = ?", id).First(&d)
	staff := e.staff("nn-size", models.RoleProcurement, "4501")
	s, b := staff.do("GET", "/organisations/"+itoa(id), nil)
	page := string(b)
	when := d.CreatedAt.In(models.ChinaZone).Format("2006-01-02 15:04") + " 北京时间"
	if s != 200 || !strings.Contains(page, `<td class="num">3.0 KB</td>`) || !strings.Contains(page, when) {
		t.Fatalf("document row: %d %.4000s", s, b)
	}
	// One reason box, one button per action.
	if n := strings.Count(page, `name="reason"`); n != 1 || !strings.Contains(page, `id="event-verify" formaction="/organisations/`+itoa(id)+`/verify"`) ||
		!strings.Contains(page, `id="event-reject" formaction="/organisations/`+itoa(id)+`/reject"`) {
		t.Fatalf("%d reason boxes: %.4000s", n, b)
	}
}

func TestCatalogueEnglishUnitsAndNoKeys(t *testing.T) {
	e := newEnv(t)
	anon := e.anon()
	var ind models.CatalogueIndicator
	if err := e.store.DB.Where("unit = ?", "人次").First(&ind).Error; err != nil {
		t.Fatal(err)
	}
	var it models.CatalogueItem
	e.store.DB.First(&it, ind.ItemID)
	var v models.CatalogueVersion
	e.store.DB.First(&v, it.VersionID)
	path := "/catalogue/items/" + it.Code + "?region=" + v.RegionCode + "&year=" + itoa(int64(v.Year))
	s, b := anon.do("GET", path, nil)
	if s != 200 || !strings.Contains(string(b), "<td>人次</td>") || strings.Contains(string(b), ind.Key) {
		t.Fatalf("Chinese item page: %d %.3000s", s, b)
	}
	anon.do("GET", "/lang/en?next=/", nil)
	_, b = anon.do("GET", path, nil)
	if !strings.Contains(string(b), "<td>person-times</td>") || strings.Contains(string(b), "人次") || strings.Contains(string(b), ind.Key) {
		t.Fatalf("English item page: %.3000s", b)
	}
}

// TestCatalogueFormMakesKeys: the item form shows no indicator keys, so the
// page makes them for new indicators and keeps the stored ones.
func TestCatalogueFormMakesKeys(t *testing.T) {
	e := newEnv(t)
	gx := e.staff("gx-keys", models.RoleProcurement, "45")
	if s, _ := gx.form("/catalogue/manage/versions", url.Values{"region": {"45"}, "from_year": {"2026"}, "year": {"2027"}}); s != 303 {
		t.Fatalf("open: %d", s)
	}
	vals := itemFormValues("2027", "C0608", "40")
	vals.Del("indicators[0].key")
	vals.Del("indicators[2].key")
	if s, b := gx.form("/catalogue/manage/items", vals); s != 303 {
		t.Fatalf("create without keys: %d %.2000s", s, b)
	}
	_, b := gx.do("GET", "/api/v1/catalogue/items/C0608?year=2027", nil)
	it := decode[models.CatalogueItem](t, b)
	if len(it.Indicators) != 2 || it.Indicators[0].Key != "indicator_1" || it.Indicators[1].Key != "indicator_2" {
		t.Fatalf("made keys: %s", b)
	}
	// Editing keeps them (hidden) and adds the next free one.
	_, b = gx.do("GET", "/catalogue/manage/items/C0608/edit?year=2027&region=45", nil)
	if !strings.Contains(string(b), `type="hidden" name="indicators[0].key" value="indicator_1"`) || strings.Contains(string(b), "指标代码") {
		t.Fatalf("edit form: %.3000s", b)
	}
	vals = itemFormValues("2027", "C0608", "20")
	vals.Set("indicators[0].key", "indicator_1")
	vals.Set("indicators[2].key", "indicator_2")
	for k, v := range map[string]string{"name": "服务儿童人次", "name_en": "Children served", "unit": "人次", "kind": "output-quantity", "weight": "20"} {
		vals.Set("indicators[3]."+k, v)
	}
	if s, b := gx.form("/catalogue/manage/items/C0608", vals); s != 303 {
		t.Fatalf("edit: %d %.2000s", s, b)
	}
	_, b = gx.do("GET", "/api/v1/catalogue/items/C0608?year=2027", nil)
	it = decode[models.CatalogueItem](t, b)
	if len(it.Indicators) != 3 || it.Indicators[2].Key != "indicator_3" || it.Indicators[0].Key != "indicator_1" {
		t.Fatalf("edited keys: %s", b)
	}
}
