package models

import (
	"context"
	"io"
	"time"

	"gorm.io/gorm"
)

// A report's files (sign-in sheets, photos): PDF, PNG or JPEG by their
// content, at most 10 MiB, stored as organisation documents are (by the
// SHA-256 of their content in the file store), readable by whoever
// may read the report.

// ReportAttachment is one file of a report.
type ReportAttachment struct {
	ID          int64     `json:"id" gorm:"primaryKey"`
	ReportID    int64     `json:"report_id"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256" gorm:"column:sha256"`
	UploadedBy  int64     `json:"-"`
	CreatedAt   time.Time `json:"created_at"`
}

// TableName of ReportAttachment.
func (ReportAttachment) TableName() string { return "service_report_attachments" }

// AddReportAttachment adds a file to a report the member may still edit.
// The caller and the report are checked first; only then is the upload
// read, sniffed and stored, outside any transaction; one short transaction
// then checks the report again and records the file.
func (s *Store) AddReportAttachment(ctx context.Context, a *Actor, id int64, read func() (OrgUpload, error)) (*ReportAttachment, error) {
	r, _, err := s.writableReport(s.DB.WithContext(ctx), a, id, "attach", false)
	if err != nil {
		return nil, err
	}
	in, err := read()
	if err != nil {
		return nil, err
	}
	defer in.Body.Close()
	sum, size, ctype, err := s.storeOrgFile(ctx, in.Body)
	if err != nil {
		return nil, err
	}
	at := &ReportAttachment{ReportID: r.ID, Filename: orgCleanName(in.Name, orgDocumentTypes[ctype]), ContentType: ctype, Size: size,
		SHA256: sum, UploadedBy: a.UserID}
	// A file stored before a refused insert stays: it is addressed by its
	// content, so it is harmless and reused by the next upload of it.
	err = s.tx(ctx, func(tx *gorm.DB) error {
		// The report may have been submitted while the file was read.
		cur, c, err := s.writableReport(tx, a, id, "attach", true)
		if err != nil {
			return err
		}
		at.CreatedAt = s.now()
		if err := tx.Create(at).Error; err != nil {
			return err
		}
		return s.audit(tx, a, "report.attach", "report", cur.ID, c.RegionCode, nil, at)
	})
	if err != nil {
		return nil, err
	}
	return at, nil
}

func (s *Store) reportAttachments(db *gorm.DB, reportID int64) ([]ReportAttachment, error) {
	out := []ReportAttachment{}
	return out, db.Where("report_id = ?", reportID).Order("id").Find(&out).Error
}

// ReportAttachments lists a report's files for those who may read it.
func (s *Store) ReportAttachments(ctx context.Context, a *Actor, id int64) ([]ReportAttachment, error) {
	db := s.DB.WithContext(ctx)
	if _, _, _, err := s.loadReport(db, a, id, false); err != nil {
		return nil, err
	}
	return s.reportAttachments(db, id)
}

// OpenReportAttachment opens a file for those who may read its report;
// the caller closes it. Any other caller, or another report's file, is
// not found.
func (s *Store) OpenReportAttachment(ctx context.Context, a *Actor, reportID, attachmentID int64) (*ReportAttachment, io.ReadSeekCloser, error) {
	db := s.DB.WithContext(ctx)
	var at ReportAttachment
	if err := db.Where("report_id = ?", reportID).First(&at, attachmentID).Error; err != nil {
		return nil, nil, notFound(err, "attachment")
	}
	if _, _, _, err := s.loadReport(db, a, reportID, false); err != nil {
		return nil, nil, Fail(ErrNotFound, "err.not_found", "attachment not found")
	}
	f, err := s.openOrgFile(ctx, at.SHA256)
	if err != nil {
		return nil, nil, err
	}
	return &at, f, nil
}
