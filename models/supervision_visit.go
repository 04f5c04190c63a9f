package models

import (
	"context"
	"io"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Visits (走访) of an assigned supervisor: the date, findings and
// follow-ups, with photos; and the files of supervision (a visit's photos,
// a rectification's response files): PDF, PNG or JPEG by their content, at
// most 10 MiB, stored as organisation documents are.

// Visit is one supervision visit.
type Visit struct {
	ID             int64             `json:"id" gorm:"primaryKey"`
	ContractID     int64             `json:"contract_id"`
	SupervisorID   int64             `json:"supervisor_id"`
	SupervisorName string            `json:"supervisor_name" gorm:"-"`
	VisitedOn      string            `json:"visited_on"`
	Findings       string            `json:"findings"`
	FollowUps      string            `json:"follow_ups"`
	CreatedAt      time.Time         `json:"created_at"`
	Photos         []SupervisionFile `json:"photos" gorm:"-"`
}

// TableName of Visit.
func (Visit) TableName() string { return "supervision_visits" }

// VisitInput records a visit.
type VisitInput struct {
	VisitedOn string `json:"visited_on" form:"visited_on"`
	Findings  string `json:"findings" form:"findings" validate:"max=4000"`
	FollowUps string `json:"follow_ups" form:"follow_ups" validate:"max=4000"`
}

// Owners of supervision files.
const (
	fileOfVisit         = "visit"
	fileOfRectification = "rectification"
)

// SupervisionFile is a visit's photo or a rectification's file.
type SupervisionFile struct {
	ID          int64     `json:"id" gorm:"primaryKey"`
	OwnerType   string    `json:"-"`
	OwnerID     int64     `json:"-"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256" gorm:"column:sha256"`
	UploadedBy  int64     `json:"-"`
	CreatedAt   time.Time `json:"created_at"`
}

// TableName of SupervisionFile.
func (SupervisionFile) TableName() string { return "supervision_files" }

// RecordVisit records a visit of an assigned supervisor.
func (s *Store) RecordVisit(ctx context.Context, a *Actor, contractID int64, in VisitInput) (*Visit, error) {
	if _, err := s.supervisedContract(s.DB.WithContext(ctx), a, contractID, false); err != nil {
		return nil, err
	}
	var fe []FieldError
	findings, f := CheckTextValue("findings", strings.TrimSpace(in.Findings))
	if f != nil {
		fe = append(fe, *f)
	} else if findings == "" {
		fe = append(fe, Field("findings", "required", ""))
	}
	follow, f := CheckTextValue("follow_ups", strings.TrimSpace(in.FollowUps))
	if f != nil {
		fe = append(fe, *f)
	}
	today := chinaToday(s.now())
	if d, ok := parseDate(in.VisitedOn); !ok {
		fe = append(fe, Field("visited_on", "date", ""))
	} else if d.Before(earliestServiceStart) || in.VisitedOn > today {
		fe = append(fe, Field("visited_on", "date_range", dateRange(earliestServiceStart, s.now())))
	}
	if len(fe) > 0 {
		return nil, Invalid(fe...)
	}
	v := &Visit{SupervisorID: a.UserID, VisitedOn: in.VisitedOn, Findings: findings, FollowUps: follow, Photos: []SupervisionFile{}}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		c, err := s.supervisedContract(tx, a, contractID, true)
		if err != nil {
			return err
		}
		v.ContractID, v.CreatedAt, v.SupervisorName = c.ID, s.now(), a.DisplayName
		if err := tx.Create(v).Error; err != nil {
			return err
		}
		return s.audit(tx, a, "visit.record", "visit", v.ID, c.RegionCode, nil, v)
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

// ContractVisits lists a contract's visits, newest first, with photos.
func (s *Store) ContractVisits(ctx context.Context, a *Actor, contractID int64) ([]Visit, error) {
	db := s.DB.WithContext(ctx)
	c, err := s.visibleContract(db, a, contractID, false)
	if err != nil {
		return nil, err
	}
	return s.contractVisits(db, c.ID)
}

func (s *Store) contractVisits(db *gorm.DB, contractID int64) ([]Visit, error) {
	out := []Visit{}
	if err := db.Where("contract_id = ?", contractID).Order("visited_on DESC, id DESC").Find(&out).Error; err != nil {
		return nil, err
	}
	ids := make([]int64, len(out))
	for i, v := range out {
		ids[i] = v.SupervisorID
	}
	names, err := s.userNames(db, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].SupervisorName = names[out[i].SupervisorID]
		if out[i].Photos, err = s.supervisionFiles(db, fileOfVisit, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Store) supervisionFiles(db *gorm.DB, owner string, id int64) ([]SupervisionFile, error) {
	out := []SupervisionFile{}
	return out, db.Where("owner_type = ? AND owner_id = ?", owner, id).Order("id").Find(&out).Error
}

// fileOwner checks that the caller may add a file to the visit or
// rectification now, returning its contract's id: a visit's own supervisor;
// a rectification's organisation while it is not closed.
func (s *Store) fileOwner(db *gorm.DB, a *Actor, owner string, id int64, lock bool) (*Contract, error) {
	if owner == fileOfVisit {
		var v Visit
		if err := db.First(&v, id).Error; err != nil {
			return nil, notFound(err, "visit")
		}
		c, err := s.supervisedContract(db, a, v.ContractID, lock)
		if err != nil {
			return nil, err
		}
		if v.SupervisorID != a.UserID {
			return nil, Fail(ErrForbidden, "err.not_your_visit", "only the supervisor who recorded the visit adds its photos")
		}
		return c, nil
	}
	r, c, err := s.loadRectification(db, a, id, lock)
	if err != nil {
		return nil, err
	}
	if err := responder(a, c); err != nil {
		return nil, err
	}
	if _, err := rectificationLifecycle.Next("attach", r.Status); err != nil {
		return nil, err
	}
	return c, nil
}

// AddVisitPhoto adds a photo (or PDF) to the caller's visit.
func (s *Store) AddVisitPhoto(ctx context.Context, a *Actor, visitID int64, read func() (OrgUpload, error)) (*SupervisionFile, error) {
	return s.addSupervisionFile(ctx, a, fileOfVisit, visitID, read)
}

// AddRectificationFile adds a file to the organisation's response.
func (s *Store) AddRectificationFile(ctx context.Context, a *Actor, id int64, read func() (OrgUpload, error)) (*SupervisionFile, error) {
	return s.addSupervisionFile(ctx, a, fileOfRectification, id, read)
}

// addSupervisionFile checks the caller first; only then is the upload read,
// sniffed and stored, outside any transaction; one short transaction then
// checks again and records the file.
func (s *Store) addSupervisionFile(ctx context.Context, a *Actor, owner string, id int64, read func() (OrgUpload, error)) (*SupervisionFile, error) {
	if _, err := s.fileOwner(s.DB.WithContext(ctx), a, owner, id, false); err != nil {
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
	f := &SupervisionFile{OwnerType: owner, OwnerID: id, Filename: orgCleanName(in.Name, orgDocumentTypes[ctype]), ContentType: ctype,
		Size: size, SHA256: sum, UploadedBy: a.UserID}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		c, err := s.fileOwner(tx, a, owner, id, true)
		if err != nil {
			return err
		}
		f.CreatedAt = s.now()
		if err := tx.Create(f).Error; err != nil {
			return err
		}
		if owner == fileOfVisit {
			return s.audit(tx, a, "visit.attach", "visit", id, c.RegionCode, nil, f)
		}
		return s.audit(tx, a, "rectification.attach", "rectification", id, c.RegionCode, nil, f)
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// OpenSupervisionFile opens a visit's or rectification's file for whoever
// may see its contract; the caller closes it.
func (s *Store) OpenSupervisionFile(ctx context.Context, a *Actor, owner string, ownerID, fileID int64) (*SupervisionFile, io.ReadSeekCloser, error) {
	db := s.DB.WithContext(ctx)
	var f SupervisionFile
	if err := db.Where("owner_type = ? AND owner_id = ?", owner, ownerID).First(&f, fileID).Error; err != nil {
		return nil, nil, notFound(err, "file")
	}
	var contractID int64
	if owner == fileOfVisit {
		var v Visit
		if err := db.First(&v, ownerID).Error; err != nil {
			return nil, nil, notFound(err, "file")
		}
		contractID = v.ContractID
	} else {
		var r Rectification
		if err := db.First(&r, ownerID).Error; err != nil {
			return nil, nil, notFound(err, "file")
		}
		contractID = r.ContractID
	}
	if _, err := s.visibleContract(db, a, contractID, false); err != nil {
		return nil, nil, Fail(ErrNotFound, "err.not_found", "file not found")
	}
	file, err := s.openOrgFile(ctx, f.SHA256)
	if err != nil {
		return nil, nil, err
	}
	return &f, file, nil
}

// FileOwners are the owners OpenSupervisionFile accepts.
var FileOwners = []string{fileOfVisit, fileOfRectification}
