package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
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

type server struct {
	db  database
	now func() time.Time
}

// clock is the portal's Store.now: UTC to the microsecond.
func (s *server) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

func newServer(db database) http.Handler {
	s := &server{db: db, now: time.Now}
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

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

// tenders is GET /api/v1/tenders for an anonymous caller, with the region
// filter and paging; the portal's SQL (models.Store.Tenders): a capped
// count, the page, then fill.
func (s *server) tenders(w http.ResponseWriter, r *http.Request) {
	qv := r.URL.Query()
	if qv.Get("status") != "" || qv.Get("q") != "" || qv.Get("mine") != "" {
		http.Error(w, "the bare program serves the region filter and paging only", http.StatusNotImplemented)
		return
	}
	page, _ := strconv.Atoi(qv.Get("page"))
	perPage, _ := strconv.Atoi(qv.Get("per_page"))
	if page < 1 {
		page = 1
	}
	if perPage < 1 {
		perPage = 50
	}
	perPage = min(perPage, maxPerPage)
	where := "(published_at IS NOT NULL OR 1 = 0)"
	var args []any
	if region := qv.Get("region"); region != "" {
		cond, a := regionPrefix("region_code", strings.TrimRight(region, "%_"))
		where += " AND " + cond
		args = a
	}
	ctx := r.Context()
	out := list{Items: []tender{}, Page: page, PerPage: perPage}
	err := s.db.query(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM "tenders" WHERE `+where+` LIMIT 10001) capped`, args,
		func(_ []string, scan func(...any) error) error { return scan(&out.Total) })
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
		err = fill(ctx, s.db, rows, s.clock())
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
// (models.Store.Tender): the row, then fill; a draft is not found.
func (s *server) tender(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		http.NotFound(w, r)
		return
	}
	rows, err := scanTenders(r.Context(), s.db, `SELECT * FROM "tenders" WHERE "tenders"."id" = ? ORDER BY "tenders"."id" LIMIT 1`, []any{id})
	if err == nil && len(rows) == 1 {
		err = fill(r.Context(), s.db, rows, s.clock())
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

// fill is models.Store.fillTenders: the four part queries, then the
// status at now (the bids submitted for tenders past their deadline).
func fill(ctx context.Context, db querier, ts []*tender, now time.Time) error {
	if len(ts) == 0 {
		return nil
	}
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
			return err
		}
	}
	var past []any
	for _, t := range ts {
		if t.Status == "published" && !now.Before(t.BidDeadline) {
			past = append(past, t.ID)
		}
	}
	if len(past) > 0 {
		submitted := map[int64]int64{}
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
		if err != nil {
			return err
		}
		for _, id := range past {
			t := byID[id.(int64)]
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
	}
	for _, t := range ts {
		if t.Status == "cancelled" {
			t.FailureReason, t.FailureParams = failCancelled, map[string]string{"reason": t.CancelReason}
		}
	}
	return nil
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
