// Package sheet writes and reads the portal's xlsx files: list exports with
// the page's filters, report templates with a Chinese header row and data
// validation, and uploaded templates read back within firm limits (a file
// that is not xlsx, too large, or with too many rows is refused before any
// of it is used).
//
// # Writing exports
//
// An export is one or more Sheets written by WriteBook (Write is WriteBook
// of one sheet). Each sheet is a header row (the columns' headers, bold,
// frozen) and then its rows: first the rows in Rows (a small table, such as
// a dashboard's), then the rows Each yields (a list read from a database
// cursor). Every row of every export goes through excelize's StreamWriter,
// which keeps at most its chunk (16 MiB) in memory and spills the rest to
// a temporary file, so a list of 100,000 or 1,000,000 rows is never built
// in memory: the caller yields one row at a time and may reuse the slice.
//
//	err := sheet.WriteBook(f,
//		sheet.Sheet{Name: "按地区", Columns: cols, Rows: byRegion},
//		sheet.Sheet{Name: "台账", Columns: cols2, Each: func(yield func([]any) error) error {
//			return store.EachRow(ctx, func(r Row) error { return yield([]any{r.Name, r.Amount}) })
//		}})
//
// A cell is a string (written as text: no formula, no reformatting), an
// integer type, a float64, or nil (an empty cell); any other value is
// written as fmt.Sprint of it. A column's Kind picks its format: Text and
// Date are typed as text ("@"), Money shows two decimals (yuan with fen),
// Whole and Decimal are plain numbers. Sheet names are made valid for a
// workbook: the characters []:*?/\ become "_", a name is cut to 31
// characters, a repeated name gets " (2)", " (3)"…, an empty one "Sheet1"….
//
// WriteBook writes the whole workbook to w only after every Each has
// returned: a caller that reads rows inside a database transaction passes a
// file (or buffer) as w, closes the transaction, and then sends the file to
// the client, so that no transaction stays open while a client reads.
// An error of Each (or of yield) stops the writing and is returned as is.
//
// A Sheet with Blank > 0 is a template to fill in (a report's), written in
// memory with data validation over Blank rows; it has no Each.
package sheet

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// Kind is what a column's cells hold, for validation and formatting.
type Kind int

const (
	Text    Kind = iota
	Whole        // an integer between Min and Max
	Decimal      // a number between Min and Max
	Date         // YYYY-MM-DD, kept as text so that no spreadsheet reformats it
	Money        // an amount in yuan, a number shown with two decimals
)

// Column is one column: its header, width and the values its cells may take.
type Column struct {
	Header   string
	Width    float64 // 0: a width from the header
	Kind     Kind
	Min, Max float64  // Whole and Decimal
	List     []string // a drop-down of allowed values
	Prompt   string   // shown when a cell is selected
}

// Sheet is one worksheet: the columns, then the rows: those of Rows, then
// those Each yields. With Blank > 0 the data validation covers that many
// rows below the header (a template to fill in); otherwise it covers the
// rows written.
type Sheet struct {
	Name    string
	Columns []Column
	Rows    [][]any
	// Each, when set, yields the rows after Rows, one at a time, by calling
	// yield; it returns yield's error (or its own) to stop. The row passed
	// to yield may be reused by the caller once yield returns.
	Each  func(yield func(row []any) error) error
	Blank int
}

// MaxRows is the most data rows one sheet holds (a worksheet's limit,
// 1,048,576 rows, less the header).
const MaxRows = excelize.TotalRows - 1

// ErrTooManyRows is returned (wrapped) by WriteBook when a sheet's rows
// exceed MaxRows; Read returns it for an upload beyond its limit.
var ErrTooManyRows = errors.New("too many rows")

// Write writes sh as an xlsx workbook of one sheet: a list export streamed
// row by row, or, with Blank, a template with its data validation.
func Write(w io.Writer, sh Sheet) error { return WriteBook(w, sh) }

// WriteBook writes the sheets, in order, as one xlsx workbook to w. Each
// sheet's rows are streamed (see the package's documentation); w is
// written only once every sheet's rows are.
func WriteBook(w io.Writer, sheets ...Sheet) error {
	if len(sheets) == 0 {
		sheets = []Sheet{{}}
	}
	f := excelize.NewFile()
	defer f.Close()
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for i, sh := range sheets {
		name := sheetName(sh.Name, i, seen)
		if i == 0 {
			err = f.SetSheetName("Sheet1", name)
		} else {
			_, err = f.NewSheet(name)
		}
		if err != nil {
			return err
		}
		if sh.Blank > 0 {
			// A template is small; excelize keeps data validation only on a
			// sheet it writes in memory, not on a streamed one.
			err = writeTemplate(f, name, sh, st)
		} else {
			err = stream(f, name, sh, st)
		}
		if err != nil {
			return err
		}
	}
	_, err = f.WriteTo(w)
	return err
}

// styles are a workbook's cell styles.
type styles struct{ header, text, money int }

func newStyles(f *excelize.File) (st styles, err error) {
	if st.header, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"EEF2F6"}},
		Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}}); err != nil {
		return st, err
	}
	if st.text, err = f.NewStyle(&excelize.Style{NumFmt: 49}); err != nil { // "@": typed as text
		return st, err
	}
	st.money, err = f.NewStyle(&excelize.Style{NumFmt: 4}) // "#,##0.00"
	return st, err
}

// colStyle is the style of a column's cells, 0 for none.
func (st styles) col(k Kind) int {
	switch k {
	case Text, Date:
		return st.text
	case Money:
		return st.money
	}
	return 0
}

// sheetName makes name valid and unique in a workbook: no []:*?/\, at
// most 31 characters, not empty.
func sheetName(name string, i int, seen map[string]bool) string {
	name = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`[]:*?/\`, r) || r < ' ' {
			return '_'
		}
		return r
	}, strings.TrimSpace(name))
	name = strings.Trim(name, "'")
	if name == "" {
		name = "Sheet" + strconv.Itoa(i+1)
	}
	base := cut(name, excelize.MaxSheetNameLength)
	name = base
	for n := 2; seen[strings.ToLower(name)]; n++ {
		suffix := " (" + strconv.Itoa(n) + ")"
		name = cut(base, excelize.MaxSheetNameLength-len(suffix)) + suffix
	}
	seen[strings.ToLower(name)] = true
	return name
}

func cut(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

// stream writes an export's header and rows with a stream writer, so that
// a long list is not held as a sheet in memory.
func stream(f *excelize.File, name string, sh Sheet, st styles) error {
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	for i, col := range sh.Columns {
		if err := sw.SetColWidth(i+1, i+1, width(col)); err != nil {
			return err
		}
		if s := st.col(col.Kind); s != 0 {
			if err := sw.SetColStyle(i+1, i+1, s); err != nil {
				return err
			}
		}
	}
	if err := sw.SetPanes(frozenHeader); err != nil {
		return err
	}
	cells := make([]any, len(sh.Columns))
	for i, col := range sh.Columns {
		cells[i] = excelize.Cell{StyleID: st.header, Value: col.Header}
	}
	if err := sw.SetRow("A1", cells); err != nil {
		return err
	}
	r := 1
	yield := func(row []any) error {
		if r > MaxRows {
			return fmt.Errorf("sheet %s: %w (more than %d)", name, ErrTooManyRows, MaxRows)
		}
		r++
		return sw.SetRow("A"+strconv.Itoa(r), row)
	}
	for _, row := range sh.Rows {
		if err := yield(row); err != nil {
			return err
		}
	}
	if sh.Each != nil {
		if err := sh.Each(yield); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// writeTemplate writes a template's header, rows and validation in memory.
func writeTemplate(f *excelize.File, name string, sh Sheet, st styles) error {
	for i, col := range sh.Columns {
		c, err := excelize.ColumnNumberToName(i + 1)
		if err != nil {
			return err
		}
		if err := f.SetColWidth(name, c, c, width(col)); err != nil {
			return err
		}
		if s := st.col(col.Kind); s != 0 {
			if err := f.SetColStyle(name, c, s); err != nil {
				return err
			}
		}
		if err := f.SetCellValue(name, c+"1", col.Header); err != nil {
			return err
		}
	}
	last, err := excelize.CoordinatesToCellName(len(sh.Columns), 1)
	if err != nil {
		return err
	}
	if err := f.SetCellStyle(name, "A1", last, st.header); err != nil {
		return err
	}
	if err := f.SetPanes(name, frozenHeader); err != nil {
		return err
	}
	for r, row := range sh.Rows {
		cell, err := excelize.CoordinatesToCellName(1, r+2)
		if err != nil {
			return err
		}
		if err := f.SetSheetRow(name, cell, &row); err != nil {
			return err
		}
	}
	return validate(f, name, sh.Columns, max(sh.Blank, len(sh.Rows)))
}

var frozenHeader = &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}

func width(col Column) float64 {
	if col.Width > 0 {
		return col.Width
	}
	return max(10, float64(len([]rune(col.Header)))*2.2)
}

// validate adds each column's data validation to rows 2..rows+1.
func validate(f *excelize.File, name string, cols []Column, rows int) error {
	for i, col := range cols {
		from, err := excelize.CoordinatesToCellName(i+1, 2)
		if err != nil {
			return err
		}
		to, err := excelize.CoordinatesToCellName(i+1, rows+1)
		if err != nil {
			return err
		}
		dv := excelize.NewDataValidation(true)
		dv.Sqref = from + ":" + to
		switch {
		case len(col.List) > 0:
			if err := dv.SetDropList(col.List); err != nil {
				return err
			}
		case col.Kind == Whole:
			if err := dv.SetRange(col.Min, col.Max, excelize.DataValidationTypeWhole, excelize.DataValidationOperatorBetween); err != nil {
				return err
			}
		case col.Kind == Decimal || col.Kind == Money:
			if err := dv.SetRange(col.Min, col.Max, excelize.DataValidationTypeDecimal, excelize.DataValidationOperatorBetween); err != nil {
				return err
			}
		case col.Kind == Date:
			if err := dv.SetRange(10, 10, excelize.DataValidationTypeTextLength, excelize.DataValidationOperatorEqual); err != nil {
				return err
			}
		default:
			if col.Prompt == "" {
				continue
			}
		}
		if col.Prompt != "" {
			dv.SetInput(col.Header, col.Prompt)
		}
		dv.SetError(excelize.DataValidationErrorStyleStop, col.Header, col.Prompt)
		if err := f.AddDataValidation(name, dv); err != nil {
			return err
		}
	}
	return nil
}

// Limits bound what Read accepts.
type Limits struct {
	MaxBytes int64 // the file
	MaxRows  int   // data rows below the header
	MaxCols  int
}

// Errors of Read; each is the caller's to show as a clear message.
var (
	ErrNotXLSX  = errors.New("not an xlsx workbook")
	ErrTooLarge = errors.New("file too large")
	ErrNoSheet  = errors.New("the workbook has no sheet")
)

// unzipLimit bounds what a workbook may unpack to, so that a small file
// that unpacks to gigabytes (a zip bomb) is refused.
const unzipLimit = 64 << 20

// Read reads the first sheet of an xlsx workbook: the header row, then at
// most lim.MaxRows data rows of at most lim.MaxCols cells, as text with
// surrounding spaces trimmed. Empty trailing rows are dropped.
func Read(data []byte, lim Limits) (header []string, rows [][]string, err error) {
	if lim.MaxBytes > 0 && int64(len(data)) > lim.MaxBytes {
		return nil, nil, ErrTooLarge
	}
	if !bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		return nil, nil, ErrNotXLSX
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: unzipLimit, UnzipXMLSizeLimit: 16 << 20})
	if err != nil {
		if strings.Contains(err.Error(), "unzip size") {
			return nil, nil, ErrTooLarge
		}
		return nil, nil, fmt.Errorf("%w: %v", ErrNotXLSX, err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, nil, ErrNoSheet
	}
	it, err := f.Rows(sheets[0])
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrNotXLSX, err)
	}
	defer it.Close()
	first := true
	for it.Next() {
		cells, err := it.Columns()
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %v", ErrNotXLSX, err)
		}
		if lim.MaxCols > 0 && len(cells) > lim.MaxCols {
			cells = cells[:lim.MaxCols]
		}
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if first {
			header, first = cells, false
			continue
		}
		rows = append(rows, cells)
		if lim.MaxRows > 0 && len(rows) > lim.MaxRows {
			// Blank rows below the data do not count against the limit.
			if trimmed := trimBlank(rows); len(trimmed) > lim.MaxRows {
				return nil, nil, ErrTooManyRows
			}
		}
	}
	if err := it.Error(); err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrNotXLSX, err)
	}
	if first {
		return nil, nil, ErrNoSheet
	}
	return header, trimBlank(rows), nil
}

// trimBlank drops the blank rows at the end.
func trimBlank(rows [][]string) [][]string {
	for len(rows) > 0 && blank(rows[len(rows)-1]) {
		rows = rows[:len(rows)-1]
	}
	return rows
}

func blank(row []string) bool {
	for _, c := range row {
		if c != "" {
			return false
		}
	}
	return true
}

// DateValue reads a date cell: YYYY-MM-DD as typed (also with slashes or
// one-digit months and days), or a spreadsheet's date serial number when
// the cell was typed as a date.
func DateValue(cell string) (string, bool) {
	for _, layout := range []string{"2006-01-02", "2006/1/2", "2006-1-2", "2006.1.2"} {
		if t, err := time.Parse(layout, cell); err == nil {
			return t.Format("2006-01-02"), true
		}
	}
	if n, err := strconv.ParseFloat(cell, 64); err == nil && n >= 1 && n < 2958466 && n == float64(int64(n)) {
		t, err := excelize.ExcelDateToTime(n, false)
		if err == nil {
			return t.Format("2006-01-02"), true
		}
	}
	return "", false
}
