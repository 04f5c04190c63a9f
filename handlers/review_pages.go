package handlers

import (
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"portal/models"
	"portal/policy"

	"github.com/gin-gonic/gin"
)

// The expert's review: the declaration, the score sheets and the compliance
// reviews, and the expert's list of panels.

type reviewData struct {
	pageFmt
	tenderFacts
	Member   *models.PanelMember
	Bidders  []models.Bidder
	Bids     []models.Bid
	Files    map[int64][]models.BidAttachment
	Scored   map[int64]bool
	Values   map[int64]map[string]string // bid → form values of its sheet
	Sheets   []scoreSheet
	Complete bool
	Failed   string
	Loose    []string
	// Lowest price: the panel's compliance reviews (Scored marks the
	// bids the caller reviewed, Values its pass and note).
	Compliance     []complianceRow
	ComplianceDone bool
	Grades         map[int64][]models.Grade // past evaluations per organisation (supervision_grades.html)
}

// complianceRow is one valid bid's compliance review tally.
type complianceRow struct {
	BidID         int64
	Bidder        string
	PriceFen      int64
	Passes, Fails int
	Compliant     bool
}

// complianceRows tallies the reviews the caller may see per valid bid; the
// decision is the model's, once every review is in.
func complianceRows(bids []models.Bid, sheets *models.ComplianceSheets) []complianceRow {
	decided := map[int64]bool{}
	for _, r := range sheets.Results {
		decided[r.BidID] = r.Compliant
	}
	var rows []complianceRow
	for _, b := range bids {
		if b.Status != models.BidValid && b.Status != models.BidWon && b.Status != models.BidLost {
			continue
		}
		row := complianceRow{BidID: b.ID, Bidder: b.OrganisationName, PriceFen: b.PriceFen, Compliant: decided[b.ID]}
		for _, r := range sheets.Reviews {
			if r.BidID == b.ID && r.Pass {
				row.Passes++
			} else if r.BidID == b.ID {
				row.Fails++
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// reviewPage renders the expert's page: the declaration, then a score
// sheet per valid bid, then the panel's sheets once all are in.
func (s *Server) reviewPage(c *gin.Context, status int, failed string, ferr error, typed map[string]string) {
	view, ok := readByID(c, s.store.ReviewPage)
	if !ok {
		return
	}
	a, lang := policy.ActorFrom(c), langOf(c)
	t, m := view.Tender, view.Member
	d := &reviewData{pageFmt: s.pageFmt(c), tenderFacts: tenderFactsOf(lang, view.TenderFacts), Member: m, Failed: failed,
		Bidders: view.Bidders, Bids: view.Bids, Files: view.Files, Scored: map[int64]bool{}, Values: map[int64]map[string]string{},
		Grades: view.Grades}
	if sheets := view.Scores; sheets != nil {
		for _, b := range d.Bids {
			d.Values[b.ID] = map[string]string{}
		}
		var experts []int64
		seen := map[int64]bool{}
		for _, sc := range sheets.Scores {
			if sc.ExpertID == a.UserID {
				if v := d.Values[sc.BidID]; v != nil {
					v["points."+sc.Criterion] = d.Num(sc.Points)
					d.Scored[sc.BidID] = true
				}
			}
			if !seen[sc.ExpertID] {
				seen[sc.ExpertID] = true
				experts = append(experts, sc.ExpertID)
			}
		}
		d.Complete = sheets.Complete
		if d.Complete {
			// The panel's sheets, by number; the caller's marked.
			slices.Sort(experts)
			number := map[int64]int{}
			for i, ex := range experts {
				number[ex] = i + 1
			}
			d.Sheets = scoreSheets(d.pageFmt, t, d.Bids, sheets.Scores, experts, func(ex int64) string {
				label := s.msgs.T(lang, "eval.expert_n", number[ex])
				if ex == a.UserID {
					label += s.msgs.T(lang, "eval.you")
				}
				return label
			})
		}
		if reviews := view.Compliance; reviews != nil {
			for _, r := range reviews.Reviews {
				if v := d.Values[r.BidID]; v != nil && r.ExpertID == a.UserID {
					v["pass"], v["note"] = map[bool]string{true: "yes", false: "no"}[r.Pass], r.Note
					d.Scored[r.BidID] = true
				}
			}
			d.Compliance, d.ComplianceDone = complianceRows(d.Bids, reviews), reviews.Complete
		}
		if bidID, ok := strings.CutPrefix(failed, "compliance-"); ok {
			if n, err := strconv.ParseInt(bidID, 10, 64); err == nil && d.Values[n] != nil {
				d.Values[n] = typed
			}
		}
		if bidID, ok := strings.CutPrefix(failed, "score-"); ok {
			if n, err := strconv.ParseInt(bidID, 10, 64); err == nil && d.Values[n] != nil {
				d.Values[n] = typed
			}
		}
	}
	p := &page{Title: t.Title, Form: map[string]string{}, Errors: map[string]string{}, Data: d}
	if failed == "declare" {
		p.Form = typed
	}
	if ferr != nil {
		p.Errors, p.Error = s.rangeFormErrors(lang, ferr)
		known := map[string]string{"organisation_id": "", "conflict": "", "pass": "", "note": ""}
		for _, cr := range t.Criteria {
			known["points."+cr.Key] = ""
		}
		d.Loose = looseErrors(p.Errors, known)
	}
	s.html(c, status, "evaluation_review", p)
}

func (s *Server) pageReview(c *gin.Context) { s.reviewPage(c, http.StatusOK, "", nil, nil) }

func (s *Server) reviewDone(c *gin.Context, form string, err error, typed map[string]string, done string) {
	tenderFormDone(c, "/review", s.reviewPage, form, err, typed, done)
}

func (s *Server) pageDeclare(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	typed := map[string]string{"conflict": c.PostForm("conflict"), "organisation_id": c.PostForm("organisation_id")}
	// The form offers no answer in advance: the expert chooses one.
	if typed["conflict"] != "yes" && typed["conflict"] != "no" {
		s.reviewDone(c, "declare", models.Invalid(models.Field("conflict", "required", "")), typed, "")
		return
	}
	d := models.Declaration{Conflict: typed["conflict"] == "yes"}
	if d.Conflict && typed["organisation_id"] != "" {
		org, err := strconv.ParseInt(typed["organisation_id"], 10, 64)
		if err != nil {
			org = 0 // not a bidder: the model says so
		}
		d.OrganisationID = &org
	}
	_, err = s.store.Declare(c.Request.Context(), policy.ActorFrom(c), id, d)
	s.reviewDone(c, "declare", err, typed, "eval.declared")
}

func (s *Server) pageScore(c *gin.Context) {
	sub, err := subID(c)
	if err != nil {
		fail(c, err)
		return
	}
	if err := parseNamedForm(c); err != nil {
		fail(c, err)
		return
	}
	typed := map[string]string{}
	points := map[string]float64{}
	for k, vs := range c.Request.PostForm {
		key, ok := strings.CutPrefix(k, "points.")
		if !ok || len(vs) == 0 {
			continue
		}
		typed[k] = vs[0]
		if strings.TrimSpace(vs[0]) == "" {
			continue // missing: the model says it is required
		}
		p, err := strconv.ParseFloat(strings.TrimSpace(vs[0]), 64)
		if err != nil {
			p = math.NaN() // not a number: the model refuses it as out of range
		}
		points[key] = p
	}
	_, err = s.store.ScoreBid(c.Request.Context(), policy.ActorFrom(c), sub, points)
	s.reviewDone(c, "score-"+c.Param("sub"), err, typed, "eval.scored")
}

// pageReviewCompliance records the expert's compliance review of a bid: pass is
// "yes" or "no" (anything else is no answer, which the model refuses).
func (s *Server) pageReviewCompliance(c *gin.Context) {
	sub, err := subID(c)
	if err != nil {
		fail(c, err)
		return
	}
	typed := map[string]string{"pass": c.PostForm("pass"), "note": c.PostForm("note")}
	in := models.ComplianceInput{Note: typed["note"]}
	if v := typed["pass"]; v == "yes" || v == "no" {
		pass := v == "yes"
		in.Pass = &pass
	}
	_, err = s.store.ReviewCompliance(c.Request.Context(), policy.ActorFrom(c), sub, in)
	s.reviewDone(c, "compliance-"+c.Param("sub"), err, typed, "eval.compliance_saved")
}

type myPanelsData struct {
	pageFmt
	Panels []models.Assignment
}

func (s *Server) pageMyPanels(c *gin.Context) {
	v, err := s.store.PanelsPage(c.Request.Context(), policy.ActorFrom(c))
	if err != nil {
		fail(c, err)
		return
	}
	s.html(c, http.StatusOK, "evaluation_list", &page{Title: s.msgs.T(langOf(c), "eval.mine_title"), Data: &myPanelsData{pageFmt: s.pageFmt(c), Panels: v.Panels}})
}
