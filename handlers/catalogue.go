package handlers

import "github.com/gin-gonic/gin"

// catalogueRoutes registers the catalogue pages and API.
func (s *Server) catalogueRoutes(r *gin.Engine, api *gin.RouterGroup) {}
