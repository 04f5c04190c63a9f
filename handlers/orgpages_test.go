package handlers_test

import (
	"bytes"
	"html/template"
	"net/url"
	"strings"
	"testing"
	"time"

	"portal/handlers"
	"portal/models"
	"portal/templates"
)

// orgStatus reads an organisation's stored status and reason.
func (e *env) orgStatus(id int64) (status, reason string) {
	e.t.Helper()
	var o models.Organisation
	if err := e.store.DB.First(&o, id).Error; err != nil {
		e.t.Fatal(err)
	}
	return o.Status, o.StatusReason
}

// TestOrganisationStepsAskFirst: each review step asks on a page of its
// own that carries the reason typed; the question changes nothing, the
// answer does the step with that reason.
func TestOrganisationStepsAskFirst(t *testing.T) {
	e := newEnv(t)
	staff := e.staff("nn-buyer", models.RoleProcurement, "4501")
	pending := e.registerOrg("pending-one", "450103")
	rejected := e.registerOrg("rejected-one", "450103")
	until := time.Now().AddDate(0, 3, 0).Format("2006-01-02")
	for _, step := range []struct {
		org          int64
		event        string
		form         url.Values
		before, want string
	}{
		{pending, "verify", url.Values{}, models.OrgPending, models.OrgVerified},
		{rejected, "reject", url.Values{"reason": {"材料不全，缺少登记证书"}}, models.OrgPending, models.OrgRejected},
		{pending, "suspend", url.Values{"reason": {"服务质量投诉"}}, models.OrgVerified, models.OrgSuspended},
		{pending, "verify", url.Values{"reason": {"整改完成"}}, models.OrgSuspended, models.OrgVerified},
		{pending, "blacklist", url.Values{"reason": {"虚假材料"}, "until": {until}}, models.OrgVerified, models.OrgBlacklisted},
	} {
		base := "/organisations/" + itoa(step.org)
		path := base + "/" + step.event
		s, b := staff.form(path, step.form)
		page := string(b)
		if s != 200 || !strings.Contains(page, `id="confirm-form"`) || !strings.Contains(page, `action="`+path+`"`) ||
			!strings.Contains(page, `name="confirm" value="yes"`) || !strings.Contains(page, `href="`+base+`" id="confirm-back"`) ||
			!strings.Contains(page, testMessage(t, "zh", "confirm.org_"+step.event+".message")) {
			t.Fatalf("%s: the question: %d %s", step.event, s, b)
		}
		if r := step.form.Get("reason"); r != "" && !strings.Contains(page, `id="confirm-reason">`+r+`<`) {
			t.Fatalf("%s: the question does not show the reason %q: %s", step.event, r, b)
		}
		for name, vs := range step.form {
			if !strings.Contains(page, `name="`+name+`" value="`+vs[0]+`"`) {
				t.Fatalf("%s: the question does not carry %s=%q: %s", step.event, name, vs[0], b)
			}
		}
		if st, _ := e.orgStatus(step.org); st != step.before {
			t.Fatalf("%s: asking changed the status to %s", step.event, st)
		}
		answer := url.Values{"confirm": {"yes"}}
		for name, vs := range step.form {
			answer[name] = vs
		}
		if s, b := staff.form(path, answer); s != 303 {
			t.Fatalf("%s: the answer: %d %s", step.event, s, b)
		}
		st, reason := e.orgStatus(step.org)
		if st != step.want || reason != step.form.Get("reason") {
			t.Fatalf("%s: stored %s %q, want %s %q", step.event, st, reason, step.want, step.form.Get("reason"))
		}
	}
	// What the model refuses comes back on the review form with the reason
	// typed, before any question (and after an answer all the same):
	// blacklisting without a date.
	other := e.registerOrg("other-one", "450103")
	e.verifyOrg(other)
	for _, answer := range []url.Values{{"reason": {"串通投标"}}, {"reason": {"串通投标"}, "confirm": {"yes"}}} {
		s, b := staff.form("/organisations/"+itoa(other)+"/blacklist", answer)
		if page := string(b); s != 422 || strings.Contains(page, `id="confirm-form"`) || !strings.Contains(page, `id="review-form"`) ||
			!strings.Contains(page, `id="e-until"`) || !strings.Contains(page, ">串通投标</textarea>") {
			t.Fatalf("blacklist without a date (%v): %d %s", answer, s, b)
		}
	}
	if st, _ := e.orgStatus(other); st != models.OrgVerified {
		t.Fatalf("a refused blacklist changed the status to %s", st)
	}
}

// testMessage is a catalogue message, as a page shows it.
func testMessage(t *testing.T, lang, key string, args ...any) string {
	t.Helper()
	msgs, err := handlers.LoadCatalogue(templates.FS)
	if err != nil {
		t.Fatal(err)
	}
	return template.HTMLEscapeString(msgs.T(lang, key, args...))
}

// TestRosterRemovalAsksFirst: removing a roster entry asks; only the
// answer removes it.
func TestRosterRemovalAsksFirst(t *testing.T) {
	e := newEnv(t)
	id := e.registerOrg("own", "450103")
	member := e.signIn("own")
	base := "/organisations/" + itoa(id)
	if s, b := member.form(base+"/staff", url.Values{"name": {"韦芳"}, "level": {"senior"}, "certificate_no": {"G7"}}); s != 303 {
		t.Fatalf("roster add: %d %s", s, b)
	}
	var entry models.RosterEntry
	if err := e.store.DB.Where("organisation_id = ?", id).First(&entry).Error; err != nil {
		t.Fatal(err)
	}
	path := base + "/staff/" + itoa(entry.ID) + "/delete"
	s, b := member.form(path, url.Values{})
	if s != 200 || !strings.Contains(string(b), `id="confirm-form"`) || !strings.Contains(string(b), `action="`+path+`"`) {
		t.Fatalf("the question: %d %s", s, b)
	}
	count := func() int64 {
		var n int64
		e.store.DB.Model(&models.RosterEntry{}).Where("organisation_id = ?", id).Count(&n)
		return n
	}
	if count() != 1 {
		t.Fatal("asking removed the entry")
	}
	if s, b := member.form(path, url.Values{"confirm": {"yes"}}); s != 303 {
		t.Fatalf("the answer: %d %s", s, b)
	}
	if count() != 0 {
		t.Fatal("the confirmed step did not remove the entry")
	}
}

// TestOversizeUploadOnTheForm: a file just over 10 MB comes back on the
// organisation page, next to the file field, with the kind chosen kept; a
// body far larger than the upload cap gets the error page.
func TestOversizeUploadOnTheForm(t *testing.T) {
	e := newEnv(t)
	id := e.registerOrg("own", "450103")
	member := e.signIn("own")
	path := "/organisations/" + itoa(id) + "/documents"
	big := append(append([]byte{}, testPDF...), bytes.Repeat([]byte("0"), models.MaxOrgDocumentBytes)...)
	s, b := member.orgUpload(path, "charter", "big.pdf", big)
	page := string(b)
	if s != 413 || !strings.Contains(page, `id="document-form"`) || !strings.Contains(page, `id="f-file" name="file" type="file" accept="application/pdf,image/png,image/jpeg" aria-invalid="true" aria-describedby="e-file"`) ||
		!strings.Contains(page, `<p class="field-error" id="e-file">`+testMessage(t, "zh", "field.file_too_large")+`</p>`) ||
		!strings.Contains(page, `value="charter" selected`) {
		t.Fatalf("10 MiB + %d bytes: %d %s", len(testPDF), s, b)
	}
	huge := append(big, bytes.Repeat([]byte("0"), 2<<20)...)
	s, b = member.orgUpload(path, "charter", "huge.pdf", huge)
	if s != 413 || strings.Contains(string(b), `id="document-form"`) || !strings.Contains(string(b), testMessage(t, "zh", "err.413")) {
		t.Fatalf("12 MiB body: %d %s", s, b)
	}
	var n int64
	e.store.DB.Model(&models.OrgDocument{}).Count(&n)
	if n != 0 {
		t.Fatalf("%d documents stored", n)
	}
}

// TestGrantOutsideRegionOnTheForm: a grant outside the admin's region
// comes back on the user's page, next to the region field, with the role
// and region chosen kept, and grants nothing.
func TestGrantOutsideRegionOnTheForm(t *testing.T) {
	e := newEnv(t)
	e.staff("nn-admin", models.RoleAdmin, "4501")
	cityAdmin := e.signIn("nn-admin")
	e.staff("nn-buyer", models.RoleProcurement, "4501")
	nn := e.actor("nn-buyer").UserID
	s, b := cityAdmin.form("/admin/users/"+itoa(nn)+"/roles", url.Values{"role": {models.RoleExpert}, "region": {"4502"}})
	page := string(b)
	if s != 403 || !strings.Contains(page, `id="grant-form"`) ||
		!strings.Contains(page, `id="f-region" name="region" class="region-select" aria-invalid="true" aria-describedby="e-region"`) ||
		!strings.Contains(page, `<p class="field-error" id="e-region">`+testMessage(t, "zh", "field.grant_reach")+`</p>`) ||
		!strings.Contains(page, `<option value="4502" selected>柳州市</option>`) || !strings.Contains(page, `value="expert" selected`) {
		t.Fatalf("grant outside the region: %d %s", s, b)
	}
	if grants, _ := e.authz.Grants(nn); len(grants) != 1 {
		t.Fatalf("grants after a refused grant: %v", grants)
	}
	// The API says the same about the field.
	s, b = cityAdmin.do("POST", "/api/v1/users/"+itoa(nn)+"/roles", map[string]string{"role": "expert", "region": "4502"})
	if s != 403 || fieldsOf(t, b)[0] != "region" {
		t.Fatalf("API grant outside the region: %d %s", s, b)
	}
}

// TestPendingOrganisationIsTold: the members of an organisation that is
// not verified read, on its page and on the home page, that it cannot bid,
// with its status and the reason given; once verified, nothing is said.
func TestPendingOrganisationIsTold(t *testing.T) {
	e := newEnv(t)
	id := e.registerOrg("own", "450103")
	member := e.signIn("own")
	base := "/organisations/" + itoa(id)
	told := testMessage(t, "zh", "org.cannot_bid", "待审核")
	for _, path := range []string{base, "/"} {
		if s, b := member.do("GET", path, nil); s != 200 || !strings.Contains(string(b), `id="cannot-bid" data-status="pending"`) || !strings.Contains(string(b), told) {
			t.Fatalf("%s for a pending organisation: %d %s", path, s, b)
		}
	}
	// Staff do not read it as if it were theirs.
	staff := e.staff("nn-buyer", models.RoleProcurement, "4501")
	if _, b := staff.do("GET", base, nil); strings.Contains(string(b), `id="cannot-bid"`) {
		t.Fatal("staff are told their organisation cannot bid")
	}
	if s, b := staff.form(base+"/reject", url.Values{"reason": {"缺少登记证书"}, "confirm": {"yes"}}); s != 303 {
		t.Fatalf("reject: %d %s", s, b)
	}
	for _, path := range []string{base, "/"} {
		s, b := member.do("GET", path, nil)
		if page := string(b); s != 200 || !strings.Contains(page, testMessage(t, "zh", "org.cannot_bid", "未通过")) ||
			!strings.Contains(page, testMessage(t, "zh", "desk.reason", "缺少登记证书")) {
			t.Fatalf("%s for a rejected organisation: %d %s", path, s, b)
		}
	}
	other := e.registerOrg("verified", "450103")
	e.verifyOrg(other)
	verified := e.signIn("verified")
	for _, path := range []string{"/organisations/" + itoa(other), "/"} {
		if _, b := verified.do("GET", path, nil); strings.Contains(string(b), `id="cannot-bid"`) {
			t.Fatalf("%s tells a verified organisation it cannot bid", path)
		}
	}
}
