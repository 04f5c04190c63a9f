package dataset

import (
	"fmt"
	"math/big"
	mrand "math/rand/v2"
	"sort"
	"time"

	"portal/models"
)

var tenderCols = []string{"id", "code", "title", "region_code", "catalogue_year", "catalogue_code", "method", "evaluation", "status",
	"budget_fen", "price_weight", "service_start", "service_end", "bid_deadline", "published_at", "cancel_reason", "awarded_at",
	"winner_bid_id", "created_by", "created_at", "updated_at", "failure_reason", "failure_params", "ended_at"}
var bidCols = []string{"id", "tender_id", "organisation_id", "status", "sealed", "submitted_at", "disqualified_reason", "price_score",
	"technical_score", "final_score", "rank", "created_at", "updated_at", "disqualified_code"}

type line struct {
	source string
	amount int64
}

type bidPlan struct {
	id         int64
	org        *org
	price      int64
	created    time.Time
	submitted  time.Time // zero: still a draft
	status     string
	dqReason   string
	tech       *big.Rat // mean technical points
	ps, ts, fs float64
	rank       int
}

// contractPlan is what the contract's life needs of its tender.
type contractPlan struct {
	id      int64
	tender  *tenderPlan
	org     *org
	amount  int64
	budget  []line
	start   string
	end     string
	signed  time.Time
	buyer   int64
	targets map[string]float64
	number  string
}

// minBidDays are calendar days that cover each method's minimum bidding
// period (working days with room for the longest holidays).
var minBidDays = map[string]int{"open_tender": 20, "invited_tender": 20, "competitive_consultation": 10,
	"competitive_negotiation": 14, "inquiry": 14, "single_source": 5}

func (g *generator) tr(p *tenderPlan) *mrand.Rand {
	return mrand.New(mrand.NewPCG(g.opt.Seed, uint64(p.id)<<1))
}

// tender writes one tender and all that happened to it up to now, and
// returns its contract when it has one.
func (g *generator) tender(p *tenderPlan) (*contractPlan, error) {
	r := g.tr(p)
	rule := models.Methods[p.method]
	buyer := g.buyers[p.region.code]
	// Budget: 200,000 to 3,000,000 yuan in whole thousands, from 1 to 3 sources.
	budgetFen := int64(200+r.IntN(2800)) * 1000 * 100
	if p.method == "open_tender" && r.IntN(40) == 0 {
		budgetFen = int64(10_000+r.IntN(5000)) * 1000 * 100 // a big one: a panel of 7
	}
	sources := []string{"central_assistance", "central_lottery", "provincial_lottery", "local_budget", "other"}
	nl := 1 + r.IntN(3)
	r.Shuffle(4, func(i, j int) { sources[i], sources[j] = sources[j], sources[i] })
	var budget []line
	left := budgetFen
	for i := 0; i < nl; i++ {
		a := left
		if i < nl-1 {
			a = left * int64(30+r.IntN(40)) / 100 / 100_000 * 100_000
		}
		left -= a
		budget = append(budget, line{sources[i], a})
	}
	priceWeight := 100 // lowest price: the price is all (as checkTender stores it)
	var criteria []struct {
		key, name string
		max       int
	}
	if p.eval == models.EvalComprehensive {
		priceWeight = 10 + 5*r.IntN(5)
		criteria = append(criteria, struct {
			key, name string
			max       int
		}{"plan", "服务方案", 40}, struct {
			key, name string
			max       int
		}{"team", "团队配置与持证社工", 25}, struct {
			key, name string
			max       int
		}{"experience", "同类项目经验", 100 - priceWeight - 65})
	}
	targets := map[string]float64{}
	for _, ind := range p.item.indicators {
		targets[ind.key] = targetValue(r, ind)
	}
	// Service: from the first of the month after the expected signing.
	ref := p.published
	if ref.IsZero() {
		ref = p.created
	}
	expected := ref.AddDate(0, 0, 75)
	ss := time.Date(expected.In(models.ChinaZone).Year(), expected.In(models.ChinaZone).Month()+1, 1, 0, 0, 0, 0, models.ChinaZone)
	se := ss.AddDate(0, p.months, -1)
	if g.opt.Scale == ScaleSeed {
		se = time.Date(g.opt.Year, 12, 31, 0, 0, 0, 0, models.ChinaZone)
		if r.IntN(2) == 0 {
			se = time.Date(g.opt.Year, 11, 30, 0, 0, 0, 0, models.ChinaZone)
		}
	}
	serviceStart, serviceEnd := ss.Format(time.DateOnly), se.Format(time.DateOnly)
	title := fmt.Sprintf("%s%d年%s项目", p.region.name, ss.Year(), p.item.name)
	if p.region.level == models.LevelProvince {
		title = fmt.Sprintf("广西壮族自治区%d年%s项目", ss.Year(), p.item.name)
	}

	deadline := g.officeTime(r, addDays(day(ref), minBidDays[p.method]+1+r.IntN(8)))
	t := map[string]any{"status": models.TenderDraft, "published_at": nil, "cancel_reason": "", "awarded_at": nil, "winner_bid_id": nil,
		"failure_reason": "", "failure_params": "{}", "ended_at": nil, "updated_at": p.created}
	var contract *contractPlan
	var loc pending
	var bids []*bidPlan
	var panel []int64
	// emit writes the tender and its parts, whatever status it reached.
	emit := func() error {
		g.must(g.w.add("tenders", tenderCols, p.id, p.code, title, p.region.code, p.created.In(models.ChinaZone).Year(), p.item.code,
			p.method, p.eval, t["status"], budgetFen, priceWeight, serviceStart, serviceEnd, deadline, t["published_at"], t["cancel_reason"],
			t["awarded_at"], t["winner_bid_id"], buyer, p.created, t["updated_at"], t["failure_reason"], t["failure_params"], t["ended_at"]))
		for _, l := range budget {
			g.must(g.w.add("tender_budget_lines", []string{"id", "tender_id", "source", "amount_fen"}, g.ids.of("tender_budget_lines"), p.id, l.source, l.amount))
		}
		for _, ind := range p.item.indicators {
			g.must(g.w.add("tender_targets", []string{"id", "tender_id", "indicator", "value"}, g.ids.of("tender_targets"), p.id, ind.key, targets[ind.key]))
		}
		for _, c := range criteria {
			g.must(g.w.add("tender_criteria", []string{"id", "tender_id", "key", "name", "max_points"}, g.ids.of("tender_criteria"), p.id, c.key, c.name, c.max))
		}
		g.put(&loc)
		return nil
	}
	published := !p.published.IsZero() && g.past(p.published)
	if !published {
		return nil, emit()
	}
	g.countPublished(p, budgetFen, budget)
	t["status"], t["published_at"], t["updated_at"] = models.TenderPublished, p.published, p.published

	// Bidders: verified organisations of the tender's city (or anywhere for
	// the province's tenders), the wanted winner first.
	pool := g.bidders["45"]
	if c := cityOf(p.region); c != "" && len(g.bidders[c]) >= 6 {
		pool = g.bidders[c]
	}
	nb := 3 + r.IntN(4)
	if p.method == "single_source" {
		nb = 1
	}
	if p.outcome == outFail && p.method != "single_source" {
		nb = rule.MinValidBids + r.IntN(2)
	}
	chosen := map[int64]bool{}
	var orgs []*org
	if p.winner != nil {
		orgs, chosen[p.winner.id] = append(orgs, p.winner), true
	}
	for tries := 0; len(orgs) < nb && tries < 100; tries++ {
		o := pool[r.IntN(len(pool))]
		if !chosen[o.id] {
			orgs, chosen[o.id] = append(orgs, o), true
		}
	}
	if rule.Invited {
		invited := append([]*org(nil), orgs...)
		for tries := 0; len(invited) < len(orgs)+2 && tries < 50; tries++ {
			o := pool[r.IntN(len(pool))]
			if !chosen[o.id] {
				invited, chosen[o.id] = append(invited, o), true
			}
		}
		for _, o := range invited {
			loc.add("tender_invitations", []string{"id", "tender_id", "organisation_id"}, g.ids.of("tender_invitations"), p.id, o.id)
		}
	}
	bidWindow := deadline.Sub(p.published)
	for i, o := range orgs {
		b := &bidPlan{id: r.Int64N(1<<51) + 1, org: o, status: models.BidDraft}
		b.created = p.published.Add(time.Duration(float64(bidWindow) * (0.1 + 0.5*r.Float64())))
		b.submitted = b.created.Add(time.Duration(float64(deadline.Sub(b.created)) * (0.2 + 0.7*r.Float64()))).Truncate(time.Second)
		// The wanted winner bids lowest; the others 2–12 % above it.
		base := budgetFen * int64(85+r.IntN(10)) / 100 / 100 * 100
		if i == 0 {
			b.price = base
		} else {
			b.price = base * int64(102+r.IntN(11)) / 100 / 100 * 100
			if b.price > budgetFen {
				b.price = budgetFen
			}
			if b.price <= orgs0Price(bids) {
				b.price = orgs0Price(bids) + 100_00
			}
		}
		bids = append(bids, b)
	}
	if rule.Enquiries && r.IntN(5) == 0 && len(orgs) > 0 {
		asked := g.later(r, p.published, 1, 3)
		if asked.Before(deadline) && g.past(asked) {
			q := r.IntN(len(enquiryQuestions))
			answered := g.later(r, asked, 1, 2)
			var ans, at, by any = "", nil, nil
			if g.past(answered) {
				ans, at, by = enquiryAnswers[q], answered, buyer
			}
			loc.add("enquiries", []string{"id", "tender_id", "organisation_id", "question", "answer", "asked_at", "answered_at", "answered_by"},
				g.ids.of("enquiries"), p.id, orgs[r.IntN(len(orgs))].id, enquiryQuestions[q], ans, asked, at, by)
		}
	}
	writeBids := func() {
		for _, b := range bids {
			if !g.past(b.created) {
				continue
			}
			var sub any
			status := b.status
			if status == models.BidDraft && g.past(b.submitted) && !b.submitted.After(deadline) {
				status, sub = models.BidSubmitted, b.submitted
			} else if status != models.BidDraft {
				sub = b.submitted
			}
			updated := b.created
			if sub != nil {
				updated = b.submitted
			}
			var ps, ts, fs, rk any
			if status == models.BidWon || status == models.BidLost {
				ps, ts, fs, rk, updated = b.ps, b.ts, b.fs, b.rank, t["awarded_at"].(time.Time)
			}
			if status == models.BidDisqualified {
				updated = t["ended_at"].(time.Time)
			}
			sealed, err := models.SealBid(g.sealer, b.id, p.id, b.org.id, g.content(r, b))
			g.must(err)
			loc.add("bids", bidCols, b.id, p.id, b.org.id, status, sealed, sub, b.dqReason, ps, ts, fs, rk, b.created, updated, "")
		}
	}
	cancel := func(at time.Time) {
		t["status"], t["cancel_reason"], t["ended_at"], t["updated_at"] = models.TenderCancelled, cancelReasons[r.IntN(len(cancelReasons))], at, at
	}
	// Stage 0: bidding, before the deadline.
	if p.outcome == outCancel && p.cancelStage == 0 {
		at := p.published.Add(bidWindow / 2).Truncate(time.Second)
		if g.past(at) {
			cancel(at)
			kept := bids[:0]
			for _, b := range bids {
				if b.created.After(at) {
					continue
				}
				if b.submitted.After(at) {
					b.submitted = time.Time{}
				}
				kept = append(kept, b)
			}
			bids = kept
		}
	}
	if t["status"] == models.TenderCancelled || !g.past(deadline) {
		writeBids()
		return nil, emit()
	}
	// Past the deadline: submitted bids are valid; the panel is appointed.
	appoint := g.later(r, deadline, 1, 5)
	if !g.past(appoint) {
		writeBids()
		return nil, emit() // reads opened
	}
	size := rule.PanelMin
	if rule.Tender && budgetFen >= 10_000_000*100 {
		size = rule.PanelMinBig
	}
	experts := append(append([]int64(nil), g.experts[cityOf(p.region)]...), g.experts["45"]...)
	if cityOf(p.region) == "" {
		experts = append([]int64(nil), g.experts["45"]...)
	}
	r.Shuffle(len(experts), func(i, j int) { experts[i], experts[j] = experts[j], experts[i] })
	panel = experts[:size]
	t["status"], t["updated_at"] = models.TenderEvaluating, appoint
	for _, e := range panel {
		declared := appoint.Add(time.Duration(1+r.IntN(4)) * time.Hour)
		var dec any
		if g.past(declared) {
			dec = declared
		}
		loc.add("panel_members", []string{"id", "tender_id", "expert_id", "active", "declared_at", "conflict", "conflict_organisation_id"},
			g.ids.of("panel_members"), p.id, e, true, dec, false, nil)
	}
	for _, b := range bids {
		b.status = models.BidSubmitted
	}
	if p.outcome == outFail {
		// Review finds too few valid bids: the tender ends unsuccessful.
		at := g.later(r, appoint, 1, 2)
		if g.past(at) {
			valid := len(bids)
			for i := len(bids) - 1; i >= 0 && valid >= rule.GoOnBids; i-- {
				bids[i].status, bids[i].dqReason = models.BidDisqualified, "资格审查不合格：未提供持证社工证明材料"
				valid--
			}
			t["status"], t["failure_reason"], t["ended_at"], t["updated_at"] = models.TenderUnsuccessful, "too_few_valid", at, at
			t["failure_params"] = jsonText(map[string]string{"valid": fmt.Sprint(valid), "required": fmt.Sprint(rule.GoOnBids)})
		}
		writeBids()
		return nil, emit()
	}
	// The panel scores (comprehensive) or reviews compliance (lowest price).
	for _, e := range panel {
		at := g.later(r, appoint, 1, 2)
		if !g.past(at) {
			continue
		}
		for bi, b := range bids {
			if p.eval == models.EvalComprehensive {
				sum := new(big.Rat)
				for _, c := range criteria {
					// The wanted winner gets each expert's top points.
					pts := c.max * (70 + r.IntN(21)) / 100
					if bi == 0 {
						pts = c.max * (92 + r.IntN(9)) / 100
					}
					loc.add("scores", []string{"id", "bid_id", "expert_id", "criterion", "points", "scored_at"}, g.ids.of("scores"), b.id, e, c.key, float64(pts), at)
					sum.Add(sum, big.NewRat(int64(pts), 1))
				}
				if b.tech == nil {
					b.tech = new(big.Rat)
				}
				b.tech.Add(b.tech, sum)
			} else {
				loc.add("compliance_reviews", []string{"id", "bid_id", "expert_id", "pass", "note", "reviewed_at"}, g.ids.of("compliance_reviews"), b.id, e, true, "", at)
			}
		}
	}
	if p.outcome == outCancel && p.cancelStage == 1 {
		at := g.later(r, appoint, 3, 4)
		if g.past(at) {
			cancel(at)
		}
	}
	award := g.later(r, appoint, 3, 8)
	if t["status"] == models.TenderCancelled || !g.past(award) {
		writeBids()
		return nil, emit()
	}
	// Credit check of the first-ranked bidder, then the award.
	g.rankBids(p, bids, priceWeight, len(panel))
	win := bids[0]
	for _, b := range bids {
		if b.rank == 1 {
			win = b
		}
	}
	check := award.Add(-2 * time.Hour)
	loc.add("credit_checks", []string{"id", "tender_id", "organisation_id", "result", "checked_at", "note", "evidence", "evidence_sha256",
		"evidence_name", "evidence_type", "recorded_by", "recorded_at"}, g.ids.of("credit_checks"), p.id, win.org.id, "clear", check,
		"信用中国、政府采购严重违法失信行为记录名单查询无记录", "", "", "", "", buyer, check)
	for _, b := range bids {
		b.status = models.BidLost
		if b == win {
			b.status = models.BidWon
		}
	}
	t["status"], t["awarded_at"], t["winner_bid_id"], t["updated_at"] = models.TenderAwarded, award, win.id, award
	if len(bids) > 1 && r.IntN(30) == 0 {
		// A losing bidder challenges the award (质疑), answered before signing.
		filed := g.later(r, award, 1, 3)
		if g.past(filed) {
			answered := g.later(r, filed, 2, 4)
			var ans, at, by any = "", nil, nil
			if g.past(answered) {
				ans, at, by = "经复核，评审程序与评分符合采购文件规定，质疑不成立。", answered, buyer
			}
			loser := bids[1]
			if loser == win {
				loser = bids[0]
			}
			loc.add("challenges", []string{"id", "tender_id", "organisation_id", "reason", "filed_at", "answer", "answered_at", "answered_by"},
				g.ids.of("challenges"), p.id, loser.org.id, "对技术评分中同类项目经验一项的评分有异议，请予复核。", filed, ans, at, by)
		}
	}
	if p.outcome == outCancel {
		at := g.later(r, award, 3, 6)
		if g.past(at) {
			cancel(at)
		}
	}
	signed := g.later(r, award, 16, 28)
	if t["status"] == models.TenderCancelled || !g.past(signed) || p.outcome != outContract {
		if t["status"] == models.TenderAwarded {
			g.countAwarded(p)
		}
		writeBids()
		return nil, emit()
	}
	g.countAwarded(p)
	t["status"], t["updated_at"] = models.TenderContracted, signed
	writeBids()
	if err := emit(); err != nil {
		return nil, err
	}
	contract = &contractPlan{id: g.ids.of("contracts"), tender: p, org: win.org, amount: win.price, budget: budget,
		start: serviceStart, end: serviceEnd, signed: signed, buyer: buyer, targets: targets, number: "HT-" + p.code}
	g.countContracted(p, contract)
	return contract, nil
}

func orgs0Price(bids []*bidPlan) int64 {
	if len(bids) == 0 {
		return 0
	}
	return bids[0].price
}

var cancelReasons = []string{"采购需求发生重大变化，项目终止", "预算调整，本项目暂停采购", "服务区域调整，重新编制采购需求"}

func cityOf(reg region) string {
	switch reg.level {
	case models.LevelCity:
		return reg.code
	case models.LevelCounty:
		return reg.parent
	}
	return ""
}

// rankBids scores the valid bids as the award does: price score = lowest
// price ÷ price × price weight, technical = mean of the experts' totals,
// final = their sum, each rounded half-up to 0.01; rank by final score,
// then lower price, then earlier submission.
func (g *generator) rankBids(p *tenderPlan, bids []*bidPlan, priceWeight, panel int) {
	lowest := bids[0].price
	for _, b := range bids {
		lowest = min(lowest, b.price)
	}
	for _, b := range bids {
		price := new(big.Rat).SetFrac(big.NewInt(lowest), big.NewInt(b.price))
		price.Mul(price, big.NewRat(int64(priceWeight), 1))
		tech := new(big.Rat)
		if b.tech != nil && p.eval != models.EvalLowestPrice {
			tech.Quo(b.tech, big.NewRat(int64(panel), 1))
		}
		final := new(big.Rat).Add(price, tech)
		b.ps, b.ts, b.fs = shown(price), shown(tech), shown(final)
	}
	order := append([]*bidPlan(nil), bids...)
	sort.SliceStable(order, func(i, j int) bool {
		a, b := order[i], order[j]
		if a.fs != b.fs {
			return a.fs > b.fs
		}
		if a.price != b.price {
			return a.price < b.price
		}
		return a.submitted.Before(b.submitted)
	})
	for i, b := range order {
		b.rank = i + 1
	}
}

func shown(x *big.Rat) float64 {
	num := new(big.Int).Mul(x.Num(), big.NewInt(200))
	num.Add(num, x.Denom())
	den := new(big.Int).Mul(x.Denom(), big.NewInt(2))
	return float64(new(big.Int).Div(num, den).Int64()) / 100
}

// content is a bid's sealed part: its price, a proposal and a team from
// the organisation's certified staff.
func (g *generator) content(r *mrand.Rand, b *bidPlan) models.BidContent {
	c := models.BidContent{PriceFen: b.price, Proposal: "以儿童之家为阵地，开展入户走访、个案管理、小组活动与社区倡导，联动村（居）儿童主任与志愿者队伍。", Team: []models.TeamMember{}}
	roles := []string{"项目负责人", "项目社工", "项目社工", "督导"}
	for i, s := range b.org.staff {
		if s.level == "" || i >= len(roles) {
			continue
		}
		c.Team = append(c.Team, models.TeamMember{StaffID: s.id, Role: roles[i], Name: s.name, Level: s.level, CertificateNo: s.cert})
	}
	return c
}

// targetValue is a tender's target for an indicator, by its unit.
func targetValue(r *mrand.Rand, ind indicator) float64 {
	switch ind.unit {
	case "%":
		return float64(85 + r.IntN(11))
	case "小时":
		return float64(100 * (10 + r.IntN(30)))
	case "人次":
		return float64(50 * (6 + r.IntN(30)))
	case "次":
		return float64(10 * (10 + r.IntN(40)))
	case "场":
		return float64(10 + r.IntN(30))
	}
	return float64(10 * (2 + r.IntN(10)))
}
