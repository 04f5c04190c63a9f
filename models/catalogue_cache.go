package models

import (
	"context"
	"slices"
	"strings"
	"sync"
)

// itemCache keeps the items of published catalogue versions a tender's
// views show (CatalogueItem with a year), each with its indicators. A
// published version is frozen (catalogueLifecycle: only a draft's items
// are edited, and nothing unpublishes a version), so a kept item never
// goes stale; drafts, missing items and "the latest version" (year 0, which
// publishing a newer year changes) are never kept. At most maxCachedItems
// are kept (a catalogue has tens of items a year; an item's texts are at
// most some 36 KB, so even then the cache stays under 40 MB); beyond,
// items are read as without the cache.
type itemCache struct {
	mu    sync.RWMutex
	items map[itemKey]*CatalogueItem
}

type itemKey struct {
	province string
	year     int
	code     string
}

const maxCachedItems = 1_000

func (c *itemCache) get(k itemKey) (*CatalogueItem, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	it, ok := c.items[k]
	if !ok {
		return nil, false
	}
	return it.clone(), true
}

func (c *itemCache) put(k itemKey, it *CatalogueItem) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.items == nil {
		c.items = map[itemKey]*CatalogueItem{}
	}
	if len(c.items) < maxCachedItems {
		c.items[k] = it.clone()
	}
}

// clone copies an item with its own indicators, so no caller shares the
// kept one.
func (it *CatalogueItem) clone() *CatalogueItem {
	c := *it
	c.Indicators = slices.Clone(it.Indicators)
	return &c
}

// cachedCatalogueItem is CatalogueItem through the cache.
func (s *Store) cachedCatalogueItem(ctx context.Context, region string, year int, code string) (*CatalogueItem, error) {
	province, err := catalogueProvince(region)
	if err != nil || year == 0 || s.itemCache == nil {
		return s.FindCatalogueItem(ctx, nil, CatalogueQuery{Region: region, Year: year}, code)
	}
	k := itemKey{province, year, strings.ToUpper(strings.TrimSpace(code))}
	if it, ok := s.itemCache.get(k); ok {
		return it, nil
	}
	it, err := s.FindCatalogueItem(ctx, nil, CatalogueQuery{Region: region, Year: year}, code)
	if err == nil && it.VersionStatus == CataloguePublished {
		s.itemCache.put(k, it)
	}
	return it, err
}
