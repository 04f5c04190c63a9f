package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// The report schedule (docs/report-schedule.md): which periods a contract's
// service reports cover and when each is due. It is derived from the
// contract (service period and reporting interval) and the reports filed,
// whenever it is read: nothing stores it.

// reportedStatuses are the statuses whose period counts as reported; a
// returned report must be resubmitted, so its period does not count.
// reportedStatuses are the statuses whose period counts as reported.
var reportedStatuses = []string{ReportSubmitted, ReportApproved}

// Period statuses in a schedule.
const (
	PeriodReported = "reported" // a report covering it is submitted or approved
	PeriodDue      = "due"      // not reported, due date not passed
	PeriodOverdue  = "overdue"  // not reported, due date passed
)

// DefaultReportDueDays is how many calendar days after a period's end its
// report is due.
const DefaultReportDueDays = 10

// ReportPeriod is one reporting period of a contract. Dates are
// YYYY-MM-DD, in Beijing.
type ReportPeriod struct {
	Start string `json:"period_start"`
	End   string `json:"period_end"`
	Due   string `json:"due_on"`
	// Status and DaysOverdue are set when the schedule is read against the
	// reports and a day.
	Status      string `json:"status,omitempty"`
	DaysOverdue int    `json:"days_overdue,omitempty"`
}

// ReportPeriods cuts the service period [start, end] into calendar months
// or calendar quarters, the first and last clipped to the service period;
// each is due dueDays calendar days after its end.
func ReportPeriods(start, end, interval string, dueDays int) ([]ReportPeriod, error) {
	from, ok1 := parseDate(start)
	to, ok2 := parseDate(end)
	if !ok1 || !ok2 || to.Before(from) {
		return nil, fmt.Errorf("report schedule: bad service period %q – %q", start, end)
	}
	months := 1
	switch interval {
	case ReportMonthly:
	case ReportQuarterly:
		months = 3
	default:
		return nil, fmt.Errorf("report schedule: unknown interval %q", interval)
	}
	var out []ReportPeriod
	for ps := from; !ps.After(to); {
		// The calendar block holding ps: its month, or its quarter.
		m := (int(ps.Month())-1)/months*months + 1
		blockStart := time.Date(ps.Year(), time.Month(m), 1, 0, 0, 0, 0, ChinaZone)
		next := blockStart.AddDate(0, months, 0)
		pe := next.AddDate(0, 0, -1)
		if pe.After(to) {
			pe = to
		}
		out = append(out, ReportPeriod{Start: ps.Format(time.DateOnly), End: pe.Format(time.DateOnly),
			Due: pe.AddDate(0, 0, dueDays).Format(time.DateOnly)})
		ps = next
	}
	return out, nil
}

// reportDueDays is Settings.ReportDueDays, or its default when unset.
func (s *Store) reportDueDays() int {
	if s.Settings.ReportDueDays > 0 {
		return s.Settings.ReportDueDays
	}
	return DefaultReportDueDays
}

// today is the date in Beijing at t.
func today(t time.Time) string { return t.In(ChinaZone).Format(time.DateOnly) }

// daysBetween counts calendar days from a to b (YYYY-MM-DD), negative when
// b is before a.
func daysBetween(a, b string) int {
	ta, _ := parseDate(a)
	tb, _ := parseDate(b)
	return int(tb.Sub(ta) / day) // Beijing has no daylight saving: days are 24 h
}

// scheduledContract is what the schedule needs of a contract.
type scheduledContract struct {
	ID             int64
	Number         string
	OrganisationID int64
	RegionCode     string
	ServiceStart   string
	ServiceEnd     string
	ReportInterval string
}

// Contract statuses whose reports are still expected.
var reportingStatuses = []string{ContractSigned, ContractInService}

// reportedPeriods returns, per contract, the period starts+ends (start + "/"
// + end) with a submitted or approved report.
func reportedPeriods(db *gorm.DB, contractIDs []int64) (map[int64]map[string]bool, error) {
	out := map[int64]map[string]bool{}
	if len(contractIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		ContractID             int64
		PeriodStart, PeriodEnd string
	}
	if err := db.Table("service_reports").Select("contract_id, period_start, period_end").
		Where("contract_id IN ? AND status IN ?", contractIDs, reportedStatuses).Scan(&rows).Error; err != nil {
		return nil, err
	}
	for _, r := range rows {
		if out[r.ContractID] == nil {
			out[r.ContractID] = map[string]bool{}
		}
		out[r.ContractID][r.PeriodStart+"/"+r.PeriodEnd] = true
	}
	return out, nil
}

// schedule is a contract's periods with their status on day.
func (s *Store) schedule(c scheduledContract, reported map[string]bool, day string) ([]ReportPeriod, error) {
	ps, err := ReportPeriods(c.ServiceStart, c.ServiceEnd, c.ReportInterval, s.reportDueDays())
	if err != nil {
		return nil, err
	}
	for i := range ps {
		p := &ps[i]
		switch {
		case reported[p.Start+"/"+p.End]:
			p.Status = PeriodReported
		case day > p.Due:
			p.Status, p.DaysOverdue = PeriodOverdue, daysBetween(p.Due, day)
		default:
			p.Status = PeriodDue
		}
	}
	return ps, nil
}

// ContractSchedule is a contract's reporting schedule as read at one moment.
type ContractSchedule struct {
	ContractID int64          `json:"contract_id"`
	Interval   string         `json:"report_interval"`
	DueDays    int            `json:"due_days"`
	Today      string         `json:"today"`
	Periods    []ReportPeriod `json:"periods"`
}

// ContractSchedule returns a contract's periods with their due dates and
// status, to whoever may read the contract.
func (s *Store) ContractSchedule(ctx context.Context, a *Actor, contractID int64) (*ContractSchedule, error) {
	var out *ContractSchedule
	err := s.read(ctx, func(r *Store) error {
		c, err := r.Contract(ctx, a, contractID)
		if err != nil {
			return err
		}
		out, err = r.contractSchedule(r.DB, c.ID)
		return err
	})
	return out, err
}

// contractSchedule reads one contract's schedule at the store's clock.
func (s *Store) contractSchedule(db *gorm.DB, contractID int64) (*ContractSchedule, error) {
	var c scheduledContract
	if err := db.Table("contracts").Where("id = ?", contractID).Take(&c).Error; err != nil {
		return nil, notFound(err, "contract")
	}
	rep, err := reportedPeriods(db, []int64{c.ID})
	if err != nil {
		return nil, err
	}
	day := today(s.now())
	ps, err := s.schedule(c, rep[c.ID], day)
	if err != nil {
		return nil, err
	}
	return &ContractSchedule{ContractID: c.ID, Interval: c.ReportInterval, DueDays: s.reportDueDays(), Today: day, Periods: ps}, nil
}

// unreported lists, for the contracts q selects that still report, each
// contract with its periods not reported on day.
func (s *Store) unreported(db *gorm.DB, q *gorm.DB, day string) ([]scheduledContract, map[int64][]ReportPeriod, error) {
	var cs []scheduledContract
	if err := q.Table("contracts").Where("status IN ?", reportingStatuses).Order("id").Find(&cs).Error; err != nil {
		return nil, nil, err
	}
	ids := make([]int64, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	rep, err := reportedPeriods(db, ids)
	if err != nil {
		return nil, nil, err
	}
	out := map[int64][]ReportPeriod{}
	for _, c := range cs {
		ps, err := s.schedule(c, rep[c.ID], day)
		if err != nil {
			return nil, nil, err
		}
		for _, p := range ps {
			if p.Status != PeriodReported {
				out[c.ID] = append(out[c.ID], p)
			}
		}
	}
	return cs, out, nil
}
