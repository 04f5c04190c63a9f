package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"
)

// MaxOrgDocumentBytes is the largest document an organisation may upload.
const MaxOrgDocumentBytes = 10 << 20

// Organisation document kinds.
const (
	DocRegistrationCertificate = "registration_certificate" // 登记证书
	DocCharter                 = "charter"                  // 章程
	DocOther                   = "other"
)

// OrgDocumentKinds lists the document kinds.
var OrgDocumentKinds = []string{DocRegistrationCertificate, DocCharter, DocOther}

// orgDocumentTypes are the accepted contents, as sniffed from the bytes
// (never from the name the client sent), with their file extensions.
var orgDocumentTypes = map[string]string{
	"application/pdf": ".pdf",
	"image/png":       ".png",
	"image/jpeg":      ".jpg",
}

// OrgDocument is a file an organisation uploaded. The file itself lives in
// the file store (Store.Files), named by the SHA-256 of its content, so the
// same content is stored once and no path or key comes from the client.
type OrgDocument struct {
	ID             int64     `json:"id" gorm:"primaryKey"`
	OrganisationID int64     `json:"organisation_id"`
	Kind           string    `json:"kind"`
	Filename       string    `json:"filename"`
	ContentType    string    `json:"content_type"`
	Size           int64     `json:"size"`
	SHA256         string    `json:"sha256" gorm:"column:sha256"`
	UploadedBy     int64     `json:"uploaded_by"`
	CreatedAt      time.Time `json:"created_at"`
}

// TableName is the documents table.
func (OrgDocument) TableName() string { return "organisation_documents" }

// OrgUpload is one uploaded file as the handler received it.
type OrgUpload struct {
	Kind string
	Name string // the client's file name; only a cleaned form is kept, for downloads
	Body io.ReadCloser
}

// UploadOrgDocument stores a document of the member's own organisation. The
// caller is checked before read is called, so nobody else's upload is even
// parsed; read returns the upload (or the handler's parse error).
func (s *Store) UploadOrgDocument(ctx context.Context, a *Actor, orgID int64, read func() (OrgUpload, error)) (*OrgDocument, error) {
	if !a.CanAnywhere("org:manage") {
		return nil, a.require("org:manage", RootRegion)
	}
	org, err := s.orgForMember(s.DB.WithContext(ctx), a, orgID)
	if err != nil {
		return nil, err
	}
	in, err := read()
	if err != nil {
		return nil, err
	}
	defer in.Body.Close()
	in.Kind = strings.TrimSpace(in.Kind)
	if !slices.Contains(OrgDocumentKinds, in.Kind) {
		return nil, Invalid(Field("kind", "oneof", strings.Join(OrgDocumentKinds, " ")))
	}
	sum, size, ctype, err := s.storeOrgFile(ctx, in.Body)
	if err != nil {
		return nil, err
	}
	d := &OrgDocument{OrganisationID: org.ID, Kind: in.Kind, Filename: orgCleanName(in.Name, orgDocumentTypes[ctype]),
		ContentType: ctype, Size: size, SHA256: sum, UploadedBy: a.UserID, CreatedAt: s.now()}
	// A file written just before a failed insert stays: it is addressed by
	// its content, so it is harmless and reused by the next upload of it.
	err = s.tx(ctx, func(tx *gorm.DB) error {
		// Membership may have ended while the file was read.
		if _, err := s.orgForMember(tx, a, orgID); err != nil {
			return err
		}
		if err := tx.Create(d).Error; err != nil {
			return err
		}
		return s.audit(tx, a, "organisation.document_upload", "organisation", org.ID, org.RegionCode, nil, d)
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// storeOrgFile reads r (at most MaxOrgDocumentBytes), checks its type by its
// content, hashes it and stores it in the file store. The client's stream
// is read here, before any transaction, into a temporary file (not memory,
// so parallel uploads stay small); the store's Put follows, also before
// the transaction that records the file, and checks the content against
// its hash on the way.
func (s *Store) storeOrgFile(ctx context.Context, r io.Reader) (sum string, size int64, ctype string, err error) {
	if s.Files == nil {
		return "", 0, "", errors.New("no file store configured for uploads")
	}
	head := make([]byte, 512)
	n, err := io.ReadFull(r, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return "", 0, "", orgReadError(err)
	}
	head = head[:n]
	if n == 0 {
		return "", 0, "", Invalid(Field("file", "required", ""))
	}
	ctype, _, _ = strings.Cut(http.DetectContentType(head), ";")
	if _, ok := orgDocumentTypes[ctype]; !ok {
		return "", 0, "", Invalid(Field("file", "org_file_type", ""))
	}
	tmp, err := os.CreateTemp("", "portal-upload-*")
	if err != nil {
		return "", 0, "", err
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}()
	h := sha256.New()
	w := io.MultiWriter(tmp, h)
	if _, err := w.Write(head); err != nil {
		return "", 0, "", err
	}
	rest, err := io.Copy(w, io.LimitReader(r, MaxOrgDocumentBytes+1-int64(n)))
	if err != nil {
		return "", 0, "", orgReadError(err)
	}
	size = int64(n) + rest
	if size > MaxOrgDocumentBytes {
		return "", 0, "", Fail(ErrTooLarge, "err.413", "a document may be at most 10 MiB")
	}
	sum = hex.EncodeToString(h.Sum(nil))
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return "", 0, "", err
	}
	// The same content is stored once: Put skips a hash it already holds.
	if err := s.Files.Put(ctx, sum, size, tmp); err != nil {
		return "", 0, "", fmt.Errorf("store file: %w", err)
	}
	return sum, size, ctype, nil
}

func orgReadError(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return Fail(ErrTooLarge, "err.413", "the upload is too large")
	}
	return err
}

// orgCleanName keeps a readable base name without any path, control or
// quoting characters, with the extension of the sniffed type.
func orgCleanName(name, ext string) string {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.TrimSuffix(name, path.Ext(name))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || strings.ContainsRune(`"/\:*?<>|;`, r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, name)
	name = strings.TrimLeft(strings.TrimSpace(name), ".")
	if r := []rune(name); len(r) > 100 {
		name = string(r[:100])
	}
	if name == "" {
		name = "document"
	}
	return name + ext
}

// orgDocumentsReader loads an organisation whose documents the actor may
// read: its members and staff of its region; anyone else gets 404.
func (s *Store) orgDocumentsReader(db *gorm.DB, a *Actor, orgID int64) (*Organisation, error) {
	if !a.SignedIn() {
		return nil, a.require("org:review", RootRegion)
	}
	o, err := s.orgByID(db, orgID)
	if err != nil {
		return nil, err
	}
	if !orgAccessOf(a, o).full() {
		return nil, orgNotFound()
	}
	return o, nil
}

// OrgDocuments lists an organisation's documents.
func (s *Store) OrgDocuments(ctx context.Context, a *Actor, orgID int64) ([]OrgDocument, error) {
	db := s.DB.WithContext(ctx)
	if _, err := s.orgDocumentsReader(db, a, orgID); err != nil {
		return nil, err
	}
	out := []OrgDocument{}
	return out, db.Where("organisation_id = ?", orgID).Order("id").Find(&out).Error
}

// OpenOrgDocument opens the file of document docID of organisation orgID
// for the organisation's members and staff of its region; the caller
// closes the file.
func (s *Store) OpenOrgDocument(ctx context.Context, a *Actor, orgID, docID int64) (*OrgDocument, io.ReadSeekCloser, error) {
	if !a.SignedIn() {
		return nil, nil, a.require("org:review", RootRegion)
	}
	db := s.DB.WithContext(ctx)
	var d OrgDocument
	if err := db.Where("organisation_id = ?", orgID).First(&d, docID).Error; err != nil {
		return nil, nil, notFound(err, "document")
	}
	if _, err := s.orgDocumentsReader(db, a, d.OrganisationID); err != nil {
		return nil, nil, Fail(ErrNotFound, "err.not_found", "document not found")
	}
	f, err := s.openOrgFile(ctx, d.SHA256)
	if err != nil {
		return nil, nil, err
	}
	return &d, f, nil
}

// openOrgFile opens stored content by its hash (storeOrgFile's name for
// it); the caller closes it. Its row names it, so a missing file is the
// server's fault, not the caller's.
func (s *Store) openOrgFile(ctx context.Context, sum string) (io.ReadSeekCloser, error) {
	if s.Files == nil {
		return nil, errors.New("no file store configured")
	}
	f, _, err := s.Files.Open(ctx, sum)
	if err != nil {
		return nil, fmt.Errorf("open stored file %s: %w", sum, err)
	}
	return f, nil
}
