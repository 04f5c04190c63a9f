// Package blob keeps the portal's uploaded files (organisation documents,
// credit-check evidence, report attachments, supervision photos and files)
// by the SHA-256 of their content, in a local directory or in any
// S3-compatible object store. Content is written once and never listed:
// whoever reads a file must know its hash, which only the database holds,
// behind the portal's own access checks.
package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
)

// Store keeps content addressed by its SHA-256. Implementations are safe for
// concurrent use.
type Store interface {
	// Put stores size bytes read from r under sum, the lower-case hex
	// SHA-256 of those bytes. Content already stored under sum is not
	// written again (r is not read). Content that does not hash to sum or
	// is not size bytes long is refused with ErrMismatch and never stored.
	Put(ctx context.Context, sum string, size int64, r io.Reader) error
	// Open opens the content stored under sum and gives its size; the
	// caller closes it. ErrNotFound when nothing is stored under sum.
	Open(ctx context.Context, sum string) (io.ReadSeekCloser, int64, error)
	// Stat gives the size of the content stored under sum, or ErrNotFound.
	Stat(ctx context.Context, sum string) (int64, error)
}

var (
	// ErrNotFound: nothing is stored under that hash.
	ErrNotFound = errors.New("blob: not found")
	// ErrMismatch: the content does not hash to its key, or its length is
	// not the size given.
	ErrMismatch = errors.New("blob: content does not match its SHA-256 or size")
	// ErrKey: the key is not a lower-case hex SHA-256.
	ErrKey = errors.New("blob: key is not a lower-case hex SHA-256")
)

// validKey reports whether sum is 64 lower-case hex digits, so no key can
// name a path or another object.
func validKey(sum string) error {
	if len(sum) != sha256.Size*2 {
		return fmt.Errorf("%w: %q", ErrKey, sum)
	}
	for i := 0; i < len(sum); i++ {
		if c := sum[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return fmt.Errorf("%w: %q", ErrKey, sum)
		}
	}
	return nil
}

// verifier passes size bytes of r through, hashing them, and refuses to
// hand over the last of them unless they hash to sum: a writer that stores
// what it reads (a file, an upload's body) never receives the whole of a
// wrong content, so it never completes. A short or long r is refused too.
type verifier struct {
	r        io.Reader
	h        hash.Hash
	sum      string
	left     int64
	mismatch bool
}

func newVerifier(r io.Reader, sum string, size int64) *verifier {
	return &verifier{r: r, h: sha256.New(), sum: sum, left: size}
}

func (v *verifier) Read(p []byte) (int, error) {
	if v.mismatch {
		return 0, ErrMismatch
	}
	if v.left == 0 {
		// Everything was handed over and checked; the source must end here.
		var one [1]byte
		if n, _ := io.ReadFull(v.r, one[:]); n > 0 {
			v.mismatch = true
			return 0, ErrMismatch
		}
		return 0, io.EOF
	}
	if int64(len(p)) > v.left {
		p = p[:v.left]
	}
	n, err := v.r.Read(p)
	v.h.Write(p[:n])
	v.left -= int64(n)
	if v.left == 0 {
		if hex.EncodeToString(v.h.Sum(nil)) != v.sum {
			v.mismatch = true
			return 0, ErrMismatch
		}
		return n, nil
	}
	if errors.Is(err, io.EOF) {
		v.mismatch = true // shorter than its size
		return 0, ErrMismatch
	}
	return n, err
}

// done reports whether the whole content was read and matched.
func (v *verifier) done() bool { return v.left == 0 && !v.mismatch }
