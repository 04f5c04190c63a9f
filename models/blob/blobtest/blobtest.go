// Package blobtest gives tests a real S3-compatible object store: the one
// PORTAL_TEST_S3_URL names (s3://ACCESS:SECRET@host:port/bucket?tls=false;
// .ci/run starts VersityGW for it). Without it the S3 tests are skipped
// locally and fail under CI, which always provides one.
package blobtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"

	"portal/models/blob"
)

// S3 returns the test object store, its bucket created if missing, with
// every key under a prefix of this test's own.
func S3(t testing.TB) *blob.S3 {
	t.Helper()
	s, err := blob.ParseS3URL(URL(t))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// URL is PORTAL_TEST_S3_URL with a prefix of this test's own, its bucket
// created if missing.
func URL(t testing.TB) string {
	t.Helper()
	raw := os.Getenv("PORTAL_TEST_S3_URL")
	if raw == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("PORTAL_TEST_S3_URL is not set (.ci/run starts VersityGW and sets it)")
		}
		t.Skip("PORTAL_TEST_S3_URL is not set: no S3 server to test against")
	}
	s, err := blob.ParseS3URL(raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.EnsureBucket(context.Background()); err != nil {
		t.Fatalf("test bucket: %v", err)
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	var b [8]byte
	rand.Read(b[:])
	u.Path = strings.TrimSuffix(u.Path, "/") + "/test-" + hex.EncodeToString(b[:])
	return u.String()
}
