package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"portal/models/blob"
)

// copyFiles copies the files kept under <data dir>/files into the object
// store of PORTAL_S3_URL, once, when a deployment moves to one. Each goes
// through the store's Put, which checks it against its hash (a damaged
// file is reported, not copied) and skips what the store already holds,
// so the command can run again after an interruption.
func copyFiles(ctx context.Context, cfg config, out io.Writer) error {
	if cfg.S3URL == "" {
		return errors.New("copy-files: set PORTAL_S3_URL to the object store to copy <data dir>/files into")
	}
	to, err := openFiles(ctx, cfg)
	if err != nil {
		return err
	}
	from := blob.NewDir(filepath.Join(cfg.DataDir, "files"))
	paths, err := filepath.Glob(filepath.Join(from.Root(), "??", "*"))
	if err != nil {
		return err
	}
	copied, bad := 0, 0
	for _, p := range paths {
		sum := filepath.Base(p)
		if filepath.Base(filepath.Dir(p)) != sum[:min(2, len(sum))] {
			continue // not a stored file (a temporary upload-*, say)
		}
		if err := copyFile(ctx, from, to, sum); err != nil {
			fmt.Fprintf(out, "%s: %v\n", p, err)
			bad++
			continue
		}
		copied++
	}
	fmt.Fprintf(out, "%d files in the object store, %d refused\n", copied, bad)
	if bad > 0 {
		return fmt.Errorf("copy-files: %d files were not copied", bad)
	}
	return nil
}

func copyFile(ctx context.Context, from *blob.Dir, to blob.Store, sum string) error {
	f, size, err := from.Open(ctx, sum)
	if err != nil {
		return err
	}
	defer f.Close()
	return to.Put(ctx, sum, size, f)
}
