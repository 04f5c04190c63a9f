package sheet

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/xuri/excelize/v2"
)

var cols = []Column{
	{Header: "期间开始", Kind: Date, Prompt: "YYYY-MM-DD"},
	{Header: "服务时长（小时）", Kind: Decimal, Min: 0, Max: 100000},
	{Header: "服务人次", Kind: Whole, Min: 0, Max: 1000000},
	{Header: "状态", List: []string{"草稿", "已提交"}},
	{Header: "说明"},
}

// TestRoundTrip: what Write writes, Read reads back: the Chinese header
// row, text dates kept as typed, numbers, and the blank rows below the
// data left out.
func TestRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	rows := [][]any{{"2026-01-01", 12.5, 30, "草稿", "入户走访"}, {"2026-02-01", 8, 12, "已提交", ""}}
	if err := Write(&buf, Sheet{Name: "服务报告", Columns: cols, Rows: rows, Blank: 50}); err != nil {
		t.Fatal(err)
	}
	header, got, err := Read(buf.Bytes(), Limits{MaxBytes: 1 << 20, MaxRows: 10, MaxCols: 10})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(header) != "[期间开始 服务时长（小时） 服务人次 状态 说明]" {
		t.Fatalf("header: %q", header)
	}
	want := [][]string{{"2026-01-01", "12.5", "30", "草稿", "入户走访"}, {"2026-02-01", "8", "12", "已提交"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("rows: %q, want %q", got, want)
	}
}

// TestValidation: the template carries each column's data validation over
// the blank rows: the whole-number and decimal ranges, the drop-down and
// the date's text length.
func TestValidation(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, Sheet{Name: "模板", Columns: cols, Blank: 200}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	dvs, err := f.GetDataValidations("模板")
	if err != nil {
		t.Fatal(err)
	}
	byRange := map[string]*excelize.DataValidation{}
	for _, dv := range dvs {
		byRange[dv.Sqref] = dv
	}
	for ref, typ := range map[string]string{"A2:A201": "textLength", "B2:B201": "decimal", "C2:C201": "whole", "D2:D201": "list"} {
		if dv := byRange[ref]; dv == nil || dv.Type != typ {
			t.Errorf("validation of %s: %+v, want %s", ref, dv, typ)
		}
	}
	if _, ok := byRange["E2:E201"]; ok {
		t.Error("a free text column without a prompt has a validation")
	}
}

// TestReadRefuses: not a workbook, too large, too many rows, a zip that is
// no workbook: each its own error, nothing read.
func TestReadRefuses(t *testing.T) {
	if _, _, err := Read([]byte("%PDF-1.7 not a sheet"), Limits{}); !errors.Is(err, ErrNotXLSX) {
		t.Errorf("a PDF: %v", err)
	}
	if _, _, err := Read(bytes.Repeat([]byte("x"), 2048), Limits{MaxBytes: 1024}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("over the size: %v", err)
	}
	var z bytes.Buffer
	zw := zip.NewWriter(&z)
	w, _ := zw.Create("hello.txt")
	w.Write([]byte("hello"))
	zw.Close()
	if _, _, err := Read(z.Bytes(), Limits{}); !errors.Is(err, ErrNotXLSX) {
		t.Errorf("a zip that is no workbook: %v", err)
	}

	var buf bytes.Buffer
	rows := make([][]any, 100_000)
	for i := range rows {
		rows[i] = []any{"2026-01-01", 1, 1, "草稿", "x"}
	}
	if err := Write(&buf, Sheet{Columns: cols, Rows: rows}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Read(buf.Bytes(), Limits{MaxRows: 500}); !errors.Is(err, ErrTooManyRows) {
		t.Errorf("100,000 rows: %v", err)
	}
}

// TestZipBomb: a small workbook whose sheet unpacks beyond the limit is
// refused as too large.
func TestZipBomb(t *testing.T) {
	var buf bytes.Buffer
	f := excelize.NewFile()
	f.SetCellValue("Sheet1", "A1", "header")
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	src, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, file := range src.File {
		w, err := zw.Create(file.Name)
		if err != nil {
			t.Fatal(err)
		}
		r, _ := file.Open()
		var b bytes.Buffer
		b.ReadFrom(r)
		r.Close()
		w.Write(b.Bytes())
	}
	// A padding part of zeros, far above the unzip limit once unpacked.
	w, _ := zw.Create("xl/media/padding.bin")
	zero := make([]byte, 1<<20)
	for i := 0; i < (unzipLimit>>20)+8; i++ {
		w.Write(zero)
	}
	zw.Close()
	if out.Len() > 1<<20 {
		t.Fatalf("the bomb is %d bytes: not small", out.Len())
	}
	if _, _, err := Read(out.Bytes(), Limits{MaxBytes: 10 << 20}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("a zip bomb: %v", err)
	}
}

func TestDateValue(t *testing.T) {
	for in, want := range map[string]string{"2026-03-31": "2026-03-31", "2026/3/1": "2026-03-01", "46112": "2026-03-31", "2026-02-30": "", "三月": "", "": ""} {
		got, ok := DateValue(in)
		if got != want || ok != (want != "") {
			t.Errorf("DateValue(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
}
