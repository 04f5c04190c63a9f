package models

import (
	"time"

	"gorm.io/gorm"
)

// The desk's payment tasks (issue 9): for procurement staff, payments due
// awaiting approval and approved ones awaiting payment; for an agency, its
// contracts with their status and what has been paid and is due.

// Desk task keys of payments.
const (
	DeskPaymentsDue   = "payments_due"    // procurement: due payments to approve
	DeskPaymentsToPay = "payments_to_pay" // procurement: approved payments to record as paid
	DeskContracts     = "contracts"       // agency: its contracts
)

// paymentDeskRow is a payment with its contract, for the staff's tasks.
type paymentDeskRow struct {
	ID             int64
	ContractID     int64
	Kind           string
	Seq            int
	AmountFen      int64
	Status         string
	Number         string
	RegionCode     string
	OrganisationID int64
}

// procurementPaymentTasks are the payments waiting for the staff of the
// actor's regions, oldest first.
func (s *Store) procurementPaymentTasks(db *gorm.DB, a *Actor) ([]DeskTask, error) {
	var tasks []DeskTask
	for _, st := range []struct{ key, status string }{{DeskPaymentsDue, TrancheDue}, {DeskPaymentsToPay, TrancheApproved}} {
		q := regionScope(db.Table("payment_tranches p").Joins("JOIN contracts c ON c.id = p.contract_id"), "c.region_code", a.Regions("payment:manage")).
			Where("p.status = ?", st.status)
		t := DeskTask{Key: st.key, Items: []DeskItem{}}
		if err := q.Count(&t.Count).Error; err != nil {
			return nil, err
		}
		var rows []paymentDeskRow
		if err := q.Select("p.id, p.contract_id, p.kind, p.seq, p.amount_fen, p.status, c.number, c.region_code, c.organisation_id").
			Order("p.id").Limit(deskItemsPerTask).Scan(&rows).Error; err != nil {
			return nil, err
		}
		ids := make([]int64, len(rows))
		for i, r := range rows {
			ids[i] = r.OrganisationID
		}
		names, err := s.orgNames(db, ids)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			t.Items = append(t.Items, DeskItem{ID: r.ID, ContractID: r.ContractID, Code: r.Number, Title: names[r.OrganisationID],
				Region: r.RegionCode, Status: r.Status, Method: r.Kind, AmountFen: ptr(r.AmountFen)})
		}
		tasks = append(tasks, t)
	}
	return tasks, nil
}

// agencyContractTask lists the organisation's contracts, newest first,
// with their status at now, the tranches paid and those due (due or
// approved) in fen.
func (s *Store) agencyContractTask(db *gorm.DB, orgID int64, now time.Time) (DeskTask, error) {
	t := DeskTask{Key: DeskContracts, Items: []DeskItem{}}
	q := db.Model(&Contract{}).Where("organisation_id = ?", orgID)
	if err := q.Count(&t.Count).Error; err != nil {
		return t, err
	}
	var cs []Contract
	if err := q.Order("id DESC").Limit(deskItemsPerTask).Find(&cs).Error; err != nil {
		return t, err
	}
	if len(cs) == 0 {
		return t, nil
	}
	ids := make([]int64, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	type sum struct {
		ContractID int64
		Paid, Due  int64
	}
	var sums []sum
	if err := db.Model(&Tranche{}).Where("contract_id IN ? AND kind = ?", ids, PaymentTranche).Group("contract_id").
		Select("contract_id, COALESCE(SUM(CASE WHEN status = ? THEN amount_fen ELSE 0 END), 0) AS paid, "+
			"COALESCE(SUM(CASE WHEN status IN ? THEN amount_fen ELSE 0 END), 0) AS due", TranchePaid, []string{TrancheDue, TrancheApproved}).
		Scan(&sums).Error; err != nil {
		return t, err
	}
	by := map[int64]sum{}
	for _, x := range sums {
		by[x.ContractID] = x
	}
	var titles []struct {
		ID    int64
		Title string
	}
	if err := db.Table("contracts c").Joins("JOIN tenders t ON t.id = c.tender_id").Where("c.id IN ?", ids).
		Select("c.id, t.title").Scan(&titles).Error; err != nil {
		return t, err
	}
	title := map[int64]string{}
	for _, x := range titles {
		title[x.ID] = x.Title
	}
	supports, err := contractSupports(db, ids)
	if err != nil {
		return t, err
	}
	for i := range cs {
		c := &cs[i]
		s.deriveContract(c)
		sp := supports[c.ID]
		t.Items = append(t.Items, DeskItem{ID: c.ID, ContractID: c.ID, Code: c.Number, Title: title[c.ID], Region: c.RegionCode, Status: c.Status,
			AmountFen: ptr(c.AmountFen), PaidFen: ptr(by[c.ID].Paid), DueFen: ptr(by[c.ID].Due), Supports: &sp})
	}
	return t, nil
}

// DeskSupports is a contract's support package at a glance: rooms it
// holds (active allocations), support sessions held, start-up funds
// granted.
type DeskSupports struct {
	Rooms      int64 `json:"rooms"`
	Sessions   int64 `json:"sessions"`
	StartupFen int64 `json:"startup_fen"`
}

// contractSupports counts the supports of contracts ids, three queries
// whatever their number.
func contractSupports(db *gorm.DB, ids []int64) (map[int64]DeskSupports, error) {
	out := map[int64]DeskSupports{}
	var rows []struct {
		ContractID int64
		N          int64
	}
	if err := db.Table("office_allocations").Where("contract_id IN ? AND status = ?", ids, AllocationActive).
		Group("contract_id").Select("contract_id, COUNT(*) AS n").Scan(&rows).Error; err != nil {
		return nil, err
	}
	for _, r := range rows {
		sp := out[r.ContractID]
		sp.Rooms = r.N
		out[r.ContractID] = sp
	}
	rows = nil
	if err := db.Table("support_sessions").Where("contract_id IN ?", ids).
		Group("contract_id").Select("contract_id, COUNT(*) AS n").Scan(&rows).Error; err != nil {
		return nil, err
	}
	for _, r := range rows {
		sp := out[r.ContractID]
		sp.Sessions = r.N
		out[r.ContractID] = sp
	}
	rows = nil
	if err := db.Model(&Tranche{}).Where("contract_id IN ? AND kind = ? AND status <> ?", ids, PaymentStartupFund, TrancheCancelled).
		Group("contract_id").Select("contract_id, COALESCE(SUM(amount_fen), 0) AS n").Scan(&rows).Error; err != nil {
		return nil, err
	}
	for _, r := range rows {
		sp := out[r.ContractID]
		sp.StartupFen = r.N
		out[r.ContractID] = sp
	}
	return out, nil
}
