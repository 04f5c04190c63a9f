package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"time"

	"portal/models"
	"portal/policy"

	"github.com/gin-gonic/gin"
)

// Reports as a spreadsheet: the contract's template, an upload's preview
// (per cell errors, duplicate periods) and the confirmed import, from the
// API and the contract page.

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

func (s *Server) reportXLSXRoutes(r *gin.Engine, api *gin.RouterGroup) {
	write := policy.Require("report:write")
	api.GET("/contracts/:id/reports/template.xlsx", write, s.reportTemplate)
	api.POST("/contracts/:id/reports/import", s.allowUpload, write, s.apiPreviewImport)
	api.POST("/contracts/:id/reports/import/confirm", s.allowUpload, write, apiIDBody(http.StatusCreated,
		func(ctx context.Context, a *models.Actor, id int64, in importBody) (models.List[models.ServiceReport], error) {
			list, err := s.store.ImportReports(ctx, a, id, in.Rows)
			return items(list), err
		}))
	r.GET("/contracts/:id/reports/template.xlsx", write, s.reportTemplate)
	r.POST("/contracts/:id/reports/import", s.allowUpload, write, s.pagePreviewImport)
	r.POST("/contracts/:id/reports/import/confirm", write, s.pageConfirmImport) // a form: the default body limit
}

type importBody struct {
	Rows []models.ImportRow `json:"rows"`
}

func (s *Server) reportTemplate(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	b, name, err := s.store.ReportTemplate(c.Request.Context(), policy.ActorFrom(c), id)
	if err != nil {
		fail(c, err)
		return
	}
	serveDownload(c, name, xlsxType, "", time.Now(), bytes.NewReader(b))
}

// previewMessages words each cell's error in the reader's language.
func (s *Server) previewMessages(lang string, p *models.ImportPreview) {
	for i := range p.Rows {
		for j := range p.Rows[i].Cells {
			ce := &p.Rows[i].Cells[j]
			ce.Message = s.fieldMessage(lang, models.Field(ce.Field, ce.Code, ce.Param))
		}
	}
}

func (s *Server) apiPreviewImport(c *gin.Context) {
	apiID(http.StatusOK, func(ctx context.Context, a *models.Actor, id int64) (*models.ImportPreview, error) {
		p, err := s.store.PreviewReportImport(ctx, a, id, orgUpload(c))
		if err == nil {
			s.previewMessages("en", p)
		}
		return p, err
	})(c)
}

// importData is the preview page.
type importData struct {
	pageFmt
	Contract int64
	Preview  *models.ImportPreview
	Rows     string // the previewed rows as JSON, posted back to confirm
}

func (s *Server) pagePreviewImport(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	lang := langOf(c)
	p, err := s.store.PreviewReportImport(c.Request.Context(), policy.ActorFrom(c), id, orgUpload(c))
	if err != nil {
		s.importFailed(c, id, err)
		return
	}
	s.previewMessages(lang, p)
	rows, err := json.Marshal(p.Rows)
	if err != nil {
		fail(c, err)
		return
	}
	s.html(c, http.StatusOK, "report_import", &page{Title: s.msgs.T(lang, "report.import_title"),
		Data: &importData{pageFmt: s.pageFmt(c), Contract: id, Preview: p, Rows: string(rows)}})
}

func (s *Server) pageConfirmImport(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	var rows []models.ImportRow
	if err := json.Unmarshal([]byte(c.PostForm("import_rows")), &rows); err != nil {
		fail(c, models.Fail(models.ErrBadRequest, "err.400", "the previewed rows are not readable"))
		return
	}
	if fields := models.CheckText(&rows, "json"); len(fields) > 0 {
		fail(c, models.Invalid(fields...))
		return
	}
	_, err = s.store.ImportReports(c.Request.Context(), policy.ActorFrom(c), id, rows)
	if err == nil {
		redirectDone(c, "/contracts/"+itoa64(id)+"#contract-reports", "report.imported")
		return
	}
	s.importFailed(c, id, err)
}

// importFailed shows the import page with a refused upload's or
// confirmation's errors (and the upload form again).
func (s *Server) importFailed(c *gin.Context, id int64, err error) {
	if !onForm(err) {
		fail(c, err)
		return
	}
	lang := langOf(c)
	status, _ := classify(err)
	pg := &page{Title: s.msgs.T(lang, "report.import_title"), Data: &importData{pageFmt: s.pageFmt(c), Contract: id}}
	pg.Errors, pg.Error = s.formErrors(lang, err)
	s.html(c, status, "report_import", pg)
}
