package models_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

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

// TestOCDSDeadlineReleases: a tender the clock opens, and one it ends
// unsuccessful for too few bids, each get one tenderUpdate release from
// the deadline job's ReleaseDeadlines, once; none before the deadline.
func TestOCDSDeadlineReleases(t *testing.T) {
	w := newWorld(t)
	bidOn, empty := w.published(), w.published()
	for i := range w.agents {
		w.bid(i, bidOn.ID, 250_000+int64(i), "方案")
	}
	if n, err := w.s.ReleaseDeadlines(w.ctx); err != nil || n != 0 {
		t.Fatalf("before the deadline: %d %v", n, err)
	}
	w.now = bidOn.BidDeadline.Add(time.Minute)
	if n, err := w.s.ReleaseDeadlines(w.ctx); err != nil || n != 2 {
		t.Fatalf("after the deadline: %d %v", n, err)
	}
	if n, err := w.s.ReleaseDeadlines(w.ctx); err != nil || n != 0 {
		t.Fatalf("again: %d %v", n, err)
	}
	for _, c := range []struct {
		id        int64
		status    string
		tenderers int
	}{{bidOn.ID, "active", 3}, {empty.ID, "unsuccessful", 0}} {
		var r models.OCDSRelease
		if err := w.s.DB.Where("tender_id = ? AND release_key = ?", c.id, models.DeadlineReleaseKey).First(&r).Error; err != nil {
			t.Fatal(err)
		}
		var rel struct {
			Tag    []string
			Tender struct {
				Status            string
				NumberOfTenderers *int
			}
		}
		if err := json.Unmarshal(r.JSON("p"), &rel); err != nil {
			t.Fatal(err)
		}
		if len(rel.Tag) != 1 || rel.Tag[0] != "tenderUpdate" || rel.Tender.Status != c.status || rel.Tender.NumberOfTenderers == nil ||
			*rel.Tender.NumberOfTenderers != c.tenderers {
			t.Fatalf("tender %d: %+v", c.id, rel)
		}
	}
}
