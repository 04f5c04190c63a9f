package models_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"portal/models"
	"portal/models/blob"
	"portal/models/uscc"
)

// orgCode builds a valid credit code: registration type typ ("52"),
// division and a subject number n.
func orgCode(t *testing.T, typ, division string, n int) string {
	t.Helper()
	first := fmt.Sprintf("%s%sMA%07d", typ, division, n)
	c, err := uscc.CheckChar(first)
	if err != nil {
		t.Fatal(err)
	}
	return first + string(c)
}

// orgRegistration is a valid registration of an organisation working in
// region, its code registered in division; names and codes are unique in
// the test's database (numbered by its users).
func orgRegistration(t *testing.T, s *models.Store, region, division string) models.Registration {
	t.Helper()
	n := int(orgCount(t, s, "users")) + 1
	return models.Registration{
		Organisation: models.NewOrganisation{Name: fmt.Sprintf("阳光社会工作服务中心%d", n), CreditCode: orgCode(t, "52", division, n),
			LegalRep: "黄丽", Region: region, FoundedOn: "2018-05-20", Phone: "0771-5551234", Address: "南宁市兴宁区民主路 1 号"},
		User: models.NewUser{Username: fmt.Sprintf("agency%d", n), Password: "agency-password-1", DisplayName: "黄丽"},
	}
}

func orgRegister(t *testing.T, s *models.Store, region, division string) (*models.OrganisationView, *models.Actor) {
	t.Helper()
	in := orgRegistration(t, s, region, division)
	v, u, err := s.Register(context.Background(), models.Anonymous("192.0.2.9", s.Authz), in)
	if err != nil {
		t.Fatal(err)
	}
	return v, actorFor(t, s, u.Username)
}

// orgStaffActor creates a user with role in region.
func orgStaffActor(t *testing.T, s *models.Store, admin *models.Actor, username, role, region string) *models.Actor {
	t.Helper()
	ctx := context.Background()
	u, err := s.CreateUser(ctx, admin, models.NewUser{Username: username, Password: "long-enough-pw", DisplayName: username})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.GrantRole(ctx, admin, u.ID, models.Grant{Role: role, Region: region}); err != nil {
		t.Fatal(err)
	}
	return actorFor(t, s, username)
}

func orgCount(t *testing.T, s *models.Store, table string) int64 {
	t.Helper()
	var n int64
	if err := s.DB.Table(table).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func orgStatus(t *testing.T, s *models.Store, id int64) models.Organisation {
	t.Helper()
	var o models.Organisation
	if err := s.DB.First(&o, id).Error; err != nil {
		t.Fatal(err)
	}
	return o
}

func wantKind(t *testing.T, err, kind error) *models.Error {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("err = %v, want %v", err, kind)
	}
	e, _ := models.AsError(err)
	return e
}

func TestRegisterCreatesPendingOrganisationMemberAndGrant(t *testing.T) {
	s, _ := bootstrap(t)
	in := orgRegistration(t, s, "4501", "450100")
	in.Organisation.CreditCode = " " + strings.ToLower(in.Organisation.CreditCode) + " "
	v, u, err := s.Register(context.Background(), models.Anonymous("192.0.2.9", s.Authz), in)
	if err != nil {
		t.Fatal(err)
	}
	o := orgStatus(t, s, v.Org.ID)
	if o.Status != models.OrgPending || o.RegistrationType != uscc.PrivateNonEnterprise || o.CreditCode != strings.ToUpper(strings.TrimSpace(in.Organisation.CreditCode)) {
		t.Fatalf("organisation = %+v", o)
	}
	if u.OrganisationID == nil || *u.OrganisationID != o.ID {
		t.Fatalf("user's organisation = %v", u.OrganisationID)
	}
	grants, _ := s.Authz.Grants(u.ID)
	if len(grants) != 1 || grants[0] != (models.Grant{Role: models.RoleAgency, Region: "4501"}) {
		t.Fatalf("grants = %+v", grants)
	}
	member := actorFor(t, s, u.Username)
	if !member.Can("org:manage", "4501") {
		t.Fatal("the new member cannot manage its organisation")
	}
	var actions []string
	s.DB.Model(&models.AuditEvent{}).Order("id").Pluck("action", &actions)
	if got := strings.Join(actions, " "); !strings.Contains(got, "organisation.register user.create user.grant") {
		t.Fatalf("audit = %s", got)
	}
}

func TestRegisterCreditCodeErrorsCreateNothing(t *testing.T) {
	s, _ := bootstrap(t)
	valid := orgCode(t, "52", "450102", 1)
	wrongCheck := valid[:17] + "0"
	if valid[17] == '0' {
		wrongCheck = valid[:17] + "1"
	}
	cases := []struct {
		name, code, wantCode, wantParam string
	}{
		{"short", valid[:17], "uscc_length", ""},
		{"letter I", valid[:10] + "I" + valid[11:], "uscc_charset", "11"},
		{"letter in division", valid[:4] + "A" + valid[5:], "uscc_division", "5"},
		{"check character", wrongCheck, "uscc_check", string(valid[17])},
		{"market regulation", orgCode(t, "91", "450102", 2), "uscc_civil_affairs", ""},
		{"other civil-affairs type", orgCode(t, "59", "450102", 3), "uscc_civil_affairs", ""},
		{"division unknown in a known city", orgCode(t, "52", "450199", 4), "uscc_county", "450199"},
		{"province unknown", orgCode(t, "52", "990000", 6), "uscc_county", "990000"},
		{"division unknown", orgCode(t, "52", "459999", 5), "uscc_county", "459999"},
	}
	orgs, users := orgCount(t, s, "organisations"), orgCount(t, s, "users")
	for _, c := range cases {
		in := orgRegistration(t, s, "4501", "450100")
		in.Organisation.CreditCode = c.code
		_, _, err := s.Register(context.Background(), models.Anonymous("", s.Authz), in)
		e := wantKind(t, err, models.ErrInvalid)
		if len(e.Fields) != 1 || e.Fields[0].Field != "organisation.credit_code" || e.Fields[0].Code != c.wantCode || e.Fields[0].Param != c.wantParam {
			t.Errorf("%s: fields = %+v, want %s %q", c.name, e.Fields, c.wantCode, c.wantParam)
		}
	}
	// Other fields are reported together, each under its JSON path.
	in := orgRegistration(t, s, "450102001", "450102")
	in.Organisation.FoundedOn = time.Now().AddDate(0, 0, 3).Format("2006-01-02")
	in.Organisation.Phone = "12345"
	in.User.Username = "X"
	_, _, err := s.Register(context.Background(), models.Anonymous("", s.Authz), in)
	e := wantKind(t, err, models.ErrInvalid)
	got := map[string]string{}
	for _, f := range e.Fields {
		got[f.Field] = f.Code
	}
	want := map[string]string{"organisation.region": "org_region_level", "organisation.founded_on": "org_not_future",
		"organisation.phone": "phone", "user.username": "username"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("fields = %v, want %v", got, want)
	}
	if orgCount(t, s, "organisations") != orgs || orgCount(t, s, "users") != users {
		t.Fatal("a failed registration left rows behind")
	}
}

// TestCreditCodesOfCityAndRegionOffices: a code's positions 3–8 may name
// the civil-affairs office of a county, a city or the region, and the
// organisation's region lies within that office's area.
func TestCreditCodesOfCityAndRegionOffices(t *testing.T) {
	s, _ := bootstrap(t)
	anon := models.Anonymous("", s.Authz)
	for _, c := range []struct{ code, region string }{
		{"52450100MJ0000009Q", "450102"}, // Nanning's office, an organisation in Xingning
		{"52450000MJ0000008G", "450103"}, // the region's office, one in Qingxiu
		{orgCode(t, "52", "450100", 1), "4501"},
		{orgCode(t, "53", "450000", 2), "4502"},
		{orgCode(t, "51", "450102", 3), "450102"},
	} {
		in := orgRegistration(t, s, c.region, "450102")
		in.Organisation.CreditCode = c.code
		if _, _, err := s.Register(context.Background(), anon, in); err != nil {
			t.Errorf("%s in %s: %v", c.code, c.region, err)
		}
	}
	// Outside the registering office's area.
	for _, c := range []struct{ code, region string }{
		{orgCode(t, "52", "450100", 4), "4502"},   // Nanning's office, an organisation in Liuzhou
		{orgCode(t, "52", "450100", 5), "450202"}, // … or in a Liuzhou district
		{orgCode(t, "52", "450102", 6), "4501"},   // a district's office, an organisation of the whole city
		{orgCode(t, "52", "450102", 7), "450103"}, // … or of the next district
		{orgCode(t, "52", "440000", 8), "4501"},   // Guangdong's office, an organisation in Nanning
	} {
		in := orgRegistration(t, s, c.region, "450102")
		in.Organisation.CreditCode = c.code
		_, _, err := s.Register(context.Background(), anon, in)
		e := wantKind(t, err, models.ErrInvalid)
		if len(e.Fields) != 1 || e.Fields[0].Field != "organisation.region" || e.Fields[0].Code != "uscc_region" || e.Fields[0].Param != c.code[2:8] {
			t.Errorf("%s in %s: fields = %+v, want organisation.region uscc_region", c.code, c.region, e.Fields)
		}
	}
}

func TestRegisterIsOneTransaction(t *testing.T) {
	s, admin := bootstrap(t)
	ctx := context.Background()
	if _, err := s.CreateUser(ctx, admin, models.NewUser{Username: "taken", Password: "long-enough-pw", DisplayName: "x"}); err != nil {
		t.Fatal(err)
	}
	orgs, users, rules, audits := orgCount(t, s, "organisations"), orgCount(t, s, "users"), orgCount(t, s, "casbin_rule"), orgCount(t, s, "audit_events")
	in := orgRegistration(t, s, "4501", "450100")
	in.User.Username = "Taken"
	_, _, err := s.Register(ctx, models.Anonymous("", s.Authz), in)
	e := wantKind(t, err, models.ErrConflict)
	if len(e.Fields) != 1 || e.Fields[0].Field != "user.username" {
		t.Fatalf("fields = %+v", e.Fields)
	}
	if orgCount(t, s, "organisations") != orgs || orgCount(t, s, "users") != users || orgCount(t, s, "casbin_rule") != rules || orgCount(t, s, "audit_events") != audits {
		t.Fatal("a registration with a taken username left rows behind")
	}
	// The same organisation registers once the username is free.
	in.User.Username = "free"
	v, _, err := s.Register(ctx, models.Anonymous("", s.Authz), in)
	if err != nil {
		t.Fatal(err)
	}
	// The same credit code a second time is a conflict.
	in.User.Username = "another"
	_, _, err = s.Register(ctx, models.Anonymous("", s.Authz), in)
	e = wantKind(t, err, models.ErrConflict)
	if len(e.Fields) != 1 || e.Fields[0].Field != "organisation.credit_code" {
		t.Fatalf("fields = %+v", e.Fields)
	}
	if orgCount(t, s, "organisations") != orgs+1 || v.Org.ID == 0 {
		t.Fatal("organisation count after duplicate")
	}
}

// orgInStatus registers an organisation in 450102 and moves it to status.
func orgInStatus(t *testing.T, s *models.Store, staff *models.Actor, status string) int64 {
	t.Helper()
	v, _ := orgRegister(t, s, "450102", "450102")
	ctx := context.Background()
	until := time.Now().AddDate(1, 0, 0).Format("2006-01-02")
	steps := map[string][]string{
		models.OrgPending:     nil,
		models.OrgVerified:    {models.OrgVerify},
		models.OrgRejected:    {models.OrgReject},
		models.OrgSuspended:   {models.OrgVerify, models.OrgSuspend},
		models.OrgBlacklisted: {models.OrgBlacklist},
	}[status]
	for _, ev := range steps {
		if _, err := s.ChangeOrganisationStatus(ctx, staff, v.Org.ID, ev, models.OrgStatusChange{Reason: "r", Until: until}); err != nil {
			t.Fatal(err)
		}
	}
	return v.Org.ID
}

func TestOrganisationLifecycle(t *testing.T) {
	s, admin := bootstrap(t)
	staff := orgStaffActor(t, s, admin, "xn-buyer", models.RoleProcurement, "450102")
	ctx := context.Background()
	until := time.Now().AddDate(0, 6, 0).Format("2006-01-02")
	valid := map[[2]string]string{
		{models.OrgPending, models.OrgVerify}:      models.OrgVerified,
		{models.OrgPending, models.OrgReject}:      models.OrgRejected,
		{models.OrgVerified, models.OrgSuspend}:    models.OrgSuspended,
		{models.OrgSuspended, models.OrgVerify}:    models.OrgVerified,
		{models.OrgPending, models.OrgBlacklist}:   models.OrgBlacklisted,
		{models.OrgVerified, models.OrgBlacklist}:  models.OrgBlacklisted,
		{models.OrgRejected, models.OrgBlacklist}:  models.OrgBlacklisted,
		{models.OrgSuspended, models.OrgBlacklist}: models.OrgBlacklisted,
	}
	for _, from := range models.OrgStatuses {
		for _, ev := range models.OrgEvents {
			id := orgInStatus(t, s, staff, from)
			before := orgStatus(t, s, id)
			audits := orgCount(t, s, "audit_events")
			_, err := s.ChangeOrganisationStatus(ctx, staff, id, ev, models.OrgStatusChange{Reason: "理由", Until: until})
			after := orgStatus(t, s, id)
			want, ok := valid[[2]string{from, ev}]
			if !ok {
				if !errors.Is(err, models.ErrConflict) {
					t.Errorf("%s + %s: err = %v, want conflict", from, ev, err)
				}
				if after != before || orgCount(t, s, "audit_events") != audits {
					t.Errorf("%s + %s: a refused transition changed something", from, ev)
				}
				continue
			}
			if err != nil || after.Status != want {
				t.Errorf("%s + %s: %v, status %s, want %s", from, ev, err, after.Status, want)
				continue
			}
			var ev2 models.AuditEvent
			if err := s.DB.Order("id DESC").First(&ev2).Error; err != nil {
				t.Fatal(err)
			}
			if ev2.Action != "organisation."+ev || ev2.ObjectType != "organisation" || ev2.ObjectID != fmt.Sprint(id) ||
				ev2.RegionCode != "450102" || !strings.Contains(ev2.Before, `"status":"`+from+`"`) || !strings.Contains(ev2.After, `"status":"`+want+`"`) {
				t.Errorf("%s + %s: audit %+v", from, ev, ev2)
			}
		}
	}
}

func TestStatusChangeInputs(t *testing.T) {
	s, admin := bootstrap(t)
	staff := orgStaffActor(t, s, admin, "xn-buyer", models.RoleProcurement, "450102")
	ctx := context.Background()
	id := orgInStatus(t, s, staff, models.OrgPending)
	for _, c := range []struct {
		event string
		in    models.OrgStatusChange
		field string
	}{
		{models.OrgReject, models.OrgStatusChange{Reason: " "}, "reason"},
		{models.OrgBlacklist, models.OrgStatusChange{}, "reason"},
		{models.OrgBlacklist, models.OrgStatusChange{Reason: "r", Until: "2026/01/01"}, "until"},
		{models.OrgBlacklist, models.OrgStatusChange{Reason: "r", Until: time.Now().AddDate(0, 0, -1).Format("2006-01-02")}, "until"},
	} {
		_, err := s.ChangeOrganisationStatus(ctx, staff, id, c.event, c.in)
		e := wantKind(t, err, models.ErrInvalid)
		if !strings.Contains(fmt.Sprint(e.Fields), c.field) {
			t.Errorf("%s %+v: fields %+v, want %s", c.event, c.in, e.Fields, c.field)
		}
	}
	if orgStatus(t, s, id).Status != models.OrgPending {
		t.Fatal("invalid input changed the status")
	}
}

func TestBlacklistEndsOnlyByReinstatement(t *testing.T) {
	s, admin := bootstrap(t)
	staff := orgStaffActor(t, s, admin, "xn-buyer", models.RoleProcurement, "450102")
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	id := orgInStatus(t, s, staff, models.OrgVerified)
	if err := s.OrganisationCanBid(s.DB, id, now); err != nil {
		t.Fatalf("verified organisation cannot bid: %v", err)
	}
	if _, err := s.ChangeOrganisationStatus(ctx, staff, id, models.OrgBlacklist, models.OrgStatusChange{Reason: "虚假材料", Until: "2026-06-30"}); err != nil {
		t.Fatal(err)
	}
	err := s.OrganisationCanBid(s.DB, id, now)
	if e := wantKind(t, err, models.ErrConflict); !strings.Contains(e.Detail, "blacklisted until 2026-06-30") {
		t.Fatalf("detail = %s", e.Detail)
	}
	// The last day of the blacklist (China time) still bars reinstatement.
	now = time.Date(2026, 6, 30, 15, 0, 0, 0, time.UTC) // 23:00 in Nanning
	_, err = s.ChangeOrganisationStatus(ctx, staff, id, models.OrgVerify, models.OrgStatusChange{})
	wantKind(t, err, models.ErrConflict)
	// After it, the organisation is still blacklisted and cannot bid…
	now = time.Date(2026, 6, 30, 16, 0, 0, 0, time.UTC) // 00:00 on 1 July in Nanning
	err = s.OrganisationCanBid(s.DB, id, now)
	if e := wantKind(t, err, models.ErrConflict); !strings.Contains(e.Detail, "reinstate") {
		t.Fatalf("detail = %s", e.Detail)
	}
	// …until staff reinstate it.
	if _, err := s.ChangeOrganisationStatus(ctx, staff, id, models.OrgVerify, models.OrgStatusChange{Reason: "期满恢复"}); err != nil {
		t.Fatal(err)
	}
	if o := orgStatus(t, s, id); o.Status != models.OrgVerified || o.BlacklistedUntil != "" {
		t.Fatalf("after reinstatement: %+v", o)
	}
	if err := s.OrganisationCanBid(s.DB, id, now); err != nil {
		t.Fatal(err)
	}
	pending := orgInStatus(t, s, staff, models.OrgPending)
	wantKind(t, s.OrganisationCanBid(s.DB, pending, now), models.ErrConflict)
	wantKind(t, s.OrganisationCanBid(s.DB, 999999, now), models.ErrNotFound)
}

func TestStatusChangesStayInTheStaffRegion(t *testing.T) {
	s, admin := bootstrap(t)
	ctx := context.Background()
	county := orgStaffActor(t, s, admin, "xn-buyer", models.RoleProcurement, "450102")
	city := orgStaffActor(t, s, admin, "nn-buyer", models.RoleProcurement, "4501")
	liuzhou := orgStaffActor(t, s, admin, "lz-buyer", models.RoleProcurement, "4502")
	supervisor := orgStaffActor(t, s, admin, "qx-sup", models.RoleSupervisor, "450103")
	pending, _ := orgRegister(t, s, "450103", "450103")
	verified, _ := orgRegister(t, s, "450103", "450103")
	if _, err := s.ChangeOrganisationStatus(ctx, city, verified.Org.ID, models.OrgVerify, models.OrgStatusChange{}); err != nil {
		t.Fatal(err)
	}
	change := func(a *models.Actor, id int64, ev string) error {
		_, err := s.ChangeOrganisationStatus(ctx, a, id, ev, models.OrgStatusChange{Reason: "r"})
		return err
	}
	// Another county's staff cannot see a pending organisation at all…
	wantKind(t, change(county, pending.Org.ID, models.OrgVerify), models.ErrNotFound)
	wantKind(t, change(liuzhou, pending.Org.ID, models.OrgVerify), models.ErrNotFound)
	// …and may see, but not act on, a verified one.
	wantKind(t, change(county, verified.Org.ID, models.OrgSuspend), models.ErrForbidden)
	// A supervisor of the county sees it but may not decide.
	wantKind(t, change(supervisor, pending.Org.ID, models.OrgVerify), models.ErrForbidden)
	if orgStatus(t, s, pending.Org.ID).Status != models.OrgPending || orgStatus(t, s, verified.Org.ID).Status != models.OrgVerified {
		t.Fatal("a refused change changed the status")
	}
	// The city's staff reach every county of the city.
	if err := change(city, pending.Org.ID, models.OrgVerify); err != nil {
		t.Fatal(err)
	}
	// Lists follow the same reach.
	list, err := s.Organisations(ctx, county, models.OrganisationFilter{}, models.Page{})
	if err != nil || list.Total != 0 {
		t.Fatalf("county staff of 450102 list %d organisations of 450103 (%v)", list.Total, err)
	}
	list, err = s.Organisations(ctx, supervisor, models.OrganisationFilter{Status: models.OrgVerified}, models.Page{})
	if err != nil || list.Total != 2 || !list.Items[0].Full {
		t.Fatalf("supervisor list = %+v, %v", list, err)
	}
}

func TestWhoSeesWhat(t *testing.T) {
	s, admin := bootstrap(t)
	ctx := context.Background()
	staff := orgStaffActor(t, s, admin, "nn-buyer", models.RoleProcurement, "4501")
	ownV, member := orgRegister(t, s, "4501", "450100")
	id := ownV.Org.ID
	if _, err := s.AddRosterEntry(ctx, member, id, models.NewRosterEntry{Name: "韦芳", Level: models.LevelIntermediate, CertificateNo: "Z2019450100123"}); err != nil {
		t.Fatal(err)
	}
	_, other := orgRegister(t, s, "4501", "450100")
	anon := models.Anonymous("", s.Authz)
	// Pending: members and staff only.
	for name, a := range map[string]*models.Actor{"anonymous": anon, "other agency": other, "admin": admin} {
		if _, err := s.Organisation(ctx, a, id); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("%s sees a pending organisation: %v", name, err)
		}
	}
	if _, err := s.ChangeOrganisationStatus(ctx, staff, id, models.OrgVerify, models.OrgStatusChange{}); err != nil {
		t.Fatal(err)
	}
	for name, a := range map[string]*models.Actor{"anonymous": anon, "other agency": other, "admin": admin} {
		v, err := s.Organisation(ctx, a, id)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b, _ := v.MarshalJSON()
		if v.Full || v.Org.Phone != "" || v.Org.Address != "" || v.Org.LegalRep != "" || v.Staff != nil || v.Documents != nil ||
			strings.Contains(string(b), "phone") || strings.Contains(string(b), "staff") || !strings.Contains(string(b), `"credit_code"`) {
			t.Errorf("%s sees %s", name, b)
		}
		if _, err := s.OrgDocuments(ctx, a, id); a.SignedIn() && !errors.Is(err, models.ErrNotFound) || !a.SignedIn() && !errors.Is(err, models.ErrUnauthenticated) {
			t.Errorf("%s lists documents: %v", name, err)
		}
	}
	for name, a := range map[string]*models.Actor{"member": member, "staff": staff} {
		v, err := s.Organisation(ctx, a, id)
		if err != nil || !v.Full || v.Org.Phone == "" || len(v.Staff) != 1 || v.SocialWorkers()[models.LevelIntermediate] != 1 || len(v.Members) != 1 {
			t.Errorf("%s sees %+v, %v", name, v, err)
		}
		if v.Member != (name == "member") {
			t.Errorf("%s: Member = %v", name, v.Member)
		}
	}
	// The public list shows verified organisations' public fields only.
	list, err := s.Organisations(ctx, anon, models.OrganisationFilter{}, models.Page{})
	if err != nil || list.Total != 1 || list.Items[0].Full {
		t.Fatalf("public list = %+v, %v", list, err)
	}
	list, _ = s.Organisations(ctx, anon, models.OrganisationFilter{Status: models.OrgPending}, models.Page{})
	if list.Total != 0 {
		t.Fatal("the public lists pending organisations")
	}
	list, _ = s.Organisations(ctx, staff, models.OrganisationFilter{Status: models.OrgPending, Q: "阳光"}, models.Page{})
	if list.Total != 1 {
		t.Fatalf("staff's pending queue has %d", list.Total)
	}
}

func TestRosterProfileAndColleagues(t *testing.T) {
	s, admin := bootstrap(t)
	ctx := context.Background()
	v, member := orgRegister(t, s, "4501", "450100")
	id := v.Org.ID
	_, other := orgRegister(t, s, "4501", "450100")
	add := func(a *models.Actor, in models.NewRosterEntry) error {
		_, err := s.AddRosterEntry(ctx, a, id, in)
		return err
	}
	if err := add(member, models.NewRosterEntry{Name: "韦芳", Level: models.LevelSenior, CertificateNo: "G001"}); err != nil {
		t.Fatal(err)
	}
	if err := add(member, models.NewRosterEntry{Name: "志愿者", Position: "行政"}); err != nil {
		t.Fatal(err)
	}
	e := wantKind(t, add(member, models.NewRosterEntry{Name: "李明", Level: models.LevelAssistant, CertificateNo: "G001"}), models.ErrConflict)
	if e.Fields[0].Field != "certificate_no" {
		t.Fatalf("fields = %+v", e.Fields)
	}
	wantKind(t, add(member, models.NewRosterEntry{Name: "李明", Level: models.LevelAssistant}), models.ErrInvalid)
	wantKind(t, add(member, models.NewRosterEntry{Name: "李明", CertificateNo: "G002"}), models.ErrInvalid)
	wantKind(t, add(member, models.NewRosterEntry{Name: "李明", Level: "expert", CertificateNo: "G002"}), models.ErrInvalid)
	// Another organisation's member cannot see a pending organisation, so 404.
	wantKind(t, add(other, models.NewRosterEntry{Name: "x"}), models.ErrNotFound)
	var roster []models.RosterEntry
	s.DB.Where("organisation_id = ?", id).Order("id").Find(&roster)
	if len(roster) != 2 {
		t.Fatalf("roster = %+v", roster)
	}
	wantKind(t, s.RemoveRosterEntry(ctx, other, id, roster[0].ID), models.ErrNotFound)
	if err := s.RemoveRosterEntry(ctx, member, id, roster[0].ID); err != nil {
		t.Fatal(err)
	}
	wantKind(t, s.RemoveRosterEntry(ctx, member, id, roster[0].ID), models.ErrNotFound)

	// Profile: validated, region and identity unchanged.
	future := time.Now().AddDate(0, 1, 0).Format("2006-01-02")
	bad, neg := "123", -1
	_, err := s.UpdateOrganisation(ctx, member, id, models.OrganisationProfile{Phone: &bad, FoundedOn: &future, Volunteers: &neg})
	e = wantKind(t, err, models.ErrInvalid)
	if len(e.Fields) != 3 {
		t.Fatalf("fields = %+v", e.Fields)
	}
	phone, n := "13907710000", 120
	p, err := s.UpdateOrganisation(ctx, member, id, models.OrganisationProfile{Phone: &phone, Volunteers: &n})
	if err != nil || p.Org.Phone != phone || p.Org.Volunteers != 120 || p.Org.LegalRep != "黄丽" || p.Org.RegionCode != "4501" {
		t.Fatalf("update = %+v, %v", p, err)
	}
	_, err = s.UpdateOrganisation(ctx, other, id, models.OrganisationProfile{Phone: &phone})
	wantKind(t, err, models.ErrNotFound)
	_, err = s.UpdateOrganisation(ctx, admin, id, models.OrganisationProfile{Phone: &phone})
	wantKind(t, err, models.ErrForbidden)

	// Colleagues are agency members of the same organisation.
	u, err := s.AddColleague(ctx, member, id, models.NewUser{Username: "colleague", Password: "long-enough-pw", DisplayName: "同事"})
	if err != nil || u.OrganisationID == nil || *u.OrganisationID != id {
		t.Fatalf("colleague = %+v, %v", u, err)
	}
	if c := actorFor(t, s, "colleague"); !c.Can("org:manage", "4501") {
		t.Fatal("the colleague has no agency grant")
	}
	_, err = s.AddColleague(ctx, other, id, models.NewUser{Username: "intruder", Password: "long-enough-pw", DisplayName: "x"})
	wantKind(t, err, models.ErrNotFound)
}

// Minimal files of each type: http.DetectContentType knows them by their
// first bytes.
var (
	orgPNG  = append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 64)...)
	orgPDF  = []byte("%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n")
	orgJPEG = append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, bytes.Repeat([]byte{1}, 64)...)
)

func orgUploadOf(kind, name string, content []byte) func() (models.OrgUpload, error) {
	return func() (models.OrgUpload, error) {
		return models.OrgUpload{Kind: kind, Name: name, Body: io.NopCloser(bytes.NewReader(content))}, nil
	}
}

func orgStoredFiles(t *testing.T, s *models.Store) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(s.Files.(*blob.Dir).Root(), func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestDocumentsByContentAndHash(t *testing.T) {
	s, _ := bootstrap(t)
	ctx := context.Background()
	v, member := orgRegister(t, s, "4501", "450100")
	id := v.Org.ID
	d, err := s.UploadOrgDocument(ctx, member, id, orgUploadOf(models.DocRegistrationCertificate, `C:\Users\x\登记证书.pdf`, orgPNG))
	if err != nil {
		t.Fatal(err)
	}
	if d.ContentType != "image/png" || d.Filename != "登记证书.png" || d.Size != int64(len(orgPNG)) {
		t.Fatalf("document = %+v", d)
	}
	for _, c := range [][]byte{orgPDF, orgJPEG} {
		if _, err := s.UploadOrgDocument(ctx, member, id, orgUploadOf(models.DocOther, "x", c)); err != nil {
			t.Fatal(err)
		}
	}
	if n := orgStoredFiles(t, s); n != 3 {
		t.Fatalf("%d files stored, want 3", n)
	}
	// The same content again is stored once.
	if _, err := s.UploadOrgDocument(ctx, member, id, orgUploadOf(models.DocCharter, "again.png", orgPNG)); err != nil {
		t.Fatal(err)
	}
	if n := orgStoredFiles(t, s); n != 3 {
		t.Fatalf("%d files stored after a duplicate, want 3", n)
	}
	docs := orgCount(t, s, "organisation_documents")
	for name, c := range map[string][]byte{
		"text named .pdf": []byte("just some text, not a PDF"),
		"html":            []byte("<html><script>alert(1)</script></html>"),
		"empty":           {},
	} {
		_, err := s.UploadOrgDocument(ctx, member, id, orgUploadOf(models.DocOther, "x.pdf", c))
		if e := wantKind(t, err, models.ErrInvalid); e.Fields[0].Field != "file" {
			t.Errorf("%s: fields %+v", name, e.Fields)
		}
	}
	_, err = s.UploadOrgDocument(ctx, member, id, orgUploadOf("passport", "x.pdf", orgPDF))
	wantKind(t, err, models.ErrInvalid)
	big := append(append([]byte{}, orgPDF...), bytes.Repeat([]byte("0"), models.MaxOrgDocumentBytes)...)
	_, err = s.UploadOrgDocument(ctx, member, id, orgUploadOf(models.DocOther, "big.pdf", big))
	wantKind(t, err, models.ErrTooLarge)
	if orgCount(t, s, "organisation_documents") != docs || orgStoredFiles(t, s) != 3 {
		t.Fatal("a refused upload left a row or a file")
	}
	// A non-member's upload is refused before it is read.
	_, other := orgRegister(t, s, "4501", "450100")
	_, err = s.UploadOrgDocument(ctx, other, id, func() (models.OrgUpload, error) {
		t.Fatal("read a non-member's upload")
		return models.OrgUpload{}, nil
	})
	wantKind(t, err, models.ErrNotFound)
	// Download: the bytes back, for members only.
	got, f, err := s.OpenOrgDocument(ctx, member, id, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(f)
	f.Close()
	if !bytes.Equal(b, orgPNG) || got.SHA256 != d.SHA256 {
		t.Fatal("downloaded bytes differ")
	}
	if _, _, err := s.OpenOrgDocument(ctx, other, id, d.ID); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("another agency opens a document: %v", err)
	}
	otherID := *other.OrganisationID
	if _, _, err := s.OpenOrgDocument(ctx, other, otherID, d.ID); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("a document opens under another organisation's id: %v", err)
	}
}
