package models

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Public notices (公告): what a procurement portal publishes, by kind. They
// are read from the tenders, amendments and contracts themselves, so a
// notice exists exactly when its object says so; only published tenders
// have any.

// Notice kinds.
const (
	NoticeTender    = "tender"    // 采购公告: a published tender
	NoticeAmendment = "amendment" // 更正公告
	NoticeAward     = "award"     // 中标(成交)公告
	NoticeFailure   = "failure"   // 采购失败公告 (unsuccessful or cancelled)
	NoticeContract  = "contract"  // 合同公告
)

// NoticeKinds lists the kinds in the order pages show them.
var NoticeKinds = []string{NoticeTender, NoticeAmendment, NoticeAward, NoticeFailure, NoticeContract}

// Notice is one public notice.
type Notice struct {
	Kind       string         `json:"kind"`
	TenderID   int64          `json:"tender_id"`
	Code       string         `json:"code"`
	Title      string         `json:"title"`
	Region     string         `json:"region"`
	RegionName string         `json:"region_name"`
	Method     string         `json:"method"`
	At         time.Time      `json:"at"`
	Seq        int            `json:"seq,omitempty"`         // the amendment's number
	ContractID int64          `json:"contract_id,omitempty"` // the contract's notice
	Failure    *FailureNotice `json:"failure,omitempty"`
}

// NoticeFilter narrows the notice search. From and To are Beijing dates
// (YYYY-MM-DD), both included.
type NoticeFilter struct {
	Kind   string
	Region string
	Method string
	Q      string
	From   string
	To     string
}

// noticeRow is a notice as the union query returns it; the rest is read
// from its objects.
type noticeRow struct {
	Kind     string
	TenderID int64
	Ref      int64
}

// noticeBranch is where one kind of notice comes from: its tables (the
// tender as t; after a CROSS JOIN, which SQLite keeps in the order
// written, so an amendment's or a contract's time leads), its tender's id
// in the leading table (so the page's order is its index's order), its
// reference (an amendment's number, a contract's id), its time, and which
// rows are notices. A tender that the clock ended unsuccessful (past its
// deadline with too few bids) is a failure notice from its deadline on.
type noticeBranch struct {
	kind, from, tender, ref, at, where string
}

// noticeBranches take the named parameters @now and @opened.
func noticeBranches() []noticeBranch {
	pub := "t.published_at IS NOT NULL"
	clockFailed := "t.status = 'published' AND t.bid_deadline <= @now AND " +
		"(SELECT COUNT(*) FROM bids WHERE bids.tender_id = t.id AND bids.status IN @opened) < " +
		strings.ReplaceAll(minValidBidsSQL(), "method", "t.method")
	return []noticeBranch{
		{NoticeTender, "tenders t", "t.id", "0", "t.published_at", pub},
		{NoticeAmendment, "tender_amendments a CROSS JOIN tenders t", "a.tender_id", "a.seq", "a.amended_at", "t.id = a.tender_id AND " + pub},
		{NoticeAward, "tenders t", "t.id", "0", "t.awarded_at", pub + " AND t.awarded_at IS NOT NULL AND t.status IN ('awarded', 'contracted')"},
		{NoticeFailure, "tenders t", "t.id", "0", "t.ended_at", pub + " AND t.status IN ('unsuccessful', 'cancelled') AND t.ended_at IS NOT NULL"},
		{NoticeFailure, "tenders t", "t.id", "0", "t.bid_deadline", pub + " AND " + clockFailed},
		{NoticeContract, "contracts c CROSS JOIN tenders t", "c.tender_id", "c.id", "c.signed_at", "t.id = c.tender_id AND " + pub},
	}
}

// noticeUnion is every notice as (kind, tender, ref, at, and the tender's
// searchable columns): the export reads it whole.
func noticeUnion() string {
	var parts []string
	for _, b := range noticeBranches() {
		parts = append(parts, "SELECT '"+b.kind+"' AS kind, t.id AS tender_id, t.region_code AS region_code, t.method AS method, t.title AS title, t.code AS code, "+
			b.ref+" AS ref, "+b.at+" AS at FROM "+b.from+" WHERE "+b.where)
	}
	return strings.Join(parts, " UNION ALL ")
}

// noticeConds are f's conditions on a notice whose time is at, with their
// arguments added to args.
func noticeConds(f NoticeFilter, at string, args map[string]any) []string {
	var where []string
	if f.Region != "" {
		region := strings.TrimRight(f.Region, "%_")
		where, args["region"] = append(where, "t.region_code LIKE @region"), region+"%"
		// The range a region index serves (regionPrefix).
		if lo, hi, ok := regionRange(region); ok {
			where, args["region_lo"] = append(where, "t.region_code >= @region_lo"), lo
			if hi != "" {
				where, args["region_hi"] = append(where, "t.region_code < @region_hi"), hi
			}
		}
	}
	if f.Method != "" {
		where, args["method"] = append(where, "t.method = @method"), f.Method
	}
	if f.Q != "" {
		where, args["q"] = append(where, "(t.title LIKE @q OR t.code LIKE @q)"), "%"+f.Q+"%"
	}
	if f.From != "" {
		from, _ := chinaDay(f.From)
		where, args["from"] = append(where, at+" >= @from"), from
	}
	if f.To != "" {
		to, _ := chinaDay(f.To)
		where, args["to"] = append(where, at+" < @to"), to.Add(day)
	}
	return where
}

// noticeSQL is the count (at most CountCap+1 notices) and the page of
// notices matching f, newest first. Each kind's branch gives its newest
// offset+limit rows through the index on its time, so a page reads what
// it shows and the pages before it, whatever the number of notices.
func noticeSQL(f NoticeFilter, args map[string]any) (count, page string) {
	var counts, pages []string
	for i, b := range noticeBranches() {
		if f.Kind != "" && b.kind != f.Kind {
			continue
		}
		where := strings.Join(append([]string{b.where}, noticeConds(f, b.at, args)...), " AND ")
		counts = append(counts, "SELECT 1 AS one FROM "+b.from+" WHERE "+where)
		order := b.at + " DESC, " + b.tender + " DESC"
		if b.ref != "0" { // a constant would be read as a column number
			order += ", " + b.ref + " DESC"
		}
		pages = append(pages, fmt.Sprintf("SELECT * FROM (SELECT '%s' AS kind, t.id AS tender_id, %s AS ref, %s AS at FROM %s WHERE %s ORDER BY %s LIMIT @top) b%d",
			b.kind, b.ref, b.at, b.from, where, order, i))
	}
	count = "SELECT COUNT(*) FROM (" + strings.Join(counts, " UNION ALL ") + " LIMIT @count_cap) capped"
	page = "SELECT n.kind, n.tender_id, n.ref FROM (" + strings.Join(pages, " UNION ALL ") + ") n ORDER BY n.at DESC, n.tender_id DESC, n.ref DESC LIMIT @limit OFFSET @offset"
	return count, page
}

// chinaDay parses a Beijing date; ok is false for a malformed one.
func chinaDay(s string) (time.Time, bool) {
	d, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(s), ChinaZone)
	return d.UTC(), err == nil
}

// checkNoticeFilter refuses values that name nothing (422).
func checkNoticeFilter(f *NoticeFilter) error {
	var fe []FieldError
	f.Kind, f.Method, f.Region, f.Q = strings.TrimSpace(f.Kind), strings.TrimSpace(f.Method), strings.TrimSpace(f.Region), strings.TrimSpace(f.Q)
	if f.Kind != "" && !contains(NoticeKinds, f.Kind) {
		fe = append(fe, Field("kind", "oneof", strings.Join(NoticeKinds, " ")))
	}
	if f.Method != "" && !contains(MethodKeys, f.Method) {
		fe = append(fe, Field("method", "oneof", strings.Join(MethodKeys, " ")))
	}
	if f.From != "" {
		if _, ok := chinaDay(f.From); !ok {
			fe = append(fe, Field("from", "date", ""))
		}
	}
	if f.To != "" {
		if _, ok := chinaDay(f.To); !ok {
			fe = append(fe, Field("to", "date", ""))
		}
	}
	if len(fe) > 0 {
		return Invalid(fe...)
	}
	return nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// Notices searches the public notices, newest first, paged in the database.
// Anyone may read them; every notice is of a published tender.
func (s *Store) Notices(ctx context.Context, a *Actor, f NoticeFilter, p Page) (List[Notice], error) {
	p = p.Normalise()
	out := List[Notice]{Items: []Notice{}, Page: p.Page, PerPage: p.PerPage}
	if err := checkNoticeFilter(&f); err != nil {
		return out, err
	}
	now := s.now()
	rs := s.atClock(now)
	err := s.readTx(ctx, func(tx *gorm.DB) error {
		args := map[string]any{"now": now, "opened": openedStatuses, "count_cap": CountCap + 1,
			"limit": p.PerPage, "offset": p.offset(), "top": p.offset() + p.PerPage}
		count, page := noticeSQL(f, args)
		key := fmt.Sprintf("notices\x00%q\x00%q\x00%q\x00%q\x00%q\x00%q", f.Kind, f.Region, f.Method, f.Q, f.From, f.To)
		if s.capped.known(key, now) {
			out.Total, out.TotalCapped = CountCap, true
		} else if err := tx.Raw(count, args).Scan(&out.Total).Error; err != nil {
			return err
		} else if out.Total > CountCap {
			out.Total, out.TotalCapped = CountCap, true
			s.capped.remember(key, now)
		}
		var rows []noticeRow
		if err := tx.Raw(page, args).Scan(&rows).Error; err != nil {
			return err
		}
		items, err := rs.noticeItems(tx, rows)
		out.Items = items
		return err
	})
	return out, err
}

// noticeItems reads each notice's tender (with its status at now), its
// amendment or contract, and its region's name.
func (s *Store) noticeItems(db *gorm.DB, rows []noticeRow) ([]Notice, error) {
	out := []Notice{}
	if len(rows) == 0 {
		return out, nil
	}
	var tids, cids []int64
	for _, r := range rows {
		tids = append(tids, r.TenderID)
		if r.Kind == NoticeContract {
			cids = append(cids, r.Ref)
		}
	}
	byID, err := s.tendersByID(db, tids)
	if err != nil {
		return nil, err
	}
	var ams []Amendment
	if err := db.Where("tender_id IN ?", tids).Find(&ams).Error; err != nil {
		return nil, err
	}
	amAt := map[[2]int64]time.Time{}
	for _, am := range ams {
		amAt[[2]int64{am.TenderID, int64(am.Seq)}] = am.AmendedAt
	}
	signed := map[int64]time.Time{}
	if len(cids) > 0 {
		var cs []Contract
		if err := db.Select("id, signed_at").Where("id IN ?", cids).Find(&cs).Error; err != nil {
			return nil, err
		}
		for _, c := range cs {
			signed[c.ID] = c.SignedAt
		}
	}
	var codes []string
	for _, t := range byID {
		codes = append(codes, t.RegionCode)
	}
	names, err := regionNames(db, codes)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		t := byID[r.TenderID]
		if t == nil {
			continue
		}
		n := Notice{Kind: r.Kind, TenderID: t.ID, Code: t.Code, Title: t.Title, Region: t.RegionCode, RegionName: names[t.RegionCode], Method: t.Method}
		switch r.Kind {
		case NoticeTender:
			n.At = *t.PublishedAt
		case NoticeAmendment:
			n.Seq, n.At = int(r.Ref), amAt[[2]int64{t.ID, r.Ref}]
		case NoticeAward:
			n.At = *t.AwardedAt
		case NoticeFailure:
			n.Failure = t.Failure()
			if n.Failure != nil {
				n.At = n.Failure.EndedAt
			}
		case NoticeContract:
			n.ContractID, n.At = r.Ref, signed[r.Ref]
		}
		out = append(out, n)
	}
	return out, nil
}

// LatestNotices are the newest notices of each kind, for the home page.
type LatestNotices struct {
	Kinds []NoticeGroup `json:"kinds"`
}

// NoticeGroup is one kind's newest notices.
type NoticeGroup struct {
	Kind  string `json:"kind"`
	Total int64  `json:"total"`
	// TotalCapped: there are more than Total (CountCap) notices.
	TotalCapped bool     `json:"total_capped,omitempty"`
	Items       []Notice `json:"items"`
}

// Latest returns the newest n notices of each kind.
func (s *Store) Latest(ctx context.Context, a *Actor, n int) (*LatestNotices, error) {
	out := &LatestNotices{Kinds: []NoticeGroup{}}
	for _, k := range NoticeKinds {
		l, err := s.Notices(ctx, a, NoticeFilter{Kind: k}, Page{Page: 1, PerPage: n})
		if err != nil {
			return nil, err
		}
		out.Kinds = append(out.Kinds, NoticeGroup{Kind: k, Total: l.Total, TotalCapped: l.TotalCapped, Items: l.Items})
	}
	return out, nil
}

// ContractNotice is the public summary of a signed contract (合同公告).
type ContractNotice struct {
	ID                 int64     `json:"id"`
	Number             string    `json:"number"`
	TenderID           int64     `json:"tender_id"`
	TenderCode         string    `json:"tender_code"`
	TenderTitle        string    `json:"tender_title"`
	Region             string    `json:"region"`
	RegionName         string    `json:"region_name"`
	Method             string    `json:"method"`
	OrganisationID     int64     `json:"organisation_id"`
	OrganisationName   string    `json:"organisation_name"`
	OrganisationCredit string    `json:"organisation_credit_code"`
	AmountFen          int64     `json:"amount_fen"`
	ServiceStart       string    `json:"service_start"`
	ServiceEnd         string    `json:"service_end"`
	CatalogueYear      int       `json:"catalogue_year"`
	CatalogueCode      string    `json:"catalogue_code"`
	CatalogueName      string    `json:"catalogue_name"`
	CatalogueNameEn    string    `json:"catalogue_name_en"`
	SignedAt           time.Time `json:"signed_at"`
}

// ContractNotice returns a signed contract's public summary: the parties
// (the purchasing region and the organisation), amount, period and
// catalogue item. Anyone may read it; nothing private (payment plan,
// signer) is in it.
func (s *Store) ContractNotice(ctx context.Context, a *Actor, id int64) (*ContractNotice, error) {
	var out *ContractNotice
	err := s.readTx(ctx, func(tx *gorm.DB) error {
		var c Contract
		if err := tx.First(&c, id).Error; err != nil {
			return notFound(err, "contract")
		}
		var t Tender
		if err := tx.First(&t, c.TenderID).Error; err != nil {
			return notFound(err, "contract")
		}
		if !t.Public() {
			return Fail(ErrNotFound, "err.not_found", "contract not found")
		}
		o, err := s.orgByID(tx, c.OrganisationID)
		if err != nil {
			return err
		}
		names, err := regionNames(tx, []string{c.RegionCode})
		if err != nil {
			return err
		}
		itemName, itemNameEn := "", ""
		if v, err := s.readableVersion(tx, nil, CatalogueQuery{Region: t.RegionCode, Year: t.CatalogueYear}); err == nil {
			if item, err := s.item(tx, v, t.CatalogueCode); err == nil {
				itemName, itemNameEn = item.Name, item.NameEn
			}
		}
		out = &ContractNotice{ID: c.ID, Number: c.Number, TenderID: t.ID, TenderCode: t.Code, TenderTitle: t.Title, Region: c.RegionCode,
			RegionName: names[c.RegionCode], Method: t.Method, OrganisationID: o.ID, OrganisationName: o.Name, OrganisationCredit: o.CreditCode,
			AmountFen: c.AmountFen, ServiceStart: c.ServiceStart, ServiceEnd: c.ServiceEnd, CatalogueYear: t.CatalogueYear,
			CatalogueCode: t.CatalogueCode, CatalogueName: itemName, CatalogueNameEn: itemNameEn, SignedAt: c.SignedAt}
		return nil
	})
	return out, err
}
