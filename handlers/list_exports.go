package handlers

import (
	"html/template"
	"net/url"
	"strconv"
	"strings"

	"portal/models"
	"portal/models/sheet"
	"portal/policy"

	"github.com/gin-gonic/gin"
)

// The list pages' exports (the ledgers' are in ledgers.go): each page's
// path with .xlsx, behind the page's own permission, reads the page's
// filter from the same query and writes the columns the page shows, in
// the page's language: statuses and kinds in words, money in yuan (a
// number with two decimals), dates as YYYY-MM-DD text, regions by name.

func (s *Server) listExportRoutes(r *gin.Engine) {
	r.GET("/tenders.xlsx", policy.Require("tender:read"), s.exportTenders)
	r.GET("/notices.xlsx", policy.Require("tender:read"), s.exportNotices)
	r.GET("/contracts.xlsx", policy.Require(""), s.exportContracts)
	r.GET("/organisations.xlsx", policy.Require("org:read"), s.exportOrganisations)
	r.GET("/catalogue.xlsx", policy.Require("catalogue:read"), s.exportCatalogue)
	r.GET("/bases.xlsx", policy.Require("office:manage"), s.exportBases)
	r.GET("/notifications.xlsx", policy.Require(""), s.exportNotifications)
	r.GET("/admin/users.xlsx", policy.Require("user:read"), s.exportUsers)
	r.GET("/admin/audit.xlsx", policy.Require("audit:read"), s.exportAudit)
}

// filterQuery is a list's filter as a query string (key, value pairs;
// the empty values left out), for its pager and its export link.
func filterQuery(kv ...string) template.URL {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			v.Set(kv[i], kv[i+1])
		}
	}
	return template.URL(v.Encode())
}

// regionLabel is a region's label among those an export read, its code
// when not found.
func regionLabel(names map[string]string, code string) string {
	if n, ok := names[code]; ok {
		return n
	}
	return code
}

func (s *Server) exportTenders(c *gin.Context) {
	ctx, a, lang := c.Request.Context(), policy.ActorFrom(c), langOf(c)
	f := tenderFilter(c)
	title := s.msgs.T(lang, "tender.list_title")
	if f.Mine {
		title = s.msgs.T(lang, "tender.mine_title")
	}
	fm := pageFmt{lang: lang}
	row := make([]any, 7)
	sh := sheet.Sheet{Name: title, Columns: s.exportColumns(lang, exportColumn{"tender.code", sheet.Text}, exportColumn{"tender.title_label", sheet.Text},
		exportColumn{"tender.region", sheet.Text}, exportColumn{"tender.status", sheet.Text}, exportColumn{"tender.method", sheet.Text},
		exportColumn{"tender.budget_yuan", sheet.Money}, exportColumn{"tender.deadline", sheet.Date}),
		Each: func(yield func([]any) error) error {
			return s.store.ExportTenders(ctx, a, f, func(r models.ExportRow[models.TenderExportRow]) error {
				t := r.Row
				row[0], row[1], row[2], row[3], row[4], row[5], row[6] = t.Code, t.Title, regionLabel(r.Regions, t.RegionCode),
					s.msgs.T(lang, "tender.status."+t.Status), fm.Method(t.Method), yuan(t.BudgetFen), t.BidDeadline.In(models.ChinaZone).Format("2006-01-02 15:04")
				return yield(row)
			})
		}}
	s.sendWorkbook(c, "tenders", title, sh)
}

// contractFilterOf reads the contract list's filter from the query.
func contractFilterOf(c *gin.Context) models.ContractFilter {
	org, _ := strconv.ParseInt(c.Query("organisation"), 10, 64)
	return models.ContractFilter{OrganisationID: org, Region: c.Query("region"), Status: c.Query("status")}
}

func (s *Server) exportContracts(c *gin.Context) {
	ctx, a, lang := c.Request.Context(), policy.ActorFrom(c), langOf(c)
	title := s.msgs.T(lang, "contract.list_title")
	row := make([]any, 7)
	sh := sheet.Sheet{Name: title, Columns: s.exportColumns(lang, exportColumn{"contract.number", sheet.Text}, exportColumn{"contract.organisation", sheet.Text},
		exportColumn{"label.region", sheet.Text}, exportColumn{"contract.amount", sheet.Money}, exportColumn{"contract.service_start", sheet.Date},
		exportColumn{"contract.service_end", sheet.Date}, exportColumn{"contract.status", sheet.Text}),
		Each: func(yield func([]any) error) error {
			return s.store.ExportContracts(ctx, a, contractFilterOf(c), func(r models.ExportRow[models.ContractExportRow]) error {
				k := r.Row
				row[0], row[1], row[2], row[3], row[4], row[5], row[6] = k.Number, k.OrganisationName, regionLabel(r.Regions, k.RegionCode), yuan(k.AmountFen),
					day10(k.ServiceStart), day10(k.ServiceEnd), s.msgs.T(lang, "contract.status."+k.Status)
				return yield(row)
			})
		}}
	s.sendWorkbook(c, "contracts", title, sh)
}

// day10 is a date column read as text: its YYYY-MM-DD (PostgreSQL may
// add a time to a timestamp's text).
func day10(d string) string { return d[:min(10, len(d))] }

func (s *Server) exportOrganisations(c *gin.Context) {
	ctx, a, lang := c.Request.Context(), policy.ActorFrom(c), langOf(c)
	title := s.msgs.T(lang, "org.list_title")
	row := make([]any, 5)
	sh := sheet.Sheet{Name: title, Columns: s.exportColumns(lang, exportColumn{"org.name", sheet.Text}, exportColumn{"org.credit_code", sheet.Text},
		exportColumn{"org.region", sheet.Text}, exportColumn{"org.registration_type", sheet.Text}, exportColumn{"org.status", sheet.Text}),
		Each: func(yield func([]any) error) error {
			return s.store.ExportOrganisations(ctx, a, orgFilterOf(c), func(r models.ExportRow[models.OrganisationExportRow]) error {
				o := r.Row
				row[0], row[1], row[2], row[3], row[4] = o.Name, o.CreditCode, regionLabel(r.Regions, o.RegionCode),
					s.msgs.T(lang, "org.type."+o.RegistrationType), s.msgs.T(lang, "org.status."+o.Status)
				return yield(row)
			})
		}}
	s.sendWorkbook(c, "organisations", title, sh)
}

func (s *Server) exportUsers(c *gin.Context) {
	ctx, a, lang := c.Request.Context(), policy.ActorFrom(c), langOf(c)
	title := s.msgs.T(lang, "users.title")
	row := make([]any, 5)
	sh := sheet.Sheet{Name: title, Columns: s.exportColumns(lang, exportColumn{"label.username", sheet.Text}, exportColumn{"label.display_name", sheet.Text},
		exportColumn{"label.phone", sheet.Text}, exportColumn{"users.roles", sheet.Text}, exportColumn{"users.status", sheet.Text}),
		Each: func(yield func([]any) error) error {
			return s.store.ExportUsers(ctx, a, models.UserFilter{Q: c.Query("q")}, func(r models.ExportRow[models.UserExportRow]) error {
				u := r.Row
				grants, err := s.authz.Grants(u.ID)
				if err != nil {
					return err
				}
				roles := make([]string, len(grants))
				for i, g := range grants {
					roles[i] = s.msgs.T(lang, "role."+g.Role) + " · " + regionLabel(r.Regions, g.Region)
				}
				status := s.msgs.T(lang, "users.active")
				if u.Disabled {
					status = s.msgs.T(lang, "users.disabled")
				}
				row[0], row[1], row[2], row[3], row[4] = u.Username, u.DisplayName, u.Phone, strings.Join(roles, "；"), status
				return yield(row)
			})
		}}
	s.sendWorkbook(c, "users", title, sh)
}

func (s *Server) exportAudit(c *gin.Context) {
	ctx, a, lang := c.Request.Context(), policy.ActorFrom(c), langOf(c)
	title := s.msgs.T(lang, "audit.title")
	row := make([]any, 9)
	sh := sheet.Sheet{Name: title, Columns: s.exportColumns(lang, exportColumn{"label.time", sheet.Date}, exportColumn{"label.actor", sheet.Text},
		exportColumn{"label.action", sheet.Text}, exportColumn{"label.object_type", sheet.Text}, exportColumn{"label.object_id", sheet.Text},
		exportColumn{"label.region", sheet.Text}, exportColumn{"label.remote", sheet.Text}, exportColumn{"audit.before", sheet.Text},
		exportColumn{"audit.after", sheet.Text}),
		Each: func(yield func([]any) error) error {
			return s.store.ExportAuditEvents(ctx, a, auditFilter(c), func(r models.ExportRow[models.AuditEvent]) error {
				ev := r.Row
				region := ""
				if ev.RegionCode != "" {
					region = regionLabel(r.Regions, ev.RegionCode)
				}
				row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8] = ev.At.In(models.ChinaZone).Format("2006-01-02 15:04:05"), ev.ActorName,
					s.auditAction(lang, ev.Action), s.auditType(lang, ev.ObjectType), ev.ObjectID, region, ev.RemoteAddr, ev.Before, ev.After
				return yield(row)
			})
		}}
	s.sendWorkbook(c, "audit", title, sh)
}

func (s *Server) exportNotices(c *gin.Context) {
	ctx, a, lang := c.Request.Context(), policy.ActorFrom(c), langOf(c)
	title := s.msgs.T(lang, "notices.title")
	v := noticeView{lang}
	row := make([]any, 6)
	sh := sheet.Sheet{Name: title, Columns: s.exportColumns(lang, exportColumn{"notices.kind", sheet.Text}, exportColumn{"tender.title_label", sheet.Text},
		exportColumn{"tender.code", sheet.Text}, exportColumn{"notices.region", sheet.Text}, exportColumn{"notices.method", sheet.Text},
		exportColumn{"export.notice_date", sheet.Date}),
		Each: func(yield func([]any) error) error {
			return s.store.ExportNotices(ctx, a, noticeFilterOf(c), func(r models.ExportRow[models.NoticeExportRow]) error {
				n := r.Row
				kind := s.msgs.T(lang, "notices.kind."+n.Kind)
				if n.Kind == models.NoticeAmendment {
					kind += " " + s.msgs.T(lang, "notices.seq", n.Ref)
				}
				row[0], row[1], row[2], row[3], row[4], row[5] = kind, n.Title, n.Code, regionLabel(r.Regions, n.RegionCode), v.Method(n.Method), exportDay(&n.At)
				return yield(row)
			})
		}}
	s.sendWorkbook(c, "notices", title, sh)
}

func (s *Server) exportBases(c *gin.Context) {
	ctx, a, lang := c.Request.Context(), policy.ActorFrom(c), langOf(c)
	title := s.msgs.T(lang, "office.bases_title")
	row := make([]any, 4)
	sh := sheet.Sheet{Name: title, Columns: s.exportColumns(lang, exportColumn{"office.base_name", sheet.Text}, exportColumn{"office.region", sheet.Text},
		exportColumn{"office.address", sheet.Text}, exportColumn{"office.room_count", sheet.Whole}),
		Each: func(yield func([]any) error) error {
			return s.store.ExportBases(ctx, a, models.BaseFilter{Region: c.Query("region")}, func(r models.ExportRow[models.BaseExportRow]) error {
				b := r.Row
				row[0], row[1], row[2], row[3] = b.Name, regionLabel(r.Regions, b.RegionCode), b.Address, b.RoomCount
				return yield(row)
			})
		}}
	s.sendWorkbook(c, "bases", title, sh)
}

// exportCatalogue sends the catalogue version the page shows: a version
// is a few hundred items at most, read with the page's one read and
// written as the sheet's Rows.
func (s *Server) exportCatalogue(c *gin.Context) {
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
	title := s.msgs.T(lang, "catalogue.title", s.regionName(c, v.RegionCode), v.Year)
	sh := sheet.Sheet{Name: title, Columns: s.exportColumns(lang, exportColumn{"catalogue.code", sheet.Text}, exportColumn{"catalogue.name", sheet.Text},
		exportColumn{"catalogue.unit", sheet.Text}, exportColumn{"catalogue.guide_price", sheet.Money}, exportColumn{"catalogue.indicators", sheet.Whole})}
	for i := range cv.Items {
		it := &cv.Items[i]
		var price any
		if it.GuidePriceFen > 0 {
			price = yuan(it.GuidePriceFen)
		}
		sh.Rows = append(sh.Rows, []any{it.Code, localName(lang, it.Name, it.NameEn), s.unit(lang, it.Unit), price, len(it.Indicators)})
	}
	s.sendWorkbook(c, "catalogue", title, sh)
}

// exportNotifications sends the caller's own notifications: the time, the
// message in the page's language and whether it is read.
func (s *Server) exportNotifications(c *gin.Context) {
	f, err := notificationFilter(c)
	if err != nil {
		fail(c, err)
		return
	}
	ctx, a, lang := c.Request.Context(), policy.ActorFrom(c), langOf(c)
	title := s.msgs.T(lang, "notify.title")
	row := make([]any, 3)
	sh := sheet.Sheet{Name: title, Columns: s.exportColumns(lang, exportColumn{"label.time", sheet.Date}, exportColumn{"export.message", sheet.Text},
		exportColumn{"notify.read", sheet.Text}),
		Each: func(yield func([]any) error) error {
			return s.store.ExportNotifications(ctx, a, f, func(r models.ExportRow[models.Notification]) error {
				v := s.notificationView(lang, *r.Row)
				read := s.msgs.T(lang, "notify.unread_only")
				if v.ReadAt != nil {
					read = s.msgs.T(lang, "notify.read")
				}
				row[0], row[1], row[2] = v.At, v.Message, read
				return yield(row)
			})
		}}
	s.sendWorkbook(c, "notifications", title, sh)
}
