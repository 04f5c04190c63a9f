package handlers

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"portal/models"
	"portal/policy"

	"github.com/gin-gonic/gin"
)

// catalogueRoutes registers the catalogue pages and API.
func (s *Server) catalogueRoutes(r *gin.Engine, api *gin.RouterGroup) {
	read, manage := policy.Require("catalogue:read"), policy.Require("catalogue:manage")
	api.GET("/catalogue/items", read, s.apiCatalogueItems)
	api.GET("/catalogue/items/:code", read, s.apiCatalogueItem)
	api.POST("/catalogue/items", manage, s.apiCreateCatalogueItem)
	api.PATCH("/catalogue/items/:code", manage, s.apiUpdateCatalogueItem)
	api.GET("/catalogue/versions", read, s.apiCatalogueVersions)
	api.GET("/catalogue/versions/:year", read, s.apiCatalogueVersion)
	api.POST("/catalogue/versions", manage, s.apiOpenCatalogueVersion)
	api.POST("/catalogue/versions/:year/publish", manage, s.apiPublishCatalogueVersion)

	r.GET("/catalogue", read, s.pageCatalogue)
	r.GET("/catalogue/items/:code", read, s.pageCatalogueItem)
	r.GET("/catalogue/manage", manage, s.pageCatalogueManage)
	r.POST("/catalogue/manage/versions", manage, s.pageOpenCatalogueVersion)
	r.POST("/catalogue/manage/versions/:year/publish", manage, s.pagePublishCatalogueVersion)
	r.GET("/catalogue/manage/items/new", manage, s.pageNewCatalogueItem)
	r.POST("/catalogue/manage/items", manage, s.pageCreateCatalogueItem)
	r.GET("/catalogue/manage/items/:code/edit", manage, s.pageEditCatalogueItem)
	r.POST("/catalogue/manage/items/:code", manage, s.pageUpdateCatalogueItem)
}

// catalogueQuery reads ?region= and ?year= (absent year: 0). A malformed
// year is an invalid field.
func catalogueQuery(c *gin.Context) (models.CatalogueQuery, error) {
	q := models.CatalogueQuery{Region: c.Query("region")}
	if y := c.Query("year"); y != "" {
		n, err := strconv.Atoi(y)
		if err != nil {
			return q, models.Invalid(models.Field("year", "catalogue_year", "2000–2100"))
		}
		q.Year = n
	}
	return q, nil
}

// pathYear reads the :year path parameter; a malformed one is not found.
func pathYear(c *gin.Context) (int, error) {
	n, err := strconv.Atoi(c.Param("year"))
	if err != nil {
		return 0, models.Fail(models.ErrNotFound, "err.not_found", "no such catalogue version")
	}
	return n, nil
}

func (s *Server) apiCatalogueItems(c *gin.Context) {
	q, err := catalogueQuery(c)
	if err != nil {
		fail(c, err)
		return
	}
	list, err := s.store.CatalogueItems(c.Request.Context(), policy.ActorFrom(c), q, pageOf(c))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, list)
}

func (s *Server) apiCatalogueItem(c *gin.Context) {
	q, err := catalogueQuery(c)
	if err != nil {
		fail(c, err)
		return
	}
	it, err := s.store.FindCatalogueItem(c.Request.Context(), policy.ActorFrom(c), q, c.Param("code"))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, it)
}

func (s *Server) apiCreateCatalogueItem(c *gin.Context) {
	var in models.CatalogueItemInput
	if err := bindJSON(c, &in); err != nil {
		fail(c, err)
		return
	}
	it, err := s.store.CreateCatalogueItem(c.Request.Context(), policy.ActorFrom(c), in)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, it)
}

func (s *Server) apiUpdateCatalogueItem(c *gin.Context) {
	q, err := catalogueQuery(c)
	if err != nil {
		fail(c, err)
		return
	}
	var p models.CatalogueItemPatch
	if err := bindJSON(c, &p); err != nil {
		fail(c, err)
		return
	}
	it, err := s.store.UpdateCatalogueItem(c.Request.Context(), policy.ActorFrom(c), q, c.Param("code"), p)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, it)
}

func (s *Server) apiCatalogueVersions(c *gin.Context) {
	list, err := s.store.CatalogueVersions(c.Request.Context(), policy.ActorFrom(c), c.Query("region"), pageOf(c))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, list)
}

func (s *Server) apiCatalogueVersion(c *gin.Context) {
	year, err := pathYear(c)
	if err != nil {
		fail(c, err)
		return
	}
	v, err := s.store.FindCatalogueVersion(c.Request.Context(), policy.ActorFrom(c), models.CatalogueQuery{Region: c.Query("region"), Year: year})
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

func (s *Server) apiOpenCatalogueVersion(c *gin.Context) {
	var in models.OpenCatalogueInput
	if err := bindJSON(c, &in); err != nil {
		fail(c, err)
		return
	}
	v, err := s.store.OpenCatalogueVersion(c.Request.Context(), policy.ActorFrom(c), in)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, v)
}

func (s *Server) apiPublishCatalogueVersion(c *gin.Context) {
	year, err := pathYear(c)
	if err != nil {
		fail(c, err)
		return
	}
	v, err := s.store.PublishCatalogueVersion(c.Request.Context(), policy.ActorFrom(c), models.CatalogueQuery{Region: c.Query("region"), Year: year})
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

// Pages.

// itemRow is an item as the pages show it, in the page's language.
type itemRow struct {
	*models.CatalogueItem
	Title      string
	Price      string
	Indicators []indicatorRow
}

type indicatorRow struct {
	models.CatalogueIndicator
	Title string
}

func (s *Server) itemRow(lang string, it *models.CatalogueItem) itemRow {
	row := itemRow{CatalogueItem: it, Title: localName(lang, it.Name, it.NameEn)}
	if it.GuidePriceFen > 0 {
		row.Price = formatYuan(it.GuidePriceFen)
	}
	for _, ind := range it.Indicators {
		row.Indicators = append(row.Indicators, indicatorRow{CatalogueIndicator: ind, Title: localName(lang, ind.Name, ind.NameEn)})
	}
	return row
}

// localName picks the English name on English pages when there is one.
func localName(lang, zh, en string) string {
	if lang == "en" && en != "" {
		return en
	}
	return zh
}

// formatYuan shows fen as yuan with thousands separators: 30000000 → 300,000.00.
func formatYuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	whole := strconv.FormatInt(fen/100, 10)
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return sign + b.String() + "." + strconv.FormatInt(fen%100/10, 10) + strconv.FormatInt(fen%10, 10)
}

// cataloguePageData is what the public tree page shows.
type cataloguePageData struct {
	Version   *models.CatalogueVersion
	Region    string
	Items     []itemRow
	Versions  []models.CatalogueVersion
	CanManage bool
}

func (s *Server) regionName(c *gin.Context, code string) string {
	r, err := s.store.Region(c.Request.Context(), code)
	if err != nil {
		return code
	}
	return r.Name
}

func (s *Server) pageCatalogue(c *gin.Context) {
	q, err := catalogueQuery(c)
	if err != nil {
		fail(c, err)
		return
	}
	a, lang := policy.ActorFrom(c), langOf(c)
	cv, err := s.store.CataloguePage(c.Request.Context(), a, q)
	if err != nil {
		fail(c, err)
		return
	}
	v := cv.Version
	d := cataloguePageData{Version: v, Region: s.regionName(c, v.RegionCode), Versions: cv.Versions,
		CanManage: a.Can("catalogue:manage", v.RegionCode)}
	for i := range cv.Items {
		d.Items = append(d.Items, s.itemRow(lang, &cv.Items[i]))
	}
	s.html(c, http.StatusOK, "catalogue", &page{Title: s.msgs.T(lang, "catalogue.title", d.Region, v.Year), Data: d})
}

type catalogueItemData struct {
	Item      itemRow
	Region    string
	CanEdit   bool
	Published bool
}

func (s *Server) pageCatalogueItem(c *gin.Context) {
	q, err := catalogueQuery(c)
	if err != nil {
		fail(c, err)
		return
	}
	a, lang := policy.ActorFrom(c), langOf(c)
	it, err := s.store.FindCatalogueItem(c.Request.Context(), a, q, c.Param("code"))
	if err != nil {
		fail(c, err)
		return
	}
	d := catalogueItemData{Item: s.itemRow(lang, it), Region: s.regionName(c, it.Region),
		Published: it.VersionStatus == models.CataloguePublished}
	d.CanEdit = !d.Published && a.Can("catalogue:manage", it.Region)
	s.html(c, http.StatusOK, "catalogue_item", &page{Title: it.Code + " " + d.Item.Title, Data: d})
}

// catalogueManageData is the management page: a province's versions.
type catalogueManageData struct {
	Region     string
	RegionName string
	Versions   []models.CatalogueVersion
}

func (s *Server) manageData(c *gin.Context, region string) (catalogueManageData, error) {
	province, versions, err := s.store.ManagedCatalogueVersions(c.Request.Context(), policy.ActorFrom(c), region)
	if err != nil {
		return catalogueManageData{}, err
	}
	return catalogueManageData{Region: province, RegionName: s.regionName(c, province), Versions: versions}, nil
}

// openForm suggests next year's draft from the newest version.
func openForm(d catalogueManageData) map[string]string {
	form := map[string]string{"region": d.Region}
	if len(d.Versions) > 0 {
		form["from_year"] = strconv.Itoa(d.Versions[0].Year)
		form["year"] = strconv.Itoa(d.Versions[0].Year + 1)
	}
	return form
}

func (s *Server) pageCatalogueManage(c *gin.Context) {
	d, err := s.manageData(c, c.Query("region"))
	if err != nil {
		fail(c, err)
		return
	}
	s.html(c, http.StatusOK, "catalogue_manage", &page{Title: s.msgs.T(langOf(c), "catalogue.manage_title", d.RegionName), Form: openForm(d), Data: d})
}

// manageFailed shows a refused change on the management page, with what was
// typed; anything but a refusal of the input goes to the error renderer.
func (s *Server) manageFailed(c *gin.Context, region string, err error, form map[string]string) {
	if !refusedOnForm(err) {
		fail(c, err)
		return
	}
	d, derr := s.manageData(c, region)
	if derr != nil {
		fail(c, derr)
		return
	}
	if form == nil {
		form = openForm(d)
	}
	s.formFailed(c, "catalogue_manage", "catalogue.manage", err, form, d)
}

func (s *Server) pageOpenCatalogueVersion(c *gin.Context) {
	form := map[string]string{"region": c.PostForm("region"), "from_year": c.PostForm("from_year"), "year": c.PostForm("year")}
	in := models.OpenCatalogueInput{Region: form["region"]}
	var bad []models.FieldError
	for name, dst := range map[string]*int{"from_year": &in.FromYear, "year": &in.Year} {
		if v := strings.TrimSpace(form[name]); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				bad = append(bad, models.Field(name, "catalogue_year", "2000–2100"))
			}
			*dst = n
		}
	}
	var err error
	if len(bad) > 0 {
		err = models.Invalid(bad...)
	} else {
		_, err = s.store.OpenCatalogueVersion(c.Request.Context(), policy.ActorFrom(c), in)
	}
	if err != nil {
		s.manageFailed(c, in.Region, err, form)
		return
	}
	c.Redirect(http.StatusSeeOther, "/catalogue/manage?region="+url.QueryEscape(in.Region)+"&done=catalogue.opened")
}

func (s *Server) pagePublishCatalogueVersion(c *gin.Context) {
	year, err := pathYear(c)
	if err != nil {
		fail(c, err)
		return
	}
	region := c.PostForm("region")
	if _, err := s.store.PublishCatalogueVersion(c.Request.Context(), policy.ActorFrom(c), models.CatalogueQuery{Region: region, Year: year}); err != nil {
		s.manageFailed(c, region, err, nil)
		return
	}
	c.Redirect(http.StatusSeeOther, "/catalogue/manage?region="+url.QueryEscape(region)+"&done=catalogue.published")
}

// Item form: a fixed number of indicator rows, at least two blank.

const minIndicatorRows = 8

type itemFormData struct {
	Edit    bool
	Year    string
	Region  string
	Code    string // the item being edited
	Rows    []string
	Kinds   []string
	Version *models.CatalogueVersion
	// RegionName names Region for the heading.
	RegionName string
}

func (s *Server) itemFormData(c *gin.Context, edit bool, year, region, code string, filled int) itemFormData {
	n := max(minIndicatorRows, filled+2)
	n = min(n, models.MaxIndicators)
	rows := make([]string, n)
	for i := range rows {
		rows[i] = "indicators[" + strconv.Itoa(i) + "]"
	}
	return itemFormData{Edit: edit, Year: year, Region: region, Code: code, Rows: rows, Kinds: models.IndicatorKinds,
		RegionName: s.regionName(c, region)}
}

var itemFormFields = []string{"code", "parent", "name", "name_en", "description", "service_standard", "unit", "guide_price_yuan"}
var indicatorFormFields = []string{"key", "name", "name_en", "unit", "kind", "weight"}

// itemForm reads the item form: the input, what was typed and the form row
// of each indicator kept (blank rows are skipped).
func itemForm(c *gin.Context) (in models.CatalogueItemInput, form map[string]string, rows []int) {
	form = map[string]string{"year": c.PostForm("year"), "region": c.PostForm("region")}
	for _, f := range itemFormFields {
		form[f] = c.PostForm(f)
	}
	in = models.CatalogueItemInput{Region: form["region"], Code: form["code"], Parent: form["parent"], Name: form["name"],
		NameEn: form["name_en"], Description: form["description"], ServiceStandard: form["service_standard"], Unit: form["unit"]}
	in.Year, _ = strconv.Atoi(strings.TrimSpace(form["year"]))
	// A malformed price becomes -1, which the model refuses after checking
	// the caller, so a refusal is never an input error first.
	if fen, bad := parseMoney(form["guide_price_yuan"]); bad == "" {
		in.GuidePriceFen = fen
	} else {
		in.GuidePriceFen = -1
	}
	for i := 0; i < models.MaxIndicators; i++ {
		prefix := "indicators[" + strconv.Itoa(i) + "]."
		blank := true
		for _, f := range indicatorFormFields {
			v := c.PostForm(prefix + f)
			form[prefix+f] = v
			// The key is hidden (kept from the stored item): a row whose
			// shown fields are cleared is removed.
			if f != "key" && strings.TrimSpace(v) != "" {
				blank = false
			}
		}
		if blank {
			continue
		}
		// A weight that is not a number is 0, which the model refuses.
		w, _ := strconv.Atoi(strings.TrimSpace(form[prefix+"weight"]))
		in.Indicators = append(in.Indicators, models.IndicatorInput{Key: form[prefix+"key"], Name: form[prefix+"name"],
			NameEn: form[prefix+"name_en"], Unit: form[prefix+"unit"], Kind: form[prefix+"kind"], Weight: w})
		rows = append(rows, i)
	}
	indicatorKeys(in.Indicators)
	return in, form, rows
}

// indicatorKeys makes a key for each new indicator (the form does not
// show keys): indicator_<n>, the first n not taken on the item.
func indicatorKeys(inds []models.IndicatorInput) {
	taken := map[string]bool{}
	for _, ind := range inds {
		taken[strings.TrimSpace(ind.Key)] = true
	}
	n := 1
	for i := range inds {
		if strings.TrimSpace(inds[i].Key) != "" {
			continue
		}
		for taken["indicator_"+strconv.Itoa(n)] {
			n++
		}
		inds[i].Key = "indicator_" + strconv.Itoa(n)
		taken[inds[i].Key] = true
	}
}

// formFields renames the model's fields to the form's: indicators by the row
// they were typed in, the price in yuan.
func formFields(err error, rows []int) error {
	e, ok := models.AsError(err)
	if !ok || len(e.Fields) == 0 {
		return err
	}
	out := *e
	out.Fields = make([]models.FieldError, len(e.Fields))
	for i, f := range e.Fields {
		switch {
		case f.Field == "guide_price_fen":
			f = models.Field("guide_price_yuan", "catalogue_money", "")
		case strings.HasPrefix(f.Field, "indicators["):
			idx, rest, _ := strings.Cut(strings.TrimPrefix(f.Field, "indicators["), "]")
			if k, err := strconv.Atoi(idx); err == nil && k < len(rows) {
				f.Field = "indicators[" + strconv.Itoa(rows[k]) + "]" + rest
			}
		}
		out.Fields[i] = f
	}
	return &out
}

func itemFormValues(it *models.CatalogueItem) map[string]string {
	form := map[string]string{"year": strconv.Itoa(it.Year), "region": it.Region, "code": it.Code, "parent": it.ParentCode,
		"name": it.Name, "name_en": it.NameEn, "description": it.Description, "service_standard": it.ServiceStandard, "unit": it.Unit}
	if it.GuidePriceFen > 0 {
		form["guide_price_yuan"] = strings.ReplaceAll(formatYuan(it.GuidePriceFen), ",", "")
	}
	for i, ind := range it.Indicators {
		prefix := "indicators[" + strconv.Itoa(i) + "]."
		form[prefix+"key"], form[prefix+"name"], form[prefix+"name_en"] = ind.Key, ind.Name, ind.NameEn
		form[prefix+"unit"], form[prefix+"kind"], form[prefix+"weight"] = ind.Unit, ind.Kind, strconv.Itoa(ind.Weight)
	}
	return form
}

func itemURL(code string, year int, region string) string {
	return "/catalogue/items/" + url.PathEscape(code) + "?year=" + strconv.Itoa(year) + "&region=" + url.QueryEscape(region)
}

func (s *Server) pageNewCatalogueItem(c *gin.Context) {
	q, err := catalogueQuery(c)
	if err != nil {
		fail(c, err)
		return
	}
	v, err := s.store.EditableCatalogueVersion(c.Request.Context(), policy.ActorFrom(c), q)
	if err != nil {
		fail(c, err)
		return
	}
	year := strconv.Itoa(v.Year)
	d := s.itemFormData(c, false, year, v.RegionCode, "", 0)
	d.Version = v
	form := map[string]string{"year": year, "region": v.RegionCode, "parent": c.Query("parent")}
	s.html(c, http.StatusOK, "catalogue_item_form", &page{Title: s.msgs.T(langOf(c), "catalogue.new_item", v.Year), Form: form, Data: d})
}

func (s *Server) pageCreateCatalogueItem(c *gin.Context) {
	in, form, rows := itemForm(c)
	it, err := s.store.CreateCatalogueItem(c.Request.Context(), policy.ActorFrom(c), in)
	if err != nil {
		d := s.itemFormData(c, false, form["year"], form["region"], "", len(in.Indicators))
		s.formFailed(c, "catalogue_item_form", "catalogue.new_item_plain", formFields(err, rows), form, d)
		return
	}
	c.Redirect(http.StatusSeeOther, itemURL(it.Code, it.Year, it.Region)+"&done=catalogue.item_created")
}

func (s *Server) pageEditCatalogueItem(c *gin.Context) {
	q, err := catalogueQuery(c)
	if err != nil {
		fail(c, err)
		return
	}
	it, err := s.store.EditableCatalogueItem(c.Request.Context(), policy.ActorFrom(c), q, c.Param("code"))
	if err != nil {
		fail(c, err)
		return
	}
	d := s.itemFormData(c, true, strconv.Itoa(it.Year), it.Region, it.Code, len(it.Indicators))
	s.html(c, http.StatusOK, "catalogue_item_form", &page{Title: s.msgs.T(langOf(c), "catalogue.edit_item", it.Code), Form: itemFormValues(it), Data: d})
}

func (s *Server) pageUpdateCatalogueItem(c *gin.Context) {
	in, form, rows := itemForm(c)
	code := strings.ToUpper(c.Param("code"))
	form["code"] = code
	p := models.CatalogueItemPatch{Name: &in.Name, NameEn: &in.NameEn, Description: &in.Description,
		ServiceStandard: &in.ServiceStandard, Unit: &in.Unit, GuidePriceFen: &in.GuidePriceFen, Indicators: &in.Indicators}
	it, err := s.store.UpdateCatalogueItem(c.Request.Context(), policy.ActorFrom(c), models.CatalogueQuery{Region: in.Region, Year: in.Year}, code, p)
	if err != nil {
		d := s.itemFormData(c, true, form["year"], form["region"], code, len(in.Indicators))
		s.formFailed(c, "catalogue_item_form", "catalogue.edit_item_plain", formFields(err, rows), form, d)
		return
	}
	c.Redirect(http.StatusSeeOther, itemURL(it.Code, it.Year, it.Region)+"&done=catalogue.item_saved")
}
