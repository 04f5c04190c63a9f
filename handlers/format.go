package handlers

import (
	"context"
	"strconv"
	"strings"
	"time"

	"portal/models"
)

// Formatting shared by every view: the one clock (Beijing time, labelled),
// region names, file sizes and units in the page's language.

// beijingLayout is how the pages show a time: to the minute, in Beijing
// time.
const beijingLayout = "2006-01-02 15:04"

// beijingMinute is t in Beijing time to the minute, unlabelled (for a
// column or form whose heading names the zone); "" for a zero time.
func beijingMinute(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(models.ChinaZone).Format(beijingLayout)
}

// beijing is t in Beijing time with the zone named in the page's language:
// "2026-12-01 19:02 北京时间". It takes a time or a *time.Time (nil and
// zero show nothing).
func (s *Server) beijing(v any, lang string) string {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x
	case *time.Time:
		if x != nil {
			t = *x
		}
	}
	if t.IsZero() {
		return ""
	}
	return beijingMinute(t) + " " + s.msgs.T(lang, "time.beijing")
}

// fileSize shows a size in bytes as B, KB or MB (1024-based, one decimal).
func fileSize(n int64) string {
	switch {
	case n < 1024:
		return strconv.FormatInt(n, 10) + " B"
	case n < 1024*1024:
		return strconv.FormatFloat(float64(n)/1024, 'f', 1, 64) + " KB"
	default:
		return strconv.FormatFloat(float64(n)/(1024*1024), 'f', 1, 64) + " MB"
	}
}

// unitKeys are the catalogue's units that have a name in English; a unit
// not listed shows as entered.
var unitKeys = map[string]string{
	"人次": "person_time", "人": "person", "次": "time", "场": "session", "小时": "hour", "项目/年": "project_year",
	"户": "household", "个": "item", "天": "day", "月": "month", "年": "year", "元": "yuan", "%": "percent",
}

// unit names a catalogue unit in the page's language.
func (s *Server) unit(lang, u string) string {
	if lang == "zh" {
		return u
	}
	if k, ok := unitKeys[strings.TrimSpace(u)]; ok {
		return s.msgs.T(lang, "unit."+k)
	}
	return u
}

// viewRegion (the views' regionName) names a region code: RootRegion as "nationwide",
// a code whose name the handler loaded (page.Regions) by that name, any
// other code as it is. It takes the page; older views pass only the
// language and get the code.
func (s *Server) viewRegion(p any, code string) string {
	lang := Languages[0]
	var names map[string]string
	switch x := p.(type) {
	case *page:
		lang, names = x.Lang, x.Regions
	case string:
		lang = x
	}
	if code == models.RootRegion {
		return s.msgs.T(lang, "region.all")
	}
	if n, ok := names[code]; ok {
		return n
	}
	return code
}

// loadRegionNames reads the names of the region codes a page shows, all in
// one query, for regionName.
func (s *Server) loadRegionNames(ctx context.Context, p *page, codes ...string) error {
	names, err := s.store.RegionLabels(ctx, codes)
	if err != nil {
		return err
	}
	if p.Regions == nil {
		p.Regions = names
		return nil
	}
	for k, v := range names {
		p.Regions[k] = v
	}
	return nil
}

// auditAction names an audit action in the page's language; an action
// without words shows as written.
func (s *Server) auditAction(lang, action string) string {
	if k := "audit.action." + action; s.msgs.Has(k) {
		return s.msgs.T(lang, k)
	}
	return action
}

// auditType names an audit object type in the page's language.
func (s *Server) auditType(lang, objectType string) string {
	if k := "audit.type." + objectType; s.msgs.Has(k) {
		return s.msgs.T(lang, k)
	}
	return objectType
}
