package models

import (
	"sync"
	"time"
)

// cappedCounts remembers which lists counted more than CountCap rows, for
// CappedCountTTL: their count answers "10,000+" without reading 10,001 rows
// again, so a long list costs as much as a short one. Only capped answers
// are kept, since a list past the cap stays past it (public tenders and
// notices are never removed), and an exact count is never stale. Shared by
// the store's copies; nil keeps nothing.
type cappedCounts struct {
	mu sync.Mutex
	at map[string]time.Time // key → when it was counted
}

// CappedCountTTL is how long a list's capped count is believed.
const CappedCountTTL = 30 * time.Second

// maxCappedCounts bounds the keys kept (each filter of each list is one);
// when full it starts again.
const maxCappedCounts = 1024

// known reports whether key counted past the cap within the TTL of now.
func (c *cappedCounts) known(key string, now time.Time) bool {
	if c == nil || key == "" {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	at, ok := c.at[key]
	return ok && now.Sub(at) < CappedCountTTL && !now.Before(at)
}

// remember notes that key counted past the cap at now.
func (c *cappedCounts) remember(key string, now time.Time) {
	if c == nil || key == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at == nil || len(c.at) >= maxCappedCounts {
		c.at = map[string]time.Time{}
	}
	c.at[key] = now
}
