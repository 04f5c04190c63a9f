package models

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// submittedCount is the SQL for a tender's number of bids submitted at the
// deadline (whatever review made of them since).
const submittedCount = "(SELECT COUNT(*) FROM bids WHERE bids.tender_id = tenders.id AND bids.status IN ?)"

// openedStatuses are the stored statuses of bids submitted at the deadline.
var openedStatuses = []string{BidSubmitted, BidDisqualified, BidWon, BidLost}

// minValidBidsSQL is the Methods table's minimum valid bids as SQL, so the
// clock-derived statuses can be filtered and paged in the database.
func minValidBidsSQL() string {
	var b strings.Builder
	b.WriteString("(CASE method")
	for _, k := range MethodKeys {
		fmt.Fprintf(&b, " WHEN '%s' THEN %d", k, Methods[k].MinValidBids)
	}
	b.WriteString(" ELSE 1 END)")
	return b.String()
}

// TenderFilter narrows the tender list.
type TenderFilter struct {
	Region string
	Status string
	Q      string
	Mine   bool // only the tenders the caller manages
}

// Tenders lists tenders: published and later ones for everyone, drafts too
// for the region's procurement staff. The status filter applies to the
// status at now, in SQL, so the list pages in the database.
func (s *Store) Tenders(ctx context.Context, a *Actor, f TenderFilter, p Page) (List[Tender], error) {
	p = p.Normalise()
	out := List[Tender]{Items: []Tender{}, Page: p.Page, PerPage: p.PerPage}
	db := s.DB.WithContext(ctx)
	q := s.tenderListQuery(db, a, f)
	var err error
	// The scope and filter name the count (managed regions decide what
	// else than the published tenders a caller sees).
	key := fmt.Sprintf("tenders\x00%q\x00%q\x00%q\x00%q\x00%v", a.Regions("tender:manage"), f.Region, f.Status, f.Q, f.Mine)
	if out.Total, out.TotalCapped, err = s.countCapped(db, q, key); err != nil {
		return out, err
	}
	rows, err := scanTenders(q.Order("id DESC").Offset(p.offset()).Limit(p.PerPage))
	if err != nil {
		return out, err
	}
	if err := s.fillTenders(db, rows); err != nil {
		return out, err
	}
	for _, t := range rows {
		out.Items = append(out.Items, *t)
	}
	return out, nil
}

// tenderRegion is the tender list's region filter. A province's or a
// city's prefix (2 or 4 digits) is written as the expression the tenders'
// prefix indexes hold before the id (migration 23), so a region's newest
// tenders are read in order from its index entries, however many tenders
// it has, instead of all of them being read and sorted; other prefixes as
// regionStarts.
func tenderRegion(q *gorm.DB, prefix string) *gorm.DB {
	prefix = strings.TrimRight(prefix, "%_")
	if _, _, ok := regionRange(prefix); ok && (len(prefix) == 2 || len(prefix) == 4) {
		return q.Where(fmt.Sprintf("substr(region_code, 1, %d) = ?", len(prefix)), prefix)
	}
	return regionStarts(q, "region_code", prefix)
}

// tenderListQuery is the tender list's rows with f, in a's scope, the
// status filter applied at now.
func (s *Store) tenderListQuery(db *gorm.DB, a *Actor, f TenderFilter) *gorm.DB {
	q := db.Model(&Tender{})
	managed := a.Regions("tender:manage")
	if f.Mine {
		q = regionScope(q, "region_code", managed)
	} else if cond, args, all := regionCond("region_code", managed); all {
		// sees everything
	} else {
		q = q.Where("(published_at IS NOT NULL OR "+cond+")", args...)
	}
	if f.Region != "" {
		q = tenderRegion(q, f.Region)
	}
	if f.Q != "" {
		like := "%" + f.Q + "%"
		q = q.Where("(title LIKE ? OR code LIKE ?)", like, like)
	}
	now := s.now()
	switch f.Status {
	case "":
	case TenderPublished:
		q = q.Where("status = ? AND bid_deadline > ?", TenderPublished, now)
	case TenderOpened:
		q = q.Where("status = ? AND bid_deadline <= ? AND "+submittedCount+" >= "+minValidBidsSQL(), TenderPublished, now, openedStatuses)
	case TenderUnsuccessful:
		q = q.Where("(status = ? OR (status = ? AND bid_deadline <= ? AND "+submittedCount+" < "+minValidBidsSQL()+"))",
			TenderUnsuccessful, TenderPublished, now, openedStatuses)
	default:
		q = q.Where("status = ?", f.Status)
	}
	return q
}
