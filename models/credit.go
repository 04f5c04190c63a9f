package models

import (
	"context"
	"io"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Credit checks of bidders and their evidence files.

// CreditCheck records a bidder's credit check (信用中国 and the
// procurement-violation list).
type CreditCheck struct {
	ID             int64     `json:"id" gorm:"primaryKey"`
	TenderID       int64     `json:"tender_id"`
	OrganisationID int64     `json:"organisation_id"`
	Result         string    `json:"result"`
	CheckedAt      time.Time `json:"checked_at"`
	Note           string    `json:"note"`
	Evidence       string    `json:"evidence"`
	EvidenceSHA256 string    `json:"evidence_sha256,omitempty" gorm:"column:evidence_sha256"`
	EvidenceName   string    `json:"evidence_name,omitempty"`
	EvidenceType   string    `json:"evidence_type,omitempty"`
	RecordedBy     int64     `json:"recorded_by"`
	RecordedAt     time.Time `json:"recorded_at"`
}

// CreditCheckInput is the body of POST /tenders/{id}/credit-checks.
type CreditCheckInput struct {
	OrganisationID int64     `json:"organisation_id"`
	Result         string    `json:"result"`
	CheckedAt      time.Time `json:"checked_at"`
	Note           string    `json:"note"`
	Evidence       string    `json:"evidence"`
	// EvidenceFile, when set, reads an uploaded evidence file (a screenshot
	// or PDF of the 信用中国 result), stored by content hash.
	EvidenceFile func() (OrgUpload, error) `json:"-"`
	// ConfirmEnd confirms a listed result that leaves too few valid bids
	// and so ends the tender.
	ConfirmEnd bool `json:"confirm_end"`
}

// RecordCreditCheck records a bidder's credit check after the deadline. A
// listed organisation's bid is disqualified.
func (s *Store) RecordCreditCheck(ctx context.Context, a *Actor, tenderID int64, in CreditCheckInput) (*CreditCheck, error) {
	var out *CreditCheck
	// An evidence file is read and stored before the transaction, once the
	// caller is known to run the tender, so a slow upload holds no lock.
	var evSum, evType, evName string
	if in.EvidenceFile != nil {
		if _, err := s.managedTender(s.DB.WithContext(ctx), a, tenderID); err != nil {
			return nil, err
		}
		up, err := in.EvidenceFile()
		if err != nil {
			return nil, err
		}
		sum, _, ctype, err := s.storeOrgFile(ctx, up.Body)
		up.Body.Close()
		if err != nil {
			return nil, err
		}
		evSum, evType, evName = sum, ctype, orgCleanName(up.Name, orgDocumentTypes[ctype])
	}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		t, err := s.managedTender(tx, a, tenderID)
		if err != nil {
			return err
		}
		if !t.PastDeadline(s.now()) {
			return Fail(ErrConflict, "err.sealed", "credit checks are recorded after the deadline")
		}
		if _, err := tenderLifecycle.Next("evaluate", t.Status); err != nil {
			return err
		}
		var fe []FieldError
		if in.Result != "clear" && in.Result != "listed" {
			fe = append(fe, Field("result", "oneof", "clear listed"))
		}
		if in.CheckedAt.IsZero() {
			fe = append(fe, Field("checked_at", "required", ""))
		} else if in.CheckedAt.After(s.now().Add(time.Minute)) {
			fe = append(fe, Field("checked_at", "future", ""))
		}
		var b Bid
		err = tx.Where("tender_id = ? AND organisation_id = ? AND status IN ?", t.ID, in.OrganisationID, []string{BidSubmitted, BidDisqualified}).First(&b).Error
		if err != nil {
			fe = append(fe, Field("organisation_id", "bidder", ""))
		}
		if len(fe) > 0 {
			return Invalid(fe...)
		}
		now := s.now()
		out = &CreditCheck{TenderID: t.ID, OrganisationID: in.OrganisationID, Result: in.Result, CheckedAt: in.CheckedAt.UTC(),
			Note: strings.TrimSpace(in.Note), Evidence: strings.TrimSpace(in.Evidence), RecordedBy: a.UserID, RecordedAt: now}
		if evSum != "" {
			out.EvidenceSHA256, out.EvidenceType, out.EvidenceName = evSum, evType, evName
		}
		if err := tx.Create(out).Error; err != nil {
			return err
		}
		if err := s.audit(tx, a, "tender.credit_check", "tender", t.ID, t.RegionCode, nil, out); err != nil {
			return err
		}
		if in.Result == "listed" && bidLifecycle.Allows("disqualify", effectiveBidStatus(b.Status, t, now)) {
			return s.disqualify(tx, a, t, &b, DisqualifyCreditListed, "", in.ConfirmEnd, nil)
		}
		return nil
	})
	return out, err
}

// OpenCreditEvidence returns a credit check's evidence file to the
// tender's staff.
func (s *Store) OpenCreditEvidence(ctx context.Context, a *Actor, checkID int64) (*CreditCheck, io.ReadSeekCloser, error) {
	db := s.DB.WithContext(ctx)
	var cc CreditCheck
	if err := db.First(&cc, checkID).Error; err != nil {
		return nil, nil, notFound(err, "credit check")
	}
	t, err := s.visibleTender(db, a, cc.TenderID, false)
	if err != nil || !t.canManage(a) || cc.EvidenceSHA256 == "" {
		return nil, nil, Fail(ErrNotFound, "err.not_found", "evidence not found")
	}
	f, err := s.openOrgFile(ctx, cc.EvidenceSHA256)
	if err != nil {
		return nil, nil, err
	}
	return &cc, f, nil
}
