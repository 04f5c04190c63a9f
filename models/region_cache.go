package models

import (
	"context"
	"sort"
	"strings"
	"sync"
)

// regionCache holds every region in memory, read once per process on first
// use. Regions are written only by the migrations, before any process
// serves, and never change after, so no invalidation is needed; the whole
// table (about 4,600 rows) is read at once, so a code that is not a region
// is answered from memory too, whatever a client sends. A failed read is
// not kept: the next use tries again.
type regionCache struct {
	mu     sync.Mutex
	loaded bool
	sorted []Region // by code
	byCode map[string]int
}

// all returns the regions by code and in code order, reading them the
// first time.
func (c *regionCache) all(s *Store, ctx context.Context) ([]Region, map[string]int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.loaded {
		return c.sorted, c.byCode, nil
	}
	var rows []Region
	if err := s.DB.WithContext(ctx).Order("code").Find(&rows).Error; err != nil {
		return nil, nil, err
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Code < rows[j].Code })
	byCode := make(map[string]int, len(rows))
	for i, r := range rows {
		byCode[r.Code] = i
	}
	c.sorted, c.byCode, c.loaded = rows, byCode, true
	return rows, byCode, nil
}

// cachedRegions is the regions from the store's cache; ok is false for a
// store without one.
func (s *Store) cachedRegions(ctx context.Context) (sorted []Region, byCode map[string]int, ok bool, err error) {
	if s.regions == nil {
		return nil, nil, false, nil
	}
	sorted, byCode, err = s.regions.all(s, ctx)
	return sorted, byCode, err == nil, err
}

// regionsWhere lists the cached regions that keep passes, in code order,
// from the first whose code starts with prefix.
func regionsWhere(sorted []Region, prefix string, keep func(Region) bool) []Region {
	out := []Region{}
	i := sort.Search(len(sorted), func(i int) bool { return sorted[i].Code >= prefix })
	for ; i < len(sorted) && strings.HasPrefix(sorted[i].Code, prefix); i++ {
		if keep(sorted[i]) {
			out = append(out, sorted[i])
		}
	}
	return out
}
