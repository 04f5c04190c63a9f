package handlers

import (
	"net/http"

	"portal/models"

	"github.com/gin-gonic/gin"
)

func (s *Server) apiRegions(c *gin.Context) {
	regions, err := s.store.Regions(c.Request.Context(), c.Query("parent"))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": regions, "total": len(regions)})
}

func (s *Server) apiRegion(c *gin.Context) {
	r, err := s.store.Region(c.Request.Context(), c.Param("code"))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}

type regionsData struct {
	Path     []models.Region
	Children []models.Region
}

func (s *Server) pageRegions(c *gin.Context) {
	ctx := c.Request.Context()
	parent := c.Query("parent")
	var d regionsData
	var err error
	if parent != "" {
		if d.Path, err = s.store.RegionPath(ctx, parent); err != nil {
			fail(c, err)
			return
		}
	}
	if d.Children, err = s.store.Regions(ctx, parent); err != nil {
		fail(c, err)
		return
	}
	s.html(c, http.StatusOK, "regions", &page{Title: s.msgs.T(langOf(c), "regions.title"), Data: d})
}
