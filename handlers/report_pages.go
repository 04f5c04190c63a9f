package handlers

import "github.com/gin-gonic/gin"

func (s *Server) reportPageRoutes(r *gin.Engine) {}
