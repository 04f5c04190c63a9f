package handlers

import (
	"encoding/json"

	"portal/models"
	"portal/policy"

	"github.com/gin-gonic/gin"
)

// Support sessions (创业规划, 服务督导) recorded from the contract's page;
// the API routes are with the office space's (officeRoutes).

type sessionForm struct {
	Kind      string `form:"kind" validate:"max=40"`
	HeldOn    string `form:"held_on" validate:"max=40"`
	Hours     string `form:"hours" validate:"max=40"`
	Provider  string `form:"provider" validate:"max=200"`
	Topics    string `form:"topics" validate:"max=2000"`
	Attendees string `form:"attendees" validate:"max=40"`
}

func (s *Server) pageRecordSession(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	var f sessionForm
	if err := bindForm(c, &f); err != nil {
		fail(c, err)
		return
	}
	in := models.SessionInput{Kind: f.Kind, HeldOn: f.HeldOn, Hours: json.Number(formDecimal(f.Hours)), Provider: f.Provider,
		Topics: f.Topics, Attendees: formInt(formDecimal(f.Attendees), -1)}
	_, err = s.store.RecordSession(c.Request.Context(), policy.ActorFrom(c), id, in)
	s.contractFormDone(c, "contract-sessions", "session", err, map[string]string{"kind": f.Kind, "held_on": f.HeldOn, "hours": f.Hours,
		"provider": f.Provider, "topics": f.Topics, "attendees": f.Attendees}, "support.recorded")
}
