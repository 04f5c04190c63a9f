package models

import (
	"context"
	"time"
)

// The exports of the list pages other than the ledgers (ledgers.go): the
// tenders, the contracts, the organisations, the users and the audit log,
// each with its page's filter, scope and order (the same query as the
// page's, see exportRows).

// TenderExportRow is a tender as the tender list shows it: its status at
// the export's one clock reading.
type TenderExportRow struct {
	ID          int64
	Code        string
	Title       string
	RegionCode  string
	Status      string
	Method      string
	BudgetFen   int64
	BidDeadline time.Time
}

// ExportTenders reads the tender list's rows with f for an export.
func (s *Store) ExportTenders(ctx context.Context, a *Actor, f TenderFilter, fn func(ExportRow[TenderExportRow]) error) error {
	return s.read(ctx, func(r *Store) error {
		// The status at now, as fillTenders derives it: a published tender
		// past its deadline is opened, or unsuccessful with too few bids.
		status := "(CASE WHEN status = ? AND bid_deadline <= ? THEN (CASE WHEN " + submittedCount + " >= " + minValidBidsSQL() +
			" THEN ? ELSE ? END) ELSE status END) AS status"
		return exportRows(ctx, r, r.tenderListQuery(r.DB.WithContext(ctx), a, f), exportQuery{Region: "region_code", Order: "id DESC",
			Columns: "id, code, title, region_code, method, budget_fen, bid_deadline, " + status,
			Args:    []any{TenderPublished, r.now(), openedStatuses, TenderOpened, TenderUnsuccessful}, Narrow: []string{"region", "status", "q"}}, fn)
	})
}

// ContractExportRow is a contract as the contract list shows it.
type ContractExportRow struct {
	ID               int64
	Number           string
	OrganisationName string
	RegionCode       string
	AmountFen        int64
	ServiceStart     string
	ServiceEnd       string
	Status           string
}

// ExportContracts reads the contract list's rows with f for an export.
func (s *Store) ExportContracts(ctx context.Context, a *Actor, f ContractFilter, fn func(ExportRow[ContractExportRow]) error) error {
	return s.read(ctx, func(r *Store) error {
		q, err := r.contractsQuery(r.DB.WithContext(ctx), a, f)
		if err != nil {
			return err
		}
		// The list's filters name the contracts' columns unqualified: the
		// organisation's name comes from a subquery, not a join.
		return exportRows(ctx, r, q, exportQuery{Region: "region_code", Order: "id DESC",
			Columns: "id, number, (SELECT o.name FROM organisations o WHERE o.id = contracts.organisation_id) AS organisation_name, region_code, amount_fen, " +
				"CAST(service_start AS TEXT) AS service_start, CAST(service_end AS TEXT) AS service_end, " + contractStatusSQL + " AS status",
			Args: []any{chinaToday(r.now())}, Narrow: []string{"region", "status"}}, fn)
	})
}

// OrganisationExportRow is an organisation as the organisation list shows
// it (its public fields).
type OrganisationExportRow struct {
	ID               int64
	Name             string
	CreditCode       string
	RegionCode       string
	RegistrationType string
	Status           string
}

// ExportOrganisations reads the organisation list's rows with f.
func (s *Store) ExportOrganisations(ctx context.Context, a *Actor, f OrganisationFilter, fn func(ExportRow[OrganisationExportRow]) error) error {
	return s.read(ctx, func(r *Store) error {
		q, err := organisationsQuery(r.DB.WithContext(ctx), a, f)
		if err != nil {
			return err
		}
		return exportRows(ctx, r, q, exportQuery{Region: "region_code", Order: "id",
			Columns: "id, name, credit_code, region_code, registration_type, status", Narrow: []string{"region", "status", "q"}}, fn)
	})
}

// UserExportRow is a user as the user list shows it (the roles are the
// authoriser's, in memory; ExportRow.Regions names every grant's region).
type UserExportRow struct {
	ID          int64
	Username    string
	DisplayName string
	Phone       string
	Disabled    bool
}

// ExportUsers reads the user list's rows with f.
func (s *Store) ExportUsers(ctx context.Context, a *Actor, f UserFilter, fn func(ExportRow[UserExportRow]) error) error {
	return s.read(ctx, func(r *Store) error {
		q, err := r.usersQuery(r.DB.WithContext(ctx), a, f)
		if err != nil {
			return err
		}
		// The roles' regions: those of every grant, named before the rows.
		var codes []string
		if err := r.DB.WithContext(ctx).Table("casbin_rule").Where("ptype = 'g'").Distinct("v2").Pluck("v2", &codes).Error; err != nil {
			return err
		}
		names, err := r.RegionLabels(ctx, codes)
		if err != nil {
			return err
		}
		return exportRows(ctx, r, q, exportQuery{Order: "id", Columns: "id, username, display_name, phone, disabled", Narrow: []string{"q"}},
			func(row ExportRow[UserExportRow]) error { row.Regions = names; return fn(row) })
	})
}

// ExportAuditEvents reads the audit list's events with f.
func (s *Store) ExportAuditEvents(ctx context.Context, a *Actor, f AuditFilter, fn func(ExportRow[AuditEvent]) error) error {
	return s.read(ctx, func(r *Store) error {
		q, err := r.auditQuery(r.DB.WithContext(ctx), a, f)
		if err != nil {
			return err
		}
		return exportRows(ctx, r, q, exportQuery{Region: "region_code", Order: "id DESC",
			Columns: "id, at, actor_id, actor_name, action, object_type, object_id, region_code, before, after, remote_addr",
			Narrow:  []string{"object_type", "object_id"}}, fn)
	})
}

// NoticeExportRow is a public notice as the notice search lists it: its
// kind, the tender's code, title, region and method, and its date (Ref is
// the amendment's number, or the contract's id).
type NoticeExportRow struct {
	Kind       string
	TenderID   int64
	Ref        int64
	Code       string
	Title      string
	RegionCode string
	Method     string
	At         time.Time
}

// ExportNotices reads the notices f selects, newest first, as Notices
// lists them.
func (s *Store) ExportNotices(ctx context.Context, a *Actor, f NoticeFilter, fn func(ExportRow[NoticeExportRow]) error) error {
	if err := checkNoticeFilter(&f); err != nil {
		return err
	}
	return s.read(ctx, func(r *Store) error {
		db := r.DB.WithContext(ctx)
		q := db.Table("(?) AS n", db.Raw(noticeUnion(), map[string]any{"now": r.now(), "opened": openedStatuses}))
		if f.Kind != "" {
			q = q.Where("n.kind = ?", f.Kind)
		}
		if f.Region != "" {
			q = regionStarts(q, "n.region_code", f.Region)
		}
		if f.Method != "" {
			q = q.Where("n.method = ?", f.Method)
		}
		if f.Q != "" {
			q = q.Where("(n.title LIKE ? OR n.code LIKE ?)", "%"+f.Q+"%", "%"+f.Q+"%")
		}
		if f.From != "" {
			from, _ := chinaDay(f.From)
			q = q.Where("n.at >= ?", from)
		}
		if f.To != "" {
			to, _ := chinaDay(f.To)
			q = q.Where("n.at < ?", to.Add(day))
		}
		return exportRows(ctx, r, q, exportQuery{Region: "n.region_code", Order: "n.at DESC, n.tender_id DESC, n.ref DESC",
			Columns: "n.kind, n.tender_id, n.ref, n.code, n.title, n.region_code, n.method, n.at", Narrow: []string{"kind", "region", "from", "to"}, Names: true}, fn)
	})
}

// BaseExportRow is an office base as the list of bases shows it.
type BaseExportRow struct {
	ID         int64
	Name       string
	RegionCode string
	Address    string
	RoomCount  int64
}

// ExportBases reads the list of bases with f.
func (s *Store) ExportBases(ctx context.Context, a *Actor, f BaseFilter, fn func(ExportRow[BaseExportRow]) error) error {
	return s.read(ctx, func(r *Store) error {
		q, err := basesQuery(r.DB.WithContext(ctx), a, f)
		if err != nil {
			return err
		}
		return exportRows(ctx, r, q, exportQuery{Region: "region_code", Order: "region_code, name, id",
			Columns: "id, name, region_code, address, (SELECT COUNT(*) FROM office_rooms rm WHERE rm.base_id = office_bases.id) AS room_count",
			Narrow:  []string{"region"}}, fn)
	})
}

// ExportNotifications reads the caller's own notifications with f, newest
// first.
func (s *Store) ExportNotifications(ctx context.Context, a *Actor, f NotificationFilter, fn func(ExportRow[Notification]) error) error {
	return s.read(ctx, func(r *Store) error {
		q, err := notificationsQuery(r.DB.WithContext(ctx), a, f)
		if err != nil {
			return err
		}
		return exportRows(ctx, r, q, exportQuery{Order: "id DESC", Columns: "id, user_id, kind, object_type, object_id, params, created_at, read_at",
			Narrow: []string{"unread"}}, fn)
	})
}
