package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"portal/models"
	"portal/models/dataset"
)

// generatedEnv is a portal on a database filled with the seed scale, every
// generated account with testPassword.
func generatedEnv(t *testing.T) (*env, *dataset.Figures) {
	t.Helper()
	e := newEnv(t)
	f, err := dataset.Generate(context.Background(), e.store.DB, e.store.Dialect, e.store.Sealer,
		dataset.Options{Scale: dataset.ScaleSeed, Seed: 11, Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	// The running process checks the policy's version at most once a
	// second: take the generated grants now, as a restart would.
	if err := e.authz.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	return e, f
}

// TestGeneratedDatasetIsUsable: after generation the accounts sign in and
// the lists answer with the generated rows.
func TestGeneratedDatasetIsUsable(t *testing.T) {
	e, f := generatedEnv(t)
	status, body := e.anon().do("GET", "/api/v1/tenders?region=45&per_page=200", nil)
	if status != 200 {
		t.Fatalf("public tenders: %d %s", status, body)
	}
	if l := decode[struct{ Total int64 }](t, body); l.Total != f.Totals.ProjectsPublished {
		t.Errorf("the public sees %d tenders, %d were published", l.Total, f.Totals.ProjectsPublished)
	}
	buyer := e.signIn("buyer-45")
	status, body = buyer.do("GET", "/api/v1/tenders?region=45&status=draft", nil)
	if status != 200 || decode[struct{ Total int64 }](t, body).Total == 0 {
		t.Errorf("the province's buyer sees no drafts: %d %s", status, body)
	}
	var c struct {
		ID             int64
		OrganisationID int64
	}
	if err := e.store.DB.Raw("SELECT id, organisation_id FROM contracts ORDER BY id LIMIT 1").Scan(&c).Error; err != nil {
		t.Fatal(err)
	}
	member := e.signIn(fmt.Sprintf("org%05d", c.OrganisationID))
	status, body = member.do("GET", fmt.Sprintf("/api/v1/contracts/%d", c.ID), nil)
	if status != 200 {
		t.Fatalf("the organisation's member reads its contract: %d %s", status, body)
	}
	got := decode[struct {
		Status      string
		PaymentPlan []struct{ AmountFen int64 } `json:"payment_plan"`
		Supervisors []struct{}
	}](t, body)
	if got.Status == "" || len(got.PaymentPlan) == 0 || len(got.Supervisors) == 0 {
		t.Errorf("contract %s", body)
	}
	if status, body := member.do("GET", fmt.Sprintf("/api/v1/contracts/%d/reports", c.ID), nil); status != 200 {
		t.Errorf("its reports: %d %s", status, body)
	}
	if status, body := member.do("GET", fmt.Sprintf("/api/v1/contracts/%d/payments", c.ID), nil); status != 200 {
		t.Errorf("its payments: %d %s", status, body)
	}
	if status, body := buyer.do("GET", "/api/v1/reports?region=45&status=approved", nil); status != 200 {
		t.Errorf("the reports register: %d %s", status, body)
	}
}

// statsAnswer is GET /api/v1/stats read into the generator's types.
type statsAnswer struct {
	Region   models.StatsRegion      `json:"region"`
	From     string                  `json:"from"`
	To       string                  `json:"to"`
	Totals   models.StatsTotals      `json:"totals"`
	Children []dataset.Child         `json:"children"`
	BySource []dataset.SourceFigures `json:"by_source"`
	ByItem   []dataset.ItemFigures   `json:"by_item"`
}

// TestStatsShowTheGeneratedFigures: the statistics of region 45 for the
// article's year are exactly what the generator made (issue 11), totals,
// per city, by funding source and by catalogue item.
func TestStatsShowTheGeneratedFigures(t *testing.T) {
	e, f := generatedEnv(t)
	status, body := e.anon().do("GET", "/api/v1/stats?region=45&from="+f.From+"&to="+f.To, nil)
	if status != 200 {
		t.Fatalf("stats: %d %s", status, body)
	}
	got := decode[statsAnswer](t, body)
	if got.Region.Code != "45" || got.From != f.From || got.To != f.To {
		t.Errorf("answer for %+v %s – %s", got.Region, got.From, got.To)
	}
	if !reflect.DeepEqual(got.Totals, f.Totals) {
		t.Errorf("totals\n got %s\nwant %s", jsonOf(t, got.Totals), jsonOf(t, f.Totals))
	}
	// Children: every city the generator counted, a city absent from the
	// answer reading as all zeros.
	answered := map[string]models.StatsTotals{}
	for _, c := range got.Children {
		answered[c.Region.Code] = c.Totals
	}
	for _, c := range f.Children {
		if g := answered[c.Region.Code]; !reflect.DeepEqual(g, c.Totals) {
			t.Errorf("city %s %s\n got %s\nwant %s", c.Region.Code, c.Region.Name, jsonOf(t, g), jsonOf(t, c.Totals))
		}
		delete(answered, c.Region.Code)
	}
	for code, tt := range answered {
		if !reflect.DeepEqual(tt, models.StatsTotals{}) {
			t.Errorf("child %s has figures the generator did not make: %s", code, jsonOf(t, tt))
		}
	}
	sources := map[string]dataset.SourceFigures{}
	for _, s := range got.BySource {
		sources[s.Source] = s
	}
	for _, s := range f.BySource {
		if g := sources[s.Source]; g != s {
			t.Errorf("source %s: got %+v, want %+v", s.Source, g, s)
		}
		delete(sources, s.Source)
	}
	for _, s := range sources {
		if s.BudgetFen != 0 || s.ContractedFen != 0 {
			t.Errorf("source %+v not generated", s)
		}
	}
	items := map[string]dataset.ItemFigures{}
	for _, it := range got.ByItem {
		items[it.CatalogueCode] = it
	}
	for _, it := range f.ByItem {
		if g := items[it.CatalogueCode]; g != it {
			t.Errorf("item %s: got %+v, want %+v", it.CatalogueCode, g, it)
		}
		delete(items, it.CatalogueCode)
	}
	for _, it := range items {
		if it.Projects != 0 || it.ContractedFen != 0 || it.ChildrenServedPersonTimes != 0 {
			t.Errorf("item %+v not generated", it)
		}
	}
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestGeneratedOpenData: every published tender of the generated dataset
// is in the open-data feed, and every page of it is valid OCDS.
func TestGeneratedOpenData(t *testing.T) {
	e, f := generatedEnv(t)
	rs, _ := feed(t, e, "/api/v1/ocds/releases?per_page=50")
	if int64(len(rs)) != f.Totals.ProjectsPublished {
		t.Fatalf("%d releases, want one per published tender (%d)", len(rs), f.Totals.ProjectsPublished)
	}
}
