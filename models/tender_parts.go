package models

import (
	"encoding/json"
	"strings"

	"gorm.io/gorm"
)

// The parts of a page of tenders (their budget lines, targets, criteria,
// the invitations of the invited ones and the bids submitted to those past
// their deadline) are read in one statement: a UNION ALL of one branch per
// part over the page's ids, every branch of the same columns, scanned
// straight into the tenders' fields. Invitations are asked only of invited
// tenders and bids only of published tenders past their deadline, so a
// page of open tenders reads three small branches.

// The branches' first column names the part; then come its tender, its
// id (the order), two texts, an integer and a number.
const (
	partBudget    = "b"
	partTarget    = "t"
	partCriterion = "c"
	partInvited   = "i"
	partSubmitted = "n"
)

// tenderPartsSQL is the statement and arguments for the parts of ids, the
// invitations of invited and the submitted bids of past.
func tenderPartsSQL(ids, invited, past []int64) (string, []any) {
	branches := []string{
		"SELECT '" + partBudget + "' AS part, tender_id, id, source AS s1, '' AS s2, amount_fen AS n, CAST(0 AS DOUBLE PRECISION) AS x FROM tender_budget_lines WHERE tender_id IN ?",
		"SELECT '" + partTarget + "', tender_id, id, indicator, '', 0, value FROM tender_targets WHERE tender_id IN ?",
		"SELECT '" + partCriterion + "', tender_id, id, key, name, max_points, 0 FROM tender_criteria WHERE tender_id IN ?",
	}
	args := []any{ids, ids, ids}
	if len(invited) > 0 {
		branches = append(branches, "SELECT '"+partInvited+"', tender_id, id, '', '', organisation_id, 0 FROM tender_invitations WHERE tender_id IN ?")
		args = append(args, invited)
	}
	if len(past) > 0 {
		branches = append(branches, "SELECT '"+partSubmitted+"', tender_id, 0, '', '', COUNT(*), 0 FROM bids WHERE tender_id IN ? AND status IN ? GROUP BY tender_id")
		args = append(args, past, openedStatuses)
	}
	return strings.Join(branches, " UNION ALL ") + " ORDER BY id", args
}

// fillTenders loads the tenders' parts in one statement and applies the
// clock to each tender's status.
func (s *Store) fillTenders(db *gorm.DB, ts []*Tender) error {
	if len(ts) == 0 {
		return nil
	}
	now := s.now()
	ids := make([]int64, len(ts))
	byID := make(map[int64]*Tender, len(ts))
	var invited, past []int64
	for i, t := range ts {
		ids[i] = t.ID
		byID[t.ID] = t
		t.Budget, t.Targets, t.Criteria, t.Invited = []BudgetLine{}, []Target{}, []Criterion{}, nil
		if t.Rule().Invited {
			invited = append(invited, t.ID)
		}
		if t.Status == TenderPublished && t.PastDeadline(now) {
			past = append(past, t.ID)
		}
	}
	query, args := tenderPartsSQL(ids, invited, past)
	rows, err := db.Raw(query, args...).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	submitted := map[int64]int64{}
	var (
		part         string
		tenderID, id int64
		s1, s2       string
		n            int64
		x            float64
	)
	for rows.Next() {
		if err := rows.Scan(&part, &tenderID, &id, &s1, &s2, &n, &x); err != nil {
			return err
		}
		t := byID[tenderID]
		if t == nil {
			continue
		}
		switch part {
		case partBudget:
			t.Budget = append(t.Budget, BudgetLine{ID: id, TenderID: tenderID, Source: s1, AmountFen: n})
		case partTarget:
			t.Targets = append(t.Targets, Target{ID: id, TenderID: tenderID, Indicator: s1, Value: x})
		case partCriterion:
			t.Criteria = append(t.Criteria, Criterion{ID: id, TenderID: tenderID, Key: s1, Name: s2, MaxPoints: int(n)})
		case partInvited:
			t.Invited = append(t.Invited, n)
		case partSubmitted:
			submitted[tenderID] = n
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range past {
		t := byID[id]
		t.Status = TenderOpened
		if submitted[id] < int64(t.Rule().MinValidBids) {
			t.Status = TenderUnsuccessful
			t.deriveFailure(submitted[id])
		}
	}
	for _, t := range ts {
		if t.Status == TenderCancelled {
			t.deriveFailure(0)
		}
	}
	return nil
}

// tenderColumns are the tenders table's columns in scanTenders' order.
const tenderColumns = "id, code, title, region_code, catalogue_year, catalogue_code, method, evaluation, status, budget_fen, " +
	"price_weight, service_start, service_end, bid_deadline, published_at, cancel_reason, failure_reason, failure_params, " +
	"ended_at, awarded_at, winner_bid_id, created_by, created_at, updated_at"

// scanTenders reads the rows of q (a query of tenders) selecting
// tenderColumns, scanned straight into the fields: the list's hot read,
// without gorm's reflection.
func scanTenders(q *gorm.DB) ([]*Tender, error) {
	rows, err := q.Select(tenderColumns).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Tender
	var params []byte
	for rows.Next() {
		t := &Tender{}
		if err := rows.Scan(&t.ID, &t.Code, &t.Title, &t.RegionCode, &t.CatalogueYear, &t.CatalogueCode, &t.Method, &t.Evaluation,
			&t.Status, &t.BudgetFen, &t.PriceWeight, &t.ServiceStart, &t.ServiceEnd, &t.BidDeadline, &t.PublishedAt,
			&t.CancelReason, &t.FailureReason, &params, &t.EndedAt, &t.AwardedAt, &t.WinnerBidID, &t.CreatedBy,
			&t.CreatedAt, &t.UpdatedAt); err != nil {
			return nil, err
		}
		// As gorm's json serializer reads it.
		if len(params) > 0 {
			if err := json.Unmarshal(params, &t.FailureParams); err != nil {
				return nil, err
			}
		}
		out = append(out, t)
	}
	return out, rows.Err()
}
