package models

import (
	"sync"
	"time"

	"gorm.io/gorm"
)

// SessionChannel is the PostgreSQL notification channel of ended sessions:
// every transaction that ends sessions (endSessions) notifies it, and each
// process drops the sessions it remembers when it hears.
const SessionChannel = "portal_sessions"

// DefaultSessionCacheTTL is how long a process answers a session from
// memory before reading it again, whatever it has heard (Settings).
const DefaultSessionCacheTTL = time.Second

// maxCachedSessions bounds the cache; it is emptied when full.
const maxCachedSessions = 100_000

// sessionCache remembers the sessions read in the last SessionCacheTTL, so
// that a signed-in request does not read its session again: on PostgreSQL
// the read cost as much as the page's own statements. It answers only
// while a Listener is connected (on), since only then does another
// process's sign-out reach this one at once: on SQLite, and while the
// listener is away, every request reads its session.
type sessionCache struct {
	on func() bool
	mu sync.Mutex
	// gen counts the drops: a read that began before one is not kept.
	gen     uint64
	entries map[string]cachedSession
}

type cachedSession struct {
	row sessionUser
	at  time.Time // when it was read, on the monotonic clock
}

// get is the remembered session id, if it was read within ttl.
func (c *sessionCache) get(id string, ttl time.Duration) (sessionUser, bool) {
	if c == nil || c.on == nil || !c.on() {
		return sessionUser{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[id]
	if !ok {
		return sessionUser{}, false
	}
	if time.Since(e.at) >= ttl {
		delete(c.entries, id)
		return sessionUser{}, false
	}
	return e.row, true
}

// begin is the generation a read of a session starts in, for put.
func (c *sessionCache) begin() uint64 {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// put remembers a session read since begin returned gen, unless sessions
// were ended meanwhile (the row may predate the ending).
func (c *sessionCache) put(id string, row sessionUser, gen uint64, at time.Time) {
	if c == nil || c.on == nil || !c.on() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.entries == nil || len(c.entries) >= maxCachedSessions {
		c.entries = make(map[string]cachedSession)
	}
	c.entries[id] = cachedSession{row: row, at: at}
}

// drop forgets every session: some were ended, here or elsewhere.
func (c *sessionCache) drop() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.entries = nil
}

// CacheSessions lets the store answer sessions from memory while l
// listens, dropping them at each ending another process announces. Called
// before l runs and the store serves.
func (s *Store) CacheSessions(l *Listener) {
	s.sessions.on = l.Listening
	l.On(SessionChannel, s.sessions.drop)
}

// endSessions deletes the sessions matching query inside tx and announces
// it to every process (on PostgreSQL a notification, delivered at commit);
// the caller runs the returned function once tx has committed, so that
// this process forgets them too. Every ending of a session that may still
// be in use goes through it.
func (s *Store) endSessions(tx *gorm.DB, query string, args ...any) (func(), error) {
	if err := tx.Where(query, args...).Delete(&Session{}).Error; err != nil {
		return nil, err
	}
	if s.Dialect == Postgres {
		if err := tx.Exec("SELECT pg_notify(?, '')", SessionChannel).Error; err != nil {
			return nil, err
		}
	}
	return s.sessions.drop, nil
}
