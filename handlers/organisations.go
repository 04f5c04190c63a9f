package handlers

import "github.com/gin-gonic/gin"

// organisationRoutes registers the organisation pages and API.
func (s *Server) organisationRoutes(r *gin.Engine, api *gin.RouterGroup) {}
