package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"portal/migrations"
	"portal/models"
	"portal/models/dataset"
	"portal/policy"
)

// generate fills an empty, migrated database with a generated province
// (models/dataset) and prints its figures for region 45.
func generate(ctx context.Context, args []string, cfg config, getenv func(string) string) error {
	fs := flag.NewFlagSet("portal generate", flag.ContinueOnError)
	scale := fs.String("scale", dataset.ScaleSeed, "seed (the article's year) or guangxi (three years of the whole province)")
	seed := fs.Uint64("seed", 1, "random seed")
	year := fs.Int("year", 2019, "the seed scale's year")
	reports := fs.Int("reports", 0, "guangxi: service reports to aim at (default 1,000,000)")
	tenders := fs.Int("tenders", 0, "guangxi: tenders (default 20,000)")
	orgs := fs.Int("organisations", 0, "guangxi: organisations (default 1,000)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, dialect, err := models.OpenDBPool(cfg.DatabaseURL, cfg.DataDir, cfg.DBMaxConns)
	if err != nil {
		return err
	}
	if err := migrations.Apply(ctx, db, dialect); err != nil {
		return err
	}
	key, err := models.LoadSealKey(getenv("PORTAL_SEAL_KEY"), cfg.DataDir)
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
	store := models.NewStore(db, dialect, authz)
	password := cfg.AdminPassword
	if password == "" {
		password = models.RandomToken(12)
	}
	// The nationwide admin, as the first start creates it (an existing one
	// keeps its password); the generated accounts have this password.
	created, err := store.EnsureAdmin(ctx, password)
	if err != nil {
		return err
	}
	figures, err := dataset.Generate(ctx, db, dialect, sealer, dataset.Options{Scale: *scale, Seed: *seed, Year: *year,
		Password: password, Reports: *reports, Tenders: *tenders, Organisations: *orgs, Progress: os.Stdout})
	if err != nil {
		return err
	}
	fmt.Println("\nfigures for region 45 (docs/stats.md):")
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(struct {
		From   string      `json:"from"`
		To     string      `json:"to"`
		Totals interface{} `json:"totals"`
	}{figures.From, figures.To, figures.Totals}); err != nil {
		return err
	}
	fmt.Println("\naccounts: gx-admin, buyer-<region>, expert-<region>-<n>, supervisor-<region>-<n>, org<organisation id>")
	if created != "" {
		fmt.Printf("created user admin (nationwide); ")
	}
	fmt.Printf("password of the generated accounts: %s\n", password)
	return nil
}
