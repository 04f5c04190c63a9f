package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"portal/migrations"
	"portal/models"
	"portal/models/dataset"
	"portal/policy"
)

// generate is `portal generate --scale guangxi` with the dataset's sizes
// as flags (dataset.Options: tenders, organisations, reports), so the
// benchmark can make a database of 2,000 and one of 200,000 tenders. It
// reads PORTAL_DATABASE_URL, PORTAL_DATA_DIR and PORTAL_ADMIN_PASSWORD
// as the portal does.
func generate(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench generate", flag.ContinueOnError)
	tenders := fs.Int("tenders", 0, "tenders (0: the guangxi default, 20,000)")
	orgs := fs.Int("organisations", 0, "organisations (0: the guangxi default, 1,000)")
	reports := fs.Int("reports", 20000, "service reports to aim at")
	seed := fs.Uint64("seed", 1, "random seed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	password := os.Getenv("PORTAL_ADMIN_PASSWORD")
	if password == "" {
		return fmt.Errorf("PORTAL_ADMIN_PASSWORD is required: the generated accounts get it")
	}
	dir := os.Getenv("PORTAL_DATA_DIR")
	if dir == "" {
		dir = "./data"
	}
	db, dialect, err := models.OpenDB(os.Getenv("PORTAL_DATABASE_URL"), dir)
	if err != nil {
		return err
	}
	if err := migrations.Apply(ctx, db, dialect); err != nil {
		return err
	}
	key, err := models.LoadSealKey(os.Getenv("PORTAL_SEAL_KEY"), dir)
	if err != nil {
		return err
	}
	sealer, err := models.NewSealer(key)
	if err != nil {
		return err
	}
	authz, err := policy.New(db)
	if err != nil {
		return err
	}
	if _, err := models.NewStore(db, dialect, authz).EnsureAdmin(ctx, password); err != nil {
		return err
	}
	f, err := dataset.Generate(ctx, db, dialect, sealer, dataset.Options{Scale: dataset.ScaleGuangxi, Seed: *seed,
		Password: password, Tenders: *tenders, Organisations: *orgs, Reports: *reports})
	if err != nil {
		return err
	}
	fmt.Printf("generated: %d tenders published in %s…%s (region 45)\n", f.Totals.ProjectsPublished, f.From, f.To)
	return nil
}
