package models

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"gorm.io/gorm"
)

// AuditEvent records one change: who did what to which object, when, from
// where, with the values before and after. The table is append-only (the
// database refuses UPDATE and DELETE on it).
type AuditEvent struct {
	ID         int64     `json:"id" gorm:"primaryKey"`
	At         time.Time `json:"at"`
	ActorID    *int64    `json:"actor_id"`
	ActorName  string    `json:"actor_name"`
	Action     string    `json:"action"`
	ObjectType string    `json:"object_type"`
	ObjectID   string    `json:"object_id"`
	RegionCode string    `json:"region"`
	Before     string    `json:"before,omitempty"`
	After      string    `json:"after,omitempty"`
	RemoteAddr string    `json:"remote_addr"`
	// SealedTenderID hides an event about a bid until that tender's deadline.
	SealedTenderID *int64 `json:"-"`
}

// audit writes an event inside tx; callers pass the same tx as the change.
func (s *Store) audit(tx *gorm.DB, a *Actor, action, objectType string, objectID any, region string, before, after any) error {
	ev := AuditEvent{
		At:         s.now(),
		Action:     action,
		ObjectType: objectType,
		ObjectID:   idString(objectID),
		RegionCode: region,
		Before:     jsonOrEmpty(before),
		After:      jsonOrEmpty(after),
	}
	if a != nil {
		ev.RemoteAddr = a.RemoteAddr
		if a.SignedIn() {
			id := a.UserID
			ev.ActorID = &id
			ev.ActorName = a.Username
		}
	}
	if err := tx.Create(&ev).Error; err != nil {
		return err
	}
	// A change the open data feed publishes notes its release here.
	return s.noteRelease(tx, &ev)
}

// auditAnonymous writes the event of an act whose actor must stay unknown
// (an enquiry): no actor id or name and no address, nothing that another
// event of the same actor could be matched with. It keeps the time, the
// action, the object, its region and after.
func (s *Store) auditAnonymous(tx *gorm.DB, action, objectType string, objectID any, region string, after any) error {
	return s.audit(tx, nil, action, objectType, objectID, region, nil, after)
}

func idString(id any) string {
	switch v := id.(type) {
	case int64:
		return strconv.FormatInt(v, 10)
	case string:
		return v
	default:
		b, _ := json.Marshal(v)
		return string(b)
	}
}

func jsonOrEmpty(v any) string {
	if v == nil {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

// AuditObjectTypes are the kinds of object the audit log records, for its
// filter (a test checks every type the code writes is listed).
var AuditObjectTypes = []string{"organisation", "tender", "bid", "enquiry", "challenge", "contract", "payment", "report",
	"catalogue_version", "catalogue_item", "calendar_day", "calendar_source", "user",
	"office_base", "office_room", "office_allocation", "support_session", "visit", "evaluation", "rectification"}

// AuditFilter narrows the audit log.
type AuditFilter struct {
	ObjectType string
	ObjectID   string
}

// AuditEvents lists events, newest first, limited to the regions where the
// actor may read the audit log. Events without a region (user management)
// are visible only to nationwide readers and admins.
func (s *Store) AuditEvents(ctx context.Context, a *Actor, f AuditFilter, p Page) (List[AuditEvent], error) {
	p = p.Normalise()
	out := List[AuditEvent]{Items: []AuditEvent{}, Page: p.Page, PerPage: p.PerPage}
	q, err := s.auditQuery(s.DB.WithContext(ctx), a, f)
	if err != nil {
		return out, err
	}
	if err := q.Count(&out.Total).Error; err != nil {
		return out, err
	}
	err = q.Order("id DESC").Offset(p.offset()).Limit(p.PerPage).Find(&out.Items).Error
	return out, err
}

// auditQuery is the audit list's events with f, in a's scope.
func (s *Store) auditQuery(db *gorm.DB, a *Actor, f AuditFilter) (*gorm.DB, error) {
	if !a.CanAnywhere("audit:read") {
		return nil, a.require("audit:read", RootRegion)
	}
	q := db.Model(&AuditEvent{})
	regions := a.Regions("audit:read")
	cond, args, all := regionCond("region_code", regions)
	if !all {
		if a.CanAnywhere("user:read") {
			// User managers also see user events, which carry no region.
			cond = "(" + cond + " OR region_code = '')"
		}
		q = q.Where(cond, args...)
	}
	// Events about sealed bids stay hidden until their tender's deadline.
	q = q.Where("sealed_tender_id IS NULL OR sealed_tender_id IN (SELECT id FROM tenders WHERE bid_deadline <= ?)", s.now())
	if f.ObjectType != "" {
		q = q.Where("object_type = ?", f.ObjectType)
	}
	if f.ObjectID != "" {
		q = q.Where("object_id = ?", f.ObjectID)
	}
	return q, nil
}
