package dataset

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"portal/models"
)

// contractLife holds a contract's decisions taken before its reports are
// planned (so that planning them twice gives the same reports).
type contractLife struct {
	terminateAt time.Time // zero: not terminated
	quality     float64
	midQuality  float64
	supervisors []int64
	assignedAt  time.Time
	parts       int // reports per reporting period (1 but on the guangxi scale)
	size        float64
}

type reportSkel struct {
	start, end                   string
	days                         int
	share                        float64 // of the period's work
	created, submitted, reviewed time.Time
	returned, fixed              time.Time
	status                       string
	version                      int
	weight                       int64
	eligible                     bool
}

func (g *generator) life(c *contractPlan) *contractLife { return g.lives[c.id] }

// pending rows are added to the writer once the rows they refer to are.
type pending struct{ rows []pendingRow }

type pendingRow struct {
	table string
	cols  []string
	vals  []any
}

func (p *pending) add(table string, cols []string, vals ...any) {
	p.rows = append(p.rows, pendingRow{table, cols, vals})
}

func (g *generator) put(p *pending) {
	sort.SliceStable(p.rows, func(i, j int) bool { return indexOf(p.rows[i].table) < indexOf(p.rows[j].table) })
	for _, r := range p.rows {
		g.must(g.w.add(r.table, r.cols, r.vals...))
	}
	p.rows = nil
}

// planReports takes each contract's decisions, sets how many reports a
// period gets (guangxi: enough for the aimed number of reports) and, for
// the seed scale's exact figures, weighs the reports that will count.
func (g *generator) planReports(contracts []*contractPlan) {
	for _, c := range contracts {
		r := rand.New(rand.NewPCG(g.opt.Seed, uint64(c.id)*4+1))
		l := &contractLife{quality: 0.74 + 0.25*r.Float64(), parts: 1, size: float64(c.amount) / 100 / 6000 * (0.8 + 0.4*r.Float64())}
		l.midQuality = l.quality
		if c.tender.midFail {
			l.midQuality = 0.5
		}
		if c.tender.terminate {
			ss, _ := time.ParseInLocation(time.DateOnly, c.start, models.ChinaZone)
			se, _ := time.ParseInLocation(time.DateOnly, c.end, models.ChinaZone)
			span := int(se.Sub(ss).Hours()/24) - 90
			if span > 0 {
				l.terminateAt = g.officeTime(r, addDays(c.start, 60+r.IntN(span)))
			}
		}
		pool := g.supervisors[cityOf(c.tender.region)]
		if len(pool) == 0 {
			pool = g.supervisors["45"]
		}
		n := 1 + r.IntN(min(3, len(pool)))
		perm := r.Perm(len(pool))
		for _, i := range perm[:n] {
			l.supervisors = append(l.supervisors, pool[i])
		}
		l.assignedAt = g.later(r, c.signed, 1, 5)
		g.lives[c.id] = l
	}
	if g.opt.Scale == ScaleGuangxi {
		capacity := 0 // the reports of one per period
		for _, c := range contracts {
			capacity += len(g.reportSkels(c))
		}
		if capacity > 0 && g.opt.Reports > capacity {
			g.reportFactor = float64(g.opt.Reports) / float64(capacity)
		}
		for _, c := range contracts {
			r := rand.New(rand.NewPCG(g.opt.Seed, uint64(c.id)*4+3))
			whole := int(g.reportFactor)
			l := g.life(c)
			l.parts = whole
			if r.Float64() < g.reportFactor-float64(whole) {
				l.parts++
			}
		}
	}
	if g.exactChildren > 0 {
		for _, c := range contracts {
			for _, s := range g.reportSkels(c) {
				if s.eligible {
					g.eligibleWeight += float64(s.weight)
				}
			}
		}
	}
}

// reportSkels plans a contract's reports: one per reporting period (or
// per part of one), filed after the period ends, reviewed within days;
// some returned and fixed, the latest still waiting.
func (g *generator) reportSkels(c *contractPlan) []reportSkel {
	l := g.life(c)
	r := rand.New(rand.NewPCG(g.opt.Seed, uint64(c.id)*4+2))
	periods, err := models.ReportPeriods(c.start, c.end, c.tender.interval, 10)
	g.must(err)
	var out []reportSkel
	for _, p := range periods {
		ps, _ := time.ParseInLocation(time.DateOnly, p.Start, models.ChinaZone)
		pe, _ := time.ParseInLocation(time.DateOnly, p.End, models.ChinaZone)
		days := int(pe.Sub(ps).Hours()/24) + 1
		// Several reports of one period (one per service site, say) each
		// cover the whole period, so the schedule sees it reported; the
		// reviewers see them flagged as overlapping.
		for i := 0; i < l.parts; i++ {
			s := reportSkel{start: p.Start, end: p.End, days: days, share: 1 / float64(l.parts)}
			if s.end >= g.today {
				return out
			}
			if !l.terminateAt.IsZero() && s.start > day(l.terminateAt) {
				return out
			}
			s.created = g.officeTime(r, addDays(s.end, 1+r.IntN(3)))
			if !g.past(s.created) || (!l.terminateAt.IsZero() && s.created.After(l.terminateAt)) {
				return out
			}
			s.version, s.status = 1, models.ReportDraft
			s.weight = int64(float64(s.days) * s.share * (800 + 400*r.Float64()))
			s.submitted = g.later(r, s.created, 0, 4)
			if r.IntN(20) == 0 {
				s.submitted = g.later(r, s.created, 10, 40) // a slow organisation
			}
			if !g.past(s.submitted) {
				s.submitted = time.Time{}
				out = append(out, s)
				continue
			}
			s.status = models.ReportSubmitted
			if r.IntN(100) < 4 {
				s.returned = g.later(r, s.submitted, 1, 3)
				if g.past(s.returned) {
					s.status = models.ReportReturned
					s.fixed = g.later(r, s.returned, 1, 4)
					if !g.past(s.fixed) || r.IntN(5) == 0 {
						s.fixed = time.Time{}
						out = append(out, s)
						continue
					}
					s.status, s.version, s.submitted = models.ReportSubmitted, 2, s.fixed
				}
			}
			rv := g.later(r, s.submitted, 1, 6)
			if g.past(rv) && (l.terminateAt.IsZero() || rv.Before(l.terminateAt)) {
				s.status, s.reviewed = models.ReportApproved, rv
			}
			s.eligible = s.status == models.ReportApproved && g.inPeriod(s.end)
			out = append(out, s)
		}
	}
	return out
}

var contractCols = []string{"id", "number", "tender_id", "organisation_id", "region_code", "amount_fen", "service_start", "service_end", "status",
	"signed_at", "signed_by", "created_at", "updated_at", "terminated_at", "terminated_by", "termination_reason", "report_interval"}
var trancheCols = []string{"id", "contract_id", "seq", "percent", "condition", "amount_fen", "status", "kind", "purpose", "approved_at",
	"approved_by", "paid_on", "voucher_no", "paid_by"}
var reportCols = []string{"id", "contract_id", "organisation_id", "period_start", "period_end", "status", "version", "service_hours",
	"volunteer_person_times", "volunteer_hours", "children_served_person_times", "children_served_distinct", "activities", "cases_opened",
	"cases_closed", "indicators", "narrative", "created_by", "submitted_at", "reviewed_at", "reviewed_by", "created_at", "updated_at"}
var versionCols = []string{"id", "report_id", "version", "period_start", "period_end", "service_hours", "volunteer_person_times",
	"volunteer_hours", "children_served_person_times", "children_served_distinct", "activities", "cases_opened", "cases_closed",
	"indicators", "narrative", "created_by", "created_at"}
var evaluationCols = []string{"id", "contract_id", "supervisor_id", "phase", "points", "total", "grade", "comment", "created_at"}
var rectCols = []string{"id", "contract_id", "evaluation_id", "visit_id", "issue", "due_on", "status", "response", "responded_at", "responded_by",
	"verify_comment", "verified_at", "verified_by", "opened_by", "created_at", "updated_at"}

var sessionCols = []string{"id", "contract_id", "kind", "held_on", "hours_centi", "provider", "topics", "attendees", "recorded_by", "recorded_at"}

// free reports whether the room is held on no day of from..to.
func (rm *room) free(from, to string) bool {
	for _, h := range rm.held {
		if h[0] <= to && h[1] >= from {
			return false
		}
	}
	return true
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// contract writes a signed contract and its life up to now: supervisors,
// reports, evaluations, rectifications, acceptance, payments.
func (g *generator) contract(c *contractPlan) error {
	l := g.life(c)
	r := rand.New(rand.NewPCG(g.opt.Seed, uint64(c.id)*4))
	terminated := !l.terminateAt.IsZero() && g.past(l.terminateAt)
	before := func(t time.Time) bool { return g.past(t) && (l.terminateAt.IsZero() || t.Before(l.terminateAt)) }
	member := c.org.member

	// Reports.
	skels := g.reportSkels(c)
	var firstApproved, lastApproved time.Time
	var reports, tail pending
	for _, s := range skels {
		id := g.ids.of("service_reports")
		days := float64(s.days) * s.share
		children := int64(math.Round(l.size * days / 30 * (0.8 + 0.4*r.Float64())))
		volunteers := int64(math.Round(float64(children) * (0.25 + 0.2*r.Float64())))
		if s.eligible && g.exactChildren > 0 {
			a, b := g.usedWeight, g.usedWeight+float64(s.weight)
			children = int64(float64(g.exactChildren)*b/g.eligibleWeight) - int64(float64(g.exactChildren)*a/g.eligibleWeight)
			volunteers = int64(float64(g.exactVolunteers)*b/g.eligibleWeight) - int64(float64(g.exactVolunteers)*a/g.eligibleWeight)
			g.usedWeight = b
		}
		hours := models.Hundredths(int64(math.Round(l.size*1.6*days/30*(0.8+0.4*r.Float64()))) * 100)
		if r.IntN(2) == 0 {
			hours += 50
		}
		vh := models.Hundredths(volunteers * int64(200+50*r.IntN(5)))
		distinct := children * int64(40+r.IntN(30)) / 100
		activities, opened := int64(2+r.IntN(9)), int64(r.IntN(6))
		closed := int64(r.IntN(int(opened) + 1))
		var inds []models.IndicatorValue
		for _, ind := range c.tender.item.indicators {
			v := float64(1 + r.IntN(20))
			switch {
			case ind.key == "service_hours":
				v = float64(hours) / 100
			case ind.key == "children_served":
				v = float64(children)
			case ind.key == "volunteer_person_times":
				v = float64(volunteers)
			case ind.unit == "%":
				v = float64(9000+r.IntN(1000)) / 100
			}
			inds = append(inds, models.IndicatorValue{Indicator: ind.key, Value: v})
		}
		indJSON := jsonText(inds)
		narrative := narratives[r.IntN(len(narratives))]
		content := []any{s.start, s.end, hours, volunteers, vh, children, distinct, activities, opened, closed, indJSON, narrative}
		tail.add("service_report_versions", versionCols, append(append([]any{g.ids.of("service_report_versions"), id, 1}, content...), member, s.created)...)
		updated := s.created
		if !s.submitted.IsZero() {
			updated = s.submitted
		}
		var reviewed, reviewer any
		if !s.returned.IsZero() {
			tail.add("service_report_comments", []string{"id", "report_id", "version", "event", "comment", "author_id", "created_at"},
				g.ids.of("service_report_comments"), id, 1, "return", "请补充活动签到表和照片，并核对服务人次。", c.buyer, s.returned)
			reviewed, reviewer, updated = s.returned, c.buyer, s.returned
			if s.version == 2 {
				tail.add("service_report_versions", versionCols, append(append([]any{g.ids.of("service_report_versions"), id, 2}, content...), member, s.fixed)...)
				updated = s.fixed
			}
		}
		if s.status == models.ReportApproved {
			reviewed, reviewer, updated = s.reviewed, c.buyer, s.reviewed
			if firstApproved.IsZero() {
				firstApproved = s.reviewed
			}
			if s.reviewed.After(lastApproved) {
				lastApproved = s.reviewed
			}
			if g.inPeriod(s.end) {
				g.countReport(c, s.end, reportFigures{hours: hours, volunteerHours: vh, volunteers: volunteers, children: children})
			}
		}
		reports.add("service_reports", reportCols, append(append([]any{id, c.id, c.org.id}, append(content[:2:2], s.status, s.version)...),
			append(content[2:], member, nullTime(s.submitted), reviewed, reviewer, s.created, updated)...)...)
	}

	// Supervisors, a visit, evaluations and rectifications.
	var sup pending
	assigned := g.past(l.assignedAt) && (l.terminateAt.IsZero() || l.assignedAt.Before(l.terminateAt))
	var midDone, finalDone, firstFinal time.Time
	midPassed, finalPassed := false, false
	var rectClosed time.Time
	openRect := false
	evals := 0
	ss, _ := time.ParseInLocation(time.DateOnly, c.start, models.ChinaZone)
	se, _ := time.ParseInLocation(time.DateOnly, c.end, models.ChinaZone)
	mid := ss.Add(se.Sub(ss) / 2).Format(time.DateOnly)
	if assigned {
		for _, s := range l.supervisors {
			sup.add("contract_supervisors", []string{"id", "contract_id", "supervisor_id", "assigned_by", "assigned_at"},
				g.ids.of("contract_supervisors"), c.id, s, c.buyer, l.assignedAt)
		}
		visit := g.officeTime(r, addDays(mid, -10))
		if before(visit) && visit.After(l.assignedAt) {
			sup.add("supervision_visits", []string{"id", "contract_id", "supervisor_id", "visited_on", "findings", "follow_ups", "created_at"},
				g.ids.of("supervision_visits"), c.id, l.supervisors[0], day(visit), "查阅服务台账，走访儿童家庭3户，服务开展正常。", "", visit)
		}
		phase := func(name string, base string, quality float64) (time.Time, bool, bool) {
			var totals []int64
			var last time.Time
			for _, who := range l.supervisors {
				at := g.officeTime(r, addDays(base, r.IntN(6)))
				if !before(at) || !at.After(l.assignedAt) {
					continue
				}
				points := map[string]int64{}
				var total int64
				for _, ind := range c.tender.item.indicators {
					q := math.Max(0, math.Min(1, quality+0.12*(r.Float64()-0.5)))
					pt := int64(math.Round(float64(ind.weight)*q*2)) * 50
					points[ind.key] = pt
					total += pt
				}
				id := g.ids.of("supervision_evaluations")
				grade := gradeOf(total)
				sup.add("supervision_evaluations", evaluationCols, id, c.id, who, name, jsonText(points), total, grade, "", at)
				evals++
				if grade == models.GradeFail {
					resp := g.later(r, at, 3, 10)
					ver := g.later(r, resp, 2, 7)
					status, rAt, rBy, vAt, vBy, response, vc := "open", any(nil), any(nil), any(nil), any(nil), "", ""
					updated := at
					if before(resp) {
						status, rAt, rBy, response, updated = "responded", resp, member, "已补充个案记录并调整服务方案。", resp
						if before(ver) {
							status, vAt, vBy, vc, updated = "closed", ver, who, "整改到位。", ver
							if ver.After(rectClosed) {
								rectClosed = ver
							}
						}
					}
					if status != "closed" {
						openRect = true
					}
					issue := fmt.Sprintf("%s评估不合格（%s 分）：请就失分指标整改。/ The %s evaluation failed (%s points): rectify the indicators that lost points.",
						map[string]string{models.PhaseMidterm: "中期", models.PhaseFinal: "末期"}[name], models.Hundredths(total), name, models.Hundredths(total))
					sup.add("rectifications", rectCols, g.ids.of("rectifications"), c.id, id, nil, issue, addDays(day(at), 30), status,
						response, rAt, rBy, vc, vAt, vBy, who, at, updated)
				}
				totals = append(totals, total)
				if at.After(last) {
					last = at
				}
			}
			if len(totals) < len(l.supervisors) {
				if len(totals) > 0 && name == models.PhaseFinal {
					return last, false, false
				}
				return time.Time{}, false, false
			}
			result := meanHalfUp(totals)
			g.countPhase(c, day(last), result)
			return last, true, gradeOf(result) != models.GradeFail
		}
		var complete bool
		if midDone, complete, midPassed = phase(models.PhaseMidterm, mid, l.midQuality); !complete {
			midDone = time.Time{}
		}
		base := addDays(c.end, 10+r.IntN(10))
		if !lastApproved.IsZero() && day(lastApproved) >= base {
			base = addDays(day(lastApproved), 1)
		}
		var last time.Time
		last, complete, finalPassed = phase(models.PhaseFinal, base, l.quality)
		if !last.IsZero() {
			firstFinal = last // under acceptance from a final evaluation on
		}
		if complete {
			finalDone = last
		}
	}
	var accepted time.Time
	if !finalDone.IsZero() && finalPassed && !openRect {
		from := finalDone
		if rectClosed.After(from) {
			from = rectClosed
		}
		if at := g.later(r, from, 2, 8); before(at) {
			accepted = at
		}
	}

	// Status and the contract row.
	status, updated := models.ContractSigned, c.signed
	switch {
	case terminated:
		status, updated = models.ContractTerminated, l.terminateAt
	case !accepted.IsZero():
		status, updated = models.ContractAccepted, accepted
	case !firstFinal.IsZero():
		status, updated = models.ContractUnderAcceptance, firstFinal
	case !firstApproved.IsZero():
		status, updated = models.ContractInService, firstApproved
	}
	var termAt, termBy any
	reason := ""
	if terminated {
		termAt, termBy, reason = l.terminateAt, c.buyer, "承接机构核心团队流失，无法按约履行，双方协商解除合同"
	}
	g.must(g.w.add("contracts", contractCols, c.id, c.number, c.tender.id, c.org.id, c.tender.region.code, c.amount, c.start, c.end, status,
		c.signed, c.buyer, c.signed, updated, termAt, termBy, reason, c.tender.interval))
	for _, ind := range c.tender.item.indicators {
		g.must(g.w.add("contract_targets", []string{"id", "contract_id", "indicator", "value"}, g.ids.of("contract_targets"), c.id, ind.key, c.targets[ind.key]))
	}
	// Support: a start-up contract's room in its city's base and a
	// planning session; a supervision session by an assigned supervisor.
	if c.tender.startup && c.org.city != "" {
		from := g.later(r, c.signed, 1, 5)
		if before(from) {
			for _, rm := range g.rooms[c.org.city] {
				if !rm.free(c.start, c.end) {
					continue
				}
				held, status := any(c.end), "active"
				var endedAt, endedBy any
				if terminated {
					status, endedAt, endedBy = "ended", l.terminateAt, c.buyer
					held = nil
					if d := addDays(day(l.terminateAt), -1); d >= c.start {
						held = d
					}
				}
				if held != nil {
					rm.held = append(rm.held, [2]string{c.start, held.(string)})
				}
				sup.add("office_allocations", []string{"id", "room_id", "organisation_id", "contract_id", "from_on", "to_on", "held_to", "status",
					"created_by", "created_at", "ended_by", "ended_at"}, g.ids.of("office_allocations"), rm.id, c.org.id, c.id, c.start, c.end, held, status,
					g.buyers[c.org.city], from, endedBy, endedAt)
				break
			}
		}
		if at := g.later(r, c.signed, 10, 30); before(at) {
			sup.add("support_sessions", sessionCols, g.ids.of("support_sessions"), c.id, "planning", day(at), 300, "广西社会工作协会",
				"项目规划、财务管理与服务标准", 2+r.IntN(6), c.buyer, at)
		}
	}
	if assigned {
		if at := g.officeTime(r, addDays(mid, 5)); before(at) && at.After(l.assignedAt) {
			sup.add("support_sessions", sessionCols, g.ids.of("support_sessions"), c.id, "supervision", day(at), 200, "督导团队",
				"个案管理与儿童保护风险评估", 3+r.IntN(8), l.supervisors[0], at)
		}
	}
	g.put(&sup)
	g.put(&reports)
	g.put(&tail)
	termDay := ""
	if terminated {
		termDay = day(l.terminateAt)
	}
	g.countInService(c, termDay)

	// Payments: the plan's tranches, and a start-up fund for some.
	type planLine struct {
		percent   int
		condition string
	}
	plan := []planLine{{30, "signing"}, {40, "midterm"}, {30, "acceptance"}}
	switch q := r.IntN(10); {
	case q < 2:
		plan = []planLine{{50, "signing"}, {50, "acceptance"}}
	case q < 3:
		plan = []planLine{{100, "signing"}}
	}
	var given int64
	pay := func(seq, percent int, condition string, amount int64, kind, purpose string, due time.Time) {
		status := models.TranchePlanned
		var approvedAt, approvedBy, paidOn, paidBy any
		voucher := ""
		if before(due) {
			status = models.TrancheDue
			if ap := g.later(r, due, 2, 10); before(ap) {
				status, approvedAt, approvedBy = models.TrancheApproved, ap, c.buyer
				if pd := g.later(r, ap, 1, 5); before(pd) {
					d := day(pd)
					status, paidOn, paidBy = models.TranchePaid, d, c.buyer
					voucher = fmt.Sprintf("GK%s-%07d", d[:4]+d[5:7]+d[8:], c.id*10+int64(seq))
					g.countPaid(c, d, amount)
				}
			}
		}
		if terminated && status != models.TranchePaid {
			status = models.TrancheCancelled
		}
		g.must(g.w.add("payment_tranches", trancheCols, g.ids.of("payment_tranches"), c.id, seq, percent, condition, amount, status, kind, purpose,
			approvedAt, approvedBy, paidOn, voucher, paidBy))
	}
	for i, p := range plan {
		amount := c.amount * int64(p.percent) / 100
		if i == len(plan)-1 {
			amount = c.amount - given
		}
		given += amount
		var due time.Time
		switch p.condition {
		case "signing":
			due = c.signed
		case "midterm":
			if midPassed {
				due = midDone
			}
		case "acceptance":
			due = accepted
		}
		pay(i+1, p.percent, p.condition, amount, models.PaymentTranche, "", due)
	}
	if c.tender.startup {
		pay(len(plan)+1, 0, "", int64(20+r.IntN(31))*1000*100, models.PaymentStartupFund, "创业项目资金：儿童之家活动场地改造与设备购置", g.later(r, c.signed, 5, 20))
	}
	return nil
}
