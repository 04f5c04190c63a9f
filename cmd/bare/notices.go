package main

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// notice is models.Notice's JSON.
type notice struct {
	Kind       string         `json:"kind"`
	TenderID   int64          `json:"tender_id"`
	Code       string         `json:"code"`
	Title      string         `json:"title"`
	Region     string         `json:"region"`
	RegionName string         `json:"region_name"`
	Method     string         `json:"method"`
	At         time.Time      `json:"at"`
	Seq        int            `json:"seq,omitempty"`
	ContractID int64          `json:"contract_id,omitempty"`
	Failure    *failureNotice `json:"failure,omitempty"`
}

// failureNotice is models.FailureNotice's JSON.
type failureNotice struct {
	TenderID int64             `json:"tender_id"`
	Code     string            `json:"code"`
	Title    string            `json:"title"`
	Status   string            `json:"status"`
	Reason   string            `json:"reason"`
	Params   map[string]string `json:"params"`
	EndedAt  time.Time         `json:"ended_at"`
	Message  string            `json:"message"`
}

type noticeList struct {
	Items       []notice `json:"items"`
	Total       int64    `json:"total"`
	Page        int      `json:"page"`
	PerPage     int      `json:"per_page"`
	TotalCapped bool     `json:"total_capped,omitempty"`
}

// failureMessages are the portal's English failure messages
// (templates/i18n/en/tenders.json) with their parameters in order
// (handlers.failureArgs); the API answers them in English.
var failureMessages = map[string]struct {
	format string
	args   []string
}{
	"too_few_bids":  {"Bids submitted by the deadline: %[1]s, fewer than the %[2]s the method requires.", []string{"submitted", "required"}},
	"too_few_valid": {"Valid bids left after review: %[1]s, fewer than the %[2]s the method needs to go on evaluating.", []string{"valid", "required"}},
	"no_acceptable": {"No bid was acceptable: %[1]s", []string{"reason"}},
	"cancelled":     {"Cancelled by the buyer: %[1]s", []string{"reason"}},
}

func failureMessage(n *failureNotice) string {
	m, ok := failureMessages[n.Reason]
	if !ok {
		return "The tender ended without a contract."
	}
	args := make([]any, len(m.args))
	for i, k := range m.args {
		args[i] = n.Params[k]
	}
	return fmt.Sprintf(m.format, args...)
}

// noticeUnion is models.noticeUnion with the named parameters @now and
// @opened as ? (now, then the four opened statuses).
func noticeUnion() string {
	cols := "t.id AS tender_id, t.region_code AS region_code, t.method AS method, t.title AS title, t.code AS code"
	var minValid strings.Builder
	minValid.WriteString("(CASE t.method")
	for _, k := range []string{"open_tender", "invited_tender", "competitive_consultation", "competitive_negotiation", "single_source", "inquiry"} {
		fmt.Fprintf(&minValid, " WHEN '%s' THEN %d", k, minValidBids[k])
	}
	minValid.WriteString(" ELSE 1 END)")
	clockFailed := "(t.status = 'published' AND t.bid_deadline <= ? AND " +
		"(SELECT COUNT(*) FROM bids WHERE bids.tender_id = t.id AND bids.status IN (?,?,?,?)) < " + minValid.String() + ")"
	return "SELECT 'tender' AS kind, " + cols + ", 0 AS ref, t.published_at AS at FROM tenders t WHERE t.published_at IS NOT NULL" +
		" UNION ALL SELECT 'amendment', " + cols + ", a.seq, a.amended_at FROM tender_amendments a JOIN tenders t ON t.id = a.tender_id WHERE t.published_at IS NOT NULL" +
		" UNION ALL SELECT 'award', " + cols + ", 0, t.awarded_at FROM tenders t WHERE t.published_at IS NOT NULL AND t.awarded_at IS NOT NULL AND t.status IN ('awarded', 'contracted')" +
		" UNION ALL SELECT 'failure', " + cols + ", 0, t.ended_at FROM tenders t WHERE t.published_at IS NOT NULL AND t.status IN ('unsuccessful', 'cancelled') AND t.ended_at IS NOT NULL" +
		" UNION ALL SELECT 'failure', " + cols + ", 0, t.bid_deadline FROM tenders t WHERE t.published_at IS NOT NULL AND " + clockFailed +
		" UNION ALL SELECT 'contract', " + cols + ", c.id, c.signed_at FROM contracts c JOIN tenders t ON t.id = c.tender_id WHERE t.published_at IS NOT NULL"
}

// noticeBranches are models.noticeBranches (kind, from, tender, ref, at,
// where)
// with the clock's failures' parameters as ? (now, then the four opened
// statuses).
func noticeBranches() [][6]string {
	var minValid strings.Builder
	minValid.WriteString("(CASE t.method")
	for _, k := range []string{"open_tender", "invited_tender", "competitive_consultation", "competitive_negotiation", "single_source", "inquiry"} {
		fmt.Fprintf(&minValid, " WHEN '%s' THEN %d", k, minValidBids[k])
	}
	minValid.WriteString(" ELSE 1 END)")
	pub := "t.published_at IS NOT NULL"
	clockFailed := "t.status = 'published' AND t.bid_deadline <= ? AND " +
		"(SELECT COUNT(*) FROM bids WHERE bids.tender_id = t.id AND bids.status IN (?,?,?,?)) < " + minValid.String()
	return [][6]string{
		{"tender", "tenders t", "t.id", "0", "t.published_at", pub},
		{"amendment", "tender_amendments a CROSS JOIN tenders t", "a.tender_id", "a.seq", "a.amended_at", "t.id = a.tender_id AND " + pub},
		{"award", "tenders t", "t.id", "0", "t.awarded_at", pub + " AND t.awarded_at IS NOT NULL AND t.status IN ('awarded', 'contracted')"},
		{"failure", "tenders t", "t.id", "0", "t.ended_at", pub + " AND t.status IN ('unsuccessful', 'cancelled') AND t.ended_at IS NOT NULL"},
		{"failure", "tenders t", "t.id", "0", "t.bid_deadline", pub + " AND " + clockFailed},
		{"contract", "contracts c CROSS JOIN tenders t", "c.tender_id", "c.id", "c.signed_at", "t.id = c.tender_id AND " + pub},
	}
}

// noticeSQLNow is models.noticeSQL without filters: the capped count over
// the branches, and the page from each branch's newest top rows; with
// their arguments.
func noticeSQLNow(now time.Time, perPage, offset int) (count string, countArgs []any, page string, pageArgs []any) {
	var counts, pages []string
	for i, b := range noticeBranches() {
		kind, from, tid, ref, at, where := b[0], b[1], b[2], b[3], b[4], b[5]
		params := strings.Count(where, "?") > 0
		counts = append(counts, "SELECT 1 AS one FROM "+from+" WHERE "+where)
		order := at + " DESC, " + tid + " DESC"
		if ref != "0" {
			order += ", " + ref + " DESC"
		}
		pages = append(pages, fmt.Sprintf("SELECT * FROM (SELECT '%s' AS kind, t.id AS tender_id, %s AS ref, %s AS at FROM %s WHERE %s ORDER BY %s LIMIT ?) b%d",
			kind, ref, at, from, where, order, i))
		if params {
			countArgs = append(append(countArgs, now), openedStatuses...)
			pageArgs = append(append(pageArgs, now), openedStatuses...)
		}
		pageArgs = append(pageArgs, offset+perPage)
	}
	count = "SELECT COUNT(*) FROM (" + strings.Join(counts, " UNION ALL ") + " LIMIT ?) capped"
	page = "SELECT n.kind, n.tender_id, n.ref FROM (" + strings.Join(pages, " UNION ALL ") + ") n ORDER BY n.at DESC, n.tender_id DESC, n.ref DESC LIMIT ? OFFSET ?"
	return count, append(countArgs, countCap+1), page, append(pageArgs, perPage, offset)
}

// notices is GET /api/v1/notices without filters, paged (models.Store.
// Notices in its read transaction, then noticeItems), with the SQL of
// s.sql: the union of every notice sorted whole (filed), or each kind's
// newest from its index (now).
func (s *server) notices(w http.ResponseWriter, r *http.Request) {
	qv := r.URL.Query()
	for _, k := range []string{"kind", "region", "method", "q", "from", "to"} {
		if qv.Get(k) != "" {
			http.Error(w, "the bare program serves the unfiltered notices only", http.StatusNotImplemented)
			return
		}
	}
	page, perPage := paging(qv)
	now := s.clock()
	out := noticeList{Items: []notice{}, Page: page, PerPage: perPage}
	base := "FROM (" + noticeUnion() + ") n WHERE 1 = 1"
	args := append([]any{now}, openedStatuses...)
	countSQL, countArgs := "SELECT COUNT(*) FROM (SELECT 1 "+base+" LIMIT ?) capped", append(args, countCap+1)
	pageSQL, pageArgs := "SELECT n.kind, n.tender_id, n.ref "+base+" ORDER BY n.at DESC, n.tender_id DESC, n.ref DESC LIMIT ? OFFSET ?",
		append(args, perPage, (page-1)*perPage)
	if s.sql == sqlNow {
		countSQL, countArgs, pageSQL, pageArgs = noticeSQLNow(now, perPage, (page-1)*perPage)
	}
	err := s.db.readTx(r.Context(), s.sql == sqlNow, func(tx querier) error {
		err := tx.query(r.Context(), countSQL, countArgs,
			func(_ []string, scan func(...any) error) error { return scan(&out.Total) })
		if err != nil {
			return err
		}
		if out.Total > countCap {
			out.Total, out.TotalCapped = countCap, true
		}
		type row struct {
			kind     string
			tid, ref int64
		}
		var rows []row
		err = tx.query(r.Context(), pageSQL, pageArgs, func(_ []string, scan func(...any) error) error {
			var x row
			err := scan(&x.kind, &x.tid, &x.ref)
			rows = append(rows, x)
			return err
		})
		if err != nil || len(rows) == 0 {
			return err
		}
		var tids, cids []any
		for _, x := range rows {
			tids = append(tids, x.tid)
			if x.kind == "contract" {
				cids = append(cids, x.ref)
			}
		}
		ts, err := scanTenders(r.Context(), tx, `SELECT * FROM "tenders" WHERE id IN (`+placeholders(len(tids))+`)`, tids)
		if err == nil {
			err = s.fill(r.Context(), tx, ts, now)
		}
		if err != nil {
			return err
		}
		byID := map[int64]*tender{}
		for _, t := range ts {
			byID[t.ID] = t
		}
		amAt := map[[2]int64]time.Time{}
		err = tx.query(r.Context(), `SELECT * FROM "tender_amendments" WHERE tender_id IN (`+placeholders(len(tids))+`)`, tids,
			func(cols []string, scan func(...any) error) error {
				var tid, seq int64
				var at time.Time
				dest := make([]any, len(cols))
				for i, c := range cols {
					switch c {
					case "tender_id":
						dest[i] = &tid
					case "seq":
						dest[i] = &seq
					case "amended_at":
						dest[i] = &at
					default:
						dest[i] = new(any)
					}
				}
				if err := scan(dest...); err != nil {
					return err
				}
				amAt[[2]int64{tid, seq}] = at
				return nil
			})
		if err != nil {
			return err
		}
		signed := map[int64]time.Time{}
		if len(cids) > 0 {
			err = tx.query(r.Context(), `SELECT id, signed_at FROM "contracts" WHERE id IN (`+placeholders(len(cids))+`)`, cids,
				func(_ []string, scan func(...any) error) error {
					var id int64
					var at time.Time
					err := scan(&id, &at)
					signed[id] = at
					return err
				})
			if err != nil {
				return err
			}
		}
		var codes []any
		for _, t := range byID {
			codes = append(codes, t.RegionCode)
		}
		names := map[string]string{}
		if len(codes) > 0 {
			err = tx.query(r.Context(), `SELECT code, name FROM "regions" WHERE code IN (`+placeholders(len(codes))+`)`, codes,
				func(_ []string, scan func(...any) error) error {
					var code, name string
					err := scan(&code, &name)
					names[code] = name
					return err
				})
			if err != nil {
				return err
			}
		}
		for _, x := range rows {
			t := byID[x.tid]
			if t == nil {
				continue
			}
			n := notice{Kind: x.kind, TenderID: t.ID, Code: t.Code, Title: t.Title, Region: t.RegionCode, RegionName: names[t.RegionCode], Method: t.Method}
			switch x.kind {
			case "tender":
				n.At = *t.PublishedAt
			case "amendment":
				n.Seq, n.At = int(x.ref), amAt[[2]int64{t.ID, x.ref}]
			case "award":
				n.At = *t.AwardedAt
			case "failure":
				if f := t.failure(); f != nil {
					f.Message = failureMessage(f)
					n.Failure, n.At = f, f.EndedAt
				}
			case "contract":
				n.ContractID, n.At = x.ref, signed[x.ref]
			}
			out.Items = append(out.Items, n)
		}
		return nil
	})
	if err != nil {
		serverError(w, err)
		return
	}
	writeJSON(w, out)
}

// failure is models.Tender.Failure.
func (t *tender) failure() *failureNotice {
	if t.FailureReason == "" || t.PublishedAt == nil {
		return nil
	}
	n := &failureNotice{TenderID: t.ID, Code: t.Code, Title: t.Title, Status: t.Status, Reason: t.FailureReason,
		Params: t.FailureParams, EndedAt: t.UpdatedAt}
	if n.Params == nil {
		n.Params = map[string]string{}
	}
	if t.EndedAt != nil {
		n.EndedAt = *t.EndedAt
	}
	return n
}
