package handlers_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"testing"

	"portal/models"
	"portal/models/blob/blobtest"
)

// TestUploadsInObjectStore runs an organisation document and a report
// attachment through the portal with its files in a real S3 server
// (PORTAL_TEST_S3_URL; .ci/run starts VersityGW): each is stored under its
// SHA-256, downloads byte-identical (whole and by range), and stays hidden
// from anyone else.
func TestUploadsInObjectStore(t *testing.T) {
	s3 := blobtest.S3(t)
	w := newReportEnv(t)
	e := w.e
	e.store.Files = s3 // before any upload: the handlers share this store
	ctx := context.Background()
	// Big enough to pass through more than one read, PNG by its bytes.
	content := append(append([]byte{}, pngBytes...), make([]byte, 300<<10)...)
	rand.Read(content[len(pngBytes):])
	sum := sha256.Sum256(content)
	hexSum := hex.EncodeToString(sum[:])

	// An organisation document.
	own := e.registerOrg("s3-own", "4501")
	e.verifyOrg(own)
	member := e.signIn("s3-own")
	s, b := member.orgUpload("/api/v1/organisations/"+itoa(own)+"/documents", "charter", "章程.png", content)
	doc := decode[models.OrgDocument](t, must(t, 201, s, b, "upload a document"))
	if doc.SHA256 != hexSum || doc.Size != int64(len(content)) {
		t.Fatalf("document: %s", b)
	}
	if n, err := s3.Stat(ctx, hexSum); err != nil || n != int64(len(content)) {
		t.Fatalf("the object store holds %d bytes (%v)", n, err)
	}
	dl := "/api/v1/organisations/" + itoa(own) + "/documents/" + itoa(doc.ID)
	resp, body := member.orgGet(dl)
	if resp.StatusCode != 200 || !bytes.Equal(body, content) || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("download: %d, %d bytes, %v", resp.StatusCode, len(body), resp.Header)
	}
	req, _ := http.NewRequest("GET", e.srv.URL+dl, nil)
	req.Header.Set("Range", "bytes=1000-1999")
	rr, err := member.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	part, _ := io.ReadAll(rr.Body)
	rr.Body.Close()
	if rr.StatusCode != http.StatusPartialContent || !bytes.Equal(part, content[1000:2000]) {
		t.Fatalf("range download: %d, %d bytes", rr.StatusCode, len(part))
	}
	if resp, _ := w.otherOrg.orgGet(dl); resp.StatusCode != 404 {
		t.Errorf("another organisation downloads the document: %d", resp.StatusCode)
	}
	if resp, _ := e.anon().orgGet(dl); resp.StatusCode != 401 {
		t.Errorf("anonymous downloads the document: %d", resp.StatusCode)
	}

	// A report attachment of the same content reuses the object.
	s, b = w.member.do("POST", w.paths(), aprilBody())
	r := decode[reportDoc](t, must(t, 201, s, b, "create a report"))
	ap := fmt.Sprintf("/api/v1/reports/%d/attachments", r.ID)
	s, b = w.member.orgUpload(ap, "", "签到表.png", content)
	at := decode[models.ReportAttachment](t, must(t, 201, s, b, "attach"))
	if at.SHA256 != hexSum {
		t.Fatalf("attachment: %s", b)
	}
	// And a second content, only in the report.
	photo := append(append([]byte{}, pngBytes...), []byte("another photo")...)
	s, b = w.member.orgUpload(ap, "", "照片.png", photo)
	at2 := decode[models.ReportAttachment](t, must(t, 201, s, b, "attach a second file"))
	for _, c := range []struct {
		id   int64
		want []byte
	}{{at.ID, content}, {at2.ID, photo}} {
		path := fmt.Sprintf("%s/%d", ap, c.id)
		if resp, body := w.member.orgGet(path); resp.StatusCode != 200 || !bytes.Equal(body, c.want) {
			t.Fatalf("attachment download: %d, %d bytes", resp.StatusCode, len(body))
		}
		for name, cl := range map[string]*client{"other organisation": w.otherOrg, "other region's buyer": w.otherBuyer} {
			if resp, _ := cl.orgGet(path); resp.StatusCode != 404 {
				t.Errorf("%s downloads the attachment: %d", name, resp.StatusCode)
			}
		}
		if resp, _ := e.anon().orgGet(path); resp.StatusCode != 401 && resp.StatusCode != 404 {
			t.Errorf("anonymous downloads the attachment: %d", resp.StatusCode)
		}
	}
	// A refused upload (not a known type) leaves no object.
	text := []byte("plain text, not a photo")
	s, b = w.member.orgUpload(ap, "", "x.png", text)
	must(t, 422, s, b, "a text file")
	ts := sha256.Sum256(text)
	if _, err := s3.Stat(ctx, hex.EncodeToString(ts[:])); err == nil {
		t.Fatal("a refused upload reached the object store")
	}
}
