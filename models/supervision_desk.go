package models

import (
	"time"

	"gorm.io/gorm"
)

// Supervision on the desks: a supervisor's contracts with the evaluation
// due next (midterm at the middle of the service period, final at its end),
// the rectifications awaiting their verification and those overdue; an
// organisation's rectifications to answer.

// Supervision desk task keys.
const (
	DeskSupervised        = "supervised"               // supervisor: assigned contracts and what is due
	DeskRectToVerify      = "rectifications_to_verify" // supervisor: responded rectifications
	DeskRectOverdue       = "rectifications_overdue"   // supervisor: overdue rectifications of its contracts
	DeskRectToAnswer      = "rectifications_to_answer" // agency: open rectifications
	deskDueMidterm        = "midterm_due"
	deskDueFinal          = "final_due"
	deskDueNothing        = "nothing_due"
	deskRectFields        = "rectifications.id, rectifications.contract_id, rectifications.issue, rectifications.due_on, rectifications.status"
	deskRectContractQuery = "JOIN contracts ON contracts.id = rectifications.contract_id"
)

// evaluationDue is the date the next evaluation of phase is due: the
// middle of the service period for the midterm, its end for the final.
func evaluationDue(c *Contract, phase string) (time.Time, bool) {
	start, ok1 := parseDate(c.ServiceStart)
	end, ok2 := parseDate(c.ServiceEnd)
	if !ok1 || !ok2 {
		return time.Time{}, false
	}
	if phase == PhaseFinal {
		return end, true
	}
	return start.Add(end.Sub(start) / 2).Truncate(24 * time.Hour), true
}

// supervisorDesk is a supervisor's work.
func (s *Store) supervisorDesk(db *gorm.DB, a *Actor, now time.Time) ([]DeskTask, error) {
	var cs []Contract
	if err := db.Where("id IN (?)", db.Model(&ContractSupervisor{}).Select("contract_id").Where("supervisor_id = ?", a.UserID)).
		Order("service_end, id").Find(&cs).Error; err != nil {
		return nil, err
	}
	var recorded []Evaluation
	if err := db.Select("contract_id, phase").Where("supervisor_id = ?", a.UserID).Find(&recorded).Error; err != nil {
		return nil, err
	}
	done := map[int64]map[string]bool{}
	for _, e := range recorded {
		if done[e.ContractID] == nil {
			done[e.ContractID] = map[string]bool{}
		}
		done[e.ContractID][e.Phase] = true
	}
	orgIDs := make([]int64, len(cs))
	for i, c := range cs {
		orgIDs[i] = c.OrganisationID
	}
	names, err := s.orgNames(db, orgIDs)
	if err != nil {
		return nil, err
	}
	var items []DeskItem
	for i := range cs {
		c := &cs[i]
		s.deriveContract(c)
		if c.Status == ContractAccepted || c.Status == ContractTerminated {
			continue
		}
		it := DeskItem{ID: c.ID, ContractID: c.ID, Code: c.Number, Title: names[c.OrganisationID], Region: c.RegionCode, Status: c.Status,
			Reason: deskDueNothing}
		for _, ph := range EvaluationPhases {
			if done[c.ID][ph] {
				continue
			}
			if due, ok := evaluationDue(c, ph); ok {
				it.Reason, it.Due, it.Overdue = map[string]string{PhaseMidterm: deskDueMidterm, PhaseFinal: deskDueFinal}[ph], &due, now.After(due)
				it.DaysLeft = ptr(daysLeft(now, due))
			}
			break
		}
		items = append(items, it)
	}
	tasks := []DeskTask{task(DeskSupervised, items)}
	assigned := db.Model(&ContractSupervisor{}).Select("contract_id").Where("supervisor_id = ?", a.UserID)
	verify, err := s.deskRectifications(db, now, db.Where("rectifications.contract_id IN (?) AND rectifications.status = ?", assigned, RectResponded))
	if err != nil {
		return nil, err
	}
	overdue, err := s.deskRectifications(db, now, db.Where("rectifications.contract_id IN (?) AND rectifications.status = ? AND rectifications.due_on < ?",
		assigned, RectOpen, chinaToday(now)))
	if err != nil {
		return nil, err
	}
	return append(tasks, task(DeskRectToVerify, verify), task(DeskRectOverdue, overdue)), nil
}

// rectificationsToAnswer is the agency desk's task of its open
// rectifications, the earliest due first.
func (s *Store) rectificationsToAnswer(db *gorm.DB, a *Actor, now time.Time) (DeskTask, error) {
	items, err := s.deskRectifications(db, now, db.Where("contracts.organisation_id = ? AND rectifications.status = ?", *a.OrganisationID, RectOpen))
	return task(DeskRectToAnswer, items), err
}

// deskRectifications lists the rectifications cond selects as desk items,
// the earliest due first.
func (s *Store) deskRectifications(db *gorm.DB, now time.Time, cond *gorm.DB) ([]DeskItem, error) {
	type row struct {
		Rectification
		Number, RegionCode string
	}
	var rows []row
	if err := db.Table("rectifications").Select(deskRectFields + ", contracts.number, contracts.region_code").Joins(deskRectContractQuery).
		Where(cond).Order("rectifications.due_on, rectifications.id").Scan(&rows).Error; err != nil {
		return nil, err
	}
	var items []DeskItem
	for _, r := range rows {
		due, _ := parseDate(r.DueOn)
		due = due.Add(24 * time.Hour) // due by the end of the day
		items = append(items, DeskItem{ID: r.ID, ContractID: r.ContractID, Code: r.Number, Title: r.Issue, Region: r.RegionCode, Status: r.Status,
			Due: &due, Overdue: r.Status != RectClosed && now.After(due), DaysLeft: ptr(daysLeft(now, due))})
	}
	return items, nil
}
