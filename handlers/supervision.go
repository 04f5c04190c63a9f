package handlers

import (
	"context"
	"net/http"

	"portal/models"
	"portal/policy"

	"github.com/gin-gonic/gin"
)

// Supervision: the API (this file) and the pages (supervision_pages.go).

// supervisionRoutes registers the supervision API and pages.
func (s *Server) supervisionRoutes(r *gin.Engine, api *gin.RouterGroup) {
	st := s.store
	assign, write, respond, signedIn := policy.Require("supervision:assign"), policy.Require("supervision:write"),
		policy.Require("rectification:respond"), policy.Require("")
	api.PUT("/contracts/:id/supervisors", assign, apiIDBody(http.StatusOK, func(ctx context.Context, a *models.Actor, id int64, in models.SupervisorsInput) (*models.Contract, error) {
		if _, err := st.SetSupervisors(ctx, a, id, in); err != nil {
			return nil, err
		}
		return st.Contract(ctx, a, id)
	}))
	api.POST("/supervisor/declarations", write, func(c *gin.Context) {
		var in models.DeclarationInput
		if err := bindJSON(c, &in); err != nil {
			fail(c, err)
			return
		}
		d, err := st.DeclareRelation(c.Request.Context(), policy.ActorFrom(c), in)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusCreated, d)
	})
	api.GET("/supervisor/declarations", write, func(c *gin.Context) {
		list, err := st.Declarations(c.Request.Context(), policy.ActorFrom(c))
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, items(list))
	})
	api.POST("/contracts/:id/visits", write, apiIDBody(http.StatusCreated, st.RecordVisit))
	api.GET("/contracts/:id/visits", signedIn, apiID(http.StatusOK, func(ctx context.Context, a *models.Actor, id int64) (models.List[models.Visit], error) {
		list, err := st.ContractVisits(ctx, a, id)
		return items(list), err
	}))
	api.POST("/visits/:id/photos", s.allowUpload, write, apiUpload(st.AddVisitPhoto))
	api.GET("/visits/:id/photos/:sub", signedIn, s.supervisionDownload("visit"))
	api.POST("/contracts/:id/evaluations", write, apiIDBody(http.StatusCreated, st.RecordEvaluation))
	api.GET("/contracts/:id/evaluations", signedIn, apiID(http.StatusOK, st.ContractEvaluationsOf))
	api.POST("/contracts/:id/rectifications", write, apiIDBody(http.StatusCreated, st.OpenRectification))
	api.GET("/contracts/:id/rectifications", signedIn, apiID(http.StatusOK, func(ctx context.Context, a *models.Actor, id int64) (models.List[models.Rectification], error) {
		list, err := st.ContractRectifications(ctx, a, id)
		return items(list), err
	}))
	api.POST("/rectifications/:id/respond", respond, apiIDBody(http.StatusOK, st.RespondRectification))
	api.POST("/rectifications/:id/attachments", s.allowUpload, respond, apiUpload(st.AddRectificationFile))
	api.GET("/rectifications/:id/attachments/:sub", signedIn, s.supervisionDownload("rectification"))
	api.POST("/rectifications/:id/verify", write, apiIDBody(http.StatusOK, st.VerifyRectification))
	api.POST("/contracts/:id/accept", signedIn, apiID(http.StatusOK, st.AcceptContract))
	api.GET("/organisations/:id/grades", signedIn, apiID(http.StatusOK, func(ctx context.Context, a *models.Actor, id int64) (models.List[models.Grade], error) {
		list, err := st.OrganisationGrades(ctx, a, id)
		return items(list), err
	}))
	s.supervisionPageRoutes(r)
}

// apiUpload adds the multipart form's file to the object of the path.
func apiUpload(fn func(context.Context, *models.Actor, int64, func() (models.OrgUpload, error)) (*models.SupervisionFile, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		apiID(http.StatusCreated, func(ctx context.Context, a *models.Actor, id int64) (*models.SupervisionFile, error) {
			return fn(ctx, a, id, orgUpload(c))
		})(c)
	}
}

// supervisionDownload sends a visit's photo or a rectification's file to
// whoever may see its contract.
func (s *Server) supervisionDownload(owner string) gin.HandlerFunc {
	return func(c *gin.Context) {
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
		f, file, err := s.store.OpenSupervisionFile(c.Request.Context(), policy.ActorFrom(c), owner, id, sub)
		if err != nil {
			fail(c, err)
			return
		}
		defer file.Close()
		serveDownload(c, f.Filename, f.ContentType, f.SHA256, f.CreatedAt, file)
	}
}
