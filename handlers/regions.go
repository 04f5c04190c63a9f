package handlers

import (
	"context"
	"net/http"

	"portal/models"

	"github.com/gin-gonic/gin"
)

func (s *Server) apiRegions(c *gin.Context) {
	regions, err := s.store.Regions(c.Request.Context(), c.Query("parent"))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": regions, "total": len(regions)})
}

func (s *Server) apiRegion(c *gin.Context) {
	r, err := s.store.Region(c.Request.Context(), c.Param("code"))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}

type regionsData struct {
	Path     []models.Region
	Children []models.Region
}

func (s *Server) pageRegions(c *gin.Context) {
	ctx := c.Request.Context()
	parent := c.Query("parent")
	var d regionsData
	var err error
	if parent != "" {
		if d.Path, err = s.store.RegionPath(ctx, parent); err != nil {
			fail(c, err)
			return
		}
	}
	if d.Children, err = s.store.Regions(ctx, parent); err != nil {
		fail(c, err)
		return
	}
	s.html(c, http.StatusOK, "regions", &page{Title: s.msgs.T(langOf(c), "regions.title"), Data: d})
}

// pickerProvince is the province whose cities and counties the region
// pickers offer: the portal serves Guangxi (docs: DOMAIN).
const pickerProvince = "45"

// regionPicker is a region select grouped by city (an optgroup per city,
// the city itself first), which works without JavaScript.
type regionPicker struct {
	Empty  string       // the label of the empty choice
	Top    []pickOption // choices above the cities: nationwide, the province
	Groups []pickGroup
}

type pickOption struct{ Code, Label string }

type pickGroup struct {
	Label   string
	Options []pickOption
}

// regionPicker lists the province's cities and counties that allow
// accepts (two queries, whatever the number of regions); with top, also
// nationwide and the province itself when allowed.
func (s *Server) regionPicker(ctx context.Context, lang, empty string, top bool, allow func(code string) bool) (regionPicker, error) {
	p := regionPicker{Empty: empty}
	groups, err := s.store.RegionGroups(ctx, pickerProvince)
	if err != nil {
		return p, err
	}
	if top {
		if allow(models.RootRegion) {
			p.Top = append(p.Top, pickOption{models.RootRegion, s.msgs.T(lang, "region.all")})
		}
		if allow(pickerProvince) {
			prov, err := s.store.Region(ctx, pickerProvince)
			if err != nil {
				return p, err
			}
			p.Top = append(p.Top, pickOption{prov.Code, s.msgs.T(lang, "region.province_whole", prov.Name)})
		}
	}
	for _, g := range groups {
		pg := pickGroup{Label: g.City.Name}
		if allow(g.City.Code) {
			pg.Options = append(pg.Options, pickOption{g.City.Code, s.msgs.T(lang, "region.whole_city", g.City.Name)})
		}
		for _, county := range g.Counties {
			if allow(county.Code) {
				pg.Options = append(pg.Options, pickOption{county.Code, county.Name})
			}
		}
		if len(pg.Options) > 0 {
			p.Groups = append(p.Groups, pg)
		}
	}
	return p, nil
}

// anyRegion allows every region of a picker.
func anyRegion(string) bool { return true }
