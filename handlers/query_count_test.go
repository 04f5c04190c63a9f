package handlers_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"portal/models"
	"portal/models/testdb"

	"gorm.io/gorm"
)

// queryCounter counts the SQL statements a store runs through gorm, as
// the policy-version test counts its one query: a callback after each of
// gorm's query, row, raw, create, update and delete steps. The once-a-second
// policy-version check (TestRequestsDoNotAskThePolicyVersionEachTime holds
// it) and the job queue's own work are left out, so a count is the
// request's own.
type queryCounter struct {
	mu  sync.Mutex
	on  bool
	sql []string
}

func countQueries(t *testing.T, db *gorm.DB) *queryCounter {
	t.Helper()
	q := &queryCounter{}
	record := func(db *gorm.DB) {
		s := db.Statement.SQL.String()
		if db.DryRun || strings.Contains(s, "policy_versions") || strings.Contains(s, "river_") {
			return
		}
		q.mu.Lock()
		defer q.mu.Unlock()
		if q.on {
			q.sql = append(q.sql, s)
		}
	}
	cb := db.Callback()
	for _, err := range []error{
		cb.Query().After("gorm:query").Register("test:count_query", record),
		cb.Row().After("gorm:row").Register("test:count_row", record),
		cb.Raw().After("gorm:raw").Register("test:count_raw", record),
		cb.Create().After("gorm:create").Register("test:count_create", record),
		cb.Update().After("gorm:update").Register("test:count_update", record),
		cb.Delete().After("gorm:delete").Register("test:count_delete", record),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return q
}

// during runs fn and returns the statements run meanwhile.
func (q *queryCounter) during(fn func()) []string {
	q.mu.Lock()
	q.on, q.sql = true, nil
	q.mu.Unlock()
	fn()
	q.mu.Lock()
	defer q.mu.Unlock()
	q.on = false
	return q.sql
}

// atMost runs the request twice, the first time to warm the process's
// caches (regions and published catalogue items are read once per process)
// and a session's throttled last-seen touch, and fails when the second ran
// more than max statements, naming them.
func (q *queryCounter) atMost(t *testing.T, c *client, path string, max int) {
	t.Helper()
	var status int
	var body []byte
	var sql []string
	for range 2 {
		sql = q.during(func() { status, body = c.do("GET", path, nil) })
		if status != 200 {
			t.Fatalf("%s: %d %s", path, status, body)
		}
	}
	if len(sql) > max {
		t.Errorf("%s ran %d statements, at most %d:\n%s", path, len(sql), max, strings.Join(sql, "\n"))
	}
}

// queryWorld is a county's tender list as the public and a signed-in
// agency see it: a full page of 50 published tenders, the newest with
// budgets, targets and criteria, one of them invited, one past its
// deadline with a bid submitted.
type queryWorld struct {
	*tenderWorld
	counter  *queryCounter
	tender   int64 // a consultation with its parts, open for bids
	invited  int64 // an invited tender
	past     int64 // past its deadline, one bid
	anon     *client
	signedIn *client
}

func newQueryWorld(t *testing.T) *queryWorld {
	w := &queryWorld{tenderWorld: newTenderWorld(t)}
	e := w.e
	testdb.Tenders(t, e.store, 60, "450102", "BULK-", e.actor("xn-buyer").UserID)
	w.past = w.publish(t)
	w.bid(t, 0, w.past, 250_000, "方案")
	body := w.tenderBody()
	body["method"], body["invited"] = "invited_tender", []int64{w.orgs[0], w.orgs[1], w.orgs[2]}
	body["bid_deadline"] = w.now.Add(40 * 24 * time.Hour).Format(time.RFC3339)
	s, b := w.buyer.do("POST", "/api/v1/tenders", body)
	w.invited = decode[idOnly](t, must(t, 201, s, b, "create invited tender")).ID
	s, b = w.buyer.do("POST", fmt.Sprintf("/api/v1/tenders/%d/publish", w.invited), nil)
	must(t, 200, s, b, "publish invited")
	// The first tender's deadline (11 days) passes; the invited one's (40
	// days) and those published after do not.
	w.now = w.now.Add(12 * 24 * time.Hour)
	for range 3 {
		w.tender = w.publish(t)
	}
	w.counter = countQueries(t, e.store.DB)
	w.anon, w.signedIn = e.anon(), w.agents[0]
	return w
}

// The most statements each route may run (README, "What a request
// costs"). Signed in adds one for the session (its user read with it; the
// last-seen touch at most once a minute); the agency's pages add its
// organisation's standing and the layout's unread notifications.
const (
	listQueries       = 3 // the capped count, the page of rows, their parts
	listPageQueries   = 3 // the same: region names and picker from memory
	detailQueries     = 2 // the tender, its parts
	detailPageQueries = 4 // the same, its enquiries and amendments
	sessionQueries    = 1
	agencyPageQueries = 2 // the organisation, the unread notifications
)

// TestQueryCountsOfTheTenderList: the public tender list (API and page)
// runs a fixed, small number of statements for a page of 50, whatever the
// number of tenders with parts on it; signed in, one more for the session.
func TestQueryCountsOfTheTenderList(t *testing.T) {
	w := newQueryWorld(t)
	for _, path := range []string{"/api/v1/tenders?per_page=50", "/api/v1/tenders?per_page=50&region=4501"} {
		w.counter.atMost(t, w.anon, path, listQueries)
		w.counter.atMost(t, w.signedIn, path, listQueries+sessionQueries)
	}
	for _, path := range []string{"/tenders?per_page=50", "/tenders?per_page=50&region=450102"} {
		w.counter.atMost(t, w.anon, path, listPageQueries)
		w.counter.atMost(t, w.signedIn, path, listPageQueries+sessionQueries+agencyPageQueries)
	}
}

// TestQueryCountsOfTheTenderDetail: a tender's API answer and page, open,
// invited, or past its deadline.
func TestQueryCountsOfTheTenderDetail(t *testing.T) {
	w := newQueryWorld(t)
	for _, id := range []int64{w.tender, w.invited, w.past} {
		w.counter.atMost(t, w.anon, fmt.Sprintf("/api/v1/tenders/%d", id), detailQueries)
		w.counter.atMost(t, w.signedIn, fmt.Sprintf("/api/v1/tenders/%d", id), detailQueries+sessionQueries)
		w.counter.atMost(t, w.anon, fmt.Sprintf("/tenders/%d", id), detailPageQueries)
		w.counter.atMost(t, w.signedIn, fmt.Sprintf("/tenders/%d", id), detailPageQueries+sessionQueries+agencyPageQueries)
	}
}

// TestFoldedTenderPartsAnswerAsBefore: the parts read in one statement are
// the tender's own, in their order, and an invited tender names its
// invitees while the others name none.
func TestFoldedTenderPartsAnswerAsBefore(t *testing.T) {
	w := newQueryWorld(t)
	type part struct {
		Status string `json:"status"`
		Budget []struct {
			Source    string
			AmountFen int64 `json:"amount_fen"`
		} `json:"budget"`
		Targets []struct {
			Indicator string
			Value     float64
		} `json:"targets"`
		Criteria []struct {
			Key, Name string
			MaxPoints int `json:"max_points"`
		} `json:"criteria"`
		Invited []int64 `json:"invited"`
	}
	s, b := w.anon.do("GET", "/api/v1/tenders?per_page=50", nil)
	list := decode[struct{ Items []json.RawMessage }](t, must(t, 200, s, b, "list"))
	for _, id := range []int64{w.tender, w.invited, w.past} {
		s, b := w.anon.do("GET", fmt.Sprintf("/api/v1/tenders/%d", id), nil)
		one := decode[part](t, must(t, 200, s, b, "tender"))
		full := decode[map[string]any](t, b)
		if len(one.Budget) != 2 || one.Budget[0].Source != "central_lottery" || one.Budget[1].AmountFen != 10_000_000 ||
			len(one.Targets) != 2 || one.Targets[0].Indicator != "service_hours" || one.Targets[1].Value != 500 ||
			len(one.Criteria) != 3 || one.Criteria[2].Key != "experience" || one.Criteria[0].Name != "服务方案" || one.Criteria[1].MaxPoints != 30 {
			t.Errorf("tender %d: parts %+v", id, one)
		}
		if (id == w.invited) != (len(one.Invited) == 3) || (id != w.invited && len(one.Invited) != 0) {
			t.Errorf("tender %d invites %v", id, one.Invited)
		}
		// The one bid submitted to the past tender is fewer than the
		// method opens with: it ended unsuccessful by the clock.
		if want := map[bool]string{true: models.TenderUnsuccessful, false: models.TenderPublished}[id == w.past]; one.Status != want {
			t.Errorf("tender %d is %s, want %s", id, one.Status, want)
		}
		// The list's rows (scanned by hand) and parts read as the
		// tender's own answer (read by gorm), field for field.
		found := false
		for _, it := range list.Items {
			var item map[string]any
			if err := json.Unmarshal(it, &item); err != nil {
				t.Fatal(err)
			}
			if item["id"] == float64(id) {
				found = fmt.Sprint(item) == fmt.Sprint(full)
			}
		}
		if !found {
			t.Logf("%s", full)
			t.Errorf("tender %d reads otherwise in the list", id)
		}
	}
}

// awardedPageQueries: an awarded tender's page adds its result: the opened
// bids and their organisations' names, the panel and its members' names,
// the challenge window's working days and whether the calendar knows the
// year.
const awardedPageQueries = detailPageQueries + 6

// TestQueryCountsOfAnAwardedTenderPage: the page of an awarded tender reads
// its tender once, its result with it.
func TestQueryCountsOfAnAwardedTenderPage(t *testing.T) {
	w := newTenderWorld(t)
	tender := w.publish(t)
	path := func(f string, a ...any) string {
		return fmt.Sprintf("/api/v1/tenders/%d", tender) + fmt.Sprintf(f, a...)
	}
	bids := []int64{w.bid(t, 0, tender, 280_000, "方案A"), w.bid(t, 1, tender, 250_000, "方案B"), w.bid(t, 2, tender, 300_000, "方案C")}
	w.now = w.now.Add(12 * 24 * time.Hour)
	s, b := w.buyer.do("PUT", path("/panel"), map[string]any{"expert_ids": w.ids})
	must(t, 200, s, b, "appoint panel")
	for _, ex := range w.experts {
		s, b = ex.do("POST", path("/declaration"), map[string]any{"conflict": false})
		must(t, 201, s, b, "declare")
		for _, bid := range bids {
			s, b = ex.do("PUT", fmt.Sprintf("/api/v1/bids/%d/score", bid), map[string]any{"points": map[string]float64{"plan": 30, "team": 20, "experience": 5}})
			must(t, 200, s, b, "score")
		}
	}
	s, b = w.buyer.do("POST", path("/credit-checks"), map[string]any{"organisation_id": w.orgs[1], "result": "clear", "checked_at": w.now.Format(time.RFC3339), "note": "无不良记录"})
	must(t, 201, s, b, "credit check")
	s, b = w.buyer.do("POST", path("/award"), nil)
	must(t, 200, s, b, "award")
	counter := countQueries(t, w.e.store.DB)
	counter.atMost(t, w.e.anon(), fmt.Sprintf("/tenders/%d", tender), awardedPageQueries)
	counter.atMost(t, w.e.anon(), fmt.Sprintf("/tenders/%d/notice", tender), awardedPageQueries-2)
}
