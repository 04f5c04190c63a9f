package handlers

import (
	"net/http"

	"portal/models"
	"portal/policy"

	"github.com/gin-gonic/gin"
)

func auditFilter(c *gin.Context) models.AuditFilter {
	return models.AuditFilter{ObjectType: c.Query("object_type"), ObjectID: c.Query("object_id")}
}

func (s *Server) apiAudit(c *gin.Context) {
	list, err := s.store.AuditEvents(c.Request.Context(), policy.ActorFrom(c), auditFilter(c), pageOf(c))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, list)
}

type auditData struct {
	List   models.List[models.AuditEvent]
	Filter models.AuditFilter
	Types  []string
}

func (s *Server) pageAudit(c *gin.Context) {
	f := auditFilter(c)
	list, err := s.store.AuditEvents(c.Request.Context(), policy.ActorFrom(c), f, pageOf(c))
	if err != nil {
		fail(c, err)
		return
	}
	p := &page{Title: s.msgs.T(langOf(c), "audit.title"), Data: auditData{List: list, Filter: f, Types: models.AuditObjectTypes}}
	codes := make([]string, 0, len(list.Items))
	for _, ev := range list.Items {
		codes = append(codes, ev.RegionCode)
	}
	if err := s.loadRegionNames(c.Request.Context(), p, codes...); err != nil {
		fail(c, err)
		return
	}
	s.html(c, http.StatusOK, "audit", p)
}
