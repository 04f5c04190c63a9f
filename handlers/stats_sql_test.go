package handlers_test

import (
	"context"
	"database/sql"
	"slices"

	"portal/models"
)

// handWrittenStats is the yardstick of the statistics' speed (issue 11,
// item 6): the same figures as GET /api/v1/stats computed by one
// hand-written SQL statement through database/sql, with nothing of the
// portal in between: no gorm, no transaction, no JSON. Every figure is
// grouped in the database; Go only files the grouped rows into the
// answer's shape. TestHandWrittenStatsAgree holds it to the portal's
// answer, so the benchmark compares equal work.
//
// Service figures come from stats_service, the approved reports' sums the
// approving transactions keep, as the best SQL on this schema would.
//
// It multiplies amounts in integers (a contract's amount by a budget
// line's), which is exact while both stay below about 3·10^9 fen each, as
// in every generated dataset; the portal itself splits with big integers.
func handWrittenStats(ctx context.Context, db *sql.DB, dialect models.Dialect, region string, kids []string, from, to string) (*models.Stats, error) {
	start, _ := parseBeijingDay(from)
	finish, _ := parseBeijingDay(to)
	finish = finish.AddDate(0, 0, 1)
	childLen := len(region) + 2
	if len(region) >= 6 {
		childLen = 9
	}
	like := region + "%"
	ph := func(q string) string { // ? → $n on PostgreSQL
		if dialect != models.Postgres {
			return q
		}
		out, n := []byte{}, 0
		for i := 0; i < len(q); i++ {
			if q[i] == '?' {
				n++
				out = append(out, []byte("$"+itoa(int64(n)))...)
				continue
			}
			out = append(out, q[i])
		}
		return string(out)
	}
	q := `WITH
pub AS (SELECT t.id, t.region_code, t.catalogue_code, t.budget_fen, c.amount_fen AS contract_fen,
		CASE WHEN t.status IN ('awarded', 'contracted') OR c.id IS NOT NULL THEN 1 ELSE 0 END AS awarded
	FROM tenders t LEFT JOIN contracts c ON c.tender_id = t.id
	WHERE t.region_code LIKE ? AND t.published_at >= ? AND t.published_at < ?),
serving AS (SELECT c.id, c.region_code, c.organisation_id FROM contracts c
	WHERE c.region_code LIKE ? AND c.service_start <= ? AND c.service_end >= ? AND c.signed_at < ?
		AND (c.terminated_at IS NULL OR c.terminated_at >= ?)),
workers AS (SELECT organisation_id, COUNT(*) AS n FROM organisation_staff WHERE level <> '' GROUP BY organisation_id),
paid AS (SELECT c.tender_id, c.region_code, CAST(SUM(pt.amount_fen) AS BIGINT) AS fen FROM payment_tranches pt JOIN contracts c ON c.id = pt.contract_id
	WHERE c.region_code LIKE ? AND pt.status = 'paid' AND pt.paid_on >= ? AND pt.paid_on <= ? GROUP BY c.tender_id, c.region_code),
lines AS (SELECT l.tender_id, l.source, l.amount_fen, CAST(SUM(l.amount_fen) OVER (PARTITION BY l.tender_id) AS BIGINT) AS total,
		ROW_NUMBER() OVER (PARTITION BY l.tender_id ORDER BY l.amount_fen DESC, l.id) AS rk
	FROM tender_budget_lines l WHERE l.tender_id IN (SELECT id FROM pub UNION SELECT tender_id FROM paid)),
split AS (SELECT l.source, l.rk, l.tender_id,
		CASE WHEN p.id IS NULL THEN 0 ELSE l.amount_fen END AS budget,
		COALESCE(p.contract_fen, 0) * l.amount_fen / l.total AS contracted, COALESCE(p.contract_fen, 0) AS contract_whole,
		COALESCE(pd.fen, 0) * l.amount_fen / l.total AS paid, COALESCE(pd.fen, 0) AS paid_whole
	FROM lines l LEFT JOIN pub p ON p.id = l.tender_id LEFT JOIN paid pd ON pd.tender_id = l.tender_id),
rest AS (SELECT tender_id, MAX(contract_whole) - SUM(contracted) AS contracted, MAX(paid_whole) - SUM(paid) AS paid FROM split GROUP BY tender_id),
phases AS (SELECT e.contract_id, COUNT(*) AS n, SUM(e.total) AS total, COUNT(cs.id) AS recorded, MAX(e.created_at) AS last_at
	FROM supervision_evaluations e LEFT JOIN contract_supervisors cs ON cs.contract_id = e.contract_id AND cs.supervisor_id = e.supervisor_id
	GROUP BY e.contract_id, e.phase),
means AS (SELECT c.region_code, (2 * CAST(ph.total AS BIGINT) + ph.n) / (2 * ph.n) AS mean FROM phases ph JOIN contracts c ON c.id = ph.contract_id
	WHERE c.region_code LIKE ? AND ph.last_at >= ? AND ph.last_at < ? AND ph.recorded > 0
		AND ph.recorded = (SELECT COUNT(*) FROM contract_supervisors a WHERE a.contract_id = ph.contract_id))
SELECT 'T', SUBSTR(region_code, 1, ?), catalogue_code, '', COUNT(*), SUM(awarded), SUM(budget_fen), SUM(COALESCE(contract_fen, 0)), 0 FROM pub
	GROUP BY 2, 3
UNION ALL SELECT 'B', k, '', '', COUNT(DISTINCT city), COUNT(DISTINCT county), 0, 0, 0 FROM
	(SELECT SUBSTR(region_code, 1, ?) AS k, CASE WHEN LENGTH(region_code) >= 4 THEN SUBSTR(region_code, 1, 4) END AS city,
		CASE WHEN LENGTH(region_code) >= 6 THEN SUBSTR(region_code, 1, 6) END AS county FROM pub
	UNION ALL SELECT '', CASE WHEN LENGTH(region_code) >= 4 THEN SUBSTR(region_code, 1, 4) END,
		CASE WHEN LENGTH(region_code) >= 6 THEN SUBSTR(region_code, 1, 6) END FROM pub) b GROUP BY k
UNION ALL SELECT 'C', k, '', '', SUM(n), COUNT(*), SUM(w), 0, 0 FROM
	(SELECT s.k, s.organisation_id, COUNT(*) AS n, COALESCE(MAX(w.n), 0) AS w FROM
		(SELECT SUBSTR(region_code, 1, ?) AS k, organisation_id FROM serving UNION ALL SELECT '', organisation_id FROM serving) s
		LEFT JOIN workers w ON w.organisation_id = s.organisation_id GROUP BY s.k, s.organisation_id) o GROUP BY k
UNION ALL SELECT 'O', SUBSTR(region_code, 1, ?), '', '', COUNT(*), 0, 0, 0, 0 FROM organisations
	WHERE region_code LIKE ? AND status = 'verified' AND created_at < ? GROUP BY 2
UNION ALL SELECT 'P', SUBSTR(region_code, 1, ?), '', '', SUM(fen), 0, 0, 0, 0 FROM paid GROUP BY 2
UNION ALL SELECT 'S', s.source, '', '', SUM(s.budget), SUM(s.contracted + CASE WHEN s.rk = 1 THEN r.contracted ELSE 0 END),
	SUM(s.paid + CASE WHEN s.rk = 1 THEN r.paid ELSE 0 END), 0, 0 FROM split s JOIN rest r ON r.tender_id = s.tender_id GROUP BY s.source
UNION ALL SELECT 'R', SUBSTR(region_code, 1, ?), catalogue_code, SUBSTR(period_end, 1, 7), SUM(service_hours), SUM(volunteer_person_times),
	SUM(volunteer_hours), SUM(children_served_person_times), 0
	FROM stats_service WHERE period_end >= ? AND period_end <= ? AND region_code LIKE ? GROUP BY 2, 3, 4
UNION ALL SELECT 'E', SUBSTR(region_code, 1, ?), '', '', COUNT(*), SUM(mean), SUM(CASE WHEN mean >= 9000 THEN 1 ELSE 0 END),
	SUM(CASE WHEN mean >= 8000 AND mean < 9000 THEN 1 ELSE 0 END), SUM(CASE WHEN mean >= 6000 AND mean < 8000 THEN 1 ELSE 0 END)
	FROM means GROUP BY 2`
	args := []any{like, start.UTC(), finish.UTC(), like, to, from, finish.UTC(), start.UTC(), like, from, to, like, start.UTC(), finish.UTC(),
		childLen, childLen, childLen, childLen, like, finish.UTC(), childLen, childLen, from, to, like, childLen}
	rows, err := db.QueryContext(ctx, ph(q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()

	st := &models.Stats{Children: []models.StatsChild{}, BySource: []models.SourceStats{}, ByItem: []models.ItemStats{}}
	child := map[string]*models.StatsTotals{}
	for _, k := range kids {
		st.Children = append(st.Children, models.StatsChild{Region: models.StatsRegion{Code: k}})
	}
	for i := range st.Children {
		child[st.Children[i].Region.Code] = &st.Children[i].Totals
	}
	tot := &st.Totals
	// each applies fn to the total and to k's child, when k is a child
	// (a shorter k is the region's own rows, counted in the total only).
	each := func(k string, fn func(t *models.StatsTotals)) {
		fn(tot)
		if c, ok := child[k]; ok {
			fn(c)
		}
	}
	items, sources, months := map[string]*models.ItemStats{}, map[string]*models.SourceStats{}, map[string]*models.MonthStats{}
	item := func(code string) *models.ItemStats {
		if items[code] == nil {
			items[code] = &models.ItemStats{CatalogueCode: code}
		}
		return items[code]
	}
	scores := map[string]int64{} // "" the total, else a child: the sum of the phases' means
	for rows.Next() {
		var sec, k1, k2, k3 string
		var a, b, c, d, e sql.NullInt64
		if err := rows.Scan(&sec, &k1, &k2, &k3, &a, &b, &c, &d, &e); err != nil {
			return nil, err
		}
		A, B, C, D, E := a.Int64, b.Int64, c.Int64, d.Int64, e.Int64
		switch sec {
		case "T":
			each(k1, func(t *models.StatsTotals) {
				t.ProjectsPublished += A
				t.ProjectsAwarded += B
				t.BudgetFen += C
				t.ContractedFen += D
			})
			it := item(k2)
			it.Projects += A
			it.ContractedFen += D
		case "B":
			if k1 == "" {
				tot.RegionsBuying = models.RegionsBuying{Cities: A, Counties: B}
			} else if ch, ok := child[k1]; ok {
				ch.RegionsBuying = models.RegionsBuying{Cities: A, Counties: B}
			}
		case "C":
			t := tot
			if k1 != "" {
				if t = child[k1]; t == nil {
					continue
				}
			}
			t.ProjectsInService, t.OrganisationsServing, t.SocialWorkers = A, B, C
		case "O":
			each(k1, func(t *models.StatsTotals) { t.OrganisationsVerified += A })
		case "P":
			each(k1, func(t *models.StatsTotals) { t.PaidFen += A })
		case "S":
			sources[k1] = &models.SourceStats{Source: k1, BudgetFen: A, ContractedFen: B, PaidFen: C}
		case "R":
			each(k1, func(t *models.StatsTotals) {
				t.ServiceHours += models.Hundredths(A)
				t.VolunteerPersonTimes += B
				t.VolunteerHours += models.Hundredths(C)
				t.ChildrenServedPersonTimes += D
			})
			item(k2).ChildrenServedPersonTimes += D
			if months[k3] == nil {
				months[k3] = &models.MonthStats{Month: k3}
			}
			m := months[k3]
			m.ServiceHours += models.Hundredths(A)
			m.VolunteerPersonTimes += B
			m.VolunteerHours += models.Hundredths(C)
			m.ChildrenServedPersonTimes += D
		case "E":
			each(k1, func(t *models.StatsTotals) {
				t.Evaluations += A
				t.Grades.Excellent += C
				t.Grades.Good += D
				t.Grades.Pass += E
				t.Grades.Fail += A - C - D - E
			})
			scores[""] += B
			if _, ok := child[k1]; ok {
				scores[k1] += B
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	average := func(t *models.StatsTotals, sum int64) {
		if t.Evaluations > 0 {
			avg := models.Hundredths((2*sum + t.Evaluations) / (2 * t.Evaluations))
			t.AverageScore = &avg
		}
	}
	average(tot, scores[""])
	for k, t := range child {
		average(t, scores[k])
	}
	for _, k := range models.FundingSourceKeys {
		if s, ok := sources[k]; ok {
			st.BySource = append(st.BySource, *s)
		}
	}
	codes := make([]string, 0, len(items))
	for c := range items {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	for _, c := range codes {
		st.ByItem = append(st.ByItem, *items[c])
	}
	for m := from[:7]; m <= to[:7]; m = nextMonthOf(m) {
		if v, ok := months[m]; ok {
			st.ByMonth = append(st.ByMonth, *v)
		} else {
			st.ByMonth = append(st.ByMonth, models.MonthStats{Month: m})
		}
	}
	return st, nil
}
