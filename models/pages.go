package models

import (
	"context"
	"errors"
	"slices"
	"time"

	"gorm.io/gorm"
)

// The pages' read models: each page's data comes from one call, which runs
// every query in one read-only transaction with one clock reading, so a
// page never mixes states from both sides of a deadline or of a change
// made while it was read.

// read runs fn on a view of the store at one instant: its DB is one
// read-only transaction (a snapshot: repeatable read on PostgreSQL; an
// SQLite transaction reads one snapshot by nature) and its clock is read
// once, so every helper fn calls, however deep, sees the same now. Unlike
// tx it runs when the edge refused the request's input (a form shown
// again with its errors): it writes nothing.
// readMayLag is read on ReadDB, the handle of reads that may lag the
// primary, when there is one: for answers nobody has just written to.
func (s *Store) readMayLag(ctx context.Context, fn func(r *Store) error) error {
	if s.ReadDB == nil {
		return s.read(ctx, fn)
	}
	r := *s
	r.DB = s.ReadDB
	return r.read(ctx, fn)
}

// lagging is the handle of reads that may lag: ReadDB, or DB.
func (s *Store) lagging() *gorm.DB {
	if s.ReadDB != nil {
		return s.ReadDB
	}
	return s.DB
}

func (s *Store) read(ctx context.Context, fn func(r *Store) error) error {
	now := s.now()
	return s.readTx(ctx, func(tx *gorm.DB) error {
		r := *s
		r.DB, r.Now, r.snapshot = tx, func() time.Time { return now }, true
		return fn(&r)
	})
}

// TenderFacts are what every view of a tender shows beside the tender: its
// region and its catalogue item (nil when not found: the page shows their
// codes).
type TenderFacts struct {
	Tender *Tender
	Region *Region
	Item   *CatalogueItem
	Now    time.Time // the one reading of the clock the page was read at
}

func (s *Store) tenderFacts(ctx context.Context, t *Tender) TenderFacts {
	f := TenderFacts{Tender: t, Now: s.now()}
	f.Region, _ = s.Region(ctx, t.RegionCode)
	// The item of a published version; a missing one shows its code.
	f.Item, _ = s.CatalogueItem(ctx, t.RegionCode, t.CatalogueYear, t.CatalogueCode)
	return f
}

// TenderView is a tender's page and its printable notice.
type TenderView struct {
	TenderFacts
	Enquiries  []Enquiry
	Amendments []Amendment
	Result     *Result // once awarded
	Manage     bool    // the region's procurement staff
	Editable   bool    // staff may edit the draft or amend it
	Bidder     bool    // a member of an organisation that may bid on it
	CanAsk     bool
	OnPanel    bool
	Past       bool         // the deadline has passed
	Standing   *OrgStanding // a bidder's organisation that may not bid now
}

// TenderPage reads a tender's page.
func (s *Store) TenderPage(ctx context.Context, a *Actor, tenderID int64) (*TenderView, error) {
	v := &TenderView{}
	err := s.read(ctx, func(r *Store) error {
		t, err := r.Tender(ctx, a, tenderID)
		if err != nil {
			return err
		}
		v.TenderFacts = r.tenderFacts(ctx, t)
		v.Manage, v.Past = a.Can("tender:manage", t.RegionCode), t.PastDeadline(v.Now)
		v.Editable = v.Manage && (tenderLifecycle.Allows("edit", t.Status) || tenderLifecycle.Allows("amend", t.Status))
		db := r.DB.WithContext(ctx)
		if v.Enquiries, err = enquiriesOf(db, t); err != nil {
			return err
		}
		if v.Amendments, err = amendmentsOf(db, t); err != nil {
			return err
		}
		if t.AwardedAt != nil {
			if v.Result, err = r.resultOf(db, a, t); err != nil {
				return err
			}
		}
		if a.OrganisationID != nil && a.CanAnywhere("bid:write") {
			v.Bidder = !t.Rule().Invited || slices.Contains(t.Invited, *a.OrganisationID)
			v.CanAsk = v.Bidder && tenderLifecycle.Allows("ask", t.Status) && t.Rule().Enquiries
			if v.Standing, err = r.orgStanding(ctx, a); err != nil {
				return err
			}
		}
		if a.CanAnywhere("bid:score") {
			_, m, err := r.Membership(ctx, a, tenderID)
			v.OnPanel = err == nil && m != nil
		}
		return nil
	})
	return v, err
}

// NoticeView is a tender's printable notice: the tender and, once
// awarded, the award.
type NoticeView struct {
	TenderFacts
	Result *Result
}

// NoticePage reads a tender's printable notice.
func (s *Store) NoticePage(ctx context.Context, a *Actor, tenderID int64) (*NoticeView, error) {
	v := &NoticeView{}
	err := s.read(ctx, func(r *Store) error {
		t, err := r.Tender(ctx, a, tenderID)
		if err != nil {
			return err
		}
		v.TenderFacts = r.tenderFacts(ctx, t)
		if t.AwardedAt != nil {
			v.Result, err = r.resultOf(r.DB.WithContext(ctx), a, t)
		}
		return err
	})
	return v, err
}

// BidView is the agency's page of its bid on a tender.
type BidView struct {
	TenderFacts
	Bid          *Bid // nil: none yet; its status is the effective one
	Files        []BidAttachment
	Roster       []RosterEntry
	Editable     bool // may save the draft
	CanSubmit    bool
	CanWithdraw  bool
	Result       *Result // once awarded
	Challenges   []Challenge
	CanChallenge bool
	Standing     *OrgStanding // nil: the organisation may bid
}

// OrgStanding is why the caller's organisation may not bid now: its
// status and the reason staff gave, for the bid pages to say so.
type OrgStanding struct {
	Status, Reason, Until string
}

// orgStanding is the caller's organisation's standing, nil when it may bid
// (or the caller is in no organisation).
func (s *Store) orgStanding(ctx context.Context, a *Actor) (*OrgStanding, error) {
	if a.OrganisationID == nil {
		return nil, nil
	}
	if err := s.OrganisationCanBid(s.DB.WithContext(ctx), *a.OrganisationID, s.now()); err == nil {
		return nil, nil
	} else if !errors.Is(err, ErrConflict) {
		return nil, err
	}
	o, err := s.orgByID(s.DB.WithContext(ctx), *a.OrganisationID)
	if err != nil {
		return nil, err
	}
	return &OrgStanding{Status: o.Status, Reason: o.StatusReason, Until: o.BlacklistedUntil}, nil
}

// MyBidsView is the agency's list of its bids.
type MyBidsView struct {
	Bids     []BidSummary
	Standing *OrgStanding
}

// MyBidsPage reads the caller's organisation's bids and its standing.
func (s *Store) MyBidsPage(ctx context.Context, a *Actor) (*MyBidsView, error) {
	v := &MyBidsView{}
	err := s.read(ctx, func(r *Store) error {
		var err error
		if v.Bids, err = r.OwnBids(ctx, a); err != nil {
			return err
		}
		v.Standing, err = r.orgStanding(ctx, a)
		return err
	})
	return v, err
}

// BidPage reads the caller's organisation's bid on a tender.
func (s *Store) BidPage(ctx context.Context, a *Actor, tenderID int64) (*BidView, error) {
	v := &BidView{}
	err := s.read(ctx, func(r *Store) error {
		t, err := r.Tender(ctx, a, tenderID)
		if err != nil {
			return err
		}
		if a.OrganisationID == nil {
			return Fail(ErrForbidden, "err.forbidden", "only an organisation's members bid")
		}
		v.TenderFacts = r.tenderFacts(ctx, t)
		b, err := r.OwnBid(ctx, a, tenderID)
		switch {
		case err == nil:
			v.Bid = b
			if v.Files, err = r.OwnBidAttachments(ctx, a, tenderID); err != nil {
				return err
			}
		case !errors.Is(err, ErrNotFound):
			return err
		}
		if o, err := r.Organisation(ctx, a, *a.OrganisationID); err == nil {
			v.Roster = o.Staff
		}
		if v.Standing, err = r.orgStanding(ctx, a); err != nil {
			return err
		}
		if v.Standing == nil { // a failed final evaluation's bar (supervision_grades.go)
			if v.Standing, err = r.barStanding(r.DB, *a.OrganisationID, t.RegionCode); err != nil {
				return err
			}
		}
		// An organisation that may not bid is not offered the bid form.
		open := tenderLifecycle.Allows("bid", t.Status) && v.Standing == nil
		v.Editable = open && (b == nil || bidLifecycle.Allows("edit", b.Status))
		v.CanSubmit = open && b != nil && bidLifecycle.Allows("submit", b.Status)
		v.CanWithdraw = open && b != nil && bidLifecycle.Allows("withdraw", b.Status)
		if t.AwardedAt != nil {
			if v.Result, err = r.TenderResult(ctx, a, tenderID); err != nil {
				return err
			}
			v.CanChallenge = tenderLifecycle.Allows("challenge", t.Status) && v.Result.Own != nil && v.Now.Before(v.Result.ChallengeUntil)
		}
		// An opened bid's organisation sees its challenges.
		if b != nil && slices.Contains([]string{BidValid, BidDisqualified, BidWon, BidLost}, b.Status) {
			if v.Challenges, err = r.Challenges(ctx, a, tenderID); err != nil {
				return err
			}
		}
		return nil
	})
	return v, err
}

// EvaluationView is the staff's evaluation page of a tender.
type EvaluationView struct {
	TenderFacts
	Sealed     bool // before the deadline: nothing of the bids shows
	Open       bool // bids may be disqualified, the panel appointed, checks recorded
	Bids       []Bid
	Files      map[int64][]BidAttachment // bid → its files
	Panel      []PanelMember
	Experts    []User // the region's experts, while the panel may be appointed
	Checks     []CreditCheck
	Scores     *ScoreSheets
	Compliance *ComplianceSheets // lowest price, once the panel is appointed
	Challenges []Challenge
	CanFail    bool // evaluated: staff may end it unsuccessful when no bid can be awarded
	// Before the award, once the panel has finished: the ranking the award
	// would make now (standing, the award's own code), the bids the panel
	// found non-compliant (lowest price; unranked) and the latest credit
	// check of the first-ranked bidder (nil: none yet).
	Ranking    []Ranked
	Rejected   []Bid
	FirstCheck *CreditCheck
	Result     *Result
	CanSign    bool
	Contract   *Contract
}

// EvaluationPage reads a tender's evaluation page for its staff.
func (s *Store) EvaluationPage(ctx context.Context, a *Actor, tenderID int64) (*EvaluationView, error) {
	v := &EvaluationView{}
	err := s.read(ctx, func(r *Store) error {
		t, err := r.ManagedTender(ctx, a, tenderID)
		if err != nil {
			return err
		}
		v.TenderFacts = r.tenderFacts(ctx, t)
		v.Sealed, v.Open = !t.PastDeadline(v.Now), tenderLifecycle.Allows("evaluate", t.Status)
		if !v.Sealed && t.Status != TenderDraft {
			if err := r.evaluation(ctx, a, t, v); err != nil {
				return err
			}
		}
		if t.AwardedAt != nil {
			if v.Result, err = r.TenderResult(ctx, a, tenderID); err != nil {
				return err
			}
			v.CanSign = tenderLifecycle.Allows("contract", t.Status)
		}
		if t.Status == TenderContracted {
			if v.Contract, err = r.TenderContract(ctx, a, tenderID); err != nil && !errors.Is(err, ErrNotFound) {
				return err
			}
		}
		return nil
	})
	return v, err
}

// evaluation reads the opened bids and the evaluation's records.
func (s *Store) evaluation(ctx context.Context, a *Actor, t *Tender, v *EvaluationView) error {
	var err error
	if v.Bids, err = s.OpenedBids(ctx, a, t.ID); err != nil {
		return err
	}
	v.Files = map[int64][]BidAttachment{}
	for _, b := range v.Bids {
		if v.Files[b.ID], err = s.BidAttachments(ctx, a, b.ID); err != nil {
			return err
		}
	}
	if v.Panel, err = s.TenderPanel(ctx, a, t.ID); err != nil {
		return err
	}
	if tenderLifecycle.Allows("appoint", t.Status) {
		if v.Experts, err = s.Experts(ctx, a, t.RegionCode); err != nil {
			return err
		}
	}
	if v.Checks, err = s.CreditChecks(ctx, a, t.ID); err != nil {
		return err
	}
	if v.Scores, err = s.Scores(ctx, a, t.ID); err != nil {
		return err
	}
	if t.Evaluation != EvalComprehensive && !awaitsPanel(t) {
		if v.Compliance, err = s.ComplianceReviews(ctx, a, t.ID); err != nil {
			return err
		}
	}
	evaluated := (v.Compliance != nil && v.Compliance.Complete) || (t.Evaluation == EvalComprehensive && v.Scores.Complete)
	v.CanFail = evaluated && !awaitsPanel(t) && tenderLifecycle.Allows("fail", t.Status)
	if evaluated && !awaitsPanel(t) && tenderLifecycle.Allows("award", t.Status) {
		ranked, rejected, err := s.standing(s.DB.WithContext(ctx), t)
		if err != nil {
			return err
		}
		for _, b := range ranked {
			v.Ranking = append(v.Ranking, rankedLine(b))
		}
		v.Rejected = rejected
		if len(v.Ranking) > 0 {
			for i, c := range v.Checks { // the latest first, as the award reads them
				if c.OrganisationID == v.Ranking[0].OrganisationID {
					v.FirstCheck = &v.Checks[i]
					break
				}
			}
		}
	}
	v.Challenges, err = s.Challenges(ctx, a, t.ID)
	return err
}

// ReviewView is an expert's page of a tender it was appointed to.
type ReviewView struct {
	TenderFacts
	Member     *PanelMember
	Bidders    []Bidder // before declaring
	Bids       []Bid    // the valid bids, once declared
	Files      map[int64][]BidAttachment
	Scores     *ScoreSheets
	Compliance *ComplianceSheets // lowest price
	// Grades are each bidding organisation's past evaluations, shown
	// beside its bid (supervision_grades.go).
	Grades map[int64][]Grade
}

// ReviewPage reads an expert's page: the declaration, then the valid bids
// with the caller's score sheets or compliance reviews.
func (s *Store) ReviewPage(ctx context.Context, a *Actor, tenderID int64) (*ReviewView, error) {
	v := &ReviewView{}
	err := s.read(ctx, func(r *Store) error {
		t, m, err := r.Membership(ctx, a, tenderID)
		if err != nil {
			return err
		}
		v.TenderFacts, v.Member = r.tenderFacts(ctx, t), m
		if m.DeclaredAt == nil && m.Active {
			// Before the deadline there is no one to declare about: the
			// page says so.
			if v.Bidders, err = r.Bidders(ctx, a, tenderID); err != nil && !errors.Is(err, ErrConflict) && !errors.Is(err, ErrInvalid) {
				return err
			}
		}
		if m.DeclaredAt == nil || !m.Active {
			return nil
		}
		bids, err := r.OpenedBids(ctx, a, tenderID)
		if err != nil {
			return err
		}
		if v.Scores, err = r.Scores(ctx, a, tenderID); err != nil {
			return err
		}
		v.Files, v.Grades = map[int64][]BidAttachment{}, map[int64][]Grade{}
		for _, b := range bids {
			if b.Status == BidValid || b.Status == BidWon || b.Status == BidLost {
				v.Bids = append(v.Bids, b)
				if v.Grades[b.OrganisationID], err = r.organisationGrades(r.DB, b.OrganisationID); err != nil {
					return err
				}
				if v.Files[b.ID], err = r.BidAttachments(ctx, a, b.ID); err != nil {
					return err
				}
			}
		}
		if t.Evaluation != EvalComprehensive {
			v.Compliance, err = r.ComplianceReviews(ctx, a, tenderID)
		}
		return err
	})
	return v, err
}

// ContractView is a contract's page: the contract and, when the caller may
// see it, its tender with the tender's catalogue item.
type ContractView struct {
	Contract *Contract
	Tender   *Tender        // nil when the caller may not see it
	Item     *CatalogueItem // nil when not found: the page shows the keys
	Now      time.Time
	Payments *PaymentsView        // the tranches and start-up funds
	Reports  *ContractReportsView // the service reports section
	Schedule *ContractSchedule    // the reporting schedule (report_schedule.go)
	Office   *ContractOffice      // office space allocated under the contract
	Sessions *ContractSessions    // support sessions (planning, supervision)
	// Supervision is the supervision section (supervision_pages.go).
	Supervision *SupervisionView
}

// ContractPage reads a contract's page.
func (s *Store) ContractPage(ctx context.Context, a *Actor, contractID int64) (*ContractView, error) {
	v := &ContractView{}
	err := s.read(ctx, func(r *Store) error {
		var err error
		if v.Contract, err = r.Contract(ctx, a, contractID); err != nil {
			return err
		}
		v.Now = r.now()
		if v.Schedule, err = r.contractSchedule(r.DB, v.Contract.ID); err != nil {
			return err
		}
		if v.Payments, err = r.contractPaymentsView(ctx, a, v.Contract); err != nil {
			return err
		}
		if t, err := r.Tender(ctx, a, v.Contract.TenderID); err == nil {
			v.Tender = t
			v.Item, _ = r.CatalogueItem(ctx, t.RegionCode, t.CatalogueYear, t.CatalogueCode)
		}
		if v.Reports, err = r.contractReportsView(ctx, a, contractID); err != nil {
			return err
		}
		if v.Office, err = r.contractOffice(ctx, a, v.Contract); err != nil {
			return err
		}
		if v.Sessions, err = r.contractSessions(ctx, a, v.Contract); err != nil {
			return err
		}
		v.Supervision, err = r.contractSupervisionView(ctx, a, v.Contract)
		return err
	})
	return v, err
}

// PublishCheck reads a managed draft and what publishing it now would
// refuse (an Invalid error; nil when it would publish), for the edit page
// to mark the fields a refused publish named.
func (s *Store) PublishCheck(ctx context.Context, a *Actor, id int64) (*Tender, error, error) {
	var t *Tender
	var refusal error
	err := s.read(ctx, func(r *Store) error {
		var err error
		if t, err = r.ManagedTender(ctx, a, id); err != nil {
			return err
		}
		refusal, err = r.draftRefusal(ctx, t)
		return err
	})
	return t, refusal, err
}

// draftRefusal is what publishing draft t now would refuse (an Invalid
// error), nil when it would publish or t is no draft.
func (s *Store) draftRefusal(ctx context.Context, t *Tender) (error, error) {
	if t.Status != TenderDraft {
		return nil, nil
	}
	fe, err := s.publishRefusal(ctx, s.DB, t, s.now())
	if err != nil || len(fe) == 0 {
		return nil, err
	}
	return Invalid(fe...), nil
}
