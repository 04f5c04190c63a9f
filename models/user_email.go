package models

import (
	"context"
	"strings"

	"gorm.io/gorm"
)

// EmailChange is one's own e-mail address; empty removes it. At most 254
// characters: RFC 5321's limit of a path.
type EmailChange struct {
	Email string `json:"email" form:"email" validate:"omitempty,max=254,printascii,email"`
}

// SetOwnEmail sets the caller's e-mail address, where report reminders are
// mailed (docs/report-schedule.md), with its audit event.
func (s *Store) SetOwnEmail(ctx context.Context, a *Actor, in EmailChange) (*User, error) {
	if !a.SignedIn() {
		return nil, Fail(ErrUnauthenticated, "err.401", "sign in first")
	}
	in.Email = strings.TrimSpace(in.Email)
	if err := s.validate(&in); err != nil {
		return nil, err
	}
	var u User
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.First(&u, a.UserID).Error; err != nil {
			return notFound(err, "user")
		}
		if u.Email == in.Email {
			return nil
		}
		before := map[string]string{"email": u.Email}
		u.Email, u.UpdatedAt = in.Email, s.now()
		if err := tx.Model(&User{}).Where("id = ?", u.ID).Updates(map[string]any{"email": u.Email, "updated_at": u.UpdatedAt}).Error; err != nil {
			return err
		}
		return s.audit(tx, a, "user.email", "user", u.ID, "", before, map[string]string{"email": u.Email})
	})
	if err != nil {
		return nil, err
	}
	return &u, nil
}
