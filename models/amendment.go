package models

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Amendment is a published tender's correction notice (更正公告): what
// changed, when, and the staff's notice text. It is public with the tender.
type Amendment struct {
	ID        int64     `json:"id" gorm:"primaryKey"`
	TenderID  int64     `json:"tender_id"`
	Seq       int       `json:"seq"`
	Changes   []Change  `json:"changes" gorm:"serializer:json"`
	Notice    string    `json:"notice"`
	AmendedBy int64     `json:"-"`
	AmendedAt time.Time `json:"amended_at"`
}

// TableName of Amendment.
func (Amendment) TableName() string { return "tender_amendments" }

// Change is one field an amendment changed. Scalars are shown as they are
// (a deadline in RFC 3339, UTC); lists as JSON.
type Change struct {
	Field  string `json:"field"`
	Before string `json:"before"`
	After  string `json:"after"`
}

// maxNotice bounds an amendment's notice text.
const maxNotice = 2000

// tenderChanges lists the public fields that differ between two versions.
func tenderChanges(before, after *Tender) []Change {
	var out []Change
	add := func(field string, b, a any) {
		bs, as := changeValue(b), changeValue(a)
		if bs != as {
			out = append(out, Change{Field: field, Before: bs, After: as})
		}
	}
	add("title", before.Title, after.Title)
	add("catalogue_year", before.CatalogueYear, after.CatalogueYear)
	add("catalogue_code", before.CatalogueCode, after.CatalogueCode)
	add("evaluation", before.Evaluation, after.Evaluation)
	add("price_weight", before.PriceWeight, after.PriceWeight)
	add("service_start", before.ServiceStart, after.ServiceStart)
	add("service_end", before.ServiceEnd, after.ServiceEnd)
	add("bid_deadline", before.BidDeadline.UTC().Format(time.RFC3339), after.BidDeadline.UTC().Format(time.RFC3339))
	add("budget", before.Budget, after.Budget)
	add("targets", before.Targets, after.Targets)
	add("criteria", before.Criteria, after.Criteria)
	add("invited", before.Invited, after.Invited)
	return out
}

func changeValue(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int:
		return fmt.Sprint(x)
	}
	b, _ := json.Marshal(v)
	if string(b) == "null" {
		return "[]"
	}
	return string(b)
}

// amendDeadline applies the method's amendment rules to a published
// tender's new deadline: never closer than the method's minimum period
// from publication (422), and at least the amendment notice period after
// now (moved there).
func (s *Store) amendDeadline(tx *gorm.DB, t *Tender, deadline, now time.Time) (time.Time, error) {
	rule := t.Rule()
	earliest, err := s.minBidEnd(tx, rule, *t.PublishedAt)
	if err != nil {
		return deadline, err
	}
	if deadline.Before(earliest) {
		return deadline, Invalid(periodField("amend_min_period", rule.MinBidPeriod, s.Settings.MinBidPeriod))
	}
	notice, err := s.periodEnd(tx, now, rule.AmendNotice)
	if err != nil {
		return deadline, err
	}
	if deadline.Before(notice) {
		deadline = notice.Add(time.Second - time.Nanosecond).Truncate(time.Second) // whole seconds, not earlier
	}
	return deadline, nil
}

// reopenBids sends a tender's submitted bids back to draft for their
// organisations to confirm again, each through the bid lifecycle with its
// own audit event (hidden until the deadline, with no sealed content).
func (s *Store) reopenBids(tx *gorm.DB, a *Actor, t *Tender, now time.Time) error {
	var bids []Bid
	if err := tx.Select("id, tender_id, organisation_id, status").Where("tender_id = ? AND status = ?", t.ID, BidSubmitted).
		Order("id").Find(&bids).Error; err != nil {
		return err
	}
	for i := range bids {
		b := &bids[i]
		to, err := bidLifecycle.Next("reopen", b.Status)
		if err != nil {
			return err
		}
		if err := tx.Model(&Bid{}).Where("id = ? AND status = ?", b.ID, b.Status).
			Updates(map[string]any{"status": to, "submitted_at": nil, "updated_at": now}).Error; err != nil {
			return err
		}
		b.Status = to
		if err := s.auditBid(tx, a, b, t, "bid.reopen"); err != nil {
			return err
		}
	}
	return nil
}

// recordAmendment stores the correction notice of an amendment.
func (s *Store) recordAmendment(tx *gorm.DB, a *Actor, t *Tender, changes []Change, notice string, now time.Time) (*Amendment, error) {
	var n int64
	if err := tx.Model(&Amendment{}).Where("tender_id = ?", t.ID).Count(&n).Error; err != nil {
		return nil, err
	}
	am := &Amendment{TenderID: t.ID, Seq: int(n) + 1, Changes: changes, Notice: notice, AmendedBy: a.UserID, AmendedAt: now}
	return am, tx.Create(am).Error
}

// checkNotice trims and bounds an amendment's notice text.
func checkNotice(notice string) (string, error) {
	notice = strings.TrimSpace(notice)
	if len([]rune(notice)) > maxNotice {
		return "", Invalid(Field("notice", "max", fmt.Sprint(maxNotice)))
	}
	return notice, nil
}

// Amendments lists a tender's correction notices, oldest first: public
// once the tender is.
func (s *Store) Amendments(ctx context.Context, a *Actor, tenderID int64) ([]Amendment, error) {
	db := s.DB.WithContext(ctx)
	t, err := s.visibleTender(db, a, tenderID, false)
	if err != nil {
		return nil, err
	}
	return amendmentsOf(db, t)
}

// amendmentsOf lists the amendments of a tender already read.
func amendmentsOf(db *gorm.DB, t *Tender) ([]Amendment, error) {
	out := []Amendment{}
	return out, db.Where("tender_id = ?", t.ID).Order("seq").Find(&out).Error
}
