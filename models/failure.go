package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Failure reasons of a tender that ended without a contract, stored as
// codes with parameters and rendered in the reader's language.
const (
	FailTooFewBids   = "too_few_bids"  // at the deadline: submitted, required
	FailTooFewValid  = "too_few_valid" // after review: valid, required
	FailNoAcceptable = "no_acceptable" // no bid acceptable
	FailCancelled    = "cancelled"     // by staff: reason
)

// FailureNotice is the public notice of a tender that ended unsuccessful or
// was cancelled (采购失败/废标公告).
type FailureNotice struct {
	TenderID int64             `json:"tender_id"`
	Code     string            `json:"code"`
	Title    string            `json:"title"`
	Status   string            `json:"status"`
	Reason   string            `json:"reason"`
	Params   map[string]string `json:"params"`
	EndedAt  time.Time         `json:"ended_at"`
	Message  string            `json:"message"` // the reason in words, filled by the renderer
}

// Failure returns the tender's failure notice, or nil while it has not
// ended so.
func (t *Tender) Failure() *FailureNotice {
	if t.FailureReason == "" || !t.Public() {
		return nil
	}
	n := &FailureNotice{TenderID: t.ID, Code: t.Code, Title: t.Title, Status: t.Status, Reason: t.FailureReason,
		Params: t.FailureParams, EndedAt: t.UpdatedAt}
	if n.Params == nil {
		n.Params = map[string]string{}
	}
	if t.EndedAt != nil {
		n.EndedAt = *t.EndedAt
	}
	return n
}

// TenderFailure returns a published tender's failure notice: 409 while the
// tender has not ended unsuccessful or cancelled.
func (s *Store) TenderFailure(ctx context.Context, a *Actor, id int64) (*FailureNotice, error) {
	t, err := s.Tender(ctx, a, id)
	if err != nil {
		return nil, err
	}
	n := t.Failure()
	if n == nil {
		return nil, Fail(ErrConflict, "err.not_failed", "the tender has not ended unsuccessful or cancelled")
	}
	return n, nil
}

// deriveFailure fills the reason of a status the clock or a cancellation
// gave the tender.
func (t *Tender) deriveFailure(submitted int64) {
	switch {
	case t.Status == TenderCancelled:
		t.FailureReason, t.FailureParams = FailCancelled, map[string]string{"reason": t.CancelReason}
	case t.Status == TenderUnsuccessful && t.FailureReason == "":
		// Ended by the clock: too few bids at the deadline.
		t.FailureReason = FailTooFewBids
		t.FailureParams = map[string]string{"submitted": fmt.Sprint(submitted), "required": fmt.Sprint(t.Rule().MinValidBids)}
		at := t.BidDeadline
		t.EndedAt = &at
	}
}

// failTender ends an opened or evaluating tender unsuccessful with a reason.
func (s *Store) failTender(tx *gorm.DB, a *Actor, t *Tender, reason string, params map[string]string) error {
	raw, err := json.Marshal(params)
	if err != nil {
		return err
	}
	now := s.now()
	if err := s.setStatus(tx, a, t, "fail", map[string]any{"failure_reason": reason, "failure_params": string(raw), "ended_at": now}); err != nil {
		return err
	}
	t.FailureReason, t.FailureParams, t.EndedAt = reason, params, &now
	return nil
}

// ConfirmEnd is the 409 of a step that would end the tender unsuccessful
// when the caller has not confirmed it: it says how many valid bids would
// be left of how many the method needs to go on.
// Reason and Params are the failure notice the step would publish.
type ConfirmEnd struct {
	Err             *Error
	Valid, Required int
	Reason          string
	Params          map[string]string
}

func (e *ConfirmEnd) Error() string { return e.Err.Error() }

// Unwrap lets errors.Is(err, ErrConflict) and AsError see the portal error.
func (e *ConfirmEnd) Unwrap() error { return e.Err }

// AsConfirmEnd returns the confirmation a refused step asks for, if any.
func AsConfirmEnd(err error) (*ConfirmEnd, bool) {
	var ce *ConfirmEnd
	ok := errors.As(err, &ce)
	return ce, ok
}

func confirmEnd(valid, required int) error {
	return &ConfirmEnd{Err: Fail(ErrConflict, "err.confirm_end", fmt.Sprintf("this leaves %d valid bids, fewer than the %d the method needs "+
		"to go on evaluating, so the tender would end unsuccessful: repeat the request with \"confirm_end\": true to end it", valid, required)),
		Valid: valid, Required: required, Reason: FailTooFewValid, Params: map[string]string{"valid": fmt.Sprint(valid), "required": fmt.Sprint(required)}}
}

// confirmFailure is the 409 of a step that would end the tender with the
// failure notice reason/params when the caller has not confirmed it.
func confirmFailure(key, reason string, params map[string]string, detail string) error {
	return &ConfirmEnd{Err: Fail(ErrConflict, key, detail+": repeat the request with \"confirm_end\": true to end it"), Reason: reason, Params: params}
}

// endIfTooFewValid ends the tender when fewer valid bids are left than the
// method needs to go on, only once the caller has confirmed it.
func (s *Store) endIfTooFewValid(tx *gorm.DB, a *Actor, t *Tender, confirmed bool) error {
	var valid int64
	if err := tx.Model(&Bid{}).Where("tender_id = ? AND status = ?", t.ID, BidSubmitted).Count(&valid).Error; err != nil {
		return err
	}
	need := t.Rule().GoOnBids
	if valid >= int64(need) {
		return nil
	}
	if !confirmed {
		return confirmEnd(int(valid), need)
	}
	return s.failTender(tx, a, t, FailTooFewValid, map[string]string{"valid": fmt.Sprint(valid), "required": fmt.Sprint(need)})
}

// FailTender ends an evaluated tender unsuccessful when no bid can be
// awarded (staff, once the panel has evaluated every valid bid): on a
// lowest-price tender when the panel's majority found no bid compliant
// (no_acceptable) or fewer than the method needs to go on (too_few_valid);
// on a comprehensive-scoring tender when staff judge no scored bid
// acceptable (no_acceptable). The staff's reason goes on the failure
// notice. Only with confirmed; otherwise 409 (ConfirmEnd) and nothing
// changes.
func (s *Store) FailTender(ctx context.Context, a *Actor, id int64, reason string, confirmed bool) (*Tender, error) {
	reason = strings.TrimSpace(reason)
	var t *Tender
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var err error
		if t, err = s.managedTender(tx, a, id); err != nil {
			return err
		}
		if awaitsPanel(t) {
			return Fail(ErrConflict, "err.panel_first", "appoint the panel and let it evaluate first")
		}
		if _, err := tenderLifecycle.Next("fail", t.Status); err != nil {
			return err
		}
		code, params, err := s.unawardable(tx, t)
		if err != nil {
			return err
		}
		if reason == "" {
			return Invalid(Field("reason", "required", ""))
		}
		params["reason"] = reason
		if !confirmed {
			return confirmFailure("err.confirm_end", code, params, "this ends the tender unsuccessful ("+code+") and publishes its failure notice")
		}
		return s.failTender(tx, a, t, code, params)
	})
	return t, err
}

// unawardable returns the failure reason of an evaluated tender that no
// bid can win, or 409 while the panel has not finished or a bid can win.
func (s *Store) unawardable(tx *gorm.DB, t *Tender) (string, map[string]string, error) {
	var active int64
	if err := tx.Model(&PanelMember{}).Where("tender_id = ? AND active = ?", t.ID, true).Count(&active).Error; err != nil {
		return "", nil, err
	}
	if !panelSizeOK(t, int(active)) {
		return "", nil, Fail(ErrConflict, "err.panel_incomplete", fmt.Sprintf(
			"the panel has %d active members; the method needs an odd number, at least %d: appoint a replacement and let it evaluate first",
			active, panelSize(t)))
	}
	if t.Evaluation == EvalComprehensive {
		// The panel scores; whether any scored bid is acceptable is the
		// staff's judgement, given as the reason.
		done, _, err := s.scoringComplete(tx, t)
		if err != nil {
			return "", nil, err
		}
		if !done {
			return "", nil, Fail(ErrConflict, "err.scores_missing", "every panel member must score every valid bid first")
		}
		return FailNoAcceptable, map[string]string{}, nil
	}
	done, _, results, err := s.complianceComplete(tx, t)
	if err != nil {
		return "", nil, err
	}
	if !done {
		return "", nil, Fail(ErrConflict, "err.reviews_missing", "every panel member must review every valid bid's compliance first")
	}
	compliant := 0
	for _, r := range results {
		if r.Compliant {
			compliant++
		}
	}
	need := t.Rule().GoOnBids
	switch {
	case compliant == 0:
		return FailNoAcceptable, map[string]string{}, nil
	case compliant < need:
		return FailTooFewValid, map[string]string{"valid": fmt.Sprint(compliant), "required": fmt.Sprint(need)}, nil
	}
	return "", nil, Fail(ErrConflict, "err.award_instead", fmt.Sprintf("the panel found %d bids compliant, enough to award: award the tender", compliant))
}
