package handlers

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"portal/models"
	"portal/policy"

	"github.com/gin-gonic/gin"
)

// Service reports: the API (this file) and the pages (report_pages.go).

type commentBody struct {
	Comment string `json:"comment"`
}

// reportRoutes registers the report API and pages.
func (s *Server) reportRoutes(r *gin.Engine, api *gin.RouterGroup) {
	st := s.store
	write, review, signedIn := policy.Require("report:write"), policy.Require("report:review"), policy.Require("")
	api.POST("/contracts/:id/reports", write, apiIDBody(http.StatusCreated, st.CreateReport))
	api.GET("/contracts/:id/reports", signedIn, apiID(http.StatusOK, func(ctx context.Context, a *models.Actor, id int64) (models.List[models.ServiceReport], error) {
		list, err := st.ContractReports(ctx, a, id)
		return items(list), err
	}))
	api.GET("/reports/:id", signedIn, s.apiReport)
	api.PATCH("/reports/:id", write, s.apiUpdateReport)
	api.POST("/reports/:id/submit", write, apiID(http.StatusOK, st.SubmitReport))
	api.POST("/reports/:id/approve", review, s.apiReviewReport(st.ApproveReport))
	api.POST("/reports/:id/return", review, s.apiReviewReport(st.ReturnReport))
	api.GET("/reports/:id/versions", signedIn, apiID(http.StatusOK, func(ctx context.Context, a *models.Actor, id int64) (models.List[models.ReportVersion], error) {
		list, err := st.ReportVersions(ctx, a, id)
		return items(list), err
	}))
	api.POST("/reports/:id/attachments", s.allowUpload, write, s.apiAttachToReport)
	api.GET("/reports/:id/attachments", signedIn, apiID(http.StatusOK, func(ctx context.Context, a *models.Actor, id int64) (models.List[models.ReportAttachment], error) {
		list, err := st.ReportAttachments(ctx, a, id)
		return items(list), err
	}))
	api.GET("/reports/:id/attachments/:sub", signedIn, s.reportDownload)
	s.reportPageRoutes(r)
}

// apiReport answers a report with its version as the ETag, for a PATCH's
// If-Match.
func (s *Server) apiReport(c *gin.Context) {
	apiID(http.StatusOK, func(ctx context.Context, a *models.Actor, id int64) (*models.ServiceReport, error) {
		r, err := s.store.Report(ctx, a, id)
		if err == nil {
			c.Header("ETag", `"`+strconv.Itoa(r.Version)+`"`)
		}
		return r, err
	})(c)
}

// apiUpdateReport applies the body over the report as it is: absent fields
// keep their values. The version the change is based on comes from the
// body's "version" or else from If-Match; a stale one is 409.
func (s *Server) apiUpdateReport(c *gin.Context) {
	apiID(http.StatusOK, func(ctx context.Context, a *models.Actor, id int64) (*models.ServiceReport, error) {
		body, err := readJSON(c)
		if err != nil {
			return nil, err
		}
		var base struct {
			Version *int `json:"version"`
		}
		if err := json.Unmarshal(body, &base); err != nil {
			return nil, models.Fail(models.ErrBadRequest, "err.400", "the body is not a JSON object with a numeric version")
		}
		version := 0
		if base.Version != nil {
			version = *base.Version
		} else if m := c.GetHeader("If-Match"); m != "" {
			version, _ = strconv.Atoi(strings.Trim(strings.TrimPrefix(strings.TrimSpace(m), "W/"), `"`))
		}
		r, err := s.store.UpdateReport(ctx, a, id, version, func(in *models.ReportInput) error { return decodeJSON(body, in) })
		if err == nil {
			c.Header("ETag", `"`+strconv.Itoa(r.Version)+`"`)
		}
		return r, err
	})(c)
}

// apiReviewReport approves or returns a report; the body {"comment"} may be
// absent for an approval.
func (s *Server) apiReviewReport(fn func(context.Context, *models.Actor, int64, string) (*models.ServiceReport, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		apiID(http.StatusOK, func(ctx context.Context, a *models.Actor, id int64) (*models.ServiceReport, error) {
			var in commentBody
			body, err := readJSON(c)
			if err != nil {
				return nil, err
			}
			if len(strings.TrimSpace(string(body))) > 0 {
				if err := decodeJSON(body, &in); err != nil {
					return nil, err
				}
			}
			return fn(ctx, a, id, in.Comment)
		})(c)
	}
}

func (s *Server) apiAttachToReport(c *gin.Context) {
	apiID(http.StatusCreated, func(ctx context.Context, a *models.Actor, id int64) (*models.ReportAttachment, error) {
		return s.store.AddReportAttachment(ctx, a, id, orgUpload(c))
	})(c)
}

// reportDownload sends a report's file to those who may read the report,
// from the API and the pages alike.
func (s *Server) reportDownload(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	sub, err := subID(c)
	if err != nil {
		fail(c, err)
		return
	}
	at, f, err := s.store.OpenReportAttachment(c.Request.Context(), policy.ActorFrom(c), id, sub)
	if err != nil {
		fail(c, err)
		return
	}
	defer f.Close()
	serveDownload(c, at.Filename, at.ContentType, at.SHA256, at.CreatedAt, f)
}
