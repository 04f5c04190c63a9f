package handlers_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"portal/models"
)

// notificationExpand fills {note} in the authorisation matrix: a
// notification of the "agency" persona (its organisation's verification).
func (f *matrixFixture) notificationExpand(path string) string {
	if !strings.Contains(path, "{note}") {
		return path
	}
	var n models.Notification
	if err := f.e.store.DB.Where("user_id = (SELECT id FROM users WHERE username = ?)", "persona-agency").Order("id").First(&n).Error; err != nil {
		f.e.t.Fatal(err)
	}
	return strings.ReplaceAll(path, "{note}", itoa(n.ID))
}

// postedTo posts an empty page form that must redirect, and returns where.
func (e *env) postedTo(c *client, path string) string {
	e.t.Helper()
	resp := e.response(c, "POST", path, url.Values{"x": {"1"}})
	if resp.StatusCode != 303 {
		e.t.Fatalf("POST %s: %d, want 303", path, resp.StatusCode)
	}
	return resp.Header.Get("Location")
}

type notificationList struct {
	Items []struct {
		ID         int64             `json:"id"`
		Kind       string            `json:"kind"`
		ObjectType string            `json:"object_type"`
		ObjectID   int64             `json:"object_id"`
		Params     map[string]string `json:"params"`
		Message    string            `json:"message"`
		Href       string            `json:"href"`
		ReadAt     *string           `json:"read_at"`
	} `json:"items"`
	Total int64 `json:"total"`
}

// TestNotificationsThroughAPIAndPages: the bell counts the reader's unread
// notifications on a page; the list, marking one and marking all work
// through the API and the pages; another user's notification is not found.
func TestNotificationsThroughAPIAndPages(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	org := e.registerOrg("notified", "450102")
	e.registerOrg("bystander", "450102")
	e.verifyOrg(org)
	if _, err := e.store.ChangeOrganisationStatus(ctx, e.actor("org-verifier"), org, models.OrgSuspend, models.OrgStatusChange{Reason: "年检逾期"}); err != nil {
		t.Fatal(err)
	}
	me, them := e.signIn("notified"), e.signIn("bystander")

	// The bell on a page: two unread for the member, none for the other.
	_, home := me.do("GET", "/", nil)
	if !strings.Contains(string(home), `id="bell-count">2<`) {
		t.Fatalf("the member's bell: %s", string(string(home)))
	}
	_, other := them.do("GET", "/", nil)
	if !strings.Contains(string(other), `id="bell"`) || strings.Contains(string(other), `id="bell-count"`) {
		t.Fatal("the bystander's bell shows a count")
	}

	status, body := me.do("GET", "/api/v1/notifications?unread=true", nil)
	list := decode[notificationList](t, must(t, 200, status, body, "unread list"))
	if list.Total != 2 || list.Items[0].Kind != models.NotifyOrgSuspended || list.Items[1].Kind != models.NotifyOrgVerified ||
		!strings.Contains(list.Items[0].Message, "年检逾期") || list.Items[0].Href != "/my/organisation" || list.Items[0].ObjectID != org {
		t.Fatalf("unread list: %s", body)
	}
	suspended, verified := list.Items[0].ID, list.Items[1].ID
	if status, body := me.do("GET", "/api/v1/notifications?unread=maybe", nil); status != 400 {
		t.Fatalf("unread=maybe: %d %s", status, body)
	}

	// Another user's notification: 404 through the API and the page, and
	// it stays unread.
	if status, _ := them.do("POST", "/api/v1/notifications/"+itoa(verified)+"/read", nil); status != 404 {
		t.Fatalf("another user's notification through the API: %d", status)
	}
	if status, _ := them.form("/notifications/"+itoa(verified)+"/read", url.Values{}); status != 404 {
		t.Fatalf("another user's notification through the page: %d", status)
	}
	if status, _ := them.do("POST", "/api/v1/notifications/read-all", nil); status != 204 {
		t.Fatalf("the bystander marks all: %d", status)
	}

	// Mark one through the API.
	status, body = me.do("POST", "/api/v1/notifications/"+itoa(verified)+"/read", nil)
	one := decode[struct {
		ID     int64   `json:"id"`
		ReadAt *string `json:"read_at"`
	}](t, must(t, 200, status, body, "mark one"))
	if one.ID != verified || one.ReadAt == nil {
		t.Fatalf("marked: %s", body)
	}
	status, body = me.do("GET", "/api/v1/notifications?unread=true", nil)
	if list := decode[notificationList](t, must(t, 200, status, body, "unread after one")); list.Total != 1 || list.Items[0].ID != suspended {
		t.Fatalf("unread after marking one: %s", body)
	}

	// The list page: the unread one marked as such, with its form; the
	// page marks it read.
	_, page := me.do("GET", "/notifications", nil)
	html := string(page)
	if !strings.Contains(html, `id="notification-`+itoa(suspended)+`"`) || !strings.Contains(html, `action="/notifications/`+itoa(suspended)+`/read"`) ||
		strings.Contains(html, `action="/notifications/`+itoa(verified)+`/read"`) || !strings.Contains(html, `id="bell-count">1<`) {
		t.Fatalf("the list page: %s", string(html))
	}
	if !strings.Contains(string(html), "年检逾期") || !strings.Contains(html, `href="/my/organisation"`) {
		t.Fatalf("the list page's message and link: %s", string(html))
	}
	if loc := e.postedTo(me, "/notifications/"+itoa(suspended)+"/read"); !strings.HasPrefix(loc, "/notifications?done=") {
		t.Fatalf("marking on the page redirects to %s", loc)
	}
	_, page = me.do("GET", "/notifications", nil)
	if strings.Contains(string(page), `id="bell-count"`) {
		t.Fatal("the bell still counts after marking the last one read")
	}
	status, body = me.do("GET", "/api/v1/notifications?unread=false", nil)
	if list := decode[notificationList](t, must(t, 200, status, body, "read list")); list.Total != 2 {
		t.Fatalf("read list: %s", body)
	}

	// Mark all through the page, and the English messages.
	if _, err := e.store.ChangeOrganisationStatus(ctx, e.actor("org-verifier"), org, models.OrgVerify, models.OrgStatusChange{}); err != nil {
		t.Fatal(err)
	}
	me.do("GET", "/lang/en?next=/", nil)
	_, page = me.do("GET", "/notifications?unread=true", nil)
	if !strings.Contains(string(string(page)), "has been verified and may now bid") || !strings.Contains(string(page), `id="bell-count">1<`) {
		t.Fatalf("the English list: %s", string(string(page)))
	}
	if loc := e.postedTo(me, "/notifications/read-all"); !strings.HasPrefix(loc, "/notifications?done=") {
		t.Fatalf("mark all redirects to %s", loc)
	}
	if n, _ := e.store.UnreadNotifications(ctx, e.actor("notified")); n != 0 {
		t.Fatalf("%d unread after marking all", n)
	}
	if n, _ := e.store.UnreadNotifications(ctx, e.actor("bystander")); n != 0 {
		t.Fatalf("the bystander has %d unread", n)
	}
}
