package models

import (
	"strconv"
	"strings"

	"gorm.io/gorm"
)

// Roles.
const (
	RoleAdmin       = "admin"
	RoleProcurement = "procurement"
	RoleExpert      = "expert"
	RoleSupervisor  = "supervisor"
	RoleAgency      = "agency"
	RolePublic      = "public"
)

// GrantableRoles may be granted by an admin; agency membership comes from an
// organisation, not from a grant by hand.
var GrantableRoles = []string{RoleAdmin, RoleProcurement, RoleExpert, RoleSupervisor}

// RootRegion is the domain of a nationwide grant (the first administrator).
const RootRegion = "*"

// Grant is one role held in one region (and every region below it).
type Grant struct {
	Role   string `json:"role"`
	Region string `json:"region"`
}

// auditRegion is the region an audit event of the grant is filed under: a
// nationwide grant under none.
func (g Grant) auditRegion() string {
	if g.Region == RootRegion {
		return ""
	}
	return g.Region
}

// Authorizer is the access-control engine (casbin, in package policy).
type Authorizer interface {
	// Enforce answers whether subject may do action in region.
	Enforce(subject, region, action string) (bool, error)
	// Grants lists a user's role grants.
	Grants(userID int64) ([]Grant, error)
	// AddGrant persists a grant inside tx and returns a function that makes
	// it effective in memory once tx has committed; GrantExists when the
	// database holds the grant already.
	AddGrant(tx *gorm.DB, userID int64, g Grant) (apply func(), err error)
	// RemoveGrant deletes a grant inside tx and returns a function that
	// makes the removal effective in memory once tx has committed;
	// GrantNotFound when the database does not hold the grant.
	RemoveGrant(tx *gorm.DB, userID int64, g Grant) (apply func(), err error)
}

// Subject is the casbin subject of a user.
func Subject(userID int64) string { return "u:" + strconv.FormatInt(userID, 10) }

// AnonymousSubject is the subject of a caller who has not signed in.
const AnonymousSubject = "anonymous"

// Actor is the caller of a model function: who, with which grants, from where.
type Actor struct {
	UserID         int64
	Username       string
	DisplayName    string
	OrganisationID *int64
	// MustChangePassword: the user signed in with a password an admin set
	// and may only change it (the handlers' gate holds every other route).
	MustChangePassword bool
	Grants             []Grant
	RemoteAddr         string
	authz              Authorizer
	// memo keeps this request's answers: a page asks the same questions
	// for its navigation, its capabilities and its handler.
	memo map[[2]string]bool
}

// NewActor binds a signed-in user to the authorizer.
func NewActor(u *User, grants []Grant, remote string, authz Authorizer) *Actor {
	return &Actor{UserID: u.ID, Username: u.Username, DisplayName: u.DisplayName, OrganisationID: u.OrganisationID,
		MustChangePassword: u.MustChangePassword, Grants: grants, RemoteAddr: remote, authz: authz}
}

// Anonymous is the public caller.
func Anonymous(remote string, authz Authorizer) *Actor {
	return &Actor{RemoteAddr: remote, authz: authz}
}

// SignedIn reports whether the actor is a user.
func (a *Actor) SignedIn() bool { return a != nil && a.UserID != 0 }

func (a *Actor) subject() string {
	if !a.SignedIn() {
		return AnonymousSubject
	}
	return Subject(a.UserID)
}

// Can reports whether the actor may do action on an object of region. Errors
// of the engine deny (fail closed).
func (a *Actor) Can(action, region string) bool {
	if a == nil || a.authz == nil {
		return false
	}
	key := [2]string{action, region}
	if ok, seen := a.memo[key]; seen {
		return ok
	}
	ok, err := a.authz.Enforce(a.subject(), region, action)
	ok = err == nil && ok
	if err == nil {
		if a.memo == nil {
			a.memo = map[[2]string]bool{}
		}
		a.memo[key] = ok
	}
	return ok
}

// CanAnywhere reports whether the actor may do action in at least one region;
// it is the route-level check, the model narrows it to the object's region.
func (a *Actor) CanAnywhere(action string) bool {
	if a == nil {
		return false
	}
	if a.Can(action, RootRegion) {
		return true
	}
	for _, g := range a.Grants {
		if a.Can(action, g.Region) {
			return true
		}
	}
	return false
}

// Regions lists the regions where the actor may do action; RootRegion
// stands for everywhere.
func (a *Actor) Regions(action string) []string {
	if a == nil {
		return nil
	}
	if a.Can(action, RootRegion) {
		return []string{RootRegion}
	}
	var out []string
	for _, g := range a.Grants {
		if a.Can(action, g.Region) {
			out = append(out, g.Region)
		}
	}
	return out
}

// HasRole reports whether the actor holds role in any region.
func (a *Actor) HasRole(role string) bool {
	if a == nil {
		return false
	}
	for _, g := range a.Grants {
		if g.Role == role {
			return true
		}
	}
	return false
}

// require returns ErrUnauthenticated or ErrForbidden unless the actor may do
// action in region.
func (a *Actor) require(action, region string) error {
	if a.Can(action, region) {
		return nil
	}
	if !a.SignedIn() {
		return Fail(ErrUnauthenticated, "err.unauthenticated", "sign in first")
	}
	return Fail(ErrForbidden, "err.forbidden", "not allowed: "+action)
}

// regionCond is the SQL condition "column lies within one of regions";
// all is true when RootRegion is among them (no limit). No regions gives a
// condition that matches nothing.
func regionCond(column string, regions []string) (cond string, args []any, all bool) {
	if len(regions) == 0 {
		return "1 = 0", nil, false
	}
	parts := make([]string, 0, len(regions))
	for _, r := range regions {
		if r == RootRegion {
			return "", nil, true
		}
		cond, a := regionPrefix(column, r)
		parts, args = append(parts, cond), append(args, a...)
	}
	return "(" + strings.Join(parts, " OR ") + ")", args, false
}

// regionPrefix is the condition "column starts with the region code
// prefix". For a code of digits it is a range, prefix <= column < the
// prefix's successor (4501: 4502; 4509: 4510), which a plain btree index
// on column serves on both databases: PostgreSQL cannot use one for LIKE
// under a collation other than C, nor SQLite, whose LIKE ignores case. The
// LIKE stays, as the exact test of the rows the range reads. Anything but
// digits (a filter as typed) is the LIKE alone.
func regionPrefix(column, prefix string) (string, []any) {
	lo, hi, ok := regionRange(prefix)
	switch {
	case !ok:
		return column + " LIKE ?", []any{prefix + "%"}
	case hi == "":
		return "(" + column + " >= ? AND " + column + " LIKE ?)", []any{lo, prefix + "%"}
	default:
		return "(" + column + " >= ? AND " + column + " < ? AND " + column + " LIKE ?)", []any{lo, hi, prefix + "%"}
	}
}

// regionRange is the range of codes starting with prefix, when prefix is
// digits: from prefix, below the next number of at most its length with
// the trailing nines carried ("" for all nines: no upper bound). Digits
// sort in their order and a prefix before its extensions under every
// collation, so the range holds every code that starts with prefix.
func regionRange(prefix string) (lo, hi string, ok bool) {
	if prefix == "" {
		return "", "", false
	}
	for _, r := range prefix {
		if r < '0' || r > '9' {
			return "", "", false
		}
	}
	b := []byte(prefix)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < '9' {
			b[i]++
			return prefix, string(b[:i+1]), true
		}
	}
	return prefix, "", true
}

// regionStarts limits q to the codes a list's region filter starts with.
func regionStarts(q *gorm.DB, column, prefix string) *gorm.DB {
	cond, args := regionPrefix(column, strings.TrimRight(prefix, "%_"))
	return q.Where(cond, args...)
}

// regionScope limits q to rows whose column lies within regions.
func regionScope(q *gorm.DB, column string, regions []string) *gorm.DB {
	cond, args, all := regionCond(column, regions)
	if all {
		return q
	}
	return q.Where(cond, args...)
}
