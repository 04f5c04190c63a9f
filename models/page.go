package models

import "gorm.io/gorm"

// Page is a requested slice of a list: page from 1, per_page up to 200.
type Page struct {
	Page    int `json:"page"`
	PerPage int `json:"per_page"`
}

// MaxPerPage caps per_page.
const MaxPerPage = 200

// Normalise fills defaults and caps the size.
func (p Page) Normalise() Page {
	if p.Page < 1 {
		p.Page = 1
	}
	if p.PerPage < 1 {
		p.PerPage = 50
	}
	if p.PerPage > MaxPerPage {
		p.PerPage = MaxPerPage
	}
	return p
}

func (p Page) offset() int { return (p.Page - 1) * p.PerPage }

// List is one page of a list and the total count.
type List[T any] struct {
	Items   []T   `json:"items"`
	Total   int64 `json:"total"`
	Page    int   `json:"page"`
	PerPage int   `json:"per_page"`
	// TotalCapped: the list has more than Total (CountCap) rows, which
	// were not all counted (countCapped).
	TotalCapped bool `json:"total_capped,omitempty"`
}

// CountCap bounds the counts of the long lists (tenders, notices,
// contracts, organisations): counting every row costs as much as the
// table is long, while "more than 10,000" tells a reader as much.
const CountCap = 10_000

// countCapped counts q's rows, at most CountCap+1 of them: more than
// CountCap answers CountCap and capped. q is left as it was. key names the
// list and its filter for the store's capped counts ("": not kept).
func (s *Store) countCapped(db, q *gorm.DB, key string) (total int64, capped bool, err error) {
	now := s.now()
	if s.capped.known(key, now) {
		return CountCap, true, nil
	}
	sub := q.Session(&gorm.Session{}).Select("1").Limit(CountCap + 1)
	if err := db.Raw("SELECT COUNT(*) FROM (?) capped", sub).Scan(&total).Error; err != nil {
		return 0, false, err
	}
	if total > CountCap {
		s.capped.remember(key, now)
		return CountCap, true, nil
	}
	return total, false, nil
}
