package handlers

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"portal/models"
	"portal/policy"

	"github.com/gin-gonic/gin"
)

// The agency's bid: the form, its attachments, submit and withdraw, a
// challenge, and the agency's list of bids.

type bidPageData struct {
	pageFmt
	tenderFacts
	Bid          *models.Bid // nil: none yet
	Status       string      // the bid's status, "" for none
	Files        []models.BidAttachment
	Roster       []models.RosterEntry
	Editable     bool // may save the draft
	CanSubmit    bool
	CanWithdraw  bool
	Own          *models.OwnResult
	Result       *models.Result
	Challenges   []models.Challenge
	CanChallenge bool
	Failed       string
	Loose        []string
	Standing     *models.OrgStanding // the organisation may not bid: why
}

// bidValues is a bid's content as form values.
func bidValues(b *models.Bid) map[string]string {
	form := map[string]string{"price": "", "proposal": ""}
	if b == nil {
		return form
	}
	if b.PriceFen > 0 {
		form["price"] = strings.ReplaceAll(formatYuan(b.PriceFen), ",", "")
	}
	form["proposal"] = b.Proposal
	for _, m := range b.Team {
		id := strconv.FormatInt(m.StaffID, 10)
		form["team:"+id], form["role:"+id] = "on", m.Role
	}
	return form
}

// bidPage renders the caller's bid on a tender; typed replaces the
// stored values after a failed save.
func (s *Server) bidPage(c *gin.Context, status int, failed string, ferr error, typed map[string]string) {
	v, ok := readByID(c, s.store.BidPage)
	if !ok {
		return
	}
	lang := langOf(c)
	b := v.Bid
	d := &bidPageData{pageFmt: s.pageFmt(c), tenderFacts: tenderFactsOf(lang, v.TenderFacts), Failed: failed, Bid: b,
		Files: v.Files, Roster: v.Roster, Editable: v.Editable, CanSubmit: v.CanSubmit, CanWithdraw: v.CanWithdraw,
		Result: v.Result, Challenges: v.Challenges, CanChallenge: v.CanChallenge, Standing: v.Standing}
	if b != nil {
		s.disqualifiedReason(lang, b)
		d.Status = b.Status
	}
	if v.Result != nil {
		d.Own = v.Result.Own
	}
	form := bidValues(b)
	form["reason"] = ""
	if typed != nil {
		form = typed
	}
	p := &page{Title: s.msgs.T(lang, "bid.title"), Form: form, Errors: map[string]string{}, Data: d}
	if ferr != nil {
		p.Errors, p.Error = s.rangeFormErrors(lang, ferr)
		known := map[string]string{"price": "", "proposal": "", "team": "", "reason": "", "file": ""}
		d.Loose = looseErrors(p.Errors, known)
	}
	s.html(c, status, "bid_form", p)
}

func (s *Server) pageBid(c *gin.Context) { s.bidPage(c, http.StatusOK, "", nil, nil) }

// bidDone redirects back to the bid page, or shows it again with errors.
func (s *Server) bidDone(c *gin.Context, form string, err error, typed map[string]string, done string) {
	tenderFormDone(c, "/bid", s.bidPage, form, renameFields(err, bidField), typed, done)
}

// bidField maps the model's bid fields to the form's inputs.
func bidField(field string) string {
	switch {
	case field == "price_fen":
		return "price"
	case strings.HasPrefix(field, "team["):
		return "team"
	}
	return field
}

func (s *Server) pageSaveBid(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	if err := parseNamedForm(c); err != nil {
		fail(c, err)
		return
	}
	typed := map[string]string{"price": c.PostForm("price"), "proposal": c.PostForm("proposal"), "reason": ""}
	in := models.BidInput{Proposal: typed["proposal"]}
	bad := map[string]string{}
	if fen, code := parseMoney(typed["price"]); code == "" {
		in.PriceFen = fen
	} else {
		in.PriceFen, bad["price"] = -1, code // the model refuses it; the parser says why
	}
	for _, v := range c.PostFormArray("team") {
		staff, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			staff = 0
		}
		role := c.PostForm("role:" + v)
		typed["team:"+v], typed["role:"+v] = "on", role
		in.Team = append(in.Team, models.TeamMember{StaffID: staff, Role: role})
	}
	// Roles typed for people not chosen are kept too.
	for k, vs := range c.Request.PostForm {
		if strings.HasPrefix(k, "role:") && len(vs) > 0 {
			typed[k] = vs[0]
		}
	}
	_, err = s.store.SaveBid(c.Request.Context(), policy.ActorFrom(c), id, in)
	s.bidDone(c, "bid", moneyErrors(renameFields(err, bidField), bad), typed, "bid.saved")
}

// pageMoveBid submits or withdraws the caller's bid after asking first
// (key names the confirmation's messages).
func (s *Server) pageMoveBid(fn func(context.Context, *models.Actor, int64) (*models.Bid, error), offered func(*models.BidView) bool, key, done string) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, err := pathID(c)
		if err != nil {
			fail(c, err)
			return
		}
		ctx, a := c.Request.Context(), policy.ActorFrom(c)
		// Ask first only when the bid page offers the step; otherwise the
		// model refuses it at once (no bid, past the deadline, not verified).
		if v, err := s.store.BidPage(ctx, a, id); err == nil && offered(v) && !s.askFirst(c, key, tenderURL(id, "/bid")) {
			return
		}
		_, err = fn(ctx, a, id)
		s.bidDone(c, "bid", err, nil, done)
	}
}

// pageAttachToBid adds a file to the caller's draft bid.
func (s *Server) pageAttachToBid(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	_, err = s.store.AddBidAttachment(c.Request.Context(), policy.ActorFrom(c), id, orgUpload(c))
	s.bidDone(c, "file", err, nil, "bid.attached")
}

// pageDetachFromBid removes a file from the caller's draft bid.
func (s *Server) pageDetachFromBid(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	sub, err := subID(c)
	if err != nil {
		fail(c, err)
		return
	}
	err = s.store.RemoveBidAttachment(c.Request.Context(), policy.ActorFrom(c), id, sub)
	s.bidDone(c, "file", err, nil, "bid.detached")
}

func (s *Server) pageFileChallenge(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		fail(c, err)
		return
	}
	reason := c.PostForm("reason")
	_, err = s.store.FileChallenge(c.Request.Context(), policy.ActorFrom(c), id, reason)
	var typed map[string]string
	if err != nil {
		b, _ := s.store.OwnBid(c.Request.Context(), policy.ActorFrom(c), id)
		typed = bidValues(b)
		typed["reason"] = reason
	}
	s.bidDone(c, "challenge", err, typed, "bid.challenged")
}

// The agency's list of bids.

type myBidsData struct {
	pageFmt
	Bids     []models.BidSummary
	Standing *models.OrgStanding
}

func (s *Server) pageMyBids(c *gin.Context) {
	v, err := s.store.MyBidsPage(c.Request.Context(), policy.ActorFrom(c))
	if err != nil {
		fail(c, err)
		return
	}
	s.html(c, http.StatusOK, "bid_list", &page{Title: s.msgs.T(langOf(c), "bid.mine_title"),
		Data: &myBidsData{pageFmt: s.pageFmt(c), Bids: v.Bids, Standing: v.Standing}})
}
