package handlers

import (
	"net/http"

	"portal/policy"

	"github.com/gin-gonic/gin"
)

// The report schedule of a contract (docs/report-schedule.md): its periods
// with due dates and status. The contract page shows it too
// (contract_schedule.html), and the desk its overdue reports.
func (s *Server) reportScheduleRoutes(_ *gin.Engine, api *gin.RouterGroup) {
	api.GET("/contracts/:id/schedule", policy.Require(""), apiID(http.StatusOK, s.store.ContractSchedule))
}
