package main

import (
	"context"
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
