package models

import (
	"context"
	"errors"
)

// SupervisionView is the contract page's supervision section.
type SupervisionView struct {
	Supervisors    []ContractSupervisor
	CanAssign      bool   // procurement of the region
	Candidates     []User // who may be assigned (for the assign form)
	Supervisor     bool   // the caller is assigned
	Member         bool   // the caller is of the contracted organisation
	CanEvaluate    bool   // the caller is assigned and the contract in service
	Recorded       map[string]bool
	Indicators     []EvalIndicator // the evaluation form's rows
	Evaluations    []Evaluation
	Phases         []PhaseResult
	Visits         []Visit
	Rectifications []Rectification
	CanAccept      bool
	AcceptBlock    error // why acceptance is refused now (nil: it is not)
	Today          string
}

// contractSupervisionView reads the section for ContractPage's read.
func (s *Store) contractSupervisionView(ctx context.Context, a *Actor, c *Contract) (*SupervisionView, error) {
	db := s.DB.WithContext(ctx)
	v := &SupervisionView{Supervisors: c.Supervisors, Member: c.ownedBy(a), Supervisor: a.Can("supervision:write", c.RegionCode) && s.supervises(db, a, c.ID),
		Recorded: map[string]bool{}, Today: chinaToday(s.now())}
	open := c.Status != ContractAccepted && c.Status != ContractTerminated
	v.CanAssign = open && a.Can("supervision:assign", c.RegionCode)
	var err error
	if v.CanAssign {
		if v.Candidates, err = s.supervisorCandidates(db, c); err != nil {
			return nil, err
		}
	}
	ev, err := s.contractEvaluations(db, c)
	if err != nil {
		return nil, err
	}
	v.Evaluations, v.Phases = ev.Items, ev.Phases
	for _, e := range ev.Items {
		if e.SupervisorID == a.UserID {
			v.Recorded[e.Phase] = true
		}
	}
	v.CanEvaluate = v.Supervisor && evaluable(c) == nil && !(v.Recorded[PhaseMidterm] && v.Recorded[PhaseFinal])
	if v.CanEvaluate {
		if v.Indicators, err = s.contractIndicators(db, c); err != nil {
			return nil, err
		}
	}
	if v.Visits, err = s.contractVisits(db, c.ID); err != nil {
		return nil, err
	}
	if v.Rectifications, err = s.contractRectifications(db, c.ID); err != nil {
		return nil, err
	}
	if v.Supervisor || a.Can("contract:accept", c.RegionCode) {
		if c.Status == ContractUnderAcceptance {
			v.AcceptBlock = s.acceptBlock(db, c)
			if v.AcceptBlock != nil && !errors.Is(v.AcceptBlock, ErrConflict) {
				return nil, v.AcceptBlock
			}
			v.CanAccept = v.AcceptBlock == nil
		}
	}
	return v, nil
}
