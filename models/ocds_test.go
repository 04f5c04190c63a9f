package models_test

import (
	"encoding/json"
	"strings"
	"testing"

	"portal/models"

	"gorm.io/gorm"
)

// TestOCDSBackfillAndAppendOnly: migration 21's backfill gives each
// tender published before it one release of how it stands (a draft none),
// and the database refuses to change or remove a release.
func TestOCDSBackfillAndAppendOnly(t *testing.T) {
	w := newWorld(t)
	pub := w.published()
	if _, err := w.s.CreateTender(w.ctx, w.buyer, w.tenderInput()); err != nil {
		t.Fatal(err)
	}
	var before int64
	w.s.DB.Model(&models.OCDSRelease{}).Count(&before)
	if before != 1 {
		t.Fatalf("%d releases after one publication", before)
	}
	if err := w.s.DB.Transaction(func(tx *gorm.DB) error { return models.BackfillReleases(tx, w.s.Dialect, w.now) }); err != nil {
		t.Fatal(err)
	}
	var migrated []models.OCDSRelease
	if err := w.s.DB.Where("release_key = ?", "migrated").Find(&migrated).Error; err != nil {
		t.Fatal(err)
	}
	if len(migrated) != 1 || migrated[0].TenderID != pub.ID || migrated[0].Tags != `["tender"]` {
		t.Fatalf("backfilled: %+v", migrated)
	}
	whole := migrated[0].JSON("ab12cd")
	var rel struct {
		OCID, ID string
		Tender   struct{ ID, Status string }
	}
	if err := json.Unmarshal(whole, &rel); err != nil {
		t.Fatalf("%v: %s", err, whole)
	}
	if rel.OCID != "ocds-ab12cd-"+pub.Code || rel.ID != rel.OCID+"-migrated" || rel.Tender.ID != pub.Code || rel.Tender.Status != "active" ||
		!strings.HasPrefix(string(whole), `{"ocid":"ocds-ab12cd-`+pub.Code+`","id":`) {
		t.Fatalf("release: %+v %s", rel, whole)
	}
	if err := w.s.DB.Exec("UPDATE ocds_releases SET body = '{}'").Error; err == nil {
		t.Fatal("a release was changed")
	}
	if err := w.s.DB.Exec("DELETE FROM ocds_releases").Error; err == nil {
		t.Fatal("a release was deleted")
	}
	var after int64
	w.s.DB.Model(&models.OCDSRelease{}).Count(&after)
	if after != 2 {
		t.Fatalf("%d releases", after)
	}
}
