package handlers

import "github.com/gin-gonic/gin"

// tenderRoutes registers the tender pages and API.
func (s *Server) tenderRoutes(r *gin.Engine, api *gin.RouterGroup) {}
