package models

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Enquiry is a question an agency asks about a tender and the staff's
// answer, published to all without the asker's name.
type Enquiry struct {
	ID             int64      `json:"id" gorm:"primaryKey"`
	TenderID       int64      `json:"tender_id"`
	OrganisationID int64      `json:"-"`
	Question       string     `json:"question"`
	Answer         string     `json:"answer"`
	AskedAt        time.Time  `json:"asked_at"`
	AnsweredAt     *time.Time `json:"answered_at"`
	AnsweredBy     *int64     `json:"-"`
}

// Ask files a question before the deadline.
func (s *Store) Ask(ctx context.Context, a *Actor, tenderID int64, question string) (*Enquiry, error) {
	orgID, err := memberOrg(a)
	if err != nil {
		return nil, err
	}
	question = strings.TrimSpace(question)
	var e *Enquiry
	err = s.tx(ctx, func(tx *gorm.DB) error {
		t, err := s.biddingTender(tx, a, tenderID, orgID, "ask")
		if err != nil {
			return err
		}
		if !t.Rule().Enquiries {
			return Fail(ErrConflict, "err.no_enquiries", "this method takes no enquiries")
		}
		if question == "" {
			return Invalid(Field("question", "required", ""))
		}
		if len([]rune(question)) > 2000 {
			return Invalid(Field("question", "max", "2000"))
		}
		e = &Enquiry{TenderID: t.ID, OrganisationID: orgID, Question: question, AskedAt: s.now()}
		if err := tx.Create(e).Error; err != nil {
			return err
		}
		// The asker stays anonymous in the audit log too.
		return s.auditAnonymous(tx, "enquiry.ask", "enquiry", e.ID, t.RegionCode, map[string]any{"question": question})
	})
	return e, err
}

// AnswerEnquiry publishes the staff's answer.
func (s *Store) AnswerEnquiry(ctx context.Context, a *Actor, id int64, answer string) (*Enquiry, error) {
	answer = strings.TrimSpace(answer)
	var e Enquiry
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.First(&e, id).Error; err != nil {
			return notFound(err, "enquiry")
		}
		t, err := s.managedTender(tx, a, e.TenderID)
		if err != nil {
			return Fail(ErrNotFound, "err.not_found", "enquiry not found")
		}
		if _, err := tenderLifecycle.Next("answer", t.Status); err != nil {
			return err
		}
		if e.AnsweredAt != nil {
			return Fail(ErrConflict, "err.answered", "the enquiry has been answered")
		}
		if answer == "" {
			return Invalid(Field("answer", "required", ""))
		}
		now := s.now()
		e.Answer, e.AnsweredAt, e.AnsweredBy = answer, &now, &a.UserID
		if err := tx.Model(&e).Select("answer", "answered_at", "answered_by").Updates(&e).Error; err != nil {
			return err
		}
		s.notifyEnquiryAnswer(tx, &e, t)
		return s.audit(tx, a, "enquiry.answer", "enquiry", e.ID, t.RegionCode, nil, map[string]any{"answer": answer})
	})
	return &e, err
}

// Enquiries lists a tender's questions and answers, never the asker.
func (s *Store) Enquiries(ctx context.Context, a *Actor, tenderID int64) ([]Enquiry, error) {
	db := s.DB.WithContext(ctx)
	t, err := s.visibleTender(db, a, tenderID, false)
	if err != nil {
		return nil, err
	}
	return enquiriesOf(db, t)
}

// enquiriesOf lists the enquiries of a tender already read.
func enquiriesOf(db *gorm.DB, t *Tender) ([]Enquiry, error) {
	out := []Enquiry{}
	return out, db.Where("tender_id = ?", t.ID).Order("id").Find(&out).Error
}
