package policy

import (
	"portal/models"

	"github.com/gin-gonic/gin"
)

// ActorKey is where the request's caller is kept in the gin context.
const ActorKey = "portal.actor"

// ActorFrom returns the caller; the session middleware always sets one
// (the anonymous public when nobody is signed in).
func ActorFrom(c *gin.Context) *models.Actor {
	if v, ok := c.Get(ActorKey); ok {
		if a, ok := v.(*models.Actor); ok {
			return a
		}
	}
	return nil
}

// Require is the one route check for pages and API: the caller must hold
// action in at least one region (the model then checks the object's region
// and ownership). An empty action only requires a signed-in user. A denial
// is put on the context for the one error renderer.
func Require(action string) gin.HandlerFunc {
	return func(c *gin.Context) {
		a := ActorFrom(c)
		switch {
		case !a.SignedIn() && (action == "" || !a.CanAnywhere(action)):
			c.Error(models.Fail(models.ErrUnauthenticated, "err.unauthenticated", "sign in first"))
			c.Abort()
		case action != "" && !a.CanAnywhere(action):
			c.Error(models.Fail(models.ErrForbidden, "err.forbidden", "not allowed: "+action))
			c.Abort()
		default:
			c.Next()
		}
	}
}
