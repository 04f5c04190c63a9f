package models

import (
	"context"
	"slices"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// PasswordChange is the input to change one's own password. The new one
// is held to the rule of NewUser.Password.
type PasswordChange struct {
	CurrentPassword string `json:"current_password" form:"current_password" validate:"required,max=128"`
	NewPassword     string `json:"new_password" form:"new_password" validate:"required,min=10,max=128"`
}

// PasswordReset is an admin's temporary password for a user, held to the
// rule of NewUser.Password.
type PasswordReset struct {
	TemporaryPassword string `json:"temporary_password" form:"temporary_password" validate:"required,min=10,max=128"`
}

// passwordFlag is what a password's audit event records: never the
// password or its hash.
type passwordFlag struct {
	MustChangePassword bool `json:"must_change_password"`
}

// ChangePassword sets the caller's own password. The current password is
// checked as a sign-in is, counted in the same per-user throttle (a stolen
// session cannot guess it faster than a sign-in could). On success every
// session of the user ends and a new one is opened in the same
// transaction; its token is returned for the caller's cookie.
func (s *Store) ChangePassword(ctx context.Context, a *Actor, in PasswordChange) (string, error) {
	if !a.SignedIn() {
		return "", a.require("user:read", RootRegion)
	}
	if err := s.validate(&in); err != nil {
		return "", err
	}
	if in.NewPassword == in.CurrentPassword {
		return "", Invalid(Field("new_password", "same_password", ""))
	}
	tooMany := Fail(ErrTooMany, "err.too_many", "too many failed sign-ins; try again later")
	reserved, err := s.reserveAttempt(ctx, tooMany, throttle{"user:" + a.Username, s.Settings.MaxFailuresUser})
	if err != nil {
		return "", err
	}
	u, err := s.userByID(s.DB.WithContext(ctx), a.UserID)
	if err != nil {
		return "", err
	}
	if !CheckPassword(u.PasswordHash, in.CurrentPassword) {
		e := Invalid(Field("current_password", "wrong_password", ""))
		e.Key, e.Detail = "err.wrong_password", "the current password is wrong"
		return "", e
	}
	hash, err := HashPassword(in.NewPassword)
	if err != nil {
		return "", err
	}
	now := s.now()
	token := RandomToken(32)
	var forget func()
	err = s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("id IN ?", reserved).Delete(&SignInFailure{}).Error; err != nil {
			return err
		}
		// Only over the hash that was checked: a parallel change or reset
		// in between wins, and this one is refused.
		res := tx.Model(&User{}).Where("id = ? AND password_hash = ?", u.ID, u.PasswordHash).
			Updates(map[string]any{"password_hash": hash, "must_change_password": false, "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return Fail(ErrConflict, "err.password_changed", "the password was changed meanwhile; sign in again")
		}
		if forget, err = s.endSessions(tx, "user_id = ?", u.ID); err != nil {
			return err
		}
		sess := Session{ID: tokenID(token), UserID: u.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.Settings.SessionAbsolute)}
		if err := tx.Create(&sess).Error; err != nil {
			return err
		}
		return s.audit(tx, a, "user.password_change", "user", u.ID, "",
			passwordFlag{u.MustChangePassword}, passwordFlag{false})
	})
	if err != nil {
		return "", err
	}
	forget()
	return token, nil
}

// ResetPassword sets a temporary password on a user within the admin's
// reach (as reading it: anyone else is not found), ends the user's
// sessions and makes it choose a new password at its next sign-in. An
// admin changes its own password instead.
func (s *Store) ResetPassword(ctx context.Context, a *Actor, userID int64, in PasswordReset) (*User, error) {
	if !a.CanAnywhere("user:reset") {
		return nil, a.require("user:reset", RootRegion)
	}
	if _, err := s.userInReach(s.DB.WithContext(ctx), a, userID); err != nil {
		return nil, err
	}
	if err := s.requireReach(a, "user:reset", userID); err != nil {
		return nil, err
	}
	if userID == a.UserID {
		return nil, Fail(ErrConflict, "err.reset_self", "change your own password instead")
	}
	if err := s.validate(&in); err != nil {
		return nil, err
	}
	hash, err := HashPassword(in.TemporaryPassword)
	if err != nil {
		return nil, err
	}
	var u *User
	var forget func()
	err = s.tx(ctx, func(tx *gorm.DB) error {
		var err error
		if u, err = s.userByID(tx, userID); err != nil {
			return err
		}
		before := passwordFlag{u.MustChangePassword}
		u.PasswordHash, u.MustChangePassword, u.UpdatedAt = hash, true, s.now()
		if err := tx.Model(u).Select("password_hash", "must_change_password", "updated_at").Updates(u).Error; err != nil {
			return err
		}
		if forget, err = s.endSessions(tx, "user_id = ?", u.ID); err != nil {
			return err
		}
		return s.audit(tx, a, "user.password_reset", "user", u.ID, "", before, passwordFlag{true})
	})
	if err != nil {
		return nil, err
	}
	forget()
	return u, nil
}

// GrantNotFound answers the revocation of a grant the user does not hold;
// the Authorizer returns it when the database has no such grant.
func GrantNotFound() error {
	return Fail(ErrNotFound, "err.grant_not_found", "the user does not hold this role in this region")
}

// RevokeRole takes a grant from a user within the admin's reach (as
// reading it); the admin's own reach must cover the grant's region, as for
// granting. An admin cannot take its own last admin grant, so that nobody
// locks themselves out by a slip.
func (s *Store) RevokeRole(ctx context.Context, a *Actor, userID int64, g Grant) error {
	g.Role = strings.TrimSpace(g.Role)
	g.Region = strings.TrimSpace(g.Region)
	var fields []FieldError
	if !slices.Contains(GrantableRoles, g.Role) {
		fields = append(fields, Field("role", "oneof", strings.Join(GrantableRoles, " ")))
	}
	if g.Region == "" {
		fields = append(fields, Field("region", "required", ""))
	}
	if !a.CanAnywhere("user:revoke") {
		return a.require("user:revoke", RootRegion)
	}
	u, err := s.userInReach(s.DB.WithContext(ctx), a, userID)
	if err != nil {
		return err
	}
	if len(fields) > 0 {
		return Invalid(fields...)
	}
	if err := a.require("user:revoke", g.Region); err != nil {
		return err
	}
	var apply func()
	err = s.tx(ctx, func(tx *gorm.DB) error {
		if g.Role == RoleAdmin && u.ID == a.UserID {
			// Parallel revocations of one's own admin grants queue on
			// the user's row, so each counts what the other left.
			if s.Dialect == Postgres {
				if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).First(&User{}, u.ID).Error; err != nil {
					return err
				}
			}
			var n int64
			if err := tx.Table("casbin_rule").Where("ptype = 'g' AND v0 = ? AND v1 = ? AND v2 <> ?", Subject(u.ID), RoleAdmin, g.Region).
				Count(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				return Fail(ErrConflict, "err.revoke_last_admin", "you cannot revoke your own last admin grant")
			}
		}
		var err error
		if apply, err = s.Authz.RemoveGrant(tx, u.ID, g); err != nil {
			return err
		}
		return s.audit(tx, a, "user.revoke", "user", u.ID, g.auditRegion(), g, nil)
	})
	if err == nil {
		apply()
	}
	return err
}
