package handlers_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"portal/models"
)

// catalogueDraftYear is the draft version of 45 that the matrix's {draft}
// placeholder names.
const catalogueDraftYear = 2027

// catalogueDraft opens the draft of catalogueDraftYear once, as a province
// buyer who is not one of the matrix's personas.
func (f *matrixFixture) catalogueDraft() string {
	var n int64
	if err := f.e.store.DB.Model(&models.CatalogueVersion{}).Where("region_code = '45' AND year = ?", catalogueDraftYear).Count(&n).Error; err != nil {
		f.e.t.Fatal(err)
	}
	if n == 0 {
		gx := f.e.staff("matrix-gx-buyer", models.RoleProcurement, "45")
		if status, b := gx.do("POST", "/api/v1/catalogue/versions", map[string]int{"from_year": 2026, "year": catalogueDraftYear}); status != 201 {
			f.e.t.Fatalf("open the matrix's draft: %d %s", status, b)
		}
	}
	return "2027"
}

type itemsList struct {
	Items []models.CatalogueItem `json:"items"`
	Total int                    `json:"total"`
}

// leafItem is the JSON body of a valid new leaf item under C06.
func leafItem(year int, code string, weights ...int) map[string]any {
	if len(weights) == 0 {
		weights = []int{40, 30, 30}
	}
	keys := []string{"counselling_sessions", "assessment_rate", "satisfaction_rate"}
	kinds := []string{"output-quantity", "output-quality", "satisfaction"}
	var inds []map[string]any
	for i, w := range weights {
		inds = append(inds, map[string]any{"key": keys[i], "name": "指标" + keys[i], "name_en": keys[i], "unit": "%", "kind": kinds[i], "weight": w})
	}
	return map[string]any{"year": year, "code": code, "parent": "C06", "name": "儿童心理健康服务", "name_en": "Children's mental-health services",
		"description": "心理评估和辅导", "service_standard": "每月不少于2次", "unit": "项目/年", "guide_price_fen": 15000000, "indicators": inds}
}

func TestCatalogueAnonymousReads(t *testing.T) {
	e := newEnv(t)
	anon := e.anon()
	status, b := anon.do("GET", "/api/v1/catalogue/items", nil)
	if status != 200 {
		t.Fatalf("list: %d %s", status, b)
	}
	list := decode[itemsList](t, b)
	if list.Total != 8 || len(list.Items) != 8 || list.Items[0].Code != "C06" || list.Items[0].Year != 2026 {
		t.Fatalf("list = %+v", list)
	}
	for _, it := range list.Items[1:] {
		if it.ParentCode != "C06" || len(it.Indicators) < 6 || it.VersionStatus != "published" {
			t.Errorf("item %+v", it)
		}
	}
	status, b = anon.do("GET", "/api/v1/catalogue/items/C0601?region=450102", nil)
	it := decode[models.CatalogueItem](t, b)
	if status != 200 || it.Name != "未成年人保护社工服务" || it.NameEn != "Minors-protection social work" || len(it.Indicators) != 7 || it.Indicators[3].Key != "crisis_response_rate" {
		t.Fatalf("C0601: %d %+v", status, it)
	}
	if status, b = anon.do("GET", "/api/v1/catalogue/items/C9999", nil); status != 404 || decode[problemDoc](t, b).Status != 404 {
		t.Fatalf("absent item: %d %s", status, b)
	}
	if status, b = anon.do("GET", "/api/v1/catalogue/items?year=2025", nil); status != 404 {
		t.Fatalf("absent year: %d %s", status, b)
	}
	if status, b = anon.do("GET", "/api/v1/catalogue/items?year=abc", nil); status != 422 || !slices.Contains(fieldsOf(t, b), "year") {
		t.Fatalf("malformed year: %d %s", status, b)
	}
	if status, b = anon.do("GET", "/api/v1/catalogue/versions", nil); status != 200 || !strings.Contains(string(b), `"total":1`) {
		t.Fatalf("versions: %d %s", status, b)
	}

	// The pages, in Chinese and then in English.
	status, b = anon.do("GET", "/catalogue", nil)
	page := string(b)
	if status != 200 || !strings.Contains(page, "广西壮族自治区政府购买服务指导目录（2026年）") || !strings.Contains(page, "事实无人抚养儿童关爱保障") ||
		!strings.Contains(page, `data-code="C0607" data-depth="1"`) || strings.Contains(page, "manage-link") {
		t.Fatalf("tree page: %d %.2000s", status, page)
	}
	if status, _ = anon.do("GET", "/lang/en?next=/catalogue", nil); status != 303 {
		t.Fatalf("switch language: %d", status)
	}
	status, b = anon.do("GET", "/catalogue/items/C0601", nil)
	page = string(b)
	if status != 200 || !strings.Contains(page, "Minors-protection social work") || !strings.Contains(page, "Crisis cases answered within 24 hours") ||
		!strings.Contains(page, "¥300,000.00") || !strings.Contains(page, "Timeliness") {
		t.Fatalf("English item page: %d %.2000s", status, page)
	}
	if status, _ = anon.do("GET", "/catalogue/items/C0699", nil); status != 404 {
		t.Fatalf("absent item page: %d", status)
	}
}

func TestCatalogueAPIProvinceWorkflow(t *testing.T) {
	e := newEnv(t)
	gx := e.staff("gx-buyer", models.RoleProcurement, "45")
	anon := e.anon()

	// The shipped 2026 catalogue is published: no change, nothing changed.
	if status, b := gx.do("POST", "/api/v1/catalogue/items", leafItem(2026, "C0608")); status != 409 {
		t.Fatalf("add to a published version: %d %s", status, b)
	}
	if status, b := gx.do("PATCH", "/api/v1/catalogue/items/C0601?year=2026", map[string]string{"name": "改名"}); status != 409 {
		t.Fatalf("edit a published version: %d %s", status, b)
	}
	if status, b := gx.do("POST", "/api/v1/catalogue/versions/2026/publish", nil); status != 409 {
		t.Fatalf("publish twice: %d %s", status, b)
	}
	_, b := anon.do("GET", "/api/v1/catalogue/items/C0601?year=2026", nil)
	if it := decode[models.CatalogueItem](t, b); it.Name != "未成年人保护社工服务" {
		t.Fatalf("published item changed: %s", it.Name)
	}
	if _, b := anon.do("GET", "/api/v1/catalogue/items?year=2026", nil); decode[itemsList](t, b).Total != 8 {
		t.Fatalf("published version changed: %s", b)
	}

	// Open next year's draft: a copy of everything, seen by its managers only.
	status, b := gx.do("POST", "/api/v1/catalogue/versions", map[string]int{"from_year": 2026, "year": 2027})
	v := decode[models.CatalogueVersion](t, b)
	if status != 201 || v.Year != 2027 || v.Status != "draft" || v.RegionCode != "45" || v.ItemCount != 8 {
		t.Fatalf("open 2027: %d %s", status, b)
	}
	if status, b = gx.do("POST", "/api/v1/catalogue/versions", map[string]int{"from_year": 2026, "year": 2027}); status != 409 {
		t.Fatalf("open 2027 twice: %d %s", status, b)
	}
	status, b = gx.do("GET", "/api/v1/catalogue/items?year=2027", nil)
	draft := decode[itemsList](t, b)
	if status != 200 || draft.Total != 8 || draft.Items[1].VersionStatus != "draft" || len(draft.Items[1].Indicators) != 7 {
		t.Fatalf("draft items: %d %s", status, b)
	}
	if status, _ = anon.do("GET", "/api/v1/catalogue/items?year=2027", nil); status != 404 {
		t.Fatalf("anonymous sees the draft: %d", status)
	}

	// Weights must sum to 100.
	status, b = gx.do("POST", "/api/v1/catalogue/items", leafItem(2027, "C0608", 40, 30, 20))
	if status != 422 || !slices.Contains(fieldsOf(t, b), "indicators") {
		t.Fatalf("weights of 90: %d %s", status, b)
	}
	if status, b = gx.do("POST", "/api/v1/catalogue/items", map[string]any{"year": "2027"}); status != 400 {
		t.Fatalf("wrong shape: %d %s", status, b)
	}
	if status, b = gx.do("POST", "/api/v1/catalogue/items", leafItem(2031, "C0608")); status != 404 {
		t.Fatalf("no version of 2031: %d %s", status, b)
	}
	status, b = gx.do("POST", "/api/v1/catalogue/items", leafItem(2027, "C0608"))
	it := decode[models.CatalogueItem](t, b)
	if status != 201 || it.Code != "C0608" || it.Year != 2027 || len(it.Indicators) != 3 || it.Indicators[0].Weight != 40 {
		t.Fatalf("create: %d %s", status, b)
	}
	if status, b = gx.do("PATCH", "/api/v1/catalogue/items/C0608?year=2027", map[string]any{"indicators": []map[string]any{
		{"key": "k", "name": "n", "name_en": "n", "unit": "次", "kind": "cost", "weight": 99}}}); status != 422 || !slices.Contains(fieldsOf(t, b), "indicators") {
		t.Fatalf("patch with weights of 99: %d %s", status, b)
	}
	if status, b = gx.do("PATCH", "/api/v1/catalogue/items/C0608", map[string]any{"unit": "项目"}); status != 422 || !slices.Contains(fieldsOf(t, b), "year") {
		t.Fatalf("patch without a year: %d %s", status, b)
	}
	status, b = gx.do("PATCH", "/api/v1/catalogue/items/C0608?year=2027", map[string]any{"guide_price_fen": 12000000})
	if it = decode[models.CatalogueItem](t, b); status != 200 || it.GuidePriceFen != 12000000 || len(it.Indicators) != 3 {
		t.Fatalf("patch: %d %s", status, b)
	}

	// Publish: from then on read-only, and the default for everyone.
	status, b = gx.do("POST", "/api/v1/catalogue/versions/2027/publish", nil)
	if v = decode[models.CatalogueVersion](t, b); status != 200 || v.Status != "published" || v.PublishedAt == nil {
		t.Fatalf("publish: %d %s", status, b)
	}
	if status, b = gx.do("PATCH", "/api/v1/catalogue/items/C0608?year=2027", map[string]any{"unit": "项目"}); status != 409 {
		t.Fatalf("patch after publishing: %d %s", status, b)
	}
	status, b = anon.do("GET", "/api/v1/catalogue/items", nil)
	if list := decode[itemsList](t, b); status != 200 || list.Total != 9 || list.Items[0].Year != 2027 {
		t.Fatalf("latest after publishing: %d %s", status, b)
	}
	if status, b = anon.do("GET", "/api/v1/catalogue/versions/2027", nil); status != 200 || !strings.Contains(string(b), `"item_count":9`) {
		t.Fatalf("version 2027: %d %s", status, b)
	}

	// Every change is in the audit log, under the province.
	status, b = gx.do("GET", "/api/v1/audit?object_type=catalogue_item", nil)
	events := decode[models.List[models.AuditEvent]](t, b)
	if status != 200 || events.Total != 2 || events.Items[0].Action != "catalogue_item.update" || events.Items[1].Action != "catalogue_item.create" || events.Items[0].RegionCode != "45" {
		t.Fatalf("item audit: %d %s", status, b)
	}
	status, b = gx.do("GET", "/api/v1/audit?object_type=catalogue_version", nil)
	if events = decode[models.List[models.AuditEvent]](t, b); status != 200 || events.Total != 2 || events.Items[0].Action != "catalogue_version.publish" {
		t.Fatalf("version audit: %d %s", status, b)
	}
}

func TestCatalogueRefusesOthers(t *testing.T) {
	e := newEnv(t)
	gx := e.staff("gx-buyer", models.RoleProcurement, "45")
	if status, b := gx.do("POST", "/api/v1/catalogue/versions", map[string]int{"from_year": 2026, "year": 2027}); status != 201 {
		t.Fatalf("open 2027: %d %s", status, b)
	}
	clients := map[string]*client{
		"city procurement":    e.staff("nn-buyer", models.RoleProcurement, "4501"),
		"county procurement":  e.staff("xn-buyer", models.RoleProcurement, "450102"),
		"province supervisor": e.staff("gx-super", models.RoleSupervisor, "45"),
	}
	gd := e.staff("gd-buyer", models.RoleProcurement, "44")
	for who, c := range clients {
		for _, r := range []struct {
			method, path string
			body         any
		}{
			{"POST", "/api/v1/catalogue/items", leafItem(2027, "C0608")},
			{"POST", "/api/v1/catalogue/items", leafItem(2026, "C0608")},
			{"PATCH", "/api/v1/catalogue/items/C0601?year=2027", map[string]string{"name": "改名"}},
			{"POST", "/api/v1/catalogue/versions", map[string]int{"from_year": 2026, "year": 2028}},
			{"POST", "/api/v1/catalogue/versions/2027/publish", nil},
		} {
			if status, b := c.do(r.method, r.path, r.body); status != 403 {
				t.Errorf("%s: %s %s = %d %s, want 403", who, r.method, r.path, status, b)
			}
		}
		if status, _ := c.do("GET", "/catalogue/manage", nil); status != 403 {
			t.Errorf("%s: management page %d, want 403", who, status)
		}
		if status, _ := c.do("GET", "/api/v1/catalogue/items?year=2027", nil); status != 404 {
			t.Errorf("%s sees the draft: %d", who, status)
		}
	}
	// Another province's staff cannot touch Guangxi's catalogue.
	body := leafItem(2027, "C0608")
	body["region"] = "45"
	if status, b := gd.do("POST", "/api/v1/catalogue/items", body); status != 403 {
		t.Errorf("Guangdong adds to Guangxi: %d %s", status, b)
	}
	if status, b := gd.do("POST", "/api/v1/catalogue/versions/2027/publish?region=45", nil); status != 403 {
		t.Errorf("Guangdong publishes Guangxi: %d %s", status, b)
	}
	if status, b := gd.do("POST", "/api/v1/catalogue/versions", map[string]any{"region": "44", "year": 2027}); status != 201 || !strings.Contains(string(b), `"region":"44"`) {
		t.Errorf("Guangdong opens its own: %d %s", status, b)
	}
	if status, b := gx.do("PATCH", "/api/v1/catalogue/items/C0601?year=2027&region=44", map[string]string{"name": "改名"}); status != 403 {
		t.Errorf("Guangxi edits Guangdong: %d %s", status, b)
	}
	_, b := gx.do("GET", "/api/v1/catalogue/items/C0601?year=2027", nil)
	if it := decode[models.CatalogueItem](t, b); it.Name != "未成年人保护社工服务" {
		t.Errorf("a refused change went through: %s", it.Name)
	}
	var n int64
	e.store.DB.Model(&models.AuditEvent{}).Where("object_type LIKE 'catalogue%'").Count(&n)
	if n != 2 { // gx's open and gd's open
		t.Errorf("%d catalogue audit events, want 2", n)
	}
}

// itemFormValues is a filled item form: indicators in rows 0 and 2 (row 1
// blank), so errors must land on the row that was typed in.
func itemFormValues(year, code, weight2 string) url.Values {
	return url.Values{
		"year": {year}, "region": {"45"}, "code": {code}, "parent": {"C06"}, "name": {"儿童心理健康服务"}, "name_en": {"Mental health"},
		"description": {"心理评估和辅导"}, "service_standard": {"每月不少于2次"}, "unit": {"项目/年"}, "guide_price_yuan": {"150,000.50"},
		"indicators[0].key": {"counselling_sessions"}, "indicators[0].name": {"心理辅导次数"}, "indicators[0].name_en": {"Counselling sessions"},
		"indicators[0].unit": {"次"}, "indicators[0].kind": {"output-quantity"}, "indicators[0].weight": {"60"},
		"indicators[2].key": {"satisfaction_rate"}, "indicators[2].name": {"服务对象满意度"}, "indicators[2].name_en": {"Satisfaction"},
		"indicators[2].unit": {"%"}, "indicators[2].kind": {"satisfaction"}, "indicators[2].weight": {weight2},
	}
}

func TestCatalogueManagementPages(t *testing.T) {
	e := newEnv(t)
	gx := e.staff("gx-buyer", models.RoleProcurement, "45")
	status, b := gx.do("GET", "/catalogue/manage", nil)
	if status != 200 || !strings.Contains(string(b), `data-year="2026" data-status="published"`) || !strings.Contains(string(b), `value="2027"`) {
		t.Fatalf("management page: %d %.2000s", status, b)
	}
	// Open next year's draft from the page.
	status, _ = gx.form("/catalogue/manage/versions", url.Values{"region": {"45"}, "from_year": {"2026"}, "year": {"2027"}})
	if status != 303 {
		t.Fatalf("open from the page: %d", status)
	}
	status, b = gx.form("/catalogue/manage/versions", url.Values{"region": {"45"}, "from_year": {"2026"}, "year": {"2027"}})
	if status != 409 || !strings.Contains(string(b), "该年度目录已存在") {
		t.Fatalf("open twice from the page: %d %.2000s", status, b)
	}
	status, b = gx.form("/catalogue/manage/versions", url.Values{"region": {"45"}, "from_year": {"2026"}, "year": {"20x7"}})
	if status != 422 || !strings.Contains(string(b), `id="e-year"`) || !strings.Contains(string(b), `value="20x7"`) {
		t.Fatalf("malformed year on the page: %d %.3000s", status, b)
	}
	if status, b = gx.do("GET", "/catalogue/manage/items/new?year=2027", nil); status != 200 || !strings.Contains(string(b), `name="indicators[7].weight"`) {
		t.Fatalf("new item form: %d %.2000s", status, b)
	}
	if status, _ = gx.do("GET", "/catalogue/manage/items/new?year=2026", nil); status != 409 {
		t.Fatalf("new item form for a published year: %d", status)
	}

	// A wrong form comes back with what was typed and each error by its field.
	vals := itemFormValues("2027", "C0608", "30")
	vals.Set("indicators[2].key", "Bad Key")
	vals.Set("guide_price_yuan", "12.345")
	status, b = gx.form("/catalogue/manage/items", vals)
	page := string(b)
	for _, want := range []string{
		`id="e-indicators"`, "指标权重之和须为100（当前为 90）",
		`type="hidden" name="indicators[2].key" value="Bad Key"`,
		`id="e-guide_price_yuan"`, `value="12.345"`, `value="儿童心理健康服务"`, `value="counselling_sessions"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the refused form lacks %s", want)
		}
	}
	// Keys are never shown: no column, no visible input.
	if status != 422 || strings.Contains(page, "指标代码") || strings.Contains(page, `name="indicators[0].key" type="text"`) {
		t.Fatalf("refused form: %d %.4000s", status, page)
	}
	// Corrected, it is saved.
	status, _ = gx.form("/catalogue/manage/items", itemFormValues("2027", "C0608", "40"))
	if status != 303 {
		t.Fatalf("create from the form: %d", status)
	}
	status, b = gx.do("GET", "/api/v1/catalogue/items/C0608?year=2027", nil)
	it := decode[models.CatalogueItem](t, b)
	if status != 200 || it.GuidePriceFen != 15000050 || len(it.Indicators) != 2 || it.Indicators[1].Key != "satisfaction_rate" || it.Indicators[1].Weight != 40 {
		t.Fatalf("created from the form: %d %s", status, b)
	}
	// The edit form shows it, and saves changes.
	status, b = gx.do("GET", "/catalogue/manage/items/C0608/edit?year=2027", nil)
	if status != 200 || !strings.Contains(string(b), `value="150000.50"`) || !strings.Contains(string(b), `value="satisfaction_rate"`) {
		t.Fatalf("edit form: %d %.3000s", status, b)
	}
	edit := itemFormValues("2027", "C0608", "40")
	edit.Set("name", "儿童心理关爱服务")
	status, _ = gx.form("/catalogue/manage/items/C0608", edit)
	if status != 303 {
		t.Fatalf("save the edit: %d", status)
	}
	if _, b = gx.do("GET", "/catalogue/items/C0608?year=2027", nil); !strings.Contains(string(b), "儿童心理关爱服务") || !strings.Contains(string(b), `id="edit-item"`) {
		t.Fatalf("edited item page: %.2000s", b)
	}
	// Publish from the page; then the year is read-only.
	status, _ = gx.form("/catalogue/manage/versions/2027/publish", url.Values{"region": {"45"}})
	if status != 303 {
		t.Fatalf("publish from the page: %d", status)
	}
	if status, _ = gx.do("GET", "/catalogue/manage/items/C0608/edit?year=2027", nil); status != 409 {
		t.Fatalf("edit form after publishing: %d", status)
	}
	status, b = gx.form("/catalogue/manage/items/C0608", edit)
	if status != 409 || !strings.Contains(string(b), "该年度目录已发布，不能修改") {
		t.Fatalf("save after publishing: %d %.2000s", status, b)
	}
	if _, b = e.anon().do("GET", "/catalogue", nil); !strings.Contains(string(b), "（2027年）") || !strings.Contains(string(b), "儿童心理关爱服务") {
		t.Fatalf("public page after publishing: %.2000s", b)
	}
}
