package models

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Organisation statuses.
const (
	OrgPending     = "pending"
	OrgVerified    = "verified"
	OrgRejected    = "rejected"
	OrgSuspended   = "suspended"
	OrgBlacklisted = "blacklisted"
)

// OrgStatuses lists every organisation status.
var OrgStatuses = []string{OrgPending, OrgVerified, OrgRejected, OrgSuspended, OrgBlacklisted}

// Organisation lifecycle events; each is also the casbin action "org:"+event.
const (
	OrgVerify    = "verify"
	OrgReject    = "reject"
	OrgSuspend   = "suspend"
	OrgBlacklist = "blacklist"
)

// OrgEvents lists the lifecycle events in the order pages offer them.
var OrgEvents = []string{OrgVerify, OrgReject, OrgSuspend, OrgBlacklist}

// orgLifecycle is the organisation lifecycle. Every status change goes
// through it. A blacklist keeps the organisation blacklisted after its end
// date until staff reinstate it with "verify", so the end of a blacklist
// is a decision someone records, not a silent flip; a running blacklist is
// not restarted (no blacklist from blacklisted). A rejection is final,
// except that a rejected applicant may be blacklisted.
var orgLifecycle = &Lifecycle{Object: "organisation", Key: "err.org_transition", Events: map[string]map[string]string{
	OrgVerify:    {OrgPending: OrgVerified, OrgSuspended: OrgVerified, OrgBlacklisted: OrgVerified}, // from blacklisted: reinstatement, only after the end date
	OrgReject:    {OrgPending: OrgRejected},
	OrgSuspend:   {OrgVerified: OrgSuspended},
	OrgBlacklist: {OrgPending: OrgBlacklisted, OrgVerified: OrgBlacklisted, OrgRejected: OrgBlacklisted, OrgSuspended: OrgBlacklisted},
}}

// orgDateLayout is the API's date format.
const orgDateLayout = "2006-01-02"

func (s *Store) orgToday() string { return s.Now().In(ChinaZone).Format(orgDateLayout) }

// Organisation is a social work organisation (承接主体). Phone, address,
// legal representative, founding date, volunteers and the status reason are
// private to its members and to staff of its region.
type Organisation struct {
	ID               int64     `json:"id" gorm:"primaryKey"`
	Name             string    `json:"name"`
	CreditCode       string    `json:"credit_code"`
	RegistrationType string    `json:"registration_type"`
	RegionCode       string    `json:"region"`
	Status           string    `json:"status"`
	StatusReason     string    `json:"status_reason"`
	BlacklistedUntil string    `json:"blacklisted_until,omitempty"`
	LegalRep         string    `json:"legal_rep"`
	FoundedOn        string    `json:"founded_on"`
	Address          string    `json:"address"`
	Phone            string    `json:"phone"`
	Volunteers       int       `json:"volunteers"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

// TableName is the organisations table.
func (Organisation) TableName() string { return "organisations" }

// OrganisationPublic is what anyone may see of a verified organisation.
type OrganisationPublic struct {
	ID               int64  `json:"id"`
	Name             string `json:"name"`
	CreditCode       string `json:"credit_code"`
	RegionCode       string `json:"region"`
	RegistrationType string `json:"registration_type"`
	Status           string `json:"status"`
}

// Public returns the public fields.
func (o *Organisation) Public() OrganisationPublic {
	return OrganisationPublic{ID: o.ID, Name: o.Name, CreditCode: o.CreditCode, RegionCode: o.RegionCode,
		RegistrationType: o.RegistrationType, Status: o.Status}
}

// Social worker certificate levels (社会工作者职业水平证书).
const (
	LevelAssistant    = "assistant"    // 助理社会工作师
	LevelIntermediate = "intermediate" // 社会工作师
	LevelSenior       = "senior"       // 高级社会工作师
)

// RosterLevels lists the certificate levels, lowest first.
var RosterLevels = []string{LevelAssistant, LevelIntermediate, LevelSenior}

// RosterEntry is one person on an organisation's staff roster; Level and
// CertificateNo are set together for a certified social worker.
type RosterEntry struct {
	ID             int64     `json:"id" gorm:"primaryKey"`
	OrganisationID int64     `json:"organisation_id"`
	Name           string    `json:"name"`
	Position       string    `json:"position"`
	Level          string    `json:"level"`
	CertificateNo  string    `json:"certificate_no"`
	CreatedAt      time.Time `json:"created_at"`
}

// TableName is the roster table.
func (RosterEntry) TableName() string { return "organisation_staff" }

// Colleague is a member user of an organisation, as its members and staff see it.
type Colleague struct {
	ID          int64  `json:"id"`
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	Disabled    bool   `json:"disabled"`
}

// OrganisationView is an organisation as one caller may see it. Org holds
// only the public fields unless Full; the lists are filled for the single
// organisation of Store.Organisation, never for list rows.
type OrganisationView struct {
	Org       Organisation
	Full      bool     // a member, or staff of its region
	Member    bool     // a member: may edit profile, roster, documents, colleagues
	Events    []string // lifecycle events the caller may apply now
	Staff     []RosterEntry
	Documents []OrgDocument
	Members   []Colleague
	// Grades are its past evaluations, for staff whose region reaches it
	// and its members (supervision_grades.go).
	Grades []Grade
	// CanDeclare: the caller is a supervisor, who may declare a relation
	// to it (supervision.go).
	CanDeclare bool
	detail     bool
}

// SocialWorkers counts the roster's certified social workers by level.
func (v *OrganisationView) SocialWorkers() map[string]int {
	out := map[string]int{LevelAssistant: 0, LevelIntermediate: 0, LevelSenior: 0}
	for _, r := range v.Staff {
		if r.Level != "" {
			out[r.Level]++
		}
	}
	return out
}

// MarshalJSON shows the public fields only, unless the caller may see all.
func (v OrganisationView) MarshalJSON() ([]byte, error) {
	switch {
	case !v.Full:
		return json.Marshal(v.Org.Public())
	case !v.detail:
		return json.Marshal(v.Org)
	}
	return json.Marshal(struct {
		Organisation
		SocialWorkers map[string]int `json:"social_workers"`
		Staff         []RosterEntry  `json:"staff"`
		Documents     []OrgDocument  `json:"documents"`
		Members       []Colleague    `json:"members"`
		Events        []string       `json:"events"`
	}{v.Org, v.SocialWorkers(), v.Staff, v.Documents, v.Members, v.Events})
}

// orgAccess says what the actor may see of o.
type orgAccess struct {
	member bool // one of its users (with its agency grant)
	staff  bool // procurement or supervisor staff of its region
	public bool // the public may see it
}

func (x orgAccess) full() bool    { return x.member || x.staff }
func (x orgAccess) visible() bool { return x.member || x.staff || x.public }

func orgAccessOf(a *Actor, o *Organisation) orgAccess {
	return orgAccess{
		member: a.SignedIn() && a.OrganisationID != nil && *a.OrganisationID == o.ID && a.Can("org:manage", o.RegionCode),
		staff:  a.Can("org:review", o.RegionCode),
		public: o.Status == OrgVerified && a.Can("org:read", o.RegionCode),
	}
}

func orgNotFound() error { return Fail(ErrNotFound, "err.not_found", "organisation not found") }

func (s *Store) orgByID(db *gorm.DB, id int64) (*Organisation, error) {
	var o Organisation
	if err := db.First(&o, id).Error; err != nil {
		return nil, notFound(err, "organisation")
	}
	return &o, nil
}

// orgFor loads an organisation the actor may see, and what it may see.
func (s *Store) orgFor(db *gorm.DB, a *Actor, id int64) (*Organisation, orgAccess, error) {
	o, err := s.orgByID(db, id)
	if err != nil {
		return nil, orgAccess{}, err
	}
	x := orgAccessOf(a, o)
	if !x.visible() {
		return nil, x, orgNotFound()
	}
	return o, x, nil
}

// orgForMember loads an organisation the actor is a member of: 404 when the
// actor cannot see it at all, 403 when it can see but not change it.
func (s *Store) orgForMember(db *gorm.DB, a *Actor, id int64) (*Organisation, error) {
	o, x, err := s.orgFor(db, a, id)
	if err != nil {
		return nil, err
	}
	if !x.member {
		return nil, Fail(ErrForbidden, "err.forbidden", "only the organisation's own members may change it")
	}
	return o, nil
}

func (s *Store) orgView(a *Actor, o *Organisation, x orgAccess) OrganisationView {
	v := OrganisationView{Org: *o, Full: x.full(), Member: x.member}
	if !v.Full {
		v.Org = Organisation{ID: o.ID, Name: o.Name, CreditCode: o.CreditCode, RegionCode: o.RegionCode,
			RegistrationType: o.RegistrationType, Status: o.Status}
	}
	if x.staff {
		for _, ev := range OrgEvents {
			if orgLifecycle.Allows(ev, o.Status) && a.Can("org:"+ev, o.RegionCode) {
				v.Events = append(v.Events, ev)
			}
		}
	}
	return v
}

// Organisation loads one organisation as the actor may see it: everything
// (roster, documents, members) for its members and for staff of its region,
// the public fields of a verified organisation for anyone else, else 404.
func (s *Store) Organisation(ctx context.Context, a *Actor, id int64) (*OrganisationView, error) {
	db := s.DB.WithContext(ctx)
	o, x, err := s.orgFor(db, a, id)
	if err != nil {
		return nil, err
	}
	v := s.orgView(a, o, x)
	v.detail = true
	if v.Full {
		v.Staff, v.Documents, v.Members = []RosterEntry{}, []OrgDocument{}, []Colleague{}
		if err := db.Where("organisation_id = ?", o.ID).Order("id").Find(&v.Staff).Error; err != nil {
			return nil, err
		}
		if err := db.Where("organisation_id = ?", o.ID).Order("id").Find(&v.Documents).Error; err != nil {
			return nil, err
		}
		if err := db.Model(&User{}).Where("organisation_id = ?", o.ID).Order("id").Find(&v.Members).Error; err != nil {
			return nil, err
		}
	}
	v.CanDeclare = a.CanAnywhere("supervision:write")
	if v.Member || a.Can("grades:read", o.RegionCode) {
		if v.Grades, err = s.organisationGrades(db, o.ID); err != nil {
			return nil, err
		}
	}
	if v.Events == nil {
		v.Events = []string{}
	}
	return &v, nil
}

// OrganisationFilter narrows the organisation list.
type OrganisationFilter struct {
	Region string // region code prefix
	Status string
	Q      string // part of the name or credit code
}

// Organisations lists organisations: staff (procurement, supervisors) see
// every organisation of their regions with all fields; everyone else sees
// verified organisations' public fields.
func (s *Store) Organisations(ctx context.Context, a *Actor, f OrganisationFilter, p Page) (List[OrganisationView], error) {
	p = p.Normalise()
	out := List[OrganisationView]{Items: []OrganisationView{}, Page: p.Page, PerPage: p.PerPage}
	db := s.DB.WithContext(ctx)
	q, err := organisationsQuery(db, a, f)
	if err != nil {
		return out, err
	}
	if out.Total, out.TotalCapped, err = s.countCapped(db, q, ""); err != nil {
		return out, err
	}
	var rows []Organisation
	if err := q.Order("id").Offset(p.offset()).Limit(p.PerPage).Find(&rows).Error; err != nil {
		return out, err
	}
	for i := range rows {
		out.Items = append(out.Items, s.orgView(a, &rows[i], orgAccessOf(a, &rows[i])))
	}
	return out, nil
}

// organisationsQuery is the organisation list's rows with f, in a's
// scope: staff of org:review see their regions', anyone else the verified.
func organisationsQuery(db *gorm.DB, a *Actor, f OrganisationFilter) (*gorm.DB, error) {
	f.Region, f.Status, f.Q = strings.TrimSpace(f.Region), strings.TrimSpace(f.Status), strings.TrimSpace(f.Q)
	var fields []FieldError
	if f.Region != "" && !regionRe.MatchString(f.Region) {
		fields = append(fields, Field("region", "regioncode", ""))
	}
	if f.Status != "" && !slices.Contains(OrgStatuses, f.Status) {
		fields = append(fields, Field("status", "oneof", strings.Join(OrgStatuses, " ")))
	}
	if len(fields) > 0 {
		return nil, Invalid(fields...)
	}
	if !a.CanAnywhere("org:read") && !a.CanAnywhere("org:review") {
		return nil, a.require("org:read", RootRegion)
	}
	q := db.Model(&Organisation{})
	if a.CanAnywhere("org:review") {
		q = regionScope(q, "region_code", a.Regions("org:review"))
	} else {
		q = q.Where("status = ?", OrgVerified)
	}
	if f.Region != "" {
		q = regionStarts(q, "region_code", f.Region)
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.Q != "" {
		q = q.Where("(name LIKE ? OR credit_code LIKE ?)", "%"+f.Q+"%", "%"+strings.ToUpper(f.Q)+"%")
	}
	return q, nil
}

// OrganisationProfile changes a member's organisation's profile; nil fields
// stay. Name, credit code and region are the registration's and are not
// changed here: the region decides which staff oversee the organisation.
type OrganisationProfile struct {
	LegalRep   *string `json:"legal_rep"`
	FoundedOn  *string `json:"founded_on"`
	Address    *string `json:"address"`
	Phone      *string `json:"phone"`
	Volunteers *int    `json:"volunteers"`
}

// orgProfileCheck validates the merged profile.
type orgProfileCheck struct {
	LegalRep string `json:"legal_rep" validate:"required,max=64"`
	Address  string `json:"address" validate:"max=256"`
	Phone    string `json:"phone" validate:"required,phone"`
}

// orgMaxVolunteers bounds the volunteer count against typing errors.
const orgMaxVolunteers = 1_000_000

// UpdateOrganisation changes the profile of the member's own organisation.
func (s *Store) UpdateOrganisation(ctx context.Context, a *Actor, id int64, in OrganisationProfile) (*OrganisationView, error) {
	if !a.CanAnywhere("org:manage") {
		return nil, a.require("org:manage", RootRegion)
	}
	var out *OrganisationView
	err := s.tx(ctx, func(tx *gorm.DB) error {
		o, err := s.orgForMember(tx, a, id)
		if err != nil {
			return err
		}
		before := *o
		set := func(dst *string, src *string) {
			if src != nil {
				*dst = strings.TrimSpace(*src)
			}
		}
		set(&o.LegalRep, in.LegalRep)
		set(&o.FoundedOn, in.FoundedOn)
		set(&o.Address, in.Address)
		set(&o.Phone, in.Phone)
		if in.Volunteers != nil {
			o.Volunteers = *in.Volunteers
		}
		fields, err := orgFieldErrors(s.validate(&orgProfileCheck{LegalRep: o.LegalRep, Address: o.Address, Phone: o.Phone}))
		if err != nil {
			return err
		}
		if f := s.orgCheckFoundedOn("founded_on", o.FoundedOn); f != nil {
			fields = append(fields, *f)
		}
		if o.Volunteers < 0 || o.Volunteers > orgMaxVolunteers {
			fields = append(fields, Field("volunteers", "org_count", ""))
		}
		if len(fields) > 0 {
			return Invalid(fields...)
		}
		o.UpdatedAt = s.now()
		if err := tx.Model(o).Select("legal_rep", "founded_on", "address", "phone", "volunteers", "updated_at").Updates(o).Error; err != nil {
			return err
		}
		v := s.orgView(a, o, orgAccessOf(a, o))
		out = &v
		return s.audit(tx, a, "organisation.update", "organisation", o.ID, o.RegionCode, before, o)
	})
	return out, err
}

// OrgStatusChange is the input of a lifecycle event: a reason (required for
// reject, suspend and blacklist) and, for a blacklist, its last day.
type OrgStatusChange struct {
	Reason string `json:"reason" form:"reason"`
	Until  string `json:"until" form:"until"`
}

// ChangeOrganisationStatus applies a lifecycle event (verify, reject,
// suspend, blacklist) by procurement staff of the organisation's region.
// An event the current status does not allow answers 409 and changes
// nothing.
func (s *Store) ChangeOrganisationStatus(ctx context.Context, a *Actor, id int64, event string, in OrgStatusChange) (*OrganisationView, error) {
	if !slices.Contains(OrgEvents, event) {
		return nil, Fail(ErrNotFound, "err.not_found", "no such action")
	}
	action := "org:" + event
	if !a.CanAnywhere(action) {
		return nil, a.require(action, RootRegion)
	}
	in.Reason, in.Until = strings.TrimSpace(in.Reason), strings.TrimSpace(in.Until)
	var out *OrganisationView
	err := s.tx(ctx, func(tx *gorm.DB) error {
		o, x, err := s.orgFor(tx, a, id)
		if err != nil {
			return err
		}
		if !x.staff {
			return Fail(ErrForbidden, "err.forbidden", "only staff of the organisation's region may do this")
		}
		if err := a.require(action, o.RegionCode); err != nil {
			return err
		}
		next, err := orgLifecycle.Next(event, o.Status)
		if err != nil {
			return err
		}
		today := s.orgToday()
		if o.Status == OrgBlacklisted && today <= o.BlacklistedUntil {
			return Fail(ErrConflict, "err.org_blacklist_running", "the organisation is blacklisted until "+o.BlacklistedUntil)
		}
		if err := orgChangeFields(event, in, today); err != nil {
			return err
		}
		until := ""
		if event == OrgBlacklist {
			until = in.Until
		}
		before := *o
		o.Status, o.StatusReason, o.BlacklistedUntil, o.UpdatedAt = next, in.Reason, until, s.now()
		res := tx.Model(&Organisation{}).Where("id = ? AND status = ?", o.ID, before.Status).
			Updates(map[string]any{"status": o.Status, "status_reason": o.StatusReason, "blacklisted_until": o.BlacklistedUntil, "updated_at": o.UpdatedAt})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return Fail(ErrConflict, "err.org_transition", "the organisation changed meanwhile; try again")
		}
		v := s.orgView(a, o, x)
		out = &v
		s.notifyOrgStatus(tx, event, o)
		return s.audit(tx, a, "organisation."+event, "organisation", o.ID, o.RegionCode, before, o)
	})
	return out, err
}

// CheckOrgStatusChange checks a status change's input (the reason, the
// blacklist's end) as ChangeOrganisationStatus does, so that a page can
// refuse it before asking to confirm the step.
func (s *Store) CheckOrgStatusChange(event string, in OrgStatusChange) error {
	in.Reason, in.Until = strings.TrimSpace(in.Reason), strings.TrimSpace(in.Until)
	return orgChangeFields(event, in, s.orgToday())
}

// orgChangeFields is the rule on a status change's (trimmed) input.
func orgChangeFields(event string, in OrgStatusChange, today string) error {
	var fields []FieldError
	if event != OrgVerify && in.Reason == "" {
		fields = append(fields, Field("reason", "required", ""))
	} else if len([]rune(in.Reason)) > 1000 {
		fields = append(fields, Field("reason", "max", "1000"))
	}
	if event == OrgBlacklist {
		if _, err := time.Parse(orgDateLayout, in.Until); err != nil {
			fields = append(fields, Field("until", "org_date", ""))
		} else if in.Until <= today {
			fields = append(fields, Field("until", "org_after_today", ""))
		}
	}
	if len(fields) > 0 {
		return Invalid(fields...)
	}
	return nil
}

// OrganisationCanBid answers nil when the organisation may bid or win at
// the given time: it is verified. Anything else is ErrConflict naming why.
// A blacklisted organisation stays blacklisted after its end date until
// procurement staff reinstate it, so the end date alone never re-opens
// bidding. db may be a transaction of the caller.
func (s *Store) OrganisationCanBid(db *gorm.DB, orgID int64, at time.Time) error {
	o, err := s.orgByID(db, orgID)
	if err != nil {
		return err
	}
	switch o.Status {
	case OrgVerified:
		return nil
	case OrgBlacklisted:
		if at.In(ChinaZone).Format(orgDateLayout) <= o.BlacklistedUntil {
			return Fail(ErrConflict, "err.org_cannot_bid", "the organisation is blacklisted until "+o.BlacklistedUntil)
		}
		return Fail(ErrConflict, "err.org_cannot_bid", "the organisation's blacklist ended on "+o.BlacklistedUntil+
			"; it may bid again once procurement staff reinstate it")
	}
	return Fail(ErrConflict, "err.org_cannot_bid", "the organisation is "+o.Status+", not verified")
}
