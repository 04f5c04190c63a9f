package models_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"sync"
	"testing"

	"portal/models"
	"portal/models/testdb"

	"gorm.io/gorm/schema"
)

// catalogueStaff creates a user holding role in region and returns it as an actor.
func catalogueStaff(t *testing.T, s *models.Store, admin *models.Actor, username, role, region string) *models.Actor {
	t.Helper()
	u, err := s.CreateUser(context.Background(), admin, models.NewUser{Username: username, Password: "long-enough-pw", DisplayName: username})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.GrantRole(context.Background(), admin, u.ID, models.Grant{Role: role, Region: region}); err != nil {
		t.Fatal(err)
	}
	return actorFor(t, s, username)
}

// newItem is a valid leaf item under C06 for the draft of year.
func newItem(year int, code string) models.CatalogueItemInput {
	return models.CatalogueItemInput{
		Year: year, Code: code, Parent: "C06", Name: "儿童心理健康服务", NameEn: "Children's mental-health services",
		Description: "为困境儿童提供心理评估和辅导。", ServiceStandard: "每名儿童每月辅导不少于2次。", Unit: "项目/年", GuidePriceFen: 15000000,
		Indicators: []models.IndicatorInput{
			{Key: "counselling_sessions", Name: "心理辅导次数", NameEn: "Counselling sessions", Unit: "次", Kind: "output-quantity", Weight: 40},
			{Key: "assessment_rate", Name: "心理评估完成率", NameEn: "Assessments completed", Unit: "%", Kind: "output-quality", Weight: 30},
			{Key: "satisfaction_rate", Name: "服务对象满意度", NameEn: "Beneficiary satisfaction", Unit: "%", Kind: "satisfaction", Weight: 30},
		},
	}
}

func hasField(err error, field string) bool {
	e, ok := models.AsError(err)
	return ok && slices.ContainsFunc(e.Fields, func(f models.FieldError) bool { return f.Field == field })
}

func countRows(t *testing.T, s *models.Store, model any, where string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := s.DB.Model(model).Where(where, args...).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestCatalogueSchemaHasModelColumns(t *testing.T) {
	db, _ := testdb.Open(t)
	cache := &sync.Map{}
	for _, m := range []any{&models.CatalogueVersion{}, &models.CatalogueItem{}, &models.CatalogueIndicator{}} {
		sch, err := schema.Parse(m, cache, db.NamingStrategy)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range sch.Fields {
			if f.DBName != "" && !db.Migrator().HasColumn(m, f.DBName) {
				t.Errorf("column %s.%s is missing", sch.Table, f.DBName)
			}
		}
	}
}

func TestStartingCatalogueShipped(t *testing.T) {
	s, _ := testdb.Store(t)
	ctx := context.Background()
	anon := models.Anonymous("192.0.2.1", s.Authz)
	list, err := s.CatalogueItems(ctx, anon, models.CatalogueQuery{}, models.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if list.Total != 8 || len(list.Items) != 8 {
		t.Fatalf("shipped catalogue has %d items, want C06 and C0601–C0607", list.Total)
	}
	root := list.Items[0]
	if root.Code != "C06" || root.ParentCode != "" || len(root.Indicators) != 0 || root.Year != 2026 || root.Region != "45" || root.VersionStatus != models.CataloguePublished {
		t.Fatalf("root = %+v", root)
	}
	wantIndicators := map[string]int{"C0601": 7, "C0602": 6, "C0603": 7, "C0604": 6, "C0605": 6, "C0606": 6, "C0607": 6}
	for _, it := range list.Items[1:] {
		n, ok := wantIndicators[it.Code]
		if !ok || it.ParentCode != "C06" || it.Depth != 1 {
			t.Errorf("unexpected item %s (parent %q, depth %d)", it.Code, it.ParentCode, it.Depth)
			continue
		}
		delete(wantIndicators, it.Code)
		sum := 0
		for _, ind := range it.Indicators {
			sum += ind.Weight
		}
		if len(it.Indicators) != n || sum != 100 {
			t.Errorf("%s has %d indicators summing to %d, want %d summing to 100", it.Code, len(it.Indicators), sum, n)
		}
	}
	if len(wantIndicators) != 0 {
		t.Errorf("missing items %v", wantIndicators)
	}

	// What the tender feature calls: a county's tender finds its province's item.
	it, err := s.CatalogueItem(ctx, "450102", 2026, "C0601")
	if err != nil {
		t.Fatal(err)
	}
	if it.Name != "未成年人保护社工服务" || it.GuidePriceFen != 30000000 || len(it.Indicators) != 7 ||
		it.Indicators[0].Key != "service_hours" || it.Indicators[0].Kind != "output-quantity" || it.Indicators[0].Weight != 15 {
		t.Fatalf("C0601 = %+v", it)
	}
	if latest, err := s.CatalogueItem(ctx, "4501", 0, "C0607"); err != nil || latest.Year != 2026 {
		t.Fatalf("latest C0607 = %+v, %v", latest, err)
	}
	for _, c := range []struct {
		region string
		year   int
		code   string
	}{{"450102", 2026, "C9999"}, {"450102", 2025, "C0601"}, {"440100", 2026, "C0601"}} {
		if _, err := s.CatalogueItem(ctx, c.region, c.year, c.code); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("CatalogueItem(%v) = %v, want not found", c, err)
		}
	}
}

func TestCatalogueWeightsMustSumTo100(t *testing.T) {
	s, admin := bootstrap(t)
	ctx := context.Background()
	buyer := catalogueStaff(t, s, admin, "gxbuyer", models.RoleProcurement, "45")
	if _, err := s.OpenCatalogueVersion(ctx, buyer, models.OpenCatalogueInput{FromYear: 2026, Year: 2027}); err != nil {
		t.Fatal(err)
	}
	in := newItem(2027, "C0608")
	in.Indicators[2].Weight = 20 // 40 + 30 + 20 = 90
	_, err := s.CreateCatalogueItem(ctx, buyer, in)
	if !errors.Is(err, models.ErrInvalid) || !hasField(err, "indicators") {
		t.Fatalf("weights of 90: %v, want invalid indicators", err)
	}
	if n := countRows(t, s, &models.CatalogueItem{}, "code = ?", "C0608"); n != 0 {
		t.Fatalf("an invalid item was stored (%d rows)", n)
	}
	in.Indicators[2].Weight = 30
	in.Indicators[1].Key = "counselling_sessions" // duplicate key
	in.Indicators[0].Kind = "happiness"
	if _, err := s.CreateCatalogueItem(ctx, buyer, in); !hasField(err, "indicators[1].key") || !hasField(err, "indicators[0].kind") {
		t.Fatalf("duplicate key and bad kind: %v", err)
	}
	in = newItem(2027, "C0608")
	it, err := s.CreateCatalogueItem(ctx, buyer, in)
	if err != nil {
		t.Fatal(err)
	}
	if it.Code != "C0608" || len(it.Indicators) != 3 || it.VersionStatus != models.CatalogueDraft {
		t.Fatalf("created %+v", it)
	}
	// Editing keeps the rule.
	bad := []models.IndicatorInput{in.Indicators[0]}
	if _, err := s.UpdateCatalogueItem(ctx, buyer, models.CatalogueQuery{Year: 2027}, "C0608", models.CatalogueItemPatch{Indicators: &bad}); !hasField(err, "indicators") {
		t.Fatalf("update with weights of 40: %v", err)
	}
	name := "儿童心理关爱服务"
	good := []models.IndicatorInput{in.Indicators[0], in.Indicators[1]}
	good[0].Weight, good[1].Weight = 50, 50
	up, err := s.UpdateCatalogueItem(ctx, buyer, models.CatalogueQuery{Year: 2027}, "C0608", models.CatalogueItemPatch{Name: &name, Indicators: &good})
	if err != nil {
		t.Fatal(err)
	}
	if up.Name != name || len(up.Indicators) != 2 || up.Indicators[1].Weight != 50 || up.NameEn != in.NameEn {
		t.Fatalf("updated %+v", up)
	}
}

func TestCatalogueItemTreeRules(t *testing.T) {
	s, admin := bootstrap(t)
	ctx := context.Background()
	buyer := catalogueStaff(t, s, admin, "gxbuyer", models.RoleProcurement, "45")
	if _, err := s.OpenCatalogueVersion(ctx, buyer, models.OpenCatalogueInput{FromYear: 2026, Year: 2027}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		mutate func(*models.CatalogueItemInput)
		field  string
	}{
		{func(in *models.CatalogueItemInput) { in.Parent = "C07"; in.Code = "C0701" }, "parent"},     // no such parent
		{func(in *models.CatalogueItemInput) { in.Parent = "C0601"; in.Code = "C060101" }, "parent"}, // parent is a leaf item
		{func(in *models.CatalogueItemInput) { in.Code = "D0608" }, "code"},                          // not under its parent
		{func(in *models.CatalogueItemInput) { in.Code = "c-06" }, "code"},                           // malformed
		{func(in *models.CatalogueItemInput) { in.Name = "" }, "name"},                               // required
		{func(in *models.CatalogueItemInput) { in.GuidePriceFen = -1 }, "guide_price_fen"},           // negative money
		{func(in *models.CatalogueItemInput) { in.Indicators[0].Weight = 0; in.Indicators[1].Weight = 70 }, "indicators[0].weight"},
	} {
		in := newItem(2027, "C0608")
		c.mutate(&in)
		if _, err := s.CreateCatalogueItem(ctx, buyer, in); !hasField(err, c.field) {
			t.Errorf("%+v: %v, want invalid %s", in, err, c.field)
		}
	}
	if _, err := s.CreateCatalogueItem(ctx, buyer, newItem(2027, "C0601")); !errors.Is(err, models.ErrConflict) {
		t.Errorf("duplicate code: %v, want conflict", err)
	}
	if _, err := s.CreateCatalogueItem(ctx, buyer, newItem(2031, "C0608")); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("no version of 2031: %v, want not found", err)
	}
	// A new category with an item under it.
	cat := models.CatalogueItemInput{Year: 2027, Code: "C07", Name: "老年人关爱服务", NameEn: "Care for older people"}
	if _, err := s.CreateCatalogueItem(ctx, buyer, cat); err != nil {
		t.Fatal(err)
	}
	// An empty category cannot be published: it is a leaf without indicators.
	if _, err := s.PublishCatalogueVersion(ctx, buyer, models.CatalogueQuery{Year: 2027}); !hasField(err, "items.C07.indicators") {
		t.Fatalf("publish with an empty leaf: %v", err)
	}
	child := newItem(2027, "C0701")
	child.Parent = "C07"
	if _, err := s.CreateCatalogueItem(ctx, buyer, child); err != nil {
		t.Fatal(err)
	}
	// A category with children cannot take indicators.
	inds := child.Indicators
	if _, err := s.UpdateCatalogueItem(ctx, buyer, models.CatalogueQuery{Year: 2027}, "C07", models.CatalogueItemPatch{Indicators: &inds}); !hasField(err, "indicators") {
		t.Fatalf("indicators on a category: %v", err)
	}
	v, err := s.PublishCatalogueVersion(ctx, buyer, models.CatalogueQuery{Year: 2027})
	if err != nil {
		t.Fatal(err)
	}
	if v.Status != models.CataloguePublished || v.PublishedAt == nil || v.ItemCount != 10 {
		t.Fatalf("published %+v", v)
	}
	// The latest published version is now 2027.
	it, err := s.CatalogueItem(ctx, "45", 0, "C0701")
	if err != nil || it.Year != 2027 || it.Depth != 1 {
		t.Fatalf("latest C0701 = %+v, %v", it, err)
	}
}

func TestPublishedCatalogueIsReadOnly(t *testing.T) {
	s, admin := bootstrap(t)
	ctx := context.Background()
	buyer := catalogueStaff(t, s, admin, "gxbuyer", models.RoleProcurement, "45")
	audits := countRows(t, s, &models.AuditEvent{}, "object_type LIKE ?", "catalogue%")
	before, err := s.CatalogueItem(ctx, "45", 2026, "C0601")
	if err != nil {
		t.Fatal(err)
	}
	name := "改名"
	none := []models.IndicatorInput{}
	for what, err := range map[string]error{
		"create": func() error { _, err := s.CreateCatalogueItem(ctx, buyer, newItem(2026, "C0608")); return err }(),
		"update": func() error {
			_, err := s.UpdateCatalogueItem(ctx, buyer, models.CatalogueQuery{Year: 2026}, "C0601", models.CatalogueItemPatch{Name: &name, Indicators: &none})
			return err
		}(),
		"publish": func() error {
			_, err := s.PublishCatalogueVersion(ctx, buyer, models.CatalogueQuery{Year: 2026})
			return err
		}(),
		"edit form": func() error {
			_, err := s.EditableCatalogueItem(ctx, buyer, models.CatalogueQuery{Year: 2026}, "C0601")
			return err
		}(),
	} {
		if !errors.Is(err, models.ErrConflict) {
			t.Errorf("%s on a published version: %v, want conflict", what, err)
		}
	}
	after, err := s.CatalogueItem(ctx, "45", 2026, "C0601")
	if err != nil {
		t.Fatal(err)
	}
	if after.Name != before.Name || len(after.Indicators) != len(before.Indicators) || !after.UpdatedAt.Equal(before.UpdatedAt) {
		t.Fatalf("published item changed: %+v", after)
	}
	if n := countRows(t, s, &models.CatalogueItem{}, "1 = 1"); n != 8 {
		t.Fatalf("%d items, want 8", n)
	}
	if n := countRows(t, s, &models.AuditEvent{}, "object_type LIKE ?", "catalogue%"); n != audits {
		t.Fatalf("refused changes were audited")
	}
	// The database refuses too, should the model ever let one through.
	if err := s.DB.Exec("UPDATE catalogue_items SET name = 'x' WHERE code = 'C0601'").Error; err == nil {
		t.Fatal("the database let a published item change")
	}
	if err := s.DB.Exec("DELETE FROM catalogue_indicators").Error; err == nil {
		t.Fatal("the database let published indicators go")
	}
}

func TestOpenNextYearCopiesEverythingAsDraft(t *testing.T) {
	s, admin := bootstrap(t)
	ctx := context.Background()
	buyer := catalogueStaff(t, s, admin, "gxbuyer", models.RoleProcurement, "45")
	v, err := s.OpenCatalogueVersion(ctx, buyer, models.OpenCatalogueInput{FromYear: 2026, Year: 2027})
	if err != nil {
		t.Fatal(err)
	}
	if v.Status != models.CatalogueDraft || v.Year != 2027 || v.RegionCode != "45" || v.CopiedFrom == nil || *v.CopiedFrom != 2026 || v.ItemCount != 8 {
		t.Fatalf("opened %+v", v)
	}
	old, err := s.CatalogueItems(ctx, buyer, models.CatalogueQuery{Year: 2026}, models.Page{})
	if err != nil {
		t.Fatal(err)
	}
	next, err := s.CatalogueItems(ctx, buyer, models.CatalogueQuery{Year: 2027}, models.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if next.Total != old.Total {
		t.Fatalf("copied %d items of %d", next.Total, old.Total)
	}
	for i := range old.Items {
		o, n := old.Items[i], next.Items[i]
		if n.ID == o.ID || n.Year != 2027 || n.VersionStatus != models.CatalogueDraft || n.Code != o.Code || n.ParentCode != o.ParentCode ||
			n.Name != o.Name || n.NameEn != o.NameEn || n.Description != o.Description || n.ServiceStandard != o.ServiceStandard ||
			n.Unit != o.Unit || n.GuidePriceFen != o.GuidePriceFen || !sameIndicators(n.Indicators, o.Indicators) {
			t.Errorf("copy of %s differs: %+v", o.Code, n)
		}
	}
	// The public does not see the draft; the latest published stays 2026.
	anon := models.Anonymous("192.0.2.1", s.Authz)
	if _, err := s.CatalogueItems(ctx, anon, models.CatalogueQuery{Year: 2027}, models.Page{}); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("anonymous sees the draft: %v", err)
	}
	if it, err := s.CatalogueItem(ctx, "45", 0, "C0601"); err != nil || it.Year != 2026 {
		t.Fatalf("latest = %+v, %v", it, err)
	}
	if list, err := s.CatalogueVersions(ctx, anon, "", models.Page{}); err != nil || list.Total != 1 {
		t.Fatalf("public versions = %+v, %v", list, err)
	}
	if list, err := s.CatalogueVersions(ctx, buyer, "45", models.Page{}); err != nil || list.Total != 2 || list.Items[0].Year != 2027 || list.Items[0].ItemCount != 8 {
		t.Fatalf("managed versions = %+v, %v", list, err)
	}
	// Editing the copy leaves the original alone.
	name := "未成年人保护社工服务（2027）"
	if _, err := s.UpdateCatalogueItem(ctx, buyer, models.CatalogueQuery{Year: 2027}, "C0601", models.CatalogueItemPatch{Name: &name}); err != nil {
		t.Fatal(err)
	}
	if it, _ := s.CatalogueItem(ctx, "45", 2026, "C0601"); it.Name != "未成年人保护社工服务" {
		t.Fatalf("2026 changed with 2027: %s", it.Name)
	}
	// Opening a year twice, or an older year, is refused.
	if _, err := s.OpenCatalogueVersion(ctx, buyer, models.OpenCatalogueInput{FromYear: 2026, Year: 2027}); !errors.Is(err, models.ErrConflict) {
		t.Fatalf("open 2027 twice: %v", err)
	}
	if _, err := s.OpenCatalogueVersion(ctx, buyer, models.OpenCatalogueInput{FromYear: 2026, Year: 2025}); !hasField(err, "year") {
		t.Fatalf("open 2025 from 2026: %v", err)
	}
	if _, err := s.OpenCatalogueVersion(ctx, buyer, models.OpenCatalogueInput{FromYear: 2024, Year: 2028}); !hasField(err, "from_year") {
		t.Fatalf("open from a missing year: %v", err)
	}
}

func sameIndicators(a, b []models.CatalogueIndicator) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.Key != y.Key || x.Name != y.Name || x.NameEn != y.NameEn || x.Unit != y.Unit || x.Kind != y.Kind || x.Weight != y.Weight || x.SortOrder != y.SortOrder {
			return false
		}
	}
	return true
}

func TestCatalogueOnlyProvinceProcurement(t *testing.T) {
	s, admin := bootstrap(t)
	ctx := context.Background()
	gx := catalogueStaff(t, s, admin, "gxbuyer", models.RoleProcurement, "45")
	if _, err := s.OpenCatalogueVersion(ctx, gx, models.OpenCatalogueInput{FromYear: 2026, Year: 2027}); err != nil {
		t.Fatal(err)
	}
	others := map[string]*models.Actor{
		"city procurement":       catalogueStaff(t, s, admin, "nnbuyer", models.RoleProcurement, "4501"),
		"county procurement":     catalogueStaff(t, s, admin, "xnbuyer", models.RoleProcurement, "450102"),
		"another province":       catalogueStaff(t, s, admin, "gdbuyer", models.RoleProcurement, "44"),
		"province supervisor":    catalogueStaff(t, s, admin, "gxsuper", models.RoleSupervisor, "45"),
		"province administrator": catalogueStaff(t, s, admin, "gxadmin", models.RoleAdmin, "45"),
	}
	name := "改名"
	for who, a := range others {
		for _, region := range []string{"", "45", "4501"} {
			if who == "another province" && region == "" {
				continue // its own province by default, tested below
			}
			_, err1 := s.CreateCatalogueItem(ctx, a, models.CatalogueItemInput{Year: 2027, Region: region, Code: "C0608", Parent: "C06", Name: "x", NameEn: "x"})
			_, err2 := s.UpdateCatalogueItem(ctx, a, models.CatalogueQuery{Region: region, Year: 2027}, "C0601", models.CatalogueItemPatch{Name: &name})
			_, err3 := s.OpenCatalogueVersion(ctx, a, models.OpenCatalogueInput{Region: region, FromYear: 2026, Year: 2028})
			_, err4 := s.PublishCatalogueVersion(ctx, a, models.CatalogueQuery{Region: region, Year: 2027})
			_, _, err5 := s.ManagedCatalogueVersions(ctx, a, region)
			for i, err := range []error{err1, err2, err3, err4, err5} {
				if !errors.Is(err, models.ErrForbidden) {
					t.Errorf("%s, region %q, change %d: %v, want forbidden", who, region, i+1, err)
				}
			}
		}
		// They do not see the draft either.
		if _, err := s.CatalogueItems(ctx, a, models.CatalogueQuery{Year: 2027}, models.Page{}); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("%s sees the draft: %v", who, err)
		}
	}
	anon := models.Anonymous("192.0.2.1", s.Authz)
	if _, err := s.CreateCatalogueItem(ctx, anon, newItem(2027, "C0608")); !errors.Is(err, models.ErrUnauthenticated) {
		t.Errorf("anonymous create: %v", err)
	}
	// Guangdong's staff run Guangdong's own catalogue, by default.
	gd := others["another province"]
	v, err := s.OpenCatalogueVersion(ctx, gd, models.OpenCatalogueInput{Year: 2027})
	if err != nil || v.RegionCode != "44" || v.ItemCount != 0 {
		t.Fatalf("Guangdong opens its own: %+v, %v", v, err)
	}
	if _, err := s.CatalogueItems(ctx, gx, models.CatalogueQuery{Region: "44", Year: 2027}, models.Page{}); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("Guangxi sees Guangdong's draft: %v", err)
	}
	if n := countRows(t, s, &models.CatalogueVersion{}, "1 = 1"); n != 3 {
		t.Errorf("%d versions, want 3 (45/2026, 45/2027, 44/2027)", n)
	}
	if _, err := s.CreateCatalogueItem(ctx, gx, models.CatalogueItemInput{Year: 2027, Region: "45x", Code: "C0608", Name: "x", NameEn: "x"}); !hasField(err, "region") {
		t.Errorf("malformed region: %v", err)
	}
}

func TestCatalogueChangesAudited(t *testing.T) {
	s, admin := bootstrap(t)
	ctx := context.Background()
	buyer := catalogueStaff(t, s, admin, "gxbuyer", models.RoleProcurement, "45")
	v, err := s.OpenCatalogueVersion(ctx, buyer, models.OpenCatalogueInput{FromYear: 2026, Year: 2027})
	if err != nil {
		t.Fatal(err)
	}
	it, err := s.CreateCatalogueItem(ctx, buyer, newItem(2027, "C0608"))
	if err != nil {
		t.Fatal(err)
	}
	unit := "项目"
	if _, err := s.UpdateCatalogueItem(ctx, buyer, models.CatalogueQuery{Year: 2027}, "C0608", models.CatalogueItemPatch{Unit: &unit}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PublishCatalogueVersion(ctx, buyer, models.CatalogueQuery{Year: 2027}); err != nil {
		t.Fatal(err)
	}
	var events []models.AuditEvent
	if err := s.DB.Where("object_type LIKE ?", "catalogue%").Order("id").Find(&events).Error; err != nil {
		t.Fatal(err)
	}
	want := []struct{ action, objectType string }{
		{"catalogue_version.open", "catalogue_version"},
		{"catalogue_item.create", "catalogue_item"},
		{"catalogue_item.update", "catalogue_item"},
		{"catalogue_version.publish", "catalogue_version"},
	}
	if len(events) != len(want) {
		t.Fatalf("%d audit events, want %d: %+v", len(events), len(want), events)
	}
	for i, w := range want {
		ev := events[i]
		if ev.Action != w.action || ev.ObjectType != w.objectType || ev.RegionCode != "45" || ev.ActorName != "gxbuyer" || ev.After == "" {
			t.Errorf("event %d = %+v, want %s", i, ev, w.action)
		}
	}
	if events[1].ObjectID != strconv.FormatInt(it.ID, 10) || events[0].ObjectID != strconv.FormatInt(v.ID, 10) || events[2].Before == "" {
		t.Errorf("events name the wrong objects: %+v", events)
	}
	// The province's procurement staff read them in the audit log.
	list, err := s.AuditEvents(ctx, buyer, models.AuditFilter{ObjectType: "catalogue_item"}, models.Page{})
	if err != nil || list.Total != 2 {
		t.Fatalf("audit for the buyer = %+v, %v", list, err)
	}
}
