package handlers_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"portal/models"
	"portal/models/testdb"
)

// TestCappedTotals: past models.CountCap rows the tender list's API
// answers total 10000 with total_capped, the notices too; the pages read
// "10,000+" in both languages and still page on past the cap; a list
// under the cap has no total_capped field at all.
func TestCappedTotals(t *testing.T) {
	e := newEnv(t)
	testdb.Tenders(t, e.store, models.CountCap+1, "450102", "XN-", e.root.UserID)
	c := e.anon()
	var list struct {
		Total       int64 `json:"total"`
		TotalCapped *bool `json:"total_capped"`
		Items       []any `json:"items"`
		PerPage     int   `json:"per_page"`
	}
	for _, path := range []string{"/api/v1/tenders?per_page=20", "/api/v1/notices?per_page=20"} {
		status, body := c.do("GET", path, nil)
		if status != 200 {
			t.Fatalf("%s: %d %s", path, status, body)
		}
		list.TotalCapped = nil
		if err := json.Unmarshal(body, &list); err != nil {
			t.Fatal(err)
		}
		if list.Total != models.CountCap || list.TotalCapped == nil || !*list.TotalCapped || len(list.Items) != 20 {
			t.Fatalf("%s: total %d capped %v, %d items", path, list.Total, list.TotalCapped, len(list.Items))
		}
	}
	status, body := c.do("GET", "/api/v1/tenders?region=4502", nil)
	if status != 200 || strings.Contains(string(body), "total_capped") || !strings.Contains(string(body), `"total":0`) {
		t.Fatalf("an exact total: %d %s", status, body)
	}

	for lang, words := range map[string]string{"zh": "共 10,000+ 条", "en": "10,000+ in all"} {
		c.http.Jar.SetCookies(mustURL(t, e.srv.URL), []*http.Cookie{{Name: "lang", Value: lang}})
		for _, path := range []string{"/tenders?page=500&per_page=20", "/notices?kind=tender&page=500&per_page=20"} {
			status, body := c.do("GET", path, nil)
			page := string(body)
			if status != 200 || !strings.Contains(page, strings.ReplaceAll(words, "+", "&#43;")) {
				t.Fatalf("%s: %d, no %q", path, status, words)
			}
			// Page 500 of 20 is the last of the capped total's 500 pages:
			// it is full, so there is a next one.
			if !strings.Contains(page, "page=501&per_page=20") {
				t.Fatalf("%s: no link to page 501", path)
			}
		}
	}
	// The home page's count of tender notices.
	if status, body := c.do("GET", "/", nil); status != 200 || !strings.Contains(string(body), `<span class="count">10,000&#43;</span>`) {
		t.Fatalf("home: %d, no capped count", status)
	}
}
