package handlers

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"portal/models"
	"portal/policy"

	"github.com/gin-gonic/gin"
)

// The tender pages: the public notices, the buyer's workspace (drafting,
// publishing, enquiries, opening, panel, credit checks, award, challenges,
// contract), the agency's (enquiries, its bid, challenges) and the expert's
// (declaration, score sheets). By feature: tender_show.go (list, page,
// notice, enquiries), tender_form.go (create, edit, publish, cancel),
// bid_pages.go, evaluation_pages.go, review_pages.go, contract_pages.go;
// this file holds their routes and the helpers they share.

// tenderPageRoutes registers the tender, bid, evaluation and contract pages.
func (s *Server) tenderPageRoutes(r *gin.Engine) {
	manage := policy.Require("tender:manage")
	bid := policy.Require("bid:write")
	score := policy.Require("bid:score")
	read := policy.Require("tender:read")
	r.GET("/tenders", read, s.pageTenders)
	r.GET("/tenders/new", manage, s.pageNewTender)
	r.POST("/tenders", manage, s.pageCreateTender)
	r.GET("/tenders/:id", read, s.pageTender)
	r.GET("/tenders/:id/notice", read, s.pageTenderNotice)
	r.GET("/tenders/:id/edit", manage, s.pageEditTender)
	r.POST("/tenders/:id", manage, s.pageUpdateTender)
	r.POST("/tenders/:id/publish", manage, s.pagePublishTender)
	r.POST("/tenders/:id/cancel", manage, s.pageCancelTender)
	r.POST("/tenders/:id/enquiries", bid, s.pageAsk)
	r.POST("/tenders/:id/enquiries/:sub/answer", manage, s.pageAnswerEnquiry)
	r.GET("/tenders/:id/bid", bid, s.pageBid)
	r.POST("/tenders/:id/bid", bid, s.pageSaveBid)
	r.POST("/tenders/:id/bid/submit", bid, s.pageMoveBid(s.store.SubmitBid, func(v *models.BidView) bool { return v.CanSubmit }, "confirm.submit_bid", "bid.submitted"))
	r.POST("/tenders/:id/bid/withdraw", bid, s.pageMoveBid(s.store.WithdrawBid, func(v *models.BidView) bool { return v.CanWithdraw }, "confirm.withdraw_bid", "bid.withdrawn"))
	r.POST("/tenders/:id/bid/attachments", s.allowUpload, bid, s.pageAttachToBid)
	r.POST("/tenders/:id/bid/attachments/:sub/delete", bid, s.pageDetachFromBid)
	r.POST("/tenders/:id/challenges", bid, s.pageFileChallenge)
	r.GET("/tenders/:id/evaluation", manage, s.pageEvaluation)
	r.POST("/tenders/:id/bids/:sub/disqualify", manage, s.pageDisqualify)
	r.POST("/tenders/:id/panel", manage, s.pageAppointPanel)
	r.POST("/tenders/:id/credit-checks", s.allowUpload, manage, s.pageCreditCheck)
	r.POST("/tenders/:id/award", manage, s.pageAward)
	r.POST("/tenders/:id/fail", manage, s.pageFailTender)
	r.POST("/tenders/:id/challenges/:sub/answer", manage, s.pageAnswerChallenge)
	r.POST("/tenders/:id/contract", manage, s.pageSignContract)
	r.GET("/tenders/:id/review", score, s.pageReview)
	r.POST("/tenders/:id/declaration", score, s.pageDeclare)
	r.POST("/tenders/:id/bids/:sub/score", score, s.pageScore)
	r.POST("/tenders/:id/bids/:sub/compliance", score, s.pageReviewCompliance)
	r.GET("/my/bids", policy.Require("workspace:bids"), s.pageMyBids)
	r.GET("/my/evaluations", policy.Require("workspace:evaluations"), s.pageMyPanels)
	r.GET("/contracts", policy.Require(""), s.pageContracts)
	r.GET("/contracts/:id", policy.Require(""), s.pageContract)
}

// Formatting.

// pageFmt formats values for the views: money in yuan, times in China time,
// names in the page's language. Page data embed it, so a view calls
// {{$.Data.Yuan .PriceFen}}.
type pageFmt struct{ lang string }

func (s *Server) pageFmt(c *gin.Context) pageFmt { return pageFmt{lang: langOf(c)} }

// Count shows a whole number with thousands separators.
func (f pageFmt) Count(n int64) string { y := formatYuan(n * 100); return y[:len(y)-3] }

// Yuan shows fen as yuan with two decimals.
func (f pageFmt) Yuan(fen int64) string { return formatYuan(fen) }

// Time shows a time in Beijing time to the minute, unlabelled (the page
// names the zone: the views label times with beijing).
func (f pageFmt) Time(t time.Time) string { return beijingMinute(t) }

// TimeP is Time of an optional time.
func (f pageFmt) TimeP(t *time.Time) string {
	if t == nil {
		return ""
	}
	return f.Time(*t)
}

// Method names a procurement method.
func (f pageFmt) Method(key string) string {
	m, ok := models.Methods[key]
	if !ok {
		return key
	}
	return localName(f.lang, m.Name, m.NameEn)
}

// Score shows a score with two decimals.
func (f pageFmt) Score(x float64) string { return strconv.FormatFloat(x, 'f', 2, 64) }

// ScoreP is Score of an optional score.
func (f pageFmt) ScoreP(x *float64) string {
	if x == nil {
		return ""
	}
	return f.Score(*x)
}

// Num shows a number without trailing zeros.
func (f pageFmt) Num(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// choice is one choice of a select.
type choice struct{ Value, Label string }

// parseLocalTime reads a datetime-local value typed in China time; ok is false for
// a malformed one.
func parseLocalTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, models.ChinaZone); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// localInput is a time as a datetime-local value in China time.
func localInput(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(models.ChinaZone).Format("2006-01-02T15:04")
}

// formInt reads a whole number; a malformed one becomes bad, a value the
// model refuses, so the error shows next to the field.
func formInt(s string, bad int) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return bad
	}
	return n
}

// renameFields returns err with its fields renamed by rename; an error with no
// fields is returned as it is.
func renameFields(err error, rename func(string) string) error {
	e, ok := models.AsError(err)
	if !ok || len(e.Fields) == 0 {
		return err
	}
	out := *e
	out.Fields = make([]models.FieldError, len(e.Fields))
	for i, f := range e.Fields {
		f.Field = rename(f.Field)
		out.Fields[i] = f
	}
	return &out
}

// formRow maps "group[k]rest" to "group[rows[k]]rest": the model counts the
// rows it was given, the form counts every row shown.
func formRow(field, group string, rows []int) (string, bool) {
	idx, rest, ok := strings.Cut(strings.TrimPrefix(field, group+"["), "]")
	if !ok || !strings.HasPrefix(field, group+"[") {
		return field, false
	}
	k, err := strconv.Atoi(idx)
	if err != nil || k < 0 || k >= len(rows) {
		return field, false
	}
	return group + "[" + strconv.Itoa(rows[k]) + "]" + rest, true
}

// looseErrors lists the messages of errors that name no input of the form, to
// show above it.
func looseErrors(errors map[string]string, form map[string]string) []string {
	var keys []string
	for k := range errors {
		if _, ok := form[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = errors[k]
	}
	return out
}

// rangeFormErrors is formErrors with ranges shown as "0–40" rather than the
// model's "0 40".
func (s *Server) rangeFormErrors(lang string, err error) (map[string]string, string) {
	err = renameFields(err, func(f string) string { return f })
	if e, ok := models.AsError(err); ok {
		for i, f := range e.Fields {
			if f.Code == "between" {
				e.Fields[i].Param = strings.Replace(f.Param, " ", "–", 1)
			}
		}
	}
	return s.formErrors(lang, err)
}

// tenderFormDone ends a workspace form's POST on the tender's page at suffix.
func tenderFormDone(c *gin.Context, suffix string, render formPage, form string, err error, typed map[string]string, done string) {
	formDone(c, "/tenders/"+c.Param("id")+suffix, render, form, err, typed, done)
}

// subID parses the second numeric path parameter (an enquiry, bid or
// challenge).
func subID(c *gin.Context) (int64, error) { return pathParam(c, "sub") }

// parseNamedForm parses a form whose inputs are read by name; too large a
// body answers 413.
func parseNamedForm(c *gin.Context) error {
	var none struct{}
	return bindForm(c, &none)
}

// tenderURL is a tender page's path.
func tenderURL(id int64, suffix string) string {
	return "/tenders/" + strconv.FormatInt(id, 10) + suffix
}

func formRows(group string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = group + "[" + strconv.Itoa(i) + "]"
	}
	return out
}
