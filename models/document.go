package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
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

// OrgDocument is a file an organisation uploaded. The file itself lives
// under the data directory, named by the SHA-256 of its content, so the
// same content is stored once and no path comes from the client.
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
	sum, size, ctype, err := s.storeOrgFile(in.Body)
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

func (s *Store) orgFilesDir() (string, error) {
	if s.DataDir == "" {
		return "", errors.New("no data directory configured for uploads")
	}
	return filepath.Join(s.DataDir, "files"), nil
}

// storeOrgFile sniffs, hashes and stores r, at most MaxOrgDocumentBytes.
func (s *Store) storeOrgFile(r io.Reader) (sum string, size int64, ctype string, err error) {
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
	dir, err := s.orgFilesDir()
	if err != nil {
		return "", 0, "", err
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", 0, "", err
	}
	tmp, err := os.CreateTemp(dir, "upload-*")
	if err != nil {
		return "", 0, "", err
	}
	defer os.Remove(tmp.Name()) // gone already once renamed
	h := sha256.New()
	w := io.MultiWriter(tmp, h)
	if _, err := w.Write(head); err != nil {
		tmp.Close()
		return "", 0, "", err
	}
	rest, err := io.Copy(w, io.LimitReader(r, MaxOrgDocumentBytes+1-int64(n)))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", 0, "", orgReadError(err)
	}
	size = int64(n) + rest
	if size > MaxOrgDocumentBytes {
		return "", 0, "", Fail(ErrTooLarge, "err.413", "a document may be at most 10 MiB")
	}
	sum = hex.EncodeToString(h.Sum(nil))
	final := orgFilePath(dir, sum)
	if _, err := os.Stat(final); err == nil {
		return sum, size, ctype, nil // the same content is stored once
	}
	if err := os.MkdirAll(filepath.Dir(final), 0o750); err != nil {
		return "", 0, "", err
	}
	return sum, size, ctype, os.Rename(tmp.Name(), final)
}

func orgReadError(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return Fail(ErrTooLarge, "err.413", "the upload is too large")
	}
	return err
}

// orgFilePath is where content of the given hash lives.
func orgFilePath(dir, sum string) string { return filepath.Join(dir, sum[:2], sum) }

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
func (s *Store) OpenOrgDocument(ctx context.Context, a *Actor, orgID, docID int64) (*OrgDocument, *os.File, error) {
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
	f, err := s.openOrgFile(d.SHA256)
	if err != nil {
		return nil, nil, err
	}
	return &d, f, nil
}

// openOrgFile opens stored content by its hash (storeOrgFile's name for
// it); the caller closes the file.
func (s *Store) openOrgFile(sum string) (*os.File, error) {
	dir, err := s.orgFilesDir()
	if err != nil {
		return nil, err
	}
	if len(sum) != sha256.Size*2 {
		return nil, errors.New("stored file has a malformed hash")
	}
	return os.Open(orgFilePath(dir, sum))
}
