package blob_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"portal/models/blob"
	"portal/models/blob/blobtest"
)

func sumOf(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// readAll opens sum and reads it whole, checking the size Open gave.
func readAll(t *testing.T, s blob.Store, sum string) []byte {
	t.Helper()
	r, size, err := s.Open(context.Background(), sum)
	if err != nil {
		t.Fatalf("open %s: %v", sum[:8], err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(b)) != size {
		t.Fatalf("open gave size %d, read %d bytes", size, len(b))
	}
	return b
}

// countingReader counts what was read from it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// contract is what every backend promises.
func contract(t *testing.T, s blob.Store) {
	ctx := context.Background()
	content := bytes.Repeat([]byte("社会服务 evidence "), 5000) // ~100 KB, more than one read
	sum := sumOf(content)

	t.Run("missing is not found", func(t *testing.T) {
		if _, err := s.Stat(ctx, sum); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("stat of nothing: %v", err)
		}
		if _, _, err := s.Open(ctx, sum); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("open of nothing: %v", err)
		}
	})
	t.Run("put and open", func(t *testing.T) {
		if err := s.Put(ctx, sum, int64(len(content)), bytes.NewReader(content)); err != nil {
			t.Fatal(err)
		}
		if n, err := s.Stat(ctx, sum); err != nil || n != int64(len(content)) {
			t.Fatalf("stat = %d, %v", n, err)
		}
		if got := readAll(t, s, sum); !bytes.Equal(got, content) {
			t.Fatal("read back different bytes")
		}
	})
	t.Run("seek", func(t *testing.T) {
		r, size, err := s.Open(ctx, sum)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		if end, err := r.Seek(0, io.SeekEnd); err != nil || end != size {
			t.Fatalf("seek end = %d, %v", end, err)
		}
		if _, err := r.Seek(1000, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		part := make([]byte, 500)
		if _, err := io.ReadFull(r, part); err != nil || !bytes.Equal(part, content[1000:1500]) {
			t.Fatalf("a range read differs: %v", err)
		}
	})
	t.Run("idempotent", func(t *testing.T) {
		// The same key again is not rewritten: its reader is not even read.
		c := &countingReader{r: bytes.NewReader(content)}
		if err := s.Put(ctx, sum, int64(len(content)), c); err != nil {
			t.Fatal(err)
		}
		if c.n != 0 {
			t.Fatalf("an existing object was read again (%d bytes)", c.n)
		}
		if got := readAll(t, s, sum); !bytes.Equal(got, content) {
			t.Fatal("content changed")
		}
	})
	t.Run("hash mismatch refused", func(t *testing.T) {
		other := append([]byte{}, content...)
		other[len(other)-1] ^= 1 // only the last byte differs
		wrong := sumOf(content[:len(content)-1])
		for name, c := range map[string]struct {
			sum  string
			size int64
			body []byte
		}{
			"other content":   {wrong, int64(len(other)), other},
			"shorter":         {sumOf(other), int64(len(other)) + 10, other},
			"longer":          {sumOf(other[:100]), 100, other},
			"last byte wrong": {sumOf(other[:len(other)-1] /* any other sum */), int64(len(other)), other},
		} {
			err := s.Put(ctx, c.sum, c.size, bytes.NewReader(c.body))
			if !errors.Is(err, blob.ErrMismatch) {
				t.Errorf("%s: put = %v, want a mismatch", name, err)
			}
			if _, err := s.Stat(ctx, c.sum); !errors.Is(err, blob.ErrNotFound) {
				t.Errorf("%s: a refused put left an object (%v)", name, err)
			}
		}
	})
	t.Run("keys are hashes", func(t *testing.T) {
		for _, k := range []string{"", "../../etc/passwd", strings.ToUpper(sum), sum[:63] + "/", sum + "0"} {
			if err := s.Put(ctx, k, 1, strings.NewReader("x")); !errors.Is(err, blob.ErrKey) {
				t.Errorf("put %q: %v", k, err)
			}
			if _, _, err := s.Open(ctx, k); !errors.Is(err, blob.ErrKey) {
				t.Errorf("open %q: %v", k, err)
			}
		}
	})
	t.Run("empty", func(t *testing.T) {
		e := sumOf(nil)
		if err := s.Put(ctx, e, 0, bytes.NewReader(nil)); err != nil {
			t.Fatal(err)
		}
		if got := readAll(t, s, e); len(got) != 0 {
			t.Fatal("empty content read back non-empty")
		}
	})
}

func TestBlobDir(t *testing.T) {
	d := blob.NewDir(filepath.Join(t.TempDir(), "files"))
	contract(t, d)
}

// TestBlobDirLayout keeps the layout of the portal's data directories
// (files/<two hex digits>/<sha256>), so existing files stay readable.
func TestBlobDirLayout(t *testing.T) {
	root := filepath.Join(t.TempDir(), "files")
	content := []byte("%PDF-1.7 old upload")
	sum := sumOf(content)
	if err := blob.NewDir(root).Put(context.Background(), sum, int64(len(content)), bytes.NewReader(content)); err != nil {
		t.Fatal(err)
	}
	if matches, _ := filepath.Glob(filepath.Join(root, sum[:2], sum)); len(matches) != 1 {
		t.Fatalf("not stored at files/%s/%s", sum[:2], sum)
	}
	if matches, _ := filepath.Glob(filepath.Join(root, "upload-*")); len(matches) != 0 {
		t.Fatalf("temporary files left: %v", matches)
	}
}

func TestBlobS3(t *testing.T) {
	contract(t, blobtest.S3(t))
}

func TestBlobS3URL(t *testing.T) {
	for _, bad := range []string{
		"http://a:b@host/bucket", "s3://host/bucket", "s3://a:b@host", "s3://a:b@host/",
		"s3://a:b@host/bucket?tls=maybe", "s3://a:b@host/bucket?lookup=x", "s3://a:b@host/bucket?acl=public-read",
	} {
		if _, err := blob.ParseS3URL(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	// A refused URL is not repeated in the error: it holds the secret.
	if _, err := blob.ParseS3URL("s3://AK:top-secret@host:port/bucket"); err == nil || strings.Contains(err.Error(), "top-secret") {
		t.Errorf("a bad port: %v", err)
	}
	s, err := blob.ParseS3URL("s3://AK:se%2Fcret@127.0.0.1:7070/portal/prod?region=cn-south-1&tls=false&lookup=path")
	if err != nil || s.Bucket() != "portal" {
		t.Fatalf("good url: %v", err)
	}
}

// TestBlobS3RefusesAPublicBucket: a bucket whose policy lets anyone read
// (or list) it stops the portal at start.
func TestBlobS3RefusesAPublicBucket(t *testing.T) {
	s := blobtest.S3(t)
	ctx := context.Background()
	if err := s.Check(ctx); err != nil {
		t.Fatalf("the private test bucket: %v", err)
	}
	u, err := url.Parse(blobtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	var b [4]byte
	rand.Read(b[:])
	bucket := "portal-public-" + hex.EncodeToString(b[:])
	u.Path = "/" + bucket
	pub, err := blob.ParseS3URL(u.String())
	if err != nil {
		t.Fatal(err)
	}
	if err := pub.EnsureBucket(ctx); err != nil {
		t.Fatal(err)
	}
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["*"]},` +
		`"Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::` + bucket + `","arn:aws:s3:::` + bucket + `/*"]}]}`
	if err := pub.SetPolicy(ctx, policy); err != nil {
		t.Fatalf("set a public policy: %v", err)
	}
	if err := pub.Check(ctx); err == nil || !strings.Contains(err.Error(), "anonymous") {
		t.Fatalf("a public bucket passes the check: %v", err)
	}
	if err := pub.SetPolicy(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if err := pub.Check(ctx); err != nil {
		t.Fatalf("the bucket once private again: %v", err)
	}
}
