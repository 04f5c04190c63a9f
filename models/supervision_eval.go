package models

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"sort"
	"time"

	"gorm.io/gorm"
)

// Evaluations (绩效评估) of a contract's delivery: each assigned supervisor
// records a midterm and a final evaluation, points per indicator of the
// contract's catalogue item from 0 to its weight (the weights sum to 100).
// A phase's result is the exact mean of its evaluations' totals, complete
// once every assigned supervisor has recorded it.

// Evaluation phases.
const (
	PhaseMidterm = "midterm"
	PhaseFinal   = "final"
)

// EvaluationPhases in order.
var EvaluationPhases = []string{PhaseMidterm, PhaseFinal}

// Grades.
const (
	GradeExcellent = "excellent" // 优秀 ≥ 90
	GradeGood      = "good"      // 良好 80–89.99
	GradePass      = "pass"      // 合格 60–79.99
	GradeFail      = "fail"      // 不合格 < 60
)

// gradeOf grades a total in hundredths of a point.
func gradeOf(total Hours) string {
	switch {
	case total >= 9000:
		return GradeExcellent
	case total >= 8000:
		return GradeGood
	case total >= 6000:
		return GradePass
	}
	return GradeFail
}

// Evaluation is one supervisor's evaluation of a phase. Points and Total
// are hundredths of a point (Hours is the portal's two-decimal number).
type Evaluation struct {
	ID             int64            `json:"id" gorm:"primaryKey"`
	ContractID     int64            `json:"contract_id"`
	SupervisorID   int64            `json:"supervisor_id"`
	SupervisorName string           `json:"supervisor_name" gorm:"-"`
	Phase          string           `json:"phase"`
	Points         map[string]int64 `json:"-" gorm:"serializer:json"` // hundredths
	Total          Hours            `json:"total"`
	Grade          string           `json:"grade"`
	Comment        string           `json:"comment"`
	CreatedAt      time.Time        `json:"created_at"`
	Indicators     []EvalIndicator  `json:"indicators" gorm:"-"`
}

// TableName of Evaluation.
func (Evaluation) TableName() string { return "supervision_evaluations" }

// EvalIndicator is one indicator of an evaluation, with the tender's
// target and the approved reports' actual beside the points.
type EvalIndicator struct {
	Indicator string   `json:"indicator"`
	Name      string   `json:"name"`
	NameEn    string   `json:"name_en"`
	Weight    int      `json:"weight"`
	Target    *float64 `json:"target"`
	Actual    float64  `json:"actual"`
	Points    Hours    `json:"points"`
}

// EvaluationInput records an evaluation.
type EvaluationInput struct {
	Phase   string             `json:"phase" form:"phase"`
	Scores  map[string]float64 `json:"scores" form:"-"`
	Comment string             `json:"comment" form:"comment" validate:"max=2000"`
}

// PhaseResult is a phase's result: the mean of its evaluations' totals,
// rounded half-up to hundredths, complete when every assigned supervisor
// has recorded the phase.
type PhaseResult struct {
	Phase       string `json:"phase"`
	Complete    bool   `json:"complete"`
	Evaluations int    `json:"evaluations"`
	Supervisors int    `json:"supervisors"`
	Mean        *Hours `json:"mean"`
	Grade       string `json:"grade"`
}

// Passed reports a complete phase whose result is not fail.
func (p PhaseResult) Passed() bool { return p.Complete && p.Mean != nil && p.Grade != GradeFail }

// ContractEvaluations is a contract's evaluations and phase results.
type ContractEvaluations struct {
	Items  []Evaluation  `json:"items"`
	Phases []PhaseResult `json:"phases"`
}

// meanHundredths is the exact mean of totals, rounded half-up to whole
// hundredths as every score the portal shows.
func meanHundredths(totals []Hours) Hours {
	sum := new(big.Rat)
	for _, t := range totals {
		sum.Add(sum, new(big.Rat).SetFrac64(int64(t), 100))
	}
	sum.Quo(sum, new(big.Rat).SetInt64(int64(len(totals))))
	return Hours(scoreHundredths(sum))
}

// phaseResults computes each phase's result from the evaluations and the
// number of assigned supervisors.
func phaseResults(db *gorm.DB, contractID int64, evs []Evaluation) ([]PhaseResult, error) {
	var assigned []int64
	if err := db.Model(&ContractSupervisor{}).Where("contract_id = ?", contractID).Pluck("supervisor_id", &assigned).Error; err != nil {
		return nil, err
	}
	out := []PhaseResult{}
	for _, ph := range EvaluationPhases {
		r := PhaseResult{Phase: ph, Supervisors: len(assigned)}
		var totals []Hours
		recorded := map[int64]bool{}
		for _, e := range evs {
			if e.Phase == ph {
				totals = append(totals, e.Total)
				recorded[e.SupervisorID] = true
			}
		}
		r.Evaluations = len(totals)
		if len(totals) > 0 {
			m := meanHundredths(totals)
			r.Mean, r.Grade = &m, gradeOf(m)
			r.Complete = len(assigned) > 0
			for _, id := range assigned {
				r.Complete = r.Complete && recorded[id]
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// phaseResult is one phase's result.
func phaseResult(phases []PhaseResult, phase string) PhaseResult {
	for _, p := range phases {
		if p.Phase == phase {
			return p
		}
	}
	return PhaseResult{Phase: phase}
}

// contractIndicators is the contract's catalogue item's indicators with the
// targets and the approved reports' actuals, the rows an evaluation scores.
func (s *Store) contractIndicators(db *gorm.DB, c *Contract) ([]EvalIndicator, error) {
	var t Tender
	if err := db.Select("id, region_code, catalogue_year, catalogue_code").First(&t, c.TenderID).Error; err != nil {
		return nil, notFound(err, "tender")
	}
	// An item no longer found has no rows to score (evaluations are then
	// refused); the page still shows what was recorded.
	var inds []CatalogueIndicator
	v, err := s.readableVersion(db, nil, CatalogueQuery{Region: t.RegionCode, Year: t.CatalogueYear})
	if err == nil {
		var item *CatalogueItem
		if item, err = s.item(db, v, t.CatalogueCode); err == nil {
			inds = item.Indicators
		}
	}
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	var targets []ContractTarget
	if err := db.Where("contract_id = ?", c.ID).Find(&targets).Error; err != nil {
		return nil, err
	}
	totals, err := s.approvedTotals(db, c.ID)
	if err != nil {
		return nil, err
	}
	out := make([]EvalIndicator, len(inds))
	for i, ind := range inds {
		out[i] = EvalIndicator{Indicator: ind.Key, Name: ind.Name, NameEn: ind.NameEn, Weight: ind.Weight, Actual: totals.Indicators[ind.Key]}
		for _, tg := range targets {
			if tg.Indicator == ind.Key {
				v := tg.Value
				out[i].Target = &v
			}
		}
	}
	return out, nil
}

// checkScores turns the scores into hundredths per indicator: every
// indicator scored, none unknown, each from 0 to its weight with at most
// two decimals.
func checkScores(inds []EvalIndicator, scores map[string]float64) (map[string]int64, Hours, []FieldError) {
	var fe []FieldError
	points := map[string]int64{}
	var total Hours
	keys := make([]string, 0, len(scores))
	for k := range scores {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !slices.ContainsFunc(inds, func(i EvalIndicator) bool { return i.Indicator == k }) {
			fe = append(fe, Field("scores."+truncate(k, 64), "report_indicator", ""))
		}
	}
	for _, ind := range inds {
		field := "scores." + ind.Indicator
		v, ok := scores[ind.Indicator]
		if !ok {
			fe = append(fe, Field(field, "required", ""))
			continue
		}
		h, exact := hundredths(v)
		switch {
		case v < 0 || v > float64(ind.Weight):
			fe = append(fe, Field(field, "between", fmt.Sprintf("0 %d", ind.Weight)))
		case !exact:
			fe = append(fe, Field(field, "sv_decimals", "2"))
		default:
			points[ind.Indicator] = h
			total += Hours(h)
		}
	}
	return points, total, fe
}

// truncate cuts s to n bytes, for a field name that echoes a client's key.
func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// evaluable: evaluations are recorded while the contract is in service or
// under acceptance.
func evaluable(c *Contract) error {
	if c.Status != ContractInService && c.Status != ContractUnderAcceptance {
		return Fail(ErrConflict, "err.contract_not_in_service", "the contract is "+c.Status+": evaluations are recorded while it is in service")
	}
	return nil
}

// RecordEvaluation records the caller's (an assigned supervisor's)
// evaluation of a phase. A fail opens a rectification by itself; the
// evaluation that completes a passing midterm makes the midterm tranches
// due; a final evaluation moves the contract under acceptance, and the one
// that completes a failing final phase bars the organisation.
func (s *Store) RecordEvaluation(ctx context.Context, a *Actor, contractID int64, in EvaluationInput) (*Evaluation, error) {
	db := s.DB.WithContext(ctx)
	e, inds, err := s.checkEvaluation(db, a, contractID, in)
	if err != nil {
		return nil, err
	}
	if err := s.tx(ctx, func(tx *gorm.DB) error { return s.recordEvaluation(tx, a, contractID, e) }); err != nil {
		return nil, err
	}
	return s.fillEvaluation(db, e, inds)
}

// CheckEvaluation answers what RecordEvaluation would refuse in the
// input (the caller's reach, the phase, every score) without recording,
// so that a page asks to confirm only an evaluation that would be taken.
func (s *Store) CheckEvaluation(ctx context.Context, a *Actor, contractID int64, in EvaluationInput) error {
	_, _, err := s.checkEvaluation(s.DB.WithContext(ctx), a, contractID, in)
	return err
}

// checkEvaluation checks what can be checked before the transaction and
// returns the evaluation to record with the contract's indicators.
func (s *Store) checkEvaluation(db *gorm.DB, a *Actor, contractID int64, in EvaluationInput) (*Evaluation, []EvalIndicator, error) {
	c, err := s.supervisedContract(db, a, contractID, false)
	if err != nil {
		return nil, nil, err
	}
	var fe []FieldError
	if !slices.Contains(EvaluationPhases, in.Phase) {
		fe = append(fe, Field("phase", "oneof", "midterm final"))
	}
	comment, f := CheckTextValue("comment", in.Comment)
	if f != nil {
		fe = append(fe, *f)
	}
	inds, err := s.contractIndicators(db, c)
	if err != nil {
		return nil, nil, err
	}
	if len(inds) == 0 {
		return nil, nil, Fail(ErrConflict, "err.no_indicators", "the contract's catalogue item has no indicators")
	}
	points, total, sfe := checkScores(inds, in.Scores)
	if fe = append(fe, sfe...); len(fe) > 0 {
		return nil, nil, Invalid(fe...)
	}
	e := &Evaluation{ContractID: c.ID, SupervisorID: a.UserID, Phase: in.Phase, Points: points, Total: total, Grade: gradeOf(total), Comment: comment}
	return e, inds, nil
}

// recordEvaluation records a checked evaluation in tx, re-checking the
// contract's state and the caller's phase under the contract's lock.
func (s *Store) recordEvaluation(tx *gorm.DB, a *Actor, contractID int64, e *Evaluation) error {
	c, err := s.supervisedContract(tx, a, contractID, true)
	if err != nil {
		return err
	}
	if err := evaluable(c); err != nil {
		return err
	}
	var n int64
	if err := tx.Model(&Evaluation{}).Where("contract_id = ? AND supervisor_id = ? AND phase = ?", c.ID, a.UserID, e.Phase).Count(&n).Error; err != nil {
		return err
	}
	if n > 0 {
		return Fail(ErrConflict, "err.evaluation_recorded", "you have recorded the "+e.Phase+" evaluation of this contract already")
	}
	e.CreatedAt = s.now()
	if err := tx.Create(e).Error; err != nil {
		if isDuplicate(err) {
			return Fail(ErrConflict, "err.evaluation_recorded", "you have recorded the "+e.Phase+" evaluation of this contract already")
		}
		return err
	}
	if err := s.audit(tx, a, "evaluation.record", "evaluation", e.ID, c.RegionCode, nil, e); err != nil {
		return err
	}
	s.notifyOrgs(tx, []int64{c.OrganisationID}, NotifyEvaluationRecorded, "contract", c.ID,
		map[string]string{"number": c.Number, "phase": e.Phase, "total": e.Total.String(), "contract_id": fmt.Sprint(c.ID)})
	if e.Phase == PhaseFinal && contractLifecycle.Allows("final", c.Status) {
		if err := s.setContractStatus(tx, a, c, "final", nil); err != nil {
			return err
		}
	}
	if e.Grade == GradeFail {
		issue := fmt.Sprintf("%s评估不合格（%s 分）：请就失分指标整改。/ The %s evaluation failed (%s points): rectify the indicators that lost points.",
			map[string]string{PhaseMidterm: "中期", PhaseFinal: "末期"}[e.Phase], e.Total, e.Phase, e.Total)
		if _, err := s.openRectification(tx, a, c, RectificationInput{Issue: issue, DueOn: s.rectificationDue()}, &e.ID, nil); err != nil {
			return err
		}
	}
	return s.phaseCompleted(tx, c, e)
}

// phaseCompleted acts on the phase result the evaluation e may complete.
func (s *Store) phaseCompleted(tx *gorm.DB, c *Contract, e *Evaluation) error {
	var evs []Evaluation
	if err := tx.Where("contract_id = ? AND phase = ?", c.ID, e.Phase).Find(&evs).Error; err != nil {
		return err
	}
	phases, err := phaseResults(tx, c.ID, evs)
	if err != nil {
		return err
	}
	r := phaseResult(phases, e.Phase)
	switch {
	case e.Phase == PhaseMidterm && r.Passed():
		return s.midtermPassed(tx, c.ID)
	case e.Phase == PhaseFinal && r.Complete && r.Grade == GradeFail:
		bar := &OrganisationBar{OrganisationID: c.OrganisationID, ContractID: c.ID, RegionCode: c.RegionCode, BarredAt: e.CreatedAt,
			UntilAt: e.CreatedAt.Add(s.failBar())}
		if err := tx.Create(bar).Error; err != nil {
			return err
		}
		return s.audit(tx, nil, "organisation.fail_bar", "organisation", c.OrganisationID, c.RegionCode, nil, bar)
	}
	return nil
}

// fillEvaluation adds the indicator rows and the supervisor's name.
func (s *Store) fillEvaluation(db *gorm.DB, e *Evaluation, inds []EvalIndicator) (*Evaluation, error) {
	names, err := s.userNames(db, []int64{e.SupervisorID})
	if err != nil {
		return nil, err
	}
	e.SupervisorName = names[e.SupervisorID]
	e.Indicators = make([]EvalIndicator, len(inds))
	for i, ind := range inds {
		ind.Points = Hours(e.Points[ind.Indicator])
		e.Indicators[i] = ind
	}
	return e, nil
}

// ContractEvaluationsOf lists a contract's evaluations and phase results to
// whoever may see the contract.
func (s *Store) ContractEvaluationsOf(ctx context.Context, a *Actor, contractID int64) (*ContractEvaluations, error) {
	db := s.DB.WithContext(ctx)
	c, err := s.visibleContract(db, a, contractID, false)
	if err != nil {
		return nil, err
	}
	return s.contractEvaluations(db, c)
}

func (s *Store) contractEvaluations(db *gorm.DB, c *Contract) (*ContractEvaluations, error) {
	out := &ContractEvaluations{Items: []Evaluation{}}
	if err := db.Where("contract_id = ?", c.ID).Order("id").Find(&out.Items).Error; err != nil {
		return nil, err
	}
	inds, err := s.contractIndicators(db, c)
	if err != nil {
		return nil, err
	}
	for i := range out.Items {
		if _, err := s.fillEvaluation(db, &out.Items[i], inds); err != nil {
			return nil, err
		}
	}
	out.Phases, err = phaseResults(db, c.ID, out.Items)
	return out, err
}
