package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"hash/fnv"
	"slices"
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

// SignInFailure is one attempt recorded under a throttle key: a failed
// sign-in per user and per address, a registration per address.
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

// throttle is one counter of recent attempts and its limit per
// Settings.ThrottleWindow.
type throttle struct {
	key string
	max int
}

// reserveAttempt records an attempt under every key before the attempt is
// answered, in one transaction that first checks that no key has reached its
// limit within the window (else tooMany). The transactions are serialised
// per key (SQLite: one writer at a time; PostgreSQL: an advisory lock per
// key), so of parallel attempts exactly as many pass as the limit allows.
// The rows stay as the attempt's record; the caller deletes them (by the
// ids returned) when the attempt is not to count, as a successful sign-in.
func (s *Store) reserveAttempt(ctx context.Context, tooMany error, keys ...throttle) ([]int64, error) {
	now := s.now()
	since := now.Add(-s.Settings.ThrottleWindow)
	rows := make([]SignInFailure, len(keys))
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := s.lockThrottle(tx, keys); err != nil {
			return err
		}
		for i, k := range keys {
			if err := tx.Where("key = ? AND at <= ?", k.key, since).Delete(&SignInFailure{}).Error; err != nil {
				return err
			}
			var n int64
			if err := tx.Model(&SignInFailure{}).Where("key = ? AND at > ?", k.key, since).Count(&n).Error; err != nil {
				return err
			}
			if n >= int64(k.max) {
				return tooMany
			}
			rows[i] = SignInFailure{Key: k.key, At: now}
		}
		return tx.Create(&rows).Error
	})
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	return ids, nil
}

// lockThrottle serialises reserveAttempt per key on PostgreSQL, where
// concurrent transactions would each count before seeing the others' rows.
// The locks are taken in one order, so two attempts never wait on each
// other. SQLite needs none: its write transactions begin immediate.
func (s *Store) lockThrottle(tx *gorm.DB, keys []throttle) error {
	if s.Dialect != Postgres {
		return nil
	}
	ids := make([]int64, 0, len(keys))
	for _, k := range keys {
		h := fnv.New64a()
		h.Write([]byte("throttle:" + k.key))
		ids = append(ids, int64(h.Sum64()))
	}
	slices.Sort(ids)
	for _, id := range slices.Compact(ids) {
		if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", id).Error; err != nil {
			return err
		}
	}
	return nil
}

// SignIn checks credentials and opens a new session, returning its token.
// The same error answers an unknown user, a wrong password and a disabled
// user. Each attempt is recorded per user and per address before the
// password is checked; a failure keeps it, a success removes it. With too
// many recorded within the window the answer is ErrTooMany; a success does
// not wipe earlier failures, so no number of parallel or interleaved
// attempts gets more guesses than the limit.
func (s *Store) SignIn(ctx context.Context, username, password, remote string) (string, *User, error) {
	username = strings.ToLower(strings.TrimSpace(username))
	db := s.DB.WithContext(ctx)
	// A name no user can have is not looked up, and is counted under its
	// hash: the key stays short and storable whatever was sent.
	possible := usernameRe.MatchString(username)
	userKey := "user:" + username
	if !possible {
		userKey = "user#" + tokenID(username)
	}
	tooMany := Fail(ErrTooMany, "err.too_many", "too many failed sign-ins; try again later")
	reserved, err := s.reserveAttempt(ctx, tooMany,
		throttle{userKey, s.Settings.MaxFailuresUser}, throttle{"addr:" + remote, s.Settings.MaxFailuresAddr})
	if err != nil {
		return "", nil, err
	}
	var u User
	err = gorm.ErrRecordNotFound
	if possible {
		err = db.Where("username = ?", username).First(&u).Error
	}
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
		return "", nil, Fail(ErrUnauthenticated, "err.bad_credentials", "wrong username or password")
	}
	now := s.now()
	token := RandomToken(32)
	sess := Session{ID: tokenID(token), UserID: u.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.Settings.SessionAbsolute)}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("id IN ?", reserved).Delete(&SignInFailure{}).Error; err != nil {
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
// it has been idle too long or reached its absolute expiry. The session and
// what an actor needs of its user (readSessionUser) are read in one
// statement; the last-seen time is written at most once every
// SessionTouchEvery. A session read in the last SessionCacheTTL is answered
// from memory while it needs no touch (session_cache.go).
func (s *Store) SessionUser(ctx context.Context, token string) (*User, error) {
	unauth := Fail(ErrUnauthenticated, "err.unauthenticated", "sign in first")
	if token == "" {
		return nil, unauth
	}
	id := tokenID(token)
	now := s.now()
	if row, ok := s.sessions.get(id, s.Settings.SessionCacheTTL); ok &&
		!now.After(row.SessionExpiresAt) && now.Sub(row.SessionLastSeenAt) < min(s.Settings.SessionTouchEvery, s.Settings.SessionIdle) {
		return &row.User, nil
	}
	db := s.DB.WithContext(ctx)
	gen := s.sessions.begin()
	read := time.Now()
	row, found, err := readSessionUser(db, id)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, unauth
	}
	if now.After(row.SessionExpiresAt) || now.Sub(row.SessionLastSeenAt) > s.Settings.SessionIdle {
		if err := db.Delete(&Session{}, "id = ?", id).Error; err != nil {
			return nil, err
		}
		return nil, unauth
	}
	if row.Disabled {
		return nil, unauth
	}
	if now.Sub(row.SessionLastSeenAt) >= s.Settings.SessionTouchEvery {
		if err := db.Model(&Session{}).Where("id = ?", id).Update("last_seen_at", now).Error; err != nil {
			return nil, err
		}
		row.SessionLastSeenAt = now
	}
	s.sessions.put(id, *row, gen, read)
	return &row.User, nil
}

// sessionUser is a session's times with its user, as SessionUser reads
// them.
type sessionUser struct {
	User
	SessionLastSeenAt time.Time
	SessionExpiresAt  time.Time
}

// readSessionUser reads the session id and what an actor needs of its user
// (not its password hash, contacts or times) in one statement, scanned
// straight into the fields (every signed-in request runs it; gorm's
// reflection was a third of a signed-in tender's time).
func readSessionUser(db *gorm.DB, id string) (*sessionUser, bool, error) {
	rows, err := db.Raw(`SELECT sessions.last_seen_at, sessions.expires_at, users.id, users.username, users.display_name,
users.disabled, users.organisation_id, users.must_change_password
FROM sessions JOIN users ON users.id = sessions.user_id WHERE sessions.id = ? LIMIT 1`, id).Rows()
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	if !rows.Next() {
		return nil, false, rows.Err()
	}
	r := &sessionUser{}
	u := &r.User
	if err := rows.Scan(&r.SessionLastSeenAt, &r.SessionExpiresAt, &u.ID, &u.Username, &u.DisplayName,
		&u.Disabled, &u.OrganisationID, &u.MustChangePassword); err != nil {
		return nil, false, err
	}
	return r, true, rows.Err()
}

// SignOut ends the session of token, in every process.
func (s *Store) SignOut(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	var forget func()
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var err error
		forget, err = s.endSessions(tx, "id = ?", tokenID(token))
		return err
	})
	if err == nil {
		forget()
	}
	return err
}
