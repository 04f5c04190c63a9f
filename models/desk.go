package models

import (
	"context"
	"database/sql"
	"encoding/json"
	"sort"
	"strconv"
	"time"

	"gorm.io/gorm"
)

// The desk (工作台) is each person's to-do list: per role, what waits for
// them, read from the data when the page opens (no job computes it), in one
// read transaction with one clock reading, scoped by the actor's regions and
// ownership here in the model layer.

// Desk task keys, by section.
const (
	DeskPendingOrgs   = "pending_orgs"   // procurement: organisations awaiting verification
	DeskEnquiries     = "enquiries"      // procurement: unanswered enquiries
	DeskNeedPanel     = "need_panel"     // procurement: opened tenders without a panel
	DeskReadyToAward  = "ready_to_award" // procurement: panel complete, credit checks and award to do
	DeskChallenges    = "challenges"     // procurement: challenges to answer
	DeskToSign        = "to_sign"        // procurement: awarded tenders whose contract is to sign
	DeskFix           = "fix"            // agency: what the organisation must fix
	DeskOpenTenders   = "open_tenders"   // agency: tenders it may bid on
	DeskBids          = "bids"           // agency: its bids
	DeskDeclarations  = "declarations"   // expert: declarations to make
	DeskScoreSheets   = "score_sheets"   // expert: bids to score
	DeskCompliance    = "compliance"     // expert: bids to review for compliance
	DeskUsersNoRole   = "users_no_role"  // admin: users without roles
	DeskRecentGrants  = "recent_grants"  // admin: grants of the last week
	deskItemsPerTask  = 20
	deskGrantsWindow  = 7 * day
	deskFixOrgStatus  = "org_status"
	deskFixDraftBid   = "draft_bid"
	deskSignWindow    = "window_open"
	deskSignOpen      = "challenges_open"
	deskSignReady     = "ready"
	deskSignLate      = "late"
	deskAwardNoCheck  = "no_clear_check"
	deskAwardHasCheck = "checked"
)

// Desk is one person's to-do list at one moment, a section per role.
type Desk struct {
	At       time.Time     `json:"at"`
	Sections []DeskSection `json:"sections"`
}

// DeskSection is the to-do list of one of the actor's roles.
type DeskSection struct {
	Role  string     `json:"role"`
	Tasks []DeskTask `json:"tasks"`
}

// DeskTask is one kind of work: how many are waiting and the first of them.
type DeskTask struct {
	Key      string           `json:"key"`
	Count    int64            `json:"count"`
	ByStatus map[string]int64 `json:"by_status,omitempty"`
	Items    []DeskItem       `json:"items"`
}

// DeskItem is one thing to do. Which fields are set depends on the task.
type DeskItem struct {
	ID             int64      `json:"id,omitempty"` // the enquiry, challenge, bid, user or audit event
	TenderID       int64      `json:"tender_id,omitempty"`
	OrganisationID int64      `json:"organisation_id,omitempty"`
	UserID         int64      `json:"user_id,omitempty"`
	Code           string     `json:"code,omitempty"`
	Title          string     `json:"title,omitempty"` // a tender's title, an organisation's or a user's name
	Region         string     `json:"region,omitempty"`
	RegionName     string     `json:"region_name,omitempty"`
	Method         string     `json:"method,omitempty"`
	Status         string     `json:"status,omitempty"`
	Reason         string     `json:"reason,omitempty"`
	Text           string     `json:"text,omitempty"` // a question, a challenge's reason
	Role           string     `json:"role,omitempty"`
	Count          *int64     `json:"count,omitempty"` // opened bids (after the deadline), sheets missing, checks recorded
	At             *time.Time `json:"at,omitempty"`
	Due            *time.Time `json:"due,omitempty"`
	DaysLeft       *int       `json:"days_left,omitempty"`
	Overdue        bool       `json:"overdue,omitempty"`
	// Payments (desk_payments.go).
	ContractID int64  `json:"contract_id,omitempty"`
	AmountFen  *int64 `json:"amount_fen,omitempty"` // a payment's, or a contract's amount
	PaidFen    *int64 `json:"paid_fen,omitempty"`   // a contract's tranches paid
	DueFen     *int64 `json:"due_fen,omitempty"`    // a contract's tranches due or approved
	// Supports are a contract's office space, sessions and start-up funds.
	Supports *DeskSupports `json:"supports,omitempty"`
	// Report schedule items (desk_reports.go): a period of contract
	// ContractID (also their ID, one item per contract and period kind).
	PeriodStart string `json:"period_start,omitempty"`
	PeriodEnd   string `json:"period_end,omitempty"`
	DueOn       string `json:"due_on,omitempty"`
	DaysOverdue *int   `json:"days_overdue,omitempty"`
}

// readTx runs fn in one read-only transaction: on PostgreSQL a repeatable
// read snapshot, so a page never mixes states; SQLite's transaction reads
// one snapshot once it has read.
func (s *Store) readTx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	// Read only: on SQLite a deferred BEGIN, which takes a snapshot at its
	// first read, not the write lock the portal's other transactions take
	// at BEGIN (_txlock=immediate), so reads run side by side.
	opts := &sql.TxOptions{ReadOnly: true}
	if s.Dialect == Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	return s.DB.WithContext(ctx).Transaction(fn, opts)
}

// atClock returns a store whose clock stands still at now, so every rule
// the read applies (tender status, answer due dates) sees one moment.
func (s *Store) atClock(now time.Time) *Store {
	c := *s
	c.Now = func() time.Time { return now }
	return &c
}

// Desk reads the actor's desk: a section for each of its roles.
func (s *Store) Desk(ctx context.Context, a *Actor) (*Desk, error) {
	if !a.SignedIn() {
		return nil, a.require("", RootRegion)
	}
	now := s.now()
	rs := s.atClock(now)
	d := &Desk{At: now, Sections: []DeskSection{}}
	err := s.readTx(ctx, func(tx *gorm.DB) error {
		type part struct {
			role string
			on   bool
			read func(*gorm.DB, *Actor, time.Time) ([]DeskTask, error)
		}
		parts := []part{
			{RoleProcurement, a.CanAnywhere("tender:manage") || a.CanAnywhere("org:verify"), rs.procurementDesk},
			{RoleAgency, a.OrganisationID != nil && a.CanAnywhere("bid:write"), rs.agencyDesk},
			{RoleExpert, a.CanAnywhere("bid:score"), rs.expertDesk},
			{RoleAdmin, a.CanAnywhere("user:read"), rs.adminDesk},
			{RoleSupervisor, a.CanAnywhere("supervision:write"), rs.supervisorDesk}, // supervision_desk.go
		}
		for _, p := range parts {
			if !p.on {
				continue
			}
			tasks, err := p.read(tx, a, now)
			if err != nil {
				return err
			}
			d.Sections = append(d.Sections, DeskSection{Role: p.role, Tasks: tasks})
		}
		return rs.nameRegions(tx, d)
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// nameRegions fills each item's region name.
func (s *Store) nameRegions(db *gorm.DB, d *Desk) error {
	var codes []string
	for _, sec := range d.Sections {
		for _, t := range sec.Tasks {
			for _, it := range t.Items {
				if it.Region != "" {
					codes = append(codes, it.Region)
				}
			}
		}
	}
	names, err := regionNames(db, codes)
	if err != nil {
		return err
	}
	for i := range d.Sections {
		for j := range d.Sections[i].Tasks {
			items := d.Sections[i].Tasks[j].Items
			for k := range items {
				if items[k].Region != "" {
					items[k].RegionName = names[items[k].Region]
				}
			}
		}
	}
	return nil
}

// regionNames maps region codes to their names.
func regionNames(db *gorm.DB, codes []string) (map[string]string, error) {
	out := map[string]string{}
	if len(codes) == 0 {
		return out, nil
	}
	var rs []Region
	if err := db.Select("code, name").Where("code IN ?", codes).Find(&rs).Error; err != nil {
		return nil, err
	}
	for _, r := range rs {
		out[r.Code] = r.Name
	}
	return out, nil
}

func tenderItem(t *Tender) DeskItem {
	dl := t.BidDeadline
	return DeskItem{TenderID: t.ID, Code: t.Code, Title: t.Title, Region: t.RegionCode, Method: t.Method, Status: t.Status, Due: &dl}
}

func ptr[T any](v T) *T { return &v }

// daysLeft counts the whole or part days from now to due (0 once due).
func daysLeft(now, due time.Time) int {
	if !due.After(now) {
		return 0
	}
	return int((due.Sub(now) + day - 1) / day)
}

// scopedTenders loads the tenders q selects, with parts and status at now.
func (s *Store) scopedTenders(db *gorm.DB, q *gorm.DB) ([]*Tender, error) {
	var ts []*Tender
	if err := q.Order("id").Find(&ts).Error; err != nil {
		return nil, err
	}
	return ts, s.fillTenders(db, ts)
}

// task builds a task from all its items, keeping the first few.
func task(key string, items []DeskItem) DeskTask {
	t := DeskTask{Key: key, Count: int64(len(items)), Items: items}
	if t.Items == nil {
		t.Items = []DeskItem{}
	}
	if len(t.Items) > deskItemsPerTask {
		t.Items = t.Items[:deskItemsPerTask]
	}
	return t
}

// procurementDesk is the buyer's work in its regions. Bids are counted only
// for tenders past their deadline: before it nobody learns how many there are.
func (s *Store) procurementDesk(db *gorm.DB, a *Actor, now time.Time) ([]DeskTask, error) {
	var tasks []DeskTask

	// Organisations awaiting verification.
	var orgCount int64
	var orgs []Organisation
	oq := regionScope(db.Model(&Organisation{}), "region_code", a.Regions("org:verify")).Where("status = ?", OrgPending)
	if err := oq.Count(&orgCount).Error; err != nil {
		return nil, err
	}
	if err := oq.Order("created_at, id").Limit(deskItemsPerTask).Find(&orgs).Error; err != nil {
		return nil, err
	}
	t := DeskTask{Key: DeskPendingOrgs, Count: orgCount, Items: []DeskItem{}}
	for _, o := range orgs {
		t.Items = append(t.Items, DeskItem{OrganisationID: o.ID, Title: o.Name, Code: o.CreditCode, Region: o.RegionCode, Status: o.Status, At: ptr(o.CreatedAt)})
	}
	tasks = append(tasks, t)

	managed := a.Regions("tender:manage")
	inReach := func() *gorm.DB { return regionScope(db.Model(&Tender{}), "tenders.region_code", managed) }

	// Unanswered enquiries of live tenders.
	type enq struct {
		Enquiry
		Code, Title, RegionCode string
	}
	var enqs []enq
	eq := regionScope(db.Table("enquiries").Select("enquiries.*, tenders.code, tenders.title, tenders.region_code").
		Joins("JOIN tenders ON tenders.id = enquiries.tender_id"), "tenders.region_code", managed).
		Where("enquiries.answered_at IS NULL AND tenders.status NOT IN ?", []string{TenderDraft, TenderCancelled, TenderUnsuccessful})
	if err := eq.Order("enquiries.asked_at, enquiries.id").Scan(&enqs).Error; err != nil {
		return nil, err
	}
	var items []DeskItem
	for _, e := range enqs {
		items = append(items, DeskItem{ID: e.ID, TenderID: e.TenderID, Code: e.Code, Title: e.Title, Region: e.RegionCode, Text: e.Question, At: ptr(e.AskedAt)})
	}
	tasks = append(tasks, task(DeskEnquiries, items))

	// Opened tenders without an active panel: stored opened, or published
	// and past the deadline (the clock opens them).
	noPanel := "NOT EXISTS (SELECT 1 FROM panel_members WHERE panel_members.tender_id = tenders.id AND panel_members.active = ?)"
	ts, err := s.scopedTenders(db, inReach().Where("(status = ? OR (status = ? AND bid_deadline <= ?)) AND "+noPanel,
		TenderOpened, TenderPublished, now, true))
	if err != nil {
		return nil, err
	}
	items = nil
	for _, tn := range ts {
		if tn.Status != TenderOpened || !tn.PastDeadline(now) {
			continue // ended unsuccessful by the clock
		}
		var n int64
		if err := db.Model(&Bid{}).Where("tender_id = ? AND status IN ?", tn.ID, openedStatuses).Count(&n).Error; err != nil {
			return nil, err
		}
		it := tenderItem(tn)
		it.Count = &n
		items = append(items, it)
	}
	tasks = append(tasks, task(DeskNeedPanel, items))

	// Evaluating tenders whose panel has finished: credit checks and award.
	if ts, err = s.scopedTenders(db, inReach().Where("status = ?", TenderEvaluating)); err != nil {
		return nil, err
	}
	items = nil
	for _, tn := range ts {
		var done bool
		if tn.Evaluation == EvalLowestPrice {
			done, _, _, err = s.complianceComplete(db, tn)
		} else {
			done, _, err = s.scoringComplete(db, tn)
		}
		if err != nil {
			return nil, err
		}
		if !done {
			continue
		}
		var checks int64
		if err := db.Model(&CreditCheck{}).Where("tender_id = ? AND result = ?", tn.ID, "clear").Count(&checks).Error; err != nil {
			return nil, err
		}
		it := tenderItem(tn)
		it.Count = &checks
		it.Reason = deskAwardNoCheck
		if checks > 0 {
			it.Reason = deskAwardHasCheck
		}
		items = append(items, it)
	}
	tasks = append(tasks, task(DeskReadyToAward, items))

	// Challenges to answer, with their due dates.
	type chal struct {
		Challenge
		Code, Title, RegionCode string
	}
	var chals []chal
	cq := regionScope(db.Table("challenges").Select("challenges.*, tenders.code, tenders.title, tenders.region_code").
		Joins("JOIN tenders ON tenders.id = challenges.tender_id"), "tenders.region_code", managed).
		Where("challenges.answered_at IS NULL")
	if err := cq.Order("challenges.filed_at, challenges.id").Scan(&chals).Error; err != nil {
		return nil, err
	}
	items = nil
	for _, c := range chals {
		ch := c.Challenge
		if err := s.answerDue(db, &ch); err != nil {
			return nil, err
		}
		items = append(items, DeskItem{ID: ch.ID, TenderID: ch.TenderID, Code: c.Code, Title: c.Title, Region: c.RegionCode, Text: ch.Reason,
			At: ptr(ch.FiledAt), Due: ptr(ch.AnswerDue), DaysLeft: ptr(daysLeft(now, ch.AnswerDue)), Overdue: ch.Overdue})
	}
	tasks = append(tasks, task(DeskChallenges, items))

	// Contracts to sign within 30 days of the award notice.
	if ts, err = s.scopedTenders(db, inReach().Where("status = ?", TenderAwarded)); err != nil {
		return nil, err
	}
	items = nil
	for _, tn := range ts {
		if tn.AwardedAt == nil {
			continue
		}
		due := tn.AwardedAt.Add(contractDeadline)
		ends, err := s.challengeEnds(db, tn)
		if err != nil {
			return nil, err
		}
		var open int64
		if err := db.Model(&Challenge{}).Where("tender_id = ? AND answered_at IS NULL", tn.ID).Count(&open).Error; err != nil {
			return nil, err
		}
		it := tenderItem(tn)
		it.Due, it.DaysLeft, it.At = &due, ptr(daysLeft(now, due)), ptr(*tn.AwardedAt)
		switch {
		case now.After(due):
			it.Reason, it.Overdue = deskSignLate, true
		case now.Before(ends):
			it.Reason = deskSignWindow
		case open > 0:
			it.Reason = deskSignOpen
		default:
			it.Reason = deskSignReady
		}
		items = append(items, it)
	}
	tasks = append(tasks, task(DeskToSign, items))

	// Payments to approve and to record as paid (desk_payments.go).
	pay, err := s.procurementPaymentTasks(db, a)
	if err != nil {
		return nil, err
	}
	tasks = append(tasks, pay...)
	// Service reports awaiting review (models/report_pages.go).
	rt, err := s.reportsToReview(db, a)
	if err != nil {
		return nil, err
	}
	tasks = append(tasks, rt)
	// Report schedule (desk_reports.go).
	reports, err := s.procurementReportTasks(db, a)
	if err != nil {
		return nil, err
	}
	return append(tasks, reports...), nil
}

// agencyDesk is an organisation's work: what it must fix, the tenders open
// to it and its own bids.
func (s *Store) agencyDesk(db *gorm.DB, a *Actor, now time.Time) ([]DeskTask, error) {
	orgID := *a.OrganisationID
	o, err := s.orgByID(db, orgID)
	if err != nil {
		return nil, err
	}
	var fix []DeskItem
	if o.Status != OrgVerified {
		fix = append(fix, DeskItem{OrganisationID: o.ID, Title: o.Name, Region: o.RegionCode, Status: o.Status, Reason: o.StatusReason,
			Code: deskFixOrgStatus})
	}

	var bids []Bid
	if err := db.Where("organisation_id = ?", orgID).Find(&bids).Error; err != nil {
		return nil, err
	}
	ids := make([]int64, len(bids))
	for i, b := range bids {
		ids[i] = b.TenderID
	}
	byID := map[int64]*Tender{}
	if len(ids) > 0 {
		if byID, err = s.tendersByID(db, ids); err != nil {
			return nil, err
		}
	}
	var bidItems []DeskItem
	byStatus := map[string]int64{}
	for _, b := range bids {
		tn := byID[b.TenderID]
		if tn == nil {
			continue
		}
		st := effectiveBidStatus(b.Status, tn, now)
		it := tenderItem(tn)
		it.ID, it.Status, it.Reason = b.ID, st, b.DisqualifiedReason
		it.Text = tn.Status // the tender's status beside the bid's
		byStatus[st]++
		bidItems = append(bidItems, it)
		if (st == BidDraft || st == BidWithdrawn) && !tn.PastDeadline(now) && tn.Status == TenderPublished {
			f := tenderItem(tn)
			f.ID, f.Status, f.Code = b.ID, st, deskFixDraftBid
			f.Title = tn.Code + " " + tn.Title
			fix = append(fix, f)
		}
	}
	sort.SliceStable(bidItems, func(i, j int) bool { return bidItems[i].Due.After(*bidItems[j].Due) })
	bt := task(DeskBids, bidItems)
	bt.ByStatus = byStatus

	// Tenders open to it: published, before the deadline, invited ones only
	// when it is invited, and not yet bid on.
	q := db.Model(&Tender{}).Where("status = ? AND published_at IS NOT NULL AND bid_deadline > ?", TenderPublished, now).
		Where("id NOT IN (SELECT tender_id FROM bids WHERE organisation_id = ?)", orgID)
	var invitedOnly []string
	for _, k := range MethodKeys {
		if Methods[k].Invited {
			invitedOnly = append(invitedOnly, k)
		}
	}
	q = q.Where("(method NOT IN ? OR id IN (SELECT tender_id FROM tender_invitations WHERE organisation_id = ?))", invitedOnly, orgID)
	var open int64
	if err := q.Count(&open).Error; err != nil {
		return nil, err
	}
	var ts []*Tender
	if err := q.Order("bid_deadline, id").Limit(deskItemsPerTask).Find(&ts).Error; err != nil {
		return nil, err
	}
	if err := s.fillTenders(db, ts); err != nil {
		return nil, err
	}
	ot := DeskTask{Key: DeskOpenTenders, Count: open, Items: []DeskItem{}}
	for _, tn := range ts {
		it := tenderItem(tn)
		it.DaysLeft = ptr(daysLeft(now, tn.BidDeadline))
		ot.Items = append(ot.Items, it)
	}

	// Its contracts and their payments (desk_payments.go).
	ct, err := s.agencyContractTask(db, orgID, now)
	if err != nil {
		return nil, err
	}
	// Report schedule (desk_reports.go).
	reports, err := s.agencyReportTasks(db, orgID)
	if err != nil {
		return nil, err
	}
	// Service reports returned for changes (models/report_pages.go).
	rt, err := s.reportsToFix(db, orgID)
	if err != nil {
		return nil, err
	}
	// Rectifications to answer (supervision_desk.go).
	rects, err := s.rectificationsToAnswer(db, a, now)
	if err != nil {
		return nil, err
	}
	return append([]DeskTask{task(DeskFix, fix), ot, bt, ct, rt, rects}, reports...), nil
}

// expertDesk is an expert's panels: declarations to make, then the sheets
// (scores or compliance reviews) still missing.
func (s *Store) expertDesk(db *gorm.DB, a *Actor, now time.Time) ([]DeskTask, error) {
	var ms []PanelMember
	if err := db.Where("expert_id = ? AND active = ?", a.UserID, true).Order("tender_id").Find(&ms).Error; err != nil {
		return nil, err
	}
	ids := make([]int64, len(ms))
	for i, m := range ms {
		ids[i] = m.TenderID
	}
	byID := map[int64]*Tender{}
	var err error
	if len(ids) > 0 {
		if byID, err = s.tendersByID(db, ids); err != nil {
			return nil, err
		}
	}
	var declare, scores, reviews []DeskItem
	for _, m := range ms {
		tn := byID[m.TenderID]
		if tn == nil || (tn.Status != TenderEvaluating && tn.Status != TenderOpened) || !tn.PastDeadline(now) {
			continue
		}
		if m.DeclaredAt == nil {
			declare = append(declare, tenderItem(tn))
			continue
		}
		if m.Conflict {
			continue
		}
		var bidIDs []int64
		if err := db.Model(&Bid{}).Where("tender_id = ? AND status = ?", tn.ID, BidSubmitted).Pluck("id", &bidIDs).Error; err != nil {
			return nil, err
		}
		if len(bidIDs) == 0 {
			continue
		}
		var done int64
		want := int64(len(bidIDs))
		if tn.Evaluation == EvalLowestPrice {
			err = db.Model(&ComplianceReview{}).Where("expert_id = ? AND bid_id IN ?", a.UserID, bidIDs).Count(&done).Error
		} else {
			want *= int64(len(tn.Criteria))
			err = db.Model(&Score{}).Where("expert_id = ? AND bid_id IN ?", a.UserID, bidIDs).Count(&done).Error
		}
		if err != nil {
			return nil, err
		}
		if done >= want {
			continue
		}
		it := tenderItem(tn)
		if tn.Evaluation == EvalLowestPrice {
			it.Count = ptr(want - done)
			reviews = append(reviews, it)
		} else {
			it.Count = ptr(int64(len(bidIDs)) - done/int64(max(len(tn.Criteria), 1)))
			scores = append(scores, it)
		}
	}
	return []DeskTask{task(DeskDeclarations, declare), task(DeskScoreSheets, scores), task(DeskCompliance, reviews)}, nil
}

// adminDesk is an administrator's: users within reach who hold no role yet,
// and the grants of the last week in its regions.
func (s *Store) adminDesk(db *gorm.DB, a *Actor, now time.Time) ([]DeskTask, error) {
	const grantee = "SELECT CAST(SUBSTR(v0, 3) AS BIGINT) FROM casbin_rule WHERE ptype = 'g' AND v0 LIKE 'u:%'"
	q := s.usersInReach(db.Model(&User{}), a).Where("disabled = ? AND id NOT IN ("+grantee+")", false)
	var n int64
	if err := q.Count(&n).Error; err != nil {
		return nil, err
	}
	var users []User
	if err := q.Order("id DESC").Limit(deskItemsPerTask).Find(&users).Error; err != nil {
		return nil, err
	}
	nr := DeskTask{Key: DeskUsersNoRole, Count: n, Items: []DeskItem{}}
	for _, u := range users {
		nr.Items = append(nr.Items, DeskItem{UserID: u.ID, Title: u.DisplayName, Code: u.Username, At: ptr(u.CreatedAt)})
	}

	var evs []AuditEvent
	gq := regionScope(db.Model(&AuditEvent{}), "region_code", a.Regions("user:read")).
		Where("action = ? AND at >= ?", "user.grant", now.Add(-deskGrantsWindow))
	var gn int64
	if err := gq.Count(&gn).Error; err != nil {
		return nil, err
	}
	if err := gq.Order("at DESC, id DESC").Limit(deskItemsPerTask).Find(&evs).Error; err != nil {
		return nil, err
	}
	uids := []int64{}
	for _, ev := range evs {
		if id, err := strconv.ParseInt(ev.ObjectID, 10, 64); err == nil {
			uids = append(uids, id)
		}
	}
	names := map[int64]User{}
	if len(uids) > 0 {
		var us []User
		if err := db.Select("id, username, display_name").Where("id IN ?", uids).Find(&us).Error; err != nil {
			return nil, err
		}
		for _, u := range us {
			names[u.ID] = u
		}
	}
	rg := DeskTask{Key: DeskRecentGrants, Count: gn, Items: []DeskItem{}}
	for _, ev := range evs {
		var g Grant
		_ = json.Unmarshal([]byte(ev.After), &g) // written by addGrant; a malformed one shows without role
		id, _ := strconv.ParseInt(ev.ObjectID, 10, 64)
		u := names[id]
		it := DeskItem{ID: ev.ID, UserID: id, Title: u.DisplayName, Code: u.Username, Role: g.Role, Region: g.Region, At: ptr(ev.At), Text: ev.ActorName}
		if g.Region == RootRegion {
			it.Region = ""
			it.RegionName = RootRegion
		}
		rg.Items = append(rg.Items, it)
	}
	return []DeskTask{nr, rg}, nil
}
