package handlers_test

import (
	"net/url"
	"strings"
	"testing"

	"portal/models"
)

// TestDisablingAUserAsksFirst: the page's disable asks on a page of its
// own, with no script; only its answer disables.
func TestDisablingAUserAsksFirst(t *testing.T) {
	e := newEnv(t)
	admin := e.signIn("admin")
	e.staff("nn-buyer", models.RoleProcurement, "4501")
	id := e.actor("nn-buyer").UserID
	disabled := func() bool {
		var u models.User
		if err := e.store.DB.First(&u, id).Error; err != nil {
			t.Fatal(err)
		}
		return u.Disabled
	}
	path := "/admin/users/" + itoa(id) + "/disable"
	s, b := admin.form(path, url.Values{})
	if s != 200 || !strings.Contains(string(b), `id="confirm-form"`) || !strings.Contains(string(b), `action="`+path+`"`) ||
		!strings.Contains(string(b), `name="confirm" value="yes"`) {
		t.Fatalf("the first post: %d %s", s, b)
	}
	if disabled() {
		t.Fatal("asking disabled the user")
	}
	if s, b := admin.form(path, url.Values{"confirm": {"yes"}}); s != 303 {
		t.Fatalf("the answer: %d %s", s, b)
	}
	if !disabled() {
		t.Fatal("the confirmed step did not disable the user")
	}
}

// TestGrantFormChoosesNoRoleForYou: the grant form starts on no role, and
// sending it so is an error next to the role, with no grant made.
func TestGrantFormChoosesNoRoleForYou(t *testing.T) {
	e := newEnv(t)
	admin := e.signIn("admin")
	e.staff("nn-buyer", models.RoleProcurement, "4501")
	id := e.actor("nn-buyer").UserID
	_, page := admin.do("GET", "/admin/users/"+itoa(id), nil)
	if !strings.Contains(string(page), `<select id="f-role" name="role">`+"\n      "+`<option value="">`) {
		t.Fatalf("the role select does not start empty: %s", page)
	}
	s, b := admin.form("/admin/users/"+itoa(id)+"/roles", url.Values{"role": {""}, "region": {"4501"}})
	if s != 422 || !strings.Contains(string(b), `id="f-role" name="role" aria-invalid="true"`) {
		t.Fatalf("a grant without a role: %d %s", s, b)
	}
	if grants := e.actor("nn-buyer").Grants; len(grants) != 1 {
		t.Fatalf("grants after the refused form: %+v", grants)
	}
}
