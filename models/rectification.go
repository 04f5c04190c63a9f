package models

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Rectification orders (整改): an assigned supervisor opens one (or a
// failing evaluation does, by itself) with an issue and a due date; the
// contracted organisation responds, with files; the supervisor verifies:
// passed closes it, not passed opens it again. One not closed after its
// due date is overdue (derived when read).

// Rectification statuses.
const (
	RectOpen      = "open"
	RectResponded = "responded"
	RectClosed    = "closed"
)

// rectificationLifecycle is the rectification lifecycle.
var rectificationLifecycle = &Lifecycle{Object: "rectification", Events: map[string]map[string]string{
	"respond": {RectOpen: RectResponded},
	"pass":    {RectResponded: RectClosed},
	"reject":  {RectResponded: RectOpen},
	"attach":  {RectOpen: RectOpen, RectResponded: RectResponded},
}}

// RectificationAllows reports whether event may happen in status (pages).
func RectificationAllows(event, status string) bool {
	return rectificationLifecycle.Allows(event, status)
}

// Rectification is one rectification order of a contract.
type Rectification struct {
	ID            int64             `json:"id" gorm:"primaryKey"`
	ContractID    int64             `json:"contract_id"`
	EvaluationID  *int64            `json:"evaluation_id"`
	VisitID       *int64            `json:"visit_id"`
	Issue         string            `json:"issue"`
	DueOn         string            `json:"due_on"`
	Status        string            `json:"status"`
	Overdue       bool              `json:"overdue" gorm:"-"`
	Response      string            `json:"response"`
	RespondedAt   *time.Time        `json:"responded_at"`
	RespondedBy   *int64            `json:"-"`
	VerifyComment string            `json:"verify_comment"`
	VerifiedAt    *time.Time        `json:"verified_at"`
	VerifiedBy    *int64            `json:"-"`
	OpenedBy      *int64            `json:"-"`
	CreatedAt     time.Time         `json:"created_at"`
	UpdatedAt     time.Time         `json:"updated_at"`
	Files         []SupervisionFile `json:"attachments" gorm:"-"`
}

// RectificationInput opens a rectification.
type RectificationInput struct {
	Issue   string `json:"issue" form:"issue" validate:"max=4000"`
	DueOn   string `json:"due_on" form:"due_on"`
	VisitID *int64 `json:"visit_id" form:"-"`
}

// RespondInput is the organisation's response.
type RespondInput struct {
	Response string `json:"response" form:"response" validate:"max=4000"`
}

// VerifyInput is the supervisor's verification.
type VerifyInput struct {
	Passed  *bool  `json:"passed" form:"-"`
	Comment string `json:"comment" form:"comment" validate:"max=2000"`
}

// maxRectificationDays bounds a due date: at most two years ahead.
const maxRectificationDays = 2 * 366

// rectificationDue is the due date of a rectification a failing evaluation
// opens by itself.
func (s *Store) rectificationDue() string {
	days := s.Settings.RectificationDays
	if days <= 0 {
		days = 30
	}
	return chinaToday(s.now().AddDate(0, 0, days))
}

// overdue marks a rectification not closed whose due date has passed.
func (s *Store) overdue(r *Rectification) {
	r.Overdue = r.Status != RectClosed && r.DueOn < chinaToday(s.now())
}

// checkRectification validates a new rectification.
func (s *Store) checkRectification(in RectificationInput) (RectificationInput, error) {
	var fe []FieldError
	issue, f := CheckTextValue("issue", strings.TrimSpace(in.Issue))
	if f != nil {
		fe = append(fe, *f)
	} else if issue == "" {
		fe = append(fe, Field("issue", "required", ""))
	}
	in.Issue = issue
	today := chinaToday(s.now())
	latest := chinaToday(s.now().AddDate(0, 0, maxRectificationDays))
	if _, ok := parseDate(in.DueOn); !ok {
		fe = append(fe, Field("due_on", "date", ""))
	} else if in.DueOn < today || in.DueOn > latest {
		fe = append(fe, Field("due_on", "date_range", today+" – "+latest))
	}
	if len(fe) > 0 {
		return in, Invalid(fe...)
	}
	return in, nil
}

// OpenRectification opens a rectification of the contract (an assigned
// supervisor), optionally from a visit's finding.
func (s *Store) OpenRectification(ctx context.Context, a *Actor, contractID int64, in RectificationInput) (*Rectification, error) {
	if _, err := s.supervisedContract(s.DB.WithContext(ctx), a, contractID, false); err != nil {
		return nil, err
	}
	in, err := s.checkRectification(in)
	if err != nil {
		return nil, err
	}
	var r *Rectification
	err = s.tx(ctx, func(tx *gorm.DB) error {
		c, err := s.supervisedContract(tx, a, contractID, true)
		if err != nil {
			return err
		}
		if c.Status == ContractAccepted || c.Status == ContractTerminated {
			return Fail(ErrConflict, "err.contract_closed", "the contract is "+c.Status)
		}
		if in.VisitID != nil {
			var n int64
			if err := tx.Model(&Visit{}).Where("id = ? AND contract_id = ?", *in.VisitID, c.ID).Count(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				return Invalid(Field("visit_id", "sv_visit", ""))
			}
		}
		r, err = s.openRectification(tx, a, c, in, nil, in.VisitID)
		return err
	})
	return r, err
}

// openRectification stores an open rectification, notifies the
// organisation and audits it.
func (s *Store) openRectification(tx *gorm.DB, a *Actor, c *Contract, in RectificationInput, evaluationID, visitID *int64) (*Rectification, error) {
	now := s.now()
	r := &Rectification{ContractID: c.ID, EvaluationID: evaluationID, VisitID: visitID, Issue: in.Issue, DueOn: in.DueOn, Status: RectOpen,
		CreatedAt: now, UpdatedAt: now}
	if a != nil && a.SignedIn() {
		r.OpenedBy = &a.UserID
	}
	if err := tx.Create(r).Error; err != nil {
		return nil, err
	}
	r.Files = []SupervisionFile{}
	s.notifyOrgs(tx, []int64{c.OrganisationID}, NotifyRectificationOpened, "rectification", r.ID,
		map[string]string{"number": c.Number, "due_on": r.DueOn, "contract_id": fmt.Sprint(c.ID)})
	return r, s.audit(tx, a, "rectification.open", "rectification", r.ID, c.RegionCode, nil, r)
}

// loadRectification loads a rectification and its contract as the caller
// may see it (404 otherwise); with lock the contract is locked.
func (s *Store) loadRectification(db *gorm.DB, a *Actor, id int64, lock bool) (*Rectification, *Contract, error) {
	var r Rectification
	if err := db.First(&r, id).Error; err != nil {
		return nil, nil, notFound(err, "rectification")
	}
	c, err := s.visibleContract(db, a, r.ContractID, lock)
	if err != nil {
		return nil, nil, Fail(ErrNotFound, "err.not_found", "rectification not found")
	}
	if lock {
		if err := db.First(&r, id).Error; err != nil {
			return nil, nil, notFound(err, "rectification")
		}
	}
	s.overdue(&r)
	return &r, c, nil
}

// responder checks that the caller is a member of the contracted
// organisation (403 for others who see it).
func responder(a *Actor, c *Contract) error {
	if !c.ownedBy(a) || !a.CanAnywhere("rectification:respond") {
		return Fail(ErrForbidden, "err.not_member", "only the contracted organisation responds to a rectification")
	}
	return nil
}

// RespondRectification records the organisation's response to an open
// rectification (a member of the contracted organisation).
func (s *Store) RespondRectification(ctx context.Context, a *Actor, id int64, in RespondInput) (*Rectification, error) {
	resp, f := CheckTextValue("response", strings.TrimSpace(in.Response))
	if f != nil {
		return nil, Invalid(*f)
	}
	if resp == "" {
		return nil, Invalid(Field("response", "required", ""))
	}
	return s.changeRectification(ctx, a, id, func(tx *gorm.DB, r *Rectification, c *Contract) (string, map[string]any, error) {
		if err := responder(a, c); err != nil {
			return "", nil, err
		}
		return "respond", map[string]any{"response": resp, "responded_at": s.now(), "responded_by": a.UserID}, nil
	})
}

// VerifyRectification records an assigned supervisor's verification of a
// responded rectification: passed closes it, not passed opens it again.
func (s *Store) VerifyRectification(ctx context.Context, a *Actor, id int64, in VerifyInput) (*Rectification, error) {
	var fe []FieldError
	if in.Passed == nil {
		fe = append(fe, Field("passed", "required", ""))
	}
	comment, f := CheckTextValue("comment", strings.TrimSpace(in.Comment))
	if f != nil {
		fe = append(fe, *f)
	}
	if len(fe) > 0 {
		return nil, Invalid(fe...)
	}
	return s.changeRectification(ctx, a, id, func(tx *gorm.DB, r *Rectification, c *Contract) (string, map[string]any, error) {
		if _, err := s.supervisedContract(tx, a, c.ID, false); err != nil {
			return "", nil, err
		}
		event := "reject"
		if *in.Passed {
			event = "pass"
		}
		return event, map[string]any{"verify_comment": comment, "verified_at": s.now(), "verified_by": a.UserID}, nil
	})
}

// changeRectification applies the event step chooses to the rectification
// in one transaction, with its audit and notification.
func (s *Store) changeRectification(ctx context.Context, a *Actor, id int64,
	step func(tx *gorm.DB, r *Rectification, c *Contract) (string, map[string]any, error)) (*Rectification, error) {
	var out *Rectification
	err := s.tx(ctx, func(tx *gorm.DB) error {
		r, c, err := s.loadRectification(tx, a, id, true)
		if err != nil {
			return err
		}
		event, extra, err := step(tx, r, c)
		if err != nil {
			return err
		}
		to, err := rectificationLifecycle.Next(event, r.Status)
		if err != nil {
			return err
		}
		before := r.Status
		extra["status"], extra["updated_at"] = to, s.now()
		res := tx.Model(&Rectification{}).Where("id = ? AND status = ?", r.ID, before).Updates(extra)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return Fail(ErrConflict, "err.transition", "the rectification changed meanwhile")
		}
		if event == "respond" {
			sups, err := s.contractSupervisors(tx, c.ID)
			if err != nil {
				return err
			}
			ids := make([]int64, len(sups))
			for i, sp := range sups {
				ids[i] = sp.SupervisorID
			}
			s.notify(tx, ids, NotifyRectificationResponded, "rectification", r.ID, map[string]string{"number": c.Number, "contract_id": fmt.Sprint(c.ID)})
		}
		if err := s.audit(tx, a, "rectification."+event, "rectification", r.ID, c.RegionCode, map[string]any{"status": before}, extra); err != nil {
			return err
		}
		out, _, err = s.loadRectification(tx, a, id, false)
		if err == nil {
			out.Files, err = s.supervisionFiles(tx, fileOfRectification, out.ID)
		}
		return err
	})
	return out, err
}

// ContractRectifications lists a contract's rectifications, newest first,
// to whoever may see the contract.
func (s *Store) ContractRectifications(ctx context.Context, a *Actor, contractID int64) ([]Rectification, error) {
	db := s.DB.WithContext(ctx)
	c, err := s.visibleContract(db, a, contractID, false)
	if err != nil {
		return nil, err
	}
	return s.contractRectifications(db, c.ID)
}

func (s *Store) contractRectifications(db *gorm.DB, contractID int64) ([]Rectification, error) {
	out := []Rectification{}
	if err := db.Where("contract_id = ?", contractID).Order("id DESC").Find(&out).Error; err != nil {
		return nil, err
	}
	for i := range out {
		s.overdue(&out[i])
		var err error
		if out[i].Files, err = s.supervisionFiles(db, fileOfRectification, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// AcceptContract accepts a contract under acceptance (验收; an assigned
// supervisor or procurement of its region): its final phase is complete
// and passing and every rectification is closed. Its acceptance tranches
// become due.
func (s *Store) AcceptContract(ctx context.Context, a *Actor, id int64) (*Contract, error) {
	err := s.tx(ctx, func(tx *gorm.DB) error {
		c, err := s.visibleContract(tx, a, id, true)
		if err != nil {
			return err
		}
		if !a.Can("contract:accept", c.RegionCode) {
			if _, err := s.supervisedContract(tx, a, id, false); err != nil {
				return err
			}
		}
		if err := s.acceptBlock(tx, c); err != nil {
			return err
		}
		if err := s.setContractStatus(tx, a, c, "accept", nil); err != nil {
			return err
		}
		return s.contractAccepted(tx, c.ID)
	})
	if err != nil {
		return nil, err
	}
	return s.Contract(ctx, a, id)
}

// acceptBlock says why the contract cannot be accepted now (409 naming
// it), nil when it can.
func (s *Store) acceptBlock(db *gorm.DB, c *Contract) error {
	if c.Status != ContractUnderAcceptance {
		return Fail(ErrConflict, "err.transition", "the contract is "+c.Status+", not under acceptance")
	}
	var evs []Evaluation
	if err := db.Where("contract_id = ? AND phase = ?", c.ID, PhaseFinal).Find(&evs).Error; err != nil {
		return err
	}
	phases, err := phaseResults(db, c.ID, evs)
	if err != nil {
		return err
	}
	if r := phaseResult(phases, PhaseFinal); !r.Complete {
		return Fail(ErrConflict, "err.final_incomplete", fmt.Sprintf("the final evaluation is not complete: %d of %d supervisors have recorded it", r.Evaluations, r.Supervisors))
	} else if !r.Passed() {
		return Fail(ErrConflict, "err.final_failed", "the final evaluation's result is "+r.Mean.String()+" (fail)")
	}
	var open []Rectification
	if err := db.Where("contract_id = ? AND status <> ?", c.ID, RectClosed).Order("id").Find(&open).Error; err != nil {
		return err
	}
	if len(open) > 0 {
		ids := make([]string, len(open))
		for i, r := range open {
			ids[i] = fmt.Sprintf("#%d (%s, due %s)", r.ID, r.Status, r.DueOn)
		}
		return Fail(ErrConflict, "err.rectifications_open", "rectifications not closed: "+strings.Join(ids, ", "))
	}
	return nil
}
