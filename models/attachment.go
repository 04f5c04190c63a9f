package models

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"gorm.io/gorm"
)

// BidAttachment is a file of a bid (e.g. a signed response letter, the
// team's certificates). Its content is sealed with the bid: encrypted in
// the row, readable by others only after the deadline.
type BidAttachment struct {
	ID          int64     `json:"id" gorm:"primaryKey;autoIncrement:false"`
	BidID       int64     `json:"bid_id"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	Sealed      []byte    `json:"-"`
	CreatedAt   time.Time `json:"created_at"`
}

func attachmentAD(at *BidAttachment) string { return fmt.Sprintf("attachment:%d:%d", at.ID, at.BidID) }

// AddBidAttachment adds a file to the organisation's editable bid. The
// caller and the bid are checked read-only first; only then is the upload
// read (bounded, sniffed, sealed), outside any transaction, so a slow
// client holds no lock; one short transaction then checks the bid again
// and stores the file.
func (s *Store) AddBidAttachment(ctx context.Context, a *Actor, tenderID int64, read func() (OrgUpload, error)) (*BidAttachment, error) {
	orgID, err := memberOrg(a)
	if err != nil {
		return nil, err
	}
	db := s.DB.WithContext(ctx)
	t, err := s.biddingTender(db, a, tenderID, orgID, "bid")
	if err != nil {
		return nil, err
	}
	b, err := s.ownBid(db, tenderID, orgID)
	if err != nil {
		return nil, err
	}
	if err := editable(b); err != nil {
		return nil, err
	}
	if t.PastDeadline(s.now()) {
		return nil, Fail(ErrConflict, "err.deadline_passed", "the bid deadline has passed")
	}
	if s.Sealer == nil {
		return nil, fmt.Errorf("no seal key configured")
	}
	in, content, ctype, err := readUpload(read)
	if err != nil {
		return nil, err
	}
	at := &BidAttachment{ID: randomID(), BidID: b.ID, Filename: orgCleanName(in.Name, orgDocumentTypes[ctype]), ContentType: ctype,
		Size: int64(len(content))}
	at.Sealed = s.Sealer.Seal(content, attachmentAD(at))
	err = s.bidTx(ctx, a, tenderID, func(tx *gorm.DB, t *Tender, _ int64, cur *Bid) error {
		// The bid may have been submitted (or withdrawn and saved anew)
		// while the file was being read.
		if err := editable(cur); err != nil {
			return err
		}
		if cur.ID != b.ID {
			return Fail(ErrConflict, "err.bid_submitted", "the bid changed while the file was uploaded")
		}
		at.CreatedAt = s.now()
		if err := tx.Create(at).Error; err != nil {
			return err
		}
		return s.auditBid(tx, a, cur, t, "bid.attach")
	})
	if err != nil {
		return nil, err
	}
	return at, nil
}

// readUpload calls read and reads the file, at most MaxOrgDocumentBytes,
// checking its sniffed type. It is called outside any transaction.
func readUpload(read func() (OrgUpload, error)) (OrgUpload, []byte, string, error) {
	in, err := read()
	if err != nil {
		return in, nil, "", err
	}
	defer in.Body.Close()
	content, err := io.ReadAll(io.LimitReader(in.Body, MaxOrgDocumentBytes+1))
	if err != nil {
		return in, nil, "", orgReadError(err)
	}
	if len(content) == 0 {
		return in, nil, "", Invalid(Field("file", "required", ""))
	}
	if len(content) > MaxOrgDocumentBytes {
		return in, nil, "", Fail(ErrTooLarge, "err.413", "a file may be at most 10 MiB")
	}
	ctype, _, _ := strings.Cut(http.DetectContentType(content), ";")
	if _, ok := orgDocumentTypes[ctype]; !ok {
		return in, nil, "", Invalid(Field("file", "org_file_type", ""))
	}
	return in, content, ctype, nil
}

// RemoveBidAttachment deletes a file from the organisation's editable bid.
func (s *Store) RemoveBidAttachment(ctx context.Context, a *Actor, tenderID, attachmentID int64) error {
	return s.bidTx(ctx, a, tenderID, func(tx *gorm.DB, t *Tender, _ int64, b *Bid) error {
		if b == nil {
			return Fail(ErrNotFound, "err.not_found", "attachment not found")
		}
		if err := editable(b); err != nil {
			return err
		}
		res := tx.Where("id = ? AND bid_id = ?", attachmentID, b.ID).Delete(&BidAttachment{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return Fail(ErrNotFound, "err.not_found", "attachment not found")
		}
		return s.auditBid(tx, a, b, t, "bid.detach")
	})
}

// OwnBidAttachments lists the files of the organisation's bid.
func (s *Store) OwnBidAttachments(ctx context.Context, a *Actor, tenderID int64) ([]BidAttachment, error) {
	b, err := s.OwnBid(ctx, a, tenderID)
	if err != nil {
		return nil, err
	}
	out := []BidAttachment{}
	return out, s.DB.WithContext(ctx).Omit("sealed").Where("bid_id = ?", b.ID).Order("created_at, id").Find(&out).Error
}

// attachmentReader checks that the actor may read the bid's files: its own
// organisation any time; staff and declared panel experts once the bids
// are open.
func (s *Store) attachmentReader(db *gorm.DB, a *Actor, bidID int64) (*Bid, error) {
	var b Bid
	if err := db.First(&b, bidID).Error; err != nil {
		return nil, notFound(err, "bid")
	}
	if a.OrganisationID != nil && *a.OrganisationID == b.OrganisationID {
		return &b, nil
	}
	t, err := s.bidReader(db, a, b.TenderID)
	if err != nil || !t.PastDeadline(s.now()) || b.Status == BidDraft || b.Status == BidWithdrawn {
		return nil, Fail(ErrNotFound, "err.not_found", "bid not found")
	}
	return &b, nil
}

// BidAttachments lists a bid's files for those who may read the bid.
func (s *Store) BidAttachments(ctx context.Context, a *Actor, bidID int64) ([]BidAttachment, error) {
	db := s.DB.WithContext(ctx)
	b, err := s.attachmentReader(db, a, bidID)
	if err != nil {
		return nil, err
	}
	out := []BidAttachment{}
	return out, db.Omit("sealed").Where("bid_id = ?", b.ID).Order("created_at, id").Find(&out).Error
}

// OpenBidAttachment returns a file's content for those who may read its bid.
func (s *Store) OpenBidAttachment(ctx context.Context, a *Actor, id int64) (*BidAttachment, io.ReadSeeker, error) {
	db := s.DB.WithContext(ctx)
	var at BidAttachment
	if err := db.First(&at, id).Error; err != nil {
		return nil, nil, notFound(err, "attachment")
	}
	if _, err := s.attachmentReader(db, a, at.BidID); err != nil {
		return nil, nil, Fail(ErrNotFound, "err.not_found", "attachment not found")
	}
	if s.Sealer == nil {
		return nil, nil, fmt.Errorf("no seal key configured")
	}
	content, err := s.Sealer.Open(at.Sealed, attachmentAD(&at))
	if err != nil {
		return nil, nil, err
	}
	return &at, bytes.NewReader(content), nil
}
