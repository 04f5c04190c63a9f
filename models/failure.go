package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
type ConfirmEnd struct {
	Err             *Error
	Valid, Required int
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
		Valid: valid, Required: required}
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
