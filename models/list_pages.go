package models

import (
	"context"
	"errors"
	"time"
)

// The list pages' and the tender form's read models: like pages.go, each
// page's data comes from one read with one clock reading.

// TenderListView is the tender list page: the filter as applied (an
// agency's unfiltered visit lands on its own city's open tenders), the
// page of tenders and the names of their regions.
type TenderListView struct {
	Filter  TenderFilter
	List    List[Tender]
	Regions map[string]string // code → label, for the listed tenders
	Now     time.Time
}

// TenderListPage reads the tender list. With agencyDefault, a member of an
// organisation that may bid sees its own city's open tenders.
func (s *Store) TenderListPage(ctx context.Context, a *Actor, f TenderFilter, p Page, agencyDefault bool) (*TenderListView, error) {
	v := &TenderListView{}
	err := s.read(ctx, func(r *Store) error {
		v.Now = r.now()
		if agencyDefault && a.OrganisationID != nil && a.CanAnywhere("bid:write") {
			if o, err := r.orgByID(r.DB.WithContext(ctx), *a.OrganisationID); err == nil {
				f.Region = o.RegionCode[:min(4, len(o.RegionCode))]
				f.Status = TenderPublished
			} else if !errors.Is(err, ErrNotFound) {
				return err
			}
		}
		var err error
		if v.List, err = r.Tenders(ctx, a, f, p); err != nil {
			return err
		}
		codes := make([]string, len(v.List.Items))
		for i, t := range v.List.Items {
			codes[i] = t.RegionCode
		}
		v.Regions, err = r.RegionLabels(ctx, codes)
		return err
	})
	v.Filter = f
	return v, err
}

// ContractListView is the contract list page.
type ContractListView struct {
	List    List[Contract]
	Regions map[string]string
	Now     time.Time
}

// ContractListPage reads the contracts the caller may see.
func (s *Store) ContractListPage(ctx context.Context, a *Actor, f ContractFilter, p Page) (*ContractListView, error) {
	v := &ContractListView{}
	err := s.read(ctx, func(r *Store) error {
		v.Now = r.now()
		var err error
		if v.List, err = r.Contracts(ctx, a, f, p); err != nil {
			return err
		}
		codes := make([]string, len(v.List.Items))
		for i, c := range v.List.Items {
			codes[i] = c.RegionCode
		}
		v.Regions, err = r.RegionLabels(ctx, codes)
		return err
	})
	return v, err
}

// PanelsView is an expert's list of panels.
type PanelsView struct {
	Panels []Assignment
	Now    time.Time
}

// PanelsPage reads the caller's panel appointments with their tenders.
func (s *Store) PanelsPage(ctx context.Context, a *Actor) (*PanelsView, error) {
	v := &PanelsView{}
	err := s.read(ctx, func(r *Store) error {
		v.Now = r.now()
		var err error
		v.Panels, err = r.Panels(ctx, a)
		return err
	})
	return v, err
}

// TenderFormQuery says which form to read: a new tender (ID 0) or the
// edit of tender ID; Region and Year pick the catalogue offered (an edit
// without them uses the tender's); CheckPublish also reads what
// publishing the draft now would refuse.
type TenderFormQuery struct {
	ID           int64
	CheckPublish bool
	Region       string
	Year         int
}

// TenderFormView is the tender form's data: the tender (nil when new),
// the regions the caller buys for, the catalogue's items with indicators,
// and a refused publish's fields.
type TenderFormView struct {
	Tender      *Tender
	Refusal     error // an Invalid error, or nil
	Regions     []Region
	Region      string // the region whose catalogue is offered
	Items       []CatalogueItem
	RegionNames map[string]string
	Now         time.Time
}

// TenderFormPage reads the tender form.
func (s *Store) TenderFormPage(ctx context.Context, a *Actor, q TenderFormQuery) (*TenderFormView, error) {
	v := &TenderFormView{}
	err := s.read(ctx, func(r *Store) error {
		v.Now = r.now()
		region, year := q.Region, q.Year
		if q.ID != 0 {
			t, err := r.ManagedTender(ctx, a, q.ID)
			if err != nil {
				return err
			}
			v.Tender = t
			if region == "" {
				region = t.RegionCode
			}
			if year == 0 {
				year = t.CatalogueYear
			}
			if q.CheckPublish {
				if v.Refusal, err = r.draftRefusal(ctx, t); err != nil {
					return err
				}
			}
			if v.RegionNames, err = r.RegionLabels(ctx, []string{t.RegionCode}); err != nil {
				return err
			}
		}
		if err := r.buyingRegions(ctx, a, v); err != nil {
			return err
		}
		// The catalogue offered is that of a region the caller manages; a
		// typed region that is none of them is an error next to its field.
		v.Region = region
		known := false
		for _, rg := range v.Regions {
			known = known || rg.Code == region
		}
		if !known && len(v.Regions) > 0 {
			v.Region = v.Regions[0].Code
		}
		_, items, err := r.CatalogueTree(ctx, nil, CatalogueQuery{Region: v.Region, Year: year})
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		for _, it := range items {
			if len(it.Indicators) > 0 {
				v.Items = append(v.Items, it)
			}
		}
		return nil
	})
	return v, err
}

// buyingRegions lists the regions the caller's tender:manage grants name
// and their children, each once, in grant order.
func (s *Store) buyingRegions(ctx context.Context, a *Actor, v *TenderFormView) error {
	seen := map[string]bool{}
	for _, code := range a.Regions("tender:manage") {
		if code == RootRegion {
			code = ""
		}
		if rg, err := s.Region(ctx, code); err == nil && !seen[rg.Code] {
			seen[rg.Code] = true
			v.Regions = append(v.Regions, *rg)
		}
		children, err := s.Regions(ctx, code)
		if err != nil {
			return err
		}
		for _, rg := range children {
			if !seen[rg.Code] {
				seen[rg.Code] = true
				v.Regions = append(v.Regions, rg)
			}
		}
	}
	return nil
}

// CatalogueView is a catalogue version's page: the version, its items
// and the region's other versions.
type CatalogueView struct {
	Version  *CatalogueVersion
	Items    []CatalogueItem
	Versions []CatalogueVersion
}

// CataloguePage reads a catalogue version with its items and the list of
// the region's versions.
func (s *Store) CataloguePage(ctx context.Context, a *Actor, q CatalogueQuery) (*CatalogueView, error) {
	v := &CatalogueView{}
	err := s.read(ctx, func(r *Store) error {
		var err error
		if v.Version, v.Items, err = r.CatalogueTree(ctx, a, q); err != nil {
			return err
		}
		versions, err := r.CatalogueVersions(ctx, a, v.Version.RegionCode, Page{PerPage: MaxPerPage})
		v.Versions = versions.Items
		return err
	})
	return v, err
}
