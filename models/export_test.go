package models_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"testing"
	"time"

	"portal/models"
	"portal/models/sheet"

	"gorm.io/gorm"
)

// insertAudit inserts n audit events of objectType in region, in batches
// of 1,000 in one transaction, ids ascending with at.
func insertAudit(t testing.TB, s *models.Store, n int, objectType, region string) {
	t.Helper()
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	err := s.DB.Transaction(func(tx *gorm.DB) error {
		batch := make([]models.AuditEvent, 0, 1000)
		for i := range n {
			batch = append(batch, models.AuditEvent{At: at.Add(time.Duration(i) * time.Second), ActorName: "批量", Action: "tender.create",
				ObjectType: objectType, ObjectID: fmt.Sprint(i), RegionCode: region, RemoteAddr: "127.0.0.1"})
			if len(batch) == cap(batch) || i == n-1 {
				if err := tx.Create(&batch).Error; err != nil {
					return err
				}
				batch = batch[:0]
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestExportRows: an export reads every row the list's filter selects, in
// the list's order, within the caller's scope (another region's events
// never appear), with the region names read once; 100,000 rows go
// through one cursor.
func TestExportRows(t *testing.T) {
	s, admin := bootstrap(t)
	ctx := context.Background()
	u, err := s.CreateUser(ctx, admin, models.NewUser{Username: "auditor", Password: "long-enough-pw", DisplayName: "审计"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.GrantRole(ctx, admin, u.ID, models.Grant{Role: models.RoleProcurement, Region: "4501"}); err != nil {
		t.Fatal(err)
	}
	a := actorFor(t, s, "auditor")
	const n = 100_000
	insertAudit(t, s, n, "bulk", "450102")
	insertAudit(t, s, 30, "bulk", "450203") // another city's
	insertAudit(t, s, 20, "other", "450102")

	f := models.AuditFilter{ObjectType: "bulk"}
	page, err := s.AuditEvents(ctx, a, f, models.Page{Page: 1, PerPage: 200})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != n {
		t.Fatalf("the list's total: %d", page.Total)
	}
	got, last := 0, int64(0)
	err = s.ExportAuditEvents(ctx, a, f, func(r models.ExportRow[models.AuditEvent]) error {
		ev := r.Row
		if got < len(page.Items) && page.Items[got].ID != ev.ID {
			return fmt.Errorf("row %d: id %d, the list's %d", got, ev.ID, page.Items[got].ID)
		}
		if ev.RegionCode != "450102" || ev.ObjectType != "bulk" {
			return fmt.Errorf("row %d outside the filter or scope: %+v", got, ev)
		}
		if last != 0 && ev.ID >= last {
			return fmt.Errorf("row %d out of order", got)
		}
		if r.Regions["450102"] == "" {
			return fmt.Errorf("no region name: %v", r.Regions)
		}
		got, last = got+1, ev.ID
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got != n {
		t.Fatalf("exported %d rows, want %d", got, n)
	}
	// The caller's error stops the export and comes back as it is.
	stop := fmt.Errorf("stop")
	if err := s.ExportAuditEvents(ctx, a, f, func(models.ExportRow[models.AuditEvent]) error { return stop }); err != stop {
		t.Fatalf("the caller's error: %v", err)
	}
	// Beyond the most one export holds: a 422 naming the filter's fields,
	// before any row is read.
	restore := models.SetMaxExportRowsForTest(n - 1)
	err = s.ExportAuditEvents(ctx, a, f, func(models.ExportRow[models.AuditEvent]) error { return fmt.Errorf("a row") })
	restore()
	if e, ok := models.AsError(err); !ok || !errors.Is(err, models.ErrInvalid) || e.Key != "err.export_too_large" || len(e.Fields) != 2 || e.Fields[0].Field != "object_type" {
		t.Fatalf("an export too large: %v", err)
	}
	// Without audit:read, the export is refused as the list is.
	if _, err := s.CreateUser(ctx, admin, models.NewUser{Username: "nobody", Password: "long-enough-pw", DisplayName: "无"}); err != nil {
		t.Fatal(err)
	}
	nobody := actorFor(t, s, "nobody")
	_, lerr := s.AuditEvents(ctx, nobody, f, models.Page{})
	err = s.ExportAuditEvents(ctx, nobody, f, func(models.ExportRow[models.AuditEvent]) error { return fmt.Errorf("a row") })
	if lerr == nil || err == nil || err.Error() != lerr.Error() {
		t.Fatalf("the export's refusal %v, the list's %v", err, lerr)
	}
}

// BenchmarkExport streams an audit export of 1,000 and of 100,000 rows from
// the database into a workbook and reports the peak heap in use while it
// does, and the bytes allocated per row. Memory is bounded: the bytes
// allocated per row stay the same (they are collected as the rows go), and
// the peak heap stops growing once excelize's 16 MiB chunk is full (the
// ratio 100k/1k is that chunk's, not the rows'; 300,000 rows peak as
// 100,000 do, see models/sheet's BenchmarkExportSheet). Run:
//
//	go test -run X -bench Export -benchmem ./models/
func BenchmarkExport(b *testing.B) {
	peaks := map[int]float64{}
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			s, admin := bootstrap(b)
			insertAudit(b, s, n, "bulk", "450102")
			ctx := context.Background()
			cols := []sheet.Column{{Header: "时间", Kind: sheet.Date}, {Header: "操作人"}, {Header: "对象"}, {Header: "地区"}}
			var peak uint64
			var ms runtime.MemStats
			b.ReportAllocs()
			runtime.ReadMemStats(&ms)
			before := ms.TotalAlloc
			b.ResetTimer()
			for range b.N {
				runtime.GC()
				rows := 0
				row := make([]any, 4)
				err := sheet.WriteBook(io.Discard, sheet.Sheet{Columns: cols, Each: func(yield func([]any) error) error {
					return s.ExportAuditEvents(ctx, admin, models.AuditFilter{ObjectType: "bulk"}, func(r models.ExportRow[models.AuditEvent]) error {
						row[0], row[1], row[2], row[3] = r.Row.At.Format("2006-01-02"), r.Row.ActorName, r.Row.ObjectID, r.Regions[r.Row.RegionCode]
						if rows++; rows%5000 == 0 {
							runtime.ReadMemStats(&ms)
							peak = max(peak, ms.HeapInuse)
						}
						return yield(row)
					})
				}})
				if err != nil || rows != n {
					b.Fatal(rows, err)
				}
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse)
			}
			b.StopTimer()
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(ms.TotalAlloc-before)/float64(b.N*n), "allocated-B/row")
			peaks[n] = float64(peak)
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
			if n == 100_000 && peaks[1_000] > 0 {
				b.ReportMetric(peaks[100_000]/peaks[1_000], "peak-heap-ratio-100k/1k")
			}
		})
	}
}
