package handlers_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"portal/models"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The official OCDS 1.1.5 schemas, copied into docs/ocds-1.1.5 with their
// licence. The package schema refers to the release schema by its URL,
// which maps to the local file.
const (
	ocdsPackageURL = "https://standard.open-contracting.org/schema/1__1__5/release-package-schema.json"
	ocdsReleaseURL = "https://standard.open-contracting.org/schema/1__1__5/release-schema.json"
)

var ocdsSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	for url, file := range map[string]string{ocdsPackageURL: "release-package-schema.json", ocdsReleaseURL: "release-schema.json"} {
		f, err := os.Open("../docs/ocds-1.1.5/" + file)
		if err != nil {
			return nil, err
		}
		doc, err := jsonschema.UnmarshalJSON(f)
		f.Close()
		if err != nil {
			return nil, err
		}
		if err := c.AddResource(url, doc); err != nil {
			return nil, err
		}
	}
	return c.Compile(ocdsPackageURL)
})

// validPackage checks a release package against the official schema.
func validPackage(t *testing.T, body []byte) {
	t.Helper()
	sch, err := ocdsSchema()
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("not JSON: %v: %.300s", err, body)
	}
	if err := sch.Validate(inst); err != nil {
		t.Fatalf("release package invalid: %v\n%.2000s", err, body)
	}
}

type ocdsRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type ocdsValueJSON struct {
	Amount   json.Number `json:"amount"`
	Currency string      `json:"currency"`
}

type ocdsReleaseJSON struct {
	OCID    string   `json:"ocid"`
	ID      string   `json:"id"`
	Date    string   `json:"date"`
	Tag     []string `json:"tag"`
	Parties []struct {
		ID         string   `json:"id"`
		Name       string   `json:"name"`
		Roles      []string `json:"roles"`
		Identifier *struct {
			Scheme string `json:"scheme"`
			ID     string `json:"id"`
		} `json:"identifier"`
	} `json:"parties"`
	Buyer  ocdsRef `json:"buyer"`
	Tender struct {
		ID                       string        `json:"id"`
		Status                   string        `json:"status"`
		ProcurementMethod        string        `json:"procurementMethod"`
		ProcurementMethodDetails string        `json:"procurementMethodDetails"`
		Value                    ocdsValueJSON `json:"value"`
		NumberOfTenderers        *int          `json:"numberOfTenderers"`
		Tenderers                []ocdsRef     `json:"tenderers"`
		Amendments               []struct {
			Rationale string `json:"rationale"`
		} `json:"amendments"`
		Items []struct {
			Classification struct {
				Scheme, ID, Description string
			} `json:"classification"`
		} `json:"items"`
	} `json:"tender"`
	Awards []struct {
		ID        string        `json:"id"`
		Value     ocdsValueJSON `json:"value"`
		Suppliers []ocdsRef     `json:"suppliers"`
	} `json:"awards"`
	Contracts []struct {
		Status     string        `json:"status"`
		Value      ocdsValueJSON `json:"value"`
		Milestones []struct {
			Code   string `json:"code"`
			Status string `json:"status"`
		} `json:"milestones"`
		Implementation *struct {
			Transactions []struct {
				Date  string        `json:"date"`
				Value ocdsValueJSON `json:"value"`
				Payee ocdsRef       `json:"payee"`
				Payer ocdsRef       `json:"payer"`
			} `json:"transactions"`
		} `json:"implementation"`
	} `json:"contracts"`
}

type ocdsPackageJSON struct {
	URI           string            `json:"uri"`
	PublishedDate string            `json:"publishedDate"`
	Releases      []json.RawMessage `json:"releases"`
	Links         *struct {
		Next string `json:"next"`
	} `json:"links"`
}

// feed reads every page of the feed from path, following links.next,
// validating each package, and returns the releases and their raw JSON.
func feed(t *testing.T, e *env, path string) ([]ocdsReleaseJSON, []string) {
	t.Helper()
	var out []ocdsReleaseJSON
	var raw []string
	for pages := 0; path != ""; pages++ {
		if pages > 100 {
			t.Fatal("links.next does not end")
		}
		s, b := e.anon().do("GET", path, nil)
		must(t, 200, s, b, "feed "+path)
		pkg := decode[ocdsPackageJSON](t, b)
		if len(pkg.Releases) > 0 {
			validPackage(t, b)
		}
		for _, r := range pkg.Releases {
			out = append(out, decode[ocdsReleaseJSON](t, r))
			raw = append(raw, string(r))
		}
		path = ""
		if pkg.Links != nil {
			u, err := url.Parse(pkg.Links.Next)
			if err != nil || u.Host == "" {
				t.Fatalf("links.next %q", pkg.Links.Next)
			}
			path = u.RequestURI()
		}
	}
	return out, raw
}

func releasesOf(rs []ocdsReleaseJSON, ocid string) []ocdsReleaseJSON {
	var out []ocdsReleaseJSON
	for _, r := range rs {
		if r.OCID == ocid {
			out = append(out, r)
		}
	}
	return out
}

func tagsOf(rs []ocdsReleaseJSON) [][]string {
	out := [][]string{}
	for _, r := range rs {
		out = append(out, r.Tag)
	}
	return out
}

func (w *tenderWorld) creditCode(t *testing.T, org int64) string {
	var o models.Organisation
	if err := w.e.store.DB.First(&o, org).Error; err != nil {
		t.Fatal(err)
	}
	return o.CreditCode
}

func tenderCode(t *testing.T, w *tenderWorld, id int64) string {
	s, b := w.e.anon().do("GET", fmt.Sprintf("/api/v1/tenders/%d", id), nil)
	return decode[struct{ Code string }](t, must(t, 200, s, b, "tender")).Code
}

// TestOCDSFeedFollowsTendersThroughTheirLives runs a tender from draft to
// a terminated contract with a tranche paid, and another through an
// amendment to its cancellation, and reads the feed as the public does.
func TestOCDSFeedFollowsTendersThroughTheirLives(t *testing.T) {
	w := newTenderWorld(t)
	w.e.store.Settings.OCDSPrefix = "t3st01"
	const feedPath = "/api/v1/ocds/releases"

	// A draft, cancelled unpublished: never released.
	s, b := w.buyer.do("POST", "/api/v1/tenders", w.tenderBody())
	draft := decode[idOnly](t, must(t, 201, s, b, "draft"))
	s, b = w.buyer.do("POST", fmt.Sprintf("/api/v1/tenders/%d/cancel", draft.ID), map[string]string{"reason": "不再需要"})
	must(t, 200, s, b, "cancel draft")
	s, b = w.e.anon().do("GET", feedPath, nil)
	if pkg := decode[ocdsPackageJSON](t, must(t, 200, s, b, "empty feed")); len(pkg.Releases) != 0 {
		t.Fatalf("a draft was released: %s", b)
	}

	// The second tender: published, bid on, amended, cancelled, all
	// before its deadline.
	second := w.publish(t)
	secondCode := tenderCode(t, w, second)
	for i := range w.agents {
		w.bid(t, i, second, 200_000+int64(i), "方案")
	}
	s, b = w.buyer.do("PATCH", fmt.Sprintf("/api/v1/tenders/%d", second), map[string]any{"title": "兴宁区困境儿童关爱服务项目（更正）", "notice": "项目名称更正"})
	must(t, 200, s, b, "amend")
	w.now = w.now.Add(time.Hour)
	s, b = w.buyer.do("POST", fmt.Sprintf("/api/v1/tenders/%d/cancel", second), map[string]string{"reason": "预算调整"})
	must(t, 200, s, b, "cancel")

	// The first: through award, contract, a payment and termination.
	contract := w.signedContractAPI(t)
	var c models.Contract
	if err := w.e.store.DB.First(&c, contract).Error; err != nil {
		t.Fatal(err)
	}
	firstCode := tenderCode(t, w, c.TenderID)
	ps := w.paymentsAPI(t, w.buyer, contract)
	s, b = w.buyer.do("POST", fmt.Sprintf("/api/v1/payments/%d/approve", ps[0].ID), nil)
	must(t, 200, s, b, "approve")
	paidOn := w.now.In(models.ChinaZone).Format(time.DateOnly)
	s, b = w.buyer.do("POST", fmt.Sprintf("/api/v1/payments/%d/pay", ps[0].ID), map[string]any{"paid_on": paidOn, "voucher_no": "记-0001"})
	must(t, 200, s, b, "pay")
	// A start-up fund, approved (no release) and paid: a second transaction.
	s, b = w.buyer.do("POST", fmt.Sprintf("/api/v1/contracts/%d/startup-funds", contract), map[string]any{"amount_fen": 12_345, "purpose": "创业项目"})
	fund := decode[paymentJSON](t, must(t, 201, s, b, "grant fund"))
	s, b = w.buyer.do("POST", fmt.Sprintf("/api/v1/payments/%d/approve", fund.ID), nil)
	must(t, 200, s, b, "approve fund")
	s, b = w.buyer.do("POST", fmt.Sprintf("/api/v1/payments/%d/pay", fund.ID), map[string]any{"paid_on": paidOn, "voucher_no": "记-0002"})
	must(t, 200, s, b, "pay fund")
	w.now = w.now.Add(24 * time.Hour)
	s, b = w.buyer.do("POST", fmt.Sprintf("/api/v1/contracts/%d/terminate", contract), map[string]string{"reason": "机构停业"})
	must(t, 200, s, b, "terminate")

	all, raw := feed(t, w.e, feedPath+"?per_page=2")
	ids := map[string]bool{}
	for _, r := range all {
		if ids[r.ID] {
			t.Fatalf("release id %s twice", r.ID)
		}
		ids[r.ID] = true
		if !strings.HasPrefix(r.ID, r.OCID+"-") {
			t.Fatalf("release id %s outside its ocid %s", r.ID, r.OCID)
		}
	}

	// The second tender: one release per change, none about its bids.
	secondOCID := "ocds-t3st01-" + secondCode
	rs := releasesOf(all, secondOCID)
	if got := tagsOf(rs); !slices.EqualFunc(got, [][]string{{"tender"}, {"tenderAmendment"}, {"tenderCancellation"}}, slices.Equal) {
		t.Fatalf("second tender's tags: %v", got)
	}
	if len(rs[1].Tender.Amendments) != 1 || rs[1].Tender.Amendments[0].Rationale != "项目名称更正" || len(rs[0].Tender.Amendments) != 0 {
		t.Fatalf("amendments: %+v / %+v", rs[0].Tender.Amendments, rs[1].Tender.Amendments)
	}
	if rs[2].Tender.Status != "cancelled" || rs[0].Tender.Status != "active" {
		t.Fatalf("statuses: %s %s", rs[0].Tender.Status, rs[2].Tender.Status)
	}
	for i, r := range rs {
		if r.Tender.NumberOfTenderers != nil || len(r.Tender.Tenderers) > 0 || len(r.Parties) != 1 || len(r.Awards) > 0 {
			t.Fatalf("release %d before the deadline tells of bids: %s", i, raw[slices.IndexFunc(all, func(x ocdsReleaseJSON) bool { return x.ID == r.ID })])
		}
	}
	for _, j := range raw {
		if strings.Contains(j, secondOCID) {
			for _, org := range w.orgs {
				if code := w.creditCode(t, org); strings.Contains(j, code) {
					t.Fatalf("a release before the deadline names bidder %s: %s", code, j)
				}
			}
		}
	}

	// The first: publication, award, contract, payment, termination.
	firstOCID := "ocds-t3st01-" + firstCode
	rs = releasesOf(all, firstOCID)
	want := [][]string{{"tender"}, {"award"}, {"contract"}, {"implementation"}, {"implementation"}, {"contractTermination"}}
	if got := tagsOf(rs); !slices.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("first tender's tags: %v, want %v", got, want)
	}
	if len(all) != 9 {
		t.Fatalf("%d releases, want 9", len(all))
	}
	pub := rs[0]
	if pub.Tender.ID != firstCode || pub.Tender.ProcurementMethod != "limited" || pub.Tender.ProcurementMethodDetails != "竞争性磋商" ||
		pub.Tender.Value.Amount.String() != "300000.00" || pub.Tender.Value.Currency != "CNY" {
		t.Fatalf("published tender: %+v", pub.Tender)
	}
	if cl := pub.Tender.Items[0].Classification; cl.Scheme != models.CatalogueScheme || cl.ID != "C0603" || cl.Description == "" || cl.Description == "C0603" {
		t.Fatalf("classification: %+v", cl)
	}
	if pub.Buyer.ID != "CN-MZ-450102" || pub.Buyer.Name != "南宁市兴宁区民政局" || pub.Parties[0].ID != pub.Buyer.ID ||
		!slices.Contains(pub.Parties[0].Roles, "procuringEntity") {
		t.Fatalf("buyer: %+v %+v", pub.Buyer, pub.Parties)
	}
	if pub.Tender.NumberOfTenderers != nil || len(pub.Parties) != 1 {
		t.Fatalf("the published release tells of bids: %+v", pub)
	}
	award := rs[1]
	winner := w.creditCode(t, w.orgs[2])
	if n := award.Tender.NumberOfTenderers; n == nil || *n != 3 || len(award.Tender.Tenderers) != 3 {
		t.Fatalf("tenderers after the deadline: %+v", award.Tender)
	}
	if len(award.Awards) != 1 || award.Awards[0].Suppliers[0].ID != "CN-USCI-"+winner || award.Awards[0].Value.Amount.String() != "300000.00" {
		t.Fatalf("award: %+v", award.Awards)
	}
	for _, p := range award.Parties[1:] {
		if p.Identifier == nil || p.Identifier.Scheme != "CN-USCI" || len(p.Identifier.ID) != 18 || p.ID != "CN-USCI-"+p.Identifier.ID {
			t.Fatalf("organisation party: %+v", p)
		}
	}
	signed := rs[2]
	if len(signed.Contracts) != 1 || signed.Contracts[0].Status != "active" || signed.Contracts[0].Value.Amount.String() != "300000.00" {
		t.Fatalf("contract: %+v", signed.Contracts)
	}
	ms := signed.Contracts[0].Milestones
	if len(ms) != 3 || ms[0].Code != "signing" || ms[0].Status != "met" || ms[1].Code != "midterm" || ms[1].Status != "scheduled" || ms[2].Code != "acceptance" {
		t.Fatalf("milestones: %+v", ms)
	}
	if signed.Contracts[0].Implementation != nil {
		t.Fatalf("a transaction before any payment: %+v", signed.Contracts[0].Implementation)
	}
	paid := rs[3].Contracts[0].Implementation
	if paid == nil || len(paid.Transactions) != 1 || paid.Transactions[0].Value.Amount.String() != "90000.00" ||
		!strings.HasPrefix(paid.Transactions[0].Date, paidOn+"T") || paid.Transactions[0].Payee.ID != "CN-USCI-"+winner || paid.Transactions[0].Payer.ID != "CN-MZ-450102" {
		t.Fatalf("transaction: %+v", paid)
	}
	funded := rs[4].Contracts[0].Implementation
	if funded == nil || len(funded.Transactions) != 2 || funded.Transactions[1].Value.Amount.String() != "123.45" || len(rs[4].Contracts[0].Milestones) != 3 {
		t.Fatalf("the start-up fund's transaction: %+v", rs[4].Contracts[0])
	}
	ended := rs[5].Contracts[0]
	if ended.Status != "terminated" || ended.Milestones[1].Status != "notMet" || len(ended.Implementation.Transactions) != 2 {
		t.Fatalf("terminated contract: %+v", ended)
	}

	// Paging: per_page=2 gave the same releases as one page of all.
	whole, _ := feed(t, w.e, feedPath)
	if len(whole) != len(all) {
		t.Fatalf("one page: %d releases, paged: %d", len(whole), len(all))
	}
	for i := range whole {
		if whole[i].ID != all[i].ID {
			t.Fatalf("paged order differs at %d", i)
		}
	}
	// since: from the award's date on.
	since, _ := feed(t, w.e, feedPath+"?since="+url.QueryEscape(award.Date))
	if len(since) == 0 || since[0].ID != award.ID {
		t.Fatalf("since %s: %v", award.Date, tagsOf(since))
	}
	for _, r := range since {
		if r.Date < award.Date {
			t.Fatalf("release of %s since %s", r.Date, award.Date)
		}
	}
	day := strings.Split(rs[5].Date, "T")[0]
	onDay, _ := feed(t, w.e, feedPath+"?since="+day)
	if len(onDay) != 1 || onDay[0].ID != rs[5].ID {
		t.Fatalf("since %s: %v", day, tagsOf(onDay))
	}
	future, _ := feed(t, w.e, feedPath+"?since=2099-01-01")
	if len(future) != 0 {
		t.Fatalf("releases from the future: %v", tagsOf(future))
	}
	for _, bad := range []struct{ query, field string }{
		{"since=yesterday", "since"}, {"since=2026-02-30", "since"}, {"page=abc", "page"}, {"page=0", "page"}, {"page=-3", "page"},
		{"per_page=0", "per_page"}, {"per_page=201", "per_page"}, {"page=99999999999999999999", "page"},
	} {
		s, b := w.e.anon().do("GET", feedPath+"?"+bad.query, nil)
		must(t, 422, s, b, bad.query)
		if f := fieldsOf(t, b); !slices.Equal(f, []string{bad.field}) {
			t.Fatalf("%s: fields %v", bad.query, f)
		}
	}
}

// TestOCDSMethodMapping publishes one tender of each method and reads its
// release's procurementMethod.
func TestOCDSMethodMapping(t *testing.T) {
	w := newTenderWorld(t)
	zero := time.Duration(0)
	w.e.store.Settings.MinBidPeriod = &zero
	want := map[string][2]string{
		"open_tender": {"open", "公开招标"}, "invited_tender": {"selective", "邀请招标"},
		"competitive_consultation": {"limited", "竞争性磋商"}, "competitive_negotiation": {"limited", "竞争性谈判"},
		"inquiry": {"limited", "询价"}, "single_source": {"direct", "单一来源"},
	}
	codes := map[string]string{}
	for _, m := range models.MethodKeys {
		body := w.tenderBody()
		body["method"] = m
		body["budget"] = []map[string]any{{"source": "local_budget", "amount_fen": 1_234_567}}
		rule := models.Methods[m]
		if rule.Evaluations[0] == models.EvalLowestPrice {
			body["evaluation"] = models.EvalLowestPrice
			delete(body, "criteria")
		}
		if rule.Invited {
			body["invited"] = w.orgs
		}
		s, b := w.buyer.do("POST", "/api/v1/tenders", body)
		id := decode[idOnly](t, must(t, 201, s, b, "create "+m)).ID
		s, b = w.buyer.do("POST", fmt.Sprintf("/api/v1/tenders/%d/publish", id), nil)
		must(t, 200, s, b, "publish "+m)
		codes[m] = tenderCode(t, w, id)
	}
	all, raw := feed(t, w.e, "/api/v1/ocds/releases")
	if len(all) != len(models.MethodKeys) {
		t.Fatalf("%d releases for %d tenders", len(all), len(models.MethodKeys))
	}
	for m, code := range codes {
		rs := releasesOf(all, "ocds-"+models.DefaultOCDSPrefix+"-"+code)
		if len(rs) != 1 || rs[0].Tender.ProcurementMethod != want[m][0] || rs[0].Tender.ProcurementMethodDetails != want[m][1] {
			t.Fatalf("%s: %+v", m, rs)
		}
		if rs[0].Tender.Value.Amount.String() != "12345.67" {
			t.Fatalf("%s: 1,234,567 fen is %s yuan", m, rs[0].Tender.Value.Amount)
		}
	}
	if !strings.Contains(raw[0], `"amount":12345.67,"currency":"CNY"`) {
		t.Fatalf("amount not an exact number: %s", raw[0])
	}
}

// TestOCDSBulkDownloadAndPage: the bulk download holds every release as
// one valid package (plain and gzip); the page explains the feed in both
// languages and links the download; the home page links the page.
func TestOCDSBulkDownloadAndPage(t *testing.T) {
	w := newTenderWorld(t)
	for i := 0; i < 3; i++ {
		w.publish(t)
		w.now = w.now.Add(time.Minute)
	}
	_, raw := feed(t, w.e, "/api/v1/ocds/releases")
	resp, err := w.e.anon().http.Get(w.e.srv.URL + "/api/v1/ocds/releases.json")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("bulk: %d %v", resp.StatusCode, resp.Header)
	}
	validPackage(t, body)
	pkg := decode[ocdsPackageJSON](t, body)
	if len(pkg.Releases) != len(raw) || len(raw) != 3 {
		t.Fatalf("bulk has %d releases, the feed %d", len(pkg.Releases), len(raw))
	}
	for i := range raw {
		if string(pkg.Releases[i]) != raw[i] {
			t.Fatalf("bulk release %d differs:\n%s\n%s", i, pkg.Releases[i], raw[i])
		}
	}
	resp, err = w.e.anon().http.Get(w.e.srv.URL + "/api/v1/ocds/releases.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	unzipped, err := io.ReadAll(zr)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	validPackage(t, unzipped)
	if gz := decode[ocdsPackageJSON](t, unzipped); !slices.EqualFunc(gz.Releases, pkg.Releases, func(a, b json.RawMessage) bool { return bytes.Equal(a, b) }) {
		t.Fatalf("gzip download's releases differ from the plain one's")
	}

	for lang, words := range map[string][]string{"zh": {"开放缔约数据标准", "ocds-portal-450102-2026-0001", "单一来源", "direct", "CN-USCI"},
		"en": {"Open Contracting Data Standard", "ocds-portal-450102-2026-0001", "Single source", "direct", "CN-USCI", "OCDS helpdesk"}} {
		c := w.e.anon()
		c.http.Jar.SetCookies(mustURL(t, w.e.srv.URL), []*http.Cookie{{Name: "lang", Value: lang}})
		s, b := c.do("GET", "/open-data", nil)
		must(t, 200, s, b, "open data page "+lang)
		for _, word := range append(words, `href="/api/v1/ocds/releases.json"`, `id="ocds-releases">3<`) {
			if !strings.Contains(string(b), word) {
				t.Fatalf("%s page lacks %q", lang, word)
			}
		}
		s, b = c.do("GET", "/", nil)
		if must(t, 200, s, b, "home"); !strings.Contains(string(b), `id="home-open-data"`) || !strings.Contains(string(b), `id="footer-open-data"`) {
			t.Fatalf("home page does not link the open data page (%s)", lang)
		}
	}
}

func mustURL(t *testing.T, raw string) *url.URL {
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestOCDSContractChanges: the first approved report (in service), a
// passed midterm evaluation (the midterm tranche's milestone met), the
// final evaluation and the acceptance are each a contractUpdate release.
func TestOCDSContractChanges(t *testing.T) {
	w := newTenderWorld(t)
	w.e.store.Settings.SessionIdle, w.e.store.Settings.SessionAbsolute = 10000*time.Hour, 10000*time.Hour
	contract := w.signedContractAPI(t)
	cp := fmt.Sprintf("/api/v1/contracts/%d", contract)
	w.now = time.Date(2026, 5, 5, 9, 0, 0, 0, time.UTC)
	// Sign in again at the new time (sessions end 1000 h after sign-in).
	member := w.e.signIn("agent3")
	w.buyer = w.e.signIn("xn-buyer")
	s, b := member.do("POST", cp+"/reports", aprilBody())
	report := decode[reportDoc](t, must(t, 201, s, b, "report"))
	s, b = member.do("POST", fmt.Sprintf("/api/v1/reports/%d/submit", report.ID), nil)
	must(t, 200, s, b, "submit report")
	s, b = w.buyer.do("POST", fmt.Sprintf("/api/v1/reports/%d/approve", report.ID), nil)
	must(t, 200, s, b, "approve report")
	sup := w.e.staff("sup-a", models.RoleSupervisor, "4501")
	s, b = w.buyer.do("PUT", cp+"/supervisors", map[string]any{"supervisor_ids": []int64{w.e.actor("sup-a").UserID}})
	must(t, 200, s, b, "assign supervisor")
	s, b = sup.do("POST", cp+"/evaluations", map[string]any{"phase": "midterm", "scores": c0603Scores(0)})
	must(t, 201, s, b, "midterm")
	w.now = w.now.AddDate(0, 6, 0)
	s, b = sup.do("POST", cp+"/evaluations", map[string]any{"phase": "final", "scores": c0603Scores(0)})
	must(t, 201, s, b, "final")
	s, b = sup.do("POST", cp+"/accept", nil)
	must(t, 200, s, b, "accept")

	all, _ := feed(t, w.e, "/api/v1/ocds/releases")
	want := [][]string{{"tender"}, {"award"}, {"contract"}, {"contractUpdate"}, {"contractUpdate"}, {"contractUpdate"}, {"contractUpdate"}}
	if got := tagsOf(all); !slices.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("tags %v, want %v", got, want)
	}
	status := func(r ocdsReleaseJSON) string {
		out := r.Contracts[0].Status
		for _, m := range r.Contracts[0].Milestones {
			out += " " + m.Code + ":" + m.Status
		}
		return out
	}
	for i, want := range []string{
		"active signing:met midterm:scheduled acceptance:scheduled", // signed
		"active signing:met midterm:scheduled acceptance:scheduled", // in service
		"active signing:met midterm:met acceptance:scheduled",       // midterm passed
		"active signing:met midterm:met acceptance:scheduled",       // final recorded
		"terminated signing:met midterm:met acceptance:met",         // accepted
	} {
		if got := status(all[i+2]); got != want {
			t.Fatalf("release %d: %s, want %s", i+2, got, want)
		}
	}
}

// TestOCDSUnsuccessfulTender: disqualifications that leave too few valid
// bids end the tender unsuccessful, a tenderUpdate release that lists the
// tenderers (the deadline has passed) and no award; the publication's
// release, read afterwards, still says nothing of bids.
func TestOCDSUnsuccessfulTender(t *testing.T) {
	w := newTenderWorld(t)
	tender := w.publish(t)
	var bids []int64
	for i := range w.agents {
		bids = append(bids, w.bid(t, i, tender, 250_000+int64(i), "方案"))
	}
	w.now = w.now.Add(12 * 24 * time.Hour)
	api := fmt.Sprintf("/api/v1/tenders/%d", tender)
	s, b := w.buyer.do("POST", api+"/credit-checks", map[string]any{"organisation_id": w.orgs[2], "result": "listed", "checked_at": w.now.Format(time.RFC3339)})
	must(t, 201, s, b, "listed")
	s, b = w.buyer.do("POST", fmt.Sprintf("/api/v1/bids/%d/disqualify", bids[1]), map[string]any{"reason": "报价文件未盖章", "confirm_end": true})
	must(t, 200, s, b, "disqualify")
	s, b = w.e.anon().do("GET", api, nil)
	if got := decode[idOnly](t, must(t, 200, s, b, "tender")); got.Status != "unsuccessful" {
		t.Fatalf("tender %s", got.Status)
	}
	all, _ := feed(t, w.e, "/api/v1/ocds/releases")
	if got := tagsOf(all); !slices.EqualFunc(got, [][]string{{"tender"}, {"tenderUpdate"}}, slices.Equal) {
		t.Fatalf("tags %v", got)
	}
	if all[0].Tender.NumberOfTenderers != nil || len(all[0].Parties) != 1 {
		t.Fatalf("the publication's release tells of bids: %+v", all[0])
	}
	end := all[1]
	if end.Tender.Status != "unsuccessful" || end.Tender.NumberOfTenderers == nil || *end.Tender.NumberOfTenderers != 3 || len(end.Awards) != 0 {
		t.Fatalf("unsuccessful release: %+v", end.Tender)
	}
}
