package models_test

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"portal/models"

	"github.com/xuri/excelize/v2"
)

func upload(b []byte) func() (models.OrgUpload, error) {
	return func() (models.OrgUpload, error) {
		return models.OrgUpload{Name: "reports.xlsx", Body: io.NopCloser(bytes.NewReader(b))}, nil
	}
}

// filled is the contract's template with rows written under its header.
func (w *reportWorld) filled(rows ...[]any) []byte {
	w.t.Helper()
	tpl, _, err := w.s.ReportTemplate(w.ctx, w.member, w.contract.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(tpl))
	if err != nil {
		w.t.Fatal(err)
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := f.SetSheetRow("服务报告", cell, &r); err != nil {
			w.t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		w.t.Fatal(err)
	}
	return buf.Bytes()
}

func reportCount(w *reportWorld) int64 {
	var n int64
	w.s.DB.Model(&models.ServiceReport{}).Count(&n)
	return n
}

// row is a plausible sheet row: period, the eight figures, the two
// indicators (service_hours, children_served), the narrative.
func row(start, end string) []any {
	return []any{start, end, "160.5", "30", "90.25", "120", "45", "6", "3", "1", "160.5", "45", "四月工作"}
}

func TestReportXLSXRoundTrip(t *testing.T) {
	w := newReportWorld(t)
	tpl, name, err := w.s.ReportTemplate(w.ctx, w.member, w.contract.ID)
	if err != nil || !strings.HasSuffix(name, ".xlsx") {
		t.Fatal(name, err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(tpl))
	if err != nil {
		t.Fatal(err)
	}
	header, _ := f.GetRows("服务报告")
	if len(header) != 1 || len(header[0]) != 13 || header[0][0] != "报告期开始（YYYY-MM-DD）" || !strings.Contains(header[0][10], "service_hours") ||
		header[0][12] != "工作情况说明" {
		t.Fatalf("header: %q", header)
	}
	if dvs, err := f.GetDataValidations("服务报告"); err != nil || len(dvs) != 13 {
		t.Fatalf("data validations: %d %v", len(dvs), err)
	}
	if _, _, err := w.s.ReportTemplate(w.ctx, w.agents[1], w.contract.ID); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("another organisation's template: %v", err)
	}

	// An existing draft of May is updated; April is new.
	may := april()
	may.PeriodStart, may.PeriodEnd = "2026-05-01", "2026-05-31"
	draft := w.create(may)

	// Errors by cell, duplicates flagged, nothing saved.
	bad := row("2026-04-01", "2026-04-30")
	bad[2], bad[4+1] = "1.234", "many"
	p, err := w.s.PreviewReportImport(w.ctx, w.member, w.contract.ID, upload(w.filled(bad, row("2026-04-01", "2026-04-30"), row("2026-06-01", "2026-06-30"))))
	if err != nil {
		t.Fatal(err)
	}
	var cells []string
	for _, c := range p.Rows[0].Cells {
		cells = append(cells, c.Cell+" "+c.Field)
	}
	if p.OK || len(p.Rows) != 3 || !slices.Equal(cells, []string{"C2 service_hours", "F2 children_served_person_times", "A2 period_start"}) ||
		!p.Rows[0].Duplicate || !p.Rows[1].Duplicate || p.Rows[2].Duplicate || len(p.Rows[2].Cells) != 0 {
		t.Fatalf("preview: %+v", p)
	}
	if reportCount(w) != 1 {
		t.Fatal("the preview saved something")
	}

	p, err = w.s.PreviewReportImport(w.ctx, w.member, w.contract.ID, upload(w.filled(row("2026-04-01", "2026-04-30"), row("2026-05-01", "2026-05-31"))))
	if err != nil || !p.OK || p.Rows[0].Action != "create" || p.Rows[1].Action != "update" || p.Rows[1].ReportID != draft.ID || p.Rows[1].BaseVersion != 1 {
		t.Fatalf("clean preview: %+v %v", p, err)
	}
	// A stale base: nothing is half-saved.
	stale := slices.Clone(p.Rows)
	stale[1].BaseVersion = 7
	if _, err := w.s.ImportReports(w.ctx, w.member, w.contract.ID, stale); !errors.Is(err, models.ErrConflict) {
		t.Fatalf("stale import: %v", err)
	}
	if reportCount(w) != 1 {
		t.Fatal("a failed import saved a row")
	}
	// Rows changed after the preview are checked again.
	tampered := slices.Clone(p.Rows)
	tampered[0].Input.ServiceHours = -5
	if _, err := w.s.ImportReports(w.ctx, w.member, w.contract.ID, tampered); !errors.Is(err, models.ErrInvalid) {
		t.Fatalf("tampered import: %v", err)
	}
	got, err := w.s.ImportReports(w.ctx, w.member, w.contract.ID, p.Rows)
	if err != nil || len(got) != 2 || got[0].ServiceHours != 16050 || got[0].Version != 1 || got[1].ID != draft.ID || got[1].Version != 2 {
		t.Fatalf("import: %+v %v", got, err)
	}
	// Once submitted, a period cannot be replaced by an upload.
	if _, err := w.s.SubmitReport(w.ctx, w.member, draft.ID); err != nil {
		t.Fatal(err)
	}
	p, _ = w.s.PreviewReportImport(w.ctx, w.member, w.contract.ID, upload(w.filled(row("2026-05-01", "2026-05-31"))))
	if p.OK || len(p.Rows[0].Cells) != 1 || p.Rows[0].Cells[0].Code != "xlsx_period_filed" {
		t.Fatalf("a submitted period: %+v", p.Rows)
	}
}

func TestReportXLSXRefusesBadFiles(t *testing.T) {
	w := newReportWorld(t)
	wantFile := func(what string, b []byte, code string) {
		t.Helper()
		_, err := w.s.PreviewReportImport(w.ctx, w.member, w.contract.ID, upload(b))
		e := wantKind(t, err, models.ErrInvalid)
		if len(e.Fields) != 1 || e.Fields[0].Field != "file" || e.Fields[0].Code != code {
			t.Fatalf("%s: %+v", what, e.Fields)
		}
	}
	wantFile("a PDF", []byte("%PDF-1.7 not a sheet"), "xlsx_file")
	other := excelize.NewFile()
	other.SetSheetRow("Sheet1", "A1", &[]any{"日期", "人数"})
	var buf bytes.Buffer
	other.Write(&buf)
	wantFile("another sheet", buf.Bytes(), "xlsx_header")
	many := make([][]any, models.MaxImportRows+1)
	for i := range many {
		many[i] = row("2026-04-01", "2026-04-30")
	}
	wantFile("201 rows", w.filled(many...), "xlsx_rows")

	// 100,000 rows: refused at the limit without reading them all.
	tpl, _, _ := w.s.ReportTemplate(w.ctx, w.member, w.contract.ID)
	f, _ := excelize.OpenReader(bytes.NewReader(tpl))
	header, _ := f.GetRows("服务报告")
	big := excelize.NewFile()
	sw, err := big.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	hdr := make([]any, len(header[0]))
	for i, h := range header[0] {
		hdr[i] = h
	}
	sw.SetRow("A1", hdr)
	for i := 2; i <= 100_001; i++ {
		cell, _ := excelize.CoordinatesToCellName(1, i)
		sw.SetRow(cell, []any{"2026-04-01", "2026-04-30", 1})
	}
	sw.Flush()
	buf.Reset()
	big.Write(&buf)
	wantFile("100,000 rows", buf.Bytes(), "xlsx_rows")

	_, err = w.s.PreviewReportImport(w.ctx, w.member, w.contract.ID, upload(bytes.Repeat([]byte("x"), models.MaxOrgDocumentBytes+1)))
	if !errors.Is(err, models.ErrTooLarge) {
		t.Fatalf("over 10 MiB: %v", err)
	}
	if reportCount(w) != 0 {
		t.Fatal("a refused file saved something")
	}
}
