package handlers_test

import (
	"bytes"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"portal/models"

	"github.com/xuri/excelize/v2"
)

// TestReportXLSXPagesAndAPI: the member downloads the template from the
// contract page, fills it, sees the preview (nothing saved), confirms, and
// finds the drafts on the contract; the API previews with each cell's
// error in words.
func TestReportXLSXPagesAndAPI(t *testing.T) {
	w := newReportEnv(t)
	contract := w.member.tpPage(fmt.Sprintf("/contracts/%d", w.contract))
	if !strings.Contains(contract, `id="report-template"`) || !strings.Contains(contract, `id="import-form"`) {
		t.Fatalf("contract page offers no spreadsheet: %s", tpText(contract))
	}
	resp, tpl := w.member.orgGet(fmt.Sprintf("/contracts/%d/reports/template.xlsx", w.contract))
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("template: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if s, _ := w.otherOrg.do("GET", fmt.Sprintf("/api/v1/contracts/%d/reports/template.xlsx", w.contract), nil); s != 404 {
		t.Fatalf("another organisation's template: %d", s)
	}
	fill := func(rows ...[]any) []byte {
		f, err := excelize.OpenReader(bytes.NewReader(tpl))
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, i+2)
			f.SetSheetRow("服务报告", cell, &r)
		}
		var buf bytes.Buffer
		f.Write(&buf)
		return buf.Bytes()
	}
	april := []any{"2026-04-01", "2026-04-30", "160.5", "30", "90", "120", "45", "6", "3", "1", "160", "45", "四月"}
	may := []any{"2026-05-01", "2026-05-31", "150", "20", "60", "100", "40", "5", "2", "2", "150", "40", "五月"}
	badMay := append([]any{}, may...)
	badMay[3] = "-2"

	s, b := w.member.orgUpload(fmt.Sprintf("/api/v1/contracts/%d/reports/import", w.contract), "", "r.xlsx", fill(april, badMay))
	p := decode[struct {
		OK   bool `json:"ok"`
		Rows []struct {
			Errors []struct{ Cell, Field, Message string } `json:"errors"`
		} `json:"rows"`
	}](t, must(t, 200, s, b, "API preview"))
	if p.OK || len(p.Rows) != 2 || len(p.Rows[1].Errors) != 1 || p.Rows[1].Errors[0].Cell != "D3" || !strings.Contains(p.Rows[1].Errors[0].Message, "whole number") {
		t.Fatalf("API preview: %s", b)
	}
	s, b = w.member.orgUpload(fmt.Sprintf("/api/v1/contracts/%d/reports/import", w.contract), "", "r.xlsx", []byte("%PDF-1.4"))
	if must(t, 422, s, b, "a PDF"); !strings.Contains(string(b), `"field":"file"`) {
		t.Fatalf("not xlsx: %s", b)
	}

	// The pages: a file that is not xlsx comes back with the error, then
	// a preview, then the confirmation.
	s, b = w.member.orgUpload(fmt.Sprintf("/contracts/%d/reports/import", w.contract), "", "r.xlsx", []byte("%PDF-1.4"))
	if s != 422 || !strings.Contains(string(b), `id="page-error"`) || !strings.Contains(string(b), "xlsx") {
		t.Fatalf("page upload of a PDF: %d %s", s, tpText(string(b)))
	}
	s, b = w.member.orgUpload(fmt.Sprintf("/contracts/%d/reports/import", w.contract), "", "r.xlsx", fill(april, may))
	page := string(b)
	if s != 200 || !strings.Contains(page, `id="import-preview" data-ok="true"`) || !strings.Contains(page, `id="import-confirm-form"`) {
		t.Fatalf("preview page: %d %s", s, tpText(page))
	}
	var n int64
	if w.e.store.DB.Model(&models.ServiceReport{}).Count(&n); n != 0 {
		t.Fatal("the preview saved reports")
	}
	m := regexp.MustCompile(`name="import_rows" value="([^"]*)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no rows to confirm")
	}
	loc := w.member.tpMustPost(fmt.Sprintf("/contracts/%d/reports/import/confirm", w.contract), url.Values{"import_rows": {html.UnescapeString(m[1])}})
	if !strings.HasPrefix(loc, fmt.Sprintf("/contracts/%d", w.contract)) {
		t.Fatalf("after the import: %s", loc)
	}
	if w.e.store.DB.Model(&models.ServiceReport{}).Count(&n); n != 2 {
		t.Fatalf("%d reports imported", n)
	}
	// The same rows again: both periods exist now, nothing changes.
	status, _, body := w.member.tpPost(fmt.Sprintf("/contracts/%d/reports/import/confirm", w.contract), url.Values{"import_rows": {html.UnescapeString(m[1])}})
	if status != 409 || !strings.Contains(body, "预览之后报告已有变化") {
		t.Fatalf("confirming twice: %d %s", status, tpText(body))
	}
	if w.e.store.DB.Model(&models.ServiceReport{}).Count(&n); n != 2 {
		t.Fatalf("%d reports after a refused import", n)
	}
}
