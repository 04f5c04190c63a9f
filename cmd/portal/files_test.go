package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"portal/models/blob"
	"portal/models/blob/blobtest"
)

// TestFilesSetting: without PORTAL_S3_URL files stay under the data
// directory; with it the bucket is checked at start, so a wrong bucket or
// key stops the portal instead of failing at the first upload.
func TestFilesSetting(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	f, err := openFiles(ctx, config{DataDir: dir})
	if d, ok := f.(*blob.Dir); err != nil || !ok || d.Root() != filepath.Join(dir, "files") {
		t.Fatalf("default file store: %T %v", f, err)
	}
	blobtest.S3(t) // skips, or fails under CI, without a test server; creates its bucket
	raw := os.Getenv("PORTAL_TEST_S3_URL")
	if f, err := openFiles(ctx, config{DataDir: dir, S3URL: raw}); err != nil {
		t.Fatalf("object store: %v", err)
	} else if _, ok := f.(*blob.S3); !ok {
		t.Fatalf("object store: %T", f)
	}
	u, _ := url.Parse(raw)
	u.Path = "/no-such-bucket-for-the-portal"
	if _, err := openFiles(ctx, config{S3URL: u.String()}); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("a missing bucket: %v", err)
	}
	u, _ = url.Parse(raw)
	u.User = url.UserPassword(u.User.Username(), "not-the-secret")
	if _, err := openFiles(ctx, config{S3URL: u.String()}); err == nil {
		t.Error("a wrong secret starts")
	}
}

// TestCopyFilesToObjectStore moves a data directory's files into the
// object store: each checked against its name, a damaged one refused (and
// reported), and a second run copies nothing twice.
func TestCopyFilesToObjectStore(t *testing.T) {
	ctx := context.Background()
	raw := blobtest.URL(t)
	dataDir := t.TempDir()
	local := blob.NewDir(filepath.Join(dataDir, "files"))
	var sums []string
	for _, c := range []string{"%PDF-1.7 charter", "\x89PNG\r\n\x1a\n photo"} {
		h := sha256.Sum256([]byte(c))
		sum := hex.EncodeToString(h[:])
		if err := local.Put(ctx, sum, int64(len(c)), strings.NewReader(c)); err != nil {
			t.Fatal(err)
		}
		sums = append(sums, sum)
	}
	cfg := config{DataDir: dataDir, S3URL: raw}
	var out bytes.Buffer
	if err := copyFiles(ctx, cfg, &out); err != nil || !strings.Contains(out.String(), "2 files in the object store, 0 refused") {
		t.Fatalf("copy: %v\n%s", err, out.String())
	}
	s3, err := blob.ParseS3URL(raw)
	if err != nil {
		t.Fatal(err)
	}
	for _, sum := range sums {
		if _, err := s3.Stat(ctx, sum); err != nil {
			t.Fatalf("%s not copied: %v", sum[:8], err)
		}
	}
	// A file whose content no longer matches its name is refused.
	h := sha256.Sum256([]byte("the original"))
	damaged := hex.EncodeToString(h[:])
	if err := os.MkdirAll(filepath.Join(local.Root(), damaged[:2]), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(local.Root(), damaged[:2], damaged), []byte("bit rot"), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := copyFiles(ctx, cfg, &out); err == nil || !strings.Contains(out.String(), "2 files in the object store, 1 refused") {
		t.Fatalf("a damaged file: %v\n%s", err, out.String())
	}
	if _, err := s3.Stat(ctx, damaged); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("a damaged file reached the object store: %v", err)
	}
	if err := copyFiles(ctx, config{DataDir: dataDir}, &out); err == nil {
		t.Fatal("copy-files without PORTAL_S3_URL")
	}
}
