package sheet

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
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

// TestWriteBook: several sheets in one workbook, in order, each with its
// header and its rows (Rows first, then what Each yields), the names made
// valid and unique, money with two decimals, a NUL in a text written as a
// replacement rather than breaking the file.
func TestWriteBook(t *testing.T) {
	cols := []Column{{Header: "地区"}, {Header: "金额（元）", Kind: Money}, {Header: "日期", Kind: Date}}
	var buf bytes.Buffer
	n := 0
	err := WriteBook(&buf,
		Sheet{Name: "按地区", Columns: cols, Rows: [][]any{{"南宁市", 1234.5, "2026-01-02"}}},
		Sheet{Name: "按地区", Columns: cols, Each: func(yield func([]any) error) error {
			row := make([]any, 3)
			for i := range 3 {
				n++
				row[0], row[1], row[2] = fmt.Sprintf("县%d\x00", i), float64(i), "2026-02-0"+fmt.Sprint(i+1)
				if err := yield(row); err != nil {
					return err
				}
			}
			return nil
		}},
		Sheet{Name: "a/b:c*d?e[f]g\\h—一个很长很长很长很长很长很长很长很长很长的名字"})
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	names := f.GetSheetList()
	if len(names) != 3 || names[0] != "按地区" || names[1] != "按地区 (2)" || len([]rune(names[2])) > 31 || names[2][:11] != "a_b_c_d_e_f" {
		t.Fatalf("sheets: %q", names)
	}
	rows, err := f.GetRows(names[1])
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(rows) != "[[地区 金额（元） 日期] [县0\uFFFD 0.00 2026-02-01] [县1\uFFFD 1.00 2026-02-02] [县2\uFFFD 2.00 2026-02-03]]" {
		t.Fatalf("streamed rows: %q", rows)
	}
	if v, _ := f.GetCellValue(names[0], "B2"); v != "1,234.50" {
		t.Errorf("money: %q", v)
	}
	if v, _ := f.GetCellValue(names[0], "B2", excelize.Options{RawCellValue: true}); v != "1234.5" {
		t.Errorf("money is no number: %q", v)
	}
	stop := errors.New("stop")
	if err := WriteBook(&bytes.Buffer{}, Sheet{Each: func(yield func([]any) error) error { return stop }}); !errors.Is(err, stop) {
		t.Errorf("Each's error: %v", err)
	}
}

// BenchmarkExportSheet streams n rows through WriteBook and reports the
// peak heap in use while it writes: bounded, it is about the same for
// 1,000 and 100,000 rows (the allocations per op grow with the rows, the
// memory held does not).
func BenchmarkExportSheet(b *testing.B) {
	peaks := map[int]float64{}
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			var peak uint64
			for range b.N {
				peak = max(peak, writeRows(b, n))
			}
			peaks[n] = float64(peak)
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
			if n == 100_000 && peaks[1_000] > 0 {
				b.ReportMetric(peaks[100_000]/peaks[1_000], "peak-heap-ratio-100k/1k")
			}
		})
	}
}

// writeRows writes n rows to a discarded workbook, returning the largest
// heap in use sampled every 5,000 rows and at the end.
func writeRows(b *testing.B, n int) uint64 {
	var ms runtime.MemStats
	runtime.GC()
	var peak uint64
	sample := func() {
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapInuse)
	}
	cols := []Column{{Header: "编号"}, {Header: "机构"}, {Header: "金额", Kind: Money}, {Header: "日期", Kind: Date}}
	err := WriteBook(io.Discard, Sheet{Columns: cols, Each: func(yield func([]any) error) error {
		row := make([]any, 4)
		for i := range n {
			row[0], row[1], row[2], row[3] = fmt.Sprintf("HT-2026-%06d", i), "南宁市青秀区阳光社会工作服务中心", float64(i)/100, "2026-03-01"
			if err := yield(row); err != nil {
				return err
			}
			if i%5000 == 0 {
				sample()
			}
		}
		return nil
	}})
	if err != nil {
		b.Fatal(err)
	}
	sample()
	return peak
}
