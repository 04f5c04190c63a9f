package models

import (
	"context"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// User is a person who signs in.
type User struct {
	ID             int64  `json:"id" gorm:"primaryKey"`
	Username       string `json:"username"`
	PasswordHash   string `json:"-"`
	DisplayName    string `json:"display_name"`
	Phone          string `json:"phone,omitempty"`
	Email          string `json:"email"` // optional: where reminders are mailed
	Disabled       bool   `json:"disabled"`
	OrganisationID *int64 `json:"organisation_id,omitempty"`
	// MustChangePassword is set by an admin's reset: until the user has
	// chosen a new password it can do nothing else.
	MustChangePassword bool      `json:"must_change_password"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
}

// NewUser is the input to create a user.
type NewUser struct {
	Username    string `json:"username" form:"username" validate:"required,username"`
	Password    string `json:"password" form:"password" validate:"required,min=10,max=128"`
	DisplayName string `json:"display_name" form:"display_name" validate:"required,max=64"`
	Phone       string `json:"phone" form:"phone" validate:"omitempty,phone"`
	Email       string `json:"email" form:"email" validate:"omitempty,max=254,printascii,email"`
}

func (n *NewUser) normalise() {
	n.Username = strings.ToLower(strings.TrimSpace(n.Username))
	n.DisplayName = strings.TrimSpace(n.DisplayName)
	n.Phone = strings.TrimSpace(n.Phone)
	n.Email = strings.TrimSpace(n.Email)
}

// CreateUser creates a user with no roles (admin only).
func (s *Store) CreateUser(ctx context.Context, a *Actor, in NewUser) (*User, error) {
	if !a.CanAnywhere("user:create") {
		return nil, a.require("user:create", RootRegion)
	}
	var u *User
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var err error
		u, err = s.createUser(tx, a, in, nil)
		return err
	})
	return u, err
}

// createUser validates and inserts a user inside tx, with its audit event.
func (s *Store) createUser(tx *gorm.DB, a *Actor, in NewUser, orgID *int64) (*User, error) {
	in.normalise()
	if err := s.validate(&in); err != nil {
		return nil, err
	}
	hash, err := HashPassword(in.Password)
	if err != nil {
		return nil, err
	}
	u := &User{Username: in.Username, PasswordHash: hash, DisplayName: in.DisplayName, Phone: in.Phone, Email: in.Email, OrganisationID: orgID}
	u.CreatedAt = s.now()
	u.UpdatedAt = u.CreatedAt
	if err := tx.Create(u).Error; err != nil {
		if isDuplicate(err) {
			e := Invalid(Field("username", "taken", ""))
			e.Kind = ErrConflict
			e.Detail = "username is taken"
			return nil, e
		}
		return nil, err
	}
	return u, s.audit(tx, a, "user.create", "user", u.ID, "", nil, u)
}

// User loads a user for an admin, or the caller itself.
func (s *Store) User(ctx context.Context, a *Actor, id int64) (*User, error) {
	if !a.SignedIn() {
		return nil, a.require("user:read", RootRegion)
	}
	return s.userInReach(s.DB.WithContext(ctx), a, id)
}

// userInReach loads the caller itself or a user within the admin's reach;
// any other id is not found. Every action on a user loads it this way, so
// acting on a user answers as reading it does.
func (s *Store) userInReach(db *gorm.DB, a *Actor, id int64) (*User, error) {
	if a.SignedIn() && a.UserID == id {
		return s.userByID(db, id)
	}
	if !a.CanAnywhere("user:read") {
		return nil, Fail(ErrNotFound, "err.not_found", "user not found")
	}
	return s.userByID(s.usersInReach(db.Model(&User{}), a), id)
}

// usersInReach limits q to the users an admin may see: those holding a
// role within the admin's regions, and those holding none yet (so that
// they can be given one). A nationwide admin sees everyone.
func (s *Store) usersInReach(q *gorm.DB, a *Actor) *gorm.DB {
	cond, args, all := regionCond("v2", a.Regions("user:read"))
	if all {
		return q
	}
	const grantee = "SELECT CAST(SUBSTR(v0, 3) AS BIGINT) FROM casbin_rule WHERE ptype = 'g' AND v0 LIKE 'u:%'"
	return q.Where("(id NOT IN ("+grantee+") OR id IN ("+grantee+" AND "+cond+"))", args...)
}

func (s *Store) userByID(db *gorm.DB, id int64) (*User, error) {
	var u User
	if err := db.First(&u, id).Error; err != nil {
		return nil, notFound(err, "user")
	}
	return &u, nil
}

// UserFilter narrows the user list.
type UserFilter struct {
	Q string
}

// Users lists the users within the admin's reach.
func (s *Store) Users(ctx context.Context, a *Actor, f UserFilter, p Page) (List[User], error) {
	p = p.Normalise()
	out := List[User]{Items: []User{}, Page: p.Page, PerPage: p.PerPage}
	q, err := s.usersQuery(s.DB.WithContext(ctx), a, f)
	if err != nil {
		return out, err
	}
	if err := q.Count(&out.Total).Error; err != nil {
		return out, err
	}
	return out, q.Order("id").Offset(p.offset()).Limit(p.PerPage).Find(&out.Items).Error
}

// usersQuery is the user list's rows with f, within a's reach.
func (s *Store) usersQuery(db *gorm.DB, a *Actor, f UserFilter) (*gorm.DB, error) {
	if !a.CanAnywhere("user:read") {
		return nil, a.require("user:read", RootRegion)
	}
	q := s.usersInReach(db.Model(&User{}), a)
	if f.Q != "" {
		like := "%" + strings.ToLower(f.Q) + "%"
		q = q.Where("(username LIKE ? OR display_name LIKE ?)", like, "%"+f.Q+"%")
	}
	return q, nil
}

// GrantRole gives a user a role in a region. The granting admin's own reach
// must cover the region.
func (s *Store) GrantRole(ctx context.Context, a *Actor, userID int64, g Grant) error {
	g.Role = strings.TrimSpace(g.Role)
	g.Region = strings.TrimSpace(g.Region)
	var fields []FieldError
	if !slices.Contains(GrantableRoles, g.Role) {
		fields = append(fields, Field("role", "oneof", strings.Join(GrantableRoles, " ")))
	}
	if g.Region == "" {
		fields = append(fields, Field("region", "required", ""))
	} else if g.Region != RootRegion {
		if _, err := s.Region(ctx, g.Region); err != nil {
			fields = append(fields, Field("region", "region", ""))
		}
	}
	if !a.CanAnywhere("user:grant") {
		return a.require("user:grant", RootRegion)
	}
	u, err := s.userInReach(s.DB.WithContext(ctx), a, userID)
	if err != nil {
		return err
	}
	if len(fields) > 0 {
		return Invalid(fields...)
	}
	if !a.Can("user:grant", g.Region) {
		// Named by its field, so that the page's form says it next to the
		// region picker.
		return &Error{Kind: ErrForbidden, Key: "err.grant_region", Detail: "you may grant roles only within your own regions",
			Fields: []FieldError{Field("region", "grant_reach", "")}}
	}
	if u.OrganisationID != nil && g.Role != RoleAgency {
		return Fail(ErrConflict, "err.agency_user_role", "an organisation's member cannot hold staff roles")
	}
	existing, err := s.Authz.Grants(userID)
	if err != nil {
		return err
	}
	if slices.Contains(existing, g) {
		return GrantExists()
	}
	return s.addGrant(ctx, a, u, g)
}

// GrantExists answers a grant the user already holds (409); the
// Authorizer returns it when the database already has the grant.
func GrantExists() error {
	return Fail(ErrConflict, "err.grant_exists", "the user already holds this role in this region")
}

// addGrant persists a grant with its audit event, then makes it effective.
func (s *Store) addGrant(ctx context.Context, a *Actor, u *User, g Grant) error {
	var apply func()
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var err error
		if apply, err = s.Authz.AddGrant(tx, u.ID, g); err != nil {
			return err
		}
		return s.audit(tx, a, "user.grant", "user", u.ID, g.auditRegion(), nil, g)
	})
	if err == nil {
		apply()
	}
	return err
}

// SetUserDisabled disables or re-enables a user. Disabling ends the user's
// sessions at once.
func (s *Store) SetUserDisabled(ctx context.Context, a *Actor, userID int64, disabled bool) (*User, error) {
	if !a.CanAnywhere("user:disable") {
		return nil, a.require("user:disable", RootRegion)
	}
	if userID == a.UserID && disabled {
		return nil, Fail(ErrConflict, "err.disable_self", "you cannot disable yourself")
	}
	if _, err := s.userInReach(s.DB.WithContext(ctx), a, userID); err != nil {
		return nil, err
	}
	if err := s.requireReach(a, "user:disable", userID); err != nil {
		return nil, err
	}
	var u *User
	forget := func() {}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var err error
		if u, err = s.userByID(tx, userID); err != nil {
			return err
		}
		if u.Disabled == disabled {
			return Fail(ErrConflict, "err.no_change", "the user is already in that state")
		}
		before := *u
		u.Disabled = disabled
		u.UpdatedAt = s.now()
		if err := tx.Model(u).Select("disabled", "updated_at").Updates(u).Error; err != nil {
			return err
		}
		if disabled {
			if forget, err = s.endSessions(tx, "user_id = ?", u.ID); err != nil {
				return err
			}
		}
		action := "user.enable"
		if disabled {
			action = "user.disable"
		}
		return s.audit(tx, a, action, "user", u.ID, "", before, u)
	})
	if err != nil {
		return nil, err
	}
	forget()
	return u, nil
}

// requireReach checks that the actor may do action in every region where
// the target user holds a role, so a county admin cannot act on a region's
// staff.
func (s *Store) requireReach(a *Actor, action string, userID int64) error {
	grants, err := s.Authz.Grants(userID)
	if err != nil {
		return err
	}
	for _, g := range grants {
		if err := a.require(action, g.Region); err != nil {
			return err
		}
	}
	return nil
}

// EnsureAdmin creates user "admin" with a nationwide admin grant when the
// database has no users yet. It returns the password it set ("" when users
// exist already): the given one, or a random one to print once.
func (s *Store) EnsureAdmin(ctx context.Context, password string) (string, error) {
	var n int64
	if err := s.DB.WithContext(ctx).Model(&User{}).Count(&n).Error; err != nil {
		return "", err
	}
	if n > 0 {
		return "", nil
	}
	if password == "" {
		password = RandomToken(12)
	}
	system := &Actor{RemoteAddr: "startup"}
	var u *User
	if err := s.tx(ctx, func(tx *gorm.DB) error {
		var err error
		u, err = s.createUser(tx, system, NewUser{Username: "admin", Password: password, DisplayName: "系统管理员"}, nil)
		return err
	}); err != nil {
		return "", err
	}
	return password, s.addGrant(ctx, system, u, Grant{Role: RoleAdmin, Region: RootRegion})
}
