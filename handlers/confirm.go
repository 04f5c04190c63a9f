package handlers

import (
	"net/http"
	"sort"

	"github.com/gin-gonic/gin"
)

// confirmField is the form field a confirmation step sets on its button.
const confirmField = "confirm"

// confirmView is the page that asks before an irreversible step: what will
// happen, the values that were posted (carried as hidden fields, so the
// answer posts the same form again), a button and a way back.
type confirmView struct {
	Action  string
	Message string
	Button  string
	Back    string
	Reason  string // the reason typed, shown as it will be recorded
	Hidden  []hiddenField
}

type hiddenField struct{ Name, Value string }

// askFirst is the one way a page confirms an irreversible step, with no
// script needed. It answers true when the form was confirmed; otherwise it
// shows the confirmation page (the same POST again, with confirm=yes) and
// answers false, and the handler stops. key names the step's messages in
// the catalogue: key+".title", key+".message" and key+".button".
func (s *Server) askFirst(c *gin.Context, key, back string) bool {
	if c.PostForm(confirmField) == "yes" {
		return true
	}
	lang := langOf(c)
	v := &confirmView{Action: c.Request.URL.Path, Message: s.msgs.T(lang, key+".message"),
		Button: s.msgs.T(lang, key+".button"), Back: back, Reason: c.PostForm("reason")}
	names := make([]string, 0, len(c.Request.PostForm))
	for name := range c.Request.PostForm {
		if name != confirmField {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		for _, val := range c.Request.PostForm[name] {
			v.Hidden = append(v.Hidden, hiddenField{name, val})
		}
	}
	s.html(c, http.StatusOK, "confirm", &page{Title: s.msgs.T(lang, key+".title"), Data: v})
	return false
}
