package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Session is a signed-in browser or program. Only the SHA-256 of the token
// is stored, so a database read does not yield usable cookies.
type Session struct {
	ID         string `gorm:"primaryKey"`
	UserID     int64
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

// SignInFailure is one failed attempt, counted per user and per address.
type SignInFailure struct {
	ID  int64 `gorm:"primaryKey"`
	Key string
	At  time.Time
}

func tokenID(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// dummyHash is compared against when the user does not exist, so that the
// answer takes as long as for a wrong password.
var dummyHash, _ = HashPassword(RandomToken(16))

// SignIn checks credentials and opens a new session, returning its token.
// The same error answers an unknown user, a wrong password and a disabled
// user; too many recent failures per user or per address answer ErrTooMany.
func (s *Store) SignIn(ctx context.Context, username, password, remote string) (string, *User, error) {
	username = strings.ToLower(strings.TrimSpace(username))
	db := s.DB.WithContext(ctx)
	now := s.now()
	since := now.Add(-s.Settings.ThrottleWindow)
	userKey, addrKey := "user:"+username, "addr:"+remote
	var nUser, nAddr int64
	if err := db.Model(&SignInFailure{}).Where("key = ? AND at > ?", userKey, since).Count(&nUser).Error; err != nil {
		return "", nil, err
	}
	if err := db.Model(&SignInFailure{}).Where("key = ? AND at > ?", addrKey, since).Count(&nAddr).Error; err != nil {
		return "", nil, err
	}
	if nUser >= int64(s.Settings.MaxFailuresUser) || nAddr >= int64(s.Settings.MaxFailuresAddr) {
		return "", nil, Fail(ErrTooMany, "err.too_many", "too many failed sign-ins; try again later")
	}
	var u User
	err := db.Where("username = ?", username).First(&u).Error
	if err != nil && err != gorm.ErrRecordNotFound {
		return "", nil, err
	}
	ok := false
	if err == nil {
		ok = CheckPassword(u.PasswordHash, password) && !u.Disabled
	} else {
		CheckPassword(dummyHash, password)
	}
	if !ok {
		err := s.tx(ctx, func(tx *gorm.DB) error {
			if err := tx.Where("at <= ? AND key IN ?", since, []string{userKey, addrKey}).Delete(&SignInFailure{}).Error; err != nil {
				return err
			}
			return tx.Create([]SignInFailure{{Key: userKey, At: now}, {Key: addrKey, At: now}}).Error
		})
		if err != nil {
			return "", nil, err
		}
		return "", nil, Fail(ErrUnauthenticated, "err.bad_credentials", "wrong username or password")
	}
	token := RandomToken(32)
	sess := Session{ID: tokenID(token), UserID: u.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.Settings.SessionAbsolute)}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("key = ?", userKey).Delete(&SignInFailure{}).Error; err != nil {
			return err
		}
		if err := tx.Where("user_id = ? AND expires_at < ?", u.ID, now).Delete(&Session{}).Error; err != nil {
			return err
		}
		if err := tx.Create(&sess).Error; err != nil {
			return err
		}
		return s.audit(tx, &Actor{UserID: u.ID, Username: u.Username, RemoteAddr: remote}, "session.create", "user", u.ID, "", nil, nil)
	})
	if err != nil {
		return "", nil, err
	}
	return token, &u, nil
}

// SessionUser resolves a session token to its user, ending the session when
// it has been idle too long or reached its absolute expiry.
func (s *Store) SessionUser(ctx context.Context, token string) (*User, error) {
	unauth := Fail(ErrUnauthenticated, "err.unauthenticated", "sign in first")
	if token == "" {
		return nil, unauth
	}
	db := s.DB.WithContext(ctx)
	var sess Session
	if err := db.First(&sess, "id = ?", tokenID(token)).Error; err != nil {
		if err == gorm.ErrRecordNotFound {
			return nil, unauth
		}
		return nil, err
	}
	now := s.now()
	if now.After(sess.ExpiresAt) || now.Sub(sess.LastSeenAt) > s.Settings.SessionIdle {
		if err := db.Delete(&sess).Error; err != nil {
			return nil, err
		}
		return nil, unauth
	}
	u, err := s.userByID(db, sess.UserID)
	if err != nil || u.Disabled {
		return nil, unauth
	}
	if now.Sub(sess.LastSeenAt) >= s.Settings.SessionTouchEvery {
		if err := db.Model(&sess).Update("last_seen_at", now).Error; err != nil {
			return nil, err
		}
	}
	return u, nil
}

// SignOut ends the session of token.
func (s *Store) SignOut(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	return s.DB.WithContext(ctx).Delete(&Session{}, "id = ?", tokenID(token)).Error
}
