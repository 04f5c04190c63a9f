package blob

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Dir keeps content in a local directory, as <root>/<first two hex
// digits>/<sha256> (the layout the portal has always used under
// <data dir>/files, so existing files keep working). Files are written to a
// temporary name, checked, synced and renamed, so a partial or wrong
// content never appears under a hash.
type Dir struct {
	root string
}

// NewDir keeps content under root, created on the first Put.
func NewDir(root string) *Dir { return &Dir{root: root} }

// Root is the directory the content lives in.
func (d *Dir) Root() string { return d.root }

func (d *Dir) path(sum string) string { return filepath.Join(d.root, sum[:2], sum) }

// Put implements Store.
func (d *Dir) Put(ctx context.Context, sum string, size int64, r io.Reader) error {
	if err := validKey(sum); err != nil {
		return err
	}
	if _, err := d.Stat(ctx, sum); err == nil {
		return nil // the same content is stored once
	} else if !errors.Is(err, ErrNotFound) {
		return err
	}
	if err := os.MkdirAll(d.root, 0o750); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(d.root, "upload-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // gone already once renamed
	v := newVerifier(r, sum, size)
	_, err = io.Copy(tmp, v)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil && !v.done() {
		err = ErrMismatch
	}
	if err != nil {
		return err
	}
	final := d.path(sum)
	if err := os.MkdirAll(filepath.Dir(final), 0o750); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), final)
}

// Open implements Store.
func (d *Dir) Open(_ context.Context, sum string) (io.ReadSeekCloser, int64, error) {
	if err := validKey(sum); err != nil {
		return nil, 0, err
	}
	f, err := os.Open(d.path(sum))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, ErrNotFound
	}
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, st.Size(), nil
}

// Stat implements Store.
func (d *Dir) Stat(_ context.Context, sum string) (int64, error) {
	if err := validKey(sum); err != nil {
		return 0, err
	}
	st, err := os.Stat(d.path(sum))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, ErrNotFound
	}
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}
