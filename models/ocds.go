package models

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"
)

// The open data feed (issue 11, item 4): each published change of a
// tender, its award or its contract is an OCDS 1.1 release, compiled from
// the database as it stands at the end of the transaction that made the
// change (see ocds_feed.go for when). This file is the compiler: the
// portal's objects in the Open Contracting Data Standard's terms.

// OCDSMethods maps the procurement methods onto OCDS's method codelist;
// procurementMethodDetails carries the method's Chinese name.
var OCDSMethods = map[string]string{
	"open_tender":              "open",
	"invited_tender":           "selective",
	"competitive_consultation": "limited",
	"competitive_negotiation":  "limited",
	"inquiry":                  "limited",
	"single_source":            "direct",
}

// CatalogueScheme is the classification scheme of the items: the purchase
// catalogue (政府购买服务指导目录) of the tender's province and year, a
// scheme the portal defines (the codelist is open).
const CatalogueScheme = "CN-GMFWML"

// USCIScheme identifies organisations by their unified social credit code.
const USCIScheme = "CN-USCI"

// OCDSPartyPrefix begins the party id of a civil-affairs office (民政),
// followed by its region's code.
const OCDSPartyPrefix = "CN-MZ-"

// yuan is an amount in fen written as an exact decimal number of yuan.
type yuan int64

func (y yuan) MarshalJSON() ([]byte, error) {
	v := int64(y)
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	return []byte(fmt.Sprintf("%s%d.%02d", sign, v/100, v%100)), nil
}

type ocdsValue struct {
	Amount   yuan   `json:"amount"`
	Currency string `json:"currency"`
}

func cny(fen int64) *ocdsValue { return &ocdsValue{Amount: yuan(fen), Currency: "CNY"} }

type ocdsPeriod struct {
	StartDate string `json:"startDate,omitempty"`
	EndDate   string `json:"endDate,omitempty"`
}

type ocdsOrgRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type ocdsIdentifier struct {
	Scheme    string `json:"scheme"`
	ID        string `json:"id"`
	LegalName string `json:"legalName,omitempty"`
}

type ocdsAddress struct {
	Region      string `json:"region,omitempty"`
	CountryName string `json:"countryName"`
}

type ocdsParty struct {
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	Identifier *ocdsIdentifier `json:"identifier,omitempty"`
	Address    *ocdsAddress    `json:"address,omitempty"`
	Roles      []string        `json:"roles"`
}

type ocdsClassification struct {
	Scheme      string `json:"scheme"`
	ID          string `json:"id"`
	Description string `json:"description"`
}

type ocdsItem struct {
	ID             string              `json:"id"`
	Description    string              `json:"description"`
	Classification *ocdsClassification `json:"classification"`
	Quantity       int                 `json:"quantity"`
}

type ocdsAmendment struct {
	ID          string `json:"id"`
	Date        string `json:"date"`
	Rationale   string `json:"rationale,omitempty"`
	Description string `json:"description"`
}

type ocdsBudget struct {
	ID          string     `json:"id"`
	Description string     `json:"description"`
	Amount      *ocdsValue `json:"amount"`
}

type ocdsPlanning struct {
	Budget *ocdsBudget `json:"budget"`
}

type ocdsTender struct {
	ID                       string          `json:"id"`
	Title                    string          `json:"title"`
	Status                   string          `json:"status"`
	ProcuringEntity          *ocdsOrgRef     `json:"procuringEntity"`
	Items                    []ocdsItem      `json:"items"`
	Value                    *ocdsValue      `json:"value"`
	ProcurementMethod        string          `json:"procurementMethod"`
	ProcurementMethodDetails string          `json:"procurementMethodDetails"`
	MainProcurementCategory  string          `json:"mainProcurementCategory"`
	AwardCriteria            string          `json:"awardCriteria,omitempty"`
	AwardCriteriaDetails     string          `json:"awardCriteriaDetails,omitempty"`
	SubmissionMethod         []string        `json:"submissionMethod"`
	TenderPeriod             *ocdsPeriod     `json:"tenderPeriod"`
	ContractPeriod           *ocdsPeriod     `json:"contractPeriod"`
	NumberOfTenderers        *int            `json:"numberOfTenderers,omitempty"`
	Tenderers                []ocdsOrgRef    `json:"tenderers,omitempty"`
	Amendments               []ocdsAmendment `json:"amendments,omitempty"`
}

type ocdsAward struct {
	ID        string       `json:"id"`
	Title     string       `json:"title"`
	Status    string       `json:"status"`
	Date      string       `json:"date"`
	Value     *ocdsValue   `json:"value,omitempty"`
	Suppliers []ocdsOrgRef `json:"suppliers"`
	Items     []ocdsItem   `json:"items"`
}

type ocdsMilestone struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Type        string `json:"type"`
	Code        string `json:"code"`
	Description string `json:"description"`
	Status      string `json:"status"`
	DateMet     string `json:"dateMet,omitempty"`
}

type ocdsTransaction struct {
	ID    string      `json:"id"`
	Date  string      `json:"date"`
	Value *ocdsValue  `json:"value"`
	Payer *ocdsOrgRef `json:"payer"`
	Payee *ocdsOrgRef `json:"payee"`
}

type ocdsImplementation struct {
	Transactions []ocdsTransaction `json:"transactions"`
}

type ocdsContract struct {
	ID             string              `json:"id"`
	AwardID        string              `json:"awardID"`
	Title          string              `json:"title"`
	Description    string              `json:"description,omitempty"`
	Status         string              `json:"status"`
	Period         *ocdsPeriod         `json:"period"`
	Value          *ocdsValue          `json:"value"`
	DateSigned     string              `json:"dateSigned"`
	Items          []ocdsItem          `json:"items"`
	Milestones     []ocdsMilestone     `json:"milestones,omitempty"`
	Implementation *ocdsImplementation `json:"implementation,omitempty"`
}

// ocdsRelease is a release without its ocid and id, which the feed puts in
// front (the ocid's prefix is a publication setting, see OCID).
type ocdsRelease struct {
	Date           string         `json:"date"`
	Tag            []string       `json:"tag"`
	InitiationType string         `json:"initiationType"`
	Language       string         `json:"language"`
	Parties        []ocdsParty    `json:"parties"`
	Buyer          *ocdsOrgRef    `json:"buyer"`
	Planning       *ocdsPlanning  `json:"planning"`
	Tender         *ocdsTender    `json:"tender"`
	Awards         []ocdsAward    `json:"awards,omitempty"`
	Contracts      []ocdsContract `json:"contracts,omitempty"`
}

// OCID is a tender's open contracting id: "ocds-", the publisher's prefix
// and the tender's code.
func OCID(prefix, code string) string { return "ocds-" + prefix + "-" + code }

// ocdsTime writes an instant in Beijing time.
func ocdsTime(t time.Time) string { return t.In(ChinaZone).Format(time.RFC3339) }

// ocdsDay writes a Beijing date's first (end false) or last second.
func ocdsDay(d string, end bool) string {
	day, err := time.ParseInLocation(time.DateOnly, d, ChinaZone)
	if err != nil {
		return ""
	}
	if end {
		day = day.Add(24*time.Hour - time.Second)
	}
	return day.Format(time.RFC3339)
}

// ocdsTenderStatus maps a tender's status onto OCDS's tenderStatus.
func ocdsTenderStatus(status string) string {
	switch status {
	case TenderAwarded, TenderContracted:
		return "complete"
	case TenderCancelled:
		return "cancelled"
	case TenderUnsuccessful:
		return "unsuccessful"
	default:
		return "active"
	}
}

// ocdsContractStatus maps a contract's status onto OCDS's contractStatus:
// in force until accepted or terminated, which both close it.
func ocdsContractStatus(status string) string {
	switch status {
	case ContractAccepted, ContractTerminated:
		return "terminated"
	default:
		return "active"
	}
}

// ocdsMilestoneStatus: a tranche's condition is met once it is due;
// a cancelled one (its contract terminated) was not met.
func ocdsMilestoneStatus(status string) string {
	switch status {
	case TranchePlanned:
		return "scheduled"
	case TrancheCancelled:
		return "notMet"
	default:
		return "met"
	}
}

var trancheConditionNames = map[string]string{"signing": "签订合同后", "midterm": "中期评估合格后", "acceptance": "终期验收合格后"}

// buyerParty names the civil-affairs office of a region from its path
// (top first): 广西壮族自治区民政厅, 南宁市民政局, 南宁市兴宁区民政局.
func buyerParty(path []Region, code string) ocdsParty {
	name := code
	if n := len(path); n > 0 {
		last := path[n-1]
		name = last.Name
		if last.Level > LevelCity && n > 1 && path[n-2].Level == LevelCity {
			name = path[n-2].Name + last.Name
		}
		if last.Level == LevelProvince {
			name += "民政厅"
		} else {
			name += "民政局"
		}
	}
	return ocdsParty{ID: OCDSPartyPrefix + code, Name: name, Roles: []string{"buyer", "procuringEntity"}}
}

func orgParty(o *Organisation) ocdsParty {
	return ocdsParty{ID: USCIScheme + "-" + o.CreditCode, Name: o.Name,
		Identifier: &ocdsIdentifier{Scheme: USCIScheme, ID: o.CreditCode, LegalName: o.Name}, Address: &ocdsAddress{CountryName: "中国"}}
}

func (p ocdsParty) ref() *ocdsOrgRef { return &ocdsOrgRef{ID: p.ID, Name: p.Name} }

// compileRelease compiles the release of a tender as it stands in tx at
// s.now(), with tags. A tender never published has none (nil).
func (s *Store) compileRelease(tx *gorm.DB, tenderID int64, tags []string) (*ocdsRelease, *Tender, error) {
	t, err := s.loadTender(tx, tenderID, false)
	if err != nil {
		return nil, nil, err
	}
	if !t.Public() {
		return nil, t, nil // drafts are never released
	}
	now := s.now()
	r := *s
	r.DB = tx
	ctx := tx.Statement.Context
	path, err := r.RegionPath(ctx, t.RegionCode)
	if err != nil {
		return nil, nil, err
	}
	buyer := buyerParty(path, t.RegionCode)
	buyer.Address = &ocdsAddress{CountryName: "中国"}
	if len(path) > 0 {
		buyer.Address.Region = path[0].Name
	}
	rel := &ocdsRelease{Date: ocdsTime(now), Tag: tags, InitiationType: "tender", Language: "zh", Buyer: buyer.ref()}
	rule := t.Rule()
	item := ocdsItem{ID: "1", Description: t.CatalogueCode, Quantity: 1,
		Classification: &ocdsClassification{Scheme: CatalogueScheme, ID: t.CatalogueCode, Description: t.CatalogueCode}}
	if ci, err := r.CatalogueItem(ctx, t.RegionCode, t.CatalogueYear, t.CatalogueCode); err == nil {
		item.Description, item.Classification.Description = ci.Name, ci.Name
	}
	budget := ""
	for i, b := range t.Budget {
		if i > 0 {
			budget += "；"
		}
		budget += FundingSources[b.Source] + " " + yuanCents(b.AmountFen) + "元"
	}
	rel.Planning = &ocdsPlanning{Budget: &ocdsBudget{ID: t.Code, Description: budget, Amount: cny(t.BudgetFen)}}
	published := ""
	if t.PublishedAt != nil {
		published = ocdsTime(*t.PublishedAt)
	}
	td := &ocdsTender{ID: t.Code, Title: t.Title, Status: ocdsTenderStatus(t.Status), ProcuringEntity: buyer.ref(),
		Items: []ocdsItem{item}, Value: cny(t.BudgetFen), ProcurementMethod: OCDSMethods[t.Method],
		ProcurementMethodDetails: rule.Name, MainProcurementCategory: "services", SubmissionMethod: []string{"electronicSubmission"},
		TenderPeriod:   &ocdsPeriod{StartDate: published, EndDate: ocdsTime(t.BidDeadline)},
		ContractPeriod: &ocdsPeriod{StartDate: ocdsDay(t.ServiceStart, false), EndDate: ocdsDay(t.ServiceEnd, true)}}
	switch t.Evaluation {
	case EvalComprehensive:
		td.AwardCriteria, td.AwardCriteriaDetails = "ratedCriteria", fmt.Sprintf("综合评分法，价格分权重 %d%%", t.PriceWeight)
	case EvalLowestPrice:
		td.AwardCriteria, td.AwardCriteriaDetails = "priceOnly", "最低评标价法"
	}
	var amendments []Amendment
	if err := tx.Where("tender_id = ?", t.ID).Order("seq").Find(&amendments).Error; err != nil {
		return nil, nil, err
	}
	for _, am := range amendments {
		desc := "更正公告"
		for _, c := range am.Changes {
			desc += "；" + c.Field
		}
		td.Amendments = append(td.Amendments, ocdsAmendment{ID: t.Code + "-amendment-" + strconv.Itoa(am.Seq),
			Date: ocdsTime(am.AmendedAt), Rationale: am.Notice, Description: desc})
	}
	rel.Tender = td
	rel.Parties = []ocdsParty{buyer}
	parties := map[int64]int{} // organisation id → index in Parties
	party := func(orgID int64, roles ...string) (*ocdsParty, error) {
		i, ok := parties[orgID]
		if !ok {
			var o Organisation
			if err := tx.First(&o, orgID).Error; err != nil {
				return nil, err
			}
			rel.Parties = append(rel.Parties, orgParty(&o))
			i = len(rel.Parties) - 1
			parties[orgID] = i
		}
		p := &rel.Parties[i]
		for _, role := range roles {
			if !containsString(p.Roles, role) {
				p.Roles = append(p.Roles, role)
			}
		}
		return p, nil
	}
	// Nothing about bids before the deadline: who bid is public only once
	// the bids are opened.
	if t.PastDeadline(now) {
		var bids []Bid
		if err := tx.Select("id", "organisation_id", "status").Where("tender_id = ? AND status IN ?", t.ID, openedStatuses).
			Order("submitted_at, id").Find(&bids).Error; err != nil {
			return nil, nil, err
		}
		n := len(bids)
		td.NumberOfTenderers = &n
		for _, b := range bids {
			p, err := party(b.OrganisationID, "tenderer")
			if err != nil {
				return nil, nil, err
			}
			td.Tenderers = append(td.Tenderers, *p.ref())
		}
	}
	if t.AwardedAt == nil || t.WinnerBidID == nil {
		return rel, t, nil
	}
	var winner Bid
	if err := tx.First(&winner, *t.WinnerBidID).Error; err != nil {
		return nil, nil, err
	}
	var contracts []Contract
	if err := tx.Where("tender_id = ?", t.ID).Order("id").Find(&contracts).Error; err != nil {
		return nil, nil, err
	}
	supplier, err := party(winner.OrganisationID, "supplier")
	if err != nil {
		return nil, nil, err
	}
	payee := supplier.ref()
	award := ocdsAward{ID: t.Code + "-award", Title: t.Title, Status: "active", Date: ocdsTime(*t.AwardedAt),
		Suppliers: []ocdsOrgRef{*payee}, Items: []ocdsItem{item}}
	if t.Status == TenderCancelled {
		award.Status = "cancelled"
	}
	switch {
	case len(contracts) > 0:
		award.Value = cny(contracts[0].AmountFen)
	case s.Sealer != nil:
		if err := s.unseal(&winner); err != nil {
			return nil, nil, err
		}
		award.Value = cny(winner.PriceFen)
	}
	rel.Awards = []ocdsAward{award}
	for i := range contracts {
		c := &contracts[i]
		s.deriveContract(c)
		oc := ocdsContract{ID: c.Number, AwardID: award.ID, Title: t.Title, Status: ocdsContractStatus(c.Status),
			Period: &ocdsPeriod{StartDate: ocdsDay(c.ServiceStart, false), EndDate: ocdsDay(c.ServiceEnd, true)},
			Value:  cny(c.AmountFen), DateSigned: ocdsTime(c.SignedAt), Items: []ocdsItem{item}}
		if oc.ID == "" {
			oc.ID = strconv.FormatInt(c.ID, 10)
		}
		if c.Status == ContractTerminated {
			oc.Description = "合同已提前终止：" + c.TerminationReason
		}
		var ps []Tranche
		if err := tx.Where("contract_id = ?", c.ID).Order("seq, id").Find(&ps).Error; err != nil {
			return nil, nil, err
		}
		for _, p := range ps {
			if p.Kind == PaymentTranche {
				m := ocdsMilestone{ID: fmt.Sprintf("%s-tranche-%d", oc.ID, p.Seq), Title: fmt.Sprintf("第%d笔拨付（%d%%）", p.Seq, p.Percent),
					Type: "financing", Code: p.Condition, Status: ocdsMilestoneStatus(p.Status),
					Description: fmt.Sprintf("%s拨付合同金额的 %d%%（%s元）", trancheConditionNames[p.Condition], p.Percent, yuanCents(p.AmountFen))}
				if m.Status == "met" && p.ApprovedAt != nil {
					m.DateMet = ocdsTime(*p.ApprovedAt)
				}
				oc.Milestones = append(oc.Milestones, m)
			}
			if p.Status == TranchePaid && p.PaidOn != nil {
				if oc.Implementation == nil {
					oc.Implementation = &ocdsImplementation{}
				}
				oc.Implementation.Transactions = append(oc.Implementation.Transactions, ocdsTransaction{
					ID: fmt.Sprintf("%s-payment-%d", oc.ID, p.ID), Date: ocdsDay(*p.PaidOn, false), Value: cny(p.AmountFen),
					Payer: buyer.ref(), Payee: payee})
			}
		}
		rel.Contracts = append(rel.Contracts, oc)
	}
	if len(contracts) > 0 {
		rel.Parties[0].Roles = append(rel.Parties[0].Roles, "payer")
		if _, err := party(winner.OrganisationID, "payee"); err != nil {
			return nil, nil, err
		}
	}
	return rel, t, nil
}

func containsString(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// releaseJSON encodes a release body.
func releaseJSON(r *ocdsRelease) (string, error) {
	b, err := json.Marshal(r)
	return string(b), err
}
