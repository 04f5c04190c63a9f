package models

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"
)

// Reports as a spreadsheet: a contract's template (a Chinese header row, a
// column per indicator of its targets, data validation on every number),
// and an upload that is first previewed row by row with each cell's errors
// and duplicate periods flagged, then imported on confirmation, all rows or
// none, as new drafts or new versions of the drafts and returned reports of
// the same periods. Nothing is stored before the confirmation, which sends
// the previewed rows back and is checked again from the start.

// MaxImportRows bounds the data rows of an upload: years of monthly
// reports, far below a sheet that would take long to check.
const MaxImportRows = 200

const reportSheet = "服务报告"

// xlsxColumn is one column of the template: the input field it fills and
// its Chinese header.
type xlsxColumn struct {
	Field, Header string
	Kind          string // date | hours | count | indicator | text
}

// reportXLSXColumns are the template's columns for the contract's targets
// (names from its catalogue item when known).
func reportXLSXColumns(c *Contract, item *CatalogueItem) []xlsxColumn {
	cols := []xlsxColumn{
		{"period_start", "报告期开始（YYYY-MM-DD）", "date"}, {"period_end", "报告期结束（YYYY-MM-DD）", "date"},
		{"service_hours", "服务时长（小时）", "hours"}, {"volunteer_person_times", "志愿者参与人次", "count"},
		{"volunteer_hours", "志愿服务时长（小时）", "hours"}, {"children_served_person_times", "服务儿童人次", "count"},
		{"children_served_distinct", "服务儿童人数（去重）", "count"}, {"activities", "开展活动次数", "count"},
		{"cases_opened", "新开个案数", "count"}, {"cases_closed", "结案数", "count"},
	}
	for _, t := range c.Targets {
		name := t.Indicator
		if item != nil {
			for _, ind := range item.Indicators {
				if ind.Key == t.Indicator {
					name = ind.Name
				}
			}
		}
		cols = append(cols, xlsxColumn{"indicator." + t.Indicator, "指标：" + name + "（" + t.Indicator + "）", "indicator"})
	}
	return append(cols, xlsxColumn{"narrative", "工作情况说明", "text"})
}

// ReportTemplate writes the contract's report template for its members.
func (s *Store) ReportTemplate(ctx context.Context, a *Actor, contractID int64) ([]byte, string, error) {
	c, err := s.writableContract(s.DB.WithContext(ctx), a, contractID)
	if err != nil {
		return nil, "", err
	}
	cols := reportXLSXColumns(c, s.contractItem(ctx, a, c))
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", reportSheet); err != nil {
		return nil, "", err
	}
	header := make([]any, len(cols))
	for i, col := range cols {
		header[i] = col.Header
	}
	if err := f.SetSheetRow(reportSheet, "A1", &header); err != nil {
		return nil, "", err
	}
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49}) // "@": dates stay as typed
	if err != nil {
		return nil, "", err
	}
	last := strconv.Itoa(MaxImportRows + 1)
	for i, col := range cols {
		name, err := excelize.ColumnNumberToName(i + 1)
		if err != nil {
			return nil, "", err
		}
		if err := f.SetColWidth(reportSheet, name, name, 18); err != nil {
			return nil, "", err
		}
		dv := excelize.NewDataValidation(true)
		dv.SetSqref(name + "2:" + name + last)
		switch col.Kind {
		case "date":
			if err := f.SetColStyle(reportSheet, name, text); err != nil {
				return nil, "", err
			}
			if err := dv.SetRange(10, 10, excelize.DataValidationTypeTextLength, excelize.DataValidationOperatorEqual); err != nil {
				return nil, "", err
			}
			dv.SetInput("日期", "按 YYYY-MM-DD 填写，如 2026-04-01")
		case "count":
			if err := dv.SetRange(0, MaxReportCount, excelize.DataValidationTypeWhole, excelize.DataValidationOperatorBetween); err != nil {
				return nil, "", err
			}
			dv.SetInput("整数", fmt.Sprintf("0 到 %d 的整数", MaxReportCount))
		case "hours", "indicator":
			limit := float64(MaxIndicatorValue)
			if col.Kind == "hours" {
				limit = float64(maxReportHoursPerDay * reportIntervalDays[intervalOf(c)])
			}
			if err := dv.SetRange(0, limit, excelize.DataValidationTypeDecimal, excelize.DataValidationOperatorBetween); err != nil {
				return nil, "", err
			}
			dv.SetInput("数值", "不小于 0，最多两位小数")
		case "text":
			if err := dv.SetRange(0, MaxNarrative, excelize.DataValidationTypeTextLength, excelize.DataValidationOperatorBetween); err != nil {
				return nil, "", err
			}
		}
		dv.SetError(excelize.DataValidationErrorStyleStop, "输入有误", "请按提示填写")
		if err := f.AddDataValidation(reportSheet, dv); err != nil {
			return nil, "", err
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), "服务报告模板-" + c.Number + ".xlsx", nil
}

// ImportRow is one data row of an upload: the report it makes, whether it
// creates one or updates the draft (or returned report) of the same
// period, and its cells' errors.
type ImportRow struct {
	Row         int          `json:"row"`
	Input       ReportInput  `json:"input"`
	Action      string       `json:"action"` // create | update
	ReportID    int64        `json:"report_id,omitempty"`
	BaseVersion int          `json:"base_version,omitempty"`
	Duplicate   bool         `json:"duplicate"`
	Errors      []FieldError `json:"-"`
	Cells       []CellError  `json:"errors"`
}

// CellError is an error of one cell (or of the row, Cell "A5:…").
type CellError struct {
	Cell    string `json:"cell"`
	Field   string `json:"field"`
	Code    string `json:"-"`
	Param   string `json:"-"`
	Message string `json:"message"`
}

// ImportPreview is what an upload would do; OK when every row may be
// imported.
type ImportPreview struct {
	Rows []ImportRow `json:"rows"`
	OK   bool        `json:"ok"`
}

// PreviewReportImport reads an upload of the contract's template and
// checks every row; it stores nothing.
func (s *Store) PreviewReportImport(ctx context.Context, a *Actor, contractID int64, read func() (OrgUpload, error)) (*ImportPreview, error) {
	db := s.DB.WithContext(ctx)
	c, err := s.writableContract(db, a, contractID)
	if err != nil {
		return nil, err
	}
	in, err := read()
	if err != nil {
		return nil, err
	}
	defer in.Body.Close()
	content, err := io.ReadAll(io.LimitReader(in.Body, MaxOrgDocumentBytes+1))
	if err != nil {
		return nil, orgReadError(err)
	}
	if len(content) > MaxOrgDocumentBytes {
		return nil, Fail(ErrTooLarge, "err.413", "a file may be at most 10 MiB")
	}
	cols := reportXLSXColumns(c, s.contractItem(ctx, a, c))
	rows, err := readReportSheet(content, cols)
	if err != nil {
		return nil, err
	}
	p := &ImportPreview{Rows: rows}
	return p, s.checkImport(db, c, p, cols)
}

// readReportSheet reads the data rows of the first sheet, whose header must
// be the template's. A file that is not xlsx, or has more than
// MaxImportRows rows, is refused whole.
func readReportSheet(content []byte, cols []xlsxColumn) ([]ImportRow, error) {
	f, err := excelize.OpenReader(bytes.NewReader(content), excelize.Options{UnzipSizeLimit: 64 << 20, UnzipXMLSizeLimit: 32 << 20})
	if err != nil {
		return nil, Invalid(Field("file", "xlsx_file", ""))
	}
	defer f.Close()
	sheet := f.GetSheetName(0)
	it, err := f.Rows(sheet)
	if err != nil {
		return nil, Invalid(Field("file", "xlsx_file", ""))
	}
	defer it.Close()
	var out []ImportRow
	n := 0
	for it.Next() {
		n++
		cells, err := it.Columns()
		if err != nil {
			return nil, Invalid(Field("file", "xlsx_file", ""))
		}
		if n == 1 {
			for i, col := range cols {
				if i >= len(cells) || strings.TrimSpace(cells[i]) != col.Header {
					return nil, Invalid(Field("file", "xlsx_header", ""))
				}
			}
			continue
		}
		blank := true
		for _, v := range cells {
			blank = blank && strings.TrimSpace(v) == ""
		}
		if blank {
			continue
		}
		if len(out) == MaxImportRows {
			return nil, Invalid(Field("file", "xlsx_rows", strconv.Itoa(MaxImportRows)))
		}
		out = append(out, sheetRow(n, cells, cols))
	}
	if n == 0 {
		return nil, Invalid(Field("file", "xlsx_header", ""))
	}
	if err := it.Error(); err != nil {
		return nil, Invalid(Field("file", "xlsx_file", ""))
	}
	return out, nil
}

// sheetRow turns one row's cells into an input. A number that does not
// parse is sent on as -1, which the checks refuse naming its field.
func sheetRow(n int, cells []string, cols []xlsxColumn) ImportRow {
	r := ImportRow{Row: n}
	for i, col := range cols {
		v := ""
		if i < len(cells) {
			v = strings.TrimSpace(cells[i])
		}
		num := func() float64 {
			if v == "" {
				return 0
			}
			x, err := strconv.ParseFloat(strings.ReplaceAll(v, ",", ""), 64)
			if err != nil || math.IsNaN(x) {
				return -1
			}
			return x
		}
		switch col.Kind {
		case "date":
			if serial, err := strconv.ParseFloat(v, 64); err == nil && serial > 0 {
				// A cell Excel turned into a date serial.
				if t, err := excelize.ExcelDateToTime(serial, false); err == nil {
					v = t.Format(time.DateOnly)
				}
			}
			if col.Field == "period_start" {
				r.Input.PeriodStart = v
			} else {
				r.Input.PeriodEnd = v
			}
		case "hours":
			if col.Field == "service_hours" {
				r.Input.ServiceHours = num()
			} else {
				r.Input.VolunteerHours = num()
			}
		case "count":
			x := num()
			if x != math.Trunc(x) || math.Abs(x) > 1e15 {
				x = -1
			}
			n := int64(x)
			switch col.Field {
			case "volunteer_person_times":
				r.Input.VolunteerPersonTimes = n
			case "children_served_person_times":
				r.Input.ChildrenServedPersonTimes = n
			case "children_served_distinct":
				r.Input.ChildrenServedDistinct = n
			case "activities":
				r.Input.Activities = n
			case "cases_opened":
				r.Input.CasesOpened = n
			case "cases_closed":
				r.Input.CasesClosed = n
			}
		case "indicator":
			if v != "" {
				r.Input.Indicators = append(r.Input.Indicators, IndicatorValue{Indicator: strings.TrimPrefix(col.Field, "indicator."), Value: num()})
			}
		case "text":
			r.Input.Narrative = v
		}
	}
	return r
}

// checkImport checks each row as a report of the contract, flags periods
// that repeat within the upload, and matches each period to an existing
// report: a draft or returned one is updated, a submitted or approved one
// refuses the row. It fills each error's cell; OK when none.
func (s *Store) checkImport(db *gorm.DB, c *Contract, p *ImportPreview, cols []xlsxColumn) error {
	var existing []ServiceReport
	if err := db.Select("id, period_start, period_end, status, version").Where("contract_id = ?", c.ID).Find(&existing).Error; err != nil {
		return err
	}
	seen := map[string][]int{}
	for i := range p.Rows {
		r := &p.Rows[i]
		r.Errors, r.Cells, r.Action, r.ReportID, r.BaseVersion, r.Duplicate = nil, []CellError{}, "create", 0, 0, false
		if _, err := s.checkReport(c, &r.Input); err != nil {
			e, ok := AsError(err)
			if !ok {
				return err
			}
			r.Errors = append(r.Errors, e.Fields...)
		}
		period := strings.TrimSpace(r.Input.PeriodStart) + "/" + strings.TrimSpace(r.Input.PeriodEnd)
		seen[period] = append(seen[period], i)
		for _, x := range existing {
			if x.PeriodStart+"/"+x.PeriodEnd != period {
				continue
			}
			if reportLifecycle.Allows("edit", x.Status) {
				r.Action, r.ReportID, r.BaseVersion = "update", x.ID, x.Version
			} else {
				r.Errors = append(r.Errors, Field("period_start", "xlsx_period_filed", x.Status))
			}
		}
	}
	for _, rows := range seen {
		if len(rows) < 2 {
			continue
		}
		for _, i := range rows {
			p.Rows[i].Duplicate = true
			p.Rows[i].Errors = append(p.Rows[i].Errors, Field("period_start", "xlsx_duplicate", ""))
		}
	}
	p.OK = len(p.Rows) > 0
	for i := range p.Rows {
		r := &p.Rows[i]
		for _, fe := range r.Errors {
			r.Cells = append(r.Cells, CellError{Cell: cellOf(cols, fe.Field, r), Field: fe.Field, Code: fe.Code, Param: fe.Param})
		}
		p.OK = p.OK && len(r.Errors) == 0
	}
	return nil
}

// cellOf names the cell of a row's field ("indicators[1].value" is the
// column of the row's second indicator).
func cellOf(cols []xlsxColumn, field string, r *ImportRow) string {
	if strings.HasPrefix(field, "indicators[") {
		var i int
		if _, err := fmt.Sscanf(field, "indicators[%d]", &i); err == nil && i < len(r.Input.Indicators) {
			field = "indicator." + r.Input.Indicators[i].Indicator
		}
	}
	for i, col := range cols {
		if col.Field == field {
			name, _ := excelize.CoordinatesToCellName(i+1, r.Row)
			return name
		}
	}
	return "A" + strconv.Itoa(r.Row)
}

// ImportReports imports previewed rows: every row checked again as at the
// preview, then all written in one transaction, or none. A report changed
// since the preview (another version, another status) or a period filed
// meanwhile is 409.
func (s *Store) ImportReports(ctx context.Context, a *Actor, contractID int64, rows []ImportRow) ([]ServiceReport, error) {
	db := s.DB.WithContext(ctx)
	c, err := s.writableContract(db, a, contractID)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, Invalid(Field("rows", "required", ""))
	}
	if len(rows) > MaxImportRows {
		return nil, Invalid(Field("rows", "xlsx_rows", strconv.Itoa(MaxImportRows)))
	}
	contents := make([]ReportContent, len(rows))
	var fe []FieldError
	periods := map[string]bool{}
	for i := range rows {
		content, err := s.checkReport(c, &rows[i].Input)
		if e, ok := AsError(err); ok {
			for _, f := range e.Fields {
				fe = append(fe, Field(fmt.Sprintf("rows[%d].%s", i, f.Field), f.Code, f.Param))
			}
		} else if err != nil {
			return nil, err
		}
		key := content.PeriodStart + "/" + content.PeriodEnd
		if periods[key] {
			fe = append(fe, Field(fmt.Sprintf("rows[%d].period_start", i), "xlsx_duplicate", ""))
		}
		periods[key] = true
		contents[i] = content
	}
	if len(fe) > 0 {
		return nil, Invalid(fe...)
	}
	var ids []int64
	err = s.tx(ctx, func(tx *gorm.DB) error {
		c, err := s.writableContract(tx, a, contractID)
		if err != nil {
			return err
		}
		for i, row := range rows {
			if row.ReportID == 0 {
				var n int64
				if err := tx.Model(&ServiceReport{}).Where("contract_id = ? AND period_start = ? AND period_end = ?", c.ID,
					contents[i].PeriodStart, contents[i].PeriodEnd).Count(&n).Error; err != nil {
					return err
				}
				if n > 0 {
					return Fail(ErrConflict, "err.report_import_changed", "a report of period "+contents[i].PeriodStart+" – "+contents[i].PeriodEnd+" exists now: preview again")
				}
				r, err := s.insertReport(tx, a, c, contents[i])
				if err != nil {
					return err
				}
				ids = append(ids, r.ID)
				continue
			}
			cur, rc, err := s.writableReport(tx, a, row.ReportID, "edit", true)
			if err != nil || rc.ID != c.ID {
				return Fail(ErrConflict, "err.report_import_changed", "a report of the upload changed since the preview: preview again")
			}
			if err := s.saveVersion(tx, a, cur, c, row.BaseVersion, contents[i]); err != nil {
				return err
			}
			ids = append(ids, cur.ID)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := []ServiceReport{}
	for _, id := range ids {
		r, err := s.Report(ctx, a, id)
		if err != nil {
			return nil, err
		}
		out = append(out, *r)
	}
	return out, nil
}
