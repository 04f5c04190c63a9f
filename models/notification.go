package models

import (
	"context"
	"slices"
	"strconv"
	"time"

	"gorm.io/gorm"
)

// Notification tells one user of an event they must act on or would want
// to know. It holds no text: the reader's language renders it from Kind and
// Params, so it stores nothing that the reader may not see (no sealed
// content, no other bidder).
type Notification struct {
	ID         int64             `json:"id" gorm:"primaryKey"`
	UserID     int64             `json:"-"`
	Kind       string            `json:"kind"`
	ObjectType string            `json:"object_type"`
	ObjectID   int64             `json:"object_id"`
	Params     map[string]string `json:"params" gorm:"serializer:json"`
	CreatedAt  time.Time         `json:"created_at"`
	ReadAt     *time.Time        `json:"read_at"`
}

// Notification kinds: each has a message (notify.kind.<kind>) and a link.
const (
	NotifyOrgVerified      = "organisation.verify"
	NotifyOrgRejected      = "organisation.reject"
	NotifyOrgSuspended     = "organisation.suspend"
	NotifyOrgBlacklisted   = "organisation.blacklist"
	NotifyTenderAmended    = "tender.amend"
	NotifyEnquiryAnswered  = "enquiry.answer"
	NotifyAwardWon         = "award.won"
	NotifyAwardLost        = "award.lost"
	NotifyChallengeAnswer  = "challenge.answer"
	NotifyPanelAppointment = "panel.appoint"
	NotifyPaymentPaid      = "payment.paid"
	NotifyReportApproved   = "report.approve"
	NotifyReportReturned   = "report.return"
	// Supervision (supervision.go, supervision_eval.go, rectification.go).
	NotifySupervisorAssigned     = "supervision.assign"
	NotifyEvaluationRecorded     = "evaluation.record"
	NotifyRectificationOpened    = "rectification.open"
	NotifyRectificationResponded = "rectification.respond"
)

// NotifyParams lists, per kind, the params its message takes, in the order
// its message formats them.
var NotifyParams = map[string][]string{
	NotifyOrgVerified:      {"name"},
	NotifyOrgRejected:      {"name", "reason"},
	NotifyOrgSuspended:     {"name", "reason"},
	NotifyOrgBlacklisted:   {"name", "reason", "until"},
	NotifyTenderAmended:    {"code", "title"},
	NotifyEnquiryAnswered:  {"code", "title"},
	NotifyAwardWon:         {"code", "title"},
	NotifyAwardLost:        {"code", "title"},
	NotifyChallengeAnswer:  {"code", "title"},
	NotifyPanelAppointment: {"code", "title"},
	NotifyPaymentPaid:      {"number", "amount", "paid_on"},
	NotifyReportApproved:   {"number", "period"},
	NotifyReportReturned:   {"number", "period"},
	NotifyReportDue:        {"number", "period_start", "period_end", "due_on", "days"},
	NotifyReportOverdue:    {"number", "period_start", "period_end", "due_on", "days"},
	// Supervision.
	NotifySupervisorAssigned:     {"number"},
	NotifyEvaluationRecorded:     {"number", "phase", "total"},
	NotifyRectificationOpened:    {"number", "due_on"},
	NotifyRectificationResponded: {"number"},
}

// notify writes one notification per user inside tx, the event's own
// transaction. It returns nothing so that an event function calls it in one
// line just before its audit call: a failed insert is added to tx, which
// makes that audit write, and so the whole event, fail and roll back.
func (s *Store) notify(tx *gorm.DB, userIDs []int64, kind, objectType string, objectID int64, params map[string]string) {
	if tx.Error != nil {
		return
	}
	ids := slices.Clone(userIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) == 0 {
		return
	}
	now := s.now()
	rows := make([]Notification, 0, len(ids))
	for _, id := range ids {
		rows = append(rows, Notification{UserID: id, Kind: kind, ObjectType: objectType, ObjectID: objectID, Params: params, CreatedAt: now})
	}
	if err := tx.Create(&rows).Error; err != nil {
		_ = tx.AddError(err)
	}
}

// notifyOrgs notifies the members of each organisation; a failed read is
// added to tx as notify does.
func (s *Store) notifyOrgs(tx *gorm.DB, orgIDs []int64, kind, objectType string, objectID int64, params map[string]string) {
	if tx.Error != nil || len(orgIDs) == 0 {
		return
	}
	users, err := s.orgMemberIDs(tx, orgIDs...)
	if err != nil {
		_ = tx.AddError(err)
		return
	}
	s.notify(tx, users, kind, objectType, objectID, params)
}

// orgMemberIDs lists the users of the organisations, enabled or not (a
// re-enabled member still finds what happened meanwhile).
func (s *Store) orgMemberIDs(db *gorm.DB, orgIDs ...int64) ([]int64, error) {
	var ids []int64
	err := db.Model(&User{}).Where("organisation_id IN ?", orgIDs).Order("id").Pluck("id", &ids).Error
	return ids, err
}

func tenderParams(t *Tender) map[string]string {
	return map[string]string{"code": t.Code, "title": t.Title, "tender_id": strconv.FormatInt(t.ID, 10)}
}

// notifyOrgStatus tells an organisation's members of its review or of a
// sanction, with the reason staff gave.
func (s *Store) notifyOrgStatus(tx *gorm.DB, event string, o *Organisation) {
	s.notifyOrgs(tx, []int64{o.ID}, "organisation."+event, "organisation", o.ID,
		map[string]string{"name": o.Name, "reason": o.StatusReason, "until": o.BlacklistedUntil})
}

// notifyAmendment tells each organisation with a bid on an amended tender
// (whatever the bid's state) that it must look again. Only its own members
// learn of it, and the notice says nothing of any bid.
func (s *Store) notifyAmendment(tx *gorm.DB, event string, t *Tender) {
	if event != "amend" || tx.Error != nil {
		return
	}
	var orgs []int64
	if err := tx.Model(&Bid{}).Where("tender_id = ?", t.ID).Distinct().Pluck("organisation_id", &orgs).Error; err != nil {
		_ = tx.AddError(err)
		return
	}
	s.notifyOrgs(tx, orgs, NotifyTenderAmended, "tender", t.ID, tenderParams(t))
}

// notifyEnquiryAnswer tells the asking organisation's members (the enquiry
// records it, and shows it to no one) that their question is answered.
func (s *Store) notifyEnquiryAnswer(tx *gorm.DB, e *Enquiry, t *Tender) {
	s.notifyOrgs(tx, []int64{e.OrganisationID}, NotifyEnquiryAnswered, "enquiry", e.ID, tenderParams(t))
}

// notifyAward tells each bidder whose bid was opened whether it won:
// the winner's members "won", every other opened bid's (lost or
// disqualified) "lost".
func (s *Store) notifyAward(tx *gorm.DB, t *Tender) {
	if tx.Error != nil {
		return
	}
	var bids []Bid
	if err := tx.Select("id, organisation_id, status").Where("tender_id = ? AND status IN ?", t.ID,
		[]string{BidWon, BidLost, BidDisqualified}).Order("id").Find(&bids).Error; err != nil {
		_ = tx.AddError(err)
		return
	}
	for _, b := range bids {
		kind := NotifyAwardLost
		if b.Status == BidWon {
			kind = NotifyAwardWon
		}
		s.notifyOrgs(tx, []int64{b.OrganisationID}, kind, "tender", t.ID, tenderParams(t))
	}
}

// notifyChallengeAnswer tells the challenging organisation's members.
func (s *Store) notifyChallengeAnswer(tx *gorm.DB, c *Challenge, t *Tender) {
	s.notifyOrgs(tx, []int64{c.OrganisationID}, NotifyChallengeAnswer, "challenge", c.ID, tenderParams(t))
}

// notifyPanel tells each expert who is an active member now and was not
// before that they sit on the tender's panel.
func (s *Store) notifyPanel(tx *gorm.DB, t *Tender, before, after []PanelMember) {
	var appointed []int64
	for _, m := range after {
		if m.Active && !slices.ContainsFunc(before, func(b PanelMember) bool { return b.ExpertID == m.ExpertID && b.Active }) {
			appointed = append(appointed, m.ExpertID)
		}
	}
	s.notify(tx, appointed, NotifyPanelAppointment, "tender", t.ID, tenderParams(t))
}

// NotificationFilter narrows a reader's list: Unread nil lists all.
type NotificationFilter struct {
	Unread *bool
}

// notificationsQuery is the caller's own notifications with f.
func notificationsQuery(db *gorm.DB, a *Actor, f NotificationFilter) (*gorm.DB, error) {
	if !a.SignedIn() {
		return nil, Fail(ErrUnauthenticated, "err.401", "sign in first")
	}
	q := db.Model(&Notification{}).Where("user_id = ?", a.UserID)
	if f.Unread != nil {
		if *f.Unread {
			q = q.Where("read_at IS NULL")
		} else {
			q = q.Where("read_at IS NOT NULL")
		}
	}
	return q, nil
}

// Notifications lists the caller's own notifications, newest first.
func (s *Store) Notifications(ctx context.Context, a *Actor, f NotificationFilter, p Page) (List[Notification], error) {
	p = p.Normalise()
	out := List[Notification]{Items: []Notification{}, Page: p.Page, PerPage: p.PerPage}
	q, err := notificationsQuery(s.DB.WithContext(ctx), a, f)
	if err != nil {
		return out, err
	}
	if err := q.Count(&out.Total).Error; err != nil {
		return out, err
	}
	return out, q.Order("id DESC").Offset(p.offset()).Limit(p.PerPage).Find(&out.Items).Error
}

// UnreadNotifications counts the caller's unread notifications: the bell's
// number, read on every page through the (user_id, read_at) index.
func (s *Store) UnreadNotifications(ctx context.Context, a *Actor) (int64, error) {
	if !a.SignedIn() {
		return 0, nil
	}
	var n int64
	err := s.DB.WithContext(ctx).Model(&Notification{}).Where("user_id = ? AND read_at IS NULL", a.UserID).Count(&n).Error
	return n, err
}

// MarkNotificationRead marks one of the caller's notifications read; any
// other id, another user's included, is not found. Reading is the
// reader's own bookkeeping, not an act on the portal's objects, so it
// writes no audit event.
func (s *Store) MarkNotificationRead(ctx context.Context, a *Actor, id int64) (*Notification, error) {
	if !a.SignedIn() {
		return nil, Fail(ErrUnauthenticated, "err.401", "sign in first")
	}
	var n Notification
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("id = ? AND user_id = ?", id, a.UserID).First(&n).Error; err != nil {
			return notFound(err, "notification")
		}
		if n.ReadAt != nil {
			return nil
		}
		now := s.now()
		n.ReadAt = &now
		return tx.Model(&Notification{}).Where("id = ? AND read_at IS NULL", n.ID).Update("read_at", now).Error
	})
	if err != nil {
		return nil, err
	}
	return &n, nil
}

// MarkAllNotificationsRead marks every unread notification of the caller
// read and returns how many it marked.
func (s *Store) MarkAllNotificationsRead(ctx context.Context, a *Actor) (int64, error) {
	if !a.SignedIn() {
		return 0, Fail(ErrUnauthenticated, "err.401", "sign in first")
	}
	var n int64
	err := s.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&Notification{}).Where("user_id = ? AND read_at IS NULL", a.UserID).Update("read_at", s.now())
		n = res.RowsAffected
		return res.Error
	})
	return n, err
}
