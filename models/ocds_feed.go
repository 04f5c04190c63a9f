package models

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"time"

	"gorm.io/gorm"
)

// OCDSRelease is one stored release: the compiled OCDS release of a tender
// at one change, written in the change's transaction and never altered.
// Body is the release's JSON without its ocid and id (see JSON).
type OCDSRelease struct {
	ID         int64 `gorm:"primaryKey"`
	TenderID   int64
	TenderCode string
	ReleaseKey string
	Date       time.Time
	Tags       string // a JSON array of release tags
	Body       string
}

// TableName of OCDSRelease.
func (OCDSRelease) TableName() string { return "ocds_releases" }

// OCID is the release's ocid under prefix.
func (r *OCDSRelease) OCID(prefix string) string { return OCID(prefix, r.TenderCode) }

// ReleaseID is the release's id: its ocid and its key (the audit event of
// the change, or "migrated" for the first release of a tender published
// before the feed existed), unique in the feed.
func (r *OCDSRelease) ReleaseID(prefix string) string { return r.OCID(prefix) + "-" + r.ReleaseKey }

// JSON is the whole release under prefix: ocid and id, then the body.
func (r *OCDSRelease) JSON(prefix string) []byte {
	head, _ := json.Marshal(map[string]string{"ocid": r.OCID(prefix)}) // {"ocid":"…"}
	id, _ := json.Marshal(r.ReleaseID(prefix))
	out := make([]byte, 0, len(head)+len(id)+len(r.Body)+8)
	out = append(out, head[:len(head)-1]...)
	out = append(out, `,"id":`...)
	out = append(out, id...)
	if len(r.Body) > 2 {
		out = append(out, ',')
		out = append(out, r.Body[1:]...)
	} else {
		out = append(out, '}')
	}
	return out
}

// releaseTags are the audit actions that publish a change of a tender, its
// award or its contract, with the release tag each gives. An action not
// here (a draft's creation or edit, anything about a bid, an approval that
// changes nothing public) makes no release. Every action of a transaction
// that is here makes one release per tender, with each action's tag, at the
// end of the transaction (flushReleases).
var releaseTags = map[string]string{
	"tender.publish":     "tender",
	"tender.amend":       "tenderAmendment",
	"tender.cancel":      "tenderCancellation",
	"tender.fail":        "tenderUpdate",
	"tender.award":       "award",
	"contract.sign":      "contract",
	"contract.serve":     "contractUpdate",
	"contract.final":     "contractUpdate",
	"contract.accept":    "contractUpdate",
	"contract.terminate": "contractTermination",
	"payment.due":        "contractUpdate", // a tranche's milestone met (its cancellation is the termination's)
	"payment.pay":        "implementation",
}

// pendingReleases are the tenders a transaction changed publicly, with
// their tags and the last audit event that named each, released at its end.
type pendingReleases struct {
	order []int64
	tags  map[int64][]string
	event map[int64]int64
}

type pendingKey struct{}

func (p *pendingReleases) add(tenderID, eventID int64, tag string) {
	if p.tags == nil {
		p.tags, p.event = map[int64][]string{}, map[int64]int64{}
	}
	if _, ok := p.tags[tenderID]; !ok {
		p.order = append(p.order, tenderID)
	}
	if !slices.Contains(p.tags[tenderID], tag) {
		p.tags[tenderID] = append(p.tags[tenderID], tag)
	}
	p.event[tenderID] = eventID
}

// withReleases gives a transaction's context the set its audit events
// note releases in (tx, in store.go).
func withReleases(ctx context.Context) (context.Context, *pendingReleases) {
	p := &pendingReleases{}
	return context.WithValue(ctx, pendingKey{}, p), p
}

// noteRelease is the audit path's hook: an event that publishes a change
// notes its tender's release for the end of the transaction, or, in a
// transaction not begun by tx, writes it at once.
func (s *Store) noteRelease(tx *gorm.DB, ev *AuditEvent) error {
	tag, ok := releaseTags[ev.Action]
	if !ok {
		return nil
	}
	var tenderID int64
	switch ev.ObjectType {
	case "tender":
		id, err := strconv.ParseInt(ev.ObjectID, 10, 64)
		if err != nil {
			return err
		}
		tenderID = id
	case "contract":
		if err := tx.Raw("SELECT tender_id FROM contracts WHERE id = ?", ev.ObjectID).Scan(&tenderID).Error; err != nil {
			return err
		}
	case "payment":
		if err := tx.Raw("SELECT c.tender_id FROM payment_tranches p JOIN contracts c ON c.id = p.contract_id WHERE p.id = ?",
			ev.ObjectID).Scan(&tenderID).Error; err != nil {
			return err
		}
	}
	if tenderID == 0 {
		return nil
	}
	p, ok := tx.Statement.Context.Value(pendingKey{}).(*pendingReleases)
	if !ok {
		p = &pendingReleases{}
		p.add(tenderID, ev.ID, tag)
		return s.flushReleases(tx, p)
	}
	p.add(tenderID, ev.ID, tag)
	return nil
}

// releaseLock is the PostgreSQL advisory lock that release writers hold
// from their first release to their commit.
const releaseLock = 0x6f636473 // "ocds"

// flushReleases writes the noted releases, each compiled as its tender
// stands at the end of the transaction. On PostgreSQL it first takes
// releaseLock, held to the commit, so releases get their ids (and dates) in
// the order they commit and a reader paging by id never passes one that
// commits later with a lower id; SQLite has one writer at a time anyway.
// After taking it the transaction only reads and appends releases, which
// wait for no row lock, so the lock cannot take part in a deadlock.
func (s *Store) flushReleases(tx *gorm.DB, p *pendingReleases) error {
	if len(p.order) > 0 && s.Dialect == Postgres {
		if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", releaseLock).Error; err != nil {
			return err
		}
	}
	for _, id := range p.order {
		if err := s.writeRelease(tx, id, p.tags[id], strconv.FormatInt(p.event[id], 10)); err != nil {
			return err
		}
	}
	p.order, p.tags, p.event = nil, nil, nil
	return nil
}

func (s *Store) writeRelease(tx *gorm.DB, tenderID int64, tags []string, key string) error {
	rel, t, err := s.compileRelease(tx, tenderID, tags)
	if err != nil || rel == nil {
		return err
	}
	body, err := releaseJSON(rel)
	if err != nil {
		return err
	}
	rawTags, err := json.Marshal(tags)
	if err != nil {
		return err
	}
	return tx.Create(&OCDSRelease{TenderID: t.ID, TenderCode: t.Code, ReleaseKey: key, Date: s.now(), Tags: string(rawTags), Body: body}).Error
}

// MaxReleasesPage bounds a page of the feed.
const MaxReleasesPage = 200

// ReleaseQuery selects releases: dated at or after Since (zero: all),
// after the release sequence number After, at most Limit of them.
type ReleaseQuery struct {
	Since time.Time
	After int64
	Limit int
}

// OCDSReleases reads one page of the feed in id order in one statement:
// the releases and whether more follow.
func (s *Store) OCDSReleases(ctx context.Context, q ReleaseQuery) ([]OCDSRelease, bool, error) {
	if q.Limit <= 0 || q.Limit > MaxReleasesPage {
		q.Limit = MaxReleasesPage
	}
	db := s.lagging().WithContext(ctx).Where("id > ?", q.After)
	if !q.Since.IsZero() {
		db = db.Where("date >= ?", q.Since.UTC())
	}
	var out []OCDSRelease
	if err := db.Order("id").Limit(q.Limit + 1).Find(&out).Error; err != nil {
		return nil, false, err
	}
	more := len(out) > q.Limit
	if more {
		out = out[:q.Limit]
	}
	return out, more, nil
}

// LastRelease returns the newest release's sequence number and date (0
// and the zero time when there is none): the end of a bulk download taken
// at its start.
func (s *Store) LastRelease(ctx context.Context) (int64, time.Time, error) {
	var r OCDSRelease
	err := s.lagging().WithContext(ctx).Select("id", "date").Order("id DESC").Limit(1).Find(&r).Error
	return r.ID, r.Date, err
}

// OCDSBatch reads the releases after after up to upto (inclusive), at most
// n: one short read of a bulk download.
func (s *Store) OCDSBatch(ctx context.Context, after, upto int64, n int) ([]OCDSRelease, error) {
	var out []OCDSRelease
	err := s.lagging().WithContext(ctx).Where("id > ? AND id <= ?", after, upto).Order("id").Limit(n).Find(&out).Error
	return out, err
}

// BackfillReleases gives every tender published before the feed existed a
// first release of how it stands now, tagged by what it holds (migration
// 21) at now. It runs the models' compiler on the schema of that
// migration, with no seal key: an award not yet contracted has no value.
func BackfillReleases(tx *gorm.DB, d Dialect, now time.Time) error {
	s := &Store{DB: tx, Dialect: d, Now: func() time.Time { return now }, Settings: DefaultSettings()}
	var ids []int64
	if err := tx.Raw("SELECT id FROM tenders WHERE published_at IS NOT NULL ORDER BY id").Scan(&ids).Error; err != nil {
		return err
	}
	for _, id := range ids {
		rel, t, err := s.compileRelease(tx, id, nil)
		if err != nil {
			return err
		}
		tags := []string{"tender"}
		switch t.Status {
		case TenderCancelled:
			tags = []string{"tenderCancellation"}
		case TenderUnsuccessful:
			tags = []string{"tenderUpdate"}
		}
		if len(rel.Awards) > 0 {
			tags = append(tags, "award")
		}
		if len(rel.Contracts) > 0 {
			tags = append(tags, "contract")
			if rel.Contracts[0].Implementation != nil {
				tags = append(tags, "implementation")
			}
		}
		if err := s.writeRelease(tx, id, tags, "migrated"); err != nil {
			return err
		}
	}
	return nil
}

// OpenDataView is what the open data page shows of the feed.
type OpenDataView struct {
	Releases int64     // releases published
	Tenders  int64     // tenders (ocids) they are about
	Latest   time.Time // the newest release's date (zero: none yet)
}

// OpenDataPage reads the feed's size in one read.
func (s *Store) OpenDataPage(ctx context.Context) (*OpenDataView, error) {
	v := &OpenDataView{}
	err := s.read(ctx, func(r *Store) error {
		var row struct {
			N, T int64
		}
		if err := r.DB.Raw("SELECT COUNT(*) AS n, COUNT(DISTINCT tender_id) AS t FROM ocds_releases").Scan(&row).Error; err != nil {
			return err
		}
		v.Releases, v.Tenders = row.N, row.T
		_, v.Latest, _ = r.LastRelease(ctx)
		return nil
	})
	return v, err
}

// DeadlineReleaseKey is the release key of a tender's release at its bid
// deadline.
const DeadlineReleaseKey = "deadline"

// ReleaseDeadlines publishes the release of each tender whose bid deadline
// has passed while its stored status is still published: the clock opened
// it (or ended it unsuccessful for too few bids) and no transaction wrote
// that change, so the periodic job ocds_deadlines (jobs) releases it, dated
// when it runs, tagged tenderUpdate, listing the tenderers. Each tender has
// at most one such release (its key is DeadlineReleaseKey); each is
// written in its own short transaction. It returns how many it wrote.
func (s *Store) ReleaseDeadlines(ctx context.Context) (int, error) {
	var ids []int64
	err := s.DB.WithContext(ctx).Raw(`SELECT t.id FROM tenders t WHERE t.status = ? AND t.published_at IS NOT NULL AND t.bid_deadline <= ?
AND NOT EXISTS (SELECT 1 FROM ocds_releases r WHERE r.tender_id = t.id AND r.release_key = ?) ORDER BY t.bid_deadline, t.id LIMIT 1000`,
		TenderPublished, s.now(), DeadlineReleaseKey).Scan(&ids).Error
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		wrote := false
		err := s.tx(ctx, func(tx *gorm.DB) error {
			// The lock first (see flushReleases): a change of the tender
			// that commits after this reading releases after this one.
			if s.Dialect == Postgres {
				if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", releaseLock).Error; err != nil {
					return err
				}
			}
			var row struct {
				Status string
				Seen   int64
			}
			if err := tx.Raw(`SELECT status, (SELECT COUNT(*) FROM ocds_releases WHERE tender_id = ? AND release_key = ?) AS seen FROM tenders WHERE id = ?`,
				id, DeadlineReleaseKey, id).Scan(&row).Error; err != nil {
				return err
			}
			if row.Status != TenderPublished || row.Seen > 0 {
				return nil
			}
			wrote = true
			return s.writeRelease(tx, id, []string{"tenderUpdate"}, DeadlineReleaseKey)
		})
		switch {
		case err == nil && wrote:
			n++
		case err != nil && !isDuplicate(err):
			return n, err
		}
	}
	return n, nil
}
