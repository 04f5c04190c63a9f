package models_test

import (
	"context"
	"errors"
	"testing"

	"portal/models"
)

// TestCachedCatalogueItemsFollowTheLifecycle: the published items kept in
// memory are copies, a draft's item is neither shown nor kept as missing,
// and "the latest version" follows a newer year's publication, while the
// frozen year keeps its item.
func TestCachedCatalogueItemsFollowTheLifecycle(t *testing.T) {
	s, admin := bootstrap(t)
	ctx := context.Background()
	buyer := catalogueStaff(t, s, admin, "gxbuyer", models.RoleProcurement, "45")
	if _, err := s.CatalogueItem(ctx, "450102", 2026, "C0603"); err != nil { // read and kept
		t.Fatal(err)
	}
	it, err := s.CatalogueItem(ctx, "450102", 2026, "C0603") // from memory
	if err != nil {
		t.Fatal(err)
	}
	shipped := it.Name
	it.Name, it.Indicators[0].Name = "改过", "改过"
	if again, err := s.CatalogueItem(ctx, "450102", 2026, "c0603"); err != nil || again.Name != shipped || again.Indicators[0].Name == "改过" {
		t.Fatalf("the kept item was changed through a copy: %+v, %v", again, err)
	}
	if latest, err := s.CatalogueItem(ctx, "450102", 0, "C0603"); err != nil || latest.Name != shipped {
		t.Fatalf("the latest version's item: %+v, %v", latest, err)
	}
	if _, err := s.OpenCatalogueVersion(ctx, buyer, models.OpenCatalogueInput{FromYear: 2026, Year: 2027}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CatalogueItem(ctx, "450102", 2027, "C0603"); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("a draft's item: %v, want not found", err)
	}
	name := "困境儿童关爱服务（2027）"
	if _, err := s.UpdateCatalogueItem(ctx, buyer, models.CatalogueQuery{Year: 2027}, "C0603", models.CatalogueItemPatch{Name: &name}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PublishCatalogueVersion(ctx, buyer, models.CatalogueQuery{Year: 2027}); err != nil {
		t.Fatal(err)
	}
	for year, want := range map[int]string{2027: name, 0: name, 2026: shipped} {
		got, err := s.CatalogueItem(ctx, "450102", year, "C0603")
		if err != nil || got.Name != want {
			t.Errorf("year %d: %+v, %v, want %s", year, got, err, want)
		}
	}
}
