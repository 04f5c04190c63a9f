package models

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Bidders' challenges (质疑) of an award; the window and the answer's due
// date are counted in calendar.go.

// Challenge is a bidder's formal challenge (质疑) of an award.
type Challenge struct {
	ID             int64      `json:"id" gorm:"primaryKey"`
	TenderID       int64      `json:"tender_id"`
	OrganisationID int64      `json:"organisation_id"`
	Reason         string     `json:"reason"`
	FiledAt        time.Time  `json:"filed_at"`
	Answer         string     `json:"answer"`
	AnsweredAt     *time.Time `json:"answered_at"`
	AnsweredBy     *int64     `json:"-"`
	AnswerDue      time.Time  `json:"answer_due" gorm:"-"` // 7 working days after filing
	Overdue        bool       `json:"overdue" gorm:"-"`    // unanswered past AnswerDue
}

// FileChallenge lets a bidding organisation challenge the award inside the
// window.
func (s *Store) FileChallenge(ctx context.Context, a *Actor, tenderID int64, reason string) (*Challenge, error) {
	orgID, err := memberOrg(a)
	if err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	var c *Challenge
	err = s.tx(ctx, func(tx *gorm.DB) error {
		t, err := s.visibleTender(tx, a, tenderID, true)
		if err != nil {
			return err
		}
		var n int64
		if err := tx.Model(&Bid{}).Where("tender_id = ? AND organisation_id = ? AND status IN ?", t.ID, orgID,
			[]string{BidSubmitted, BidDisqualified, BidWon, BidLost}).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return Fail(ErrForbidden, "err.not_bidder", "only bidders may challenge")
		}
		if _, err := tenderLifecycle.Next("challenge", t.Status); err != nil {
			return err
		}
		ends, err := s.challengeEnds(tx, t)
		if err != nil {
			return err
		}
		if !s.now().Before(ends) {
			return Fail(ErrConflict, "err.window_closed", "the challenge window has closed")
		}
		if reason == "" {
			return Invalid(Field("reason", "required", ""))
		}
		c = &Challenge{TenderID: t.ID, OrganisationID: orgID, Reason: reason, FiledAt: s.now()}
		if err := tx.Create(c).Error; err != nil {
			return err
		}
		if err := s.answerDue(tx, c); err != nil {
			return err
		}
		return s.audit(tx, a, "challenge.file", "challenge", c.ID, t.RegionCode, nil, c)
	})
	return c, err
}

// AnswerChallenge records the staff's answer.
func (s *Store) AnswerChallenge(ctx context.Context, a *Actor, id int64, answer string) (*Challenge, error) {
	answer = strings.TrimSpace(answer)
	var c Challenge
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.First(&c, id).Error; err != nil {
			return notFound(err, "challenge")
		}
		t, err := s.managedTender(tx, a, c.TenderID)
		if err != nil {
			return Fail(ErrNotFound, "err.not_found", "challenge not found")
		}
		if c.AnsweredAt != nil {
			return Fail(ErrConflict, "err.answered", "the challenge has been answered")
		}
		if answer == "" {
			return Invalid(Field("answer", "required", ""))
		}
		now := s.now()
		c.Answer, c.AnsweredAt, c.AnsweredBy = answer, &now, &a.UserID
		if err := tx.Model(&c).Select("answer", "answered_at", "answered_by").Updates(&c).Error; err != nil {
			return err
		}
		if err := s.answerDue(tx, &c); err != nil {
			return err
		}
		s.notifyChallengeAnswer(tx, &c, t)
		return s.audit(tx, a, "challenge.answer", "challenge", c.ID, t.RegionCode, nil, map[string]any{"answer": answer})
	})
	return &c, err
}

// Challenges lists a tender's challenges: all for its staff, its own for a
// bidding organisation.
func (s *Store) Challenges(ctx context.Context, a *Actor, tenderID int64) ([]Challenge, error) {
	db := s.DB.WithContext(ctx)
	t, err := s.visibleTender(db, a, tenderID, false)
	if err != nil {
		return nil, err
	}
	q := db.Where("tender_id = ?", t.ID)
	if !t.canManage(a) {
		if a.OrganisationID == nil {
			return nil, a.require("tender:manage", t.RegionCode)
		}
		q = q.Where("organisation_id = ?", *a.OrganisationID)
	}
	out := []Challenge{}
	if err := q.Order("id").Find(&out).Error; err != nil {
		return nil, err
	}
	for i := range out {
		if err := s.answerDue(db, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}
