package handlers

import (
	"context"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"strconv"

	"portal/models"
	"portal/models/sheet"
	"portal/policy"

	"github.com/gin-gonic/gin"
)

// The ledgers (台账) of service reports, payments and room allocations:
// a list page with filters, the same list from the API, and an xlsx
// export with the page's filters. One table of columns per ledger serves
// the page and the sheet.

func (s *Server) ledgerRoutes(r *gin.Engine, api *gin.RouterGroup) {
	signedIn := policy.Require("")
	for _, rg := range ledgers {
		rg := rg
		api.GET("/"+rg.key, signedIn, func(c *gin.Context) {
			f := ledgerFilterOf(c)
			list, err := rg.read(s.store, c.Request.Context(), policy.ActorFrom(c), f, pageOf(c))
			if err != nil {
				fail(c, err)
				return
			}
			c.JSON(http.StatusOK, list.api)
		})
		r.GET("/"+rg.key, signedIn, func(c *gin.Context) { s.pageLedger(c, rg) })
		r.GET("/"+rg.key+".xlsx", signedIn, func(c *gin.Context) { s.exportLedger(c, rg) })
	}
}

// ledger is one ledger: its path, what its filter offers and its columns.
type ledger struct {
	key      string // path and i18n prefix: reports, payments, allocations
	statuses []string
	status   string // i18n prefix of a status
	kinds    []string
	dates    bool // the filter has from..to
	columns  []ledgerColumn
	read     func(st *models.Store, ctx context.Context, a *models.Actor, f models.LedgerFilter, p models.Page) (ledgerList, error)
	// export reads every row with f, one at a time, with the labels of the
	// regions the rows show.
	export func(st *models.Store, ctx context.Context, a *models.Actor, f models.LedgerFilter, fn func(names map[string]string, r ledgerRow) error) error
}

// regionCodes are the region codes rows show, for their names.
func (rg ledger) regionCodes(rows []ledgerRow) []string {
	codes := []string{}
	for _, r := range rows {
		for i, col := range rg.columns {
			if col.Key == "ledger.region" {
				codes = append(codes, r.Cells[i].(string))
			}
		}
	}
	return codes
}

// ledgerColumn is a column: its header's key and its cells' kind.
type ledgerColumn struct {
	Key  string
	Kind sheet.Kind
}

// ledgerList is a page of a ledger: the API's list and the rows.
type ledgerList struct {
	api   any
	total int64
	page  models.List[ledgerRow]
}

// ledgerRow is one row: where it links to and its cells, one per
// column (string, int64 or float64; money in yuan).
type ledgerRow struct {
	Href  string
	Cells []any
}

var ledgers = []ledger{
	{key: "reports", status: "report.status.", statuses: []string{models.ReportSubmitted, models.ReportApproved, models.ReportReturned, models.ReportDraft}, dates: true,
		columns: []ledgerColumn{{"ledger.status", sheet.Text}, {"ledger.contract", sheet.Text}, {"ledger.organisation", sheet.Text},
			{"ledger.region", sheet.Text}, {"ledger.period_start", sheet.Date}, {"ledger.period_end", sheet.Date}, {"ledger.version", sheet.Whole},
			{"ledger.service_hours", sheet.Decimal}, {"ledger.volunteer_person_times", sheet.Whole}, {"ledger.volunteer_hours", sheet.Decimal},
			{"ledger.children_person_times", sheet.Whole}, {"ledger.children_distinct", sheet.Whole}},
		read: func(st *models.Store, ctx context.Context, a *models.Actor, f models.LedgerFilter, p models.Page) (ledgerList, error) {
			l, err := st.ReportLedger(ctx, a, f, p)
			return ledgerRowsOf(l, reportLedgerRow), err
		},
		export: func(st *models.Store, ctx context.Context, a *models.Actor, f models.LedgerFilter, fn func(map[string]string, ledgerRow) error) error {
			return st.ExportReportLedger(ctx, a, f, func(r models.ExportRow[models.ReportRow]) error { return fn(r.Regions, reportLedgerRow(*r.Row)) })
		}},
	{key: "payments", status: "contract.tranche.", statuses: []string{models.TrancheDue, models.TrancheApproved, models.TranchePaid, models.TranchePlanned, models.TrancheCancelled},
		kinds: []string{models.PaymentTranche, models.PaymentStartupFund}, dates: true,
		columns: []ledgerColumn{{"ledger.status", sheet.Text}, {"ledger.contract", sheet.Text}, {"ledger.organisation", sheet.Text},
			{"ledger.region", sheet.Text}, {"ledger.kind", sheet.Text}, {"ledger.condition", sheet.Text}, {"ledger.amount", sheet.Money},
			{"ledger.paid_on", sheet.Date}, {"ledger.voucher", sheet.Text}},
		read: func(st *models.Store, ctx context.Context, a *models.Actor, f models.LedgerFilter, p models.Page) (ledgerList, error) {
			l, err := st.PaymentLedger(ctx, a, f, p)
			return ledgerRowsOf(l, paymentLedgerRow), err
		},
		export: func(st *models.Store, ctx context.Context, a *models.Actor, f models.LedgerFilter, fn func(map[string]string, ledgerRow) error) error {
			return st.ExportPaymentLedger(ctx, a, f, func(r models.ExportRow[models.PaymentRow]) error { return fn(r.Regions, paymentLedgerRow(*r.Row)) })
		}},
	{key: "allocations", status: "ledger.allocation.", statuses: []string{models.AllocationActive, models.AllocationEnded}, dates: true,
		columns: []ledgerColumn{{"ledger.status", sheet.Text}, {"ledger.base", sheet.Text}, {"ledger.room", sheet.Text}, {"ledger.area", sheet.Decimal},
			{"ledger.region", sheet.Text}, {"ledger.organisation", sheet.Text}, {"ledger.contract", sheet.Text}, {"ledger.from_col", sheet.Date},
			{"ledger.to_col", sheet.Date}},
		read: func(st *models.Store, ctx context.Context, a *models.Actor, f models.LedgerFilter, p models.Page) (ledgerList, error) {
			l, err := st.AllocationLedger(ctx, a, f, p)
			return ledgerRowsOf(l, allocationLedgerRow), err
		},
		export: func(st *models.Store, ctx context.Context, a *models.Actor, f models.LedgerFilter, fn func(map[string]string, ledgerRow) error) error {
			return st.ExportAllocationLedger(ctx, a, f, func(r models.ExportRow[models.AllocationRow]) error {
				return fn(r.Regions, allocationLedgerRow(*r.Row))
			})
		}},
}

// reportLedgerRow is a report's row of the ledger, one cell per column.
func reportLedgerRow(r models.ReportRow) ledgerRow {
	return ledgerRow{Href: "/reports/" + strconv.FormatInt(r.ID, 10), Cells: []any{r.Status, r.ContractNumber, r.OrganisationName, r.RegionCode,
		r.PeriodStart, r.PeriodEnd, int64(r.Version), hundredths(int64(r.ServiceHours)), r.VolunteerPersonTimes, hundredths(int64(r.VolunteerHours)),
		r.ChildrenServedPersonTimes, r.ChildrenServedDistinct}}
}

// paymentLedgerRow is a payment's row of the ledger.
func paymentLedgerRow(r models.PaymentRow) ledgerRow {
	paid, cond := "", r.Purpose
	if r.PaidOn != nil {
		paid = *r.PaidOn
	}
	if r.Kind == models.PaymentTranche {
		cond = "contract.condition." + r.Condition
	}
	return ledgerRow{Href: "/contracts/" + strconv.FormatInt(r.ContractID, 10) + "#payment-" + strconv.FormatInt(r.ID, 10),
		Cells: []any{r.Status, r.ContractNumber, r.OrganisationName, r.RegionCode, "payment.kind." + r.Kind, cond, hundredths(r.AmountFen), paid, r.VoucherNo}}
}

// allocationLedgerRow is an allocation's row of the ledger.
func allocationLedgerRow(r models.AllocationRow) ledgerRow {
	number, to := "", r.To
	if r.ContractNumber != nil {
		number = *r.ContractNumber
	}
	if r.HeldTo != nil {
		to = *r.HeldTo
	}
	return ledgerRow{Href: "/bases/" + strconv.FormatInt(r.BaseID, 10), Cells: []any{r.Status, r.BaseName, r.RoomName, hundredths(int64(r.AreaCenti)),
		r.RegionCode, r.OrganisationName, number, r.From, to}}
}

// hundredths is an amount in hundredths (fen, hundredths of an hour or a
// square metre) as the decimal it stands for.
func hundredths(n int64) float64 { return float64(n) / 100 }

func ledgerRowsOf[T any](l models.List[T], row func(T) ledgerRow) ledgerList {
	out := ledgerList{api: l, total: l.Total, page: models.List[ledgerRow]{Items: []ledgerRow{}, Total: l.Total, Page: l.Page, PerPage: l.PerPage}}
	for _, it := range l.Items {
		out.page.Items = append(out.page.Items, row(it))
	}
	return out
}

// ledgerFilterOf reads the filter from the query (whose values the edge
// has checked as text of a bounded length).
func ledgerFilterOf(c *gin.Context) models.LedgerFilter {
	q := c.Request.URL.Query()
	return models.LedgerFilter{Region: q.Get("region"), Status: q.Get("status"), Kind: q.Get("kind"), From: q.Get("from"), To: q.Get("to")}
}

type ledgerData struct {
	pageFmt
	Key      string
	Filter   models.LedgerFilter
	Statuses []string
	Status   string // i18n prefix of a status
	Kinds    []string
	Dates    bool
	Columns  []ledgerColumn
	List     models.List[ledgerRow]
	Regions  regionPicker
	Query    template.URL // the filter as a query (url.Values.Encode), for the pager and the export
	msgs     Catalogue
	lang     string
	names    map[string]string // region code → label
}

// Cell shows a cell: the status and kind keys in words, money and
// decimals with their digits, the region by name.
func (d *ledgerData) Cell(col ledgerColumn, v any) string {
	switch x := v.(type) {
	case float64:
		if col.Key == "ledger.amount" {
			return formatYuan(int64(math.Round(x * 100)))
		}
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int64:
		return strconv.FormatInt(x, 10)
	case string:
		switch col.Key {
		case "ledger.status":
			return d.msgs.T(d.lang, d.Status+x)
		case "ledger.region":
			if n, ok := d.names[x]; ok {
				return n
			}
		case "ledger.kind", "ledger.condition":
			if d.msgs.Has(x) {
				return d.msgs.T(d.lang, x)
			}
		}
		return x
	}
	return fmt.Sprint(v)
}

func (s *Server) pageLedger(c *gin.Context, rg ledger) {
	f := ledgerFilterOf(c)
	ctx, a, lang := c.Request.Context(), policy.ActorFrom(c), langOf(c)
	list, err := rg.read(s.store, ctx, a, f, pageOf(c))
	if err != nil && !onForm(err) {
		fail(c, err)
		return
	}
	pick, perr := s.regionPicker(ctx, lang, s.msgs.T(lang, "region.any"), false, anyRegion)
	if perr != nil {
		fail(c, perr)
		return
	}
	d := &ledgerData{pageFmt: s.pageFmt(c), Key: rg.key, Filter: f, Statuses: rg.statuses, Status: rg.status, Kinds: rg.kinds, Dates: rg.dates,
		Columns: rg.columns, List: list.page, Regions: pick, Query: template.URL(ledgerQuery(f)), msgs: s.msgs, lang: lang}
	p := &page{Title: s.msgs.T(lang, "ledger."+rg.key), Form: map[string]string{"region": f.Region}, Errors: map[string]string{}, Data: d}
	status := http.StatusOK
	if err != nil {
		status, _ = classify(err)
		p.Errors, p.Error = s.formErrors(lang, err)
		d.List = models.List[ledgerRow]{Items: []ledgerRow{}}
	}
	codes := rg.regionCodes(d.List.Items)
	if err := s.loadRegionNames(ctx, p, codes...); err != nil {
		fail(c, err)
		return
	}
	d.names = p.Regions
	s.html(c, status, "ledger_list", p)
}

// ledgerQuery writes the filter as a query string (for links).
func ledgerQuery(f models.LedgerFilter) string {
	v := url.Values{}
	for _, kv := range [][2]string{{"region", f.Region}, {"status", f.Status}, {"kind", f.Kind}, {"from", f.From}, {"to", f.To}} {
		if kv[1] != "" {
			v.Set(kv[0], kv[1])
		}
	}
	return v.Encode()
}

// exportLedger sends the ledger with the page's filters as xlsx, the
// headers and words in the page's language, every row the filter selects
// streamed from one read (see sendWorkbook).
func (s *Server) exportLedger(c *gin.Context, rg ledger) {
	f := ledgerFilterOf(c)
	ctx, a, lang := c.Request.Context(), policy.ActorFrom(c), langOf(c)
	title := s.msgs.T(lang, "ledger."+rg.key)
	sh := sheet.Sheet{Name: title}
	for _, col := range rg.columns {
		sh.Columns = append(sh.Columns, sheet.Column{Header: s.msgs.T(lang, col.Key), Kind: col.Kind})
	}
	d := &ledgerData{Status: rg.status, msgs: s.msgs, lang: lang}
	row := make([]any, len(rg.columns))
	sh.Each = func(yield func([]any) error) error {
		return rg.export(s.store, ctx, a, f, func(names map[string]string, r ledgerRow) error {
			d.names = names
			for i, v := range r.Cells {
				if _, text := v.(string); text {
					row[i] = d.Cell(rg.columns[i], v)
				} else {
					row[i] = v
				}
			}
			return yield(row)
		})
	}
	s.sendWorkbook(c, rg.key, title, sh)
}
