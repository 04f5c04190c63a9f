package handlers

import (
	"encoding/json"
	"fmt"
	"io/fs"
)

// Languages the pages speak; the first is the default.
var Languages = []string{"zh", "en"}

// Catalogue holds the messages of every language.
type Catalogue map[string]map[string]string

// LoadCatalogue reads i18n/<lang>/*.json (one file per area of the portal)
// and checks that every language has every key, so a missing translation
// fails at start-up, not on a page.
func LoadCatalogue(fsys fs.FS) (Catalogue, error) {
	c := Catalogue{}
	for _, lang := range Languages {
		names, err := fs.Glob(fsys, "i18n/"+lang+"/*.json")
		if err != nil {
			return nil, err
		}
		m := map[string]string{}
		for _, name := range names {
			b, err := fs.ReadFile(fsys, name)
			if err != nil {
				return nil, err
			}
			part := map[string]string{}
			if err := json.Unmarshal(b, &part); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			for k, v := range part {
				if _, dup := m[k]; dup {
					return nil, fmt.Errorf("%s: key %q defined twice", name, k)
				}
				m[k] = v
			}
		}
		c[lang] = m
	}
	for _, lang := range Languages[1:] {
		for k := range c[Languages[0]] {
			if _, ok := c[lang][k]; !ok {
				return nil, fmt.Errorf("i18n/%s lacks %q", lang, k)
			}
		}
		for k := range c[lang] {
			if _, ok := c[Languages[0]][k]; !ok {
				return nil, fmt.Errorf("i18n/%s lacks %q", Languages[0], k)
			}
		}
	}
	return c, nil
}

// T translates key into lang, formatting args into it. An unknown key shows
// itself, so a gap is visible rather than blank.
func (c Catalogue) T(lang, key string, args ...any) string {
	msg, ok := c[lang][key]
	if !ok {
		msg, ok = c[Languages[0]][key]
	}
	if !ok {
		return key
	}
	if len(args) > 0 {
		return fmt.Sprintf(msg, args...)
	}
	return msg
}

// Has reports whether key exists.
func (c Catalogue) Has(key string) bool {
	_, ok := c[Languages[0]][key]
	return ok
}

// pickLanguage chooses the lang cookie's language, else Chinese: the
// portal speaks Chinese unless the user switches, whatever the browser asks.
func pickLanguage(cookie string) string {
	for _, l := range Languages {
		if cookie == l {
			return l
		}
	}
	return Languages[0]
}
