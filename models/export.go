package models

import (
	"context"
	"strconv"

	"gorm.io/gorm"
)

// The list exports: each list page's rows, with the page's filters, the
// page's authorisation scope and the page's order, read with one database
// cursor inside one read transaction (s.read) and handed, one row at a
// time, to the caller's function, which writes them into a workbook
// (models/sheet streams them to a temporary file). Nothing here holds the
// list: a row is scanned, passed on and dropped. The caller sends the file
// to the client once the export function has returned, with the
// transaction closed.

// MaxExportRows bounds one export: a worksheet holds 1,048,575 data rows;
// a list longer than this asks for a narrower filter (a 422 naming the
// filter's fields).
const MaxExportRows = 1_000_000

// maxExportRows is MaxExportRows, lowered by a test.
var maxExportRows = MaxExportRows

// ExportRow is what an export's function receives for each row: the row
// and the labels of the regions the export's rows show (code → label, as
// the page shows them), read once before the first row.
type ExportRow[T any] struct {
	Row     *T
	Regions map[string]string
}

// exportQuery says how an export reads a list's query.
type exportQuery struct {
	Region  string   // the column of the region codes the rows show, "" for none
	Order   string   // the list page's order
	Columns string   // the columns scanned into a row
	Args    []any    // Columns' arguments
	Narrow  []string // the filter's fields to narrow when too many rows match
	// Names: the regions by their own names (as the notices show them),
	// not by their labels (city and county, as the lists show them).
	Names bool
}

// exportRows reads q (a list's query, its filters and scope applied) in
// x.Order with a cursor, on r's read transaction: it counts the rows first
// (beyond MaxExportRows, an error naming x.Narrow, the filter's fields),
// reads the labels of the regions in x.Region, then scans each row into a
// T for fn. Between rows nothing else is asked of the connection (a cursor
// holds it).
func exportRows[T any](ctx context.Context, r *Store, q *gorm.DB, x exportQuery, fn func(ExportRow[T]) error) error {
	regionColumn, order, narrow := x.Region, x.Order, x.Narrow
	q = q.Session(&gorm.Session{})
	var n int64
	if err := q.Count(&n).Error; err != nil {
		return err
	}
	if n > int64(maxExportRows) {
		fe := make([]FieldError, len(narrow))
		for i, f := range narrow {
			fe[i] = Field(f, "export_max", strconv.Itoa(maxExportRows))
		}
		e := Invalid(fe...)
		e.Key, e.Detail = "err.export_too_large", "more rows ("+strconv.FormatInt(n, 10)+") than one export holds ("+strconv.Itoa(maxExportRows)+"): narrow the filter"
		return e
	}
	regions := map[string]string{}
	if regionColumn != "" && n > 0 {
		var codes []string
		if err := q.Distinct(regionColumn).Pluck(regionColumn, &codes).Error; err != nil {
			return err
		}
		var err error
		if x.Names {
			regions, err = regionNames(r.DB.WithContext(ctx), codes)
		} else {
			regions, err = r.RegionLabels(ctx, codes)
		}
		if err != nil {
			return err
		}
	}
	rows, err := q.Select(x.Columns, x.Args...).Order(order).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var t T
		if err := q.ScanRows(rows, &t); err != nil {
			return err
		}
		if err := fn(ExportRow[T]{Row: &t, Regions: regions}); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return rows.Close()
}
