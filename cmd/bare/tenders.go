package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// tender is models.Tender's JSON: the same fields in the same order with
// the same tags (a test compares the answers byte for byte).
type tender struct {
	ID            int64             `json:"id"`
	Code          string            `json:"code"`
	Title         string            `json:"title"`
	RegionCode    string            `json:"region"`
	CatalogueYear int               `json:"catalogue_year"`
	CatalogueCode string            `json:"catalogue_code"`
	Method        string            `json:"method"`
	Evaluation    string            `json:"evaluation"`
	Status        string            `json:"status"`
	BudgetFen     int64             `json:"budget_fen"`
	PriceWeight   int               `json:"price_weight"`
	ServiceStart  string            `json:"service_start"`
	ServiceEnd    string            `json:"service_end"`
	BidDeadline   time.Time         `json:"bid_deadline"`
	PublishedAt   *time.Time        `json:"published_at"`
	CancelReason  string            `json:"cancel_reason,omitempty"`
	FailureReason string            `json:"failure_reason,omitempty"`
	FailureParams map[string]string `json:"failure_params,omitempty"`
	EndedAt       *time.Time        `json:"ended_at,omitempty"`
	AwardedAt     *time.Time        `json:"awarded_at,omitempty"`
	CreatedAt     time.Time         `json:"created_at"`
	UpdatedAt     time.Time         `json:"updated_at"`
	Budget        []budgetLine      `json:"budget"`
	Targets       []target          `json:"targets"`
	Criteria      []criterion       `json:"criteria"`
	Invited       []int64           `json:"invited,omitempty"`
}

type budgetLine struct {
	Source    string `json:"source"`
	AmountFen int64  `json:"amount_fen"`
}

type target struct {
	Indicator string  `json:"indicator"`
	Value     float64 `json:"value"`
}

type criterion struct {
	Key       string `json:"key"`
	Name      string `json:"name"`
	MaxPoints int    `json:"max_points"`
}

// list is models.List's JSON.
type list struct {
	Items       []tender `json:"items"`
	Total       int64    `json:"total"`
	Page        int      `json:"page"`
	PerPage     int      `json:"per_page"`
	TotalCapped bool     `json:"total_capped,omitempty"`
}

// The portal's constants (models: CountCap, MaxPerPage, the statuses, the
// failure codes, Methods' MinValidBids); a test checks them against models.
const (
	countCap       = 10_000
	maxPerPage     = 200
	failTooFewBids = "too_few_bids"
	failCancelled  = "cancelled"
)

var minValidBids = map[string]int{"open_tender": 3, "invited_tender": 3, "competitive_consultation": 3,
	"competitive_negotiation": 3, "single_source": 1, "inquiry": 3}

// invitedMethods are the methods whose tenders only invited organisations
// may bid on (Methods' Invited).
var invitedMethods = map[string]bool{"invited_tender": true}

// openedStatuses are the bid statuses counted as submitted at the deadline.
var openedStatuses = []any{"submitted", "disqualified", "won", "lost"}

// tenderCols are the columns a tender row is scanned from, by name.
func (t *tender) dest(cols []string, params *string) []any {
	d := make([]any, len(cols))
	for i, c := range cols {
		switch c {
		case "id":
			d[i] = &t.ID
		case "code":
			d[i] = &t.Code
		case "title":
			d[i] = &t.Title
		case "region_code":
			d[i] = &t.RegionCode
		case "catalogue_year":
			d[i] = &t.CatalogueYear
		case "catalogue_code":
			d[i] = &t.CatalogueCode
		case "method":
			d[i] = &t.Method
		case "evaluation":
			d[i] = &t.Evaluation
		case "status":
			d[i] = &t.Status
		case "budget_fen":
			d[i] = &t.BudgetFen
		case "price_weight":
			d[i] = &t.PriceWeight
		case "service_start":
			d[i] = &t.ServiceStart
		case "service_end":
			d[i] = &t.ServiceEnd
		case "bid_deadline":
			d[i] = &t.BidDeadline
		case "published_at":
			d[i] = &t.PublishedAt
		case "cancel_reason":
			d[i] = &t.CancelReason
		case "failure_reason":
			d[i] = &t.FailureReason
		case "failure_params":
			d[i] = params
		case "ended_at":
			d[i] = &t.EndedAt
		case "awarded_at":
			d[i] = &t.AwardedAt
		case "created_at":
			d[i] = &t.CreatedAt
		case "updated_at":
			d[i] = &t.UpdatedAt
		default: // winner_bid_id, created_by: not answered
			d[i] = new(any)
		}
	}
	return d
}

// The SQL the bare program runs (-sql): the portal's as issue 12 found it
// (filed: an exact count, and four part queries and a bid count per page
// or tender), or the portal's today (now: the count capped at 10,001 rows,
// and the parts in one statement). Both answer the same bytes.
const (
	sqlFiled = "filed"
	sqlNow   = "now"
)

type server struct {
	db  database
	sql string
	now func() time.Time
}

// clock is the portal's Store.now: UTC to the microsecond.
func (s *server) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

func newServer(db database, sql string) http.Handler {
	s := &server{db: db, sql: sql, now: time.Now}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/tenders", s.tenders)
	mux.HandleFunc("GET /api/v1/tenders/{id}", s.tender)
	mux.HandleFunc("GET /api/v1/notices", s.notices)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
	return mux
}

// scanTenders runs q and scans its tender rows.
func scanTenders(ctx context.Context, db querier, q string, args []any) ([]*tender, error) {
	var out []*tender
	err := db.query(ctx, q, args, func(cols []string, scan func(...any) error) error {
		t := &tender{}
		var params string
		if err := scan(t.dest(cols, &params)...); err != nil {
			return err
		}
		// gorm's json serializer: an empty column leaves the map nil.
		if params != "" {
			if err := json.Unmarshal([]byte(params), &t.FailureParams); err != nil {
				return err
			}
		}
		out = append(out, t)
		return nil
	})
	return out, err
}

// regionRange is models.regionRange: the codes starting with a prefix of
// digits as a range.
func regionRange(prefix string) (lo, hi string, ok bool) {
	if prefix == "" {
		return "", "", false
	}
	for _, r := range prefix {
		if r < '0' || r > '9' {
			return "", "", false
		}
	}
	b := []byte(prefix)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < '9' {
			b[i]++
			return prefix, string(b[:i+1]), true
		}
	}
	return prefix, "", true
}

// regionPrefix is models.regionPrefix.
func regionPrefix(column, prefix string) (string, []any) {
	lo, hi, ok := regionRange(prefix)
	switch {
	case !ok:
		return column + " LIKE ?", []any{prefix + "%"}
	case hi == "":
		return "(" + column + " >= ? AND " + column + " LIKE ?)", []any{lo, prefix + "%"}
	default:
		return "(" + column + " >= ? AND " + column + " < ? AND " + column + " LIKE ?)", []any{lo, hi, prefix + "%"}
	}
}

// paging is models.Page.Normalise of the query's page and per_page.
func paging(qv url.Values) (page, perPage int) {
	page, _ = strconv.Atoi(qv.Get("page"))
	perPage, _ = strconv.Atoi(qv.Get("per_page"))
	if page < 1 {
		page = 1
	}
	if perPage < 1 {
		perPage = 50
	}
	return page, min(perPage, maxPerPage)
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

// tenders is GET /api/v1/tenders for an anonymous caller, with the region
// filter and paging (models.Store.Tenders): the count, the page, then its
// parts.
func (s *server) tenders(w http.ResponseWriter, r *http.Request) {
	qv := r.URL.Query()
	if qv.Get("status") != "" || qv.Get("q") != "" || qv.Get("mine") != "" {
		http.Error(w, "the bare program serves the region filter and paging only", http.StatusNotImplemented)
		return
	}
	page, perPage := paging(qv)
	where := "(published_at IS NOT NULL OR 1 = 0)"
	var args []any
	if region := qv.Get("region"); region != "" {
		prefix := strings.TrimRight(region, "%_")
		var cond string
		switch _, _, digits := regionRange(prefix); {
		case s.sql == sqlFiled:
			cond, args = "region_code LIKE ?", []any{prefix + "%"}
		case digits && (len(prefix) == 2 || len(prefix) == 4):
			// models.tenderRegion: the prefix indexes' expression.
			cond, args = "substr(region_code, 1, "+strconv.Itoa(len(prefix))+") = ?", []any{prefix}
		default:
			cond, args = regionPrefix("region_code", prefix)
		}
		where += " AND " + cond
	}
	ctx := r.Context()
	out := list{Items: []tender{}, Page: page, PerPage: perPage}
	count := `SELECT COUNT(*) FROM (SELECT 1 FROM "tenders" WHERE ` + where + ` LIMIT 10001) capped`
	if s.sql == sqlFiled {
		count = `SELECT count(*) FROM "tenders" WHERE ` + where
	}
	err := s.db.query(ctx, count, args, func(_ []string, scan func(...any) error) error { return scan(&out.Total) })
	if err != nil {
		serverError(w, err)
		return
	}
	if out.Total > countCap {
		out.Total, out.TotalCapped = countCap, true
	}
	q := `SELECT * FROM "tenders" WHERE ` + where + ` ORDER BY id DESC LIMIT ` + strconv.Itoa(perPage)
	if off := (page - 1) * perPage; off > 0 {
		q += " OFFSET " + strconv.Itoa(off)
	}
	rows, err := scanTenders(ctx, s.db, q, args)
	if err == nil {
		err = s.fill(ctx, s.db, rows, s.clock())
	}
	if err != nil {
		serverError(w, err)
		return
	}
	for _, t := range rows {
		out.Items = append(out.Items, *t)
	}
	writeJSON(w, out)
}

// tender is GET /api/v1/tenders/{id} for an anonymous caller
// (models.Store.Tender): the row, then its parts; a draft is not found.
func (s *server) tender(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		http.NotFound(w, r)
		return
	}
	rows, err := scanTenders(r.Context(), s.db, `SELECT * FROM "tenders" WHERE "tenders"."id" = ? ORDER BY "tenders"."id" LIMIT 1`, []any{id})
	if err == nil && len(rows) == 1 {
		err = s.fill(r.Context(), s.db, rows, s.clock())
	}
	switch {
	case err != nil:
		serverError(w, err)
	case len(rows) == 0 || rows[0].PublishedAt == nil:
		// The portal answers a problem+json 404; the bare one a plain 404.
		http.NotFound(w, r)
	default:
		writeJSON(w, rows[0])
	}
}

// fill reads the tenders' parts and applies the clock to their statuses,
// with the SQL of s.sql.
func (s *server) fill(ctx context.Context, db querier, ts []*tender, now time.Time) error {
	if len(ts) == 0 {
		return nil
	}
	var submitted map[int64]int64
	var err error
	if s.sql == sqlFiled {
		submitted, err = fillFiled(ctx, db, ts, now)
	} else {
		submitted, err = fillNow(ctx, db, ts, now)
	}
	if err != nil {
		return err
	}
	for _, t := range ts {
		if t.Status == "published" && !now.Before(t.BidDeadline) {
			t.Status = "opened"
			if need := minValidBids[t.Method]; submitted[t.ID] < int64(need) {
				t.Status = "unsuccessful"
				if t.FailureReason == "" {
					t.FailureReason = failTooFewBids
					t.FailureParams = map[string]string{"submitted": strconv.FormatInt(submitted[t.ID], 10), "required": strconv.Itoa(need)}
					at := t.BidDeadline
					t.EndedAt = &at
				}
			}
		}
		if t.Status == "cancelled" {
			t.FailureReason, t.FailureParams = failCancelled, map[string]string{"reason": t.CancelReason}
		}
	}
	return nil
}

// fillNow is models.Store.fillTenders today (models/tender_parts.go): one
// UNION ALL of a branch per part over the tenders' ids, invitations asked
// of invited tenders only and bids of published tenders past their
// deadline only. It returns the bids submitted per tender.
func fillNow(ctx context.Context, db querier, ts []*tender, now time.Time) (map[int64]int64, error) {
	ids := make([]any, len(ts))
	byID := make(map[int64]*tender, len(ts))
	var invited, past []any
	for i, t := range ts {
		ids[i] = t.ID
		byID[t.ID] = t
		t.Budget, t.Targets, t.Criteria = []budgetLine{}, []target{}, []criterion{}
		if invitedMethods[t.Method] {
			invited = append(invited, t.ID)
		}
		if t.Status == "published" && !now.Before(t.BidDeadline) {
			past = append(past, t.ID)
		}
	}
	in := "(" + placeholders(len(ids)) + ")"
	q := "SELECT 'b' AS part, tender_id, id, source AS s1, '' AS s2, amount_fen AS n, CAST(0 AS DOUBLE PRECISION) AS x FROM tender_budget_lines WHERE tender_id IN " + in +
		" UNION ALL SELECT 't', tender_id, id, indicator, '', 0, value FROM tender_targets WHERE tender_id IN " + in +
		" UNION ALL SELECT 'c', tender_id, id, key, name, max_points, 0 FROM tender_criteria WHERE tender_id IN " + in
	args := append(append(append([]any{}, ids...), ids...), ids...)
	if len(invited) > 0 {
		q += " UNION ALL SELECT 'i', tender_id, id, '', '', organisation_id, 0 FROM tender_invitations WHERE tender_id IN (" + placeholders(len(invited)) + ")"
		args = append(args, invited...)
	}
	if len(past) > 0 {
		q += " UNION ALL SELECT 'n', tender_id, 0, '', '', COUNT(*), 0 FROM bids WHERE tender_id IN (" + placeholders(len(past)) +
			") AND status IN (" + placeholders(len(openedStatuses)) + ") GROUP BY tender_id"
		args = append(append(args, past...), openedStatuses...)
	}
	submitted := map[int64]int64{}
	err := db.query(ctx, q+" ORDER BY id", args, func(_ []string, scan func(...any) error) error {
		var (
			part         string
			tenderID, id int64
			s1, s2       string
			n            int64
			x            float64
		)
		if err := scan(&part, &tenderID, &id, &s1, &s2, &n, &x); err != nil {
			return err
		}
		t := byID[tenderID]
		if t == nil {
			return errors.New("a part of a tender not asked for")
		}
		switch part {
		case "b":
			t.Budget = append(t.Budget, budgetLine{Source: s1, AmountFen: n})
		case "t":
			t.Targets = append(t.Targets, target{Indicator: s1, Value: x})
		case "c":
			t.Criteria = append(t.Criteria, criterion{Key: s1, Name: s2, MaxPoints: int(n)})
		case "i":
			t.Invited = append(t.Invited, n)
		case "n":
			submitted[tenderID] = n
		}
		return nil
	})
	return submitted, err
}

// fillFiled is models.Store.fillTenders as issue 12 found it: a query per
// part (budget lines, targets, criteria, invitations) over the tenders'
// ids, each scanned by column name, then the bids submitted to those past
// their deadline.
func fillFiled(ctx context.Context, db querier, ts []*tender, now time.Time) (map[int64]int64, error) {
	ids := make([]any, len(ts))
	byID := make(map[int64]*tender, len(ts))
	for i, t := range ts {
		ids[i] = t.ID
		byID[t.ID] = t
		t.Budget, t.Targets, t.Criteria = []budgetLine{}, []target{}, []criterion{}
	}
	in := "(" + placeholders(len(ids)) + ")"
	// Each part's row is scanned by column name, typed, as gorm does; the
	// row is then added to its tender.
	parts := []struct {
		table string
		row   func(cols map[string]any) (add func(t *tender))
	}{
		{"tender_budget_lines", func(c map[string]any) func(*tender) {
			var b budgetLine
			c["source"], c["amount_fen"] = &b.Source, &b.AmountFen
			return func(t *tender) { t.Budget = append(t.Budget, b) }
		}},
		{"tender_targets", func(c map[string]any) func(*tender) {
			var x target
			c["indicator"], c["value"] = &x.Indicator, &x.Value
			return func(t *tender) { t.Targets = append(t.Targets, x) }
		}},
		{"tender_criteria", func(c map[string]any) func(*tender) {
			var x criterion
			c["key"], c["name"], c["max_points"] = &x.Key, &x.Name, &x.MaxPoints
			return func(t *tender) { t.Criteria = append(t.Criteria, x) }
		}},
		{"tender_invitations", func(c map[string]any) func(*tender) {
			var org int64
			c["organisation_id"] = &org
			return func(t *tender) { t.Invited = append(t.Invited, org) }
		}},
	}
	for _, p := range parts {
		err := db.query(ctx, `SELECT * FROM "`+p.table+`" WHERE tender_id IN `+in+` ORDER BY id`, ids,
			func(cols []string, scan func(...any) error) error {
				var tid int64
				byName := map[string]any{"tender_id": &tid}
				add := p.row(byName)
				dest := make([]any, len(cols))
				for i, c := range cols {
					if d, ok := byName[c]; ok {
						dest[i] = d
					} else {
						dest[i] = new(any) // id
					}
				}
				if err := scan(dest...); err != nil {
					return err
				}
				t := byID[tid]
				if t == nil {
					return errors.New("a part of a tender not asked for")
				}
				add(t)
				return nil
			})
		if err != nil {
			return nil, err
		}
	}
	var past []any
	for _, t := range ts {
		if t.Status == "published" && !now.Before(t.BidDeadline) {
			past = append(past, t.ID)
		}
	}
	submitted := map[int64]int64{}
	if len(past) == 0 {
		return submitted, nil
	}
	args := append(append([]any{}, past...), openedStatuses...)
	err := db.query(ctx, `SELECT tender_id, COUNT(*) AS n FROM "bids" WHERE tender_id IN (`+placeholders(len(past))+
		`) AND status IN (`+placeholders(len(openedStatuses))+`) GROUP BY "tender_id"`, args,
		func(_ []string, scan func(...any) error) error {
			var id, n int64
			if err := scan(&id, &n); err != nil {
				return err
			}
			submitted[id] = n
			return nil
		})
	return submitted, err
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		serverError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(b)
}

func serverError(w http.ResponseWriter, err error) {
	http.Error(w, err.Error(), http.StatusInternalServerError)
}
